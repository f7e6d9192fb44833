# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ece_stateless_resource end to end against the ECE simulator.

Acceptance first: every state changes once and then not (restart: every time), check mode sends
no write, a failed plan fails with its step and message, a command that answers before its plan
appears is still waited for. Every request and answer of every test here is checked against the
vendor's spec by the ``ece`` fixture.
"""

from __future__ import annotations

import threading
import time
from http import HTTPStatus

import pytest

from ece_support import API_KEY, DEPLOYMENT, INFO, PASSWORD, STATELESS, USERNAME, ece, ece_server, succeeded  # pylint: disable=unused-import

# kind, arguments, commands of the first run, state afterwards
STATES = [
    ('apm', dict(state='started'), ['start_instances'], 'started'),
    ('kibana', dict(state='stopped'), ['stop_instances'], 'stopped'),
    ('appsearch', dict(state='shutdown'), ['shutdown'], 'shutdown'),
    ('enterprise_search', dict(state='absent'), ['shutdown', 'delete'], 'absent'),
    ('integrations_server', dict(maintenance_mode=True), ['start_maintenance'], 'started'),
    ('integrations_server', dict(state='stopped', maintenance_mode=True), ['stop_instances', 'start_maintenance'], 'stopped'),
]


@pytest.mark.parametrize('kind,extra,actions,final', STATES, ids=['%s-%s' % (case[0], '-'.join(
    '%s=%s' % item for item in case[1].items())) for case in STATES])
def test_state_changes_once_then_not_and_check_mode_writes_nothing(ansible, ece, kind, extra, actions, final):
    args = ece.args(kind=kind, **extra)
    check = ansible.module(STATELESS, args, check=True, diff=True)
    assert succeeded(check), check.output
    assert check.result['changed'] is True and check.result['actions'] == actions
    assert ece.sim.writes() == []  # check mode: reads only
    assert check.result['diff']['before'] != check.result['diff']['after']

    first = ansible.module(STATELESS, args)
    assert succeeded(first), first.output
    assert first.result['changed'] is True and first.result['actions'] == actions
    assert first.result['state'] == final
    assert len(ece.sim.writes()) == len(actions)

    ece.sim.clear_log()
    second = ansible.module(STATELESS, args)
    assert succeeded(second), second.output
    assert second.result['changed'] is False and second.result['actions'] == []
    assert second.result['state'] == final
    assert ece.sim.writes() == []
    again = ansible.module(STATELESS, args, check=True)
    assert again.result['changed'] is False


def test_restart_is_changed_every_time_and_waits_for_a_new_plan(ansible, ece):
    before = ece.resource('kibana')['info']['plan_info']['current']['plan_attempt_id']
    ids = []
    for _run in range(2):
        ece.sim.clear_log()
        run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'), diff=True)
        assert succeeded(run), run.output
        assert run.result['changed'] is True and run.result['actions'] == ['restart']
        assert run.result['status'] == 'started' and run.result['healthy'] is True
        assert run.result['pending_plan'] is None
        ids.append(run.result['plan_attempt_id'])
        restarts = ece.sim.logged(method='POST', path='_restart$')
        assert len(restarts) == 1 and restarts[0]['query'] == {'cancel_pending': ['false']}
        assert run.result['diff']['before']['plan_attempt_id'] != run.result['diff']['after']['plan_attempt_id']
    assert len(set(ids + [before])) == 3
    # The unhealthy instance of the default state is healthy after the restart.
    assert all(instance['healthy'] for instance in ece.resource('kibana')['info']['topology']['instances'])


def test_restart_check_mode_is_changed_and_sends_nothing(ansible, ece):
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'), check=True, diff=True)
    assert succeeded(run) and run.result['changed'] is True
    assert run.result['diff']['after']['plan_attempt_id'] == '(new plan attempt)'
    assert ece.sim.writes() == []


def test_failed_plan_fails_the_task_with_its_step_and_message(ansible, ece):
    ece.sim.fail_next_plan(step='restart-instances', message='Instance [instance-0000000004] did not start in time')
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert run.result['failed'] is True
    attempt = ece.resource('kibana')['info']['plan_info']['current']['plan_attempt_id']
    assert run.result['msg'] == (
        'The restart plan %s of kibana main-kibana in deployment %s failed at step restart-instances: '
        'Instance [instance-0000000004] did not start in time.' % (attempt, DEPLOYMENT))
    assert run.result['changed'] is True and run.result['actions'] == ['restart']
    assert 'Traceback' not in run.output


def test_failed_shutdown_plan_fails_too(ansible, ece):
    ece.sim.fail_next_plan(step='snapshot', message='Snapshot repository [found-snapshots] is not reachable')
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown'))
    assert run.result['failed'] is True
    assert 'failed at step snapshot: Snapshot repository [found-snapshots] is not reachable.' in run.result['msg']


def test_command_that_answers_before_its_plan_appears_is_still_waited_for(ansible, ece):
    ece.sim.configure(plan_appear_delay=1.2, plan_duration=0.4)
    started = time.monotonic()
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown'))
    assert succeeded(run), run.output
    assert time.monotonic() - started >= 1.6
    assert run.result['state'] == 'shutdown' and run.result['status'] == 'stopped'
    # Polls saw neither a pending plan nor a new attempt during the delay, and went on.
    reads = ece.sim.logged(method='GET', path='/appsearch/main-appsearch$')
    assert len(reads) >= 3
    assert ece.resource('appsearch')['info']['plan_info'].get('pending') is None


def test_restart_answering_before_its_plan_appears_is_waited_for(ansible, ece):
    ece.sim.configure(plan_appear_delay=0.8, plan_duration=0.3)
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert succeeded(run), run.output
    assert run.result['plan_attempt_id'] == ece.resource('kibana')['info']['plan_info']['current']['plan_attempt_id']
    assert run.result['healthy'] is True


def test_pending_plan_fails_before_writing_and_names_it(ansible, ece):
    pending = ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana')
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert run.result['failed'] is True
    assert pending in run.result['msg'] and 'cancel_pending=true' in run.result['msg']
    assert run.result['pending_plan']['plan_attempt_id'] == pending
    assert ece.sim.writes() == []


def test_cancel_pending_restart_passes_it_to_the_server(ansible, ece):
    ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana')
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted', cancel_pending=True))
    assert succeeded(run), run.output
    assert ece.writes() == [('POST', 'kibana/main-kibana/_restart')]
    assert ece.sim.logged(method='POST')[0]['query'] == {'cancel_pending': ['true']}


def test_cancel_pending_before_other_commands(ansible, ece):
    ece.sim.set_pending(DEPLOYMENT, 'apm', 'main-apm')
    run = ansible.module(STATELESS, ece.args(kind='apm', state='started', cancel_pending=True))
    assert succeeded(run), run.output
    assert run.result['actions'] == ['cancel_pending', 'start_instances']
    assert ece.writes() == [('DELETE', 'apm/main-apm/plan/pending'), ('POST', 'apm/main-apm/instances/_start')]


def test_a_run_after_a_wait_timeout_waits_for_the_pending_plan_then_converges(ansible, ece):
    # An earlier run gave up waiting (wait_timeout): its restart plan is still pending.
    pending = ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana', action='restart', duration=1.0)
    check = ansible.module(STATELESS, ece.args(kind='kibana', state='stopped', wait_for_pending=True), check=True)
    assert check.result['changed'] is True and check.result['actions'] == ['stop_instances'], check.result
    assert any(pending in warning and 'waits for it to end first' in warning for warning in check.result['warnings'])
    assert ece.sim.writes() == []
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='stopped', wait_for_pending=True))
    assert succeeded(run), run.output
    # The pending plan ended on its own (nothing cancelled it), then the stop was sent.
    assert ece.writes() == [('POST', 'kibana/main-kibana/instances/_stop')]
    assert run.result['actions'] == ['stop_instances'] and run.result['state'] == 'stopped'
    assert ece.resource('kibana')['info']['plan_info']['current']['plan_attempt_id'] == pending
    again = ansible.module(STATELESS, ece.args(kind='kibana', state='stopped', wait_for_pending=True))
    assert succeeded(again) and again.result['changed'] is False


def test_waiting_for_a_pending_plan_is_bounded_by_wait_timeout(ansible, ece):
    pending = ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana', duration=60)
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted', wait_for_pending=True, wait_timeout=1))
    assert run.result['failed'] is True and run.result['changed'] is False
    assert run.result['msg'].startswith('Timed out after 1s waiting for the pending plan %s' % pending)
    assert ece.sim.writes() == []


def test_no_change_needed_ignores_a_pending_plan(ansible, ece):
    ece.sim.set_pending(DEPLOYMENT, 'appsearch', 'main-appsearch')
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='started'))
    assert succeeded(run) and run.result['changed'] is False


def test_server_422_is_reported_in_one_sentence(ansible, ece):
    # Between our read and our restart someone else started a plan: the server's 422 is reported.
    ece.sim.add_fault(path='_restart$', method='POST', status=422, headers={
        'x-cloud-error-codes': 'deployments.deployment_resource_plan_change_error'}, body={'errors': [{
            'code': 'deployments.deployment_resource_plan_change_error',
            'message': 'There is a plan still pending, cancel that or wait for it to complete before restarting'}]})
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert run.result['failed'] is True
    assert run.result['msg'] == (
        'Requesting the restart of kibana main-kibana in deployment %s failed: POST %s/api/v1/deployments/%s/kibana/'
        'main-kibana/_restart?cancel_pending=false answered HTTP 422 %s with error '
        'deployments.deployment_resource_plan_change_error: There is a plan still pending, cancel that or wait for it '
        'to complete before restarting (x-cloud-error-codes: deployments.deployment_resource_plan_change_error).' % (
            DEPLOYMENT, ece.url, DEPLOYMENT, HTTPStatus(422).phrase))  # Python 3.13 says Content, earlier Entity
    assert run.result['http_status'] == 422
    assert len(ece.sim.logged(method='POST')) == 1


def test_legacy_449_is_reported_with_its_code(ansible, ece):
    ece.sim.configure(legacy_elevated_permissions=True)
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert run.result['failed'] is True
    assert 'answered HTTP 449 with error root.unauthorized.rbac.elevated_permissions_required' in run.result['msg']
    assert run.result['error_code'] == 'root.unauthorized.rbac.elevated_permissions_required'


def test_unknown_deployment_404(ansible, ece):
    run = ansible.module(STATELESS, ece.args(deployment_id='0000dead', kind='kibana', state='started'))
    assert run.result['failed'] is True
    assert 'HTTP 404 Not Found with error deployments.deployment_not_found' in run.result['msg']
    assert 'x-cloud-error-codes: deployments.deployment_not_found' in run.result['msg']


def test_resource_that_vanished_gives_the_resource_404(ansible, ece):
    # Deleted by someone else between our read and our command.
    ece.sim.add_fault(path='/kibana/main-kibana/_shutdown$', method='POST', status=404, headers={
        'x-cloud-error-codes': 'deployments.deployment_resource_not_found'}, body={'errors': [{
            'code': 'deployments.deployment_resource_not_found', 'message': 'The Resource cannot be found'}]})
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='shutdown'))
    assert run.result['failed'] is True
    assert 'with error deployments.deployment_resource_not_found: The Resource cannot be found' in run.result['msg']


def test_absent_when_someone_else_deletes_the_resource_during_the_shutdown(ansible, ece):
    ece.sim.configure(plan_duration=1.5)

    def delete_once_the_shutdown_was_sent():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not ece.sim.logged(method='POST', path='/kibana/main-kibana/_shutdown$'):
            time.sleep(0.02)
        time.sleep(0.1)
        ece.sim.remove_resource(DEPLOYMENT, 'kibana', 'main-kibana')

    other_operator = threading.Thread(target=delete_once_the_shutdown_was_sent)
    other_operator.start()
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='absent'), diff=True)
    other_operator.join()
    assert succeeded(run), run.output
    assert not run.result.get('failed'), run.result
    assert run.result['changed'] is True and run.result['state'] == 'absent'
    assert run.result['actions'] == ['shutdown']
    assert run.result['diff']['after'] == {'state': 'absent'}
    assert any('disappeared while it was being removed' in warning for warning in run.result['warnings'])
    # The wait saw the resource go (500 no longer exists) and nothing else was sent.
    assert ece.sim.logged(method='GET', path='/kibana/main-kibana$')[-1]['response']['status'] == 500
    assert [entry['method'] for entry in ece.sim.writes()] == ['POST']


def test_absent_when_the_resource_vanished_before_the_first_command(ansible, ece):
    ece.sim.add_fault(path='/kibana/main-kibana/_shutdown$', method='POST', status=404, headers={
        'x-cloud-error-codes': 'deployments.deployment_resource_not_found'}, body={'errors': [{
            'code': 'deployments.deployment_resource_not_found', 'message': 'The Resource cannot be found'}]})
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='absent'))
    assert succeeded(run), run.output
    assert not run.result.get('failed'), run.result
    assert run.result['changed'] is False and run.result['state'] == 'absent' and run.result['actions'] == []
    # Another state still fails on the same answer.
    ece.sim.add_fault(path='/kibana/main-kibana/_shutdown$', method='POST', status=404, headers={
        'x-cloud-error-codes': 'deployments.deployment_resource_not_found'}, body={'errors': [{
            'code': 'deployments.deployment_resource_not_found', 'message': 'The Resource cannot be found'}]})
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='shutdown'))
    assert run.result['failed'] is True


def test_started_restores_a_shut_down_resource(ansible, ece):
    assert succeeded(ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown')))
    ece.sim.clear_log()
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='started'), diff=True)
    assert succeeded(run), run.output
    assert run.result['actions'] == ['restore']
    assert ece.sim.logged(method='POST')[0]['query'] == {'restore_snapshot': ['false']}
    assert run.result['state'] == 'started' and len(run.result['instances']) == 2
    assert run.result['diff']['before']['state'] == 'shutdown' and run.result['diff']['after']['state'] == 'started'
    assert ansible.module(STATELESS, ece.args(kind='appsearch', state='started')).result['changed'] is False


def test_started_with_maintenance_after_restore(ansible, ece):
    assert succeeded(ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown', skip_snapshot=True)))
    assert ece.sim.logged(method='POST')[0]['query'] == {'skip_snapshot': ['true']}
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='started', maintenance_mode=True))
    assert succeeded(run), run.output
    assert run.result['actions'] == ['restore', 'start_maintenance']
    assert all(instance['maintenance_mode'] for instance in run.result['instances'])


def test_absent_on_a_shut_down_resource_only_deletes(ansible, ece):
    assert succeeded(ansible.module(STATELESS, ece.args(kind='apm', state='shutdown')))
    ece.sim.clear_log()
    run = ansible.module(STATELESS, ece.args(kind='apm', state='absent', ref_id='main-apm'))
    assert succeeded(run) and run.result['actions'] == ['delete']
    assert ece.writes() == [('DELETE', 'apm/main-apm')]
    gone = ansible.module(STATELESS, ece.args(kind='apm', state='absent', ref_id='main-apm'))
    assert gone.result['changed'] is False and gone.result['state'] == 'absent'


def test_maintenance_mode_on_a_shut_down_resource(ansible, ece):
    assert succeeded(ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown')))
    ece.sim.clear_log()
    for args in (dict(maintenance_mode=False), dict(state='stopped', maintenance_mode=False)):
        run = ansible.module(STATELESS, ece.args(kind='appsearch', **args))
        assert not run.result.get('failed'), run.result
        assert run.result['changed'] is False and run.result['actions'] == [] and run.result['state'] == 'shutdown'
    assert ece.sim.writes() == []
    run = ansible.module(STATELESS, ece.args(kind='appsearch', maintenance_mode=True))
    assert run.result['failed'] is True and 'is shut down and has no instances' in run.result['msg']
    assert ece.sim.writes() == []


def test_maintenance_mode_off_again(ansible, ece):
    assert ansible.module(STATELESS, ece.args(kind='kibana', maintenance_mode=True)).result['changed'] is True
    run = ansible.module(STATELESS, ece.args(kind='kibana', maintenance_mode=False), diff=True)
    assert succeeded(run) and run.result['actions'] == ['stop_maintenance']
    before = run.result['diff']['before']['instances']
    after = run.result['diff']['after']['instances']
    assert all(value == 'running, maintenance mode' for value in before.values())
    assert all(value == 'running' for value in after.values())


def test_diff_shows_status_and_instances(ansible, ece):
    # playbook: the rendered diff on the screen is what only ansible-playbook shows.
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='stopped'), diff=True, playbook=True)
    assert succeeded(run)
    diff = run.result['diff']
    assert diff['before']['status'] == 'started' and diff['after']['status'] == 'stopped'
    assert set(diff['before']['instances'].values()) == {'running'}
    assert set(diff['after']['instances'].values()) == {'stopped'}
    assert 'instances' in run.stdout and '-    "status": "started"' in run.stdout


def test_wait_false_returns_without_waiting(ansible, ece):
    ece.sim.configure(plan_duration=30)
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted', wait=False))
    assert succeeded(run), run.output
    assert run.result['pending_plan'] is not None
    assert run.result['status'] in ('reconfiguring', 'restarting', 'rebooting')


def test_wait_timeout_fails_with_the_pending_plan(ansible, ece):
    ece.sim.configure(plan_duration=30)
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted', wait_timeout=1))
    assert run.result['failed'] is True and run.result['changed'] is True
    assert run.result['msg'].startswith('Timed out after 1s waiting for the restart of kibana main-kibana')
    assert 'still pending' in run.result['msg']


def test_ref_id_resolution(ansible, ece):
    ece.sim.add_deployment('multi', kinds=dict(kibana=['kibana-a', 'kibana-b'], apm=[]))
    several = ansible.module(STATELESS, ece.args(deployment_id='multi', kind='kibana', state='started'))
    assert several.result['failed'] is True
    assert several.result['msg'] == ('deployment multi has 2 kibana resources (kibana-a, kibana-b); '
                                     'set ref_id to the one to manage.')
    none = ansible.module(STATELESS, ece.args(deployment_id='multi', kind='apm', state='started'))
    assert none.result['failed'] is True and none.result['msg'] == 'deployment multi has no apm resource.'
    absent = ansible.module(STATELESS, ece.args(deployment_id='multi', kind='apm', state='absent'))
    assert succeeded(absent) and absent.result['changed'] is False and absent.result['state'] == 'absent'
    wrong = ansible.module(STATELESS, ece.args(deployment_id='multi', kind='kibana', ref_id='kibana-c', state='started'))
    assert wrong.result['msg'] == 'deployment multi has no kibana resource kibana-c (it has: kibana-a, kibana-b).'
    chosen = ansible.module(STATELESS, ece.args(deployment_id='multi', kind='kibana', ref_id='kibana-b', state='stopped'))
    assert succeeded(chosen) and chosen.result['ref_id'] == 'kibana-b'
    assert ece.writes() == [('POST', 'kibana/kibana-b/instances/_stop')]


def test_bad_input_fails_before_any_request(ansible, ece):
    for args, message in (
        (dict(kind='kibana'), 'one of the following is required: state, maintenance_mode'),
        (dict(kind='kibana', state='running'), 'value of state must be one of'),
        (dict(kind='elasticsearch', state='started'), 'value of kind must be one of'),
        (dict(kind='kibana', state='shutdown', maintenance_mode=True), 'maintenance_mode cannot be combined'),
        (dict(kind='kibana', state='started', hide=True), 'hide applies to state=shutdown only'),
        (dict(kind='kibana', state='restarted', wait_timeout=0), 'wait_timeout must be greater than 0'),
        (dict(kind='kibana', state='started', url='coordinator:12443'), 'url must be a URL such as https://coordinator.example.com:12443'),
        (dict(kind='kibana', state='started', username='admin'), 'parameters are mutually exclusive'),
        (dict(kind='kibana', state='started', timeout=0), 'timeout must be greater than 0'),
    ):
        run = ansible.module(STATELESS, ece.args(**args))
        assert run.result['failed'] is True, args
        assert message in run.result['msg'], run.result['msg']
    run = ansible.module(STATELESS, dict(url=ece.url, ca_path=ece.ca_file, deployment_id=DEPLOYMENT, kind='kibana',
                                         state='started'))
    assert 'Give either api_key' in run.result['msg']
    assert ece.sim.logged() == []


def test_hide_needs_a_platform_admin(ansible, ece):
    ece.sim.api_keys[API_KEY]['platform_admin'] = False
    run = ansible.module(STATELESS, ece.args(kind='appsearch', state='shutdown', hide=True))
    assert run.result['failed'] is True
    assert 'with error deployments.restricted_parameter' in run.result['msg']
    assert ece.sim.logged(method='POST')[0]['query'] == {'skip_snapshot': ['false'], 'hide': ['true']}


def test_basic_auth_and_environment_fallbacks(ansible, ece):
    run = ansible.module(STATELESS, dict(deployment_id=DEPLOYMENT, kind='apm', state='started', ca_path=ece.ca_file),
                         env={'ECE_URL': ece.url, 'ECE_USERNAME': USERNAME, 'ECE_PASSWORD': PASSWORD})
    assert succeeded(run), run.output
    assert all(entry['headers']['authorization'].startswith('Basic ') for entry in ece.sim.logged())
    run = ansible.module(STATELESS, dict(deployment_id=DEPLOYMENT, kind='apm', state='started', ca_path=ece.ca_file),
                         env={'ECE_URL': ece.url + '/api/v1/', 'ECE_API_KEY': API_KEY})
    assert succeeded(run) and run.result['changed'] is False


def test_task_credentials_win_over_the_other_way_in_the_environment(ansible, ece):
    base = dict(deployment_id=DEPLOYMENT, kind='apm', state='started', ca_path=ece.ca_file, url=ece.url)
    run = ansible.module(STATELESS, dict(base, username=USERNAME, password=PASSWORD), env={'ECE_API_KEY': 'stale-key-1'})
    assert succeeded(run), run.output
    assert all(entry['headers']['authorization'].startswith('Basic ') for entry in ece.sim.logged())
    ece.sim.clear_log()
    run = ansible.module(STATELESS, dict(base, api_key=API_KEY), env={'ECE_USERNAME': 'someone', 'ECE_PASSWORD': 'stale-2'})
    assert succeeded(run), run.output
    assert all(entry['headers']['authorization'] == 'ApiKey ' + API_KEY for entry in ece.sim.logged())
    # A password from the environment is kept out of the output like the task's own.
    ece.sim.clear_log()
    run = ansible.module(STATELESS, dict(base, username=USERNAME, password='wrong-from-task-3'))
    assert run.result['failed'] is True and 'wrong-from-task-3' not in run.output
    run = ansible.module(STATELESS, dict(base, username=USERNAME), env={'ECE_PASSWORD': 'wrong-from-env-4'},
                         verbosity=4)
    assert run.result['failed'] is True and 'HTTP 401' in run.result['msg']
    assert 'wrong-from-env-4' not in run.output + repr(run.result)


def test_wrong_api_key_says_so(ansible, ece):
    run = ansible.module(STATELESS, ece.args(kind='apm', state='started', api_key='not-the-key-4711'))
    assert run.result['failed'] is True
    assert 'HTTP 401 Unauthorized with error root.unauthorized' in run.result['msg']
    assert 'not-the-key-4711' not in run.output


def test_tls_is_verified_by_default(ansible, ece):
    args = ece.args(kind='apm', state='started', retries=0)
    del args['ca_path']
    run = ansible.module(STATELESS, args)
    assert run.result['failed'] is True
    assert 'TLS verification failed' in run.result['msg']


def test_restart_is_never_doubled(ansible, ece):
    # 502 may come from a proxy that already passed the restart on: never repeated.
    ece.sim.add_fault(path='_restart$', method='POST', status=502, body='Bad Gateway')
    # wait_timeout bounds the look for the restart's effect (a 502 may have let it through) to 1 s.
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted', wait_timeout=1))
    assert run.result['failed'] is True and 'HTTP 502' in run.result['msg']
    assert len(ece.sim.logged(method='POST')) == 1
    # 503 means the server did not do it: repeated, and applied once.
    ece.sim.clear_log()
    ece.sim.add_fault(path='_restart$', method='POST', status=503, body='Service Unavailable', headers={'Retry-After': '0'})
    run = ansible.module(STATELESS, ece.args(kind='kibana', state='restarted'))
    assert succeeded(run), run.output
    posts = ece.sim.logged(method='POST')
    assert len(posts) == 2 and [entry['fault'] for entry in posts] == [True, False]


def test_secrets_appear_in_no_output_at_vvvv(ansible, ece):
    ok = ansible.module(STATELESS, ece.args(kind='apm', state='started'), verbosity=4)
    assert succeeded(ok), ok.output
    ece.sim.configure(legacy_elevated_permissions=True)
    failed = ansible.module(STATELESS, dict(url=ece.url, username=USERNAME, password=PASSWORD, ca_path=ece.ca_file,
                                            deployment_id=DEPLOYMENT, kind='kibana', state='restarted'), verbosity=4)
    assert failed.result['failed'] is True
    for run in (ok, failed):
        text = run.output + repr(run.result)
        assert API_KEY not in text and PASSWORD not in text
    for entry in ece.sim.logged():
        assert API_KEY not in entry['path'] and PASSWORD not in entry['path']
        assert all(API_KEY not in value and PASSWORD not in value for values in entry['query'].values() for value in values)


ODD_DEPLOYMENTS = [
    None,
    [],
    {'resources': []},
    {'resources': {'kibana': None}},
    {'resources': {'kibana': [None, 'x']}},
    {'resources': {'kibana': [{'ref_id': 'main-kibana', 'info': None}]}},
    {'resources': {'kibana': [{'ref_id': 'main-kibana', 'info': {'status': None, 'plan_info': None, 'topology': None}}]}},
    {'resources': {'kibana': [{'ref_id': 'main-kibana', 'info': {'status': 'started', 'plan_info': {
        'current': {'plan_attempt_log': [None, {'info_log': [None]}]}, 'pending': []},
        'topology': {'instances': [None, {'instance_name': None}]}}}]}},
    {'resources': {'kibana': [{'info': {'status': 'started'}}]}},
]


@pytest.mark.parametrize('body', ODD_DEPLOYMENTS, ids=range(len(ODD_DEPLOYMENTS)))
@pytest.mark.parametrize('module', [STATELESS, INFO])
def test_odd_deployment_answers_never_give_a_traceback(ansible, ece, body, module):
    ece.sim.add_fault(path='/deployments/%s$' % DEPLOYMENT, method='GET', status=200, body=body, count=1)
    args = ece.args(kind='kibana')
    if module == STATELESS:
        args.update(state='started', wait=False)
    run = ansible.module(module, args, check=True)
    assert 'Traceback' not in run.output and 'MODULE FAILURE' not in run.output, run.output
    if run.result.get('failed'):
        assert run.result['msg'].endswith('.'), run.result['msg']
    assert ece.sim.writes() == []
