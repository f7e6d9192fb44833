# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""notebook_deployment and notebook_deployment_info against the simulator."""

from __future__ import annotations

import time

import pytest

from arcgis_helpers import DEPLOYMENTS, TERMINATE, args, assert_no_token_in_urls, calls, creds, joe_ids

MODULE = 'platform_ops.admin.notebook_deployment'
INFO = 'platform_ops.admin.notebook_deployment_info'


def test_info_filters_by_owner_ids_and_age(ansible, arcgis):
    arcgis.sim.add_deployments('gis_ann', 3, age_minutes=5)
    old = arcgis.sim.add_deployment('gis_ann', age_minutes=600)['id']
    token = arcgis.sim.issue_token('admin')
    everyone = ansible.module(INFO, args(arcgis, token))
    assert everyone.rc == 0, everyone.output
    assert everyone.result['changed'] is False
    assert len(everyone.result['deployments']) == 6
    ann = ansible.module(INFO, args(arcgis, token, owner='gis_ann', older_than_minutes=60))
    assert [entry['id'] for entry in ann.result['deployments']] == [old]
    one = ansible.module(INFO, args(arcgis, token, deployment_id=old))
    assert one.result['deployments'][0]['username'] == 'gis_ann'
    assert one.result['deployments'][0]['notebookRuntimeName'] == 'ArcGIS Notebook Python 3 Standard'
    assert calls(arcgis) == [('GET', '/arcgis/admin/notebooks/deployments')] * 3
    assert arcgis.sim.writes() == []


def test_terminate_by_owner_changed_then_unchanged(ansible, arcgis):
    before = joe_ids(arcgis)
    assert len(before) == 2
    arcgis.sim.add_deployments('gis_ann', 2)
    token = arcgis.sim.issue_token('admin')
    first = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', state='absent'))
    assert first.rc == 0, first.output
    assert first.result['changed'] is True
    assert sorted(first.result['terminated']) == before
    assert sorted(entry['id'] for entry in first.result['deployments']) == before
    assert all(entry['username'] == 'gis_joe' for entry in first.result['deployments'])
    assert joe_ids(arcgis) == [] and len(arcgis.sim.running('gis_ann')) == 2
    terminates = arcgis.sim.logged(method='POST', path=TERMINATE)
    assert sorted(entry['path'].split('/')[-2] for entry in terminates) == before
    for entry in terminates:
        assert entry['form']['token'] == [token] and entry['form']['f'] == ['json']
    assert_no_token_in_urls(arcgis)

    arcgis.sim.clear_log()
    second = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', state='terminated'))
    assert second.rc == 0, second.output
    assert second.result['changed'] is False and second.result['terminated'] == []
    assert calls(arcgis) == [('GET', '/arcgis/admin/notebooks/deployments')]


def test_check_mode_sends_no_terminate_and_diff_shows_the_ids(ansible, arcgis):
    before = joe_ids(arcgis)
    # playbook: the rendered diff on the screen is what only ansible-playbook shows.
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe'), check=True, diff=True, playbook=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert sorted(run.result['terminated']) == before
    assert run.result['diff'] == {'before': {'deployments': before}, 'after': {'deployments': []}}
    assert arcgis.sim.writes() == []
    assert joe_ids(arcgis) == before
    for deployment_id in before:
        assert deployment_id in run.stdout  # the diff is shown to the user


def test_diff_mode_on_a_real_run(ansible, arcgis):
    target = joe_ids(arcgis)[0]
    run = ansible.module(MODULE, args(arcgis, deployment_ids=target), diff=True)
    assert run.rc == 0, run.output
    assert run.result['diff'] == {'before': {'deployments': [target]}, 'after': {'deployments': []}}
    assert len(arcgis.sim.logged(method='POST', path=TERMINATE)) == 1


def test_terminating_500_by_owner_is_one_list_and_500_terminates_on_reused_connections(ansible, arcgis):
    arcgis.sim.seed({'deployments': {'owner': 'batch_runner', 'count': 500, 'age_minutes': 30}})
    arcgis.sim.add_deployments('gis_ann', 1500)  # thousands listed, only the owner's are touched
    token = arcgis.sim.issue_token('admin')
    started = time.monotonic()
    run = ansible.module(MODULE, args(arcgis, token, owner='batch_runner'))
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    assert len(run.result['terminated']) == 500
    lists = arcgis.sim.logged(method='GET', path=DEPLOYMENTS)
    terminates = arcgis.sim.logged(method='POST', path=TERMINATE)
    assert len(lists) == 1
    assert len(terminates) == 500
    assert len(calls(arcgis)) == 501
    ports = {entry['client_port'] for entry in terminates}
    assert len(ports) <= 4 + 2, ports  # parallel=4 connections, reused (a spare at most for a dropped one)
    assert arcgis.sim.running('batch_runner') == [] and len(arcgis.sim.running('gis_ann')) == 1500
    print('500 terminates: %.1f s, %d distinct client ports' % (elapsed, len(ports)))


