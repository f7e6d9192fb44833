# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArcGISClient typed notebook calls, the deployment selection, settings validation and the simulator's seeding."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils import arcgis as arcgis_utils
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, HttpClient
from simulators.arcgis import ArcGISSimulator
from simulators.base import SimServer

NOW = 1_732_000_000.0


@pytest.fixture(scope='module')
def server():
    with SimServer(ArcGISSimulator()) as running:
        yield running


@pytest.fixture
def sim(server):
    server.simulator.reset()
    return server.simulator


def client(server, token=None, pool_maxsize=4, username='admin'):
    http = HttpClient(server.url, retries=0, pool_maxsize=pool_maxsize, error_parser=arcgis_utils.parse_error_body)
    password = server.simulator.users[username]['password'] if token is None else None
    return arcgis_utils.ArcGISClient(http, username=None if token else username, password=password, token=token)


def entry(deployment_id, owner='gis_joe', age_minutes=10.0):
    return {'id': deployment_id, 'username': owner, 'dateCreated': int((NOW - age_minutes * 60) * 1000)}


def test_select_deployments_combines_every_selector():
    listed = [entry('a', age_minutes=5), entry('b', age_minutes=90), entry('c', 'gis_ann', 90),
              {'id': 'd', 'username': 'gis_joe', 'dateCreated': None}]
    select = arcgis_utils.select_deployments
    assert [item['id'] for item in select(listed, owner='gis_joe', now=NOW)] == ['a', 'b', 'd']
    assert [item['id'] for item in select(listed, owner='gis_joe', older_than_minutes=60, now=NOW)] == ['b']
    assert [item['id'] for item in select(listed, deployment_ids=['c', 'b', 'zz'], now=NOW)] == ['b', 'c']
    assert [item['id'] for item in select(listed, deployment_ids=['c'], owner='gis_joe', now=NOW)] == []
    assert select(listed, deployment_ids=[], now=NOW) == []  # an empty list selects nothing
    assert len(select(listed, now=NOW)) == 4


@pytest.mark.parametrize('settings, problem', [
    ({'maxExecuteNotebookTimeMinutes': 14}, 'maxExecuteNotebookTimeMinutes must be at least 15, got 14'),
    ({'asyncJobsCleanAgeHours': 5}, 'asyncJobsCleanAgeHours must be at least 6, got 5'),
    ({'idleNotebookThreshold': 1.5}, 'idleNotebookThreshold must be an integer, got 1.5'),
    ({'allowHiddenFileDownloads': 'maybe'}, "allowHiddenFileDownloads must be a boolean, got 'maybe'"),
    ({'notebookEgressNetworkPolicy': 12}, 'notebookEgressNetworkPolicy must be a dict or a JSON string'),
    # isdigit() is true for these but int() raises ValueError: a traceback before any request.
    ({'webSocketSize': '\u00b2'}, "webSocketSize must be an integer, got '\u00b2'"),
    ({'idleNotebookThreshold': '\u2460'}, "idleNotebookThreshold must be an integer, got '\u2460'"),
])
def test_normalize_settings_rejects(settings, problem):
    normalized, problems = arcgis_utils.normalize_settings(settings)
    assert normalized == {}
    assert problems == [problem] or problems[0].startswith(problem)


def test_normalize_settings_converts_and_passes_unknown_keys():
    normalized, problems = arcgis_utils.normalize_settings({
        'maxExecuteNotebookTimeMinutes': '15', 'asyncJobsCleanAgeHours': 6, 'allowHiddenFileDownloads': 'yes',
        'notebookEgressNetworkPolicy': '{"egress": []}', 'futureKey': [1]})
    assert problems == []
    assert normalized == {'maxExecuteNotebookTimeMinutes': 15, 'asyncJobsCleanAgeHours': 6,
                          'allowHiddenFileDownloads': True, 'notebookEgressNetworkPolicy': {'egress': []},
                          'futureKey': [1]}


