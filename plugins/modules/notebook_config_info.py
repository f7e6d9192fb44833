#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: notebook_config_info
short_description: Read the ArcGIS Enterprise notebook configuration
version_added: 1.0.0
description:
  - Reads the notebook configuration of an ArcGIS Enterprise (on Kubernetes) deployment from
    C(<url>/admin/notebooks/configuration) and returns it exactly as the server sent it, including keys
    this collection does not know about.
  - Makes one request when given a O(token), two (token, then read) with O(username) and O(password).
  - An error that the server reports inside an HTTP 200 answer fails the task with the server's code and message.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options: {}
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.info_module
  - platform_ops.admin.attributes.arcgis_group
notes:
  - The account needs the C(Servers) or C(Security and infrastructure) administrative privilege.
seealso:
  - name: Notebook configuration (ArcGIS Enterprise Administrator API)
    description: The vendor's documentation of the configuration resource.
    link: https://developers.arcgis.com/rest/enterprise-administration/enterprise/notebook-configuration/
'''

EXAMPLES = r'''
- name: Read the notebook configuration with a token from an earlier task
  platform_ops.admin.notebook_config_info:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
  register: notebook_config

- name: Show the idle notebook threshold
  ansible.builtin.debug:
    msg: "Idle notebooks close after {{ notebook_config.configuration.idleNotebookThreshold }} minutes"

- name: Read it with an administrator's credentials and a private CA
  platform_ops.admin.notebook_config_info:
    url: https://gis.example.com/arcgis
    username: "{{ vault_arcgis_admin }}"
    password: "{{ vault_arcgis_password }}"
    ca_path: /etc/pki/ca-trust/source/anchors/corp-ca.pem
  register: notebook_config
'''

RETURN = r'''
configuration:
  description:
    - The notebook configuration as the server returned it. Keys vary with the server version; unknown keys are kept.
  returned: success
  type: dict
  sample:
    webSocketSize: 16
    maxExecuteNotebookTimeMinutes: 120
    maxSnapshotsPerNotebookItem: 5
    allowHiddenFileDownloads: false
    idleNotebookThreshold: 720
    containerCreatedThreshold: 60
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS


def main():
    module = PlatformModule(ARCGIS)
    with module.connect() as client:
        module.done(configuration=client.get_configuration())


if __name__ == '__main__':
    main()
