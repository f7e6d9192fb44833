# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""notebook_workspace against the simulator: delete, transfer, running deployments, admin only."""

from __future__ import annotations

from arcgis_helpers import DEPLOYMENTS, TERMINATE, WORKSPACES, args, assert_no_token_in_urls, creds, joe_ids

MODULE = 'platform_ops.admin.notebook_workspace'
DELETE = '/arcgis/notebooks/admin/dataaccess/deleteUserWorkspace'
TRANSFER = '/arcgis/notebooks/admin/dataaccess/transferUserWorkspace'


def test_delete_with_running_deployments_fails_without_any_write(ansible, arcgis):
    running = joe_ids(arcgis)
    for check in (False, True):
        run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='absent'), check=check)
        assert run.result['failed'] is True
        assert run.result['changed'] is False
        assert sorted(run.result['running_deployments']) == running
        for deployment_id in running:
            assert deployment_id in run.result['msg']
        assert 'cannot be deleted while the user has running notebook deployments' in run.result['msg']
        assert 'terminate_deployments=true' in run.result['msg']
    assert arcgis.sim.writes() == []
    assert 'gis_joe' in arcgis.sim.workspaces and joe_ids(arcgis) == running


def test_delete_with_terminate_deployments_then_unchanged(ansible, arcgis):
    running = joe_ids(arcgis)
    arcgis.sim.termination_lag = 2  # terminated deployments stay listed for two more list requests
    token = arcgis.sim.issue_token('admin')
    run = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', state='absent', terminate_deployments=True,
                                      wait_timeout=30))
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert sorted(run.result['terminated']) == running
    assert 'gis_joe' not in arcgis.sim.workspaces and arcgis.sim.running('gis_joe') == []
    writes = [entry['path'] for entry in arcgis.sim.writes()]
    assert len([path for path in writes if path.endswith('/terminateDeployment')]) == 2
    assert writes[-1] == DELETE  # deleted only after the deployments were gone
    assert arcgis.sim.writes()[-1]['form']['userName'] == ['gis_joe']
    assert len(arcgis.sim.logged(method='GET', path=DEPLOYMENTS)) >= 3  # waited through the lag
    assert_no_token_in_urls(arcgis)

    arcgis.sim.clear_log()
    second = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', state='absent', terminate_deployments=True))
    assert second.rc == 0, second.output
    assert second.result['changed'] is False
    assert arcgis.sim.writes() == []
    assert [entry['path'] for entry in arcgis.sim.logged()] == ['/arcgis/notebooks/admin/dataaccess/listUserWorkspaces']


def test_transfer_changed_unchanged_check_and_diff(ansible, arcgis):
    running = joe_ids(arcgis)
    token = arcgis.sim.issue_token('admin')
    task = args(arcgis, token, owner='gis_joe', state='transferred', target_owner='gis_ann',
                target_folder='from_gis_joe', terminate_deployments=True)

    check = ansible.module(MODULE, task, check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.result['changed'] is True
    assert sorted(check.result['terminated']) == running
    assert check.result['diff']['before'] == {'workspace': 'gis_joe', 'deployments': check.result['running_deployments']}
    assert check.result['diff']['after'] == {'workspace': 'gis_ann/from_gis_joe', 'deployments': []}
    assert arcgis.sim.writes() == []
    assert 'gis_joe' in arcgis.sim.workspaces and joe_ids(arcgis) == running

    first = ansible.module(MODULE, task, diff=True)
    assert first.rc == 0, first.output
    assert first.result['changed'] is True
    assert first.result['target_owner'] == 'gis_ann' and first.result['target_folder'] == 'from_gis_joe'
    assert first.result['diff']['after'] == {'workspace': 'gis_ann/from_gis_joe', 'deployments': []}
    transfer = arcgis.sim.logged(method='POST', path=TRANSFER)
    assert len(transfer) == 1
    assert transfer[0]['form']['userName'] == ['gis_joe']
    assert transfer[0]['form']['targetUserName'] == ['gis_ann']
    assert transfer[0]['form']['targetFolderName'] == ['from_gis_joe']
    assert 'gis_joe' not in arcgis.sim.workspaces
    assert arcgis.sim.workspaces['gis_ann']['folders'] == {'from_gis_joe': 'gis_joe'}

    arcgis.sim.clear_log()
    second = ansible.module(MODULE, task, diff=True)
    assert second.rc == 0, second.output
    assert second.result['changed'] is False and 'diff' not in second.result
    assert arcgis.sim.writes() == []


def test_transfer_folder_defaults_to_the_owner_name(ansible, arcgis):
    arcgis.sim.deployments.clear()
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='transferred', target_owner='gis_ann'))
    assert run.rc == 0, run.output
    assert arcgis.sim.logged(method='POST', path=TRANSFER)[0]['form']['targetFolderName'] == ['gis_joe']
    assert run.result['terminated'] == [] and run.result['running_deployments'] == []


def test_absent_workspace_is_unchanged_without_listing_deployments(ansible, arcgis):
    run = ansible.module(MODULE, args(arcgis, owner='nobody_here', state='absent'))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    assert [entry['path'] for entry in arcgis.sim.logged()] == ['/arcgis/notebooks/admin/dataaccess/listUserWorkspaces']