def test_comparable_setting_reads_the_server_representation():
    compare = arcgis_utils.comparable_setting
    assert compare('notebookEgressNetworkPolicy', '{"egress": [ ]}') == {'egress': []}
    assert compare('idleNotebookThreshold', '720') == 720
    assert compare('allowHiddenFileDownloads', 'false') is False
    assert compare('futureKey', '720') == '720'


def test_list_terminate_and_error_body_for_an_unknown_id(server, sim):
    api = client(server, token=sim.issue_token('admin'))
    listed = api.list_deployments()
    assert {item['username'] for item in listed} == {'gis_joe'} and len(listed) == 2
    api.terminate_deployment(listed[0]['id'])
    with pytest.raises(ApiError) as caught:
        api.terminate_deployment(listed[0]['id'])  # gone now: the simulator answers an error body
    assert caught.value.code == 404 and caught.value.status == 200
    assert 'does not exist' in caught.value.vendor_message
    assert [item['id'] for item in api.list_deployments()] == [listed[1]['id']]


def test_bulk_terminate_uses_at_most_parallel_connections(server, sim):
    ids = sim.add_deployments('batch_runner', 200)
    api = client(server, token=sim.issue_token('admin'), pool_maxsize=4)
    api.list_deployments()
    assert api.terminate_deployments(ids, parallel=4) == {}
    terminates = sim.logged(method='POST', path='terminateDeployment')
    assert len(terminates) == 200
    assert len({item['client_port'] for item in sim.logged()}) <= 4
    assert sim.running('batch_runner') == []


def test_bulk_terminate_reports_failures_by_id(server, sim):
    ids = sim.add_deployments('batch_runner', 10)
    sim.add_fault(path=ids[3] + '/terminateDeployment', status=200, body={'error': {'code': 500, 'message': 'boom'}})
    api = client(server, token=sim.issue_token('admin'))
    failures = api.terminate_deployments(ids, parallel=3)
    assert list(failures) == [ids[3]]
    assert 'error 500: boom' in str(failures[ids[3]])


def test_one_regenerated_token_is_shared_by_the_workers(server, sim):
    ids = sim.add_deployments('batch_runner', 40)
    api = client(server)  # generates its own token
    api.list_deployments()
    sim.expire_all_tokens()  # every in-flight worker sees 498 at once
    assert api.terminate_deployments(ids, parallel=4) == {}
    # Exactly one replacement: a worker whose rejected token was already replaced uses the new one.
    assert len(sim.logged(path='generateToken')) == 2
    assert sim.running('batch_runner') == []


def test_wait_until_not_listed_polls_with_backoff_until_the_deadline(server, sim):
    sim.termination_lag = 2
    api = client(server, token=sim.issue_token('admin'))
    ids = sim.running('gis_joe')
    assert api.terminate_deployments(ids) == {}
    sleeps = []
    assert api.wait_until_not_listed(ids, timeout=60, owner='gis_joe', sleep=sleeps.append) == []
    assert len(sim.logged(method='GET', path='deployments$')) == 3 and sleeps == [0.25, 0.5]

    sim.reset()
    sim.termination_lag = 1000
    ids = sim.running('gis_joe')
    api = client(server, token=sim.issue_token('admin'))
    api.terminate_deployments(ids)
    clock = iter(range(0, 1000, 10))
    remaining = api.wait_until_not_listed(ids, timeout=25, sleep=lambda seconds: None, clock=lambda: next(clock))
    assert remaining == sorted(ids)


def test_workspace_calls_and_running_containers(server, sim):
    api = client(server, token=sim.issue_token('admin'))
    assert api.list_workspaces() == ['admin', 'gis_ann', 'gis_joe']
    with pytest.raises(ApiError) as caught:
        api.delete_workspace('gis_joe')
    assert 'actively running containers' in caught.value.vendor_message
    sim.deployments.clear()
    api.transfer_workspace('gis_joe', 'gis_ann', 'from_joe')
    assert sim.workspaces['gis_ann']['folders'] == {'from_joe': 'gis_joe'}
    api.delete_workspace('admin')
    assert api.list_workspaces() == ['gis_ann']


