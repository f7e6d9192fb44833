#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ece_stateless_resource_info
short_description: List the stateless resources of an Elastic Cloud Enterprise deployment
version_added: 1.0.0
description:
  - Returns the stateless resources (Kibana, APM, App Search, Enterprise Search, Integrations Server) of an
    Elastic Cloud Enterprise deployment, of one kind or of all kinds, summarised - status, health, instances,
    pending plan and versions.
  - Makes one request per deployment, C(GET /api/v1/deployments/{deployment_id}), without plan logs or history.
  - Many deployments in one task (O(deployment_ids)) are read O(parallel) at a time over pooled connections; the
    result of each is in RV(deployments). A deployment that cannot be read does not hide the others (see
    O(max_fail_percentage)), and the task fails after all of them, naming how many failed.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  deployment_id:
    description:
      - Identifier of the deployment.
      - Give either O(deployment_id) or O(deployment_ids).
    type: str
  deployment_ids:
    description:
      - Identifiers of deployments read in one task, O(parallel) at a time; each one's result is in RV(deployments).
    type: list
    elements: str
    version_added: 2.0.0
  parallel:
    description:
      - How many deployments of O(deployment_ids) are read at once, from V(1) to V(64), each over a pooled
        connection of its own. When ECE answers HTTP 429, every worker waits the time its C(Retry-After) asks for.
    type: int
    default: 8
    version_added: 2.0.0
  max_fail_percentage:
    description:
      - Once more than this percentage of O(deployment_ids) failed, no further deployment is read (those under way
        finish), as Ansible's play keyword of that name. V(100) never stops early.
    type: int
    default: 100
    version_added: 2.0.0
  kind:
    description:
      - Only resources of this kind. All stateless kinds when not set.
    type: str
    choices: [kibana, apm, appsearch, enterprise_search, integrations_server]
  ref_id:
    description:
      - Only the resource with this reference id. Requires O(kind). An empty list is returned when there is none.
    type: str
extends_documentation_fragment:
  - platform_ops.admin.ece
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.info_module
  - platform_ops.admin.attributes.ece_group
seealso:
  - module: platform_ops.admin.ece_stateless_resource
'''

EXAMPLES = r'''
- name: List every stateless resource of a deployment
  platform_ops.admin.ece_stateless_resource_info:
    url: https://coordinator.example.com:12443
    api_key: "{{ vault_ece_api_key }}"
    deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
  register: stateless

- name: Name the resources that are not healthy
  ansible.builtin.debug:
    msg: "{{ stateless.resources | rejectattr('healthy') | map(attribute='ref_id') | list }}"

- name: Read the Kibana of a deployment
  platform_ops.admin.ece_stateless_resource_info:
    url: https://coordinator.example.com:12443
    username: admin
    password: "{{ vault_ece_password }}"
    deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
    kind: kibana
  register: kibana

- name: Read the Kibana of many deployments, 16 at a time
  platform_ops.admin.ece_stateless_resource_info:
    url: https://coordinator.example.com:12443
    api_key: "{{ vault_ece_api_key }}"
    deployment_ids:
      - 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
      - 4f1c0c2e6a7b4c8d9e0f1a2b3c4d5e6f
    kind: kibana
    parallel: 16
  register: fleet_kibana

- name: Name the deployments with an unhealthy Kibana
  ansible.builtin.debug:
    msg: "{{ fleet_kibana.resources | rejectattr('healthy') | map(attribute='deployment_id') | list }}"
'''

RETURN = r'''
deployments:
  description:
    - Each deployment, in the order given (one entry with O(deployment_id)), with its RV(resources).
  returned: always
  type: list
  elements: dict
  version_added: 2.0.0
  contains:
    id:
      description: Its id.
      type: str
    name:
      description: Its name.
      type: str
    healthy:
      description: Whether ECE reports the whole deployment healthy.
      type: bool
    resources:
      description: Its stateless resources, as RV(resources).
      type: list
      elements: dict
    failed:
      description: V(true) when it could not be read; RV(deployments[].msg) says why, with the error's details
        (C(operation), C(http_status), C(error_code)...) beside it.
      type: bool
    skipped:
      description: V(true) when it was not read because too many had failed (O(max_fail_percentage)).
      type: bool
    msg:
      description: Why it failed or was skipped.
      type: str
  sample:
    - id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
      name: observability
      healthy: true
      resources: []
deployment:
  description: The deployment.
  returned: with O(deployment_id)
  type: dict
  contains:
    id:
      description: Its id.
      type: str
      sample: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
    name:
      description: Its name.
      type: str
      sample: observability
    healthy:
      description: Whether ECE reports the whole deployment healthy.
      type: bool
