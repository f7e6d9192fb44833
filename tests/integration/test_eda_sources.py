# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible sources (extensions/eda/plugins/event_source/) against the simulators, with an asyncio
queue as ansible-rulebook gives them: one event when a condition starts (after the debounce), one when it clears,
nothing in between; one error event after repeated failures and one when polling recovers; no secret in any event;
bad arguments refused before any request; cancellation stops the source and closes its client."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from ansible_collections.platform_ops.admin.extensions.eda.plugins.event_source import (
    dcs_sessions,
    ece_stateless_health,
    notebook_deployments,
)
from ansible_collections.platform_ops.admin.plugins.module_utils._events import SourceError
from conftest import arcgis, arcgis_server  # pylint: disable=unused-import
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from modrun import run_module

KIBANA = ('kibana', 'main-kibana')


def drain(queue):
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def polls(source, count, queue, client=None):
    """Run ``count`` polls of ``source`` (no waiting between them); returns the client and the events."""
    async def run():
        nonlocal client
        for _index in range(count):
            client = await source.poll_once(queue, client)
        return client
    client = asyncio.run(run())
    return client, drain(queue)


def set_kibana_health(ece, healthy):
    with ece.sim.lock:
        for instance in ece.sim.resource(DEPLOYMENT, *KIBANA)['instances']:
            instance['healthy'] = healthy


def ece_args(ece, **extra):
    args = dict(url=ece.url, api_key=API_KEY, ca_path=ece.ca_file, deployment_ids=[DEPLOYMENT], jitter=0)
    args.update(extra)
    return args


# --- ECE: Kibana unhealthy -> one event; healthy -> one clear event ---------------------------------------------


def test_ece_unhealthy_kibana_gives_one_started_event_then_one_cleared(ece):
    set_kibana_health(ece, True)
    source = ece_stateless_health.build(ece_args(ece, debounce=2))
    queue = asyncio.Queue()
    client, events = polls(source, 2, queue)
    assert events == []  # healthy; APM is stopped in the simulator's story, which is not "unhealthy"
    set_kibana_health(ece, False)
    client, events = polls(source, 1, queue, client)
    assert events == []  # one poll is not enough: debounce 2
    client, events = polls(source, 4, queue, client)
    assert [event['type'] for event in events] == ['started']
    event = events[0]
    assert (event['source'], event['condition'], event['deployment_id'], event['kind'], event['ref_id']) == (
        'platform_ops.admin.ece_stateless_health', 'unhealthy', DEPLOYMENT, 'kibana', 'main-kibana')
    assert event['polls'] == 2 and event['detail']['state'] == 'started' and event['detail']['healthy'] is False
    assert len(event['detail']['unhealthy_instances']) == 2
    set_kibana_health(ece, True)
    client, events = polls(source, 1, queue, client)
    assert events == []
    client, events = polls(source, 3, queue, client)
    assert [(event['type'], event['kind']) for event in events] == [('cleared', 'kibana')]
    client.close()
    # One read per deployment per poll, nothing else.
    assert {(entry['method'], entry['path']) for entry in ece.sim.logged()} == {
        ('GET', '/api/v1/deployments/%s' % DEPLOYMENT)}
    assert len(ece.sim.logged()) == 2 + 1 + 4 + 1 + 3


def test_ece_a_flapping_resource_below_the_debounce_gives_no_event(ece):
    source = ece_stateless_health.build(ece_args(ece, debounce=3))
    queue = asyncio.Queue()
    client = None
    for healthy in (False, False, True, False, True, False, False, True):
        set_kibana_health(ece, healthy)
        client, events = polls(source, 1, queue, client)
        assert events == []
    client.close()


def test_ece_maintenance_mode_and_stopped_resources_are_left_alone(ece):
    set_kibana_health(ece, False)
    with ece.sim.lock:
        for instance in ece.sim.resource(DEPLOYMENT, *KIBANA)['instances']:
            instance['maintenance'] = True
    source = ece_stateless_health.build(ece_args(ece, debounce=1))
    client, events = polls(source, 2, asyncio.Queue())
    client.close()
    assert events == []


