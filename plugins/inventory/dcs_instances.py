# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: dcs_instances
short_description: One host per Huawei Cloud DCS (Redis) instance, over several projects and regions
version_added: 2.0.0
author:
  - platform_ops.admin maintainers (!UNKNOWN)
description:
  - Lists the DCS instances of one or more projects (C(GET /v2/{project_id}/instances), O(page_size) instances per
    request until all are read) and makes each instance a host, so that Ansible's forks, C(--limit), C(serial),
    C(max_fail_percentage), the inventory cache and AWX job slicing spread work over a fleet.
  - Each host runs modules on the controller (C(ansible_connection=local)). Its variables say which instance it is and
    how to reach it - V(dcs_instance_id), V(dcs_project_id), V(dcs_region), V(dcs_endpoint) and V(dcs_iam_endpoint) (set
    with IAM credentials only) - so that the DCS modules and the role C(platform_ops.admin.dcs_session_cleanup) need no
    id in the task (see the examples).
  - "Other variables, from the instance list: V(dcs_name), V(dcs_engine), V(dcs_engine_version), V(dcs_status),
    V(dcs_cache_mode), V(dcs_capacity) (GB), V(dcs_spec_code), V(dcs_ip), V(dcs_port), V(dcs_domain_name),
    V(dcs_az_codes) (a list), V(dcs_tags) (a dict), V(dcs_enterprise_project_id) and V(dcs_created_at). No credential
    is ever a host variable, nor in the cache."
  - Groups - V(dcs_instances) (every host), C(dcs_region_<region>), C(dcs_status_<status>), C(dcs_engine_<engine>) and
    C(dcs_cache_mode_<mode>), in lower case with C(_) for any other character (V(dcs_region_ap_southeast_1),
    V(dcs_status_running), V(dcs_engine_redis), V(dcs_cache_mode_cluster)); more with O(keyed_groups) and O(groups).
  - Connection options are those of the DCS modules, with the same environment fallbacks (what the collection's AWX
    credential types inject, so an AWX inventory source with such a credential needs only O(plugin)) and the same
    checks. Bad options (an unknown one, a dot id, a bad URL, incomplete credentials, a missing O(ca_path)) fail the
    load with one sentence before any request.
  - A project that cannot be listed (HTTP 401, 403 or 5xx, a timeout) fails the load with one sentence naming the
    project and its region (AWX then keeps the inventory of its last good sync), unless O(skip_failed_projects) is set.
  - The configuration file's name must end with C(dcs_instances.yml) or C(dcs_instances.yaml).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - platform_ops.admin.common
  - platform_ops.admin.huawei_dcs
