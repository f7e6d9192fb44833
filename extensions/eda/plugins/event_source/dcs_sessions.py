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
    description: The DCS instances to watch.
    type: list
    elements: str
    required: true
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
    description: Project ID (or C(HUAWEICLOUD_SDK_PROJECT_ID)).
    type: str
    required: true
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
    instance_ids=dict(type='list', elements='str', required=True),
    max_sessions=dict(type='int', required=True),
    idle_longer_than=dict(type='int', default=3600),
    wait_timeout=dict(type='float', default=120.0, aliases=['scan_timeout']),
    interval=dict(type='float', default=300.0),
)


def build(args):
    """The source for ``args``; raises ``SourceError`` before any request when they cannot work (unknown or
    missing options, bad ids, bad endpoints, incomplete credentials, a missing CA file)."""
    events = _events()
    from ansible_collections.platform_ops.admin.plugins.module_utils import huawei_dcs
    from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import id_problem

    module = events.SourceModule(huawei_dcs.DCS, SOURCE_SPEC, args, logger=logging.getLogger(NAME))
    params = module.params
    module.require(events.items_problem(params['instance_ids'], 'instance_ids', id_problem))
    if params['max_sessions'] < 0 or params['idle_longer_than'] < 0:
        raise events.SourceError('max_sessions and idle_longer_than must be 0 or more.')
    if not 0 < params['wait_timeout'] <= 3600:
        raise events.SourceError('wait_timeout must be greater than 0 and at most 3600 seconds, got %s.'
                                 % params['wait_timeout'])
    # The checks of connecting, without its first request (with an IAM user, connecting asks IAM for a token).
    huawei_dcs.dcs_http_from_module(module)[0].close()

    def connect(stop):
        return huawei_dcs.dcs_client_from_module(module, sleep=events.interruptible_sleep(stop))

    def read(client, observation, instance_id):
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

    def poll(client, observation):
        for instance_id in params['instance_ids']:
            observation.attempt(instance_id, functools.partial(read, client, observation, instance_id))

    def describe(key):
        return dict(instance_id=key[0], node_id=key[1])

    return events.Source(NAME, 'sessions_above_threshold', module, connect, poll, describe,
                         item_of=lambda key: key[0], describe_item=lambda item: dict(instance_id=item),
                         backoff_default=900.0)


async def main(queue, args):
    """ansible-rulebook's entry point: put events on ``queue`` until cancelled (or ``max_polls``)."""
    await build(args).run(queue)


if __name__ == '__main__':
    _events().run_by_hand(main, sys.argv)
