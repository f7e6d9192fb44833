# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RETURN check (tests/returns.py) that every module run of the suite goes through: it finds an undocumented key,
a missing always-key, a wrong type and an unannounced null; every RETURN gives each key one type; the failure details
the common doc fragment names are what the errors return; and both ways the suite runs modules (in process and
ansible-playbook) are checked, so a result that breaks its documentation fails the test that produced it."""

from __future__ import annotations

import json
import os

import pytest

import returns
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import JobError
from conftest import ROOT, arcgis, arcgis_server  # pylint: disable=unused-import
from modrun import run_module

MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py'))
INFO_RESULT = dict(changed=False, sessions=[], nodes=['n1'], total=0)


@pytest.mark.parametrize('module', MODULES)
def test_every_return_value_has_one_type(module):
    assert returns.doc_problems(module) == []


def test_a_documented_result_passes():
    assert returns.problems('dcs_sessions_info', INFO_RESULT) == []
    assert returns.problems('platform_ops.admin.dcs_sessions_info', dict(INFO_RESULT, warnings=['w'])) == []


def test_an_undocumented_key_fails():
    found = returns.problems('dcs_sessions_info', dict(INFO_RESULT, scanned=3))
    assert found == ['dcs_sessions_info returned scanned, which its RETURN does not document']


def test_a_missing_always_key_fails_unless_the_task_failed():
    result = dict(changed=False, job_id=None, sessions=[], instances=[])
    assert returns.problems('dcs_sessions', result) == [
        'dcs_sessions did not return killed, which its RETURN documents as returned always']
    assert returns.problems('dcs_sessions', dict(result, failed=True, msg='x')) == []
    assert returns.problems('dcs_sessions', dict(result, msg='x'), failed=True) == []


def test_a_value_of_another_type_fails():
    found = returns.problems('dcs_sessions', dict(changed=True, job_id=None, sessions=[], instances=[], killed=3))
    assert found == ['dcs_sessions: killed is documented as list but is a int: 3']
    found = returns.problems('dcs_sessions_info', dict(INFO_RESULT, total=True))
    assert found == ['dcs_sessions_info: total is documented as int but is a bool: True']
    found = returns.problems('dcs_sessions_info', dict(INFO_RESULT, nodes=[1]))
    assert found == ['dcs_sessions_info: nodes is documented as a list of str but holds 1']


def test_null_only_where_the_description_says_so():
    assert returns.problems('dcs_sessions', dict(changed=False, job_id=None, sessions=[], instances=[], killed=[])) == []
    assert returns.problems('dcs_sessions_info', dict(INFO_RESULT, total=None)) == [
        'dcs_sessions_info: total is null, but its description does not say it can be']


def test_failure_details_only_with_a_failure():
    details = dict(operation='Listing', http_status=500, error_code='DCS.1', vendor_message='m', url='u', method='GET')
    assert returns.problems('dcs_sessions_info', dict(INFO_RESULT, failed=True, msg='x', **details)) == []
    assert len(returns.problems('dcs_sessions_info', dict(INFO_RESULT, **details))) == len(details)


def test_the_failure_details_the_doc_fragment_names_are_those_errors_return():
    error = ApiError('Listing', method='GET', url='https://h/x', status=500, code='X.1', vendor_message='m',
                     reason='r')
    error.retries = 2
    job = JobError('DCS job', 'job-1', dict(status='FAIL', fail_reason='node abnormal'), reason='r')
    produced = set(error.as_result()) | set(job.as_result())
    assert produced | {'msg'} == set(returns.failure_keys()), (produced, returns.failure_keys())


def test_a_module_run_in_process_is_checked(arcgis, monkeypatch):
    assert not run_module('notebook_config_info', arcgis.args()).failed
    docs = dict(returns.documented('notebook_config_info'))
    docs.pop('configuration')
    monkeypatch.setattr(returns, 'documented', lambda module: docs)
    with pytest.raises(AssertionError, match='notebook_config_info returned configuration, which its RETURN does not'):
        run_module('notebook_config_info', arcgis.args())


def test_a_playbook_run_is_checked(ansible, arcgis, monkeypatch, tmp_path):
    play = [{'name': 'Read', 'hosts': 'localhost', 'gather_facts': False,
             'tasks': [{'name': 'Read the configuration', 'platform_ops.admin.notebook_config_info': arcgis.args()}]}]
    path = tmp_path / 'read.yml'
    path.write_text(json.dumps(play), encoding='utf-8')
    assert ansible.playbook(path).rc == 0
    logged = returns.read_log(tmp_path / ('results-%d.jsonl' % ansible.count))
    assert [(entry['action'], entry['failed']) for entry in logged] == [('platform_ops.admin.notebook_config_info', False)]
    assert isinstance(logged[0]['result']['configuration'], dict)
    docs = dict(returns.documented('notebook_config_info'))
    docs.pop('configuration')
    monkeypatch.setattr(returns, 'documented', lambda module: docs)
    with pytest.raises(AssertionError, match="task 'Read the configuration'.*returned configuration"):
        ansible.playbook(path)
