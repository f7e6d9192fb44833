# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECE module_utils: error bodies, state signals, plan failure detection and the plan waiter."""

from __future__ import annotations

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils import ece as ece_utils
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import (
    ECEClient,
    PlanFailed,
    WaitTimeout,
    api_base,
    observed_state,
    parse_error_body,
    plan_failure,
)


class FakeResponse:
    def __init__(self, headers=None):
        self.headers = headers or {}


def resource(status='started', current='a1', pending=None, running=(True, True), plan=True, log=None, maintenance=False):
    plan_info = dict(healthy=True, history=[])
    if current:
        plan_info['current'] = dict(plan_attempt_id=current, healthy=True, plan_attempt_log=log or [], warnings=[])
        if plan:
            plan_info['current']['plan'] = {'kibana': {'version': '8.15.3'}}
    if pending:
        plan_info['pending'] = dict(plan_attempt_id=pending, healthy=True, plan_attempt_log=[], warnings=[])
    instances = [dict(instance_name='i%d' % index, container_started=value, service_running=value, healthy=value,
                      maintenance_mode=maintenance) for index, value in enumerate(running)]
    return dict(ref_id='main-kibana', info=dict(status=status, healthy=True, plan_info=plan_info,
                                                topology=dict(healthy=True, instances=instances)))


def test_error_body_codes_messages_and_header():
    body = {'errors': [{'code': 'deployments.a', 'message': 'First.'},
                       {'code': 'deployments.b', 'message': 'Second', 'fields': ['hide']}]}
    assert parse_error_body(FakeResponse(), body) == ('deployments.a, deployments.b', 'First; Second (fields: hide)')
    assert parse_error_body(FakeResponse(), {'other': 1}) == (None, None)
    with_header = ece_utils._parser_with_header(FakeResponse({'x-cloud-error-codes': 'deployments.a'}),
                                                {'errors': [{'code': 'deployments.a', 'message': 'Gone'}]})
    assert with_header == ('deployments.a', 'Gone (x-cloud-error-codes: deployments.a)')
    header_only = ece_utils._parser_with_header(FakeResponse({'x-cloud-error-codes': 'root.x'}), None)
    assert header_only == ('root.x', 'x-cloud-error-codes: root.x')


@pytest.mark.parametrize('url,base', [
    ('https://coordinator:12443', 'https://coordinator:12443/api/v1'),
    ('https://coordinator:12443/', 'https://coordinator:12443/api/v1'),
    ('https://coordinator:12443/api/v1/', 'https://coordinator:12443/api/v1'),
])
def test_api_base(url, base):
    assert api_base(url) == base


def test_observed_state():
    assert observed_state(resource()) == 'started'
    assert observed_state(resource(running=(False, False), status='stopped')) == 'stopped'
    assert observed_state(resource(running=(True, False))) == 'mixed'
    assert observed_state(resource(status='stopped', running=(), plan=False)) == 'shutdown'
    assert observed_state(resource(status='stopped', running=(), current=None)) == 'shutdown'
    # Stopped instances with a plan: stopped, not shut down.
    assert observed_state(resource(status='stopped', running=())) == 'stopped'


def test_plan_failure_names_the_failing_step():
    log = [
        dict(step_id='validate', status='success', info_log=[dict(message='ok')]),
        dict(step_id='restart-instances', status='error', info_log=[dict(message='first'), dict(message='Did not start')]),
        dict(step_id='plan-completed', status='error', info_log=[dict(message='Plan change failed')]),
    ]
    assert plan_failure(resource(log=log)) == ('restart-instances', 'Did not start')
    only_completed = [dict(step_id='plan-completed', status='error', info_log=[dict(message='Plan change failed')])]
    assert plan_failure(resource(log=only_completed)) == ('plan-completed', 'Plan change failed')
    assert plan_failure(resource(log=[dict(step_id='plan-completed', status='success', info_log=[])])) is None


