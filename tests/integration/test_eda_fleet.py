# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event sources watching what an inventory would list instead of fixed ids, with the inventory plugins' listing
code: every instance of two projects in two regions (one list request per project per poll, events that say where
the instance is, instances created later watched, a project that cannot be listed keeps its instances' state and
gets its own error event), every deployment one search finds (one request per poll for the whole fleet), and bad
filters refused before any request."""

from __future__ import annotations

import pytest

from ansible_collections.platform_ops.admin.extensions.eda.plugins.event_source import dcs_sessions, ece_stateless_health
from ansible_collections.platform_ops.admin.plugins.module_utils._events import SourceError
from dcs_support import (  # pylint: disable=unused-import
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    EAST,
    NORTH,
    dcs,
    dcs_server,
    region_b,
    region_b_server,
)
from ece_support import API_KEY, ece, ece_server  # pylint: disable=unused-import
from test_eda_sources import polls, stop


def fleet_args(dcs, region_b, **extra):
    args = dict(access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY, ca_path=dcs.ca_file, max_sessions=10,
                idle_longer_than=3600, debounce=1, error_threshold=2, jitter=0,
                projects=[dict(project_id=EAST, region='ap-southeast-1', endpoint=dcs.url),
                          dict(project_id=NORTH, region='cn-north-4', endpoint=region_b.url)])
    args.update(extra)
    return args


def lists(*served):
    return sum(len([entry for entry in each.sim.logged(method='GET') if entry['path'].endswith('/instances')])
               for each in served)


def test_dcs_source_watches_every_instance_of_two_projects_and_holds_a_project_it_cannot_list(dcs, region_b):
    (quiet,) = dcs.sim.add_fleet(EAST, 1, kind='single', sessions=3)
    (crowded,) = region_b.sim.add_fleet(NORTH, 1, kind='single', sessions=12)
    source = dcs_sessions.build(fleet_args(dcs, region_b))
    try:
        events = polls(source, 1)
        assert [(event['type'], event['instance_id'], event['project_id'], event['region'], event['endpoint'])
                for event in events] == [('started', crowded, NORTH, 'cn-north-4', region_b.url)]
        assert events[0]['detail']['sessions'] == 12 and lists(dcs, region_b) == 2

        # The keys of region B's project lose their rights there: its instance keeps its state (no cleared event),
        # then one error event names the project; the other project is still watched.
        region_b.sim.projects.discard(NORTH)
        (late,) = dcs.sim.add_fleet(EAST, 1, kind='single', sessions=11, prefix='late')
        events = polls(source, 2)
        assert [(event['type'], event.get('instance_id'), event.get('project_id')) for event in events] == [
            ('started', late, EAST), ('error', None, NORTH)]
        assert events[1]['region'] == 'cn-north-4' and 'HTTP 403 Forbidden' in events[1]['message']
        region_b.sim.projects.add(NORTH)
        events = polls(source, 1)
        assert [(event['type'], event.get('project_id')) for event in events] == [('recovered', NORTH)]
        assert quiet not in str(events)
    finally:
        stop(source)


@pytest.mark.parametrize('extra, message', [
    (dict(instance_ids=['a1b2']), 'projects select the instances to list: leave out instance_ids'),
    (dict(projects=None, project_id=EAST, instance_ids=['a1b2'], statuses=['RUNNING']),
     'statuses select the instances to list'),
    (dict(project_id=EAST), 'Give project_id or projects, not both.'),
    (dict(projects=[dict(project_id=EAST, zone='x')]), 'projects entries take project_id'),
    (dict(page_size=0), 'page_size must be a number of items from 1 to 1000'),
    (dict(tags={'team': 1}), "tags must map tag keys to string values; got 'team': 1."),
])
def test_dcs_source_refuses_bad_fleet_arguments_before_any_request(dcs, region_b, extra, message):
    args = fleet_args(dcs, region_b, **extra)
    if args.get('projects') is None:
        args.pop('projects')
        args['endpoint'] = dcs.url
    with pytest.raises(SourceError) as raised:
        dcs_sessions.build(args)
    assert message in str(raised.value)
    assert dcs.sim.logged() == [] and region_b.sim.logged() == []


def test_ece_source_watches_every_deployment_with_one_search_per_poll(ece):
    ece.sim.deployments.clear()
    ids = ece.sim.add_fleet(3, kinds=('kibana',))
    source = ece_stateless_health.build(dict(url=ece.url, api_key=API_KEY, ca_path=ece.ca_file, kinds=['kibana'],
                                             name_prefix='fleet-', debounce=1, jitter=0))
    try:
        assert polls(source, 1) == []
        ece.sim.resource(ids[2], 'kibana', 'main-kibana')['instances'][0]['healthy'] = False
        (late,) = ece.sim.add_fleet(1, kinds=('kibana',), unhealthy=lambda n: ['kibana'], prefix='fleet-late')
        ece.sim.add_fleet(1, kinds=('kibana',), unhealthy=lambda n: ['kibana'], prefix='other')  # not a fleet- name
        events = polls(source, 1)
        assert sorted((event['type'], event['deployment_id']) for event in events) == sorted(
            [('started', ids[2]), ('started', late)])
        searches = ece.sim.logged(path='/_search$')
        assert len(searches) == len(ece.sim.logged()) == 2  # one request per poll for the whole fleet
        assert searches[0]['json']['query'] == {'prefix': {'name.keyword': {'value': 'fleet-'}}}
    finally:
        stop(source)
    with pytest.raises(SourceError) as raised:
        ece_stateless_health.build(dict(url=ece.url, api_key=API_KEY, deployment_ids=['x'], tags={'env': 'prod'}))
    assert 'tags select the deployments to search' in str(raised.value)
    assert len(ece.sim.logged()) == 2
