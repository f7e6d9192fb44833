#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: ece_stateless_resource
short_description: Start, stop, restart, shut down or delete an Elastic Cloud Enterprise stateless resource
version_added: 1.0.0
description:
  - Manages the life cycle of one stateless resource (Kibana, APM, App Search, Enterprise Search or
    Integrations Server) of an Elastic Cloud Enterprise (ECE) deployment, and its instances' maintenance mode.
  - Reads the deployment first and acts only when the resource is not already as asked, so a second run
    reports no change. O(state=restarted) is the exception, see there.
  - A resource with a pending plan is not touched unless O(cancel_pending=true) or O(wait_for_pending=true);
    otherwise the task fails before sending anything, naming the pending plan.
  - With O(wait=true), waits for each command to take effect. For commands that start a plan (restart,
    shutdown, restore) it records the current plan attempt before the command and polls, with capped
    exponential backoff, until the new plan has appeared and finished (or the current attempt changed,
    because a short plan can come and go between two polls). A plan that ended in error fails the task
    with the failing step and its message.
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  deployment_id:
    description:
      - Identifier of the deployment. V(.) and V(..) are refused before any request.
    type: str
    required: true
  kind:
    description:
      - Kind of the stateless resource.
    type: str
    required: true
    choices: [kibana, apm, appsearch, enterprise_search, integrations_server]
  ref_id:
    description:
      - Reference id of the resource in the deployment, such as C(main-kibana).
      - When not set (or set to C(_main)) and the deployment has exactly one resource of O(kind), that one is
        used. With several, the task fails and lists them. With none, the task fails, except with
        O(state=absent), which then has nothing to do.
    type: str
  state:
    description:
      - V(started) - the resource runs and all its instances are started. A shut-down resource is restored
        (C(_restore)), stopped instances are started (C(instances/_start)). Already running, nothing is done.
      - V(stopped) - every instance is stopped (C(instances/_stop)). A resource whose instances are all stopped,
        or that is shut down (it has no instances), is left alone.
      - V(restarted) - the resource is restarted (C(_restart)), which re-applies its plan with a reboot, or starts
        a shut-down resource with its last successful plan. B(Always reports a change), on every run, because a
        restart is an action rather than a state; run it on a condition (see the examples).
      - V(shutdown) - the resource is shut down (C(_shutdown)), see O(skip_snapshot) and O(hide). Already shut
        down, nothing is done.
      - V(absent) - the resource is shut down if needed (always waiting for the shutdown, whatever O(wait) says,
        because only a shut-down resource can be deleted) and deleted. Not there, nothing is done. A resource
        that someone else deletes while the task runs counts as absent (with a warning), not as an error.
      - When not set, only O(maintenance_mode) is managed.
    type: str
    choices: [started, stopped, restarted, shutdown, absent]
  maintenance_mode:
    description:
      - V(true) puts every instance in maintenance mode (the proxy stops routing requests to it), V(false) takes
        every instance out of it. Instances already so are left alone.
      - Applied after O(state). Cannot be combined with O(state=shutdown) or O(state=absent). V(true) needs a
        resource that has instances; V(false) is already so for a shut-down resource, which has none.
    type: bool
  cancel_pending:
    description:
      - Cancel a pending plan of the resource before acting. Without it, a resource with a pending plan fails the
        task before any change is sent.
      - A restart cancels the pending plan itself (C(cancel_pending=true) on C(_restart)); other commands are
        preceded by C(DELETE .../plan/pending).
    type: bool
    default: false
  wait_for_pending:
    description:
      - When the resource has a pending plan, wait for it to end (up to O(wait_timeout) seconds), read the resource
        again and act on it as it is then. A run repeated after a O(wait_timeout) therefore converges instead of
        failing on the plan an earlier run started.
      - The wait only reads. In check mode there is no wait; the task warns and reports what it would do to the
        resource as it is now.
      - Cannot be combined with O(cancel_pending).
    type: bool
    default: false
    version_added: 1.0.0
  skip_snapshot:
    description:
      - With O(state=shutdown) or O(state=absent), skip the snapshot taken before the shutdown.
    type: bool
    default: false
  hide:
    description:
      - With O(state=shutdown), hide the resource once shut down. Only platform administrators may ask for this;
        it is sent only when V(true).
    type: bool
    default: false
  wait:
    description:
      - Wait for every command to take effect (plans finished, instances started or stopped, maintenance mode
        applied) and return the resource as it then is.
      - When V(false), the last command is not waited for. A command followed by another is always waited for,
        because the next one needs its result - a shutdown before a delete, a restore or an instance start or stop
        before a maintenance mode change, a restart before a maintenance mode change.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each command to take effect before failing the task, at most V(86400).
    type: int
    default: 600
