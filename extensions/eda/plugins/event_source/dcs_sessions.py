# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source: Huawei Cloud DCS nodes with more client sessions than a threshold."""

from __future__ import annotations

DOCUMENTATION = r'''
---
short_description: Emit an event when a DCS node holds more client sessions than a threshold, and when it drops back
description:
  - At each poll, scans the sessions of every node clients connect to (the proxies, or the data nodes of an instance
    without proxies) of each instance in O(instance_ids), as M(platform_ops.admin.dcs_sessions_info) does (a scan
    job per node, then the session list), and counts them.
  - Without O(instance_ids), each poll first lists the instances of the project (or of each of O(projects)) as the
    inventory plugin P(platform_ops.admin.dcs_instances#inventory) does, with the same filters (O(statuses), by
    default V(RUNNING); O(engines), O(names), O(name_pattern), O(tags)) - one request per project per poll - and
    watches what it finds, so instances created later are watched and deleted ones cleared. Events then add
    C(project_id), C(region) and C(endpoint), what M(platform_ops.admin.dcs_sessions) needs to reach the instance. A
    project that cannot be listed keeps its instances' state, and after O(error_threshold) failed polls one event of
    type C(error) names it (C(project_id), C(region)).
  - A node is over the threshold when it holds more than O(max_sessions) sessions.
  - Edge-triggered - one event of type C(started) when a node has been over the threshold for O(debounce)
    consecutive polls, one of type C(cleared) when it has been at or below it for O(debounce) consecutive polls.
  - After O(error_threshold) failed polls in a row, one event of type C(error); one of type C(recovered) when
    polling works again. Failed polls back off exponentially up to O(backoff_max) seconds, and the next poll
    authenticates again (a new IAM token). An instance that cannot be read does not blind the source to the
    others - its nodes keep their state, and after O(error_threshold) failed polls of it one event of type
    C(error) names it (C(instance_id)).
  - A cleared event has C(current) (C(sessions) now, or null when the node is no longer listed).
  - Bad arguments (unknown options, dot ids, bad endpoints, incomplete credentials, a missing O(ca_path)) fail
    the source before any request. Stopping the source interrupts a scan wait.
  - Every event has C(source), C(type) and C(condition) (V(sessions_above_threshold)). C(started) and C(cleared)
    events add C(instance_id), C(node_id), C(polls) and C(detail) - C(sessions) (how many the node holds),
    C(max_sessions), C(idle) (how many of them are idle longer than O(idle_longer_than) seconds) and
    C(idle_longer_than) (that threshold, for a rule to hand to M(platform_ops.admin.dcs_sessions), which kills
    them). C(error) and C(recovered) events have C(failures) and C(message) (C(error) only) instead, with
    C(instance_id) when one instance failed. No secret appears in an event.
  - Connection options are those of M(platform_ops.admin.dcs_sessions), with the same C(HUAWEICLOUD_*)
    environment fallbacks (what the collection's EDA credential types inject).
options:
  instance_ids:
    description:
      - The DCS instances to watch (of O(project_id)).
      - Without them, every instance the project, or each of O(projects), lists (filtered).
    type: list
    elements: str
  projects:
    description:
      - The projects whose instances to watch, each in its region - entries with C(project_id) and C(region) or
        C(endpoint) (and C(iam_endpoint)), as the inventory plugin P(platform_ops.admin.dcs_instances#inventory) takes
        them. Not with O(instance_ids) or O(project_id).
    type: list
    elements: dict
  statuses:
    description: Without O(instance_ids), only instances whose status is one of these.
    type: list
    elements: str
    default: [RUNNING]
  engines:
    description: Without O(instance_ids), only instances of these engines (V(Redis), V(Memcached)).
    type: list
    elements: str
  names:
    description: Without O(instance_ids), only instances with one of these exact names.
    type: list
    elements: str
  name_pattern:
    description: Without O(instance_ids), only instances whose name matches this shell-style pattern.
    type: str
  tags:
    description: Without O(instance_ids), only instances that carry every one of these tags (key and value).
    type: dict
  page_size:
    description: Instances asked for per list request (at most V(1000)).
    type: int
    default: 1000
  max_sessions:
    description: A node with more sessions than this is over the threshold.
    type: int
    required: true
  idle_longer_than:
    description: Sessions idle for more than this many seconds are counted as C(detail.idle).
    type: int
    default: 3600
  wait_timeout:
    description:
      - Seconds to wait for the session scan jobs of an instance (as O(platform_ops.admin.dcs_sessions_info#module:wait_timeout)
        of the modules), at most V(3600).
      - The alias O(scan_timeout) is the name of release 1.0.0.
    type: float
    default: 120
    aliases: [scan_timeout]
  region:
    description: Region (C(HUAWEICLOUD_SDK_REGION)); or O(endpoint).
    type: str
  project_id:
    description: Project ID (or C(HUAWEICLOUD_SDK_PROJECT_ID)); required unless O(projects) is given.
    type: str
  access_key:
    description: Access key (C(HUAWEICLOUD_SDK_AK)); or the IAM options.
    type: str
  secret_key:
    description: Secret key (C(HUAWEICLOUD_SDK_SK)).
    type: str
  security_token:
    description: Security token of temporary keys (C(HUAWEICLOUD_SDK_SECURITY_TOKEN)).
    type: str
  iam_username:
    description: IAM user (C(HUAWEICLOUD_IAM_USERNAME)).
    type: str
  iam_password:
    description: IAM password (C(HUAWEICLOUD_IAM_PASSWORD)).
    type: str
  domain_name:
    description: IAM account (domain) name (C(HUAWEICLOUD_IAM_DOMAIN_NAME)).
    type: str
  endpoint:
    description: DCS endpoint URL (C(HUAWEICLOUD_DCS_ENDPOINT)).
    type: str
  iam_endpoint:
    description: IAM endpoint URL (C(HUAWEICLOUD_IAM_ENDPOINT)).
    type: str
  ca_path:
    description: PEM file of a private CA (C(HUAWEICLOUD_CA_PATH)).
    type: path
  validate_certs:
    description: Verify TLS certificates (C(HUAWEICLOUD_VALIDATE_CERTS)).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 30
  retries:
    description: Retries of a read that failed with 429, 502, 503, 504 or a connection error.
    type: int
    default: 3
  parallel:
    description:
      - How many instances a poll reads at once (their scan jobs waited for together), from V(1) to V(64), over
        pooled connections; an HTTP 429 answer slows every worker down (they wait for its C(Retry-After)).
      - The events of a poll are those a poll that read the instances one after the other would give, in the same
        order.
    type: int
    default: 8
  interval:
    description: Seconds between polls (each poll runs a session scan per node).
    type: float
    default: 300
  jitter:
    description: Each wait is shortened by a random part of up to this fraction of itself, so that sources do
      not poll in step (a wait is never longer than O(interval) or O(backoff_max)).
    type: float
    default: 0.1
  debounce:
    description: Consecutive polls a condition must hold (or not hold) before its C(started) (or C(cleared)) event.
    type: int
    default: 2
  error_threshold:
    description: Consecutive failed polls before the C(error) event.
    type: int
    default: 3
  backoff_max:
    description: Longest wait, in seconds, between failed polls (they back off exponentially from O(interval)).
      When not given, the larger of 900 and O(interval).
    type: float
  max_polls:
    description: Stop after this many polls; V(0) polls until the rulebook stops.
    type: int
    default: 0
'''

