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


# --- many deployments in one task ---------------------------------------------------------------------------------


def many(ece, ids, **extra):
    args = ece.args(deployment_ids=ids, **extra)
    del args['deployment_id']
    return args


def test_many_deployments_in_one_task_one_read_each_a_failing_one_hiding_none(ansible, ece):
    ids = ece.sim.add_fleet(12, kinds=('kibana', 'apm'), unhealthy=lambda number: ('kibana',) if number % 4 == 0 else ())
    missing = '0' * 32
    run = ansible.module(INFO, many(ece, ids[:6] + [missing] + ids[6:], kind='kibana', parallel=4))
    assert run.result['failed'] is True
    assert run.result['msg'].startswith('1 of 13 ECE deployments failed; the first error: Reading deployment %s failed'
                                        % missing), run.result['msg']
    deployments = run.result['deployments']
    assert [entry['id'] for entry in deployments] == ids[:6] + [missing] + ids[6:]
    assert deployments[6]['failed'] is True and deployments[6]['http_status'] == 404
    read = [entry for entry in deployments if not entry.get('failed')]
    assert [entry['resources'][0]['healthy'] for entry in read] == [number % 4 != 0 for number in range(12)]
    assert [resource['deployment_id'] for resource in run.result['resources']] == ids
    assert all(resource['kind'] == 'kibana' for resource in run.result['resources'])
    assert sorted(entry['path'].rsplit('/', 1)[1] for entry in ece.sim.logged()) == sorted(ids + [missing])

    ece.sim.clear_log()
    good = ansible.module(INFO, many(ece, ids, parallel=8), check=True)
    assert succeeded(good) and good.result['changed'] is False, good.output
    assert len(good.result['resources']) == 24 and len(ece.sim.logged()) == 12 and ece.sim.writes() == []
    # The single-deployment result keeps its shape, with the one entry in deployments.
    one = ansible.module(INFO, ece.args(deployment_id=ids[0], kind='kibana'))
    assert one.result['deployment']['id'] == ids[0] and one.result['deployments'][0]['resources'] == \
        one.result['resources']


def test_bad_deployment_ids_fail_before_any_request(ansible, ece):
    cases = [
        (dict(deployment_ids=[]), 'deployment_ids must list at least one deployment.'),
        (dict(deployment_ids=['a1', 'a1']), 'Deployment a1 is listed twice; list each deployment once.'),
        (dict(deployment_ids=['a1'], parallel=0), 'parallel must be between 1 and 64, got 0.'),
        (dict(deployment_ids=['a1'], max_fail_percentage=-1), 'max_fail_percentage must be between 0 and 100, got -1.'),
        (dict(deployment_ids=['a1'], deployment_id='a2'), 'parameters are mutually exclusive: deployment_id|deployment_ids'),
    ]
    for extra, message in cases:
        args = ece.args(**extra)
        if 'deployment_id' not in extra:
            del args['deployment_id']
        run = ansible.module(INFO, args)
        assert run.result['failed'] is True and run.result['msg'] == message, (extra, run.result['msg'])
    assert ece.sim.logged() == []