class Script:
    """A fake ECE that answers polls from a list, and a fake clock that sleeping advances."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.now = 0.0
        self.sleeps = []
        self.reads = 0

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now

    def client(self):
        client = ECEClient(http=None, sleep=self.sleep, clock=self.clock)

        def get_resource(deployment_id, kind, ref_id, logs=False):
            self.reads += 1
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        client.get_resource = get_resource
        return client


def test_wait_goes_on_until_a_plan_that_had_not_appeared_has_come_and_gone():
    before = resource(current='a1')
    script = Script([resource(current='a1'), resource(current='a1'), resource(current='a1', pending='a2', status='restarting'),
                     resource(current='a2'), resource(current='a2')])
    result = script.client().wait('restart', 'd', 'kibana', 'main-kibana', before, timeout=60)
    assert plan_attempt(result) == 'a2'
    assert script.sleeps == [0.25, 0.5, 1.0, 2.0]  # capped exponential backoff
    assert script.reads == 5  # four polls and the final read with logs


def test_wait_ends_when_the_attempt_changed_between_two_polls():
    script = Script([resource(current='a2')])
    result = script.client().wait('shutdown', 'd', 'kibana', 'r', resource(current='a1'), timeout=60)
    assert plan_attempt(result) == 'a2'


def test_wait_backoff_is_capped_and_the_deadline_kept():
    script = Script([resource(current='a1')])
    with pytest.raises(WaitTimeout, match=r'Timed out after 20s waiting for the restart of kibana r in deployment d'):
        script.client().wait('restart', 'd', 'kibana', 'r', resource(current='a1'), timeout=20)
    assert max(script.sleeps) == ece_utils.POLL_MAX
    assert script.now == pytest.approx(20)


def test_wait_raises_for_a_failed_plan():
    log = [dict(step_id='wait-until-running', status='error', info_log=[dict(message='Timeout')]),
           dict(step_id='plan-completed', status='error', info_log=[])]
    script = Script([resource(current='a2', log=log)])
    with pytest.raises(PlanFailed, match='The restart plan a2 of kibana r in deployment d failed at step wait-until-running: Timeout.'):
        script.client().wait('restart', 'd', 'kibana', 'r', resource(current='a1'), timeout=60)


def test_wait_for_instances_uses_the_command_effect_and_no_pending_plan():
    stopped = resource(running=(False, False))
    script = Script([resource(), resource(running=(False, False), pending='x'), stopped])
    result = script.client().wait('stop_instances', 'd', 'kibana', 'r', resource(), timeout=60)
    assert observed_state(result) == 'stopped'
    assert result is stopped and script.reads == 3


def plan_attempt(res):
    return res['info']['plan_info']['current']['plan_attempt_id']


@pytest.mark.parametrize('status,code,gone', [
    (404, 'deployments.deployment_resource_not_found', True),
    (404, 'deployments.deployment_not_found', True),
    (500, 'deployments.deployment_resource_no_longer_exists', True),
    (404, 'root.resource_not_found, deployments.deployment_resource_not_found', True),
    (422, 'deployments.deployment_resource_plan_change_error', False),
    (500, None, False),
    (None, None, False),
])
def test_resource_gone_reads_status_and_codes(status, code, gone):
    from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError
    error = ApiError('Reading kibana main-kibana', status=status, code=code)
    assert ece_utils.resource_gone(error) is gone


ODD_STEP = {'step_id': 'plan-completed', 'status': 'error', 'info_log': [None, {'message': 'why'}]}


@pytest.mark.parametrize('odd', [
    {}, {'info': None}, {'info': []}, {'info': {'plan_info': [], 'topology': {'instances': None}}},
    {'info': {'plan_info': {'current': {'plan_attempt_log': [None, 'x', ODD_STEP]}, 'pending': []},
              'topology': {'instances': [None, 3, {'service_version': 8}]}}},
])
def test_state_readers_take_odd_answers_without_raising(odd):
    summary = ece_utils.summarize('kibana', odd)
    assert summary['state'] in ('started', 'stopped', 'mixed', 'shutdown')
    assert summary['pending_plan'] is None
    ece_utils.plan_failure(odd)
    assert ece_utils.resources_of({'resources': {'kibana': [odd, None, {'ref_id': 'k'}]}}, 'kibana') == [{'ref_id': 'k'}]
