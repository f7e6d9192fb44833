# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security and fault suite, DCS part: dcs_sessions and dcs_sessions_info under hostile input and servers.

Modules run in process against the signature-verifying DCS simulator; each case is recorded for the README's
Reliability table.
"""

from __future__ import annotations

import json
import time

import pytest

from dcs_support import INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from fault_answers import JSON, ids, refused_control_character, unclear_answers
from modrun import run_module
from simulators.huawei_dcs import IAM_DOMAIN, IAM_PASSWORD, IAM_USER, TEMP_ACCESS_KEY, TEMP_SECRET_KEY, TEMP_SECURITY_TOKEN

SESSIONS = 'dcs_sessions'
INFO = 'dcs_sessions_info'
# Where the modules may write: session scans and kills of the instance under test.
WRITES = r'^/v2/%s/instances/%s/clients(/kill|/kill-all)?$' % (PROJECT_ID, INSTANCE)
KILL = r'/clients/kill$'
KILL_ALL = r'/clients/kill-all$'


def _count(dcs, node):
    return len(dcs.sim.sessions_of(INSTANCE, node))


def _kills(dcs):
    """The kill and kill-all requests (the cases that scan until sessions go record these: the number of scans,
    which change nothing, depends on timing)."""
    return [entry for entry in dcs.sim.writes() if entry['path'].endswith(('/kill', '/kill-all'))]


@pytest.fixture
def node(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=30, idle=lambda index: 500)
    return dcs.node()


# --- 1: path segments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('option, value', [('instance_id', '..'), ('instance_id', '.'), ('project_id', '..'),
                                           ('node_id', '..')])
def test_dot_id_given_by_the_user_fails_before_any_request(dcs, fault, option, value):
    out = run_module(SESSIONS, dcs.args(**{option: value, 'node_id': value if option == 'node_id' else 'n1'}))
    fault.record(1, '%s %r given by the user' % (option, value), SESSIONS, out, applied=False)
    assert out.failed and '%s must be an id' % option in out.msg and dcs.sim.logged() == []


def test_dot_job_id_from_the_server_is_never_requested(dcs, fault, node):
    dcs.sim.add_fault(path=r'/clients$', method='POST', status=200, body={'job_id': '..'})
    out = run_module(INFO, dcs.args(node_id=node))
    fault.record(1, 'scan job_id ".." from the server', INFO, out, applied=False, writes=dcs.sim.writes(),
                 allowed_writes=WRITES)
    assert out.failed and "'..' cannot be used as an id in a URL path" in out.msg, out
    assert [entry['path'] for entry in dcs.sim.logged(method='GET')] == []


# --- 2: URL options and region ------------------------------------------------------------------------------


@pytest.mark.parametrize('option', ['endpoint', 'iam_endpoint'])
def test_endpoint_with_credentials_fails_without_showing_them(dcs, fault, option):
    task = dcs.args(node_id='n1')
    task[option] = dcs.url.replace('https://', 'https://admin:ep-s3cret@')
    out = run_module(SESSIONS, task)
    fault.record(2, '%s with user:password@' % option, SESSIONS, out, applied=False)
    assert out.failed and 'must not carry credentials' in out.msg
    assert 'ep-s3cret' not in out.output and dcs.sim.logged() == []


@pytest.mark.parametrize('option', ['endpoint', 'iam_endpoint'])
def test_endpoint_with_a_dot_segment_fails_before_any_request(dcs, fault, option):
    task = dcs.args(node_id='n1')
    if option == 'iam_endpoint':
        for key in ('access_key', 'secret_key'):
            del task[key]
        task.update(iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN)
    task[option] = dcs.url + '/v3/..'
    out = run_module(SESSIONS, task)
    fault.record(2, '%s ending in /v3/..' % option, SESSIONS, out, applied=False)
    assert out.failed and 'must not have "." or ".." segments' in out.msg and dcs.sim.logged() == []


@pytest.mark.parametrize('region', ['x@127.0.0.1:1234/?', 'ap-southeast-1.evil.example', 'AP-SOUTHEAST-1', ''])
def test_region_that_is_not_a_region_name_sends_nothing(dcs, fault, region):
    task = dcs.args(node_id='n1', region=region, iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN)
    for key in ('endpoint', 'access_key', 'secret_key'):
        del task[key]
    out = run_module(SESSIONS, task)
    fault.record(2, 'region %r with IAM credentials' % region, SESSIONS, out, applied=False)
    assert out.failed and 'region' in out.msg and dcs.sim.logged() == []
    assert IAM_PASSWORD not in out.output


def test_plain_http_endpoint_warns_that_credentials_travel_in_clear(dcs, fault):
    task = dcs.args(node_id='n1', endpoint=dcs.url.replace('https://', 'http://'), timeout=1, retries=0)
    out = run_module(INFO, task)
    fault.record(2, 'plain http endpoint with AK/SK', INFO, out, applied=False)
    assert any('plain http' in warning and 'access key' in warning for warning in out.warnings), out


# --- 3: changed is what the service did ---------------------------------------------------------------------


def test_kill_whose_answer_is_lost_after_it_was_applied_counts_what_is_gone(dcs, fault, node):
    dcs.sim.add_fault(path=KILL, method='POST', mode='drop', apply=True)
    out = run_module(SESSIONS, dcs.args(node_id=node, idle_longer_than=100, batch_size=10))
    fault.record(3, 'kill applied, its answer cut', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert not out.failed and len(out.result['killed']) == 30 and _count(dcs, node) == 0, out
    assert any('was lost' in warning for warning in out.warnings)
    assert len(dcs.sim.logged(method='POST', path=KILL)) == 3  # never resent


def test_kill_whose_answer_is_lost_before_it_was_applied_is_unchanged(dcs, fault, node):
    dcs.sim.add_fault(path=KILL, method='POST', status=204, mode='drop')
    out = run_module(SESSIONS, dcs.args(node_id=node, idle_longer_than=100))
    fault.record(3, 'kill not applied, its answer cut', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'none of these 30 sessions was killed' in out.msg and out.result['killed'] == []


@pytest.mark.parametrize('status', [400, 403, 500, 502])
def test_refused_kill_reports_unchanged(dcs, fault, node, status):
    dcs.sim.add_fault(path=KILL, method='POST', status=status, body={'error_code': 'DCS.4049', 'error_msg': 'refused'})
    out = run_module(SESSIONS, dcs.args(node_id=node, idle_longer_than=100, wait_timeout=5))
    fault.record(3, 'kill answered HTTP %d' % status, SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'HTTP %d' % status in out.msg


def test_kills_done_before_a_failed_rescan_job_stay_reported(dcs, fault, node):
    # Batch 1 is killed; batch 2's answer is lost before it was applied; the scan job that judges it fails.
    with dcs.sim.lock:
        failing = dcs.sim.new_job('scanClients', 0.0, lambda: None)
        dcs.sim.jobs[failing].update(fails=True, instance_id=INSTANCE)
    dcs.sim.add_fault(path=KILL, method='POST', status=204, mode='drop', skip=1)
    dcs.sim.add_fault(path=r'/clients$', method='POST', status=200, body={'job_id': failing}, skip=1)
    out = run_module(SESSIONS, dcs.args(node_id=node, idle_longer_than=100, batch_size=10))
    fault.record(3, 'kills done, then the scan judging a lost kill answer failed', SESSIONS, out,
                 applied=_count(dcs, node) < 30, writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'status FAIL' in out.msg, out
    assert out.changed and len(out.result['killed']) == 10 and _count(dcs, node) == 20


def test_kill_all_whose_answer_is_lost_after_it_was_applied_is_changed(dcs, fault, node):
    dcs.sim.job_duration = 0.3
    dcs.sim.add_fault(path=KILL_ALL, method='POST', mode='drop', apply=True)
    out = run_module(SESSIONS, dcs.args(node_id=node))
    fault.record(3, 'kill-all applied, its answer cut', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=_kills(dcs), allowed_writes=WRITES)
    assert not out.failed and len(out.result['killed']) == 30, out
    assert len(dcs.sim.logged(method='POST', path=KILL_ALL)) == 1


# --- 8: malformed answers -----------------------------------------------------------------------------------


def test_kill_all_answered_without_job_id_is_accepted_and_judged_by_scanning(dcs, fault, node):
    dcs.sim.add_fault(path=KILL_ALL, method='POST', status=200, body={}, apply=True)
    out = run_module(SESSIONS, dcs.args(node_id=node, wait_timeout=5))
    fault.record(8, 'kill-all answered 200 without job_id', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=_kills(dcs), allowed_writes=WRITES, note='scanned until the sessions were gone')
    assert not out.failed and out.changed and len(out.result['killed']) == 30 and out.result['job_id'] is None, out
    assert any('accepted' in warning and 'without a job_id' in warning for warning in out.warnings), out.warnings


def test_error_inside_http_200_is_not_a_kill(dcs, fault, node):
    dcs.sim.add_fault(path=KILL, method='POST', status=200, body={'error_code': 'DCS.4049', 'error_msg': 'node busy'},
                      count=10)
    out = run_module(SESSIONS, dcs.args(node_id=node, idle_longer_than=100))
    fault.record(8, 'kill answered an error body with HTTP 200', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'DCS.4049' in out.msg and 'node busy' in out.msg and out.result['killed'] == []


@pytest.mark.parametrize('job', [{'job_id': 'x'}, {'status': None}, []])
def test_job_answer_without_status_fails(dcs, fault, node, job):
    dcs.sim.add_fault(path=r'/jobs/', method='GET', status=200, body=job, count=50)
    out = run_module(INFO, dcs.args(node_id=node))
    fault.record(8, 'job answered %s' % (job,), INFO, out, applied=False, writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and ('has no status' in out.msg or 'not an object' in out.msg), out


# --- 9: bounded work ----------------------------------------------------------------------------------------


def test_repeated_session_page_stops_the_listing(dcs, fault):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=2500)
    node = dcs.node()
    page = {'count': 2500, 'clients': [{'addr': '10.0.0.%d:1' % index, 'peer': '10.0.0.%d:1' % index} for index in range(1000)]}
    dcs.sim.add_fault(path=r'/clients$', method='GET', status=200, body=page, count=1000)
    out = run_module(INFO, dcs.args(node_id=node))
    fault.record(9, 'session list repeats the same page', INFO, out, applied=False, writes=dcs.sim.writes(),
                 allowed_writes=WRITES)
    assert out.failed and 'the page it gave for the previous offset' in out.msg
    assert len(dcs.sim.logged(method='GET', path=r'/clients$')) == 2


def test_more_sessions_than_announced_stops_the_listing(dcs, fault):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=5)
    node = dcs.node()
    page = {'count': 3, 'clients': [{'addr': '10.0.0.%d:1' % index} for index in range(5)]}
    dcs.sim.add_fault(path=r'/clients$', method='GET', status=200, body=page)
    out = run_module(INFO, dcs.args(node_id=node))
    fault.record(9, 'session list longer than its count', INFO, out, applied=False, writes=dcs.sim.writes(),
                 allowed_writes=WRITES)
    assert out.failed and 'sent 5 sessions but announced 3' in out.msg


def test_wait_timeout_over_a_day_fails_before_any_request(dcs, fault):
    out = run_module(SESSIONS, dcs.args(node_id='n1', wait_timeout=86401))
    fault.record(9, 'wait_timeout: 86401', SESSIONS, out, applied=False)
    assert out.failed and 'at most 86400 seconds' in out.msg and dcs.sim.logged() == []


# --- 10: races ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('wait', [True, False])
def test_loser_of_two_kill_alls_reports_ok_unchanged(dcs, fault, node, wait):
    dcs.sim.job_duration = 0.8
    with dcs.sim.lock:
        # The other task's kill-all job is under way, long enough to be under way still when this task's kill-all
        # arrives on a loaded machine (many test workers at once).
        instance = dcs.sim.instances[INSTANCE]
        job_id = dcs.sim.new_job('killAllClients', 3.0, instance['sessions'][node].clear)
        dcs.sim.jobs[job_id]['instance_id'] = INSTANCE
    out = run_module(SESSIONS, dcs.args(node_id=node, wait=wait))
    fault.record(10, 'two kill-alls at once: the loser (wait=%s)' % str(wait).lower(), SESSIONS, out, applied=False,
                 writes=[entry for entry in dcs.sim.writes() if entry['path'].endswith('/kill-all')],
                 allowed_writes=WRITES, note='waited until the sessions were gone' if wait else '')
    assert not out.failed and out.result['killed'] == [], out
    assert any('DCS.4957' in warning and 'another kill-all job' in warning for warning in out.warnings)
    if wait:
        assert _count(dcs, node) == 0
    time.sleep(max(0.0, dcs.sim.jobs[job_id]['done_at'] - time.time()) + 0.1)


def test_scan_answered_without_job_id_fails_unchanged(dcs, fault, node):
    dcs.sim.add_fault(path=r'/clients$', method='POST', status=200, body={})
    out = run_module(SESSIONS, dcs.args(node_id=node))
    fault.record(8, 'session scan answered 200 without job_id', SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'without a job_id' in out.msg and _kills(dcs) == []


# --- 11: unknown outcomes, judged by scanning again -------------------------------------------------------------
#
# Both writes of dcs_sessions (a filtered kill, a kill-all), answered in a way that does not say whether they were
# carried out: a 2xx whose body is unusable (a 2xx is the service's acceptance, whatever its body; a kill-all
# without a job id to wait for is judged by scanning), or a gateway's 500 after the service applied the write - or
# did not.

UNCLEAR_ANSWERS = unclear_answers('{"job_id": "8abf6e')


@pytest.mark.parametrize('answer, fault_args, applies', UNCLEAR_ANSWERS, ids=ids(UNCLEAR_ANSWERS))
@pytest.mark.parametrize('write', ['kill', 'kill-all'])
def test_unclear_answer_to_a_kill_is_judged_by_scanning_again(dcs, fault, node, write, answer, fault_args, applies):
    path = KILL if write == 'kill' else KILL_ALL
    dcs.sim.add_fault(path=path, method='POST', apply=applies, **fault_args)
    task = dcs.args(node_id=node, wait_timeout=3, **(dict(idle_longer_than=100) if write == 'kill' else {}))
    out = run_module(SESSIONS, task)
    fault.record(11, '%s answered %s' % (write, answer), SESSIONS, out, applied=_count(dcs, node) < 30,
                 writes=_kills(dcs), allowed_writes=WRITES)
    assert len(dcs.sim.logged(method='POST', path=path)) == 1  # judged by scanning, never by sending again
    if applies:
        assert not out.failed and out.changed and _count(dcs, node) == 0, out
        killed = out.result['killed']
        assert len(killed) == 30, out
        assert any(('was unclear' in warning or 'accepted' in warning) and 'HTTP' in warning
                   for warning in out.warnings), out.warnings
    else:
        assert out.failed and not out.changed and 'HTTP 500' in out.msg and _count(dcs, node) == 30, out
        assert 'none of' in out.msg


def test_kill_all_accepted_without_job_id_whose_sessions_stay_fails_changed(dcs, fault, node):
    # The service took the kill-all (HTTP 200) but answered no job id, and the sessions are still there when the
    # wait ends: the task fails, but reports the change the service accepted.
    dcs.sim.add_fault(path=KILL_ALL, method='POST', status=200, body={}, apply=True)
    dcs.sim.job_duration = 30
    out = run_module(SESSIONS, dcs.args(node_id=node, wait_timeout=1))
    fault.record(11, 'kill-all answered 200 without job_id, its job slower than wait_timeout', SESSIONS, out,
                 applied=True, writes=_kills(dcs), allowed_writes=WRITES,
                 note='the job kills them later')
    assert out.failed and out.changed and 'without a job_id' in out.msg and '30 of 30 sessions were still there' in out.msg


# --- 12: malformed lists fail instead of reading as empty -----------------------------------------------------

MALFORMED_PAGES = [
    ('clients null', {'count': 30, 'clients': None}), ('clients missing', {'count': 30}),
    ('clients a string', {'count': 30, 'clients': '10.0.0.5:2048'}), ('the answer null', None),
]


@pytest.mark.parametrize('module', [INFO, SESSIONS])
@pytest.mark.parametrize('what, page', MALFORMED_PAGES, ids=ids(MALFORMED_PAGES))
def test_malformed_session_page_fails(dcs, fault, node, module, what, page):
    dcs.sim.add_fault(path=r'/clients$', method='GET', status=200, body=json.dumps(page), headers=JSON, count=10)
    out = run_module(module, dcs.args(node_id=node))
    fault.record(12, 'session page: %s' % what, module, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and out.msg.startswith('Listing the sessions of node %s' % node), out
    assert 'no clients list' in out.msg and 'refusing to read it as empty' in out.msg
    assert _kills(dcs) == [] and not out.result.get('sessions')


@pytest.mark.parametrize('module', [INFO, SESSIONS])
@pytest.mark.parametrize('what, body', [('nodes null', {'nodes': None}), ('nodes missing', {'total': 2})])
def test_malformed_node_list_fails(dcs, fault, node, module, what, body):
    dcs.sim.add_fault(path=r'/logical-nodes$', method='GET', status=200, body=body)
    out = run_module(module, dcs.args(all_nodes=True) if module == SESSIONS else dcs.args())
    fault.record(12, 'node list: %s' % what, module, out, applied=_count(dcs, node) < 30,
                 writes=dcs.sim.writes(), allowed_writes=WRITES)
    assert out.failed and out.msg.startswith('Listing the nodes of DCS instance') and 'no nodes list' in out.msg, out
    assert dcs.sim.writes() == []


# --- 13: control characters, and credentials HTTP cannot carry ------------------------------------------------


@pytest.mark.parametrize('module, option, value', [
    (SESSIONS, 'instance_id', INSTANCE + '\n'), (SESSIONS, 'node_id', 'n1\r\nX-Evil: 1'),
    (INFO, 'instance_id', 'a\x00b'), (SESSIONS, 'client_addrs', ['10.0.0.5:2048\n']), (INFO, 'name', 'web\x7f'),
    (SESSIONS, 'project_id', PROJECT_ID + '\t'), (SESSIONS, 'access_key', 'AK\nSIM'),
])
def test_id_or_name_with_a_control_character_fails_before_any_request(dcs, fault, module, option, value):
    task = dcs.args(node_id='n1')
    task[option] = value
    out = run_module(module, task)
    fault.record(13, '%s %r' % (option, value), module, out, applied=False)
    assert refused_control_character(out, option, value), out
    assert dcs.sim.logged() == []


@pytest.mark.parametrize('option', ['security_token', 'secret_key'])
def test_credential_with_a_line_break_is_one_clean_sentence(dcs, fault, option):
    task = dcs.args(node_id='n1', retries=0)
    if option == 'security_token':
        task.update(access_key=TEMP_ACCESS_KEY, secret_key=TEMP_SECRET_KEY, security_token=TEMP_SECURITY_TOKEN + '\n')
        secret = TEMP_SECURITY_TOKEN
    else:
        task['secret_key'] = secret = 'sk-with\nbreak-0001'
    out = run_module(INFO, task)
    fault.record(5, '%s with a line break' % option, INFO, out, applied=False)
    assert out.failed and 'ValueError' not in out.msg and 'Traceback' not in out.output, out
    if option == 'security_token':
        assert 'a header value has a character HTTP does not allow' in out.msg and dcs.sim.logged() == []
    else:
        # The secret key only signs: the service refuses the signature it makes.
        assert 'HTTP 401' in out.msg
    for form in (secret, repr(secret)[1:-1]):
        assert form not in out.output
