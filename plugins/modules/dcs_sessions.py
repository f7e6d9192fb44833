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
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  instance_id:
    description:
      - ID of the DCS instance.
    type: str
    required: true
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
      - The diff shows the addresses of the sessions per node before and after the kill.
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
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ACCEPTED, ApiError, id_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import (
    DCS,
    JOB_IN_PROGRESS,
    MAX_WAIT_TIMEOUT,
    filter_problem,
    filters_from_params,
    kill_address,
    session_filter_spec,
    session_matches,
)

MAX_BATCH = 1000
# After a kill-all whose answer was lost, how long to scan for its effect before deciding it did not happen.
OBSERVE_WINDOW = 30.0


def own_argument_spec():
    """The module's own options (the frame adds the connection options)."""
    spec = session_filter_spec()
    spec.update(
        instance_id=dict(type='str', required=True),
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
    if params['node_id'] and params['all_nodes']:
        return 'Give either node_id or all_nodes=true, not both.'
    if not params['node_id'] and not params['all_nodes']:
        return 'Give node_id, or all_nodes=true to kill sessions on every node.'
    if not params['instance_id'].strip():
        return 'instance_id must not be empty.'
    if not 1 <= params['batch_size'] <= MAX_BATCH:
        return 'batch_size must be between 1 and %d, got %s.' % (MAX_BATCH, params['batch_size'])
    if not 0 < params['wait_timeout'] <= MAX_WAIT_TIMEOUT:
        return 'wait_timeout must be greater than 0 and at most %d seconds, got %s.' % (MAX_WAIT_TIMEOUT, params['wait_timeout'])
    return filter_problem(params)


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


def main():
    module = PlatformModule(DCS, own_argument_spec(), initial=dict(job_id=None, sessions=[]))
    params = module.params
    module.require(input_problem(params))
    instance_id = params['instance_id'].strip()
    one_node = params['node_id'].strip() if params['node_id'] else None
    filters = filters_from_params(params)
    # What the service killed, reported whatever happens next (the frame returns module.result on failure too).
    module.result['killed'] = []
    with module.connect() as client:
        node_ids = client.session_nodes(instance_id, one_node)
        by_node = client.scan_sessions(instance_id, node_ids, params['wait_timeout'])
        sessions = [session for node_id in node_ids for session in by_node[node_id]]
        module.result['sessions'] = sessions
        doomed = [session for session in sessions if session_matches(session, filters)] if filters else sessions
        if not doomed:
            module.done()
        module.report(changed=module.check_mode, **diff_of(sessions, doomed))
        if module.check_mode:
            module.done(killed=[kill_address(session) for session in doomed])
        if filters:
            for node_id in node_ids:
                addresses = [kill_address(session) for session in doomed if session['node_id'] == node_id]
                for start in range(0, len(addresses), params['batch_size']):
                    killed = kill_batch(module, client, instance_id, node_id, addresses[start:start + params['batch_size']])
                    module.result['killed'].extend(killed)
                    module.mark_changed(bool(killed))
        else:
            kill_all(module, client, instance_id, one_node, doomed, module.result)
    module.done()


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