def test_ece_event_within_two_poll_intervals_then_cancel_stops_polling(ece):
    set_kibana_health(ece, True)
    interval = 0.3
    source = ece_stateless_health.build(ece_args(ece, interval=interval, debounce=2, kinds=['kibana']))
    closed = []
    connect = source.connect

    def connect_and_record_close():
        client = connect()
        close = client.close
        client.close = lambda: (closed.append(True), close())
        return client
    source.connect = connect_and_record_close

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(source.run(queue))
        await asyncio.sleep(interval * 1.5)
        assert queue.empty()
        set_kibana_health(ece, False)
        turned = time.monotonic()
        event = await asyncio.wait_for(queue.get(), timeout=5 * interval)
        took = time.monotonic() - turned
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        requests_at_cancel = len(ece.sim.logged())
        await asyncio.sleep(interval * 2)
        return event, took, requests_at_cancel

    event, took, requests_at_cancel = asyncio.run(scenario())
    assert event['type'] == 'started' and event['kind'] == 'kibana'
    assert took <= 2 * interval + 0.25, took  # two polls at most (plus the last poll's own time)
    assert len(ece.sim.logged()) == requests_at_cancel  # no poll after the cancellation
    assert closed == [True]  # one client for every poll, closed when the source stopped


# --- errors: one event after the threshold, one when it recovers, no secret ------------------------------------


def test_ece_errors_give_one_error_event_then_one_recovered_and_no_secret(ece):
    echo = 'Invalid key %s for user %s:%s' % (API_KEY, USERNAME, PASSWORD)
    ece.sim.add_fault(path='/api/v1/deployments/', status=500, count=5,
                      body={'errors': [{'code': 'root.unexpected', 'message': echo}]})
    source = ece_stateless_health.build(ece_args(ece, error_threshold=3, retries=0))
    queue = asyncio.Queue()
    client, events = polls(source, 2, queue)
    assert client is None and events == []  # below the threshold
    client, events = polls(source, 3, queue, client)
    assert [event['type'] for event in events] == ['error']  # one, however many failures follow
    assert events[0]['failures'] == 3
    assert 'HTTP 500' in events[0]['message'] and 'root.unexpected' in events[0]['message']
    client, events = polls(source, 1, queue, client)
    assert [event['type'] for event in events] == ['recovered'] and events[0]['failures'] == 5
    client.close()
    assert API_KEY not in json.dumps(events)


def test_basic_auth_secrets_are_masked_in_error_events(ece):
    token = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode()).decode()
    ece.sim.add_fault(path='/api/v1/deployments/', status=400, count=10,
                      body={'errors': [{'code': 'x', 'message': 'bad %s / %s' % (PASSWORD, token)}]})
    args = ece_args(ece, error_threshold=1, retries=0)
    del args['api_key']
    source = ece_stateless_health.build(dict(args, username=USERNAME, password=PASSWORD))
    _client, events = polls(source, 1, asyncio.Queue())
    assert [event['type'] for event in events] == ['error']
    text = json.dumps(events)
    assert PASSWORD not in text and token not in text


def test_backoff_grows_after_failures_up_to_the_maximum(ece):
    source = ece_stateless_health.build(ece_args(ece, interval=10, backoff_max=60, jitter=0.5))
    source.rand = lambda: 1.0  # the top of the jitter
    assert source.delay() == 15
    source.rand = lambda: 0.0
    assert source.delay() == 5
    source.rand = lambda: 0.5
    source.failures = 1
    assert source.delay() == 20
    source.failures = 3
    assert source.delay() == 60


@pytest.mark.parametrize('args, message', [
    (dict(deployment_ids=['..']), 'deployment_ids must be an id'),
    (dict(deployment_ids=[DEPLOYMENT], kinds=['elasticsearch']), 'kinds'),
    (dict(deployment_ids=[DEPLOYMENT], interval=0), 'interval must be greater than 0'),
    (dict(deployment_ids=[DEPLOYMENT], debounce=0), 'debounce'),
    (dict(deployment_ids=[DEPLOYMENT], jitter=1.5), 'jitter'),
    (dict(deployment_ids=[DEPLOYMENT], color='red'), 'color'),
])
def test_bad_arguments_fail_before_any_request(ece, args, message):
    with pytest.raises(SourceError, match=message):
        source = ece_stateless_health.build(dict(args, url=ece.url, api_key=API_KEY, ca_path=ece.ca_file))
        polls(source, 1, asyncio.Queue())
    assert ece.sim.logged() == []


