# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECE simulator and the modules' requests against the vendor's Swagger document.

The ``ece`` fixture checks the log of every ECE integration test (every request the modules sent,
every answer the simulator gave). The tests here make sure that check has teeth and that every
answer the simulator *can* give - each endpoint, each plan phase, each documented error - matches
the spec, not only those the module tests happen to provoke.

Without the spec file these tests skip, saying where it was looked for; with ``CI`` set they fail,
because in CI they must run.
"""

from __future__ import annotations

import copy
import os
import time

import pytest
import requests

from ece_spec import SpecChecker, SpecViolation, load_spec, missing_reason
import ece_support
from ece_support import API_KEY, DEPLOYMENT, FAST, ece, ece_server  # pylint: disable=unused-import


@pytest.fixture(scope='module')
def spec():
    loaded = load_spec()
    if loaded is None:
        if os.environ.get('CI'):
            pytest.fail('CI is set and %s' % missing_reason())
        pytest.skip(missing_reason())
    return loaded


@pytest.fixture
def checker(spec):
    return SpecChecker(spec)


class Client:
    def __init__(self, ece):
        self.ece = ece
        self.session = requests.Session()
        self.session.headers['Authorization'] = 'ApiKey ' + API_KEY
        self.verify = ece.ca_file  # per request: a session's verify loses to REQUESTS_CA_BUNDLE
        self.base = ece.url + '/api/v1/deployments/' + DEPLOYMENT

    def __call__(self, method, suffix='', **params):
        params = {key: ('true' if value is True else 'false' if value is False else value) for key, value in params.items()}
        return self.session.request(method, self.base + suffix, params=params, timeout=10, verify=self.verify)


def _entry(method='GET', path='/api/v1/deployments/abc', query=None, status=200, body=None, headers=None):
    return dict(method=method, path=path, query=query or {}, body='', fault=False,
                headers={'authorization': 'ApiKey x'},
                response=dict(status=status, json=body, headers=headers or {}))


def test_the_checker_catches_what_it_should(checker, ece):
    client = Client(ece)
    client('GET', '/kibana/main-kibana', show_plan_logs=True)
    good = ece.sim.logged()[-1]
    checker.check_log([good])
    broken = copy.deepcopy(good)
    del broken['response']['json']['info']['topology']['instances'][0]['maintenance_mode']
    with pytest.raises(SpecViolation, match='maintenance_mode'):
        checker.check_response(broken)
    broken = copy.deepcopy(good)
    broken['response']['json']['info']['status'] = 'running'
    with pytest.raises(SpecViolation, match='running'):
        checker.check_response(broken)
    for query, message in (({'show_plan_logs': ['True']}, 'not a valid boolean'),
                           ({'cancel_pending': ['false']}, 'not declared')):
        with pytest.raises(SpecViolation, match=message):
            checker.check_request(dict(good, query=query))
    with pytest.raises(SpecViolation, match='matches no path'):
        checker.check_request(_entry(method='POST', path='/api/v1/deployments/abc/kibana/main/_reboot'))
    with pytest.raises(SpecViolation, match='not one of'):
        checker.check_request(_entry(method='POST', path='/api/v1/deployments/abc/elastic/main/_restart'))
    with pytest.raises(SpecViolation, match='does not declare'):
        checker.check_response(_entry(method='POST', path='/api/v1/deployments/abc/kibana/main/_restart', status=409,
                                      body={'errors': [{'code': 'x', 'message': 'y'}]}))
    with pytest.raises(SpecViolation, match='x-cloud-error-codes'):
        checker.check_response(_entry(method='POST', path='/api/v1/deployments/abc/kibana/main/_restart', status=422,
                                      body={'errors': [{'code': 'a', 'message': 'b'}]},
                                      headers={'x-cloud-error-codes': 'deployments.deployment_not_found'}))
    ece.sim.clear_log()


def test_requests_that_met_an_injected_fault_are_still_checked(checker):
    faulted = _entry(method='POST', path='/api/v1/deployments/abc/kibana/main/_reboot', status=503, body='busy')
    faulted['fault'] = True
    with pytest.raises(SpecViolation, match='matches no path'):
        checker.check_log([faulted])
    # The injected answer itself (not the simulator's) is not held to the spec.
    faulted = _entry(method='POST', path='/api/v1/deployments/abc/kibana/main/_restart', status=503, body='busy')
    faulted['fault'] = True
    checker.check_log([faulted])
    assert checker.requests_checked == 1 and checker.bodies_checked == 0


def test_without_the_spec_ece_tests_fail_when_ci_is_set(monkeypatch):
    monkeypatch.setitem(ece_support._SPEC, 'checker', None)  # pylint: disable=protected-access
    monkeypatch.setenv('CI', '1')
    with pytest.raises(pytest.fail.Exception, match='CI is set and the ECE API spec was not found'):
        ece_support.spec_checker()
    monkeypatch.delenv('CI')
    assert ece_support.spec_checker() is None


def test_every_answer_the_simulator_can_give_matches_the_spec(checker, ece):
    """Each endpoint in each phase of its plans, and each documented error, straight from the simulator."""
    client = Client(ece)
    sim = ece.sim
    sim.add_deployment('multi', kinds=dict(kibana=['kibana-a', 'kibana-b']))
    for kind in ('elasticsearch', 'kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server'):
        client('GET', '/%s/main-%s' % (kind, kind), show_plan_logs=True, show_plan_history=True)
        client('GET', '/%s/_main' % kind)
    client('GET', '', show_plan_logs=True, show_plan_history=True, show_metadata=False)
    client.session.get(ece.url + '/api/v1/deployments/multi', timeout=10, verify=ece.ca_file)
    # A restart through its phases, with logs, then a 422 while it is pending, then cancel_pending. Its plan is
    # slow enough, and read often enough until it ends, for every phase (1.2 s each) to be read on a loaded machine
    # too: reads may take a good part of a second, and with 0.4 s between them a phase of 0.8 s once went unread.
    slow = 3.6
    sim.configure(plan_duration=slow)
    client('POST', '/kibana/main-kibana/_restart', cancel_pending=False)
    ends = time.time() + slow + 0.3
    client('POST', '/kibana/main-kibana/_restart', cancel_pending=False)
    while time.time() < ends:
        client('GET', '/kibana/main-kibana', show_plan_logs=True)
        client('GET', '', show_plan_logs=True)
        time.sleep(slow / 24)
    client('POST', '/kibana/main-kibana/_restart', cancel_pending=True)
    client('DELETE', '/kibana/main-kibana/plan/pending', ignore_missing=False)
    client('DELETE', '/kibana/main-kibana/plan/pending', ignore_missing=False)  # 400: none pending
    client('DELETE', '/kibana/main-kibana/plan/pending', ignore_missing=True)
    sim.configure(plan_duration=FAST['plan_duration'])
    # A failing plan, in progress and failed.
    sim.fail_next_plan(step='stop-instances', message='Allocator [allocator-1] is unreachable')
    client('POST', '/apm/main-apm/_shutdown', skip_snapshot=True)
    client('GET', '/apm/main-apm', show_plan_logs=True)
    time.sleep(FAST['plan_duration'])
    client('GET', '/apm/main-apm', show_plan_logs=True, show_plan_history=True)
    # Shutdown, restore, delete and their errors.
    client('DELETE', '/appsearch/main-appsearch')  # 400 has instances
    client('POST', '/appsearch/main-appsearch/_restore', restore_snapshot=False)  # 400 not shut down
    client('POST', '/appsearch/main-appsearch/_shutdown', skip_snapshot=False)
    time.sleep(FAST['plan_duration'] + 0.1)
    client('GET', '/appsearch/main-appsearch', show_plan_logs=True, show_plan_history=True)
    client('POST', '/appsearch/main-appsearch/instances/_start')  # 404 no instances
    client('POST', '/appsearch/main-appsearch/_restore', restore_snapshot=False)
    client('GET', '/appsearch/main-appsearch', show_plan_logs=True)
    time.sleep(FAST['plan_duration'] + 0.1)
    client('POST', '/enterprise_search/main-enterprise_search/_shutdown')
    time.sleep(FAST['plan_duration'] + 0.1)
    client('DELETE', '/enterprise_search/main-enterprise_search')
    client('GET', '/enterprise_search/main-enterprise_search')  # 500 no longer exists
    # Instances and maintenance mode.
    for suffix in ('_stop', '_start', 'maintenance-mode/_start', 'maintenance-mode/_stop'):
        client('POST', '/integrations_server/main-integrations_server/instances/' + suffix)
        client('GET', '/integrations_server/main-integrations_server')
        time.sleep(FAST['instance_delay'] + 0.05)
    # 404 of both kinds, 400 restricted parameter, 401, 449.
    client('GET', '/kibana/nope')
    client('POST', '/kibana/nope/_restart')
    client.session.get(ece.url + '/api/v1/deployments/nope', timeout=10, verify=ece.ca_file)
    client.session.post(ece.url + '/api/v1/deployments/nope/kibana/main-kibana/_shutdown', timeout=10, verify=ece.ca_file)
    sim.api_keys[API_KEY]['platform_admin'] = False
    client('POST', '/integrations_server/main-integrations_server/_shutdown', hide=True)
    requests.get(client.base, headers={'Authorization': 'ApiKey wrong'}, verify=ece.ca_file, timeout=10)
    sim.configure(legacy_elevated_permissions=True)
    client('POST', '/kibana/main-kibana/_restart', cancel_pending=False)

    log = sim.logged()
    checker.check_log(log)
    statuses = sorted(set(entry['response']['status'] for entry in log))
    assert statuses == [200, 202, 400, 401, 404, 422, 449, 500]
    codes = set(entry['response']['headers'].get('x-cloud-error-codes') for entry in log) - {None}
    assert codes == {
        'deployments.deployment_not_found', 'deployments.deployment_resource_not_found',
        'deployments.deployment_resource_plan_change_error', 'deployments.resource_does_not_have_a_pending_plan',
        'deployments.resource_has_instances', 'deployments.resource_not_shutdown', 'deployments.restricted_parameter',
        'deployments.instances_missing_on_update_error', 'deployments.deployment_resource_no_longer_exists',
        'root.unauthorized.rbac.elevated_permissions_required',
    }
    statuses_seen = set()
    for entry in log:
        info = (entry['response']['json'] or {}).get('info') or {}
        statuses_seen.add(info.get('status'))
    assert {'started', 'stopped', 'restarting', 'stopping', 'initializing'} <= statuses_seen
    assert checker.bodies_checked == len(log)


def test_the_module_only_uses_operations_of_the_spec(checker):
    """Every operation the ECE module_utils can call exists in the spec with the query parameters it sends."""
    used = {
        ('GET', 'deployments/d'): ['show_plans', 'show_plan_logs', 'show_plan_history', 'show_metadata', 'show_settings',
                                   'show_instance_configurations', 'enrich_with_template'],
        ('GET', 'deployments/d/kibana/r'): ['show_plans', 'show_plan_logs', 'show_plan_history', 'show_metadata',
                                            'show_settings'],
        ('POST', 'deployments/d/kibana/r/_restart'): ['cancel_pending'],
        ('POST', 'deployments/d/kibana/r/_shutdown'): ['skip_snapshot', 'hide'],
        ('POST', 'deployments/d/kibana/r/_restore'): ['restore_snapshot'],
        ('DELETE', 'deployments/d/kibana/r'): [],
        ('POST', 'deployments/d/kibana/r/instances/_start'): [],
        ('POST', 'deployments/d/kibana/r/instances/_stop'): [],
        ('POST', 'deployments/d/kibana/r/instances/maintenance-mode/_start'): [],
        ('POST', 'deployments/d/kibana/r/instances/maintenance-mode/_stop'): [],
        ('DELETE', 'deployments/d/kibana/r/plan/pending'): ['ignore_missing'],
    }
    for kind in ('kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server'):
        for (method, path), names in used.items():
            entry = _entry(method=method, path='/api/v1/' + path.replace('/kibana/', '/%s/' % kind),
                           query={name: ['false'] for name in names})
            checker.check_request(entry)
