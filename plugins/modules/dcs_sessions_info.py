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
  - Many instances in one task (O(instance_ids), or O(instances) with a project, region or endpoint per instance) are
    read O(parallel) at a time over pooled connections; the result of each is in RV(instances). An instance that
    fails does not hide the others (see O(max_fail_percentage)), and the task fails after all of them, naming how
    many failed.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  instance_id:
    description:
      - ID of the DCS instance.
      - Give one of O(instance_id), O(instance_ids) and O(instances).
    type: str
  instance_ids:
    description:
      - IDs of DCS instances of O(project_id), read in one task, O(parallel) at a time (the sessions of every node
        clients connect to; not with O(node_id)).
    type: list
    elements: str
    version_added: 2.0.0
  instances:
    description:
      - DCS instances read in one task, each with its own project, region or endpoint where they differ from the
        task's, as O(platform_ops.admin.dcs_sessions#module:instances) takes them (not with O(node_id)).
    type: list
    elements: dict
    version_added: 2.0.0
    suboptions:
      id:
        description: ID of the instance.
        type: str
        required: true
      project_id:
        description: Its project, when not the task's O(project_id).
        type: str
      region:
        description: Its region, when not the task's O(region) (what an entry gives goes over the task's options).
        type: str
      endpoint:
        description: The DCS endpoint of its region, when not the task's O(endpoint) (or the region's default).
        type: str
  parallel:
    description:
      - How many instances are read at once, from V(1) to V(64), as
        O(platform_ops.admin.dcs_sessions#module:parallel) (an HTTP 429 slows every worker down).
    type: int
    default: 8
    version_added: 2.0.0
  max_fail_percentage:
    description:
      - Once more than this percentage of the instances failed, no further instance is started, as
        O(platform_ops.admin.dcs_sessions#module:max_fail_percentage). V(100) never stops early.
    type: int
    default: 100
    version_added: 2.0.0
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

- name: Count the sessions of many instances, each in its own project and region, 16 at a time
  platform_ops.admin.dcs_sessions_info:
    project_id: "{{ huawei_project_id }}"
    region: ap-southeast-1
    instances:
      - id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
      - id: 7e8f9a0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b
        project_id: 5d8b7e3f2a6c4e9d8f1a0b2c3d4e5f60
        region: cn-north-4
    parallel: 16
  register: fleet_sessions
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
instances:
  description:
    - The result of each instance, in the order given (one entry with O(instance_id)).
    - With O(instance_ids) or O(instances), RV(sessions), RV(nodes) and RV(total) are those of every instance
      together, each session with its C(instance_id).
  returned: success, and when the task fails with O(instance_ids) or O(instances)
  type: list
  elements: dict
  version_added: 2.0.0
  contains:
    instance_id:
      description: ID of the instance.
      type: str
    project_id:
      description: Its project.
      type: str
    sessions:
      description: Its matching sessions, as RV(sessions).
      type: list
      elements: dict
    nodes:
      description: IDs of its nodes whose sessions were scanned.
      type: list
      elements: str
    total:
      description: How many sessions its scans found, before filtering.
      type: int
    failed:
      description: V(true) when this instance could not be read; RV(instances[].msg) says why, with the error's
        details (C(operation), C(http_status), C(error_code)...) beside it.
      type: bool
    skipped:
      description: V(true) when it was not started because too many had failed (O(max_fail_percentage)).
      type: bool
    msg:
      description: Why it failed or was skipped.
      type: str
  sample:
    - instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
      project_id: 0605767f1a80d5762fe0c00b2ed9c1a3
      nodes: [8f7ee181-88e2-49b7-a4bf-81f18f93a135]
      total: 12
      sessions: []
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import report_outcomes, run_bounded
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import (
    DCS,
    MANY_INSTANCES_EXCLUSIVE,
    MAX_WAIT_TIMEOUT,
    dcs_clients_from_module,
    filter_problem,
    filters_from_params,
    many_instances_spec,
    session_filter_spec,
    session_matches,
    targets_from_params,
    targets_problem,
)


def own_argument_spec():
    """The module's own options (the frame adds the connection options)."""
    spec = session_filter_spec()
    spec.update(many_instances_spec())
    spec.update(
        instance_id=dict(type='str'),
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
        if not problem and params['instance_id'] is None:
            problem = 'node_id names a node of one instance: give it with instance_id.'
    if not problem and params['node_id'] is None and params['all_nodes'] is False:
        problem = 'Give node_id, or all_nodes=true for the sessions of every node.'
    if not problem and not 0 < params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        problem = 'wait_timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    return problem or targets_problem(params) or filter_problem(params)


def read(module, client, instance_id, one_node=None):
    """The sessions of one instance (of ``one_node`` only, when given): ``{nodes, total, sessions}`` (the sessions
    the filters select)."""
    params = module.params
    node_ids = client.session_nodes(instance_id, one_node)
    by_node = client.scan_sessions(instance_id, node_ids, params['wait_timeout'], clean_cache=params['clean_cache'])
    sessions = [session for node_id in node_ids for session in by_node[node_id]]
    filters = filters_from_params(params)
    return dict(nodes=node_ids, total=len(sessions), sessions=[session for session in sessions if session_matches(session, filters)])


def main():
    module = PlatformModule(DCS, own_argument_spec(), mutually_exclusive=MANY_INSTANCES_EXCLUSIVE,
                            required_one_of=MANY_INSTANCES_EXCLUSIVE)
    params = module.params
    module.require(input_problem(params))
    if params['instance_id'] is not None:
        instance_id = params['instance_id'].strip()
        with module.connect() as client:
            found = read(module, client, instance_id, (params['node_id'] or '').strip() or None)
        module.done(instances=[dict(found, instance_id=instance_id, project_id=params['project_id'].strip())], **found)
    targets = targets_from_params(params)
    with module.connect(connect=dcs_clients_from_module, places=[place for _id, place in targets],
                        pool_maxsize=params['parallel']) as clients:
        results = [dict(instance_id=instance_id, project_id=clients.project_of(place))
                   for instance_id, place in targets]

        def work(index):
            instance_id, place = targets[index]
            results[index].update(read(module, clients[place], instance_id))

        outcomes = run_bounded(range(len(targets)), work, params['parallel'], params['max_fail_percentage'],
                               name='dcs-instance')
    failure = report_outcomes(outcomes, results, 'DCS instances')
    module.result.update(
        instances=results, nodes=[node_id for result in results for node_id in result.get('nodes', ())],
        total=sum(result.get('total', 0) for result in results),
        sessions=[dict(session, instance_id=result['instance_id']) for result in results
                  for session in result.get('sessions', ())])
    if failure:
        module.fail(failure)
    module.done()


if __name__ == '__main__':
    main()