def test_non_admin_lists_only_own_and_cannot_touch_workspaces(server, sim):
    sim.add_deployment('gis_ann')
    api = client(server, username='gis_joe')
    assert {item['username'] for item in api.list_deployments()} == {'gis_joe'}
    assert api.list_workspaces() == ['gis_joe']
    with pytest.raises(ApiError) as caught:
        api.delete_workspace('gis_joe')
    assert 'permission denied: this needs the default administrator role' in str(caught.value)


def test_configuration_update_overwrites_everything(server, sim):
    api = client(server, token=sim.issue_token('admin'))
    api.update_configuration({'idleNotebookThreshold': 30})
    assert sim.configuration == {'idleNotebookThreshold': 30}
    with pytest.raises(ApiError) as caught:
        api.update_configuration({'asyncJobsCleanAgeHours': 1})
    assert 'asyncJobsCleanAgeHours must be an integer of at least 6' in str(caught.value)


def test_simulator_seeds_thousands_quickly(sim):
    started = time.monotonic()
    bulk = {'owner': 'batch_runner', 'count': 5000, 'age_minutes': 90}
    one = {'id': 'fixed-id', 'owner': 'gis_ann', 'runtime': 'advanced'}
    sim.seed({'clear': ['deployments'], 'deployments': [bulk, one], 'workspaces': ['batch_runner'], 'termination_lag': 1})
    assert time.monotonic() - started < 5
    assert len(sim.running('batch_runner')) == 5000
    assert sim.deployments['fixed-id']['notebookRuntimeName'] == 'ArcGIS Notebook Python 3 Advanced'
    assert 'batch_runner' in sim.workspaces and sim.termination_lag == 1
    with pytest.raises(ValueError):
        sim.seed({'nonsense': 1})


