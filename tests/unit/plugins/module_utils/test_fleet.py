# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleets (``_fleet``): the validators, the projects' arguments, the filters sent to the services and checked on
their answers, host variables and groups; and the listing calls against odd answers (a page repeated, more items
than announced, a cursor that goes round), which fail in one sentence instead of looping."""

from __future__ import annotations

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import STATELESS_KINDS, ECEClient, _parser_with_header
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, HttpClient
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import DCSClient, parse_error_body
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_signer import SdkHmacSha256Auth
from simulators.base import LocalCA, SimServer
from simulators.ece import DEMO_API_KEY, ECESimulator
from simulators.huawei_dcs import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, HuaweiDCSSimulator

PROJECT = '4b1e2c0d9f8a4e7b8c6d5e4f3a2b1c0d'


@pytest.mark.parametrize('projects, given, problem', [
    (None, False, None),
    ([dict(project_id='p1', region='ap-southeast-1'), dict(project_id='p2', endpoint='https://x')], False, None),
    ([dict(project_id='p1')], True, 'Give project_id or projects, not both.'),
    ([], False, 'projects must list at least one project'),
    (['p1'], False, 'Each entry of projects must be a mapping'),
    ([dict(region='ap-southeast-1')], False, 'Each entry of projects needs a project_id'),
    ([dict(project_id='p1', zone='a')], False, 'projects entries take project_id, region, endpoint, iam_endpoint; zone'),
    ([dict(project_id='p1', region=4)], False, 'projects: region of project p1 must be a string.'),
    ([dict(project_id='p1', region='r'), dict(project_id='p1', region='r')], False, 'projects lists project p1 twice'),
])
def test_projects_problem(projects, given, problem):
    found = _fleet.projects_problem(projects, given)
    assert (found is None) if problem is None else (problem in found), found


def test_each_project_takes_the_options_and_wins_over_them():
    args = dict(access_key='AK', region='ap-southeast-1', endpoint=None, projects=['ignored'])
    assert _fleet.project_args(args, None) == [dict(access_key='AK', region='ap-southeast-1', endpoint=None)]
    merged = _fleet.project_args(args, [dict(project_id='p1'), dict(project_id='p2', region='cn-north-4', endpoint='')])
    assert merged == [dict(access_key='AK', region='ap-southeast-1', endpoint=None, project_id='p1'),
                      dict(access_key='AK', region='cn-north-4', endpoint=None, project_id='p2')]


@pytest.mark.parametrize('params, problem', [
    (dict(page_size=1000), None),
    (dict(statuses=[], page_size=10), 'statuses must be a list of at least one value'),
    (dict(names=['ok', ' '], page_size=10), "names must hold non-empty strings; got ' '."),
    (dict(name_pattern='', page_size=10), 'name_pattern must be a non-empty pattern'),
    (dict(tags={'env': 1}, page_size=10), "tags must map tag keys to string values; got 'env': 1."),
    (dict(tags={}, page_size=10), 'tags must be a mapping of at least one tag key'),
    (dict(page_size=1001), 'page_size must be a number of items from 1 to 1000; got 1001.'),
    (dict(page_size=True), 'page_size must be a number of items from 1 to 1000; got True.'),
])
def test_dcs_filter_problem(params, problem):
    found = _fleet.dcs_filter_problem(params)
    assert (found is None) if problem is None else found == problem or problem in found, found


def test_one_value_filters_go_to_the_service_and_every_filter_is_checked_on_the_answer():
    params = dict(statuses=[' running'], names=['redis-1'], tags={'env': 'prod'}, engines=['REDIS'],
                  name_pattern='redis-*')
    assert _fleet.dcs_query(params) == dict(status='RUNNING', name='redis-1', name_equal='true', tags='env=prod')
    assert _fleet.dcs_query(dict(statuses=['RUNNING', 'FROZEN'], tags={'a': '1', 'b': '2'})) == {}
    instance = dict(instance_id='i', name='redis-1', status='RUNNING', engine='Redis',
                    tags=[dict(key='env', value='prod'), dict(key='team', value='pay'), 'odd'])
    assert _fleet.instance_matches(instance, params)
    for change in (dict(status='FROZEN'), dict(engine='Memcached'), dict(name='redis-2'), dict(tags=[])):
        assert not _fleet.instance_matches(dict(instance, **change), params), change
    assert not _fleet.instance_matches(dict(instance, name='cache-1'), dict(name_pattern='redis-*'))


def test_dcs_host_variables_and_groups():
    project = dict(project_id='p1', region='ap-southeast-1', endpoint='https://dcs', iam_endpoint=None)
    host = _fleet.dcs_host_vars(project, dict(instance_id='i1', name='n', status='RUNNING', engine='Redis',
                                              cache_mode='ha_rw_split', az_codes='odd', tags=[dict(key='k', value='v')]))
    assert host['dcs_instance_id'] == 'i1' and host['dcs_endpoint'] == 'https://dcs' and host['dcs_tags'] == {'k': 'v'}
    assert host['dcs_az_codes'] == [] and host['dcs_port'] is None
    assert _fleet.dcs_groups(host) == ['dcs_instances', 'dcs_region_ap_southeast_1', 'dcs_status_running',
                                       'dcs_engine_redis', 'dcs_cache_mode_ha_rw_split']


@pytest.mark.parametrize('params, problem', [
    (dict(listing='search', page_size=100), None),
    (dict(listing='scan'), 'listing must be one of search, list'),
    (dict(listing='list', tags={'env': 'prod'}), 'tags and query need listing: search'),
    (dict(listing='list', query={'match_all': {}}), 'tags and query need listing: search'),
    (dict(query=[]), 'query must be one Elasticsearch query'),
    (dict(query={'match': {}, 'term': {}}), 'query must be one Elasticsearch query'),
    (dict(name_prefix=' '), 'name_prefix must be a non-empty text.'),
    (dict(page_size=0), 'page_size must be a number of items from 1; got 0.'),
])
def test_ece_filter_problem(params, problem):
    found = _fleet.ece_filter_problem(params)
    assert (found is None) if problem is None else problem in found, found


def test_ece_filters_make_one_query_and_are_checked_on_the_answer():
    assert _fleet.ece_query({}) is None
    assert _fleet.ece_query(dict(name_prefix='prod-')) == {'prefix': {'name.keyword': {'value': 'prod-'}}}
    query = _fleet.ece_query(dict(names=['a', 'b'], tags={'env': 'prod'}, query={'match': {'name': {'query': 'x'}}}))
    clauses = query['bool']['filter']
    assert clauses[0] == {'bool': {'should': [{'term': {'name.keyword': {'value': 'a'}}},
                                              {'term': {'name.keyword': {'value': 'b'}}}], 'minimum_should_match': 1}}
    assert clauses[1]['nested']['path'] == 'metadata.tags' and clauses[2] == {'match': {'name': {'query': 'x'}}}
    deployment = dict(id='d', name='prod-1', metadata=dict(tags=[dict(key='env', value='prod')]))
    assert _fleet.deployment_matches(deployment, dict(name_prefix='prod-', tags={'env': 'prod'}, names=['prod-1']))
    assert not _fleet.deployment_matches(deployment, dict(tags={'env': 'dev'}))
    assert not _fleet.deployment_matches(dict(deployment, metadata='odd'), dict(tags={'env': 'prod'}))


def test_ece_records_from_a_search_and_from_the_plain_list():
    info = dict(status='started', healthy=False, plan_info=dict(current=dict(plan_attempt_id='a', plan={})),
                topology=dict(instances=[dict(instance_name='i-0', healthy=False, service_running=True,
                                              container_started=True, maintenance_mode=False)]))
    searched = dict(id='d1', name='one', healthy=False, metadata=dict(tags=[dict(key='env', value='prod')]),
                    resources=dict(kibana=[dict(ref_id='main-kibana', id='k', info=info)], apm=[{'no': 'ref_id'}]))
    record = _fleet.ece_record(searched, ['kibana', 'apm'])
    assert record['resources'] == {'kibana': [dict(ref_id='main-kibana', id='k', status='started', state='started',
                                                   healthy=False, maintenance_mode=False, unhealthy=True)], 'apm': []}
    assert _fleet.ece_groups(record) == ['ece_deployments', 'ece_unhealthy', 'ece_has_kibana', 'ece_unhealthy_kibana']
    listed = dict(id='d2', name='two', resources=[dict(kind='kibana', ref_id='main-kibana', id='k', region='r'),
                                                  dict(kind='elasticsearch', ref_id='es', id='e', region='r')])
    record = _fleet.ece_record(listed, ['kibana', 'apm'])
    assert record['healthy'] is None and record['resources']['kibana'][0]['status'] is None
    assert _fleet.ece_groups(record) == ['ece_deployments', 'ece_has_kibana']
    host = _fleet.ece_host_vars(record, 'https://coordinator:12443')
    assert host['ece_url'] == 'https://coordinator:12443' and host['ece_deployment_id'] == 'd2'


# --- the listing calls against odd answers ---------------------------------------------------------------------


@pytest.fixture(scope='module')
def tls():
    ca = LocalCA()
    ca.ca_file = ca.write_ca(ca.key_file + '.ca.pem')
    return ca


@pytest.fixture(scope='module')
def dcs_server(tls):
    with SimServer(HuaweiDCSSimulator(), tls=tls) as server:
        yield server


@pytest.fixture(scope='module')
def ece_server(tls):
    with SimServer(ECESimulator(), tls=tls) as server:
        yield server


def dcs_client(server, tls):
    http = HttpClient(server.url, ca_path=tls.ca_file, error_parser=parse_error_body, retries=0)
    http.session.auth = SdkHmacSha256Auth(DEMO_ACCESS_KEY, DEMO_SECRET_KEY, project_id=PROJECT)
    return DCSClient(http, PROJECT)


def ece_client(server, tls):
    http = HttpClient(server.url + '/api/v1', ca_path=tls.ca_file, error_parser=_parser_with_header, retries=0,
                      headers={'Authorization': 'ApiKey %s' % DEMO_API_KEY})
    return ECEClient(http)


@pytest.mark.parametrize('body, message', [
    ({'instance_num': '3', 'instances': []}, "the answer has no count of instances (instance_num: '3')"),
    ({'instance_num': 3}, 'the answer has no instances list (missing); refusing to read it as empty'),
    ({'instance_num': 1, 'instances': [{'name': 'no id'}]}, 'an instance without an instance_id'),
    ({'instance_num': 1, 'instances': [{'instance_id': 'a'}, {'instance_id': 'b'}]}, 'sent 2 instances but announced 1'),
    ({'instance_num': 5, 'instances': [{'instance_id': 'a'}]}, 'answered offset 1 with the page it gave for the previous'),
])
def test_odd_instance_lists_fail_in_one_sentence(dcs_server, tls, body, message):
    sim = dcs_server.simulator
    sim.reset()
    sim.projects.add(PROJECT)
    sim.add_fault(path='/instances$', status=200, body=body, count=-1)
    client = dcs_client(dcs_server, tls)
    with pytest.raises(ApiError) as caught:
        client.list_instances(region='ap-southeast-1')
    assert message in str(caught.value)
    assert str(caught.value).startswith('Listing the DCS instances of project %s in region ap-southeast-1 failed' % PROJECT)
    assert len(sim.logged()) <= 2
    client.close()


def test_an_instance_listed_twice_while_the_list_moves_is_kept_once(dcs_server, tls):
    sim = dcs_server.simulator
    sim.reset()
    ids = sim.add_fleet(PROJECT, 3)
    sim.add_fault(path='/instances$', status=200, body={'instance_num': 3, 'instances': [
        dict(sim.instances[ids[0]]['info']), dict(sim.instances[ids[1]]['info'])]})
    sim.add_fault(path='/instances$', status=200, body={'instance_num': 3, 'instances': [
        dict(sim.instances[ids[1]]['info'])]})
    client = dcs_client(dcs_server, tls)
    listed = client.list_instances(page_size=2)
    assert [instance['instance_id'] for instance in listed] == ids[:2]
    client.close()


def test_a_search_cursor_that_goes_round_fails_in_one_sentence(ece_server, tls):
    sim = ece_server.simulator
    sim.reset()
    deployment = {'id': 'd1', 'name': 'one', 'healthy': True, 'resources': {kind: [] for kind in STATELESS_KINDS}}
    page = {'return_count': 1, 'match_count': 5, 'cursor': 'c', 'deployments': [deployment]}
    sim.add_fault(path='/_search$', status=200, body=page, count=-1)
    client = ece_client(ece_server, tls)
    with pytest.raises(ApiError) as caught:
        client.search_deployments()
    assert 'the cursor gave deployments already read; stopping' in str(caught.value)
    assert len(sim.logged()) == 2
    sim.faults = []
    sim.add_fault(path='/_search$', status=200, body={'return_count': 0, 'deployments': {'d': 1}})
    with pytest.raises(ApiError) as caught:
        client.search_deployments()
    assert 'the answer has no deployments list (an object); refusing to read it as empty' in str(caught.value)
    client.close()


def test_a_searched_deployment_without_its_instance_list_fails_in_one_sentence(ece_server, tls):
    sim = ece_server.simulator
    sim.reset()
    resource = {'ref_id': 'main-kibana', 'id': 'k', 'info': {'status': 'started', 'topology': {'instances': None}}}
    resources = dict({kind: [] for kind in STATELESS_KINDS}, kibana=[resource])
    sim.add_fault(path='/_search$', status=200, body={'return_count': 1, 'match_count': 1, 'deployments': [
        {'id': 'd1', 'name': 'one', 'healthy': True, 'resources': resources}]})
    client = ece_client(ece_server, tls)
    with pytest.raises(ApiError) as caught:
        client.search_deployments()
    assert 'Searching the ECE deployments (deployment d1) (kibana main-kibana) failed' in str(caught.value)
    assert 'no info.topology.instances list (null)' in str(caught.value)
    client.close()


def test_a_search_stops_at_the_match_count_even_when_a_cursor_comes_back(ece_server, tls):
    sim = ece_server.simulator
    sim.reset()
    sim.deployments.clear()
    sim.add_fleet(5)
    client = ece_client(ece_server, tls)
    found = client.search_deployments(page_size=2)
    assert len(found) == 5 and [entry['json'] for entry in sim.logged()][1:] == [
        {'cursor': entry['json']['cursor']} for entry in sim.logged()[1:]]
    assert len(sim.logged()) == 3
    client.close()
