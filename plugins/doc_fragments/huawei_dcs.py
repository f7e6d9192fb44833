# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the Huawei Cloud DCS modules."""

    DOCUMENTATION = r'''
options:
  region:
    description:
      - Huawei Cloud region, such as C(ap-southeast-1). Sets the default O(endpoint) and O(iam_endpoint).
      - If not set, the value of the E(HUAWEICLOUD_SDK_REGION) environment variable is used.
      - Required unless O(endpoint) (and, with IAM credentials, O(iam_endpoint)) are given.
    type: str
  project_id:
    description:
      - ID of the project the DCS instance belongs to.
      - If not set, the value of the E(HUAWEICLOUD_SDK_PROJECT_ID) environment variable is used.
    type: str
    required: true
  access_key:
    description:
      - Access key ID (AK). Requests are signed with it and O(secret_key) (C(SDK-HMAC-SHA256)), which
        needs no extra request.
      - If not set, and none of O(iam_username), O(iam_password) and O(domain_name) is set, the value of the
        E(HUAWEICLOUD_SDK_AK) environment variable is used.
      - Mutually exclusive with O(iam_username).
    type: str
  secret_key:
    description:
      - Secret access key (SK) of O(access_key). It signs requests and is never sent.
      - If not set, and none of the IAM options is set, the value of the E(HUAWEICLOUD_SDK_SK) environment variable
        is used.
    type: str
  security_token:
    description:
      - Security token of temporary credentials; sent as C(X-Security-Token) with O(access_key) and O(secret_key).
      - If not set, the value of the E(HUAWEICLOUD_SDK_SECURITY_TOKEN) environment variable is used, but only
        together with the access key of E(HUAWEICLOUD_SDK_AK), which it was issued with.
    type: str
  iam_username:
    description:
      - IAM user name for password authentication, the alternative to O(access_key) and O(secret_key).
      - The module asks IAM for one token per run and sends it as C(X-Auth-Token).
      - Requires O(iam_password) and O(domain_name).
      - If not set, and neither O(access_key) nor O(secret_key) is set, the value of the E(HUAWEICLOUD_IAM_USERNAME)
        environment variable is used (when E(HUAWEICLOUD_SDK_AK) is set too, only if the task sets another IAM
        option).
    type: str
  iam_password:
    description:
      - Password of O(iam_username).
      - If not set, and neither O(access_key) nor O(secret_key) is set, the value of the E(HUAWEICLOUD_IAM_PASSWORD)
        environment variable is used (when E(HUAWEICLOUD_SDK_AK) is set too, only if the task sets another IAM
        option).
    type: str
  domain_name:
    description:
      - Name of the account (domain) O(iam_username) belongs to.
      - If not set, and neither O(access_key) nor O(secret_key) is set, the value of the
        E(HUAWEICLOUD_IAM_DOMAIN_NAME) environment variable is used (when E(HUAWEICLOUD_SDK_AK) is set too, only if
        the task sets another IAM option).
    type: str
  endpoint:
    description:
      - Base URL of the DCS API.
      - Defaults to C(https://dcs.<region>.myhuaweicloud.com); set it for other clouds or a proxy.
      - If not set, the value of the E(HUAWEICLOUD_DCS_ENDPOINT) environment variable is used.
    type: str
  iam_endpoint:
    description:
      - Base URL of the IAM API, used with O(iam_username) only.
      - Defaults to C(https://iam.<region>.myhuaweicloud.com).
      - If not set, the value of the E(HUAWEICLOUD_IAM_ENDPOINT) environment variable is used.
    type: str
notes:
  - Give either O(access_key) and O(secret_key) or O(iam_username), O(iam_password) and O(domain_name).
    Credentials the task gives (its options, or C(module_defaults)) win over the environment, which is only a
    fallback - a task's IAM options ignore E(HUAWEICLOUD_SDK_AK) and E(HUAWEICLOUD_SDK_SK), a task's O(access_key)
    or O(secret_key) ignores the E(HUAWEICLOUD_IAM_*) variables, and the environment fills in only what the task's way
    leaves out. With no credential in the task, the keys of E(HUAWEICLOUD_SDK_AK) and E(HUAWEICLOUD_SDK_SK) are
    used, else the IAM user of the E(HUAWEICLOUD_IAM_*) variables. The same rule holds for every vendor of this
    collection.
  - Errors quote the service's C(error_code) and C(error_msg) with the HTTP status. A request whose signature
    the service rejects fails with HTTP 401 and a hint to check the keys, the security token and the clock.
'''

    SESSION_FILTERS = r'''
options:
  client_addrs:
    description:
      - Only sessions whose address is one of these, given as C(address:port) (the session's C(peer) or C(addr))
        or as a bare address matching every port.
    type: list
    elements: str
  idle_longer_than:
    description:
      - Only sessions idle for more than this many seconds (the session's C(idle)).
      - A session whose C(idle) the service did not send as a number does not match.
    type: int
  name:
    description:
      - Only sessions with this client name (set by the client with C(CLIENT SETNAME)).
    type: str
  db:
    description:
      - Only sessions using this database number, such as C(0).
    type: str
  cmd:
    description:
      - Only sessions whose last command was this one, such as C(get).
    type: str
  addr_prefix:
    description:
      - Only sessions whose address starts with this text, such as C(10.0.3.).
    type: str
notes:
  - A session must match every filter that is given.
'''
