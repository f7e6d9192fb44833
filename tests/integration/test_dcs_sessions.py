# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dcs_sessions and dcs_sessions_info end to end against the DCS simulator (signature-verifying, over TLS)."""

from __future__ import annotations

import math

from dcs_support import (  # pylint: disable=unused-import
    DCS, INFO, INSTANCE, SESSIONS, DEMO_ACCESS_KEY, DEMO_SECRET_KEY, IAM_DOMAIN, IAM_PASSWORD, IAM_USER, PROJECT_ID,
    TEMP_ACCESS_KEY, TEMP_SECRET_KEY, TEMP_SECURITY_TOKEN, dcs, dcs_server,
)


def test_kill_all_on_a_node_waits_for_the_job_then_is_unchanged(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=40)
    node = dcs.node()
    first = ansible.module(SESSIONS, dcs.args(node_id=node))
    assert first.rc == 0, first.output
    assert first.result['changed'] is True
    assert len(first.result['killed']) == 40 and len(first.result['sessions']) == 40
    assert first.result['job']['status'] == 'SUCCESS' and first.result['job_id'] == first.result['job']['job_id']
    kill_all = dcs.sim.logged(method='POST', path='/clients/kill-all')
    assert [entry['json'] for entry in kill_all] == [{'node_id': node, 'kill_all_nodes': False}]
    assert dcs.sim.sessions_of(INSTANCE, node) == []
    # The job was polled until SUCCESS, and the module found out within one poll interval of the job ending.
    job = dcs.sim.jobs[first.result['job_id']]
    polls = [entry['time'] for entry in dcs.sim.logged(method='GET', path='/jobs/')
             if entry['path'].endswith(first.result['job_id'])]
    assert polls[-1] >= job['done_at'] and all(poll < job['done_at'] for poll in polls[:-1]), (polls, job)
    if len(polls) >= 2:
        assert polls[-1] - job['done_at'] <= polls[-1] - polls[-2]
    # ...which any schedule satisfies; the short first delay and backoff are what make it quick: polls at
    # about 0.5 s and 1.25 s after the job started, the second one seeing the 0.6 s job done (on a loaded machine
    # the module may start late enough for the first one to see it done: once, make test's 5 suites at a time did).
    assert len(polls) <= 2 and polls[-1] - job['created'] <= 1.25 + 1.0, (polls, job['created'])

    dcs.sim.clear_log()
    second = ansible.module(SESSIONS, dcs.args(node_id=node))
    assert second.rc == 0, second.output
    assert second.result['changed'] is False and second.result['killed'] == [] and second.result['job_id'] is None
    assert dcs.kills() == []


def test_filters_kill_exactly_the_matching_sessions_across_pages(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=2500)
    node = dcs.node()
    before = dcs.sim.sessions_of(INSTANCE, node)
    expected = sorted(s['peer'] for s in before if s['idle'] > 3600 and s['name'] == 'web')
    assert 50 < len(expected) < 2500
    run = ansible.module(SESSIONS, dcs.args(node_id=node, idle_longer_than=3600, name='web', batch_size=40))
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert sorted(run.result['killed']) == expected
    assert len(run.result['sessions']) == 2500
    reads = dcs.sim.logged(method='GET', path='/clients$')
    assert [entry['query']['offset'] for entry in reads] == [['0'], ['1000'], ['2000']]
    assert all(entry['query']['limit'] == ['1000'] for entry in reads)
    kills = dcs.kills()
    assert len(kills) == math.ceil(len(expected) / 40)
    assert all(len(entry['json']['client_addrs']) <= 40 and entry['json']['node_id'] == node for entry in kills)
    remaining = {s['peer'] for s in dcs.sim.sessions_of(INSTANCE, node)}
    assert remaining == {s['peer'] for s in before} - set(expected)
    assert dcs.sim.logged(path='kill-all') == []

    dcs.sim.clear_log()
    again = ansible.module(SESSIONS, dcs.args(node_id=node, idle_longer_than=3600, name='web', batch_size=40))
    assert again.rc == 0 and again.result['changed'] is False and again.result['killed'] == []
    assert dcs.kills() == []