def test_a_password_in_the_url_is_refused_without_showing_it(ece, monkeypatch):
    for name in ('ECE_API_KEY', 'ECE_USERNAME', 'ECE_PASSWORD', 'ECE_URL'):
        monkeypatch.delenv(name, raising=False)
    source = ece_stateless_health.build(dict(url=ece.url.replace('https://', 'https://joe:s3cret-pw@'),
                                             api_key=API_KEY, deployment_ids=[DEPLOYMENT], error_threshold=1))
    _client, events = polls(source, 1, asyncio.Queue())
    assert [event['type'] for event in events] == ['error']
    assert 's3cret-pw' not in json.dumps(events)
    assert ece.sim.logged() == []


def test_credentials_come_from_the_environment(ece, monkeypatch):
    monkeypatch.setenv('ECE_URL', ece.url)
    monkeypatch.setenv('ECE_API_KEY', API_KEY)
    monkeypatch.setenv('ECE_CA_PATH', ece.ca_file)
    set_kibana_health(ece, False)
    source = ece_stateless_health.build(dict(deployment_ids=[DEPLOYMENT], debounce=1))
    client, events = polls(source, 1, asyncio.Queue())
    client.close()
    assert [event['type'] for event in events] == ['started']
    assert API_KEY not in json.dumps(events)


# --- DCS: sessions above a threshold on a node ------------------------------------------------------------------


def test_dcs_node_above_the_threshold_gives_one_event_then_clears_after_the_idle_are_killed(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=12, idle=lambda index: 7200 if index % 3 else 10)
    args = dict(endpoint=dcs.url, project_id=PROJECT_ID, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                ca_path=dcs.ca_file, instance_ids=[INSTANCE], max_sessions=10, idle_longer_than=3600, debounce=2,
                jitter=0)
    source = dcs_sessions.build(args)
    queue = asyncio.Queue()
    client, events = polls(source, 3, queue)
    assert [event['type'] for event in events] == ['started']
    event = events[0]
    assert (event['condition'], event['instance_id'], event['node_id']) == (
        'sessions_above_threshold', INSTANCE, dcs.node())
    assert event['detail'] == dict(sessions=12, max_sessions=10, idle=8, idle_longer_than=3600)
    # What the example rulebook does: kill the idle sessions of that node.
    out = run_module('dcs_sessions', dcs.args(node_id=event['node_id'], idle_longer_than=3600))
    assert not out.failed and len(out.result['killed']) == 8, out
    client, events = polls(source, 2, queue, client)
    client.close()
    assert [(event['type'], event['detail']['sessions']) for event in events] == [('cleared', 12)]
    assert DEMO_SECRET_KEY not in json.dumps(events)


# --- ArcGIS: notebooks running too long --------------------------------------------------------------------------


def test_notebook_running_too_long_gives_one_event_then_clears_when_terminated(arcgis):
    old = arcgis.sim.add_deployment('gis_joe', age_minutes=600)
    arcgis.sim.add_deployment('gis_ann', age_minutes=600)
    password = arcgis.sim.users['admin']['password']
    source = notebook_deployments.build(dict(url=arcgis.url, username='admin', password=password,
                                             ca_path=arcgis.ca_file, max_age_minutes=480, owner='gis_joe',
                                             debounce=1, jitter=0))
    queue = asyncio.Queue()
    client, events = polls(source, 3, queue)
    assert [(event['type'], event['deployment_id']) for event in events] == [('started', old['id'])]
    assert events[0]['detail']['owner'] == 'gis_joe' and events[0]['detail']['age_minutes'] >= 600
    out = run_module('notebook_deployment', arcgis.args(deployment_ids=[old['id']], state='absent'))
    assert not out.failed, out
    client, events = polls(source, 2, queue, client)
    client.close()
    assert [(event['type'], event['deployment_id']) for event in events] == [('cleared', old['id'])]
    tokens = list(arcgis.sim.tokens)
    text = json.dumps(events)
    assert password not in text and all(token not in text for token in tokens)
    assert len(arcgis.sim.logged(path='generateToken')) == 1  # one token for the source's polls


def test_an_unexpected_error_is_an_error_event_with_every_secret_masked(ece):
    source = ece_stateless_health.build(ece_args(ece, error_threshold=1))

    def poll(_client):
        raise RuntimeError('library bug quoting its header: ApiKey %s' % API_KEY)
    source.poll = poll
    client, events = polls(source, 2, asyncio.Queue())
    assert client is None
    assert [event['type'] for event in events] == ['error']
    assert 'RuntimeError: library bug' in events[0]['message'] and API_KEY not in json.dumps(events)
