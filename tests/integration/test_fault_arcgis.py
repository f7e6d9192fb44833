# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security and fault suite, ArcGIS part: the notebook modules under hostile input and servers.

Modules run in process against the ArcGIS simulator over TLS; each case is recorded for the README's
Reliability table.
"""

from __future__ import annotations

import json

import pytest

from arcgis_helpers import args, creds
from fault_answers import JSON, ids, refused_control_character, unclear_answers
from modrun import run_module

CONFIG = 'notebook_config'
CONFIG_INFO = 'notebook_config_info'
DEPLOYMENT = 'notebook_deployment'
WORKSPACE = 'notebook_workspace'
TOKEN = 'arcgis_token'
UPDATE = r'/admin/notebooks/configuration/update$'
CONFIGURATION = r'/admin/notebooks/configuration$'
DELETE = r'/deleteUserWorkspace$'
# Where the notebook modules may write.
WRITES = r'^/arcgis/(admin/notebooks/(configuration/update|deployments/[^/]+/terminateDeployment)|' \
         r'notebooks/admin/dataaccess/(deleteUserWorkspace|transferUserWorkspace))$'


def _idle_workspace(arcgis, owner='gis_idle'):
    """A user with a workspace and no running deployment."""
    with arcgis.sim.lock:
        arcgis.sim.workspaces[owner] = {'folders': {}}
    return owner


# --- 1: path segments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('value', ['..', '.'])
def test_dot_deployment_id_given_by_the_user_fails_before_any_request(arcgis, fault, value):
    out = run_module(DEPLOYMENT, args(arcgis, deployment_ids=[value]))
    fault.record(1, 'deployment_ids [%r] given by the user' % value, DEPLOYMENT, out, applied=False)
    assert out.failed and 'deployment_ids must hold deployment ids' in out.msg and arcgis.sim.logged() == []


def test_dot_deployment_id_listed_by_the_server_is_never_requested(arcgis, fault):
    with arcgis.sim.lock:
        arcgis.sim.add_deployment('gis_dots', deployment_id='..')
    out = run_module(DEPLOYMENT, args(arcgis, owner='gis_dots'))
    fault.record(1, 'deployment id ".." listed by the server', DEPLOYMENT, out, applied=False,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and "'..' cannot be used as an id in a URL path" in out.msg, out
    assert arcgis.sim.writes() == [] and '..' in arcgis.sim.deployments


# --- 2: URL option --------------------------------------------------------------------------------------------


@pytest.mark.parametrize('url, words', [('https://admin:url-s3cret@127.0.0.1/arcgis', 'must not carry credentials'),
                                        ('ftp://127.0.0.1/arcgis', 'must be a URL such as')])
def test_unusable_url_fails_before_any_request(arcgis, fault, url, words):
    out = run_module(CONFIG_INFO, args(arcgis, url=url))
    fault.record(2, 'url %s' % ('with user:password@' if '@' in url else 'with an ftp scheme'), CONFIG_INFO, out,
                 applied=False)
    assert out.failed and words in out.msg and 'url-s3cret' not in out.output and arcgis.sim.logged() == []


# --- 3: changed is what the server did ----------------------------------------------------------------------


def test_configuration_update_whose_answer_is_lost_after_it_was_applied_is_changed(arcgis, fault):
    arcgis.sim.add_fault(path=UPDATE, method='POST', mode='drop', apply=True)
    out = run_module(CONFIG, args(arcgis, settings={'idleNotebookThreshold': 1440}))
    applied = arcgis.sim.configuration['idleNotebookThreshold'] == 1440
    fault.record(3, 'configuration update applied, its answer cut', CONFIG, out, applied=applied,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert not out.failed and out.result['changed_keys'] == ['idleNotebookThreshold'], out
    assert any('was lost' in warning and 'shows it applied' in warning for warning in out.warnings)
    assert len(arcgis.sim.logged(method='POST', path=UPDATE)) == 1


@pytest.mark.parametrize('status', [502, 504])
def test_configuration_update_refused_by_a_gateway_is_unchanged(arcgis, fault, status):
    arcgis.sim.add_fault(path=UPDATE, method='POST', status=status, body='gateway')
    out = run_module(CONFIG, args(arcgis, settings={'idleNotebookThreshold': 1440}))
    applied = arcgis.sim.configuration['idleNotebookThreshold'] == 1440
    fault.record(3, 'configuration update answered HTTP %d, not applied' % status, CONFIG, out, applied=applied,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'the update was not applied' in out.msg, out


def test_workspace_delete_whose_answer_is_lost_after_it_was_applied_is_changed(arcgis, fault):
    owner = _idle_workspace(arcgis)
    arcgis.sim.add_fault(path=DELETE, method='POST', mode='drop', apply=True)
    out = run_module(WORKSPACE, args(arcgis, owner=owner, state='absent'))
    fault.record(3, 'workspace delete applied, its answer cut', WORKSPACE, out,
                 applied=owner not in arcgis.sim.workspaces, writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert not out.failed and any('was lost' in warning for warning in out.warnings), out


def test_terminate_whose_answer_is_lost_after_it_was_applied_is_changed(arcgis, fault):
    ids = sorted(arcgis.sim.running('gis_joe'))
    arcgis.sim.add_fault(path=r'/terminateDeployment$', method='POST', mode='drop', apply=True)
    out = run_module(DEPLOYMENT, args(arcgis, owner='gis_joe', parallel=1))
    fault.record(3, 'terminate applied, its answer cut', DEPLOYMENT, out,
                 applied=sorted(arcgis.sim.running('gis_joe')) != ids, writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert not out.failed and sorted(out.result['terminated']) == ids, out


# --- 4: no traceback ----------------------------------------------------------------------------------------


@pytest.mark.parametrize('expires', [1e20, -1e20, 'soon', None])
def test_token_expiry_that_is_not_a_date_is_no_traceback(arcgis, fault, expires):
    arcgis.sim.add_fault(path=r'/generateToken$', method='POST', status=200, body={'token': 'tok-abc123', 'expires': expires})
    out = run_module(TOKEN, creds(arcgis))
    fault.record(4, 'token service answered expires: %r' % (expires,), TOKEN, out, applied=False)
    assert not out.failed and out.result['expires_at'] is None, out
    # One type: whole milliseconds when the server sent a number, else null (the RETURN check holds it too).
    assert out.result['expires'] == (int(expires) if isinstance(expires, float) else None), out


# --- 8: malformed answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize('module', [CONFIG_INFO, CONFIG])
@pytest.mark.parametrize('body', [[1, 2], 42, 'configuration', None])
def test_configuration_that_is_not_an_object_fails(arcgis, fault, module, body):
    arcgis.sim.add_fault(path=CONFIGURATION, method='GET', status=200, body=json.dumps(body),
                         headers={'Content-Type': 'application/json'})
    task = args(arcgis, settings={'idleNotebookThreshold': 1440}) if module == CONFIG else args(arcgis)
    out = run_module(module, task)
    fault.record(8, 'configuration answered %s' % ('a JSON null' if body is None else repr(body)), module, out,
                 applied=False, writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'not a configuration object' in out.msg and 'configuration' not in out.result, out


# --- 9: bounded input ---------------------------------------------------------------------------------------


def test_configuration_integer_over_the_maximum_fails_before_any_request(arcgis, fault):
    out = run_module(CONFIG, args(arcgis, settings={'idleNotebookThreshold': 2 ** 31}))
    fault.record(9, 'idleNotebookThreshold: 2**31', CONFIG, out, applied=False)
    assert out.failed and 'at most 2147483647' in out.msg and arcgis.sim.logged() == []


def test_wait_timeout_over_a_day_fails_before_any_request(arcgis, fault):
    out = run_module(WORKSPACE, args(arcgis, owner='gis_joe', state='absent', wait_timeout=86401))
    fault.record(9, 'wait_timeout: 86401', WORKSPACE, out, applied=False)
    assert out.failed and 'between 0 and 86400 seconds' in out.msg and arcgis.sim.logged() == []


# --- 10: races ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize('state', ['absent', 'transferred'])
def test_loser_of_two_workspace_removals_reports_ok_unchanged(arcgis, fault, monkeypatch, state):
    owner = _idle_workspace(arcgis)
    handler = 'on_delete_workspace' if state == 'absent' else 'on_transfer_workspace'
    vendor = getattr(arcgis.sim, handler)

    def winner_first(request):
        # The other task's request lands between this task's read and its own: the workspace is gone when this
        # one arrives, and the server answers as it does for a workspace that does not exist.
        arcgis.sim.workspaces.pop(owner, None)
        return vendor(request)

    monkeypatch.setattr(arcgis.sim, handler, winner_first)
    extra = dict(target_owner='gis_ann') if state == 'transferred' else {}
    out = run_module(WORKSPACE, args(arcgis, owner=owner, state=state, **extra))
    fault.record(10, 'two workspace removals at once: the loser (%s)' % state, WORKSPACE, out, applied=False,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert not out.failed, out
    assert any('went away while this task was removing it' in warning for warning in out.warnings)


# --- 11: unknown outcomes, judged by reading again ------------------------------------------------------------
#
# Every write of every notebook module, answered in a way that does not say whether it was carried out: a 2xx
# whose body is unusable (ArcGIS writes its errors into HTTP 200 answers, so only a body that parses and has no
# error proves the write was accepted), or a gateway's 500 after the backend applied the write - or did not.

UNCLEAR_ANSWERS = unclear_answers('{"status": "succ')


def _write_case(arcgis, write):
    """``(module, task, path of the write, applied())`` of one notebook write."""
    if write == 'configuration update':
        return CONFIG, dict(settings={'idleNotebookThreshold': 1440}), UPDATE, \
            lambda: arcgis.sim.configuration['idleNotebookThreshold'] == 1440
    if write == 'terminate':
        first = sorted(arcgis.sim.running('gis_joe'))[0]
        return DEPLOYMENT, dict(deployment_ids=[first]), r'/terminateDeployment$', \
            lambda: first not in arcgis.sim.deployments
    owner = _idle_workspace(arcgis)
    task = dict(owner=owner, state='absent') if write == 'workspace delete' else \
        dict(owner=owner, state='transferred', target_owner='gis_ann')
    return WORKSPACE, task, DELETE if write == 'workspace delete' else r'/transferUserWorkspace$', \
        lambda: owner not in arcgis.sim.workspaces


@pytest.mark.parametrize('answer, fault_args, applies', UNCLEAR_ANSWERS, ids=ids(UNCLEAR_ANSWERS))
@pytest.mark.parametrize('write', ['configuration update', 'terminate', 'workspace delete', 'workspace transfer'])
def test_unclear_answer_to_a_write_is_judged_by_reading_again(arcgis, fault, write, answer, fault_args, applies):
    module, task, path, applied = _write_case(arcgis, write)
    arcgis.sim.add_fault(path=path, method='POST', apply=applies, **fault_args)
    out = run_module(module, args(arcgis, **task))
    fault.record(11, '%s answered %s' % (write, answer), module, out, applied=applied(),
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert applied() is applies
    assert len(arcgis.sim.logged(method='POST', path=path)) == 1  # judged by reading, never by sending again
    if applies:
        assert not out.failed and out.changed, out
        if 'JSON list' not in answer:  # a JSON answer without an error member is the server's acceptance
            assert any('was unclear' in warning and 'HTTP' in warning for warning in out.warnings), out.warnings
    else:
        assert out.failed and not out.changed and 'HTTP 500' in out.msg, out
        assert 'not applied' in out.msg or 'still listed' in out.msg, out.msg


def test_refused_delete_of_a_workspace_still_listed_is_unchanged(arcgis, fault):
    owner = _idle_workspace(arcgis)
    arcgis.sim.add_fault(path=DELETE, method='POST', status=503, body='busy', count=10)
    out = run_module(WORKSPACE, args(arcgis, owner=owner, state='absent', retries=0))
    fault.record(11, 'workspace delete answered HTTP 503 (a refusal)', WORKSPACE, out,
                 applied=owner not in arcgis.sim.workspaces, writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and 'HTTP 503' in out.msg and not out.warnings, out


# --- 12: malformed lists fail instead of reading as empty -----------------------------------------------------

MALFORMED_LISTS = [
    ('null', {'{key}': None}), ('missing', {'other': []}), ('a string', {'{key}': 'none'}), ('the answer is null', None),
]


def _malformed(key, body):
    if isinstance(body, dict):
        body = {name.replace('{key}', key): value for name, value in body.items()}
    return json.dumps(body)


@pytest.mark.parametrize('module, task', [
    ('notebook_deployment_info', {}), (DEPLOYMENT, dict(owner='gis_joe')),
    (WORKSPACE, dict(owner='gis_joe', state='absent', terminate_deployments=True)),
])
@pytest.mark.parametrize('what, body', MALFORMED_LISTS, ids=ids(MALFORMED_LISTS))
def test_malformed_deployment_list_fails(arcgis, fault, module, task, what, body):
    arcgis.sim.add_fault(path=r'/admin/notebooks/deployments$', method='GET', status=200,
                         body=_malformed('nbDeployments', body), headers=JSON, count=10)
    out = run_module(module, args(arcgis, **task))
    fault.record(12, 'deployment list: nbDeployments %s' % what, module, out, applied=False,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and out.msg.startswith('Listing notebook deployments failed:'), out
    assert 'no nbDeployments list' in out.msg and 'refusing to read it as empty' in out.msg
    assert arcgis.sim.writes() == [] and 'deployments' not in out.result


@pytest.mark.parametrize('what, body', MALFORMED_LISTS, ids=ids(MALFORMED_LISTS))
def test_malformed_workspace_list_fails(arcgis, fault, what, body):
    owner = _idle_workspace(arcgis)
    arcgis.sim.add_fault(path=r'/listUserWorkspaces$', method='GET', status=200, body=_malformed('Containers', body),
                         headers=JSON, count=10)
    out = run_module(WORKSPACE, args(arcgis, owner=owner, state='absent'))
    fault.record(12, 'workspace list: Containers %s' % what, WORKSPACE, out, applied=owner not in arcgis.sim.workspaces,
                 writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and out.msg.startswith('Listing user workspaces failed:') and 'no Containers list' in out.msg, out
    assert arcgis.sim.writes() == []


# --- 13: control characters -------------------------------------------------------------------------------------


@pytest.mark.parametrize('module, option, value', [
    (DEPLOYMENT, 'deployment_ids', ['fa80\nsecond']), (DEPLOYMENT, 'owner', 'gis_joe\r'),
    ('notebook_deployment_info', 'owner', 'gis\x00joe'), (WORKSPACE, 'owner', 'gis_joe\n'),
    (WORKSPACE, 'target_owner', 'gis_ann\x1b[31m'), (WORKSPACE, 'target_folder', 'from\tjoe'),
    (CONFIG_INFO, 'referer', 'https://app.example.com\r\nX-Evil: 1'),
])
def test_id_or_name_with_a_control_character_fails_before_any_request(arcgis, fault, module, option, value):
    task = dict(owner='gis_joe', state='transferred', target_owner='gis_ann') if module == WORKSPACE else {}
    task[option] = value
    out = run_module(module, args(arcgis, **task))
    fault.record(13, '%s %r' % (option, value), module, out, applied=False)
    assert refused_control_character(out, option, value), out
    assert arcgis.sim.logged() == []


def test_server_value_with_a_line_break_stays_on_one_line(arcgis, fault):
    with arcgis.sim.lock:
        arcgis.sim.add_deployment('gis_lines', deployment_id='abc\ndef')
    arcgis.sim.add_fault(path=r'/terminateDeployment$', method='POST', status=200,
                         body={'error': {'code': 403, 'message': 'Not allowed:\nno.'}})
    out = run_module(DEPLOYMENT, args(arcgis, owner='gis_lines'))
    fault.record(13, 'deployment id with a line break, listed by the server, in the failure message', DEPLOYMENT, out,
                 applied=False, writes=arcgis.sim.writes(), allowed_writes=WRITES)
    assert out.failed and '\n' not in out.msg and 'abc\\ndef' in out.msg and 'Not allowed:\\nno' in out.msg, out
