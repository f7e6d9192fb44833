# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""notebook_config against the simulator: read, merge, post the whole object; validation before requests."""

from __future__ import annotations

import json

from arcgis_helpers import args

MODULE = 'platform_ops.admin.notebook_config'
UPDATE = r'/admin/notebooks/configuration/update$'

POLICY = {'egress': [{'to': [{'namespaceSelector': {}}]}, {'ports': [{'port': 53, 'protocol': 'UDP'}]}]}


def test_changed_then_unchanged_and_unknown_keys_preserved(ansible, arcgis):
    arcgis.sim.configuration['maxActiveJobsPerAutomationManager'] = 7  # a key this collection does not know
    before = dict(arcgis.sim.configuration)
    token = arcgis.sim.issue_token('admin')
    first = ansible.module(MODULE, args(arcgis, token, settings={'idleNotebookThreshold': 1440,
                                                                 'containerCreatedThreshold': '120'}))
    assert first.rc == 0, first.output
    assert first.result['changed'] is True
    assert first.result['changed_keys'] == ['containerCreatedThreshold', 'idleNotebookThreshold']
    expected = dict(before, idleNotebookThreshold=1440, containerCreatedThreshold=120)
    assert arcgis.sim.configuration == expected
    assert first.result['configuration'] == expected
    update = arcgis.sim.logged(method='POST', path=UPDATE)
    assert len(update) == 1
    assert json.loads(update[0]['form']['configuration'][0]) == expected  # the whole object, not a patch
    assert update[0]['form']['token'] == [token] and update[0]['form']['f'] == ['json']

    arcgis.sim.clear_log()
    second = ansible.module(MODULE, args(arcgis, token, settings={'idleNotebookThreshold': 1440,
                                                                  'containerCreatedThreshold': 120}))
    assert second.rc == 0, second.output
    assert second.result['changed'] is False and second.result['changed_keys'] == []
    assert arcgis.sim.writes() == []
    assert len(arcgis.sim.logged()) == 1


def test_check_mode_sends_no_update_and_diff_shows_only_changing_keys(ansible, arcgis):
    before = dict(arcgis.sim.configuration)
    run = ansible.module(MODULE, args(arcgis, settings={'idleNotebookThreshold': 1440, 'webSocketSize': 16}),
                         check=True, diff=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert run.result['diff'] == {'before': {'idleNotebookThreshold': 720}, 'after': {'idleNotebookThreshold': 1440}}
    assert arcgis.sim.writes() == []
    assert arcgis.sim.configuration == before
    assert 'idleNotebookThreshold' in run.stdout


def test_egress_policy_given_as_json_string_is_compared_parsed(ansible, arcgis):
    arcgis.sim.configuration['notebookEgressNetworkPolicy'] = POLICY
    token = arcgis.sim.issue_token('admin')
    same = json.dumps(POLICY, indent=2)  # different text, same JSON
    run = ansible.module(MODULE, args(arcgis, token, settings={'notebookEgressNetworkPolicy': same}))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    assert arcgis.sim.writes() == []

    tighter = {'egress': [{'to': [{'ipBlock': {'cidr': '10.0.0.0/8'}}]}]}
    run = ansible.module(MODULE, args(arcgis, token, settings={'notebookEgressNetworkPolicy': json.dumps(tighter)}),
                         diff=True)
    assert run.rc == 0, run.output
    assert run.result['changed'] is True
    assert arcgis.sim.configuration['notebookEgressNetworkPolicy'] == tighter
    assert run.result['diff']['after'] == {'notebookEgressNetworkPolicy': tighter}


def test_egress_policy_stored_as_a_string_by_the_server_is_compared_parsed(ansible, arcgis):
    arcgis.sim.configuration['notebookEgressNetworkPolicy'] = json.dumps(POLICY)
    run = ansible.module(MODULE, args(arcgis, settings={'notebookEgressNetworkPolicy': POLICY}))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False


def test_values_below_documented_minimums_fail_with_zero_requests(ansible, arcgis):
    token = arcgis.sim.issue_token('admin')
    for settings, message in (
        ({'maxExecuteNotebookTimeMinutes': 14}, 'maxExecuteNotebookTimeMinutes must be at least 15, got 14'),
        ({'asyncJobsCleanAgeHours': 5}, 'asyncJobsCleanAgeHours must be at least 6, got 5'),
        ({'idleNotebookThreshold': 'soon'}, "idleNotebookThreshold must be an integer, got 'soon'"),
        ({'idleNotebookThreshold': True}, 'idleNotebookThreshold must be an integer, got True'),
        ({'webSocketSize': 0}, 'webSocketSize must be at least 1, got 0'),
        ({'allowHiddenFileDownloads': 'perhaps'}, 'allowHiddenFileDownloads must be a boolean'),
        ({'notebookEgressNetworkPolicy': '{not json'}, 'notebookEgressNetworkPolicy must be a dict or a JSON string'),
        ({'notebookEgressNetworkPolicy': '[1, 2]'}, 'notebookEgressNetworkPolicy must be a JSON object, got list'),
        ({}, 'settings is empty'),
    ):
        run = ansible.module(MODULE, args(arcgis, token, settings=settings))
        assert run.result['failed'] is True, settings
        assert message in run.result['msg'], run.result['msg']
    assert arcgis.sim.logged() == []


def test_server_side_rejection_is_one_sentence(ansible, arcgis):
    arcgis.sim.add_fault(path=UPDATE, status=200, body={'error': {'code': 500, 'message': 'Unable to update the '
                                                                  'notebook configuration.', 'details': None}})
    run = ansible.module(MODULE, args(arcgis, settings={'idleNotebookThreshold': 60}))
    assert run.result['failed'] is True
    assert run.result['msg'] == ('Updating the notebook configuration failed: POST %s/admin/notebooks/configuration/'
                                 'update answered HTTP 200 with error 500: Unable to update the notebook '
                                 'configuration.' % arcgis.url)
    assert 'Traceback' not in run.output


def test_non_admin_is_told_which_privilege(ansible, arcgis):
    run = ansible.module(MODULE, args(arcgis, arcgis.sim.issue_token('gis_joe'), settings={'idleNotebookThreshold': 60}))
    assert run.result['failed'] is True
    assert 'Reading the notebook configuration failed' in run.result['msg']
    assert 'permission denied: this needs the "Servers" or "Security and infrastructure"' in run.result['msg']
    assert arcgis.sim.writes() == []


def test_an_unknown_key_is_sent_as_given_and_then_unchanged(ansible, arcgis):
    # A newer server's property, stored as a string: a number requested for it is sent as a number.
    arcgis.sim.configuration['maxActiveJobsPerAutomationManager'] = '5'
    arcgis.sim.configuration['idleNotebookThreshold'] = '720'  # a known integer kept in the server's form
    token = arcgis.sim.issue_token('admin')
    settings = {'maxActiveJobsPerAutomationManager': 7, 'idleNotebookThreshold': 1440}
    first = ansible.module(MODULE, args(arcgis, token, settings=settings))
    assert first.rc == 0, first.output
    assert first.result['changed'] is True
    assert arcgis.sim.configuration['maxActiveJobsPerAutomationManager'] == 7
    assert arcgis.sim.configuration['idleNotebookThreshold'] == '1440'
    second = ansible.module(MODULE, args(arcgis, token, settings=settings))
    assert second.rc == 0, second.output
    assert second.result['changed'] is False, second.result['changed_keys']
