# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security and fault suite, ECE part: ece_stateless_resource and _info under hostile input and servers.

Modules run in process against the spec-checked ECE simulator (every request is still checked against the
vendor's OpenAPI document); each case is recorded for the README's Reliability table.
"""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest

from ece_support import DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from fault_answers import JSON, ids, refused_control_character, unclear_answers
from modrun import run_module

STATELESS = 'ece_stateless_resource'
INFO = 'ece_stateless_resource_info'
# Where the modules may write: commands on (and deletion of) the resources of the demo deployment, never the
# deployment itself.
RESOURCE_WRITES = r'^/api/v1/deployments/%s/(kibana|apm|appsearch|enterprise_search|integrations_server)/[^/]+(/.|$)' % (
    DEPLOYMENT)


def _plan(ece, kind='kibana'):
    return ece.resource(kind)['info']['plan_info']


def _rename(ece, kind, ref_id):
    with ece.sim.lock:
        ece.sim.resource(DEPLOYMENT, kind, 'main-' + kind)['ref_id'] = ref_id


# --- 1: path segments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('module, extra', [(STATELESS, dict(kind='kibana', state='restarted')), (INFO, {})])
@pytest.mark.parametrize('deployment_id', ['..', '.'])
def test_dot_deployment_id_fails_before_any_request(ece, fault, module, extra, deployment_id):
    out = run_module(module, ece.args(deployment_id=deployment_id, **extra))
    fault.record(1, 'deployment_id %r given by the user' % deployment_id, module, out, applied=False)
    assert out.failed and 'deployment_id must be an id' in out.msg
    assert ece.sim.logged() == []


def test_dot_ref_id_given_by_the_user_fails_before_any_request(ece, fault):
    out = run_module(STATELESS, ece.args(kind='kibana', ref_id='..', state='absent'))
    fault.record(1, 'ref_id ".." given by the user, state=absent', STATELESS, out, applied=False)
    assert out.failed and 'ref_id must be an id' in out.msg and ece.sim.logged() == []


@pytest.mark.parametrize('state', ['absent', 'restarted', 'shutdown'])
def test_dot_ref_id_listed_by_the_server_never_reaches_the_deployment(ece, fault, state):
    _rename(ece, 'kibana', '..')
    out = run_module(STATELESS, ece.args(kind='kibana', state=state))
    fault.record(1, 'ref_id ".." listed by the server, state=%s' % state, STATELESS, out, applied=False,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and "'..' cannot be used as an id in a URL path" in out.msg, out
    assert ece.sim.writes() == [] and DEPLOYMENT in ece.sim.deployments


# --- 2: URL option --------------------------------------------------------------------------------------------


def test_url_with_credentials_fails_without_showing_them(ece, fault):
    url = ece.url.replace('https://', 'https://admin:url-s3cret@')
    out = run_module(INFO, ece.args(url=url))
    fault.record(2, 'url with user:password@', INFO, out, applied=False)
    assert out.failed and 'must not carry credentials' in out.msg
    assert 'url-s3cret' not in out.output and ece.sim.logged() == []


def test_url_with_a_dot_segment_fails_before_any_request(ece, fault):
    task = ece.args(url=ece.url + '/api/v1/..')
    del task['api_key']
    task.update(username=USERNAME, password=PASSWORD)
    out = run_module(INFO, task)
    fault.record(2, 'url ending in /api/v1/.., with username and password', INFO, out, applied=False)
    assert out.failed and 'must not have "." or ".." segments' in out.msg and ece.sim.logged() == []


@pytest.mark.parametrize('credentials', ['api_key', 'password'])
def test_plain_http_url_warns_that_the_credential_travels_in_clear(ece, fault, credentials):
    task = ece.args(url=ece.url.replace('https://', 'http://'), timeout=1, retries=0)
    if credentials == 'password':
        del task['api_key']
        task.update(username=USERNAME, password=PASSWORD)
    out = run_module(INFO, task)
    fault.record(2, 'plain http url with the %s' % credentials.replace('_', ' '), INFO, out, applied=False)
    expected = 'the API key' if credentials == 'api_key' else 'the password'
    assert 'url uses plain http: the network carries %s unencrypted; use https.' % expected in out.warnings, out


# --- 3: changed is what the server did --------------------------------------------------------------------------


@pytest.mark.parametrize('status, code', [
    (400, 'deployments.restricted_parameter'), (401, 'root.unauthenticated'), (403, 'root.unauthorized'),
    (404, 'deployments.deployment_resource_not_found'), (422, 'deployments.deployment_resource_plan_change_error'),
    (502, None)])
def test_refused_first_command_reports_unchanged(ece, fault, status, code):
    before = _plan(ece)['current']['plan_attempt_id']
    body = {'errors': [{'code': code, 'message': 'refused by the test'}]} if code else 'Bad Gateway'
    ece.sim.add_fault(path=r'/kibana/main-kibana/_restart$', method='POST', status=status, body=body,
                      headers={'x-cloud-error-codes': code} if code else None)
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted', wait_timeout=1))
    applied = _plan(ece)['current']['plan_attempt_id'] != before or _plan(ece).get('pending') is not None
    fault.record(3, 'first command answered HTTP %d' % status, STATELESS, out, applied=applied,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'HTTP %d' % status in out.msg and out.result['actions'] == []


def test_restart_whose_answer_is_lost_after_it_was_applied_is_changed(ece, fault):
    before = _plan(ece)['current']['plan_attempt_id']
    ece.sim.add_fault(path=r'/kibana/main-kibana/_restart$', method='POST', mode='drop', apply=True)
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted'))
    fault.record(3, 'restart applied, its answer cut', STATELESS, out, applied=True,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert not out.failed, out
    assert _plan(ece)['current']['plan_attempt_id'] != before and out.result['plan_attempt_id'] != before
    assert any('was lost' in warning and 'carried out' in warning for warning in out.warnings)
    # Never sent twice.
    assert len(ece.sim.logged(method='POST', path='/_restart$')) == 1


def test_restart_whose_answer_is_lost_before_it_was_applied_is_unchanged(ece, fault):
    before = _plan(ece)['current']['plan_attempt_id']
    ece.sim.add_fault(path=r'/kibana/main-kibana/_restart$', method='POST', status=200, body={}, mode='drop')
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted', wait_timeout=1))
    fault.record(3, 'restart not applied, its answer cut', STATELESS, out, applied=False,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'showed no sign of the command within 1s' in out.msg, out
    assert _plan(ece)['current']['plan_attempt_id'] == before
    assert len(ece.sim.logged(method='POST', path='/_restart$')) == 1


def test_other_plan_finishing_after_a_lost_restart_is_not_taken_for_it(ece, fault):
    # A plan another operator started is pending; the restart (cancelling it) is lost before it was applied, and
    # the other plan finishes meanwhile: that new current plan is not this restart's.
    other = ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana', duration=0.5)
    ece.sim.add_fault(path=r'/kibana/main-kibana/_restart$', method='POST', status=200, body={}, mode='drop')
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted', cancel_pending=True, wait_timeout=2))
    fault.record(3, 'restart not applied, its answer cut, while another plan finished', STATELESS, out,
                 applied=False, writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'could not be confirmed' in out.msg, out
    assert _plan(ece)['current']['plan_attempt_id'] == other
    assert len(ece.sim.logged(method='POST', path='/_restart$')) == 1


def test_start_whose_answer_is_lost_after_it_was_applied_is_changed(ece, fault):
    assert ece.resource('apm')['info']['status'] == 'stopped'
    ece.sim.add_fault(path=r'/apm/main-apm/instances/_start$', method='POST', status=504, body='Gateway Timeout',
                      apply=True, mode='drop')
    out = run_module(STATELESS, ece.args(kind='apm', state='started'))
    fault.record(3, 'start applied, its answer cut', STATELESS, out, applied=True,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert not out.failed and out.result['state'] == 'started', out
    assert any('was lost' in warning for warning in out.warnings)


# --- 5: redaction of derived secrets ----------------------------------------------------------------------------


def test_basic_auth_value_echoed_by_the_server_is_masked(ece, fault):
    encoded = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode()).decode()
    ece.sim.add_fault(path=r'/deployments/', method='GET', status=500, body={'errors': [
        {'code': 'root.unexpected', 'message': 'bad header Authorization: Basic %s (%s)' % (encoded, PASSWORD)}]})
    task = ece.args()
    del task['api_key']
    task.update(username=USERNAME, password=PASSWORD)
    out = run_module(INFO, task)
    fault.record(5, 'server echoes the basic auth header in its error', INFO, out, applied=False)
    assert out.failed and 'bad header Authorization: Basic ********' in out.msg, out
    assert encoded not in out.output and PASSWORD not in out.output


@pytest.mark.parametrize('secret, what', [('line\nbreak-key', 'a line break'), ('trailing-newline\n', 'a final line break'),
                                          ('cr\rkey', 'a carriage return')])
def test_api_key_with_a_character_http_refuses_is_not_quoted(ece, fault, secret, what):
    out = run_module(INFO, ece.args(api_key=secret))
    fault.record(5, 'api_key with %s (HTTP refuses it in a header)' % what, INFO, out, applied=False)
    assert out.failed and 'a header value has a character HTTP does not allow' in out.msg, out
    for form in (secret, repr(secret)[1:-1], secret.strip()):
        assert form not in out.output, out.output
    assert ece.sim.logged() == []


# --- 8: malformed answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize('body, words', [({}, 'has no resources object'), ([], 'a JSON list'),
                                         ({'resources': None}, 'has no resources object')])
def test_deployment_answer_without_resources_is_not_read_as_absent(ece, fault, body, words):
    ece.sim.add_fault(path=r'/deployments/%s$' % DEPLOYMENT, method='GET', status=200, body=body)
    out = run_module(STATELESS, ece.args(kind='kibana', state='absent'))
    fault.record(8, 'deployment answered %s, state=absent' % (body,), STATELESS, out, applied=False,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and words in out.msg and 'state' not in out.result, out


def test_poll_answer_without_info_is_not_read_as_restart_finished(ece, fault):
    ece.sim.add_fault(path=r'/kibana/main-kibana$', method='GET', status=200,
                      body={'ref_id': 'main-kibana', 'id': 'x', 'region': 'ece-region', 'info': None}, count=50)
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted'))
    fault.record(8, 'restart poll answered info: null', STATELESS, out, applied=True,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'has no info object' in out.msg and out.result['actions'] == ['restart'], out


def test_error_reply_with_status_200_is_not_an_empty_list(ece, fault):
    ece.sim.add_fault(path=r'/deployments/%s$' % DEPLOYMENT, method='GET', status=200, body={'errors': [
        {'code': 'deployments.deployment_not_found', 'message': 'The requested deployment cannot be found'}]})
    out = run_module(INFO, ece.args())
    fault.record(8, 'error reply inside HTTP 200', INFO, out, applied=False)
    assert out.failed and 'deployments.deployment_not_found' in out.msg and 'resources' not in out.result, out


# --- 9: bounded work ----------------------------------------------------------------------------------------


def test_wait_timeout_over_a_day_fails_before_any_request(ece, fault):
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted', wait_timeout=86401))
    fault.record(9, 'wait_timeout: 86401', STATELESS, out, applied=False)
    assert out.failed and 'at most 86400 seconds' in out.msg and ece.sim.logged() == []


# --- 10: races ------------------------------------------------------------------------------------------------


def test_loser_of_two_parallel_restarts_fails_unchanged_and_names_the_plan(ece, fault):
    # The other task's restart lands between this task's read and its own restart.
    ece.sim.add_fault(path=r'/kibana/main-kibana/_restart$', method='POST', delay=0.4)

    def other_restart():
        # Once this task's restart has arrived (held by the fault's delay): after its read, however slow that was
        # (the first run of a process imports the module, which takes longer than any fixed wait on a busy machine).
        deadline = time.monotonic() + 30
        while not ece.sim.logged('POST', path=r'/_restart$') and time.monotonic() < deadline:
            time.sleep(0.01)
        with ece.sim.lock:
            ece.sim._start_plan(ece.sim.resource(DEPLOYMENT, 'kibana', 'main-kibana'), 'restart', duration=30)  # pylint: disable=protected-access

    racer = threading.Thread(target=other_restart)
    racer.start()
    out = run_module(STATELESS, ece.args(kind='kibana', state='restarted'))
    racer.join()
    pending = _plan(ece).get('pending', {}).get('plan_attempt_id')
    fault.record(10, 'two restarts in parallel: the loser', STATELESS, out, applied=False,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'plan still pending' in out.msg and pending in out.msg, out
    assert out.result['actions'] == []


# --- 11: unknown outcomes, judged by reading again ------------------------------------------------------------
#
# Every command of ece_stateless_resource, answered in a way that does not say whether it was carried out: a 2xx
# whose body is unusable (a 2xx is ECE's acceptance, whatever its body), or a gateway's 500 after ECE applied the
# command - or did not.

UNCLEAR_ANSWERS = unclear_answers('{"warnings": [')
# command -> (kind, task options, method and path suffix of the command)
COMMAND_CASES = {
    'restart': ('kibana', dict(state='restarted'), 'POST', '_restart'),
    'stop of all instances': ('kibana', dict(state='stopped'), 'POST', 'instances/_stop'),
    'start of all instances': ('apm', dict(state='started'), 'POST', 'instances/_start'),
    'shutdown': ('kibana', dict(state='shutdown'), 'POST', '_shutdown'),
    'delete': ('kibana', dict(state='absent'), 'DELETE', ''),
    'start of maintenance mode': ('kibana', dict(maintenance_mode=True), 'POST', 'instances/maintenance-mode/_start'),
}


def _footprint(ece, kind):
    """What a command changes on the main resource of ``kind`` (``None`` once it is deleted)."""
    with ece.sim.lock:
        found = [res for res in ece.sim.deployments[DEPLOYMENT]['resources'][kind] if res['ref_id'] == 'main-' + kind]
        if not found:
            return None
        res = found[0]
        return (res['current']['id'], res['pending'] is not None, res['instance_op'] is not None, res['status'],
                tuple((instance['running'], instance['maintenance']) for instance in res['instances']))


def _shut_down(ece, kind):
    """Put the main resource of ``kind`` in the shut-down state (so that state=absent only deletes it)."""
    with ece.sim.lock:
        res = ece.sim.resource(DEPLOYMENT, kind, 'main-' + kind)
        res.update(instances=[], status='stopped')
        res['current']['plan'] = False


@pytest.mark.parametrize('answer, fault_args, applies', UNCLEAR_ANSWERS, ids=ids(UNCLEAR_ANSWERS))
@pytest.mark.parametrize('command', sorted(COMMAND_CASES))
def test_unclear_answer_to_a_command_is_judged_by_reading_again(ece, fault, command, answer, fault_args, applies):
    kind, task, method, suffix = COMMAND_CASES[command]
    if command == 'delete':
        _shut_down(ece, kind)
    path = r'/%s/main-%s%s$' % (kind, kind, '/' + suffix if suffix else '')
    before = _footprint(ece, kind)
    ece.sim.add_fault(path=path, method=method, apply=applies, **fault_args)
    out = run_module(STATELESS, ece.args(kind=kind, wait_timeout=2, **task))
    applied = _footprint(ece, kind) != before
    fault.record(11, '%s answered %s' % (command, answer), STATELESS, out, applied=applied,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert applied is applies
    assert len(ece.sim.logged(method=method, path=path)) == 1  # judged by reading, never by sending again
    if applies:
        assert not out.failed and out.changed, out
        if 'JSON list' not in answer:  # a JSON answer is ECE's acceptance, read or not
            assert any(('was unclear' in warning or 'accepted' in warning) and 'HTTP' in warning
                       for warning in out.warnings), out.warnings
    else:
        assert out.failed and not out.changed and 'HTTP 500' in out.msg and 'could not be confirmed' in out.msg, out
        assert out.result['actions'] == []


# --- 12: malformed lists fail instead of reading as empty -----------------------------------------------------


def _deployment_with(ece, change):
    """The deployment as ECE answers it, with ``change(body)`` applied (a JSON text)."""
    with ece.sim.lock:
        body = dict(id=DEPLOYMENT, name='observability', healthy=True, resources={
            kind: [ece.sim.resource_info(DEPLOYMENT, kind, res) for res in resources]
            for kind, resources in ece.sim.deployments[DEPLOYMENT]['resources'].items()})
    body = json.loads(json.dumps(body))
    change(body)
    return json.dumps(body)


def _set(path, value):
    def change(body):
        target = body
        for key in path[:-1]:
            target = target[key] if not isinstance(target, list) else target[int(key)]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


MALFORMED_DEPLOYMENTS = [
    ('resources.kibana null', ('resources', 'kibana'), None),
    ('resources.kibana missing', ('resources', 'kibana'), KeyError),
    ('resources.kibana an object', ('resources', 'kibana'), {'ref_id': 'main-kibana'}),
    ('instances of main-kibana null', ('resources', 'kibana', '0', 'info', 'topology', 'instances'), None),
]


@pytest.mark.parametrize('module, task', [
    (INFO, dict(kind='kibana')), (STATELESS, dict(kind='kibana', state='absent')),
    (STATELESS, dict(kind='kibana', state='stopped')),
])
@pytest.mark.parametrize('what, path, value', MALFORMED_DEPLOYMENTS, ids=ids(MALFORMED_DEPLOYMENTS))
def test_malformed_resource_list_fails(ece, fault, module, task, what, path, value):
    before = _footprint(ece, 'kibana')
    ece.sim.add_fault(path=r'/deployments/%s$' % DEPLOYMENT, method='GET', status=200,
                      body=_deployment_with(ece, _set(path, value)), headers=JSON, count=10)
    out = run_module(module, ece.args(**task))
    fault.record(12, 'deployment answer: %s%s' % (what, ', state=%s' % task['state'] if 'state' in task else ''), module,
                 out, applied=_footprint(ece, 'kibana') != before, writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and out.msg.startswith('Reading deployment %s' % DEPLOYMENT), out
    assert 'list' in out.msg and 'refusing to read it as empty' in out.msg
    assert ece.sim.writes() == [] and 'resources' not in out.result and 'state' not in out.result


def test_malformed_instance_list_while_waiting_fails(ece, fault):
    resource = json.loads(_deployment_with(ece, lambda body: None))['resources']['kibana'][0]
    resource['info']['topology']['instances'] = None
    ece.sim.add_fault(path=r'/kibana/main-kibana$', method='GET', status=200, body=resource, count=50)
    out = run_module(STATELESS, ece.args(kind='kibana', state='stopped'))
    fault.record(12, 'resource answer while waiting: instances null, state=stopped', STATELESS, out, applied=True,
                 writes=ece.sim.writes(), allowed_writes=RESOURCE_WRITES)
    assert out.failed and 'no info.topology.instances list (null)' in out.msg and out.result['actions'] == [
        'stop_instances'], out


# --- 13: control characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize('module, option, value', [
    (STATELESS, 'deployment_id', DEPLOYMENT + '\n'), (STATELESS, 'ref_id', 'main-kibana\r'),
    (INFO, 'deployment_id', 'a\x00b'), (INFO, 'ref_id', 'main\x1bkibana'), (STATELESS, 'username', 'ad\nmin'),
])
def test_id_or_name_with_a_control_character_fails_before_any_request(ece, fault, module, option, value):
    task = ece.args(kind='kibana', **(dict(state='restarted') if module == STATELESS else {}))
    if option == 'username':
        del task['api_key']
        task['password'] = PASSWORD
    task[option] = value
    out = run_module(module, task)
    fault.record(13, '%s %r' % (option, value), module, out, applied=False)
    assert refused_control_character(out, option, value), out
    assert ece.sim.logged() == []
