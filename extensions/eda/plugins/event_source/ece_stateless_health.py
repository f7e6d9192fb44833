# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source: Elastic Cloud Enterprise stateless resources that turn unhealthy."""

from __future__ import annotations

DOCUMENTATION = r'''
---
short_description: Emit an event when an ECE stateless resource turns unhealthy, and when it recovers
description:
  - Polls the deployments in O(deployment_ids) (one request per deployment per poll) and watches their stateless
    resources (Kibana, APM, App Search, Enterprise Search, Integrations Server).
  - Without O(deployment_ids), each poll searches every deployment the credentials see, as the inventory plugin
    P(platform_ops.admin.ece_deployments#inventory) does (C(_search), O(page_size) deployments per request, with the
    same filters O(names), O(name_prefix), O(tags) and O(query)), so one or a few requests watch the whole fleet,
    deployments created later included.
  - A resource is unhealthy when ECE reports it not healthy while it runs (every instance or some of them) and is
    not in maintenance mode - the rule of the role C(platform_ops.admin.ece_stateless_health). A shut-down or
    stopped resource, or one in maintenance mode, is left alone.
  - Edge-triggered - one event of type C(started) when a resource has been unhealthy for O(debounce) consecutive
    polls, one of type C(cleared) when it has not been (healthy, stopped, in maintenance mode or gone) for
    O(debounce) consecutive polls, nothing in between. A cleared event has C(current) - the resource's status,
    state, health and maintenance mode now, or null when it is no longer listed.
  - A deployment that cannot be read does not blind the source to the others - its resources keep their state,
    and after O(error_threshold) failed polls of it, one event of type C(error) names it (C(deployment_id)).
  - After O(error_threshold) failed polls in a row, one event of type C(error) with the error's sentence; one of
    type C(recovered) when polling works again. Failed polls back off exponentially up to O(backoff_max) seconds.
  - Bad arguments (unknown options, dot ids, a bad O(url), no credentials, a missing O(ca_path)) fail the source
    before any request. Warnings (plain http, O(validate_certs=false)) are logged once.
  - Every event has C(source), C(type) and C(condition) (V(unhealthy)). C(started) and C(cleared) events add
    C(deployment_id), C(kind), C(ref_id), C(polls) and C(detail) - C(status), C(state) and C(healthy) as
    M(platform_ops.admin.ece_stateless_resource_info) returns them, C(unhealthy_instances) (their names) and
    C(pending_plan) (whether a plan is pending). C(error) and C(recovered) events have C(failures) and C(message) (C(error) only)
    instead, with C(deployment_id) when one deployment failed. No secret appears in an event.
  - Connection options are those of M(platform_ops.admin.ece_stateless_resource), with the same C(ECE_*)
    environment fallbacks (what the collection's EDA credential types inject).
options:
  deployment_ids:
    description:
      - The deployments to watch.
      - Without them, every deployment the search finds (filtered by O(names), O(name_prefix), O(tags), O(query)).
    type: list
    elements: str
  names:
    description: Without O(deployment_ids), only deployments with one of these exact names.
    type: list
    elements: str
  name_prefix:
    description: Without O(deployment_ids), only deployments whose name starts with this text.
    type: str
  tags:
    description: Without O(deployment_ids), only deployments that carry every one of these metadata tags.
    type: dict
  query:
    description: Without O(deployment_ids), only deployments this Elasticsearch query (a C(QueryContainer)) selects.
    type: dict
  page_size:
    description: Deployments asked for per search request.
    type: int
    default: 100
  kinds:
    description: The kinds of stateless resources to watch.
    type: list
    elements: str
    choices: [kibana, apm, appsearch, enterprise_search, integrations_server]
    default: [kibana, apm, appsearch, enterprise_search, integrations_server]
  url:
    description: Base URL of the ECE coordinator (or C(ECE_URL)).
    type: str
    required: true
  api_key:
    description: ECE API key (C(ECE_API_KEY)); or O(username) and O(password).
    type: str
  username:
    description: ECE user (C(ECE_USERNAME)).
    type: str
  password:
    description: Password of O(username) (C(ECE_PASSWORD)).
    type: str
  ca_path:
    description: PEM file of a private CA (C(ECE_CA_PATH)).
    type: path
  validate_certs:
    description: Verify TLS certificates (C(ECE_VALIDATE_CERTS)).
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
      - With O(deployment_ids), how many deployments a poll reads at once (V(1) to V(64)), over pooled connections; an
        HTTP 429 answer slows every worker down. The events are those of a poll that read them one after the other.
      - Without O(deployment_ids), one search reads the whole fleet (its pages one after the other).
    type: int
    default: 8
  interval:
    description: Seconds between polls.
    type: float
    default: 60
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
      When not given, the larger of 300 and O(interval).
    type: float
  max_polls:
    description: Stop after this many polls; V(0) polls until the rulebook stops.
    type: int
    default: 0
'''