EXAMPLES = r'''
- name: Kill idle sessions on a crowded DCS node
  hosts: localhost
  sources:
    - platform_ops.admin.dcs_sessions:
        instance_ids:
          - 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
        max_sessions: 5000
        idle_longer_than: 1800
  rules:
    - name: Kill the sessions idle for half an hour on that node
      condition: event.type == "started"
      action:
        run_module:
          name: platform_ops.admin.dcs_sessions
          module_args:
            instance_id: "{{ event.instance_id }}"
            node_id: "{{ event.node_id }}"
            idle_longer_than: 1800

- name: Watch every running instance of two projects, in two regions
  hosts: localhost
  sources:
    - platform_ops.admin.dcs_sessions:
        projects:
          - project_id: 0605767f1a80d5762fe0c00b2ed9c1a3
            region: ap-southeast-1
          - project_id: 5d8b7e3f2a6c4e9d8f1a0b2c3d4e5f60
            region: cn-north-4
        max_sessions: 5000
  rules:
    - name: Kill the sessions idle for half an hour on that node, in its project
      condition: event.type == "started"
      action:
        run_module:
          name: platform_ops.admin.dcs_sessions
          module_args:
            project_id: "{{ event.project_id }}"
            endpoint: "{{ event.endpoint }}"
            instance_id: "{{ event.instance_id }}"
            node_id: "{{ event.node_id }}"
            idle_longer_than: 1800
'''

import functools
import logging
import os
import sys


def _events():
    """The collection's module_utils, also when ansible-rulebook loads this file by path."""
    try:
        from ansible_collections.platform_ops.admin.plugins.module_utils import _events as events
    except ImportError:
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 7)))
        sys.path.insert(0, root)
        from ansible_collections.platform_ops.admin.plugins.module_utils import _events as events
    return events


NAME = 'platform_ops.admin.dcs_sessions'
SOURCE_SPEC = dict(
    instance_ids=dict(type='list', elements='str'),
    max_sessions=dict(type='int', required=True),
    idle_longer_than=dict(type='int', default=3600),
    wait_timeout=dict(type='float', default=120.0, aliases=['scan_timeout']),
    interval=dict(type='float', default=300.0),
    parallel=dict(type='int', default=8),
)


