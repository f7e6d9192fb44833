# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ece_stateless_resource_info end to end: one read, summaries of every kind, filters, errors."""

from __future__ import annotations

from ece_support import API_KEY, DEPLOYMENT, INFO, ece, ece_server, succeeded  # pylint: disable=unused-import


def test_lists_every_stateless_resource_with_one_read(ansible, ece):
    run = ansible.module(INFO, ece.args(), check=True)
    assert succeeded(run), run.output
    assert run.result['changed'] is False
    assert run.result['deployment'] == dict(id=DEPLOYMENT, name='observability', healthy=False)
    resources = run.result['resources']
    assert [res['kind'] for res in resources] == ['kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server']
    kibana, apm = resources[0], resources[1]
    assert kibana['ref_id'] == 'main-kibana' and kibana['status'] == 'started' and kibana['healthy'] is False
    assert kibana['state'] == 'started' and kibana['pending_plan'] is None
    assert kibana['versions'] == dict(plan='8.15.3', instances=['8.15.3'])
    assert [instance['running'] for instance in kibana['instances']] == [True, True]
    assert [instance['healthy'] for instance in kibana['instances']] == [True, False]
    assert apm['state'] == 'stopped' and apm['status'] == 'stopped'
    log = ece.sim.logged()
    assert [(entry['method'], entry['path']) for entry in log] == [('GET', '/api/v1/deployments/' + DEPLOYMENT)]
    assert log[0]['query']['show_plan_logs'] == ['false'] and log[0]['headers']['authorization'] == 'ApiKey ' + API_KEY


def test_one_kind_one_ref_id_and_the_pending_plan(ansible, ece):
    pending = ece.sim.set_pending(DEPLOYMENT, 'kibana', 'main-kibana')
    run = ansible.module(INFO, ece.args(kind='kibana'))
    assert succeeded(run), run.output
    assert len(run.result['resources']) == 1
    assert run.result['resources'][0]['pending_plan']['plan_attempt_id'] == pending
    none = ansible.module(INFO, ece.args(kind='apm', ref_id='other-apm'))
    assert succeeded(none) and none.result['resources'] == []


def test_shut_down_resource_is_summarised(ansible, ece):
    ece.sim.configure(plan_duration=0.1)
    assert succeeded(ansible.module('platform_ops.admin.ece_stateless_resource', ece.args(kind='appsearch', state='shutdown')))
    run = ansible.module(INFO, ece.args(kind='appsearch'))
    res = run.result['resources'][0]
    assert res['state'] == 'shutdown' and res['instances'] == [] and res['versions']['plan'] is None


def test_errors_and_bad_input(ansible, ece):
    missing = ansible.module(INFO, ece.args(deployment_id='nope'))
    assert missing.result['failed'] is True
    assert missing.result['msg'] == (
        'Reading deployment nope failed: GET %s/api/v1/deployments/nope?show_plans=true&show_plan_logs=false&'
        'show_plan_history=false&show_metadata=false&show_settings=false&show_instance_configurations=false&'
        'enrich_with_template=false answered HTTP 404 Not Found with error deployments.deployment_not_found: The '
        'requested deployment [nope] cannot be found (x-cloud-error-codes: deployments.deployment_not_found).' % ece.url)
    assert missing.result['error_code'] == 'deployments.deployment_not_found'
    ece.sim.clear_log()
    bad = ansible.module(INFO, ece.args(ref_id='main-kibana'))
    assert bad.result['failed'] is True and 'missing parameter(s) required by \'ref_id\': kind' in bad.result['msg']
    assert ece.sim.logged() == []
