# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Event-Driven Ansible source: ArcGIS Enterprise notebook deployments that run longer than allowed."""

from __future__ import annotations

DOCUMENTATION = r'''
---
short_description: Emit an event when an ArcGIS notebook deployment has run longer than allowed, and when it is gone
description:
  - Lists the notebook deployments (one request per poll, as M(platform_ops.admin.notebook_deployment_info) does)
    and watches those older than O(older_than_minutes), optionally only those of O(owner), as
    M(platform_ops.admin.notebook_deployment_info) selects them with its option of the same name.
  - Edge-triggered - one event of type C(started) when a deployment has been over age for O(debounce) consecutive
    polls, one of type C(cleared) when it has not been listed (terminated) for O(debounce) consecutive polls.
  - After O(error_threshold) failed polls in a row, one event of type C(error); one of type C(recovered) when
    polling works again. Failed polls back off exponentially up to O(backoff_max) seconds, and the next poll
    generates a token again when it uses O(username) and O(password).
  - Every event has C(source), C(type) and C(condition) (V(running_too_long)). C(started) and C(cleared) events
    add C(deployment_id), C(polls) and C(detail) (C(owner), C(age_minutes), C(date_created), C(runtime)); a
    cleared event has C(current) (null when the deployment is no longer listed). C(error) and C(recovered) events
    have C(failures) and C(message) (C(error) only) instead. No secret appears in an event.
  - Bad arguments (unknown options, a bad O(url), no credentials, a missing O(ca_path)) fail the source before
    any request.
  - Connection options are those of M(platform_ops.admin.notebook_deployment), with the same C(ARCGIS_*)
    environment fallbacks (what the collection's EDA credential types inject).
options:
  older_than_minutes:
    description:
      - A deployment created more than this many minutes ago is over age.
      - The alias O(max_age_minutes) is the name of release 1.0.0.
    type: int
    required: true
    aliases: [max_age_minutes]
  owner:
    description: Only the deployments of this user (an empty string means everyone's).
    type: str
  url:
    description: Base URL with the web adaptor context (or C(ARCGIS_URL)).
    type: str
    required: true
  username:
    description: Administrator (C(ARCGIS_USERNAME)); or O(token).
    type: str
  password:
    description: Password of O(username) (C(ARCGIS_PASSWORD)).
    type: str
  token:
    description: A token (C(ARCGIS_TOKEN)); it must outlive the source, so prefer O(username) and O(password).
    type: str
  referer:
    description: Referer the token is bound to.
    type: str
  ca_path:
    description: PEM file of a private CA (C(ARCGIS_CA_PATH)).
    type: path
  validate_certs:
    description: Verify TLS certificates (C(ARCGIS_VALIDATE_CERTS)).
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
    description: Seconds between polls.
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
- name: Terminate notebooks that run for more than eight hours
  hosts: localhost
  sources:
    - platform_ops.admin.notebook_deployments:
        older_than_minutes: 480
  rules:
    - name: Terminate the notebook
      condition: event.type == "started"
      action:
        run_module:
          name: platform_ops.admin.notebook_deployment
          module_args:
            deployment_ids:
              - "{{ event.deployment_id }}"
            state: absent
'''

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


NAME = 'platform_ops.admin.notebook_deployments'
SOURCE_SPEC = dict(
    older_than_minutes=dict(type='int', required=True, aliases=['max_age_minutes']),
    owner=dict(type='str'),
    interval=dict(type='float', default=300.0),
)


def build(args):
    """The source for ``args``; raises ``SourceError`` before any request when they cannot work (unknown or
    missing options, a bad url, no credentials, a missing CA file)."""
    events = _events()
    from ansible_collections.platform_ops.admin.plugins.module_utils import arcgis

    module = events.SourceModule(arcgis.ARCGIS, SOURCE_SPEC, args, logger=logging.getLogger(NAME))
    params = module.params
    if params['older_than_minutes'] < 0:
        raise events.SourceError('older_than_minutes must be 0 or more, got %d.' % params['older_than_minutes'])
    owner = params['owner'] or None
    arcgis.arcgis_client_from_module(module).close()  # validates the connection options; sends nothing

    def connect(_stop):
        return arcgis.arcgis_client_from_module(module, pool_maxsize=2)

    def poll(client, observation):
        listed = client.list_deployments()
        for entry in listed:
            if owner is None or entry.get('username') == owner:
                observation.seen[entry['id']] = dict(owner=entry.get('username'))
        for entry in arcgis.select_deployments(listed, owner=owner, older_than_minutes=params['older_than_minutes']):
            observation.conditions[entry['id']] = dict(
                owner=entry.get('username'), age_minutes=int(arcgis.deployment_age_minutes(entry)),
                date_created=entry.get('dateCreated'), runtime=entry.get('notebookRuntimeName'))

    def describe(key):
        return dict(deployment_id=key)

    return events.Source(NAME, 'running_too_long', module, connect, poll, describe, backoff_default=900.0)


async def main(queue, args):
    """ansible-rulebook's entry point: put events on ``queue`` until cancelled (or ``max_polls``)."""
    await build(args).run(queue)


if __name__ == '__main__':
    _events().run_by_hand(main, sys.argv)