extends_documentation_fragment:
  - platform_ops.admin.ece
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.ece_group
attributes:
  check_mode:
    support: full
    details:
      - Reads the deployment and reports what would be done; sends no request that writes.
  diff_mode:
    support: full
    details:
      - Shows the resource's state, status, plan attempt and each instance (running or stopped, maintenance mode)
        before and after. In check mode the after side is the expected result.
notes:
  - Reads the deployment once (C(GET /api/v1/deployments/{deployment_id})) to find the resource and its state,
    then sends only the commands needed.
  - Requests that write are repeated only after HTTP 429 or 503, which the server sends before doing anything,
    so a restart is never sent twice.
  - C(changed) is true only when the server accepted a command. An HTTP 2xx accepts it, whatever its body (a body
    that cannot be read gives a warning). When a command's answer is unclear - it may have been carried out
    (connection cut, read timeout, an HTTP 5xx other than 503, which a gateway answers even when the command went
    through) - the resource is read again for up to 15 seconds; if it shows the command (a new plan, the instances
    as asked, the resource gone), the task goes on with C(changed=true) and a warning, otherwise it fails with
    C(changed=false). HTTP 4xx, 429 and 503 refuse a command.
  - A resource listed by the server with an id that cannot be a URL path segment (empty, V(.) or V(..)) fails
    the task before any command is sent.
seealso:
  - module: platform_ops.admin.ece_stateless_resource_info
  - name: Restart Deployment Stateless Resource (ECE API)
    description: The vendor's documentation of the restart command.
    link: https://www.elastic.co/guide/en/cloud-enterprise/current/restart-deployment-stateless-resource.html
'''

EXAMPLES = r'''
# The connection set once for the whole play: every module of the group takes it from module_defaults. A task of such
# a play must not give a user and password, since the two ways to authenticate exclude each other (see the next play).
- name: ECE housekeeping with one API key for the play
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/platform_ops.admin.ece:
      url: https://coordinator.example.com:12443
      api_key: "{{ vault_ece_api_key }}"
  tasks:
    # not-idempotent: a restart is an action, not a state, and reports changed on every run
    - name: Restart the main Kibana and wait until it runs again
      platform_ops.admin.ece_stateless_resource:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: kibana
        ref_id: main-kibana
        state: restarted

    # In an hourly job: restart a Kibana only when ECE reports it unhealthy, so a healthy run changes nothing.
    - name: Read the Kibanas
      platform_ops.admin.ece_stateless_resource_info:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: kibana
      register: kibana

    - name: Restart each unhealthy Kibana
      platform_ops.admin.ece_stateless_resource:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: kibana
        ref_id: "{{ item.ref_id }}"
        state: restarted
      loop: "{{ kibana.resources | rejectattr('healthy') | list }}"
      loop_control:
        label: "{{ item.ref_id }}"

    - name: Put the Enterprise Search instances in maintenance mode
      platform_ops.admin.ece_stateless_resource:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: enterprise_search
        maintenance_mode: true

    - name: Shut down App Search without a snapshot, replacing whatever plan is pending
      platform_ops.admin.ece_stateless_resource:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: appsearch
        ref_id: main-appsearch
        state: shutdown
        skip_snapshot: true
        cancel_pending: true

    - name: Remove the second Kibana
      platform_ops.admin.ece_stateless_resource:
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: kibana
        ref_id: kibana-secondary
        state: absent

# A user and password in the task instead, with no API key in module_defaults. They win over an API key exported in
# ECE_API_KEY, which is only a fallback.
- name: ECE housekeeping as a user
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Make sure APM runs with all its instances
      platform_ops.admin.ece_stateless_resource:
        url: https://coordinator.example.com:12443
        username: admin
        password: "{{ vault_ece_password }}"
        deployment_id: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
        kind: apm
        state: started
