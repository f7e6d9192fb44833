# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin platform_ops.admin.ece_deployments, run by ansible-inventory against the ECE simulator (every
request and answer checked against the vendor's spec): 200 deployments searched in two pages with the cursor, in
their health groups, a second load from the cache with no request and no secret in the cache; filters sent as a
search query; the plain list; bad input refused with one sentence before any request; only ``plugin`` with what the
AWX credential type injects; a rejected key fails the load with one sentence."""

from __future__ import annotations

from ece_support import API_KEY, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from inventory_support import files_text, graph, inventory, listed, write_config
from test_awx_credential_types import load, render

SEARCH = '/api/v1/deployments/_search'


def config(ece, **extra):
    result = dict(plugin='platform_ops.admin.ece_deployments', url=ece.url, api_key=API_KEY, ca_path=ece.ca_file)
    result.update(extra)
    return result


def fleet_of_200(ece):
    """200 deployments with Kibana and APM: every tenth Kibana unhealthy, every fifth deployment tagged prod."""
    ece.sim.deployments.clear()
    ids = ece.sim.add_fleet(200, kinds=('kibana', 'apm'), tags=lambda n: {'env': 'prod' if n % 5 == 0 else 'dev'},
                            unhealthy=lambda n: ['kibana'] if n % 10 == 0 else [])
    # The APM of deployment 5 (its Kibana is healthy) is stopped: not healthy, but not running either - not for a
    # restart.
    first = ids[5]
    apm = ece.sim.resource(first, 'apm', 'main-apm')
    for instance in apm['instances']:
        instance['running'] = False
    apm['status'] = 'stopped'
    return first


def ids_of(hostvars, name):
    return next(host for host, variables in hostvars.items() if variables['ece_deployment_name'] == name)


def test_200_deployments_searched_in_two_pages_into_their_groups_then_a_second_load_from_the_cache(
        ansible, ece, tmp_path):
    stopped_apm = fleet_of_200(ece)
    cache = tmp_path / 'cache'
    path = write_config(tmp_path, 'fleet.ece_deployments.yml', config(
        ece, kinds=['kibana', 'apm'], cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache),
        keyed_groups=[dict(key='ece_tags.env', prefix='env')]))
    groups = graph(inventory(ansible, path, '--graph'))
    assert len(groups['ece_deployments']) == 200
    assert len(groups['ece_has_kibana']) == 200 and len(groups['ece_has_apm']) == 200
    assert len(groups['ece_unhealthy_kibana']) == 20 and 'ece_unhealthy_apm' not in groups
    assert len(groups['ece_unhealthy']) == 21 and len(groups['ece_healthy']) == 179
    assert stopped_apm in groups['ece_unhealthy'] and stopped_apm not in groups.get('ece_unhealthy_apm', ())
    assert len(groups['env_prod']) == 40
    searches = ece.sim.logged(path=SEARCH)
    assert [entry['json'] for entry in searches][0] == {'size': 100, 'sort': [{'id': {'order': 'asc'}}]}
    assert len(searches) == 2 and list(searches[1]['json']) == ['cursor']
    assert len(ece.sim.logged()) == 2
    ece.sim.clear_log()

    groups, hostvars = listed(inventory(ansible, path, '--list'))
    assert ece.sim.logged() == []  # the cache answered
    assert len(groups['ece_deployments']) == 200
    variables = hostvars[stopped_apm]
    assert variables['ece_deployment_id'] == stopped_apm and variables['ece_url'] == ece.url
    assert variables['ansible_connection'] == 'local' and variables['ece_tags'] == {'env': 'prod'}
    assert variables['ece_resources']['apm'] == [dict(
        ref_id='main-apm', id=variables['ece_resources']['apm'][0]['id'], status='stopped', state='stopped',
        healthy=False, maintenance_mode=False, unhealthy=False)]
    assert variables['ece_resources']['kibana'][0]['unhealthy'] is False
    assert hostvars[ids_of(hostvars, 'fleet-0010')]['ece_resources']['kibana'][0]['unhealthy'] is True
    cached = files_text(cache)
    assert stopped_apm in cached and API_KEY not in cached


def test_filters_become_one_search_query_and_the_plain_list_needs_one_request(ansible, ece, tmp_path):
    fleet_of_200(ece)
    path = write_config(tmp_path, 'prod.ece_deployments.yml', config(
        ece, tags={'env': 'prod'}, name_prefix='fleet-01', hostnames='name', page_size=500))
    groups, hostvars = listed(inventory(ansible, path, '--list'))
    assert sorted(groups['ece_deployments']) == ['fleet-%04d' % n for n in range(100, 200, 5)]
    assert hostvars['fleet-0100']['ece_deployment_name'] == 'fleet-0100'
    search = ece.sim.logged(path=SEARCH)
    assert len(search) == 1 and search[0]['json']['query'] == {'bool': {'filter': [
        {'prefix': {'name.keyword': {'value': 'fleet-01'}}},
        {'nested': {'path': 'metadata.tags', 'query': {'bool': {'filter': [
            {'term': {'metadata.tags.key': {'value': 'env'}}}, {'term': {'metadata.tags.value': {'value': 'prod'}}}]}}}},
    ]}}
    ece.sim.clear_log()

    path = write_config(tmp_path, 'all.ece_deployments.yml', config(ece, listing='list', names=['fleet-0003']))
    groups, hostvars = listed(inventory(ansible, path, '--list'))
    assert [(entry['method'], entry['path']) for entry in ece.sim.logged()] == [('GET', '/api/v1/deployments')]
    (only,) = groups['ece_deployments']
    assert 'ece_healthy' not in groups and 'ece_unhealthy' not in groups  # the plain list has no health
    assert hostvars[only]['ece_healthy'] is None and hostvars[only]['ece_resources']['kibana'][0]['status'] is None
    assert only in groups['ece_has_kibana']


def test_bad_input_is_refused_with_one_sentence_before_any_request(ansible, ece, tmp_path):
    base = config(ece)
    cases = {
        'unknown.ece_deployments.yml': (dict(base, deployment_ids=['x']), 'unknown option deployment_ids for '
                                        'platform_ops.admin.ece_deployments (ansible-doc -t inventory '
                                        'platform_ops.admin.ece_deployments lists its options).'),
        'url.ece_deployments.yml': (dict(base, url='ftp://coordinator'),
                                    'url must be a URL such as https://coordinator.example.com:12443'),
        'nocreds.ece_deployments.yml': ({key: value for key, value in base.items() if key != 'api_key'},
                                        'Give either api_key (or ECE_API_KEY) or username and password'),
        'ca.ece_deployments.yml': (dict(base, ca_path=str(tmp_path / 'missing.pem')),
                                   "ca_path '%s' does not exist" % (tmp_path / 'missing.pem')),
        'list.ece_deployments.yml': (dict(base, listing='list', tags={'env': 'prod'}),
                                     'tags and query need listing: search'),
        'query.ece_deployments.yml': (dict(base, query={'match': {}, 'term': {}}), 'query must be one Elasticsearch '
                                      'query'),
        'both.ece_deployments.yml': (dict(base, username=USERNAME, password=PASSWORD),
                                     'parameters are mutually exclusive: api_key|username'),
    }
    paths = {name: write_config(tmp_path, name, given) for name, (given, _message) in cases.items()}
    completed = inventory(ansible, list(paths.values()), '--list', fail_unparsed=False)
    for name, (_given, message) in cases.items():
        assert '%s: %s' % (paths[name], message) in completed.stderr, (name, completed.stderr[-4000:])
    output = completed.stdout + completed.stderr
    assert 'Traceback' not in output and API_KEY not in output and PASSWORD not in output
    assert ece.sim.logged() == []


def test_only_plugin_with_the_awx_credential_then_a_rejected_key_fails_the_load(ansible, ece, tmp_path):
    env = render(load('ece_api_key'), dict(url=ece.url, api_key=API_KEY, ca_cert=open(ece.ca_file, encoding='utf-8').read(),
                                           validate_certs=True), tmp_path)
    path = write_config(tmp_path, 'awx.ece_deployments.yml', dict(plugin='platform_ops.admin.ece_deployments'))
    groups, _hostvars = listed(inventory(ansible, path, '--list', env=env))
    assert len(groups['ece_deployments']) == 1 and 'ece_unhealthy_kibana' in groups  # the demo deployment

    env['ECE_API_KEY'] = 'not-the-key'
    failed = inventory(ansible, path, '--list', env=env)
    assert failed.returncode != 0
    assert ('Searching the ECE deployments failed: POST %s/api/v1/deployments/_search answered HTTP 401 Unauthorized '
            'with error root.unauthorized' % ece.url) in failed.stderr, failed.stderr
    assert 'not-the-key' not in failed.stdout + failed.stderr and 'Traceback' not in failed.stderr