def test_deployment_started_between_read_and_delete_fails_with_the_vendor_sentence(ansible, arcgis):
    arcgis.sim.deployments.clear()
    arcgis.sim.add_fault(path=DELETE, status=200, body={'error': {
        'code': 500, 'message': 'Failed to delete user workspace. The user has actively running containers.',
        'details': None}})
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='absent'))
    assert run.result['failed'] is True
    assert run.result['msg'] == (
        'Deleting the workspace of gis_joe failed: POST %s/notebooks/admin/dataaccess/deleteUserWorkspace answered '
        'HTTP 200 with error 500: Failed to delete user workspace. The user has actively running containers.'
        % arcgis.url)
    assert 'Traceback' not in run.output


def test_wait_timeout_leaves_the_workspace_in_place(ansible, arcgis):
    arcgis.sim.termination_lag = 10000  # the cluster never lets go
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='absent', terminate_deployments=True,
                                      wait_timeout=1))
    assert run.result['failed'] is True
    assert 'still listed after 1 seconds (wait_timeout)' in run.result['msg']
    assert arcgis.sim.logged(method='POST', path=DELETE) == []
    assert 'gis_joe' in arcgis.sim.workspaces


def test_non_admin_cannot_delete_and_is_told_which_role(ansible, arcgis):
    arcgis.sim.deployments.clear()
    run = ansible.module(MODULE, creds(arcgis, username='gis_joe', owner='gis_joe', state='absent'))
    assert run.result['failed'] is True
    assert 'Deleting the workspace of gis_joe failed' in run.result['msg']
    assert 'error 403' in run.result['msg']
    assert 'permission denied: this needs the default administrator role' in run.result['msg']
    assert 'gis_joe' in arcgis.sim.workspaces


def test_bad_input_fails_before_any_request(ansible, arcgis):
    token = arcgis.sim.issue_token('admin')
    for extra, message in (
        (dict(owner='gis_joe', state='transferred'), 'needs target_owner'),
        (dict(owner='gis_joe', state='transferred', target_owner='gis_joe'), 'target_owner must differ from owner'),
        (dict(owner='gis_joe', state='absent', target_owner='gis_ann'), 'apply to state=transferred only'),
        (dict(owner='gis_joe', state='absent', wait_timeout=-5), 'wait_timeout must be between 0 and 86400 seconds'),
        (dict(owner='gis_joe'), 'missing required arguments: state'),
        (dict(owner=' ', state='absent'), 'owner must name a user'),
    ):
        run = ansible.module(MODULE, args(arcgis, token, **extra))
        assert run.result['failed'] is True, extra
        assert message in run.result['msg'], run.result['msg']
    assert arcgis.sim.logged() == []


def test_requests_are_counted(ansible, arcgis):
    """Reads first, one list of each, writes only what is needed."""
    token = arcgis.sim.issue_token('admin')
    run = ansible.module(MODULE, args(arcgis, token, owner='gis_joe', state='absent', terminate_deployments=True))
    assert run.rc == 0, run.output
    assert len(arcgis.sim.logged(method='GET', path=WORKSPACES)) == 1
    assert len(arcgis.sim.logged(method='POST', path=TERMINATE)) == 2
    assert len(arcgis.sim.logged(method='POST', path=DELETE)) == 1


def test_an_unrecognised_deployment_list_fails_without_any_write(ansible, arcgis):
    # A server whose list comes under another key: reading it as "nothing runs" sent the delete.
    running = [{'id': deployment_id, 'username': 'gis_joe'} for deployment_id in joe_ids(arcgis)]
    arcgis.sim.add_fault(path=DEPLOYMENTS, method='GET', status=200, body={'deployments': running}, count=-1)
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='absent'))
    assert run.result['failed'] is True
    assert 'Listing notebook deployments failed' in run.result['msg']
    assert 'no nbDeployments list' in run.result['msg']
    assert arcgis.sim.writes() == []
    assert 'Traceback' not in run.output


def test_a_failed_delete_after_terminating_reports_the_change(ansible, arcgis):
    running = joe_ids(arcgis)
    arcgis.sim.add_fault(path=DELETE, method='POST', status=200,
                         body={'error': {'code': 500, 'message': 'Unable to delete the workspace.'}})
    run = ansible.module(MODULE, args(arcgis, owner='gis_joe', state='absent', terminate_deployments=True))
    assert run.result['failed'] is True
    assert 'Deleting the workspace of gis_joe failed' in run.result['msg']
    # The deployments are gone: the task changed the site even though it failed.
    assert arcgis.sim.running('gis_joe') == []
    assert run.result['changed'] is True
    assert sorted(run.result['terminated']) == running


def test_a_delete_answering_status_failure_fails_the_task(ansible, arcgis):
    arcgis.sim.add_fault(path=DELETE, method='POST', status=200, body={'status': 'failure'})
    run = ansible.module(MODULE, args(arcgis, owner='gis_ann', state='absent'))
    assert run.result['failed'] is True  # it used to report changed=true: a workspace deleted that was not
    assert 'Deleting the workspace of gis_ann failed' in run.result['msg']
    assert 'status "failure"' in run.result['msg']
