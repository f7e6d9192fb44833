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
  - Makes one request, C(GET /api/v1/deployments/{deployment_id}), without plan logs or history.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  deployment_id:
    description:
      - Identifier of the deployment.
    type: str
    required: true
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
'''

RETURN = r'''
deployment:
  description: The deployment.
  returned: success
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
  description: The stateless resources, in the order kibana, apm, appsearch, enterprise_search, integrations_server.
  returned: success
  type: list
  elements: dict
  contains:
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
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import ECE, STATELESS_KINDS, resources_of, summarize
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem


def main():
    module = PlatformModule(ECE, dict(
        deployment_id=dict(type='str', required=True),
        kind=dict(type='str', choices=list(STATELESS_KINDS)),
        ref_id=dict(type='str'),
    ), required_by=dict(ref_id=['kind']))
    params = module.params
    module.require(id_problem(params['deployment_id'], 'deployment_id'))
    with module.connect() as client:
        deployment = client.get_deployment(params['deployment_id'],
                                           kinds=[params['kind']] if params['kind'] else STATELESS_KINDS)
    resources = []
    for kind in STATELESS_KINDS:
        if params['kind'] and kind != params['kind']:
            continue
        for resource in resources_of(deployment, kind):
            if params['ref_id'] and resource.get('ref_id') != params['ref_id']:
                continue
            resources.append(summarize(kind, resource))
    module.done(deployment=dict(id=deployment.get('id'), name=deployment.get('name'), healthy=deployment.get('healthy')),
                resources=resources)


if __name__ == '__main__':
    main()