@pytest.fixture
def many_keep_alive(arcgis):
    """cheroot closes idle keep-alive connections beyond 10 by default; a real server keeps more."""
    server = arcgis.server.server
    saved = server.keep_alive_conn_limit
    server.keep_alive_conn_limit = 64
    yield arcgis
    server.keep_alive_conn_limit = saved


def test_sixteen_in_parallel_use_at_most_sixteen_connections(ansible, many_keep_alive):
    arcgis = many_keep_alive
    arcgis.sim.add_deployments('batch_runner', 300)
    run = ansible.module(MODULE, args(arcgis, owner='batch_runner', parallel=16))
    assert run.rc == 0, run.output
    assert len(run.result['terminated']) == 300
    ports = {entry['client_port'] for entry in arcgis.sim.logged(method='POST', path=TERMINATE)}
    assert len(ports) <= 16, len(ports)
    assert 'Connection pool is full' not in run.output


def test_parallel_bounds_the_connections(ansible, arcgis):
    arcgis.sim.add_deployments('batch_runner', 60)
    run = ansible.module(MODULE, args(arcgis, owner='batch_runner', parallel=1))
    assert run.rc == 0, run.output
    ports = {entry['client_port'] for entry in arcgis.sim.logged()}
    assert len(ports) == 1  # one connection for the list and all 60 terminates


def test_terminate_failure_still_listed_fails_after_one_relist(ansible, arcgis):
    first_id, second_id = joe_ids(arcgis)
    arcgis.sim.add_fault(path=first_id + TERMINATE, status=200,
                         body={'error': {'code': 500, 'message': 'Unable to terminate the deployment.'}})
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', parallel=1))
    assert run.result['failed'] is True  # still listed after the re-list: a real failure
    assert run.result['failed_ids'] == [first_id]
    assert run.result['terminated'] == [second_id]
    assert run.result['changed'] is True
    assert run.result['msg'].startswith('1 of 2 notebook deployments could not be terminated (%s); the first error: '
                                        'Terminating notebook deployment %s failed: POST ' % (first_id, first_id))
    assert 'answered HTTP 200 with error 500: Unable to terminate the deployment.' in run.result['msg']
    assert len(arcgis.sim.logged(method='GET', path=DEPLOYMENTS)) == 2  # the list and one re-list
    assert 'Traceback' not in run.output


def test_failed_terminate_of_a_deployment_gone_meanwhile_succeeds(ansible, arcgis):
    first_id, second_id = joe_ids(arcgis)
    # The unknown-id answer of the server (an error body) while the deployment was already gone.
    arcgis.sim.add_fault(path=first_id + TERMINATE, status=200,
                         body={'error': {'code': 404, 'message': "Notebook deployment '%s' does not exist." % first_id}})
    token = arcgis.sim.issue_token('admin')
    arcgis.sim.deployments.pop(first_id)
    # Listed for the first list request only: a deployment the idle timeout reaps mid-task.
    arcgis.sim.add_deployment('gis_joe', deployment_id=first_id, _lingering=1)
    run = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', parallel=1))
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert sorted(run.result['terminated']) == sorted([first_id, second_id])
    assert len(arcgis.sim.logged(method='GET', path=DEPLOYMENTS)) == 2
    assert len(arcgis.sim.logged(method='POST', path=TERMINATE)) == 2


def test_unknown_deployment_id_is_nothing_to_do(ansible, arcgis):
    run = ansible.module(MODULE, args(arcgis, deployment_ids=['0123456789abcdef0123456789abcdef']))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    assert arcgis.sim.writes() == []


def test_older_than_minutes_narrows_the_selection(ansible, arcgis):
    old = [entry['id'] for entry in arcgis.sim.deployments.values() if entry['username'] == 'gis_joe'
           and entry['dateCreated'] < (time.time() - 3600) * 1000]
    assert len(old) == 1
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', older_than_minutes=60))
    assert run.rc == 0, run.output
    assert run.result['terminated'] == old
    assert len(joe_ids(arcgis)) == 1