def build(args):
    """The source for ``args``; raises ``SourceError`` before any request when they cannot work (unknown or
    missing options, bad ids, bad endpoints, incomplete credentials, a missing CA file, bad filters)."""
    events = _events()
    from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet, huawei_dcs
    from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import parallel_problem
    from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem

    args = dict(args or {})
    problem = _fleet.projects_problem(args.get('projects'), project_id_given=args.get('project_id') not in (None, ''))
    if problem:
        raise events.SourceError(problem)
    spec = dict(SOURCE_SPEC, **_fleet.dcs_filter_spec())
    modules = [events.SourceModule(huawei_dcs.DCS, spec, project_args, logger=logging.getLogger(NAME))
               for project_args in _fleet.project_args(args, args.get('projects'))]
    module = modules[0]
    for other in modules[1:]:
        # One set of secrets for the events' masking, tokens obtained later for any project included.
        module.no_log_values.update(other.no_log_values)
        other.no_log_values = module.no_log_values
    params = module.params
    listing = params['instance_ids'] is None
    if listing:
        for each in modules:
            each.params['statuses'] = each.params['statuses'] or ['RUNNING']
    else:
        module.require(events.items_problem(params['instance_ids'], 'instance_ids', id_problem))
        chosen = [option for option in ('projects',) + _fleet.DCS_FILTERS if args.get(option) is not None]
        if chosen:
            raise events.SourceError('%s select the instances to list: leave out instance_ids to use them (or give '
                                     'instance_ids alone).' % ', '.join(chosen))
    if params['max_sessions'] < 0 or params['idle_longer_than'] < 0:
        raise events.SourceError('max_sessions and idle_longer_than must be 0 or more.')
    module.require(parallel_problem(params['parallel']))
    if not 0 < params['wait_timeout'] <= 3600:
        raise events.SourceError('wait_timeout must be greater than 0 and at most 3600 seconds, got %s.'
                                 % params['wait_timeout'])
    # The checks of connecting (and of the filters), without a request (with an IAM user, connecting asks IAM for a
    # token).
    _fleet.DCSFleet(modules).close()
    # What the last listing of each project found, and where each instance listed is.
    listed = {}
    where = {}

    def connect(stop):
        return _fleet.DCSFleet(modules, sleep=events.interruptible_sleep(stop), pool_maxsize=params['parallel'])

    def read(fleet, index, instance_id, observation):
        client = fleet.connect(index)
        node_ids = client.session_nodes(instance_id)
        by_node = client.scan_sessions(instance_id, node_ids, params['wait_timeout'])
        for node_id, sessions in by_node.items():
            key = (instance_id, node_id)
            observation.seen[key] = dict(sessions=len(sessions))
            if len(sessions) > params['max_sessions']:
                idle = [session for session in sessions
                        if (huawei_dcs.idle_seconds(session) or 0) > params['idle_longer_than']]
                observation.conditions[key] = dict(sessions=len(sessions), max_sessions=params['max_sessions'],
                                                   idle=len(idle), idle_longer_than=params['idle_longer_than'])

    def list_project(fleet, index):
        project = fleet.projects[index]
        instances = [instance['instance_id'] for instance in fleet.list(index)]
        listed[index] = instances
        where.update((instance_id, project) for instance_id in instances)

    def poll(fleet, observation):
        if not listing:
            observation.attempt_each(params['instance_ids'], functools.partial(read, fleet, 0), params['parallel'])
            return
        # Every project listed first, then all their instances read, parallel at a time.
        located_ids = []
        for index, project in enumerate(fleet.projects):
            item = ('project', project['project_id'], project['region'])
            observation.attempt(item, functools.partial(list_project, fleet, index))
            if item in observation.failed:
                # The instances this project had keep their state until it can be listed again.
                known = set(listed.get(index, ()))
                observation.hold(lambda key, known=known: key[0] in known)
                continue
            located_ids.extend((index, instance_id) for instance_id in listed[index])
        index_of = dict((instance_id, index) for index, instance_id in located_ids)
        observation.attempt_each([instance_id for _index, instance_id in located_ids],
                                 lambda instance_id, part: read(fleet, index_of[instance_id], instance_id, part),
                                 params['parallel'])

    def located(fields):
        project = where.get(fields['instance_id'])
        if project is not None:
            fields.update(project_id=project['project_id'], region=project['region'], endpoint=project['endpoint'])
        return fields

    def describe(key):
        return located(dict(instance_id=key[0], node_id=key[1]))

    def describe_item(item):
        if isinstance(item, tuple):
            return dict(project_id=item[1], region=item[2])
        return located(dict(instance_id=item))

    return events.Source(NAME, 'sessions_above_threshold', module, connect, poll, describe,
                         item_of=lambda key: key[0], describe_item=describe_item, backoff_default=900.0)


async def main(queue, args):
    """ansible-rulebook's entry point: put events on ``queue`` until cancelled (or ``max_polls``)."""
    await build(args).run(queue)


if __name__ == '__main__':
    _events().run_by_hand(main, sys.argv)