def test_check_mode_reports_and_sends_no_kill(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='proxy', sessions=300)
    run = ansible.module(SESSIONS, dcs.args(all_nodes=True, client_addrs=['10.10.0.1:40000', '10.11.0.2'], wait=True),
                         check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert sorted(run.result['killed']) == ['10.10.0.1:40000', '10.11.0.2:40001']
    assert run.result['diff']['before']['sessions'].keys() == run.result['diff']['after']['sessions'].keys()
    assert '10.10.0.1:40000' not in run.result['diff']['after']['sessions'][dcs.node(index=0)]
    assert dcs.kills() == []
    # Requests of the run: logical-nodes, two scans, one poll per scan job, one page per node.
    assert len(dcs.sim.logged()) == 7, [entry['path'] for entry in dcs.sim.logged()]
    # The only POSTs are the two session scans (read-like: they change no session).
    assert [entry['path'].rsplit('/', 1)[1] for entry in dcs.sim.writes()] == ['clients', 'clients']
    assert all(len(dcs.sim.sessions_of(INSTANCE, node)) == 300 for node in dcs.sim.session_node_ids(INSTANCE))

    dcs.sim.clear_log()
    kill_all = ansible.module(SESSIONS, dcs.args(all_nodes=True), check=True)
    assert kill_all.rc == 0 and kill_all.result['changed'] is True and len(kill_all.result['killed']) == 600
    assert dcs.kills() == []


def test_all_nodes_without_filters_sends_one_kill_all_for_the_instance(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='proxy', sessions=30)
    run = ansible.module(SESSIONS, dcs.args(all_nodes=True))
    assert run.rc == 0, run.output
    assert len(run.result['killed']) == 60
    assert sorted(run.result['killed']) == sorted(session['peer'] for session in run.result['sessions'])
    assert [entry['json'] for entry in dcs.kills()] == [{'kill_all_nodes': True}]
    scanned = [entry['json']['node_id'] for entry in dcs.sim.logged(method='POST', path='/clients$')]
    assert sorted(scanned) == sorted(dcs.sim.session_node_ids(INSTANCE))
    assert all(dcs.sim.sessions_of(INSTANCE, node) == [] for node in scanned)


def test_failed_job_fails_with_the_reason(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=5)
    dcs.sim.fail_jobs = {'killAllClients'}
    run = ansible.module(SESSIONS, dcs.args(node_id=dcs.node()))
    assert run.result['failed'] is True and run.result['changed'] is True
    job_id = run.result['job_id']
    assert run.result['msg'] == ('DCS kill-all job %s on DCS instance %s failed: the job ended with status FAIL: '
                                 'Failed to kill the sessions because the node is abnormal.' % (job_id, INSTANCE))
    assert run.result['fail_reason'] == 'Failed to kill the sessions because the node is abnormal.'
    assert 'Traceback' not in run.output


def test_wait_timeout_fails_with_the_job_id_and_last_status(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=5)
    dcs.sim.job_duration = 30
    run = ansible.module(SESSIONS, dcs.args(node_id=dcs.node(), wait_timeout=1))
    assert run.result['failed'] is True and run.result['changed'] is True
    assert run.result['job_status'] == 'RUNNING'
    assert run.result['msg'] == ('DCS kill-all job %s on DCS instance %s failed: no result after waiting 1s, the last '
                                 'status was RUNNING.' % (run.result['job_id'], INSTANCE))


def test_no_wait_returns_the_job_id(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=5)
    run = ansible.module(SESSIONS, dcs.args(node_id=dcs.node(), wait=False))
    assert run.rc == 0 and run.result['changed'] is True and run.result['job_id']
    assert dcs.sim.logged(path='/jobs/%s' % run.result['job_id']) == []  # only the scan job was polled


def test_a_wrong_signature_is_rejected_and_reported_clearly(ansible, dcs):
    run = ansible.module(SESSIONS, dcs.args(secret_key='not-the-secret-key-1', all_nodes=True), verbosity=4)
    assert run.result['failed'] is True and run.result['changed'] is False
    assert run.result['http_status'] == 401 and run.result['error_code'] == 'APIGW.0301'
    assert 'answered HTTP 401 Unauthorized with error APIGW.0301: Incorrect IAM authentication information: ' \
           'verify aksk signature fail (the request signature or access key was rejected' in run.result['msg']
    assert 'not-the-secret-key-1' not in run.output + repr(run.result)
    assert len(dcs.sim.logged()) == 1


def test_vendor_error_is_quoted_verbatim(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=5)
    dcs.sim.add_fault(path='/clients/kill-all', status=400,
                      body={'error_code': 'DCS.4918', 'error_msg': 'This operation is not allowed while the instance is being resized.'})
    run = ansible.module(SESSIONS, dcs.args(node_id=dcs.node()))
    assert run.result['failed'] is True and run.result['changed'] is False
    assert run.result['msg'].startswith('Killing all sessions of node %s of DCS instance %s failed: POST ' % (dcs.node(), INSTANCE))
    assert run.result['msg'].endswith('answered HTTP 400 Bad Request with error DCS.4918: '
                                      'This operation is not allowed while the instance is being resized.')
    missing = ansible.module(INFO, dcs.args(instance_id='no-such-instance'))
    assert 'answered HTTP 404 Not Found with error DCS.4800: The instance does not exist.' in missing.result['msg']
    dcs.sim.clear_log()
    dcs.sim.fail_jobs = {'scanClients'}
    dcs.sim.fail_reason = 'The node is busy.'
    scan = ansible.module(SESSIONS, dcs.args(node_id=dcs.node()))
    assert scan.result['failed'] is True and scan.result['changed'] is False
    assert scan.result['msg'] == 'DCS session scan job %s of node %s failed: the job ended with status FAIL: The node is busy.' % (
        scan.result['job_id'], dcs.node())
    assert dcs.kills() == []


def test_iam_token_one_request_per_run(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='proxy', sessions=20)
    args = dcs.args(access_key=None, secret_key=None, iam_username=IAM_USER, iam_password=IAM_PASSWORD,
                    domain_name=IAM_DOMAIN, iam_endpoint=dcs.server.root, all_nodes=True, idle_longer_than=3600)
    run = ansible.module(SESSIONS, args, verbosity=4)
    assert run.rc == 0, run.output
    assert len(run.result['killed']) == 4
    token_calls = dcs.sim.logged(path='/v3/auth/tokens')
    assert len(token_calls) == 1
    assert token_calls[0]['json']['auth']['scope'] == {'project': {'id': PROJECT_ID}}
    token = list(dcs.sim.tokens)[0]
    others = [entry for entry in dcs.sim.logged() if entry not in token_calls]
    assert others and all(entry['headers'].get('x-auth-token') == token for entry in others)
    assert all('authorization' not in entry['headers'] for entry in others)
    assert token not in run.output + repr(run.result) and IAM_PASSWORD not in run.output + repr(run.result)

    args.pop('all_nodes')
    wrong = ansible.module(INFO, dict(args, iam_password='wrong-password-7'))
    assert wrong.result['failed'] is True
    assert wrong.result['msg'].startswith('Getting an IAM token for %s in domain %s failed: POST %s/v3/auth/tokens answered '
                                          'HTTP 401 Unauthorized with error 401: The username or password is wrong'
                                          % (IAM_USER, IAM_DOMAIN, dcs.server.root))
    assert 'wrong-password-7' not in wrong.output and 'Traceback' not in wrong.output


def test_temporary_credentials_send_the_security_token(ansible, dcs):
    args = dcs.args(access_key=TEMP_ACCESS_KEY, secret_key=TEMP_SECRET_KEY, security_token=TEMP_SECURITY_TOKEN,
                    instance_id=dcs.sim.instances and next(iter(dcs.sim.instances)), idle_longer_than=100000)
    run = ansible.module(INFO, args, verbosity=4)
    assert run.rc == 0, run.output
    assert run.result['total'] == 4000 and run.result['sessions'] == []
    assert all(entry['headers']['x-security-token'] == TEMP_SECURITY_TOKEN for entry in dcs.sim.logged())
    assert TEMP_SECRET_KEY not in run.output and TEMP_SECURITY_TOKEN not in run.output + repr(run.result)
    missing = ansible.module(INFO, dict(args, security_token=None))
    assert 'the security token is invalid' in missing.result['msg']


def test_info_lists_every_node_with_filters(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='proxy', sessions=1200)
    run = ansible.module(INFO, dcs.args(addr_prefix='10.10.', db='0', cmd='get'), check=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    assert run.result['nodes'] == dcs.sim.session_node_ids(INSTANCE) and run.result['total'] == 2400
    first = dcs.node(index=0)
    expected = sorted(s['peer'] for s in dcs.sim.sessions_of(INSTANCE, first)
                      if s['addr'].startswith('10.10.') and s['db'] == '0' and s['cmd'] == 'get')
    assert expected and sorted(s['peer'] for s in run.result['sessions']) == expected
    assert all(s['node_id'] == first for s in run.result['sessions'])
    scans = dcs.sim.logged(method='POST', path='/clients$')
    assert [entry['json']['clean_cache'] for entry in scans] == [True, True]
    assert dcs.sim.logged(path='kill') == []

    dcs.sim.clear_log()
    one = ansible.module(INFO, dcs.args(node_id=first, clean_cache=False))
    assert one.rc == 0 and one.result['total'] == 1200 and one.result['nodes'] == [first]
    assert dcs.sim.logged(path='logical-nodes') == []
    assert [entry['json'] for entry in dcs.sim.logged(method='POST')] == [{'node_id': first, 'clean_cache': False}]


def test_bad_input_fails_before_any_request(ansible, dcs):
    base = dcs.args(node_id='n1')
    for args, message in (
        (dict(base, all_nodes=True), 'Give either node_id or all_nodes=true, not both'),
        (dict(base, node_id=None), 'Give node_id, or all_nodes=true'),
        (dict(base, node_id='  '), 'node_id must not be empty'),
        (dict(base, access_key=None, secret_key=None), 'Give access_key and secret_key'),
        (dict(base, iam_username='u', iam_password='p', domain_name='d'), 'not both'),
        (dict(base, endpoint=None), 'Give region'),
        (dict(base, endpoint='dcs.example.com'), 'endpoint must be a URL'),
        (dict(base, idle_longer_than=-1), 'idle_longer_than must be 0 or more'),
        (dict(base, batch_size=0), 'batch_size must be between 1 and 1000'),
        (dict(base, wait_timeout=0), 'wait_timeout must be greater than 0'),
        (dict(base, secret_key=None), 'access_key and secret_key go together'),
        (dict(base, secret_key=''), 'access_key and secret_key go together'),
        (dict(base, access_key=None, secret_key=None, iam_username='u', iam_password='p'), 'go together: give all three'),
    ):
        run = ansible.module(SESSIONS, args)
        assert run.result['failed'] is True, args
        assert message in run.result['msg'], (message, run.result['msg'])
        assert not run.result['msg'].startswith('Task failed'), run.result['msg']  # no uncaught exception
    blank = ansible.module(INFO, dict(base, node_id=''))
    assert blank.result['failed'] is True and 'node_id must not be empty' in blank.result['msg'], blank.result
    assert dcs.sim.logged() == []


def test_a_node_id_with_spaces_around_it_is_the_node(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    node = dcs.node()
    run = ansible.module(SESSIONS, dcs.args(node_id=' %s ' % node))
    assert run.rc == 0 and run.result['changed'] is True, run.output
    assert [entry['json'] for entry in dcs.kills()] == [{'node_id': node, 'kill_all_nodes': False}]


def test_environment_fallbacks_and_default_endpoint_shape(ansible, dcs):
    env = {'HUAWEICLOUD_SDK_AK': DEMO_ACCESS_KEY, 'HUAWEICLOUD_SDK_SK': DEMO_SECRET_KEY,
           'HUAWEICLOUD_SDK_PROJECT_ID': PROJECT_ID, 'HUAWEICLOUD_SDK_REGION': 'ap-southeast-1'}
    args = dict(endpoint=dcs.url, ca_path=dcs.ca_file, instance_id=next(iter(dcs.sim.instances)), name='nobody')
    run = ansible.module(INFO, args, env=env)
    assert run.rc == 0, run.output
    assert run.result['total'] == 4000
    # Without endpoint, the region gives the vendor's URL: a TLS/DNS failure there, not a request here.
    dcs.sim.clear_log()
    offline = ansible.module(INFO, dict(args, endpoint=None, retries=0, timeout=2), env=env)
    assert offline.result['failed'] is True
    assert 'https://dcs.ap-southeast-1.myhuaweicloud.com/v2/%s/instances/' % PROJECT_ID in offline.result['msg']
    assert dcs.sim.logged() == []


def test_tls_is_verified_by_default(ansible, dcs):
    run = ansible.module(INFO, dcs.args(ca_path=None, retries=0))
    assert run.result['failed'] is True
    assert 'TLS verification failed' in run.result['msg'] and 'ca_path' in run.result['msg']
    assert DEMO_SECRET_KEY not in run.output


def test_secrets_appear_in_no_output_at_vvvv(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=10)
    ok = ansible.module(SESSIONS, dcs.args(node_id=dcs.node(), idle_longer_than=3600), verbosity=4, diff=True)
    assert ok.rc == 0 and ok.result['changed'] is True, ok.output
    dcs.sim.add_fault(path='/clients/kill-all', status=500, body={'error_code': 'DCS.5000', 'error_msg': 'boom'})
    failed = ansible.module(SESSIONS, dcs.args(node_id=dcs.node()), verbosity=4)
    assert failed.result['failed'] is True
    for run in (ok, failed):
        text = run.output + repr(run.result)
        assert DEMO_SECRET_KEY not in text
    for entry in dcs.sim.logged():
        assert DEMO_SECRET_KEY not in entry['path'] + repr(entry['query']) + entry['body']


def test_odd_session_fields_never_give_a_traceback(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=0)
    node = dcs.node()
    page = {'count': 3, 'clients': [
        {'addr': '10.0.0.1:1', 'peer': '10.0.0.1:1', 'idle': 'n/a'},
        {'addr': '10.0.0.2:2', 'peer': '10.0.0.2:2', 'idle': [7]},
        {'addr': '10.0.0.3:3', 'peer': '10.0.0.3:3', 'idle': 5000},
    ]}
    dcs.sim.add_fault(path='/clients$', method='GET', status=200, body=page)
    run = ansible.module(SESSIONS, dcs.args(node_id=node, idle_longer_than=3600), check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.result['killed'] == ['10.0.0.3:3'] and len(run.result['sessions']) == 3
    dcs.sim.add_fault(path='/clients$', method='GET', status=200, body={'count': 1, 'clients': [{'id': '9', 'idle': 1}]})
    nameless = ansible.module(SESSIONS, dcs.args(node_id=node, idle_longer_than=0), check=True, diff=True)
    assert nameless.result['failed'] is True and 'Traceback' not in nameless.output
    assert 'the session list has a session without an address (addr/peer)' in nameless.result['msg']


def test_info_selects_nodes_as_the_kill_module_does(ansible, dcs):
    dcs.sim.add_instance(INSTANCE, kind='proxy', sessions=5)
    every = ansible.module(INFO, dcs.args(all_nodes=True))
    assert every.rc == 0 and every.result['total'] == 10, every.output
    assert every.result['nodes'] == ansible.module(INFO, dcs.args()).result['nodes']  # the default of 1.0.0
    dcs.sim.clear_log()
    both = ansible.module(INFO, dcs.args(all_nodes=True, node_id=dcs.node()))
    assert both.result['failed'] is True and 'Give either node_id or all_nodes=true, not both' in both.result['msg']
    assert dcs.sim.logged() == []