EXAMPLES = r'''
- name: Restart Kibana when it turns unhealthy
  hosts: localhost
  sources:
    - platform_ops.admin.ece_stateless_health:
        deployment_ids:
          - 4f1c0c2e6a7b4c8d9e0f1a2b3c4d5e6f
        kinds: [kibana]
        interval: 60
  rules:
    - name: Restart the unhealthy Kibana
      condition: event.type == "started"
      action:
        run_module:
          name: platform_ops.admin.ece_stateless_resource
          module_args:
            deployment_id: "{{ event.deployment_id }}"
            kind: "{{ event.kind }}"
            ref_id: "{{ event.ref_id }}"
            state: restarted

- name: Restart any production Kibana that turns unhealthy
  hosts: localhost
  sources:
    - platform_ops.admin.ece_stateless_health:
        tags:
          env: production
        kinds: [kibana]
  rules:
    - name: Restart the unhealthy Kibana
      condition: event.type == "started"
      action:
        run_module:
          name: platform_ops.admin.ece_stateless_resource
          module_args:
            deployment_id: "{{ event.deployment_id }}"
            kind: kibana
            ref_id: "{{ event.ref_id }}"
            state: restarted
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


KINDS = ['kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server']
NAME = 'platform_ops.admin.ece_stateless_health'
SOURCE_SPEC = dict(
    deployment_ids=dict(type='list', elements='str'),
    kinds=dict(type='list', elements='str', choices=KINDS, default=KINDS),
    parallel=dict(type='int', default=8),
)
# The filters of a search (the inventory plugin's), when no deployment_ids are given.
SEARCH_FILTERS = ('names', 'name_prefix', 'tags', 'query')


def build(args):
    """The source for ``args`` (the rulebook's arguments); raises ``SourceError`` before any request when they
    cannot work (unknown or missing options, bad ids, a bad url, no credentials, a missing CA file, bad filters)."""
    events = _events()
    from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet, ece
    from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import parallel_problem
    from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem

    spec = dict(SOURCE_SPEC, page_size=dict(type='int', default=_fleet.ECE_DEFAULT_PAGE_SIZE),
                **{option: _fleet.ece_filter_spec()[option] for option in SEARCH_FILTERS})
    module = events.SourceModule(ece.ECE, spec, args, logger=logging.getLogger(NAME))
    params = module.params
    searching = params['deployment_ids'] is None
    if searching:
        module.require(_fleet.ece_filter_problem(params))
    else:
        module.require(events.items_problem(params['deployment_ids'], 'deployment_ids', id_problem))
        chosen = [option for option in SEARCH_FILTERS if params[option] is not None]
        if chosen:
            raise events.SourceError('%s select the deployments to search: leave out deployment_ids to use them (or '
                                     'give deployment_ids alone).' % ', '.join(chosen))
    module.require(events.items_problem(params['kinds'], 'kinds'))
    module.require(parallel_problem(params['parallel']))
    ece.ece_client_from_module(module).close()  # validates the connection options; sends nothing

    def connect(_stop):
        return ece.ece_client_from_module(module, pool_maxsize=params['parallel'])

    def observe(observation, deployment_id, deployment):
        for kind in params['kinds']:
            for resource in ece.resources_of(deployment, kind):
                summary = ece.summarize(kind, resource)
                key = (deployment_id, kind, summary['ref_id'])
                observation.seen[key] = current(summary)
                if _fleet.is_unhealthy(summary):
                    observation.conditions[key] = detail(summary)

    def read(client, deployment_id, observation):
        observe(observation, deployment_id, client.get_deployment(deployment_id, kinds=params['kinds']))

    def search(client, observation):
        for deployment in _fleet.ece_list(client, params):
            observe(observation, deployment['id'], deployment)

    def poll(client, observation):
        if searching:
            observation.attempt('search', functools.partial(search, client, observation))
            return
        observation.attempt_each(params['deployment_ids'], functools.partial(read, client), params['parallel'])

    def describe(key):
        return dict(deployment_id=key[0], kind=key[1], ref_id=key[2])

    return events.Source(NAME, 'unhealthy', module, connect, poll, describe, item_of=lambda key: key[0],
                         describe_item=lambda item: dict(deployment_id=item), backoff_default=300.0)


def current(summary):
    """What a cleared event says of the resource now."""
    return dict(status=summary['status'], state=summary['state'], healthy=summary['healthy'],
                maintenance_mode=summary['maintenance_mode'])


def detail(summary):
    return dict(
        status=summary['status'],
        state=summary['state'],
        healthy=summary['healthy'],
        unhealthy_instances=[instance['name'] for instance in summary['instances'] if not instance['healthy']],
        pending_plan=summary['pending_plan'] is not None,
    )


async def main(queue, args):
    """ansible-rulebook's entry point: put events on ``queue`` until cancelled (or ``max_polls``)."""
    await build(args).run(queue)


if __name__ == '__main__':
    _events().run_by_hand(main, sys.argv)