def test_non_admin_sees_and_terminates_only_their_own(ansible, arcgis):
    ann = arcgis.sim.add_deployment('gis_ann')['id']
    joe = creds(arcgis, username='gis_joe')
    info = ansible.module(INFO, joe)
    assert info.rc == 0, info.output
    assert {entry['username'] for entry in info.result['deployments']} == {'gis_joe'}
    # Someone else's deployment is not listed for a non-admin: nothing to do, nothing sent.
    others = ansible.module(MODULE, dict(joe, deployment_ids=[ann]))
    assert others.rc == 0 and others.result['changed'] is False
    assert arcgis.sim.logged(method='POST', path=TERMINATE) == []
    own = ansible.module(MODULE, dict(joe, owner='gis_joe'))
    assert own.rc == 0 and len(own.result['terminated']) == 2
    assert arcgis.sim.running('gis_ann') == [ann]


def test_expired_generated_token_is_replaced_once_mid_bulk(ansible, arcgis):
    arcgis.sim.add_deployments('batch_runner', 20)
    # The token expires after the list: the first terminate answers 498 and the module generates one new token.
    arcgis.sim.add_fault(path=TERMINATE, status=200, body={'error': {'code': 498, 'message': 'Invalid token.'}}, count=1)
    run = ansible.module(MODULE, creds(arcgis, owner='batch_runner', parallel=1))
    assert run.rc == 0, run.output
    assert len(run.result['terminated']) == 20
    assert len(arcgis.sim.logged(path='generateToken')) == 2
    assert len(arcgis.sim.logged(method='POST', path=TERMINATE)) == 21


def test_bad_input_fails_before_any_request(ansible, arcgis):
    token = arcgis.sim.issue_token('admin')
    for extra, message in (
        (dict(), 'Select the deployments to terminate with deployment_ids or owner'),
        (dict(older_than_minutes=60), 'Select the deployments to terminate'),
        (dict(owner='gis_joe', parallel=0), 'parallel must be between 1 and 32'),
        (dict(owner='gis_joe', parallel=100), 'parallel must be between 1 and 32'),
        (dict(owner='gis_joe', older_than_minutes=-1), 'older_than_minutes must be 0 or more'),
        (dict(owner='gis_joe', state='running'), 'value of state must be one of'),
        (dict(owner='', deployment_ids=['abc']), 'owner must name a user'),
    ):
        run = ansible.module(MODULE, args(arcgis, token, **extra))
        assert run.result['failed'] is True, extra
        assert message in run.result['msg'], run.result['msg']
    assert arcgis.sim.logged() == []


def test_permission_error_names_the_operation(ansible, arcgis):
    arcgis.sim.add_fault(path=TERMINATE, status=200, body={'error': {'code': 403, 'message': 'You do not have '
                                                                     'permissions to access this resource.'}}, count=-1)
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', parallel=1))
    assert run.result['failed'] is True
    assert 'Terminating notebook deployment' in run.result['msg']
    assert 'permission denied: this needs an administrative privilege together with "Create and edit notebooks"' \
        in run.result['msg']
    assert len(run.result['failed_ids']) == 2


def test_info_bad_input_fails_before_any_request(ansible, arcgis):
    run = ansible.module(INFO, args(arcgis, older_than_minutes=-5))
    assert run.result['failed'] is True
    assert 'older_than_minutes must be 0 or more, got -5' in run.result['msg']
    assert arcgis.sim.logged() == []


def test_a_failed_relist_after_terminating_reports_the_change(ansible, arcgis, monkeypatch):
    first_id, second_id = joe_ids(arcgis)
    arcgis.sim.add_fault(path=first_id + TERMINATE, status=200,
                         body={'error': {'code': 500, 'message': 'Unable to terminate the deployment.'}})
    terminate = arcgis.sim.on_terminate

    def terminate_then_break_the_list(request, deployment_id):
        # After the first terminate the deployment list starts failing: the re-list fails.
        arcgis.sim.add_fault(path=DEPLOYMENTS, method='GET', status=503, body='down', count=-1)
        return terminate(request, deployment_id)

    monkeypatch.setattr(arcgis.sim, 'on_terminate', terminate_then_break_the_list)
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', parallel=1, retries=0))
    assert run.result['failed'] is True
    assert 'Listing notebook deployments failed' in run.result['msg']
    assert arcgis.sim.running('gis_joe') == [first_id]
    assert run.result['changed'] is True
    assert run.result['terminated'] == [second_id]
    assert run.result['failed_ids'] == [first_id]
