# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Event-Driven Ansible sources (extensions/eda/plugins/event_source/) against the simulators, with an asyncio
queue as ansible-rulebook gives them: one event when a condition starts (after the debounce), one when it clears,
nothing in between; one error event after repeated failures and one when polling recovers, for the whole source or
one item; no secret in any event, tokens obtained at run time included; bad arguments refused before any request;
cancellation, between polls or in the middle of one, stops the source and closes its client."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time

import pytest

from ansible_collections.platform_ops.admin.extensions.eda.plugins.event_source import (
    dcs_sessions,
    ece_stateless_health,
    notebook_deployments,
)
from ansible_collections.platform_ops.admin.plugins.module_utils._events import SourceError
from conftest import ROOT, arcgis, arcgis_server  # pylint: disable=unused-import
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from simulators.huawei_dcs import IAM_DOMAIN, IAM_PASSWORD, IAM_USER
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from modrun import run_module


def assert_detail_documented(source, event):
    """Every key of an event's ``detail`` is named (C(key)) in the source's DOCUMENTATION and in the README's row of
    the source, where rulebooks and playbooks that use it look."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as handle:
        row = next(line for line in handle if line.startswith('| `%s`' % source.NAME))
    for key in event['detail']:
        assert 'C(%s)' % key in source.DOCUMENTATION, (source.NAME, key)
        assert '`%s`' % key in row.rsplit('|', 2)[-2], (source.NAME, key, row)


def drain(queue):
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def polls(source, count, queue=None):
    """Run ``count`` polls of ``source`` (no waiting between them); returns the events they gave."""
    queue = queue or asyncio.Queue()

    async def run():
        for _index in range(count):
            await source.poll_once(queue)
    asyncio.run(run())
    return drain(queue)


def stop(source):
    source.close()
    if source.executor is not None:
        source.executor.shutdown(wait=True)


def ece_args(ece, **extra):
    args = dict(url=ece.url, api_key=API_KEY, ca_path=ece.ca_file, deployment_ids=[DEPLOYMENT], jitter=0)
    args.update(extra)
    return args


def dcs_args(dcs, **extra):
    args = dict(endpoint=dcs.url, project_id=PROJECT_ID, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                ca_path=dcs.ca_file, instance_ids=[INSTANCE], max_sessions=10, idle_longer_than=3600, debounce=2,
                jitter=0)
    args.update(extra)
    return args


def record_closes(source):
    """A list that gets True each time a client of ``source`` is closed."""
    closed = []
    connect = source.connect

    def connect_and_record(stop_event):
        client = connect(stop_event)
        close = client.close
        client.close = lambda: (closed.append(True), close())
        return client
    source.connect = connect_and_record
    return closed


# --- ECE: Kibana unhealthy -> one event; healthy -> one clear event ---------------------------------------------


def test_ece_unhealthy_kibana_gives_one_started_event_then_one_cleared(ece):
    ece.set_instances('kibana', healthy=True)
    source = ece_stateless_health.build(ece_args(ece, debounce=2))
    queue = asyncio.Queue()
    assert polls(source, 2, queue) == []  # healthy; APM is stopped in the simulator's story, which is not "unhealthy"
    ece.set_instances('kibana', healthy=False)
    assert polls(source, 1, queue) == []  # one poll is not enough: debounce 2
    events = polls(source, 4, queue)
    assert [event['type'] for event in events] == ['started']
    event = events[0]
    assert (event['source'], event['condition'], event['deployment_id'], event['kind'], event['ref_id']) == (
        'platform_ops.admin.ece_stateless_health', 'unhealthy', DEPLOYMENT, 'kibana', 'main-kibana')
    assert event['polls'] == 2 and event['detail']['state'] == 'started' and event['detail']['healthy'] is False
    assert len(event['detail']['unhealthy_instances']) == 2
    assert_detail_documented(ece_stateless_health, event)
    ece.set_instances('kibana', healthy=True)
    assert polls(source, 1, queue) == []
    events = polls(source, 3, queue)
    assert [(event['type'], event['kind']) for event in events] == [('cleared', 'kibana')]
    assert events[0]['current'] == dict(status='started', state='started', healthy=True, maintenance_mode=False)
    stop(source)
    # One read per deployment per poll, nothing else.
    assert {(entry['method'], entry['path']) for entry in ece.sim.logged()} == {
        ('GET', '/api/v1/deployments/%s' % DEPLOYMENT)}
    assert len(ece.sim.logged()) == 2 + 1 + 4 + 1 + 3


def test_ece_a_flapping_resource_below_the_debounce_gives_no_event(ece):
    source = ece_stateless_health.build(ece_args(ece, debounce=3))
    queue = asyncio.Queue()
    for healthy in (False, False, True, False, True, False, False, True):
        ece.set_instances('kibana', healthy=healthy)
        assert polls(source, 1, queue) == []
    stop(source)


def test_ece_maintenance_mode_clears_and_says_so(ece):
    ece.set_instances('kibana', healthy=False)
    source = ece_stateless_health.build(ece_args(ece, debounce=1))
    assert [event['type'] for event in polls(source, 2)] == ['started']
    ece.set_instances('kibana', maintenance=True)
    events = polls(source, 2)
    stop(source)
    assert [(event['type'], event['current']['maintenance_mode']) for event in events] == [('cleared', True)]


def test_ece_event_within_two_poll_intervals_with_jitter_then_cancel_stops_polling(ece):
    ece.set_instances('kibana', healthy=True)
    interval = 0.3
    source = ece_stateless_health.build(ece_args(ece, interval=interval, debounce=2, kinds=['kibana'], jitter=0.5))
    closed = record_closes(source)

    async def scenario():
        queue = asyncio.Queue()
        task = asyncio.create_task(source.run(queue))
        await asyncio.sleep(interval * 1.5)
        assert queue.empty()
        ece.set_instances('kibana', healthy=False)
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
    # Jitter only shortens the waits: two polls at most, plus the polls' own time.
    assert took <= 2 * interval + 0.25, took
    assert len(ece.sim.logged()) == requests_at_cancel  # no poll after the cancellation
    assert closed == [True]  # one client for every poll, closed when the source stopped


def test_cancelled_in_the_middle_of_a_poll_the_source_stops_at_once_and_closes_its_client_after(ece):
    # parallel 1: the items one after the other (with more, the reads already under way finish, and no more start).
    source = ece_stateless_health.build(ece_args(ece, deployment_ids=[DEPLOYMENT, DEPLOYMENT], interval=0.1,
                                                 parallel=1))
    closed = record_closes(source)
    ece.sim.add_fault(path='/api/v1/deployments/', delay=1.0, count=1)  # the first read is slow

    async def scenario():
        task = asyncio.create_task(source.run(asyncio.Queue()))
        while not ece.sim.logged():
            await asyncio.sleep(0.02)
        task.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    cancelled_in = asyncio.run(scenario())
    assert cancelled_in < 0.3  # the task ends at once; the worker finishes its request in the background
    assert closed == []  # not closed under the worker's feet
    source.executor.shutdown(wait=True)
    assert closed == [True]  # closed once the worker was done
    assert len(ece.sim.logged()) == 1  # the second deployment was not read: the poll stopped at the next item


def test_interval_longer_than_the_default_backoff_is_accepted(ece):
    source = ece_stateless_health.build(ece_args(ece, interval=3600))
    assert source.backoff_max == 3600
    source = ece_stateless_health.build(ece_args(ece, interval=60))
    assert source.backoff_max == 300
    with pytest.raises(SourceError, match='backoff_max must be at least interval'):
        ece_stateless_health.build(ece_args(ece, interval=600, backoff_max=300))


# --- errors: one event after the threshold, one when it recovers, no secret ------------------------------------


def test_ece_errors_give_one_error_event_then_one_recovered_and_no_secret(ece):
    echo = 'Invalid key %s for user %s:%s' % (API_KEY, USERNAME, PASSWORD)
    ece.sim.add_fault(path='/api/v1/deployments/', status=500, count=5,
                      body={'errors': [{'code': 'root.unexpected', 'message': echo}]})
    source = ece_stateless_health.build(ece_args(ece, error_threshold=3, retries=0))
    queue = asyncio.Queue()
    assert polls(source, 2, queue) == []  # below the threshold
    assert source.client is None  # rebuilt after each failed poll
    events = polls(source, 3, queue)
    assert [event['type'] for event in events] == ['error']  # one, however many failures follow
    assert events[0]['failures'] == 3 and 'deployment_id' not in events[0]  # the whole source failed
    assert 'HTTP 500' in events[0]['message'] and 'root.unexpected' in events[0]['message']
    events += polls(source, 1, queue)
    assert [event['type'] for event in events] == ['error', 'recovered'] and events[1]['failures'] == 5
    stop(source)
    assert API_KEY not in json.dumps(events)


def test_one_deployment_that_fails_does_not_blind_the_source_to_the_others(ece):
    other = 'f0e1d2c3b4a5968778695a4b3c2d1e0f'
    ece.sim.add_deployment(other, 'other')
    ece.set_instances('kibana', deployment_id=other, healthy=False)
    source = ece_stateless_health.build(ece_args(ece, deployment_ids=[DEPLOYMENT, other], debounce=2,
                                                 error_threshold=2, kinds=['kibana']))
    ece.set_instances('kibana', healthy=False)
    events = polls(source, 2)
    assert sorted(event['deployment_id'] for event in events if event['type'] == 'started') == sorted([DEPLOYMENT, other])
    # The first deployment disappears (404); its Kibana keeps its state, the other one clears on its own.
    with ece.sim.lock:
        del ece.sim.deployments[DEPLOYMENT]
    ece.set_instances('kibana', deployment_id=other, healthy=True)
    events = polls(source, 3)
    assert [(event['type'], event.get('deployment_id')) for event in events] == [
        ('error', DEPLOYMENT), ('cleared', other)], events
    assert 'deployments.deployment_not_found' in events[0]['message']
    assert polls(source, 2) == []  # reported once
    ece.sim.add_deployment(DEPLOYMENT, 'observability')  # back, healthy
    events = polls(source, 2)
    stop(source)
    assert [(event['type'], event.get('deployment_id')) for event in events] == [
        ('recovered', DEPLOYMENT), ('cleared', DEPLOYMENT)], events


def test_basic_auth_secrets_are_masked_in_error_events(ece):
    token = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode()).decode()
    ece.sim.add_fault(path='/api/v1/deployments/', status=400, count=10,
                      body={'errors': [{'code': 'x', 'message': 'bad %s / %s' % (PASSWORD, token)}]})
    args = ece_args(ece, error_threshold=1, retries=0)
    del args['api_key']
    source = ece_stateless_health.build(dict(args, username=USERNAME, password=PASSWORD))
    events = polls(source, 1)
    stop(source)
    assert [event['type'] for event in events] == ['error']
    text = json.dumps(events)
    assert PASSWORD not in text and token not in text


def test_an_unexpected_error_is_an_error_event_with_every_secret_masked(ece):
    source = ece_stateless_health.build(ece_args(ece, error_threshold=1))

    def poll(_client, _observation):
        raise RuntimeError('library bug quoting its header: ApiKey %s' % API_KEY)
    source.poll = poll
    events = polls(source, 2)
    assert source.client is None
    stop(source)
    assert [event['type'] for event in events] == ['error']
    assert 'RuntimeError: library bug' in events[0]['message'] and API_KEY not in json.dumps(events)


def test_backoff_grows_after_failures_and_jitter_only_shortens(ece):
    source = ece_stateless_health.build(ece_args(ece, interval=10, backoff_max=60, jitter=0.5))
    source.rand = lambda: 0.0
    assert source.delay() == 10
    source.rand = lambda: 1.0
    assert source.delay() == 5
    source.rand = lambda: 0.0
    source.poll_failures.count = 1
    assert source.delay() == 20
    source.poll_failures.count = 3
    assert source.delay() == 60  # capped, and never above the cap whatever the jitter
    source.rand = lambda: 0.99
    assert 30 < source.delay() < 60


@pytest.mark.parametrize('args, message', [
    (dict(deployment_ids=['..']), 'deployment_ids must be an id'),
    (dict(deployment_ids=[]), 'deployment_ids must name at least one'),
    (dict(deployment_ids=[DEPLOYMENT], kinds=['elasticsearch']), 'kinds'),
    (dict(deployment_ids=[DEPLOYMENT], kinds=[]), 'kinds must name at least one'),
    (dict(deployment_ids=[DEPLOYMENT], interval=0), 'interval must be greater than 0'),
    (dict(deployment_ids=[DEPLOYMENT], debounce=0), 'debounce'),
    (dict(deployment_ids=[DEPLOYMENT], jitter=1.5), 'jitter'),
    (dict(deployment_ids=[DEPLOYMENT], color='red'), 'color'),
    (dict(deployment_ids=[DEPLOYMENT], url='ftp://ece.example.com'), 'url'),
    (dict(deployment_ids=[DEPLOYMENT], timeout=0), 'timeout must be greater than 0'),
    (dict(deployment_ids=[DEPLOYMENT], ca_path='/nonexistent/ca.pem'), "ca_path '/nonexistent/ca.pem' does not exist"),
    (dict(deployment_ids=[DEPLOYMENT], api_key=None), 'Give either api_key'),
])
def test_bad_arguments_fail_before_any_request(ece, monkeypatch, args, message):
    for name in ('ECE_API_KEY', 'ECE_USERNAME', 'ECE_PASSWORD', 'ECE_URL', 'ECE_CA_PATH'):
        monkeypatch.delenv(name, raising=False)
    given = dict(url=ece.url, api_key=API_KEY, ca_path=ece.ca_file)
    given.update(args)
    with pytest.raises(SourceError, match=message):
        ece_stateless_health.build({key: value for key, value in given.items() if value is not None})
    assert ece.sim.logged() == []


def test_a_password_in_the_url_is_refused_without_showing_it(ece):
    with pytest.raises(SourceError) as refused:
        ece_stateless_health.build(dict(url=ece.url.replace('https://', 'https://joe:s3cret-pw@'), api_key=API_KEY,
                                        deployment_ids=[DEPLOYMENT]))
    assert 's3cret-pw' not in str(refused.value) and 'url' in str(refused.value)
    assert ece.sim.logged() == []


def test_plain_http_warns_once_in_the_log(ece, caplog):
    with caplog.at_level('WARNING'):
        source = ece_stateless_health.build(dict(url=ece.url.replace('https://', 'http://'), api_key=API_KEY,
                                                 deployment_ids=[DEPLOYMENT], error_threshold=5, retries=0))
        polls(source, 3)
        stop(source)
    warnings = [record.getMessage() for record in caplog.records if 'plain http' in record.getMessage()]
    assert len(warnings) == 1 and API_KEY not in warnings[0]


def test_credentials_come_from_the_environment(ece, monkeypatch):
    monkeypatch.setenv('ECE_URL', ece.url)
    monkeypatch.setenv('ECE_API_KEY', API_KEY)
    monkeypatch.setenv('ECE_CA_PATH', ece.ca_file)
    ece.set_instances('kibana', healthy=False)
    source = ece_stateless_health.build(dict(deployment_ids=[DEPLOYMENT], debounce=1))
    events = polls(source, 1)
    stop(source)
    assert [event['type'] for event in events] == ['started']
    assert API_KEY not in json.dumps(events)


# --- DCS: sessions above a threshold on a node ------------------------------------------------------------------


def test_dcs_node_above_the_threshold_gives_one_event_then_clears_after_the_idle_are_killed(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=12, idle=lambda index: 7200 if index % 3 else 10)
    source = dcs_sessions.build(dcs_args(dcs))
    queue = asyncio.Queue()
    events = polls(source, 3, queue)
    assert [event['type'] for event in events] == ['started']
    event = events[0]
    assert (event['condition'], event['instance_id'], event['node_id']) == (
        'sessions_above_threshold', INSTANCE, dcs.node())
    assert event['detail'] == dict(sessions=12, max_sessions=10, idle=8, idle_longer_than=3600)
    assert_detail_documented(dcs_sessions, event)
    # What the example rulebook does: kill the idle sessions of that node.
    out = run_module('dcs_sessions', dcs.args(node_id=event['node_id'], idle_longer_than=3600))
    assert not out.failed and len(out.result['killed']) == 8, out
    assert polls(source, 1, queue) == []  # debounce 2
    events = polls(source, 1, queue)
    stop(source)
    assert [(event['type'], event['detail']['sessions'], event['current']) for event in events] == [
        ('cleared', 12, dict(sessions=4))]
    assert DEMO_SECRET_KEY not in json.dumps(events)


def test_dcs_iam_token_obtained_at_run_time_is_masked_in_error_events(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    args = dcs_args(dcs, iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN,
                    iam_endpoint=dcs.server.root, error_threshold=1, retries=0)
    del args['access_key'], args['secret_key']
    source = dcs_sessions.build(args)
    assert polls(source, 1) == []
    token = next(iter(dcs.sim.tokens))
    dcs.sim.add_fault(path='/logical-nodes$', status=500, count=1,
                      body={'error_code': 'DCS.5000', 'error_msg': 'internal error for token %s' % token})
    events = polls(source, 1)
    stop(source)
    assert [event['type'] for event in events] == ['error'] and 'DCS.5000' in events[0]['message']
    assert token not in json.dumps(events) and IAM_PASSWORD not in json.dumps(events)


def test_dcs_cancel_during_a_scan_wait_stops_the_worker_at_once(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    dcs.sim.scan_duration = 30.0
    source = dcs_sessions.build(dcs_args(dcs, wait_timeout=60))
    closed = record_closes(source)

    async def scenario():
        task = asyncio.create_task(source.run(asyncio.Queue()))
        while not dcs.sim.logged('POST', path='/clients$'):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # waiting for the scan job
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    started = time.monotonic()
    source.executor.shutdown(wait=True)
    assert time.monotonic() - started < 2  # the scan wait ended with the stop, not after 30 s
    assert closed == [True]
    assert dcs.sim.logged('GET', path='/clients$') == []  # no session list read after the stop


def test_dcs_a_parallel_poll_gives_the_events_of_a_serial_poll_sooner(dcs):
    # 24 instances, every third one crowded; one answers 403 (its error event names it, the others are read).
    dcs.sim.instances.clear()
    ids = dcs.sim.add_fleet(PROJECT_ID, 24, kind='single', sessions=12, idle=lambda index: 7200 if index % 3 else 10)
    for number, instance_id in enumerate(ids):
        if number % 3:
            nodes = dcs.sim.instances[instance_id]['sessions']
            dcs.sim.instances[instance_id]['sessions'] = {node: dict(list(sessions.items())[:4])
                                                          for node, sessions in nodes.items()}
    dcs.sim.add_fault(path='/instances/%s/logical-nodes' % ids[5], status=403, count=-1,
                      body={'error_code': 'DCS.4001', 'error_msg': 'No permission.'})
    runs = {}
    for parallel in (1, 8):
        dcs.sim.clear_log()
        source = dcs_sessions.build(dcs_args(dcs, instance_ids=ids, debounce=1, error_threshold=1, parallel=parallel))
        started = time.monotonic()
        events = polls(source, 1)
        runs[parallel] = (events, time.monotonic() - started, len(dcs.sim.logged()))
        stop(source)
    (serial, serial_time, serial_requests), (pooled, pooled_time, pooled_requests) = runs[1], runs[8]
    assert pooled == serial and pooled_requests == serial_requests
    assert [(event['type'], event.get('instance_id')) for event in serial] == [('error', ids[5])] + [
        ('started', instance_id) for number, instance_id in enumerate(ids) if number % 3 == 0]
    assert pooled_time * 3 < serial_time, (pooled_time, serial_time)


@pytest.mark.parametrize('args, message', [
    (dict(parallel=0), 'parallel must be between 1 and 64, got 0.'),
    (dict(parallel=65), 'parallel must be between 1 and 64, got 65.'),
    (dict(instance_ids=[]), 'instance_ids must name at least one'),
    (dict(instance_ids=['.']), 'instance_ids must be an id'),
    (dict(endpoint='https://u:pw-in-url@dcs.example.com'), 'endpoint'),
    (dict(secret_key=None), 'access_key'),
    (dict(wait_timeout=0), 'wait_timeout'),
    (dict(scan_timeout=0), 'wait_timeout'),  # the name of release 1.0.0, an alias
])
def test_dcs_bad_arguments_fail_before_any_request(dcs, monkeypatch, args, message):
    for name in ('HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_DCS_ENDPOINT'):
        monkeypatch.delenv(name, raising=False)
    given = dcs_args(dcs, **args)
    with pytest.raises(SourceError, match=message) as refused:
        dcs_sessions.build({key: value for key, value in given.items() if value is not None})
    assert 'pw-in-url' not in str(refused.value)
    assert dcs.sim.logged() == []


# --- ArcGIS: notebooks running too long --------------------------------------------------------------------------


def test_notebook_running_too_long_gives_one_event_then_clears_when_terminated(arcgis):
    old = arcgis.sim.add_deployment('gis_joe', age_minutes=600)
    arcgis.sim.add_deployment('gis_ann', age_minutes=600)
    password = arcgis.sim.users['admin']['password']
    source = notebook_deployments.build(dict(url=arcgis.url, username='admin', password=password,
                                             ca_path=arcgis.ca_file, older_than_minutes=480, owner='gis_joe',
                                             debounce=1, jitter=0))
    events = polls(source, 3)
    assert [(event['type'], event['deployment_id']) for event in events] == [('started', old['id'])]
    assert events[0]['detail']['owner'] == 'gis_joe' and events[0]['detail']['age_minutes'] >= 600
    assert_detail_documented(notebook_deployments, events[0])
    out = run_module('notebook_deployment', arcgis.args(deployment_ids=[old['id']], state='absent'))
    assert not out.failed, out
    events = polls(source, 2)
    assert [(event['type'], event['deployment_id'], event['current']) for event in events] == [
        ('cleared', old['id'], None)]
    assert len(arcgis.sim.logged(path='generateToken')) == 1  # one token for the source's polls
    # The token generated at run time, echoed by a failing server, is masked.
    token = next(iter(arcgis.sim.tokens))
    arcgis.sim.add_fault(path='/admin/notebooks/deployments', status=500, count=1,
                         body={'error': {'code': 500, 'message': 'token %s rejected' % token, 'details': []}})
    source.params['error_threshold'] = 1
    events = polls(source, 1)
    stop(source)
    assert [event['type'] for event in events] == ['error'] and 'rejected' in events[0]['message']
    text = json.dumps(events)
    assert password not in text and token not in text


def test_a_failing_deployment_beside_one_with_nothing_to_watch_is_an_item_error(ece):
    empty = 'a0b1c2d3e4f5061728394a5b6c7d8e9f'
    ece.sim.add_deployment(empty, 'no stateless resources', kinds={})
    source = ece_stateless_health.build(ece_args(ece, deployment_ids=[empty, 'gone'], error_threshold=1))
    events = polls(source, 1)
    kept = source.client is not None
    stop(source)
    # The readable deployment was read: the source worked, one deployment failed.
    assert [(event['type'], event.get('deployment_id')) for event in events] == [('error', 'gone')], events
    assert kept


@pytest.mark.parametrize('old, new, value', [('max_age_minutes', 'older_than_minutes', 480),
                                             ('scan_timeout', 'wait_timeout', 60.0)])
def test_the_option_names_of_release_1_0_0_still_work(arcgis, dcs, old, new, value):
    if new == 'older_than_minutes':
        source = notebook_deployments.build({'url': arcgis.url, 'token': 't', old: value})
    else:
        source = dcs_sessions.build(dcs_args(dcs, **{old: value}))
    assert source.module.params[new] == value
    stop(source)