options:
  plugin:
    description: The name of this plugin; marks the file as its configuration.
    type: str
    required: true
    choices: [platform_ops.admin.dcs_instances]
  project_id:
    description:
      - ID of the one project to list, when O(projects) is not given.
      - If not set, the value of the E(HUAWEICLOUD_SDK_PROJECT_ID) environment variable is used.
      - Mutually exclusive with O(projects).
    type: str
    required: false
  projects:
    description:
      - The projects to list, each in its region. Each entry has C(project_id) and C(region), or C(endpoint) (and,
        with IAM credentials and no C(region), C(iam_endpoint)).
      - An entry's values win over the options of the same name; those it leaves out come from the options, then
        from their environment variables, as for one project.
      - With IAM credentials, one token is requested per project (a token is scoped to one project).
    type: list
    elements: dict
  statuses:
    description:
      - Only instances whose C(status) is one of these, such as V(RUNNING) (case does not matter).
      - With one status, the service filters the list itself.
    type: list
    elements: str
  engines:
    description: Only instances of these engines, such as V(Redis) or V(Memcached) (case does not matter).
    type: list
    elements: str
  names:
    description:
      - Only instances with one of these exact names. With one name, the service filters the list itself.
    type: list
    elements: str
  name_pattern:
    description: Only instances whose name matches this shell-style pattern, such as V(redis-prod-*).
    type: str
  tags:
    description:
      - Only instances that carry every one of these tags (key and value). With one tag, the service filters the
        list itself.
    type: dict
  page_size:
    description: Instances asked for per request (the API's C(limit), at most V(1000)).
    type: int
    default: 1000
  hostnames:
    description:
      - What names a host - the instance ID (always unique) or its name (two instances with one name fail the load).
    type: str
    choices: [instance_id, name]
    default: instance_id
  skip_failed_projects:
    description:
      - When a project cannot be listed, warn (one sentence naming it) and keep the hosts of the other projects,
        instead of failing the load. The inventory is then not written to the cache.
    type: bool
    default: false
notes:
  - The inventory cache (O(cache)) holds the hosts' variables only. With it on, a load within O(cache_timeout)
    sends no request; C(ansible-inventory --flush-cache) lists again.
  - Host variables from the service are marked unsafe, so a name or tag that looks like a template is never run.
'''

EXAMPLES = r'''
# fleet.dcs_instances.yml - the running instances of two projects in two regions, keys from the environment (the
# HUAWEICLOUD_* variables an AWX credential of the collection's type injects), cached for ten minutes.
plugin: platform_ops.admin.dcs_instances
projects:
  - project_id: 0605767f1a80d5762fe0c00b2ed9c1a3
    region: ap-southeast-1
  - project_id: 5d8b7e3f2a6c4e9d8f1a0b2c3d4e5f60
    region: cn-north-4
statuses: [RUNNING]
hostnames: name
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: .cache/dcs_instances
cache_timeout: 600
compose:
  dcs_memory_mb: dcs_capacity * 1024
keyed_groups:
  - key: dcs_tags.env | default('untagged')
    prefix: env

# With a single project given by the credential, the file needs only "plugin: platform_ops.admin.dcs_instances".
# A play over these hosts maps each host's ids to the action group once, and its tasks need none:
#
# - name: Kill the idle sessions of every running instance, 25 at a time
#   hosts: dcs_status_running
#   gather_facts: false
#   vars:
#     ansible_python_interpreter: "{{ ansible_playbook_python }}"
#   module_defaults:
#     group/platform_ops.admin.huawei_dcs:
#       project_id: "{{ dcs_project_id }}"
#       region: "{{ dcs_region }}"
#       endpoint: "{{ dcs_endpoint }}"
#       iam_endpoint: "{{ dcs_iam_endpoint }}"
#       instance_id: "{{ dcs_instance_id }}"
#   tasks:
#     - name: Kill the sessions idle for an hour
#       platform_ops.admin.dcs_sessions:
#         all_nodes: true
#         idle_longer_than: 3600
'''

from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet, huawei_dcs
from ansible_collections.platform_ops.admin.plugins.module_utils._options import OptionsError
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError
from ansible_collections.platform_ops.admin.plugins.plugin_utils._inventory import FleetInventory


class InventoryModule(FleetInventory):
    """One host per DCS instance (see DOCUMENTATION)."""

    NAME = 'platform_ops.admin.dcs_instances'
    FILE_SUFFIXES = ('dcs_instances.yml', 'dcs_instances.yaml')
    CONNECTION = huawei_dcs.DCS
    SPEC = _fleet.dcs_filter_spec()

    def validate(self, given):
        problem = _fleet.projects_problem(given.get('projects'), project_id_given='project_id' in given)
        if problem:
            raise OptionsError(problem)
        modules = [self.options_module(args) for args in _fleet.project_args(given, given.get('projects'))]
        return _fleet.DCSFleet(modules)

    def identity(self, fleet):
        params = fleet.modules[0].params
        return dict(projects=fleet.projects, filters={key: params[key] for key in _fleet.DCS_FILTERS})

    def records(self, fleet):
        records = []
        complete = True
        for index, project in enumerate(fleet.projects):
            try:
                instances = fleet.list(index)
            except ApiError as error:
                if not self.get_option('skip_failed_projects'):
                    raise
                complete = False
                self.display.warning('%s The instances of project %s are left out (skip_failed_projects).' % (
                    self.mask(str(error)), project['project_id']))
                continue
            records.extend(_fleet.dcs_host_vars(project, instance) for instance in instances)
        return records, complete

    def host(self, record):
        identity = record['dcs_instance_id']
        name = record['dcs_name'] if self.get_option('hostnames') == 'name' and record['dcs_name'] else identity
        return name, identity, dict(record), _fleet.dcs_groups(record)

    def close(self, fleet):
        fleet.close()