resources:
  description:
    - The stateless resources, in the order kibana, apm, appsearch, enterprise_search, integrations_server.
    - With O(deployment_ids), those of every deployment read, deployment after deployment, each with its
      C(deployment_id).
  returned: success
  type: list
  elements: dict
  contains:
    deployment_id:
      description: The deployment it belongs to (with O(deployment_ids) only).
      type: str
    kind:
      description: The kind of the resource.
      type: str
      sample: kibana
    ref_id:
      description: Its reference id in the deployment.
      type: str
      sample: main-kibana
    id:
      description: Its cluster id.
      type: str
    elasticsearch_cluster_ref_id:
      description: The reference id of the Elasticsearch resource it belongs to.
      type: str
      sample: main-elasticsearch
    status:
      description: The status ECE reports (V(initializing), V(stopping), V(stopped), V(rebooting), V(restarting),
        V(reconfiguring) or V(started)).
      type: str
      sample: started
    healthy:
      description: Whether ECE reports it healthy.
      type: bool
    state:
      description: V(started) (every instance running), V(stopped) (none running), V(mixed) or V(shutdown).
      type: str
      sample: started
    maintenance_mode:
      description: Whether every instance is in maintenance mode.
      type: bool
    instances:
      description: Its instances - C(name), C(running), C(container_started), C(service_running),
        C(maintenance_mode), C(healthy), C(version) and C(zone).
      type: list
      elements: dict
    plan_attempt_id:
      description: The id of the current plan attempt.
      type: str
    pending_plan:
      description: The pending plan (C(plan_attempt_id), C(attempt_start_time)), or V(null).
      type: dict
    versions:
      description: The version in the current plan (C(plan)) and the distinct versions the instances run
        (C(instances)).
      type: dict
      sample:
        plan: 8.15.3
        instances: [8.15.3]
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import (
    DEFAULT_PARALLEL,
    fail_percentage_problem,
    ids_problem,
    parallel_problem,
    report_outcomes,
    run_bounded,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import ECE, STATELESS_KINDS, resources_of, summarize
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem


def input_problem(params):
    """The problem with the options, or ``None``."""
    problem = parallel_problem(params['parallel']) or fail_percentage_problem(params['max_fail_percentage'])
    if problem or params['deployment_ids'] is None:
        return problem or id_problem(params['deployment_id'], 'deployment_id')
    return ids_problem(params['deployment_ids'], 'deployment_ids', 'deployment')


def read(module, client, deployment_id):
    """``{id, name, healthy, resources}`` of one deployment (the resources the options select)."""
    params = module.params
    deployment = client.get_deployment(deployment_id, kinds=[params['kind']] if params['kind'] else STATELESS_KINDS)
    resources = []
    for kind in STATELESS_KINDS:
        if params['kind'] and kind != params['kind']:
            continue
        for resource in resources_of(deployment, kind):
            if params['ref_id'] and resource.get('ref_id') != params['ref_id']:
                continue
            resources.append(summarize(kind, resource))
    return dict(id=deployment.get('id'), name=deployment.get('name'), healthy=deployment.get('healthy'),
                resources=resources)


def main():
    module = PlatformModule(ECE, dict(
        deployment_id=dict(type='str'),
        deployment_ids=dict(type='list', elements='str'),
        kind=dict(type='str', choices=list(STATELESS_KINDS)),
        ref_id=dict(type='str'),
        parallel=dict(type='int', default=DEFAULT_PARALLEL),
        max_fail_percentage=dict(type='int', default=100),
    ), required_by=dict(ref_id=['kind']), mutually_exclusive=[('deployment_id', 'deployment_ids')],
        required_one_of=[('deployment_id', 'deployment_ids')])
    params = module.params
    module.require(input_problem(params))
    if params['deployment_id'] is not None:
        with module.connect() as client:
            found = read(module, client, params['deployment_id'])
        module.done(deployment=dict((key, found[key]) for key in ('id', 'name', 'healthy')),
                    resources=found['resources'], deployments=[found])
    ids = [value.strip() for value in params['deployment_ids']]
    results = [dict(id=deployment_id) for deployment_id in ids]
    with module.connect(pool_maxsize=params['parallel']) as client:

        def work(index):
            results[index].update(read(module, client, ids[index]))

        outcomes = run_bounded(range(len(ids)), work, params['parallel'], params['max_fail_percentage'],
                               name='ece-deployment')
    failure = report_outcomes(outcomes, results, 'ECE deployments')
    module.result.update(deployments=results, resources=[
        dict(resource, deployment_id=result['id']) for result in results for resource in result.get('resources', ())])
    if failure:
        module.fail(failure)
    module.done()


if __name__ == '__main__':
    main()
