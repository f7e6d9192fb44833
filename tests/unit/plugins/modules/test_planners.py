# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' pure parts - validators that return a problem, planners that return a plan or raise
``Refusal`` - tested without HTTP and without Ansible running them."""

from __future__ import annotations

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils._module import Refusal, common_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import ACTION_NAMES, COMMANDS, PLAN_COMMANDS
from ansible_collections.platform_ops.admin.plugins.modules import (
    arcgis_token,
    dcs_sessions,
    dcs_sessions_info,
    ece_stateless_resource as ece_module,
    notebook_config,
    notebook_deployment,
    notebook_deployment_info,
    notebook_workspace,
)


def ece_resource(status='started', running=(True, True), maintenance=False, current='a1', pending=None, plan=True):
    plan_info = {}
    if current:
        plan_info['current'] = dict(plan_attempt_id=current, plan={'kibana': {}} if plan else None)
    if pending:
        plan_info['pending'] = dict(plan_attempt_id=pending, attempt_start_time='2026-11-25T08:00:00Z')
    instances = [dict(instance_name='i%d' % index, container_started=value, service_running=value,
                      maintenance_mode=maintenance) for index, value in enumerate(running)]
    return dict(ref_id='main-kibana', info=dict(status=status, plan_info=plan_info, topology=dict(instances=instances)))


def ece_params(**extra):
    params = dict(deployment_id='d1', kind='kibana', ref_id=None, state=None, maintenance_mode=None,
                  cancel_pending=False, wait_for_pending=False, wait_timeout=600, hide=False)
    params.update(extra)
    return params


# --- ECE --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('state, resource, actions, after', [
    ('started', ece_resource(), [], 'started'),
    ('started', ece_resource(running=(False, False)), ['start_instances'], 'started'),
    ('started', ece_resource(running=(True, False)), ['start_instances'], 'started'),
    ('started', ece_resource(status='stopped', running=(), plan=False), ['restore'], 'started'),
    ('stopped', ece_resource(), ['stop_instances'], 'stopped'),
    ('stopped', ece_resource(running=(False, False)), [], 'stopped'),
    ('restarted', ece_resource(), ['restart'], 'started'),
    ('shutdown', ece_resource(), ['shutdown'], 'shutdown'),
    ('shutdown', ece_resource(status='stopped', running=(), plan=False), [], 'shutdown'),
    ('absent', ece_resource(), ['shutdown', 'delete'], 'absent'),
    ('absent', ece_resource(status='stopped', running=(), plan=False), ['delete'], 'absent'),
])
def test_plan_actions_brings_the_resource_to_the_state(state, resource, actions, after):
    planned, after_state, _instances = ece_module.plan_actions(ece_params(state=state), resource)
    assert planned == actions and after_state == after


@pytest.mark.parametrize('maintenance, now, actions', [(True, False, ['start_maintenance']), (True, True, []),
                                                       (False, True, ['stop_maintenance']), (False, False, [])])
def test_plan_actions_maintenance_mode_is_idempotent(maintenance, now, actions):
    planned, _state, instances = ece_module.plan_actions(ece_params(maintenance_mode=maintenance),
                                                         ece_resource(maintenance=now))
    assert planned == actions and all(item['maintenance_mode'] is maintenance for item in instances)


def test_plan_actions_refuses_maintenance_on_a_shut_down_resource():
    with pytest.raises(Refusal, match='is shut down and has no instances'):
        ece_module.plan_actions(ece_params(state='shutdown', maintenance_mode=True),
                                ece_resource(status='stopped', running=(), plan=False))


def test_pending_plan_refuses_without_cancel_pending_and_names_it():
    before = dict(ref_id='main-kibana', pending_plan=dict(plan_attempt_id='p9', attempt_start_time='t'))
    with pytest.raises(Refusal) as info:
        ece_module.with_pending(['stop_instances'], before, ece_params())
    assert 'p9' in info.value.msg and info.value.details['pending_plan']['plan_attempt_id'] == 'p9'
    assert ece_module.with_pending(['stop_instances'], before, ece_params(cancel_pending=True)) == \
        ['cancel_pending', 'stop_instances']
    # A restart cancels the pending plan itself.
    assert ece_module.with_pending(['restart'], before, ece_params(cancel_pending=True)) == ['restart']
    # Nothing to do: a pending plan is no obstacle.
    assert ece_module.with_pending([], before, ece_params()) == []
    # Waited for (a check run, which does not wait, reports the actions on the resource as it is).
    assert ece_module.with_pending(['stop_instances'], before, ece_params(wait_for_pending=True)) == ['stop_instances']


def test_resolve_picks_the_only_resource_and_refuses_ambiguity():
    one = dict(resources=dict(kibana=[dict(ref_id='main-kibana')]))
    two = dict(resources=dict(kibana=[dict(ref_id='a'), dict(ref_id='b')]))
    assert ece_module.resolve(ece_params(), one, 'kibana', None)['ref_id'] == 'main-kibana'
    with pytest.raises(Refusal) as info:
        ece_module.resolve(ece_params(state='restarted'), two, 'kibana', None)
    assert info.value.details['ref_ids'] == ['a', 'b']
    assert ece_module.resolve(ece_params(state='absent'), two, 'kibana', 'c') is None
    with pytest.raises(Refusal, match='has no kibana resource c'):
        ece_module.resolve(ece_params(state='started'), two, 'kibana', 'c')


@pytest.mark.parametrize('extra, words', [
    (dict(deployment_id='..'), 'deployment_id'), (dict(ref_id=' '), 'ref_id must not be empty'),
    (dict(ref_id='.'), 'ref_id'), (dict(wait_timeout=0), 'wait_timeout'), (dict(wait_timeout=86401), 'wait_timeout'),
    (dict(state='absent', maintenance_mode=True), 'maintenance_mode cannot be combined'),
    (dict(state='started', hide=True), 'hide applies to state=shutdown only'),
    (dict(cancel_pending=True, wait_for_pending=True), 'not both'),
])
def test_ece_input_problems(extra, words):
    assert words in ece_module.input_problem(ece_params(**extra))


def test_ece_input_without_problem():
    assert ece_module.input_problem(ece_params(state='restarted')) is None


def test_planned_view_of_check_mode():
    before = dict(state='started', status='started', plan_attempt_id='a1',
                  instances=[dict(name='i0', running=True, maintenance_mode=False)])
    assert ece_module.planned_view(before, [], 'started', [])['plan_attempt_id'] == 'a1'
    assert ece_module.planned_view(before, ['restart'], 'started', [])['plan_attempt_id'] == '(new plan attempt)'
    assert ece_module.planned_view(before, ['shutdown', 'delete'], 'absent', []) == dict(state='absent')


def test_command_table_is_complete():
    assert PLAN_COMMANDS == {'restart', 'shutdown', 'restore'}
    for name, command in COMMANDS.items():
        assert command.method in ('POST', 'DELETE') and ACTION_NAMES[name] == command.words
        # A command that starts no plan says how to tell it took effect (delete and cancel are judged elsewhere).
        assert command.starts_plan or command.effect is not None or name in ('delete', 'cancel_pending')
    assert COMMANDS['shutdown'].query(dict(skip_snapshot=True, hide=True)) == dict(skip_snapshot='true', hide='true')
    assert COMMANDS['shutdown'].query(dict(skip_snapshot=False)) == dict(skip_snapshot='false')
    stopped = ece_resource(running=(False, False))
    assert COMMANDS['stop_instances'].effect(stopped) and not COMMANDS['start_instances'].effect(stopped)


# --- DCS --------------------------------------------------------------------------------------------------


def dcs_params(**extra):
    params = dict(instance_id='i-1', node_id='n1', all_nodes=False, batch_size=100, wait_timeout=300,
                  client_addrs=None, idle_longer_than=None, name=None, db=None, cmd=None, addr_prefix=None,
                  clean_cache=True, instance_ids=None, instances=None, parallel=8, max_fail_percentage=100)
    params.update(extra)
    return params


@pytest.mark.parametrize('extra, words', [
    (dict(node_id=' '), 'node_id must not be empty'), (dict(node_id='..'), 'node_id'),
    (dict(instance_id='.'), 'instance_id'), (dict(all_nodes=True), 'not both'),
    (dict(node_id=None), 'all_nodes=true'), (dict(batch_size=0), 'batch_size'), (dict(batch_size=1001), 'batch_size'),
    (dict(wait_timeout=86401), 'wait_timeout'), (dict(idle_longer_than=-1), 'idle_longer_than'),
])
def test_dcs_sessions_input_problems(extra, words):
    assert words in dcs_sessions.input_problem(dcs_params(**extra))


def test_dcs_sessions_info_input_problems():
    def problem(**extra):
        return dcs_sessions_info.input_problem(dcs_params(**dict(dict(all_nodes=None), **extra)))
    assert problem() is None
    assert problem(node_id=None) is None  # every node, as in release 1.0.0
    assert problem(node_id=None, all_nodes=True) is None  # the same, said as dcs_sessions needs it
    assert 'must not be empty' in problem(node_id='')
    assert 'wait_timeout' in problem(wait_timeout=0)
    # The node selection reads, and is refused, as in dcs_sessions.
    assert problem(all_nodes=True) == dcs_sessions.input_problem(dcs_params(all_nodes=True))
    assert 'Give node_id, or all_nodes=true' in problem(node_id=None, all_nodes=False)


def test_dcs_diff_shows_the_sessions_that_go():
    sessions = [dict(node_id='n1', addr='10.0.0.1:1'), dict(node_id='n1', addr='10.0.0.2:1'),
                dict(node_id='n2', addr='10.0.0.3:1')]
    diff = dcs_sessions.diff_of(sessions, sessions[1:])
    assert diff['before']['sessions'] == {'n1': ['10.0.0.1:1', '10.0.0.2:1'], 'n2': ['10.0.0.3:1']}
    assert diff['after']['sessions'] == {'n1': ['10.0.0.1:1']}


# --- ArcGIS -----------------------------------------------------------------------------------------------


def test_notebook_config_plan_changes_only_what_differs():
    current = dict(idleNotebookThreshold='1440', webSocketSize=16, other='kept')
    keys, merged = notebook_config.plan(current, dict(idleNotebookThreshold=1440, webSocketSize=32))
    assert keys == ['webSocketSize'] and merged == dict(idleNotebookThreshold='1440', webSocketSize=32, other='kept')
    keys, merged = notebook_config.plan(dict(idleNotebookThreshold='60'), dict(idleNotebookThreshold=1440))
    # The server's string representation is kept for the properties whose type is known.
    assert keys == ['idleNotebookThreshold'] and merged['idleNotebookThreshold'] == '1440'


def test_notebook_config_settings_problem():
    assert notebook_config.settings_problem({}, []) .startswith('settings is empty')
    assert notebook_config.settings_problem({'a': 1}, ['x is wrong']) == 'Invalid settings: x is wrong.'
    assert notebook_config.settings_problem({'a': 1}, []) is None


@pytest.mark.parametrize('extra, words', [
    (dict(owner=' '), 'owner must name a user'), (dict(owner=None, deployment_ids=None), 'Select the deployments'),
    (dict(older_than_minutes=-1), 'older_than_minutes'), (dict(parallel=0), 'parallel'), (dict(parallel=33), 'parallel'),
    (dict(deployment_ids=['ok', '..']), "not '..'"),
])
def test_notebook_deployment_input_problems(extra, words):
    params = dict(owner='joe', deployment_ids=None, older_than_minutes=None, parallel=4)
    params.update(extra)
    assert words in notebook_deployment.input_problem(params)


def test_notebook_deployment_ids_are_cleaned():
    assert notebook_deployment.clean_ids([' a ', '', None, 'b']) == ['a', 'b']
    assert notebook_deployment.clean_ids(None) is None
    assert notebook_deployment_info.input_problem(dict(older_than_minutes=-5)).startswith('older_than_minutes')


@pytest.mark.parametrize('extra, words', [
    (dict(owner=''), 'owner must name a user'), (dict(state='transferred'), 'needs target_owner'),
    (dict(state='transferred', target_owner='joe'), 'must differ'),
    (dict(state='transferred', target_owner='ann', target_folder=' '), 'target_folder must not be empty'),
    (dict(target_owner='ann'), 'apply to state=transferred only'), (dict(wait_timeout=-1), 'wait_timeout'),
])
def test_notebook_workspace_input_problems(extra, words):
    params = dict(owner='joe', state='absent', target_owner=None, target_folder=None, wait_timeout=300)
    params.update(extra)
    assert words in notebook_workspace.input_problem(params)


def test_arcgis_token_needs_username_and_password():
    assert 'a token cannot be used' in arcgis_token.input_problem(dict(username=None, password=None, token='t', expiration=5))
    assert 'give both' in arcgis_token.input_problem(dict(username='u', password=None, token=None, expiration=5))
    assert 'expiration' in arcgis_token.input_problem(dict(username='u', password='p', token=None, expiration=0))


# --- common options -----------------------------------------------------------------------------------------


@pytest.mark.parametrize('extra, words', [(dict(timeout=0), 'timeout'), (dict(timeout=3601), 'timeout'),
                                          (dict(retries=-1), 'retries'), (dict(retries=11), 'retries'),
                                          (dict(ca_path='/nonexistent/ca.pem'), 'does not exist')])
def test_common_problems(extra, words):
    params = dict(timeout=30.0, retries=3, ca_path=None, validate_certs=True)
    params.update(extra)
    assert words in common_problem(params)
