#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: notebook_deployment_info
short_description: List ArcGIS Enterprise notebook deployments
version_added: 1.0.0
description:
  - Lists the running notebook deployments of an ArcGIS Enterprise (on Kubernetes) site from
    C(<url>/admin/notebooks/deployments) with one request, optionally filtered.
  - A deployment is listed while it exists; the API has no status field, so every listed deployment is running.
  - Administrators see the deployments of every user; other users see only their own.
  - Filters combine; an entry must match all of them.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  owner:
    description:
      - Only the deployments of this user (the C(username) field).
    type: str
  deployment_ids:
    description:
      - Only these deployment ids. A single id may be given as a string; an empty list matches nothing.
    type: list
    elements: str
    aliases: [deployment_id]
  older_than_minutes:
    description:
      - Only deployments created at least this many minutes ago (by C(dateCreated)).
    type: int
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.info_module
  - platform_ops.admin.attributes.arcgis_group
notes:
  - The account needs the C(Create and edit notebooks) privilege.
seealso:
  - module: platform_ops.admin.notebook_deployment
'''

EXAMPLES = r'''
- name: Deployments of one user
  platform_ops.admin.notebook_deployment_info:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    owner: gis_joe
  register: joe

- name: Deployments running for more than a working day
  platform_ops.admin.notebook_deployment_info:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    older_than_minutes: 480
  register: stale

- name: Report them
  ansible.builtin.debug:
    msg: "{{ stale.deployments | map(attribute='username') | list }}"
'''

RETURN = r'''
deployments:
  description:
    - The matching deployments, as the server listed them (fields vary with the server version).
  returned: success
  type: list
  elements: dict
  sample:
    - id: fa80941b7a6c4e3c9d1d2f0e6b5a4c3d
      username: gis_joe
      type: openNotebook
      url: /notebooks/fa80941b7a6c4e3c9d1d2f0e6b5a4c3d
      privateUrl: ''
      dateCreated: 1732000000000
      notebookRuntimeId: a7f6b8e2c1d34f5e9a0b1c2d3e4f5a6b
      notebookRuntimeName: ArcGIS Notebook Python 3 Standard
      notebookRuntimeVersion: '11.0'
      allowHiddenFileDownloads: false
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS, select_deployments


def input_problem(params):
    """The problem with the module's own options, or ``None``."""
    if params['older_than_minutes'] is not None and params['older_than_minutes'] < 0:
        return 'older_than_minutes must be 0 or more, got %d.' % params['older_than_minutes']
    return None


def main():
    module = PlatformModule(ARCGIS, dict(
        owner=dict(type='str'),
        deployment_ids=dict(type='list', elements='str', aliases=['deployment_id']),
        older_than_minutes=dict(type='int'),
    ))
    params = module.params
    module.require(input_problem(params))
    with module.connect() as client:
        listed = client.list_deployments()
    module.done(deployments=select_deployments(listed, deployment_ids=params['deployment_ids'], owner=params['owner'],
                                               older_than_minutes=params['older_than_minutes']))


if __name__ == '__main__':
    main()
