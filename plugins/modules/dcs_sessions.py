#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: dcs_sessions
short_description: Kill client sessions of a Huawei Cloud DCS (Redis) instance
version_added: 1.0.0
description:
  - Kills client sessions of a DCS instance, on one node (O(node_id)) or on every node (O(all_nodes)).
  - It always reads first. It scans the sessions of each node (the scan refreshes the service's session list
    and changes no session), waits for the scan and reads every page of the list.
  - Without filters, it kills all sessions with C(clients/kill-all), but only when the scan found sessions,
    and waits for the kill job (O(wait)).
  - With filters (O(client_addrs), O(idle_longer_than), O(name), O(db), O(cmd), O(addr_prefix)), it kills only
    the matching sessions with C(clients/kill), O(batch_size) addresses per request.
  - When no session is to be killed, nothing is sent after the scan and the task reports no change.
  - Many instances in one task (O(instance_ids), or O(instances) with a project, region or endpoint per instance) are
    cleaned up O(parallel) at a time over pooled connections, each as one instance is; the result of each is in
    RV(instances). An instance that fails does not stop the others (see O(max_fail_percentage)), and the task fails
    after all of them, naming how many failed.
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
      - IDs of DCS instances of O(project_id), cleaned up in one task, O(parallel) at a time; needs O(all_nodes=true).
      - Each instance's result is in RV(instances).
    type: list
    elements: str
    version_added: 2.0.0
  instances:
    description:
      - DCS instances cleaned up in one task, each with its own project, region or endpoint where they differ from
        the task's (the variables C(dcs_project_id), C(dcs_region) and C(dcs_endpoint) of the hosts of the
        P(platform_ops.admin.dcs_instances#inventory) inventory); needs O(all_nodes=true).
      - What an entry gives goes over the task's options, as in the inventory plugin's C(projects) - an entry's
        O(instances[].region) selects its default endpoint only when the task has no O(endpoint) (give
        O(instances[].endpoint) too otherwise). With an IAM user, the task asks IAM for one token per project and
        region.
      - Each instance's result is in RV(instances).
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
        description: Its region, when not the task's O(region).
        type: str
      endpoint:
        description: The DCS endpoint of its region, when not the task's O(endpoint) (or the region's default).
        type: str
  parallel:
    description:
      - How many instances of O(instance_ids) or O(instances) are worked on at once (scanned, waited for, killed),
        from V(1) to V(64); each has a pooled connection of its own.
      - When the service answers HTTP 429 (too many requests), every worker waits the time its C(Retry-After) asks for
        (or the retry's backoff) before its next request, so the pool slows down instead of failing instances.
    type: int
    default: 8
    version_added: 2.0.0
  max_fail_percentage:
    description:
      - With O(instance_ids) or O(instances), once more than this percentage of the instances failed, no further
        instance is started (those under way finish; the others are in RV(instances) with C(skipped)), as
        Ansible's play keyword of that name stops a play. V(100) never stops early.
    type: int
    default: 100
    version_added: 2.0.0
  state:
    description:
      - V(absent) kills the selected sessions.
    type: str
    choices: [absent]
    default: absent
  node_id:
    description:
      - The node whose sessions are killed, as C(node_id) in M(platform_ops.admin.dcs_sessions_info) or the
        C(logical-nodes) list (not C(logical_node_id)); a proxy node on proxy-cluster and read/write-splitting
        instances, a data node otherwise.
      - Give either O(node_id) or O(all_nodes=true).
    type: str
  all_nodes:
    description:
      - Kill the selected sessions on every node clients connect to (the proxies when the instance has any,
        the data nodes otherwise), read from C(logical-nodes).
      - Without filters, one C(kill-all) request with C(kill_all_nodes=true) is sent.
    type: bool
    default: false
  batch_size:
    description:
      - How many addresses one C(clients/kill) request carries when filters select the sessions.
    type: int
    default: 100
  wait:
    description:
      - Wait until the kill-all job ends. A job that ends with C(FAIL) fails the task with its C(fail_reason).
      - Killing selected sessions is immediate and does not create a job.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the session scans (started together, they share this time), then for the kill-all job.
      - The job is polled after half a second, then at intervals growing by half up to 5 seconds, and once
        more at the deadline. A job still running then fails the task with its ID and last status, and
        C(changed=true) because the kill was sent.
      - At most V(86400).
    type: int
    default: 300
extends_documentation_fragment:
  - platform_ops.admin.huawei_dcs
  - platform_ops.admin.huawei_dcs.session_filters
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.huawei_dcs_group
attributes:
  check_mode:
    support: full
    details:
      - Check mode scans and reads the sessions like a normal run (the scan changes no session) and reports
        the sessions that would be killed; it sends no kill.
  diff_mode:
    support: full
    details:
      - The diff shows the addresses of the sessions per node before and after the kill (per instance, by instance ID,
        with many instances).
notes:
  - Idempotent when the killed clients do not reconnect; a client that reconnects is a new session and
    matches again on the next run.
  - The session list is a snapshot the scan takes; sessions that connect between the scan and the kill
    are not killed by O(client_addrs) or the other filters, but are killed by a kill-all.
  - C(changed) is what the service did. When the answer to a kill is unclear (connection cut, read timeout, an
    HTTP 5xx other than 503), the node is scanned again and the sessions gone count as killed, with a warning;
    none gone fails the task with C(changed=false). A kill-all whose answer is unclear is judged the same way,
    scanning for up to 30 seconds (at most O(wait_timeout)). A kill-all answered with HTTP 2xx but without a
    usable C(job_id) was accepted (C(changed=true), with a warning); with O(wait=true) the module scans until the
    sessions are gone instead of polling the job, and fails (still C(changed=true)) if they are not gone within
    O(wait_timeout).
  - When another kill-all job runs on the instance (two tasks at once), DCS refuses a second one with
    C(DCS.4957). The task then reports no change with a warning, since the other job kills the sessions; with
    O(wait=true) it scans until they are gone (failing after O(wait_timeout) if they are not).
  - An id (O(instance_id), O(node_id), C(project_id)) of V(.) or V(..) fails before any request. A session list
    that repeats a page, or sends more sessions than it announced, fails the task instead of being read again.
seealso:
  - module: platform_ops.admin.dcs_sessions_info
'''

EXAMPLES = r'''
- name: Kill sessions idle for more than an hour on every proxy of an instance
  platform_ops.admin.dcs_sessions:
    region: ap-southeast-1
    project_id: "{{ huawei_project_id }}"
    access_key: "{{ vault_huawei_ak }}"
    secret_key: "{{ vault_huawei_sk }}"
    instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
    all_nodes: true
    idle_longer_than: 3600
  register: idle_kill

- name: Kill every session of one node and wait for the job (credentials from HUAWEICLOUD_SDK_*)
  platform_ops.admin.dcs_sessions:
    instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
    node_id: 8f7ee181-88e2-49b7-a4bf-81f18f93a135
    wait_timeout: 120

- name: Kill the sessions of two clients, with an IAM user instead of keys
  platform_ops.admin.dcs_sessions:
    region: ap-southeast-1
    project_id: "{{ huawei_project_id }}"
    iam_username: dcs-operator
    iam_password: "{{ vault_iam_password }}"
    domain_name: example-account
    instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
    all_nodes: true
    client_addrs:
      - 10.0.0.5:2048
      - 10.0.0.6

- name: Kill the sessions idle for an hour on many instances in one task, 16 at a time
  platform_ops.admin.dcs_sessions:
    region: ap-southeast-1
    project_id: "{{ huawei_project_id }}"
    instance_ids:
      - 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
      - 5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f
    all_nodes: true
    idle_longer_than: 3600
    parallel: 16
    max_fail_percentage: 10
  register: fleet_kill

- name: Show what was killed on each instance
  ansible.builtin.debug:
    msg: "{{ item.instance_id }}: {{ item.killed | length }} of {{ item.sessions | length }} sessions killed"
  loop: "{{ fleet_kill.instances }}"
  loop_control:
    label: "{{ item.instance_id }}"
'''

RETURN = r'''
killed:
  description:
    - The addresses (C(peer), else C(addr)) of the sessions killed, or that would be killed in check mode; count them
      with C(killed | length).
    - Without filters, the sessions the scan found, which the kill-all killed. A kill-all also ends sessions that
      connected after the scan; those are not listed.
    - Before 2.0.0, a run without filters returned the number of sessions here instead of a list.
  returned: always
  type: list
  elements: str
  sample: ["10.0.0.5:2048", "10.0.0.6:40312"]
job_id:
  description:
    - ID of the kill-all job; V(null) when no kill-all was sent.
  returned: always
  type: str
  sample: 8abf6e1e824dfcb201824e02ee9a0015
job:
  description:
    - The kill-all job as last read, when the module waited for it.
  returned: when a kill-all job was waited for
  type: dict
  sample:
    job_id: 8abf6e1e824dfcb201824e02ee9a0015
    job_type: killAllClients
    status: SUCCESS
    begin_time: "2026-11-24T08:00:00.000Z"
    end_time: "2026-11-24T08:00:02.000Z"
    fail_reason: ""
instances:
  description:
    - The result of each instance, in the order given (one entry with O(instance_id)).
    - With O(instance_ids) or O(instances), the top-level RV(killed) and RV(sessions) are those of every instance
      together (each session with its C(instance_id)), RV(job_id) is V(null), and the diff shows the instances that
      have sessions to kill, by instance ID.
  returned: always
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
    changed:
      description: Whether sessions of this instance were killed (or would be, in check mode).
      type: bool
    killed:
      description: The addresses killed on this instance, as RV(killed).
      type: list
      elements: str
    sessions:
      description: The sessions its scan found, as RV(sessions).
      type: list
      elements: dict
    job_id:
      description: ID of its kill-all job, V(null) when none was sent.
      type: str
    job:
      description: Its kill-all job as last read, when the module waited for it.
      type: dict
    failed:
      description: V(true) when this instance failed; RV(instances[].msg) says why, with the error's details
        (C(operation), C(http_status), C(error_code)...) beside it.
      type: bool
    skipped:
      description: V(true) when this instance was not started because too many had failed (O(max_fail_percentage)).
      type: bool
    msg:
      description: Why it failed or was skipped.
      type: str
  sample:
    - instance_id: 3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01
      project_id: 0605767f1a80d5762fe0c00b2ed9c1a3
      changed: true
      killed: ["10.0.0.5:2048"]
      sessions: []
      job_id: null
sessions:
  description:
    - Every session the scan found before anything was killed, with the ID of its node in C(node_id).
    - The other keys are the service's ClientInfo fields, as sent.
  returned: always
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
      idle: 4037
'''

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import report_outcomes, run_bounded
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ACCEPTED, ApiError, id_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import (
    DCS,
    JOB_IN_PROGRESS,
    MANY_INSTANCES_EXCLUSIVE,
    MAX_WAIT_TIMEOUT,
    dcs_clients_from_module,
    filter_problem,
    filters_from_params,
    kill_address,
    many_instances_spec,
    session_filter_spec,
    session_matches,
    targets_from_params,
    targets_problem,
)

MAX_BATCH = 1000
# After a kill-all whose answer was lost, how long to scan for its effect before deciding it did not happen.
OBSERVE_WINDOW = 30.0


def own_argument_spec():
    """The module's own options (the frame adds the connection options)."""
    spec = session_filter_spec()
    spec.update(many_instances_spec())
    spec.update(
        instance_id=dict(type='str'),
        state=dict(type='str', choices=['absent'], default='absent'),
        node_id=dict(type='str'),
        all_nodes=dict(type='bool', default=False),
        batch_size=dict(type='int', default=100),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=300),
    )
    return spec


def input_problem(params):
    """The problem with the options, or ``None``."""
    if params['node_id'] is not None and not params['node_id'].strip():
        return 'node_id must not be empty: give the ID of a node, or all_nodes=true.'
    problem = id_problem(params['node_id'], 'node_id') or id_problem(params['instance_id'], 'instance_id')
    if problem:
        return problem
    if params['node_id'] and params['instance_id'] is None:
        return 'node_id names a node of one instance: give it with instance_id, or all_nodes=true for many instances.'
    if params['node_id'] and params['all_nodes']:
        return 'Give either node_id or all_nodes=true, not both.'
    if not params['node_id'] and not params['all_nodes']:
        return 'Give node_id, or all_nodes=true to kill sessions on every node.'
    if params['instance_id'] is not None and not params['instance_id'].strip():
        return 'instance_id must not be empty.'
    if not 1 <= params['batch_size'] <= MAX_BATCH:
        return 'batch_size must be between 1 and %d, got %s.' % (MAX_BATCH, params['batch_size'])
    if not 0 < params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        return 'wait_timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    return targets_problem(params) or filter_problem(params)


def addresses_by_node(sessions):
    result = {}
    for session in sessions:
        result.setdefault(session['node_id'], []).append(kill_address(session))
    return {node_id: sorted(addresses) for node_id, addresses in result.items()}


def diff_of(sessions, doomed):
    """``before`` and ``after``: the session addresses by node, now and once ``doomed`` are killed."""
    doomed_ids = {(session['node_id'], kill_address(session)) for session in doomed}
    after = [session for session in sessions if (session['node_id'], kill_address(session)) not in doomed_ids]
    return dict(before={'sessions': addresses_by_node(sessions)}, after={'sessions': addresses_by_node(after)})


def clean(module, client, instance_id, one_node, result, planned=None):
    """Scan the sessions of one instance and kill those selected, as the options say, recording in ``result``
    (``changed``, ``killed``, ``sessions``, ``job_id``, ``job``) whatever happens next; ``planned(diff)`` is told the
    change before anything is killed. Returns that diff, or ``None`` when nothing is to be killed."""
    params = module.params
    filters = filters_from_params(params)
    node_ids = client.session_nodes(instance_id, one_node)
    by_node = client.scan_sessions(instance_id, node_ids, params['wait_timeout'])
    sessions = [session for node_id in node_ids for session in by_node[node_id]]
    result['sessions'] = sessions
    doomed = [session for session in sessions if session_matches(session, filters)] if filters else sessions
    if not doomed:
        return None
    diff = diff_of(sessions, doomed)
    if planned is not None:
        planned(diff)
    if module.check_mode:
        result.update(changed=True, killed=[kill_address(session) for session in doomed])
        return diff
    if filters:
        for node_id in node_ids:
            addresses = [kill_address(session) for session in doomed if session['node_id'] == node_id]
            for start in range(0, len(addresses), params['batch_size']):
                killed = kill_batch(module, client, instance_id, node_id, addresses[start:start + params['batch_size']])
                result['killed'].extend(killed)
                result['changed'] = result['changed'] or bool(killed)
    else:
        kill_all(module, client, instance_id, one_node, doomed, result)
    return diff


def clean_one(module):
    """``instance_id``: the module's result is the instance's, as before many instances could be given."""
    params = module.params
    instance_id = params['instance_id'].strip()
    one_node = params['node_id'].strip() if params['node_id'] else None
    result = module.result
    # What the service killed, reported whatever happens next (the frame returns module.result on failure too).
    result['killed'] = []
    result['instances'] = [dict(instance_id=instance_id, project_id=params['project_id'].strip())]
    with module.connect() as client:
        try:
            clean(module, client, instance_id, one_node, result,
                  planned=lambda diff: module.report(changed=module.check_mode, **diff))
        finally:
            # Also when it fails: the frame returns module.result with the error.
            result['instances'][0].update((key, result[key]) for key in ('changed', 'killed', 'sessions', 'job_id', 'job')
                                          if key in result)
    module.done()


def clean_many(module):
    """``instance_ids`` or ``instances``: up to ``parallel`` instances at a time, a result per instance in
    ``instances``; an instance that fails does not stop the others (``max_fail_percentage`` aside)."""
    params = module.params
    targets = targets_from_params(params)
    results = []
    diffs = {}
    with module.connect(connect=dcs_clients_from_module, places=[place for _id, place in targets],
                        pool_maxsize=params['parallel']) as clients:
        for instance_id, place in targets:
            results.append(dict(instance_id=instance_id, project_id=clients.project_of(place), changed=False,
                                killed=[], sessions=[], job_id=None))

        def work(index):
            instance_id, place = targets[index]
            diff = clean(module, clients[place], instance_id, None, results[index])
            if diff is not None:
                diffs[index] = diff

        outcomes = run_bounded(range(len(targets)), work, params['parallel'], params['max_fail_percentage'],
                               name='dcs-instance')
    failure = report_outcomes(outcomes, results, 'DCS instances')
    module.result.update(
        instances=results, job_id=None,
        killed=[address for result in results for address in result['killed']],
        sessions=[dict(session, instance_id=result['instance_id']) for result in results for session in result['sessions']])
    if diffs:
        module.report(
            changed=any(result['changed'] for result in results),
            before={'sessions': {targets[index][0]: diff['before']['sessions'] for index, diff in sorted(diffs.items())}},
            after={'sessions': {targets[index][0]: diff['after']['sessions'] for index, diff in sorted(diffs.items())}})
    module.mark_changed(any(result['changed'] for result in results))
    if failure:
        module.fail(failure)
    module.done()


def main():
    module = PlatformModule(DCS, own_argument_spec(), initial=dict(job_id=None, sessions=[]),
                            mutually_exclusive=MANY_INSTANCES_EXCLUSIVE, required_one_of=MANY_INSTANCES_EXCLUSIVE)
    module.require(input_problem(module.params))
    if module.params['instance_id'] is not None:
        clean_one(module)
    clean_many(module)


def observe_window(params):
    """How long to look for the effect of a kill whose answer was lost."""
    return min(float(params['wait_timeout']), OBSERVE_WINDOW)


def kill_batch(module, client, instance_id, node_id, batch):
    """Kill one batch; returns the addresses killed. An unclear answer is settled (the frame's rule) by scanning the
    node again: the sessions gone count as killed."""
    what = 'killing %d sessions of node %s of DCS instance %s' % (len(batch), node_id, instance_id)
    killed = module.write(
        what, lambda: client.kill_clients(instance_id, node_id, batch),
        lambda: client.sessions_gone(instance_id, {node_id: set(batch)}, 0, module.params['wait_timeout'])[node_id],
        shown=lambda gone: 'a new scan shows %d of them gone, which are reported as killed' % len(gone),
        not_shown='a new scan shows none of these %d sessions was killed' % len(batch))
    return killed if isinstance(killed, list) else list(batch)


def kill_all(module, client, instance_id, one_node, doomed, result):
    """Kill every session (of a node, or of every node) with one kill-all job, waiting for it as asked."""
    params = module.params
    wanted = {}
    for session in doomed:
        wanted.setdefault(session['node_id'], set()).add(kill_address(session))

    def gone_addresses(window):
        gone = client.sessions_gone(instance_id, wanted, window, params['wait_timeout'])
        return [address for node_id in sorted(gone) for address in gone[node_id]]

    try:
        result['job_id'] = client.kill_all(instance_id, one_node)
    except ApiError as error:
        if error.code == JOB_IN_PROGRESS:
            # Another kill-all job runs on the instance (two tasks at once): it kills these sessions. Nothing of
            # this task's was carried out; with wait, its end is waited for by scanning until they are gone.
            module.warn('DCS refused the kill-all (%s: %s): another kill-all job is running on instance %s and kills '
                        'these sessions.' % (error.code, error.vendor_message, instance_id))
            if params['wait']:
                left = len(doomed) - len(gone_addresses(params['wait_timeout']))
                if left:
                    error.reason = 'another kill-all job is running, and %d sessions were still there after %ss' % (
                        left, params['wait_timeout'])
                    raise error
            result['killed'] = []
            return
        # Unclear: scan for its effect. Accepted without a job to wait for: scan instead of polling the job.
        killed = module.settle(error, 'the kill-all on DCS instance %s' % instance_id,
                               lambda: gone_addresses(observe_window(params)),
                               shown=lambda gone: 'new scans show %d of %d sessions gone' % (len(gone), len(doomed)),
                               not_shown='new scans show none of the %d sessions gone' % len(doomed))
        if killed != ACCEPTED:
            result.update(changed=True, killed=killed)
            return
        result.update(changed=True, killed=[kill_address(session) for session in doomed])
        if params['wait']:
            result['killed'] = gone_addresses(params['wait_timeout'])
            if len(result['killed']) < len(doomed):
                error.reason = '%s; the kill-all was accepted, but %d of %d sessions were still there after %ss' % (
                    error.reason, len(doomed) - len(result['killed']), len(doomed), params['wait_timeout'])
                raise error
        return
    result.update(changed=True, killed=[kill_address(session) for session in doomed])
    if params['wait']:
        result['job'] = client.wait_job(result['job_id'], params['wait_timeout'], what='kill-all job',
                                        target=' on DCS instance %s' % instance_id)


if __name__ == '__main__':
    main()