def test_token_lock_is_per_client(server, sim):
    api = client(server)
    results = []
    threads = [threading.Thread(target=lambda: results.append(api.token())) for _index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert len(sim.logged(path='generateToken')) == 1


@pytest.mark.parametrize('body', [
    {'deployments': []},  # the list under another key (a version we do not know)
    {'nbDeployments': {'id': 'abc'}},
    [{'id': 'abc', 'username': 'gis_joe'}],
    {},
])
def test_a_deployment_list_without_the_list_fails_instead_of_reading_as_empty(server, sim, body):
    sim.add_fault(path='/deployments$', status=200, body=body)
    api = client(server, token=sim.issue_token('admin'))
    with pytest.raises(ApiError) as caught:
        api.list_deployments()
    text = str(caught.value)
    assert text.startswith('Listing notebook deployments failed: GET ')
    assert 'answered HTTP 200 (the answer has no nbDeployments list' in text


@pytest.mark.parametrize('body', [{'containers': [{'name': 'gis_joe'}]}, {'Containers': 'gis_joe'}, []])
def test_a_workspace_list_without_the_list_fails_instead_of_reading_as_empty(server, sim, body):
    sim.add_fault(path='/listUserWorkspaces$', status=200, body=body)
    api = client(server, token=sim.issue_token('admin'))
    with pytest.raises(ApiError) as caught:
        api.list_workspaces()
    assert 'Listing user workspaces failed' in str(caught.value) and 'no Containers list' in str(caught.value)


@pytest.mark.parametrize('path, body, words', [
    ('/deployments$', {'nbDeployments': None}, 'no nbDeployments list (null)'),
    ('/deployments$', {}, 'no nbDeployments list (missing)'),
    ('/deployments$', {'nbDeployments': {'id': 'x'}}, 'no nbDeployments list (an object)'),
    ('/deployments$', None, 'no nbDeployments list (the answer is null)'),
    ('/listUserWorkspaces$', {'Containers': None}, 'no Containers list (null)'),
    ('/listUserWorkspaces$', {'Containers': 'gis_joe'}, 'no Containers list (a string)'),
])
def test_a_list_that_is_missing_null_or_not_a_list_fails(server, sim, path, body, words):
    api = client(server, token=sim.issue_token('admin'))
    sim.add_fault(path=path, status=200, body=json.dumps(body), headers={'Content-Type': 'application/json'})
    with pytest.raises(ApiError) as caught:
        api.list_deployments() if 'deployments' in path else api.list_workspaces()
    assert words in str(caught.value) and 'refusing to read it as empty' in str(caught.value)
    assert str(caught.value).startswith('Listing ')


def test_unusable_entries_are_skipped(server, sim):
    token = sim.issue_token('admin')
    api = client(server, token=token)
    odd = [{'id': ['a'], 'username': 'gis_joe'}, {'id': 7, 'username': 'gis_joe'}, 'x', None,
           {'id': 'ok', 'username': 'gis_joe'}]
    sim.add_fault(path='/deployments$', status=200, body={'nbDeployments': odd})
    listed = api.list_deployments()
    assert [entry['id'] for entry in listed] == ['ok']
    # An unhashable id used to raise TypeError here (a traceback in the module).
    assert arcgis_utils.select_deployments(listed, deployment_ids=['ok', 'a']) == listed
    sim.add_fault(path='/listUserWorkspaces$', status=200, body={'Containers': [{'Name': 3}, {'Name': 'gis_joe'}, 4]})
    assert api.list_workspaces() == ['gis_joe']


def test_an_error_member_of_another_shape_is_still_an_error(server, sim):
    sim.add_fault(path='/configuration$', status=200, body={'error': 'Internal server error'})
    api = client(server, token=sim.issue_token('admin'))
    with pytest.raises(ApiError) as caught:
        api.get_configuration()
    assert 'answered HTTP 200: Internal server error' in str(caught.value)


def test_a_failure_status_is_an_error(server, sim):
    # deleteUserWorkspace documents {"status": "<success | failure>"} as its answer.
    parse = arcgis_utils.parse_error_body
    assert parse(None, {'status': 'failure'}) == (None, 'the server answered status "failure"')
    assert parse(None, {'status': 'error', 'messages': ['No.'], 'code': 499}) == (499, 'No.')
    assert parse(None, {'status': 'success'}) == (None, None)
    sim.add_fault(path='/deleteUserWorkspace$', status=200, body={'status': 'failure'})
    api = client(server, token=sim.issue_token('admin'))
    with pytest.raises(ApiError) as caught:
        api.delete_workspace('gis_ann')
    assert 'Deleting the workspace of gis_ann failed' in str(caught.value)
    assert 'the server answered status "failure"' in str(caught.value)


def test_an_id_listed_twice_is_selected_and_terminated_once(server, sim):
    twice = [{'id': 'dup', 'username': 'gis_joe'}, {'id': 'one', 'username': 'gis_joe'},
             {'id': 'dup', 'username': 'gis_joe', 'note': 'second copy'}]
    sim.add_fault(path='/deployments$', status=200, body={'nbDeployments': twice})
    api = client(server, token=sim.issue_token('admin'))
    listed = api.list_deployments()
    assert listed == twice[:2]
    selected = arcgis_utils.select_deployments(listed, owner='gis_joe')
    assert [entry['id'] for entry in selected] == ['dup', 'one']


def test_simulator_takes_a_post_token_from_the_form_body_only(server, sim):
    """So a module that sent its POST token in a header or the URL would fail the integration tests."""
    import requests
    token = sim.issue_token('admin')
    target = sim.running('gis_joe')[0]
    url = server.url + '/admin/notebooks/deployments/%s/terminateDeployment' % target
    in_header = requests.post(url, data={'f': 'json'}, headers={'X-Esri-Authorization': 'Bearer ' + token}, timeout=5)
    in_query = requests.post(url + '?token=' + token, data={'f': 'json'}, timeout=5)
    for answer in (in_header, in_query):
        assert answer.status_code == 200 and answer.json()['error']['code'] == 499
    assert target in sim.running('gis_joe')
    assert requests.post(url, data={'f': 'json', 'token': token}, timeout=5).json() == {'status': 'success'}
    assert target not in sim.running('gis_joe')
