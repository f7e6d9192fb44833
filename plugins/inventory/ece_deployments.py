# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: ece_deployments
short_description: One host per Elastic Cloud Enterprise deployment, grouped by the health of its stateless resources
version_added: 2.0.0
author:
  - platform_ops.admin maintainers (!UNKNOWN)
description:
  - Lists the deployments the credentials see and makes each one a host, so that Ansible's forks, C(--limit),
    C(serial), C(max_fail_percentage), the inventory cache and AWX job slicing spread work over a fleet.
  - By default the deployments are searched (C(POST /api/v1/deployments/_search), O(page_size) per request, sorted by
    id, then the answer's cursor until every match is read), which gives each resource's health. O(listing=list)
    reads the plain list instead (C(GET /api/v1/deployments), one request, no health).
  - Each host runs modules on the controller (C(ansible_connection=local)). Its variables - V(ece_deployment_id),
    V(ece_deployment_name), V(ece_url), V(ece_healthy) (the deployment's own health; null from the plain list),
    V(ece_tags) (a dict) and V(ece_resources) - let the ECE modules and the role
    C(platform_ops.admin.ece_stateless_health) run with no id in the task (see the examples).
  - V(ece_resources) maps each kind of O(kinds) to the deployment's resources of that kind, each with C(ref_id),
    C(id), C(status), C(state) (V(started), V(stopped), V(mixed) or V(shutdown)), C(healthy), C(maintenance_mode) and
    C(unhealthy) - not healthy while it runs and not in maintenance mode, the rule of the role
    C(platform_ops.admin.ece_stateless_health). From the plain list only C(ref_id) and C(id) are known.
  - Groups - V(ece_deployments) (every host); V(ece_healthy) or V(ece_unhealthy) (the deployment's own health, when
    searched); per kind, C(ece_has_<kind>) (a resource of that kind) and C(ece_unhealthy_<kind>) (one that is unhealthy
    by the role's rule, so C(hosts=ece_unhealthy_kibana) is what the role would restart); more with O(keyed_groups)
    and O(groups).
  - Connection options are those of the ECE modules, with the same environment fallbacks (what the collection's AWX
    credential types inject, so an AWX inventory source with such a credential needs only O(plugin)) and the same
    checks. Bad options (an unknown one, a bad O(url), no credentials, a missing O(ca_path)) fail the load with one
    sentence before any request. A listing that fails (HTTP 401, 403 or 5xx, a timeout) fails the load with one
    sentence (AWX then keeps the inventory of its last good sync). No credential is ever a host variable, nor in the
    cache.
  - The configuration file's name must end with C(ece_deployments.yml) or C(ece_deployments.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - platform_ops.admin.common
  - platform_ops.admin.ece
options:
  plugin:
    description: The name of this plugin; marks the file as its configuration.
    type: str
    required: true
    choices: [platform_ops.admin.ece_deployments]
  url:
    description:
      - URL of the ECE coordinator, such as C(https://coordinator.example.com:12443).
      - If not set, the value of the E(ECE_URL) environment variable is used; one of them is required.
    type: str
    required: false
  listing:
    description:
      - V(search) pages C(_search) with its cursor and gives each resource's health; V(list) reads the plain
        deployment list in one request, without health or tags (O(tags) and O(query) need V(search)).
    type: str
    choices: [search, list]
    default: search
  page_size:
    description: Deployments asked for per search request (the search's C(size)).
    type: int
    default: 100
  names:
    description: Only deployments with one of these exact names.
    type: list
    elements: str
  name_prefix:
    description: Only deployments whose name starts with this text.
    type: str
  tags:
    description: Only deployments that carry every one of these metadata tags (key and value).
    type: dict
  query:
    description:
      - 'Only deployments this Elasticsearch query selects (one C(QueryContainer) of the search API, such as
        C({"match": {"name": {"query": "prod"}}})), in addition to the other filters.'
    type: dict
  kinds:
    description: The kinds of stateless resources the host variables and groups describe.
    type: list
    elements: str
    choices: [kibana, apm, appsearch, enterprise_search, integrations_server]
    default: [kibana, apm, appsearch, enterprise_search, integrations_server]
  hostnames:
    description:
      - What names a host - the deployment ID (always unique) or its name (two deployments with one name fail the
        load).
    type: str
    choices: [id, name]
    default: id
notes:
  - The inventory cache (O(cache)) holds the hosts' variables only. With it on, a load within O(cache_timeout)
    sends no request; C(ansible-inventory --flush-cache) lists again.
  - Host variables from the service are marked unsafe, so a name or tag that looks like a template is never run.
'''

EXAMPLES = r'''
# prod.ece_deployments.yml - the production deployments, named by their names, with their Kibana and APM resources;
# the API key from the environment (ECE_API_KEY, as an AWX credential of the collection's type injects it).
plugin: platform_ops.admin.ece_deployments
url: https://coordinator.example.com:12443
tags:
  env: production
kinds: [kibana, apm]
hostnames: name
keyed_groups:
  - key: ece_tags.team | default('none')
    prefix: team

# With the credential's URL and key, "plugin: platform_ops.admin.ece_deployments" alone lists every deployment.
# A play over the deployments whose Kibana is unhealthy: the role takes the deployment from the host.
#
# - name: Restart unhealthy stateless resources, 10 deployments at a time
#   hosts: ece_unhealthy_kibana
#   gather_facts: false
#   vars:
#     ansible_python_interpreter: "{{ ansible_playbook_python }}"
#   module_defaults:
#     group/platform_ops.admin.ece:
#       url: "{{ ece_url }}"
#   roles:
#     - role: platform_ops.admin.ece_stateless_health
'''

from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet, ece
from ansible_collections.platform_ops.admin.plugins.plugin_utils._inventory import FleetInventory


class InventoryModule(FleetInventory):
    """One host per ECE deployment (see DOCUMENTATION)."""

    NAME = 'platform_ops.admin.ece_deployments'
    FILE_SUFFIXES = ('ece_deployments.yml', 'ece_deployments.yaml')
    CONNECTION = ece.ECE
    SPEC = dict(_fleet.ece_filter_spec(), kinds=dict(type='list', elements='str', choices=list(ece.STATELESS_KINDS),
                                                     default=list(ece.STATELESS_KINDS)))

    def validate(self, given):
        module = self.options_module(given)
        module.require(_fleet.ece_filter_problem(module.params))
        return module, ece.ece_client_from_module(module, pool_maxsize=1)

    def identity(self, fleet):
        params = fleet[0].params
        return dict(url=ece.api_base(params['url']), kinds=params['kinds'],
                    filters={key: params[key] for key in ('listing', 'names', 'name_prefix', 'tags', 'query')})

    def records(self, fleet):
        module, client = fleet
        params = module.params
        return [dict(_fleet.ece_record(deployment, params['kinds']), url=params['url'])
                for deployment in _fleet.ece_list(client, params)], True

    def host(self, record):
        name = record['name'] if self.get_option('hostnames') == 'name' and record['name'] else record['id']
        return name, record['id'], _fleet.ece_host_vars(record, record['url']), _fleet.ece_groups(record)

    def close(self, fleet):
        fleet[1].close()