'''

RETURN = r'''
deployment_id:
  description: The deployment.
  returned: always
  type: str
  sample: 4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b
kind:
  description: The kind of the resource.
  returned: always
  type: str
  sample: kibana
ref_id:
  description: The reference id of the resource, as resolved. V(null) when O(state=absent) found no resource.
  returned: always
  type: str
  sample: main-kibana
actions:
  description:
    - The commands sent, in order (in check mode, the commands that would be sent; when a command fails, the
      commands the server accepted before it). One or more of
      V(cancel_pending), V(restore), V(start_instances), V(stop_instances), V(restart), V(shutdown), V(delete),
      V(start_maintenance), V(stop_maintenance).
  returned: always
  type: list
  elements: str
  sample: [restart]
state:
  description:
    - The resource's state as read at the end - V(started) (every instance running), V(stopped) (none running),
      V(mixed), V(shutdown) or V(absent). In check mode, the state read before.
  returned: always
  type: str
  sample: started
status:
  description: The resource's status as ECE reports it (V(initializing), V(stopping), V(stopped), V(rebooting),
    V(restarting), V(reconfiguring) or V(started)); V(null) when ECE reports none.
  returned: when the resource exists
  type: str
  sample: started
healthy:
  description: Whether ECE reports the resource healthy.
  returned: when the resource exists
  type: bool
  sample: true
instances:
  description: The resource's instances.
  returned: when the resource exists
  type: list
  elements: dict
  contains:
    name:
      description: Instance name.
      type: str
      sample: instance-0000000001
    running:
      description: Whether the container is started and the service running.
      type: bool
    container_started:
      description: Whether the container is started.
      type: bool
    service_running:
      description: Whether the service is running.
      type: bool
    maintenance_mode:
      description: Whether the instance is in maintenance mode.
      type: bool
    healthy:
      description: Whether ECE reports the instance healthy.
      type: bool
    version:
      description: The version the instance runs.
      type: str
      sample: 8.15.3
    zone:
      description: The availability zone of the instance.
      type: str
      sample: ece-zone-1
plan_attempt_id:
  description: The id of the resource's current plan attempt (the one a restart, shutdown or restore created,
    once waited for); V(null) when it has no current plan.
  returned: when the resource exists
  type: str
  sample: 0b6f6a43-3c2f-4a83-9a59-2d5b7a0b4b1e
pending_plan:
  description: The plan still pending (with O(wait=false) typically the one just started); V(null) when none is.
  returned: when the resource exists
  type: dict
  contains:
    plan_attempt_id:
      description: Its attempt id.
      type: str
    attempt_start_time:
      description: When it started.
      type: str
ref_ids:
  description:
    - The reference ids of the deployment's resources of O(kind), when the task failed because O(ref_id) was left
      out and there are several, or because O(ref_id) names none of them.
  returned: on failure, when O(ref_id) is ambiguous or unknown
  type: list
  elements: str
  sample: [main-kibana, kibana-secondary]
