# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles dcs_session_cleanup and ece_stateless_health, run by ansible-playbook against the simulators with
the connection in module_defaults, twice: the second run changes nothing."""

from __future__ import annotations

import json

from conftest import recap
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, ece, ece_server  # pylint: disable=unused-import

OTHER = 'b2c3d4e5-0000-4000-8000-000000000002'
FIRST = 'a1b2c3d4-0000-4000-8000-000000000001'


def write_play(tmp_path, name, group, defaults, role, role_vars):
    play = [{'name': name, 'hosts': 'localhost', 'gather_facts': False,
             'module_defaults': {'group/platform_ops.admin.%s' % group: defaults},
             'roles': [dict(role='platform_ops.admin.%s' % role, **role_vars)]}]
    path = tmp_path / ('%s.yml' % role)
    path.write_text(json.dumps(play), encoding='utf-8')
    return path


def test_dcs_session_cleanup_kills_idle_sessions_on_every_instance_then_nothing(ansible, dcs, tmp_path):
    # Every other session has been idle for two hours; the rest are busy.
    for instance_id in (FIRST, OTHER):
        dcs.sim.add_instance(instance_id, kind='proxy', sessions=6, idle=lambda index: 7200 if index % 2 else 5)
    defaults = dict(endpoint=dcs.url, project_id=PROJECT_ID, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                    ca_path=dcs.ca_file)
    path = write_play(tmp_path, 'Clean up idle sessions', 'huawei_dcs', defaults, 'dcs_session_cleanup',
                      dict(dcs_session_cleanup_instances=[FIRST, OTHER]))
    first = ansible.playbook(path)
    assert recap(first)['failed'] == 0 and recap(first)['changed'] == 1, first.output
    for instance_id in (FIRST, OTHER):
        assert '%s: 6 of 12 sessions killed' % instance_id in first.stdout, first.stdout
        assert all(session['idle'] < 3600 for node in dcs.sim.session_node_ids(instance_id)
                   for session in dcs.sim.sessions_of(instance_id, node))
    # One task for both instances, at once: their scans started together.
    scans = sorted(entry['time'] for entry in dcs.sim.logged(method='POST', path='/clients$'))
    assert len(scans) == 4 and scans[-1] - scans[0] < 0.5, scans
    second = ansible.playbook(path)
    assert recap(second)['failed'] == 0 and recap(second)['changed'] == 0, second.output
    assert DEMO_SECRET_KEY not in first.output + second.output


def test_dcs_session_cleanup_reports_a_failing_instance_and_cleans_up_the_others(ansible, dcs, tmp_path):
    third = 'c3d4e5f6-0000-4000-8000-000000000003'
    for instance_id in (FIRST, OTHER, third):
        dcs.sim.add_instance(instance_id, kind='proxy', sessions=6, idle=lambda index: 7200 if index % 2 else 5)
    dcs.sim.add_fault(path='/instances/%s/logical-nodes' % OTHER, status=404, count=-1,
                      body={'error_code': 'DCS.4133', 'error_msg': 'The instance does not exist.'})
    defaults = dict(endpoint=dcs.url, project_id=PROJECT_ID, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                    ca_path=dcs.ca_file)
    path = write_play(tmp_path, 'Clean up idle sessions', 'huawei_dcs', defaults, 'dcs_session_cleanup',
                      dict(dcs_session_cleanup_instances=[FIRST, OTHER, third], dcs_session_cleanup_parallel=2))
    run = ansible.playbook(path)
    assert recap(run)['failed'] == 1, run.output
    assert '1 of 3 DCS instances failed; the first error: Listing the nodes of DCS instance %s failed' % OTHER \
        in run.stdout, run.stdout
    assert 'DCS.4133' in run.stdout
    for instance_id in (FIRST, third):
        assert all(session['idle'] < 3600 for node in dcs.sim.session_node_ids(instance_id)
                   for session in dcs.sim.sessions_of(instance_id, node))


def test_ece_stateless_health_restarts_only_the_unhealthy_kibana_then_nothing(ansible, ece, tmp_path):
    # The simulator's starting point: one Kibana instance is unhealthy, APM is stopped (not unhealthy: left alone).
    defaults = dict(url=ece.url, api_key=API_KEY, ca_path=ece.ca_file)
    path = write_play(tmp_path, 'Heal stateless resources', 'ece', defaults, 'ece_stateless_health',
                      dict(ece_stateless_health_deployments=[DEPLOYMENT], ece_stateless_health_maintenance_mode=True))
    first = ansible.playbook(path)
    assert recap(first)['failed'] == 0, first.output
    restarts = [entry['path'] for entry in ece.sim.logged(method='POST') if entry['path'].endswith('/_restart')]
    assert restarts == ['/api/v1/deployments/%s/kibana/main-kibana/_restart' % DEPLOYMENT]
    assert ece.resource('kibana')['info']['healthy'] is True
    # Maintenance mode around the restart: on, restart, off.
    kibana_writes = [entry['path'].rsplit('/main-kibana/', 1)[1] for entry in ece.sim.writes()]
    assert kibana_writes == ['instances/maintenance-mode/_start', '_restart', 'instances/maintenance-mode/_stop']
    ece.sim.clear_log()
    second = ansible.playbook(path)
    assert recap(second)['failed'] == 0 and recap(second)['changed'] == 0, second.output
    assert ece.sim.writes() == []
    assert API_KEY not in first.output + second.output


def test_notebook_user_offboarding_for_a_list_of_users_then_nothing(ansible, arcgis, tmp_path):
    # gis_joe's workspace goes to admin; gis_ann (one notebook running) has hers deleted.
    arcgis.sim.add_deployments('gis_ann', 1)
    defaults = dict(url=arcgis.url, token=arcgis.sim.issue_token('admin'), ca_path=arcgis.ca_file)
    users = [dict(user='gis_joe', manager='admin', folder='from_gis_joe'), dict(user='gis_ann', action='delete')]
    path = write_play(tmp_path, 'Offboard two users', 'arcgis', defaults, 'notebook_user_offboarding',
                      dict(notebook_user_offboarding_users=users))
    first = ansible.playbook(path)
    assert recap(first)['failed'] == 0, first.output
    assert '2 deployments terminated; workspace moved to admin/from_gis_joe' in first.stdout, first.stdout
    assert 'gis_ann: 1 deployments terminated; workspace deleted' in first.stdout, first.stdout
    assert arcgis.sim.running('gis_joe') == [] and arcgis.sim.running('gis_ann') == []
    assert 'gis_joe' not in arcgis.sim.workspaces and 'gis_ann' not in arcgis.sim.workspaces
    assert arcgis.sim.workspaces['admin']['folders'] == {'from_gis_joe': 'gis_joe'}
    second = ansible.playbook(path)
    assert recap(second)['failed'] == 0 and recap(second)['changed'] == 0, second.output
