#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dcs_sessions_info
short_description: List the client sessions of a Huawei Cloud DCS (Redis) instance
version_added: 1.0.0
description:
  - Lists the client sessions of one node (O(node_id)) or of every node clients connect to (O(all_nodes) - the proxies
    when the instance has any, the data nodes otherwise, read from C(logical-nodes)), as
    M(platform_ops.admin.dcs_sessions) selects the nodes whose sessions it kills.
  - For each node it starts a session scan, waits for the scan job, then reads every page of the session list
    (1000 sessions per request).
  - The filters select which sessions are returned.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  instance_id:
    description:
      - ID of the DCS instance.
    type: str
    required: true
  node_id:
    description:
      - Only the sessions of this node (its C(node_id), not C(logical_node_id)).
      - When not set, the sessions of every node clients connect to (see O(all_nodes)).
    type: str
  all_nodes:
    description:
      - The sessions of every node clients connect to, as with M(platform_ops.admin.dcs_sessions).
      - That is also what a task that gives neither O(node_id) nor O(all_nodes) lists, so V(true) only says it the way
        M(platform_ops.admin.dcs_sessions) needs it said, and a task reads the same in both modules. With O(node_id),
        V(true) fails; V(false) needs O(node_id).
    type: bool
    version_added: 2.0.0
  clean_cache:
    description:
      - Passed to the session scan as C(clean_cache), so the scan starts from an empty session cache.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the session scans (started together, they share this time).
    type: int
    default: 300
extends_documentation_fragment:
  - platform_ops.admin.huawei_dcs
  - platform_ops.admin.huawei_dcs.session_filters
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.info_module
  - platform_ops.admin.attributes.huawei_dcs_group
notes:
  - The session scan (C(POST .../clients)) refreshes the service's session list and changes no session, so it is
    sent in check mode too.
seealso:
  - module: platform_ops.admin.dcs_sessions
'''

EXAMPLES = r'''
- name: List the sessions idle for more than ten minutes on every node
  platform_ops.admin.dcs_sessions_info:
    region: ap-southeast-1
    project_id: "{{ huawei_project_id }}"
    access_key: "{{ vault_huawei_ak }}"
    secret_key: "{{ vault_huawei_sk }}"
    instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
    all_nodes: true
    idle_longer_than: 600
  register: idle_sessions

- name: Show how many there are
  ansible.builtin.debug:
    msg: "{{ idle_sessions.sessions | length }} of {{ idle_sessions.total }} sessions have been idle for over ten minutes"

- name: List the sessions of the web clients on one node (credentials from HUAWEICLOUD_SDK_*)
  platform_ops.admin.dcs_sessions_info:
    instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
    node_id: 8f7ee181-88e2-49b7-a4bf-81f18f93a135
    name: web
'''

RETURN = r'''
sessions:
  description:
    - The matching sessions, with the ID of their node in C(node_id).
    - The other keys are the service's ClientInfo fields, as sent.
  returned: success
  type: list
  elements: dict
  sample:
    - node_id: 8f7ee181-88e2-49b7-a4bf-81f18f93a135
      id: "1001"
      addr: 10.0.0.5:2048
      peer: 10.0.0.5:2048
      name: web
      cmd: get
      db: "0"
      age: 86400
      idle: 37
      flags: N
      network: tcp
nodes:
  description:
    - IDs of the nodes whose sessions were scanned.
  returned: success
  type: list
  elements: str
  sample: [8f7ee181-88e2-49b7-a4bf-81f18f93a135]
total:
  description:
    - How many sessions the scans found, before filtering.
  returned: success
  type: int
  sample: 2000
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import (
    DCS,
    MAX_WAIT_TIMEOUT,
    filter_problem,
    filters_from_params,
    session_filter_spec,
    session_matches,
)


def own_argument_spec():
    """The module's own options (the frame adds the connection options)."""
    spec = session_filter_spec()
    spec.update(
        instance_id=dict(type='str', required=True),
        node_id=dict(type='str'),
        all_nodes=dict(type='bool'),
        clean_cache=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
    )
    return spec


def input_problem(params):
    """The problem with the options, or ``None``."""
    problem = id_problem(params['instance_id'], 'instance_id')
    if not problem and params['node_id'] is not None:
        problem = id_problem(params['node_id'], 'node_id') if params['node_id'].strip() else \
            'node_id must not be empty; leave it out for the sessions of every node.'
        if not problem and params['all_nodes']:
            problem = 'Give either node_id or all_nodes=true, not both.'
    if not problem and params['node_id'] is None and params['all_nodes'] is False:
        problem = 'Give node_id, or all_nodes=true for the sessions of every node.'
    if not problem and not 0 < params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        problem = 'wait_timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    return problem or filter_problem(params)


def main():
    module = PlatformModule(DCS, own_argument_spec())
    params = module.params
    module.require(input_problem(params))
    instance_id = params['instance_id'].strip()
    filters = filters_from_params(params)
    with module.connect() as client:
        node_ids = client.session_nodes(instance_id, (params['node_id'] or '').strip() or None)
        by_node = client.scan_sessions(instance_id, node_ids, params['wait_timeout'], clean_cache=params['clean_cache'])
    sessions = [session for node_id in node_ids for session in by_node[node_id]]
    module.done(nodes=node_ids, total=len(sessions),
                sessions=[session for session in sessions if session_matches(session, filters)])


if __name__ == '__main__':
    main()
