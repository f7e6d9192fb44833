# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the Elastic Cloud Enterprise modules."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - URL of the ECE coordinator (the Cloud UI and API host), such as C(https://coordinator.example.com:12443).
        The API is under C(<url>/api/v1); a URL that already ends in C(/api/v1) is used as it is.
      - If not set, the value of the E(ECE_URL) environment variable is used.
    type: str
    required: true
  api_key:
    description:
      - 'An ECE API key, sent in the header C(Authorization: ApiKey <key>).'
      - If not set, and neither O(username) nor O(password) is set, the value of the E(ECE_API_KEY) environment
        variable is used.
      - Mutually exclusive with O(username) and O(password).
    type: str
  username:
    description:
      - User for basic authentication. Requires O(password).
      - If not set, and O(api_key) is not set either, the value of the E(ECE_USERNAME) environment variable is used
        (when E(ECE_API_KEY) is set too, only if the task sets O(password)).
    type: str
  password:
    description:
      - Password of O(username).
      - If not set, and O(api_key) is not set either, the value of the E(ECE_PASSWORD) environment variable is used
        (when E(ECE_API_KEY) is set too, only if the task sets O(username)).
    type: str
notes:
  - Give either O(api_key) or O(username) and O(password). Credentials the task gives (its options, or
    C(module_defaults)) win over the environment, which is only a fallback - a task's O(api_key) ignores
    E(ECE_USERNAME) and E(ECE_PASSWORD), a task's O(username) or O(password) ignores E(ECE_API_KEY), and the
    environment fills in only what the task's way leaves out. Without either in the task, E(ECE_API_KEY) is used,
    else E(ECE_USERNAME) and E(ECE_PASSWORD). The same rule holds for every vendor of this collection.
  - An error names the operation, the URL, the HTTP status and every code and message of the server's
    C(BasicFailedReply) body, with its C(x-cloud-error-codes) header.
'''
