# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin platform_ops.admin.dcs_instances, run by ansible-inventory against two DCS simulators (two
regions): 600 instances with one list request per project, groups and host variables, a second load from the cache
with no request and no secret in the cache, paging, a region that answers 403 (the load fails naming it, or warns
with skip_failed_projects), bad input refused with one sentence before any request, and a configuration that is only
``plugin`` with what the AWX credential type injects."""

from __future__ import annotations

from ansible_collections.platform_ops.admin.plugins.module_utils import _fleet, huawei_dcs
from ansible_collections.platform_ops.admin.plugins.module_utils._options import OptionsModule
from dcs_support import (  # pylint: disable=unused-import
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    EAST,
    IAM_DOMAIN,
    IAM_PASSWORD,
    IAM_USER,
    NORTH,
    dcs,
    dcs_server,
    region_b,
    region_b_server,
)
from inventory_support import files_text, graph, inventory, listed, write_config
from test_awx_credential_types import load, render

FORBIDDEN = '9e8d7c6b5a4f4e3d2c1b0a9f8e7d6c5b'


def list_requests(served):
    return [entry for entry in served.sim.logged(method='GET') if entry['path'].endswith('/instances')]


def fleet_config(dcs, region_b, **extra):
    config = dict(plugin='platform_ops.admin.dcs_instances', access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                  ca_path=dcs.ca_file,
                  projects=[dict(project_id=EAST, region='ap-southeast-1', endpoint=dcs.url),
                            dict(project_id=NORTH, region='cn-north-4', endpoint=region_b.url)])
    config.update(extra)
    return config


def test_600_instances_in_two_regions_one_request_each_then_a_second_load_from_the_cache(
        ansible, dcs, region_b, tmp_path):
    dcs.sim.add_fleet(EAST, 450, tags={'env': 'prod'}, status=lambda n: 'FROZEN' if n % 50 == 0 else 'RUNNING')
    region_b.sim.add_fleet(NORTH, 150, kind='proxy', prefix='cache')
    cache = tmp_path / 'cache'
    path = write_config(tmp_path, 'fleet.dcs_instances.yml', fleet_config(
        dcs, region_b, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache),
        compose=dict(dcs_memory_mb='dcs_capacity * 1024'),
        keyed_groups=[dict(key="dcs_tags.env | default('none')", prefix='env')]))
    first = graph(inventory(ansible, path, '--graph'))
    assert len(first['dcs_instances']) == 600
    assert len(first['dcs_region_ap_southeast_1']) == 450 and len(first['dcs_region_cn_north_4']) == 150
    assert len(first['dcs_status_frozen']) == 9 and len(first['dcs_status_running']) == 591
    assert len(first['dcs_cache_mode_proxy']) == 150 and len(first['dcs_cache_mode_ha']) == 450
    assert len(first['env_prod']) == 450 and len(first['env_none']) == 150
    # One list request per project (instance_num <= limit 1000).
    for served, project in ((dcs, EAST), (region_b, NORTH)):
        requests = list_requests(served)
        assert [(entry['path'], entry['query']) for entry in requests] == [
            ('/v2/%s/instances' % project, {'offset': ['0'], 'limit': ['1000']})]
        served.sim.clear_log()

    groups, hostvars = listed(inventory(ansible, path, '--list'))
    assert dcs.sim.logged() == [] and region_b.sim.logged() == []  # the cache answered
    assert groups['dcs_instances'] == first['dcs_instances']
    host = sorted(groups['dcs_region_cn_north_4'])[0]
    variables = hostvars[host]
    assert variables['dcs_instance_id'] == host and variables['dcs_project_id'] == NORTH
    assert variables['dcs_endpoint'] == region_b.url and variables['dcs_region'] == 'cn-north-4'
    assert variables['dcs_iam_endpoint'] is None  # access keys: no IAM
    assert variables['ansible_connection'] == 'local' and variables['dcs_memory_mb'] == 8192
    assert variables['dcs_cache_mode'] == 'proxy' and variables['dcs_name'].startswith('cache-')
    assert variables['dcs_az_codes'] and variables['dcs_tags'] == {}
    cached = files_text(cache)
    assert host in cached and DEMO_SECRET_KEY not in cached


def test_paging_and_filters_sent_to_the_service_and_checked_on_the_answer(dcs):
    dcs.sim.add_fleet(EAST, 450, status=lambda n: 'FROZEN' if n % 3 == 0 else 'RUNNING',
                      tags=None, engine=lambda n: 'Memcached' if n % 5 == 0 else 'Redis')
    args = dict(project_id=EAST, endpoint=dcs.url, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                ca_path=dcs.ca_file, page_size=100)

    def fleet(**filters):
        module = OptionsModule(huawei_dcs.DCS, _fleet.dcs_filter_spec(), dict(args, **filters))
        return _fleet.DCSFleet([module])

    everything = fleet()
    assert len(everything.list(0)) == 450
    assert [entry['query']['offset'] for entry in list_requests(dcs)] == [['0'], ['100'], ['200'], ['300'], ['400']]
    dcs.sim.clear_log()
    # One status and one exact name go to the service; the engine and pattern are applied to its answer.
    running = fleet(statuses=['running'], engines=['redis'], name_pattern='redis-01*').list(0)
    assert sorted(instance['name'] for instance in running) == [
        'redis-%04d' % n for n in range(100, 200) if n % 3 and n % 5]
    assert [entry['query'].get('status') for entry in list_requests(dcs)] == [['RUNNING']] * 3
    dcs.sim.clear_log()
    named = fleet(names=['redis-0007']).list(0)
    assert [instance['name'] for instance in named] == ['redis-0007']
    assert list_requests(dcs)[0]['query']['name'] == ['redis-0007']
    assert list_requests(dcs)[0]['query']['name_equal'] == ['true']
    everything.close()


def test_a_region_answering_403_fails_the_load_naming_it_or_is_skipped_with_a_warning(
        ansible, dcs, region_b, tmp_path):
    dcs.sim.add_fleet(EAST, 5)
    config = fleet_config(dcs, region_b, cache=True, cache_plugin='ansible.builtin.jsonfile',
                          cache_connection=str(tmp_path / 'cache'))
    config['projects'][1]['project_id'] = FORBIDDEN  # not a project of these credentials in region B
    path = write_config(tmp_path, 'partial.dcs_instances.yml', config)
    failed = inventory(ansible, path, '--list')
    assert failed.returncode != 0
    assert ('Listing the DCS instances of project %s in region cn-north-4 failed: GET %s/v2/%s/instances?offset=0&'
            'limit=1000 answered HTTP 403 Forbidden with error APIGW.0302' % (FORBIDDEN, region_b.url, FORBIDDEN)
            ) in failed.stderr, failed.stderr
    assert 'Traceback' not in failed.stderr

    config['skip_failed_projects'] = True
    path = write_config(tmp_path, 'partial.dcs_instances.yml', config)
    completed = inventory(ansible, path, '--list')
    groups, _hostvars = listed(completed)
    assert len(groups['dcs_instances']) == 5
    assert 'HTTP 403 Forbidden' in completed.stderr and 'left out (skip_failed_projects)' in completed.stderr
    assert not (tmp_path / 'cache').exists() or files_text(tmp_path / 'cache') == ''  # an incomplete list is not cached


def test_bad_input_is_refused_with_one_sentence_before_any_request(ansible, dcs, region_b, tmp_path):
    base = fleet_config(dcs, region_b)
    cases = {
        'unknown.dcs_instances.yml': (dict(base, instance_ids=['x']), 'unknown option instance_ids for '
                                      'platform_ops.admin.dcs_instances (ansible-doc -t inventory '
                                      'platform_ops.admin.dcs_instances lists its options).'),
        'dot.dcs_instances.yml': (dict(base, projects=[dict(project_id='..', region='ap-southeast-1')]),
                                  "project_id must be an id, not '..'"),
        'url.dcs_instances.yml': (dict(base, projects=[dict(project_id=EAST, endpoint='ftp://dcs.example.com')]),
                                  'endpoint must be a URL such as https://dcs.ap-southeast-1.myhuaweicloud.com'),
        'nocreds.dcs_instances.yml': ({key: value for key, value in base.items() if key not in ('access_key', 'secret_key')},
                                      'Give access_key and secret_key (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK)'),
        'ca.dcs_instances.yml': (dict(base, ca_path=str(tmp_path / 'missing.pem')),
                                 "ca_path '%s' does not exist" % (tmp_path / 'missing.pem')),
        'entry.dcs_instances.yml': (dict(base, projects=[dict(project_id=EAST, zone='a')]),
                                    'projects entries take project_id, region, endpoint, iam_endpoint; zone'),
        'both.dcs_instances.yml': (dict(base, project_id=EAST), 'Give project_id or projects, not both.'),
        'filter.dcs_instances.yml': (dict(base, page_size=5000), 'page_size must be a number of items from 1 to 1000'),
    }
    paths = {name: write_config(tmp_path, name, config) for name, (config, _message) in cases.items()}
    completed = inventory(ansible, list(paths.values()), '--list', fail_unparsed=False)
    for name, (_config, message) in cases.items():
        assert '%s: %s' % (paths[name], message) in completed.stderr, (name, completed.stderr[-4000:])
    assert 'Traceback' not in completed.stderr and DEMO_SECRET_KEY not in completed.stderr
    assert dcs.sim.logged() == [] and region_b.sim.logged() == []


def test_only_plugin_with_the_awx_iam_credential_then_one_token_per_project_no_secret_shown(ansible, dcs, tmp_path):
    dcs.sim.add_fleet(EAST, 4)
    dcs.sim.add_fleet(NORTH, 2)
    env = render(load('huawei_dcs_iam'), dict(
        iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN, project_id=EAST, endpoint=dcs.url,
        iam_endpoint=dcs.server.root, ca_cert=open(dcs.ca_file, encoding='utf-8').read(), validate_certs=True), tmp_path)
    assert env['HUAWEICLOUD_SDK_REGION'] == ''  # left blank, as AWX renders it
    path = write_config(tmp_path, 'awx.dcs_instances.yml', dict(plugin='platform_ops.admin.dcs_instances'))
    output = tmp_path / 'inventory.json'
    completed = inventory(ansible, path, '--list', '-vvvv', '--output', str(output), env=env)
    groups, hostvars = listed(completed, output)
    assert len(groups['dcs_instances']) == 4
    assert [entry['path'] for entry in dcs.sim.logged()] == ['/v3/auth/tokens', '/v2/%s/instances' % EAST]
    variables = next(iter(hostvars.values()))
    assert variables['dcs_iam_endpoint'] == dcs.server.root and variables['dcs_region'] is None
    tokens = list(dcs.sim.tokens)
    shown = completed.stdout + completed.stderr + output.read_text(encoding='utf-8')
    assert tokens and not any(token in shown for token in tokens) and IAM_PASSWORD not in shown

    # Two projects: an IAM token is scoped to one project, so one token each.
    dcs.sim.clear_log()
    path = write_config(tmp_path, 'two.dcs_instances.yml', dict(plugin='platform_ops.admin.dcs_instances', projects=[
        dict(project_id=EAST), dict(project_id=NORTH)]))
    groups, _hostvars = listed(inventory(ansible, path, '--list', env=env))
    assert len(groups['dcs_instances']) == 6
    scopes = [entry['json']['auth']['scope']['project']['id'] for entry in dcs.sim.logged(path='/v3/auth/tokens')]
    assert scopes == [EAST, NORTH]