'''

import functools

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule, Refusal
from ansible_collections.platform_ops.admin.plugins.module_utils._wait import Schedule, WaitTimeout, poll
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import (
    ACTION_NAMES,
    COMMANDS,
    ECE,
    MAX_WAIT_TIMEOUT,
    PLAN_COMMANDS,
    STATELESS_KINDS,
    instance_running,
    instances_of,
    observed_state,
    plan_attempt_id,
    resource_gone,
    resources_of,
    summarize,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, id_problem

# After a lost answer, how long to look for the command's effect before deciding it was not carried out.
OBSERVE_WINDOW = 15.0
STATES = ('started', 'stopped', 'restarted', 'shutdown', 'absent')


def own_argument_spec():
    """The module's own options (the frame adds the connection options)."""
    spec = dict(
        deployment_id=dict(type='str', required=True),
        kind=dict(type='str', required=True, choices=list(STATELESS_KINDS)),
        ref_id=dict(type='str'),
        state=dict(type='str', choices=list(STATES)),
        maintenance_mode=dict(type='bool'),
        cancel_pending=dict(type='bool', default=False),
        wait_for_pending=dict(type='bool', default=False),
        skip_snapshot=dict(type='bool', default=False),
        hide=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )
    return spec


def input_problem(params):
    """The problem with the options, or ``None``."""
    problem = id_problem(params['deployment_id'], 'deployment_id')
    if params['ref_id'] is not None and not params['ref_id'].strip():
        problem = problem or 'ref_id must not be empty; leave it out to use the only resource of its kind.'
    problem = problem or id_problem(params['ref_id'], 'ref_id')
    if problem:
        return problem
    if not 0 < params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        return 'wait_timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    if params['maintenance_mode'] is not None and params['state'] in ('shutdown', 'absent'):
        return 'maintenance_mode cannot be combined with state=%s: a shut-down resource has no instances.' % params['state']
    if params['hide'] and params['state'] != 'shutdown':
        return 'hide applies to state=shutdown only.'
    if params['cancel_pending'] and params['wait_for_pending']:
        return 'Give cancel_pending or wait_for_pending, not both: a pending plan is either cancelled or waited for.'
    return None


def resolve(params, deployment, kind, ref_id):
    """The resource to act on, or ``None`` when it is absent (and that is acceptable); raises ``Refusal``."""
    resources = resources_of(deployment, kind)
    names = [res['ref_id'] for res in resources]
    where = 'deployment %s' % params['deployment_id']
    if ref_id in (None, '_main'):
        if len(resources) == 1:
            return resources[0]
        if resources:
            raise Refusal('%s has %d %s resources (%s); set ref_id to the one to manage.' % (
                where, len(resources), kind, ', '.join(names)), ref_ids=names)
        if params['state'] == 'absent':
            return None
        raise Refusal('%s has no %s resource.' % (where, kind))
    for res in resources:
        if res.get('ref_id') == ref_id:
            return res
    if params['state'] == 'absent':
        return None
    raise Refusal('%s has no %s resource %s (it has: %s).' % (where, kind, ref_id, ', '.join(names) or 'none'),
                  ref_ids=names)


def plan_actions(params, resource):
    """The commands that bring ``resource`` to the asked state, in order, and the expected result; raises
    ``Refusal`` when the asked state cannot be reached."""
    state = params['state']
    maintenance = params['maintenance_mode']
    current = observed_state(resource)
    instances = [dict(name=instance.get('instance_name'), running=instance_running(instance),
                      maintenance_mode=bool(instance.get('maintenance_mode'))) for instance in instances_of(resource)]
    actions = []
    after_state = current
    if state == 'started' and current != 'started':
        actions.append('restore' if current == 'shutdown' else 'start_instances')
        after_state = 'started'
    elif state == 'stopped' and current in ('started', 'mixed'):
        actions.append('stop_instances')
        after_state = 'stopped'
    elif state == 'restarted':
        actions.append('restart')
        after_state = 'started'
    elif state == 'shutdown' and current != 'shutdown':
        actions.append('shutdown')
        after_state = 'shutdown'
    elif state == 'absent':
        if current != 'shutdown':
            actions.append('shutdown')
        actions.append('delete')
        after_state = 'absent'
    if after_state in ('started', 'stopped', 'mixed'):
        running = after_state == 'started' if after_state != 'mixed' else None
        for instance in instances:
            if running is not None:
                instance['running'] = running
    else:
        instances = []
    if maintenance is not None:
        # A shut-down resource has no instance in maintenance mode: false holds already, true cannot.
        if maintenance and current == 'shutdown' and after_state == 'shutdown':
            raise Refusal('%s %s of deployment %s is shut down and has no instances to put in maintenance mode; '
                          'set state=started too.' % (params['kind'], resource.get('ref_id'), params['deployment_id']))
        if current == 'shutdown':
            # Restored instances start outside maintenance mode.
            if maintenance:
                actions.append('start_maintenance')
        elif any(instance['maintenance_mode'] != maintenance for instance in instances):
            actions.append('start_maintenance' if maintenance else 'stop_maintenance')
        for instance in instances:
            instance['maintenance_mode'] = maintenance
    return actions, after_state, instances


def diff_view(summary=None, state=None, instances=None, plan_attempt_id=None):
    """What the diff shows of a resource: its state, status, plan attempt and instances."""
    if summary is None and state is None:
        return dict(state='absent')
    if summary is not None:
        return dict(
            state=summary['state'], status=summary['status'], plan_attempt_id=summary['plan_attempt_id'],
            instances=dict((item['name'], instance_words(item)) for item in summary['instances']),
        )
    return dict(state=state, plan_attempt_id=plan_attempt_id,
                instances=dict((item['name'], instance_words(item)) for item in instances or ()))


def instance_words(instance):
    return ('running' if instance['running'] else 'stopped') + (', maintenance mode' if instance['maintenance_mode'] else '')


def with_pending(actions, before, params):
    """``actions`` preceded by what a pending plan needs (nothing, or its cancellation); raises ``Refusal``
    when there is one and ``cancel_pending`` is false."""
    pending = before['pending_plan']
    if not actions or not pending:
        return actions
    if params.get('wait_for_pending'):
        # Only in check mode is a pending plan still there: a real run has waited for it to end.
        return actions
    if not params['cancel_pending']:
        raise Refusal('%s %s of deployment %s has a pending plan (attempt %s, started %s); wait for it to finish (or set '
                      'wait_for_pending=true), or set cancel_pending=true to cancel it. Nothing was changed.' % (
                          params['kind'], before['ref_id'], params['deployment_id'], pending['plan_attempt_id'],
                          pending['attempt_start_time'] or 'at an unknown time'), pending_plan=pending)
    # A restart cancels the pending plan itself (cancel_pending=true on _restart).
    return actions if actions[0] == 'restart' else ['cancel_pending'] + actions


def planned_view(before, actions, after_state, after_instances):
    """The diff's ``after`` of a run that sends nothing (check mode, or nothing to do)."""
    if not actions:
        return diff_view(before)
    if after_state == 'absent':
        return diff_view()
    plan_id = '(new plan attempt)' if any(action in PLAN_COMMANDS for action in actions) else before['plan_attempt_id']
    return diff_view(state=after_state, instances=after_instances, plan_attempt_id=plan_id)


def main():
    module = PlatformModule(ECE, own_argument_spec(), required_one_of=[('state', 'maintenance_mode')])
    params = module.params
    module.require(input_problem(params))
    module.result.update(deployment_id=params['deployment_id'], kind=params['kind'], ref_id=None, actions=[])
    with module.connect() as client:
        # PlanFailed and WaitTimeout are ApiErrors too: the frame fails with one sentence and the result so far.
        run(module, client, module.result)
    module.done()


def run(module, client, result):
    params = module.params
    deployment_id, kind = params['deployment_id'], params['kind']
    deployment = client.get_deployment(deployment_id, kinds=[kind])
    resource = resolve(params, deployment, kind, params['ref_id'])
    if resource is None:
        result.update(state='absent', ref_id=params['ref_id'] if params['ref_id'] != '_main' else None)
        module.report(diff_view(), diff_view(), changed=False)
        return
    ref_id = resource['ref_id']
    result['ref_id'] = ref_id
    pending_id = plan_attempt_id(resource, 'pending')
    if pending_id and params['wait_for_pending']:
        if module.check_mode:
            module.warn('%s %s of deployment %s has a pending plan (attempt %s); a real run waits for it to end first, '
                        'and acts on the resource as it is then.' % (kind, ref_id, deployment_id, pending_id))
        else:
            resource = client.wait_for_pending(deployment_id, kind, ref_id, params['wait_timeout'])
    before = summarize(kind, resource)
    actions, after_state, after_instances = plan_actions(params, resource)
    actions = with_pending(actions, before, params)
    pending = before['pending_plan']
    result['actions'] = actions
    if module.check_mode or not actions:
        # Check mode reports the change it would make; a real run only what the server accepted (below).
        result.update(_returned(before))
        module.report(diff_view(before), planned_view(before, actions, after_state, after_instances), changed=bool(actions))
        return

    accepted = []
    try:
        current = act(module, client, ref_id, actions, resource, pending, accepted)
    except ApiError as error:
        # changed says what the server accepted, never what was only planned.
        result.update(actions=accepted, changed=bool(accepted))
        if params['state'] != 'absent' or not resource_gone(error):
            raise
        # Removed by someone else meanwhile: absent is what was asked for.
        module.warn('%s %s of deployment %s disappeared while it was being removed (%s); it is absent.' % (
            kind, ref_id, deployment_id, error.code))
        current = None
    if current is None:
        result['state'] = 'absent'
        after = diff_view()
    else:
        if not params['wait']:
            current = client.get_resource(deployment_id, kind, ref_id)
        summary = summarize(kind, current)
        result.update(_returned(summary))
        after = diff_view(summary)
    module.report(diff_view(before), after, changed=bool(accepted))


def act(module, client, ref_id, actions, resource, pending, accepted):
    """Send ``actions`` in order (appending each one the server accepted to ``accepted``), waiting as asked;
    return the resource as last read, or ``None`` once it is deleted."""
    params = module.params
    deployment_id, kind = params['deployment_id'], params['kind']
    current = resource
    for index, action in enumerate(actions):
        last = index == len(actions) - 1
        options = {}
        if action == 'restart':
            options['cancel_pending'] = bool(pending) and params['cancel_pending']
        elif action == 'shutdown':
            options.update(skip_snapshot=params['skip_snapshot'], hide=params['hide'])
        window = min(float(params['wait_timeout']), OBSERVE_WINDOW)
        answer = module.write(
            'the %s of %s %s in deployment %s' % (ACTION_NAMES[action], kind, ref_id, deployment_id),
            functools.partial(client.run, action, deployment_id, kind, ref_id, **options),
            effect_seen(module, client, action, ref_id, current, window),
            shown=lambda _seen: 'reading the resource again shows the command was carried out',
            not_shown='the resource showed no sign of the command within %gs, so it could not be confirmed that it '
                      'was carried out' % window)
        accepted.append(action)
        if answer is GONE:
            return None
        for warning in (answer.get('warnings') if isinstance(answer, dict) else None) or ():
            if not isinstance(warning, dict):
                continue
            module.warn('ECE: %s: %s' % (warning.get('code'), warning.get('message') or ''))
        if action == 'delete':
            return None
        if action == 'cancel_pending':
            current = client.get_resource(deployment_id, kind, ref_id)
            continue
        if params['wait'] or not last:
            current = client.wait(action, deployment_id, kind, ref_id, current, params['wait_timeout'])
    return current


# What ``effect_seen`` reads once a deletion shows.
GONE = object()


def effect_seen(module, client, action, ref_id, before, window):
    """For a command whose answer is unclear: a reader of the resource until the command shows - returns the
    resource, or ``GONE`` for a deletion - or ``window`` seconds pass (returns ``None``)."""
    params = module.params
    deployment_id, kind = params['deployment_id'], params['kind']
    before_current = plan_attempt_id(before, 'current')
    before_pending = plan_attempt_id(before, 'pending')
    effect = COMMANDS[action].effect

    def read():
        try:
            return client.get_resource(deployment_id, kind, ref_id)
        except ApiError as reread:
            if action == 'delete' and resource_gone(reread):
                return GONE
            raise

    def seen(resource):
        if action == 'delete':
            return resource is GONE
        if action == 'cancel_pending':
            return plan_attempt_id(resource, 'pending') is None
        if action in PLAN_COMMANDS:
            # Only an attempt this command started counts: a plan that was already pending and has finished
            # since (it became the current one) is not a sign of it.
            known = (None, before_current, before_pending)
            return plan_attempt_id(resource, 'pending') not in known or plan_attempt_id(resource, 'current') not in known
        return effect(resource)

    def observe():
        try:
            return poll(read, seen, window, schedule=Schedule(0.1, 2.0, 2.0), immediately=True, at_least_once=True,
                        sleep=client.sleep, clock=client.clock)
        except WaitTimeout:
            return None

    return observe


def _returned(summary):
    return dict((key, summary[key]) for key in ('state', 'status', 'healthy', 'instances', 'plan_attempt_id', 'pending_plan'))


if __name__ == '__main__':
    main()
