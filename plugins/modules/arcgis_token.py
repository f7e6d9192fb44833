#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: arcgis_token
short_description: Generate an ArcGIS Enterprise token once, for every later task of a play
version_added: 1.0.0
description:
  - Generates a token with C(<url>/sharing/rest/generateToken) from O(username) and O(password) and returns it,
    so a play authenticates once and hands the token to every later task through C(module_defaults)
    (C(group/platform_ops.admin.arcgis)) instead of generating one per task.
  - Sends exactly one request. Generating a token changes nothing on the server, so the module never reports
    C(changed) and generates the token in check mode too (later tasks need it to read).
  - The returned RV(token) is a secret. Register the result in a task with C(no_log=true) and pass the token on;
    do not print it. The module masks O(password), never the token it returns (masking would replace the value
    the play needs).
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  expiration:
    description:
      - Minutes the token stays valid. The server caps it (by default at two weeks).
    type: int
    default: 60
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.arcgis_group
attributes:
  check_mode:
    support: full
    details:
      - Generating a token changes no server state, so the token is generated in check mode as well.
  diff_mode:
    support: none
notes:
  - O(username) and O(password) are required. O(token) is not used - a token found in E(ARCGIS_TOKEN) or in
    C(module_defaults) is ignored and a new one generated.
  - With O(referer) the token is bound to that referer (C(client=referer)) and every task that uses it must send
    the same O(referer); otherwise it is bound to the address of the host that runs the modules (C(client=requestip)).
seealso:
  - name: generateToken (ArcGIS REST API)
    description: The vendor's documentation of the token service.
    link: https://developers.arcgis.com/rest/users-groups-and-items/generate-token/
'''

EXAMPLES = r'''
- name: Notebook housekeeping with one token for the whole play
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/platform_ops.admin.arcgis:
      url: https://gis.example.com/arcgis
  tasks:
    - name: Authenticate once
      platform_ops.admin.arcgis_token:
        username: "{{ vault_arcgis_admin }}"
        password: "{{ vault_arcgis_password }}"
        expiration: 30
      register: arcgis_login
      no_log: true

    - name: Administer notebooks with that token
      module_defaults:
        group/platform_ops.admin.arcgis:
          url: https://gis.example.com/arcgis
          token: "{{ arcgis_login.token }}"
      block:
        - name: Read the notebook configuration
          platform_ops.admin.notebook_config_info:
          register: notebook_config

        - name: List the running deployments
          platform_ops.admin.notebook_deployment_info:
          register: running
'''

RETURN = r'''
token:
  description:
    - The token. A secret - pass it to later tasks (O(token) or C(module_defaults)), never print it.
  returned: success
  type: str
  sample: 3wf9X2a8Qm1L0Zk7Rf5cS4bV6nT8pY2dH0jK9uE1gW3xC5vB7mN9qA2sD4fG6hJ8
expires:
  description:
    - When the token expires, in milliseconds since the epoch, as the server answered (a fraction is cut off).
    - V(null) when the answer has no number there (the task then warns, unless the server sent nothing).
  returned: success
  type: int
  sample: 1732003600000
expires_at:
  description:
    - RV(expires) as an ISO 8601 UTC time; V(null) when RV(expires) is null or not a date that can be written.
  returned: success
  type: str
  sample: '2024-11-19T08:06:40Z'
referer:
  description:
    - The referer the token is bound to, or V(null) when it is bound to the requesting address.
  returned: success
  type: str
  sample: https://ops.example.com
'''

import datetime
import math

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS, ARCGIS_PASSWORD_WAY


def input_problem(params):
    """The problem with the options, or ``None``."""
    if not (params['username'] and params['password']):
        return ('arcgis_token generates a token from username and password (or ARCGIS_USERNAME and ARCGIS_PASSWORD); '
                '%s.' % ('a token cannot be used to generate one' if params['token'] else 'give both'))
    if params['expiration'] < 1:
        return 'expiration must be at least 1 minute, got %d.' % params['expiration']
    return None


def main():
    # A token (the task's, module_defaults' or ARCGIS_TOKEN) is not what this module is asked for: it generates a new
    # one from username and password, given or from the environment.
    module = PlatformModule(ARCGIS, dict(expiration=dict(type='int', default=60)), credentials=(ARCGIS_PASSWORD_WAY,))
    params = module.params
    module.require(input_problem(params))
    params['token'] = None
    with module.connect() as client:
        # The token this module returns is registered with the HTTP client's redactor only, not with
        # Ansible's no_log values: those would replace the returned value with asterisks.
        client.mask_in_messages_only()
        body = client.generate_token(expiration=params['expiration'])
    expires, expires_at = expiry(module, body.get('expires'))
    module.done(token=body['token'], expires=expires, expires_at=expires_at, referer=params['referer'])


def expiry(module, value):
    """``(expires, expires_at)``: the server's expiry time as whole milliseconds (``None`` when it sent no number)
    and as an ISO 8601 UTC time (``None`` when that is no date either)."""
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        module.warn('The token service answered an expiry time that is not a number (%r); expires is null.' % (value,))
        return None, None
    expires = int(value)
    try:
        return expires, datetime.datetime.fromtimestamp(expires / 1000.0, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    except (OverflowError, ValueError, OSError):
        # Out of the range of dates (1e20 ms): the number as sent, without a date.
        module.warn('The token service answered an expiry time that is not a date (%r); expires_at is null.' % (value,))
        return expires, None


if __name__ == '__main__':
    main()
