# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DCS vendor class: job polling (backoff, cap, deadline), paging, error bodies, signatures."""

from __future__ import annotations

import json
import time

import pytest
import requests

from ansible_collections.platform_ops.admin.plugins.module_utils import huawei_dcs
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, HttpClient
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import (
    DCSClient,
    JobError,
    parse_error_body,
    session_matches,
    session_nodes,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_signer import SdkHmacSha256Auth
from simulators.base import LocalCA, SimServer
from simulators.huawei_dcs import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, PROJECT_ID, HuaweiDCSSimulator

INSTANCE = 'b0000000-0000-4000-8000-000000000002'


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 4))
        self.now += seconds


class ScriptedClient(DCSClient):
    """A DCSClient whose job reads come from a function of the fake time."""

    def __init__(self, status_at, fake):
        super().__init__(http=None, project_id='p', sleep=fake.sleep, clock=fake.clock)
        self.status_at = status_at
        self.fake = fake

    def get_job(self, job_id):
        return {'job_id': job_id, 'status': self.status_at(self.fake.now), 'fail_reason': 'node down'}


def test_backoff_starts_short_grows_and_is_capped():
    fake = FakeTime()
    client = ScriptedClient(lambda now: 'SUCCESS' if now >= 40 else 'RUNNING', fake)
    job = client.wait_job('j1', timeout=100)
    assert job['status'] == 'SUCCESS'
    assert fake.sleeps[:5] == [0.5, 0.75, 1.125, 1.6875, 2.5312]
    assert max(fake.sleeps) == huawei_dcs.POLL_MAX and fake.sleeps[-3:] == [5.0, 5.0, 5.0]
    # Found out within one poll interval of the job ending.
    assert fake.now - 40 <= fake.sleeps[-1]


def test_deadline_gives_a_last_poll_then_fails_with_the_job_and_last_status():
    fake = FakeTime()
    client = ScriptedClient(lambda now: 'INIT' if now < 1 else 'RUNNING', fake)
    with pytest.raises(JobError) as caught:
        client.wait_job('j2', timeout=7, what='kill-all job')
    assert fake.now == pytest.approx(7) and sum(fake.sleeps) == pytest.approx(7, abs=1e-3)
    error = caught.value
    assert error.timed_out and error.job_id == 'j2'
    assert str(error) == 'DCS kill-all job j2 failed: no result after waiting 7s, the last status was RUNNING.'
    assert error.as_result()['job_status'] == 'RUNNING'


def test_fail_status_raises_with_the_reason():
    fake = FakeTime()
    client = ScriptedClient(lambda now: 'FAIL', fake)
    with pytest.raises(JobError) as caught:
        client.wait_job('j3', timeout=10)
    assert str(caught.value) == 'DCS job j3 failed: the job ended with status FAIL: node down.'
    assert caught.value.as_result()['fail_reason'] == 'node down'


def test_a_started_job_is_polled_at_once_when_its_first_delay_has_passed():
    fake = FakeTime()
    client = ScriptedClient(lambda now: 'SUCCESS', fake)
    fake.now = 3.0
    client.wait_job('j4', timeout=10, started=1.0)
    assert not any(fake.sleeps) and fake.now == 3.0


def test_error_bodies_are_read_verbatim():
    assert parse_error_body(None, {'error_code': 'DCS.4957', 'error_msg': 'Not now.', 'error_ext_msg': None}) == ('DCS.4957', 'Not now.')
    assert parse_error_body(None, {'error': {'code': '401', 'message': 'The username or password is wrong.'}}) == (
        '401', 'The username or password is wrong.')
    assert parse_error_body(None, ['x']) == (None, None)


def test_filters_and_session_nodes():
    session = {'addr': '10.0.0.5:2048', 'peer': '10.0.0.5:2048', 'idle': 100, 'name': 'web', 'db': '0', 'cmd': 'get'}
    assert session_matches(session, {})
    assert session_matches(session, {'client_addrs': ['10.0.0.5'], 'idle_longer_than': 99, 'name': 'web', 'db': '0',
                                     'cmd': 'get', 'addr_prefix': '10.0.'})
    assert not session_matches(session, {'idle_longer_than': 100})
    assert not session_matches(session, {'client_addrs': ['10.0.0.50']})
    nodes = [{'node_id': 'm', 'node_type': 'master', 'node_role': 'redis-server'},
             {'node_id': 'p', 'node_type': 'proxy', 'node_role': 'redis-proxy'}]
    assert [node['node_id'] for node in session_nodes(nodes)] == ['p']
    assert [node['node_id'] for node in session_nodes(nodes[:1])] == ['m']


@pytest.fixture(scope='module')
def served():
    tls = LocalCA()
    ca_file = tls.write_ca(tls.key_file + '.ca.pem')
    with SimServer(HuaweiDCSSimulator(), tls=tls) as server:
        yield server, ca_file


def signed_client(served, secret_key=DEMO_SECRET_KEY):
    server, ca_file = served
    http = HttpClient(server.url, ca_path=ca_file, error_parser=parse_error_body)
    http.session.auth = SdkHmacSha256Auth(DEMO_ACCESS_KEY, secret_key, project_id=PROJECT_ID)
    return DCSClient(http, PROJECT_ID)


def test_returns_within_one_poll_interval_of_the_job_finishing(served):
    """Real time against a simulator job of known duration."""
    sim = served[0].simulator
    sim.reset()
    sim.job_duration = 1.7
    sim.add_instance(INSTANCE, kind='single', sessions=3)
    client = signed_client(served)
    node_id = sim.session_node_ids(INSTANCE)[0]
    started = time.monotonic()
    job_id = client.kill_all(INSTANCE, node_id)
    client.wait_job(job_id, timeout=30)
    elapsed = time.monotonic() - started
    intervals = [later - earlier for earlier, later in zip([started] + client.polls, client.polls)]
    finished_after = sim.jobs[job_id]['done_at'] - sim.jobs[job_id]['created']
    assert finished_after == pytest.approx(1.7)
    # Polls at about 0.5, 1.25, 2.375 s: the job ended at 1.7 s, between the last two.
    assert elapsed >= 1.7
    assert elapsed - 1.7 <= intervals[-1], (elapsed, intervals)
    # That holds for any schedule; what makes it worth something is a short interval: the third poll of the
    # schedule (2.375 s, plus request time) saw SUCCESS, not a later one. (On a loaded machine the requests take
    # longer, and the second poll may already come after 1.7 s and see it.)
    assert len(client.polls) <= 3 and elapsed <= 2.375 + 0.6, (elapsed, intervals)
    print('job of %.1fs: returned after %.3fs, last poll interval %.3fs' % (1.7, elapsed, intervals[-1]))


def test_paging_reads_every_page(served):
    sim = served[0].simulator
    sim.reset()
    sim.add_instance(INSTANCE, kind='single', sessions=2500)
    client = signed_client(served)
    node_id = sim.session_node_ids(INSTANCE)[0]
    with pytest.raises(ApiError) as caught:
        client.list_clients(INSTANCE, node_id)
    assert 'answered HTTP 500 Internal Server Error with error DCS.5001' in str(caught.value)
    sessions = client.scan_sessions(INSTANCE, [node_id], timeout=10)[node_id]
    assert len(sessions) == 2500 and len({s['peer'] for s in sessions}) == 2500
    assert [entry['query']['offset'] for entry in sim.logged(method='GET', path='/clients$')][-3:] == [['0'], ['1000'], ['2000']]


def test_a_tampered_signature_is_rejected(served):
    sim = served[0].simulator
    sim.reset()
    client = signed_client(served)
    auth = client.http.session.auth

    def tamper(request):
        auth(request)
        request.headers['Authorization'] = request.headers['Authorization'][:-1] + (
            '0' if request.headers['Authorization'][-1] != '0' else '1')
        return request
    client.http.session.auth = tamper
    with pytest.raises(ApiError) as caught:
        client.logical_nodes(INSTANCE)
    assert caught.value.status == 401 and caught.value.code == 'APIGW.0301'
    assert 'verify aksk signature fail (the request signature or access key was rejected' in str(caught.value)
    # A body changed after signing is caught too: the signature covers the bytes sent.
    client.http.session.auth = auth
    original = client.http.session.auth.__call__

    def change_body(request):
        original(request)
        request.body = request.body.replace(b'true', b'false')
        request.headers['Content-Length'] = str(len(request.body))
        return request
    client.http.session.auth = change_body
    with pytest.raises(ApiError) as caught:
        client.kill_all(next(iter(sim.instances)))
    assert caught.value.code == 'APIGW.0301'
    client.http.session.auth = auth
    assert client.logical_nodes(next(iter(sim.instances)))


def test_requests_is_what_signs(served):
    assert isinstance(SdkHmacSha256Auth('a', 'b'), requests.auth.AuthBase)


def test_simulator_jobs_go_init_running_success(served):
    sim = served[0].simulator
    sim.reset()
    sim.job_duration = 1.0
    client = signed_client(served)
    instance_id = next(iter(sim.instances))
    job_id = client.kill_all(instance_id)
    seen = [client.get_job(job_id)['status']]
    time.sleep(0.5)
    seen.append(client.get_job(job_id)['status'])
    with pytest.raises(ApiError) as caught:
        client.kill_all(instance_id)
    assert caught.value.code == 'DCS.4957'
    time.sleep(0.6)
    job = client.get_job(job_id)
    assert seen + [job['status']] == ['INIT', 'RUNNING', 'SUCCESS']
    assert job['end_time'] and job['job_type'] == 'killAllClients'
    assert all(not sim.sessions_of(instance_id, node_id) for node_id in sim.session_node_ids(instance_id))


@pytest.mark.parametrize('path, body, message', [
    ('/logical-nodes', ['not', 'an', 'object'], 'the answer is JSON but not an object: list'),
    ('/logical-nodes', {'nodes': [{'name': 'no id'}]}, 'the node list has an entry without a node_id'),
    ('/logical-nodes', {'nodes': None}, 'the answer has no nodes list (null)'),
    ('/logical-nodes', {'instance_id': 'x', 'total': 2}, 'the answer has no nodes list (missing)'),
])
def test_unexpected_answers_fail_readably(served, path, body, message):
    sim = served[0].simulator
    sim.reset()
    sim.add_fault(path=path, status=200, body=body)
    with pytest.raises(ApiError) as caught:
        signed_client(served).logical_nodes(next(iter(sim.instances)))
    assert message in str(caught.value)


@pytest.mark.parametrize('body, message', [
    ({'count': 'many', 'clients': {}}, 'the answer has no clients list (an object)'),
    ({'count': 3, 'clients': None}, 'the answer has no clients list (null)'),
    ({'count': 3}, 'the answer has no clients list (missing)'),
    (None, 'the answer has no clients list (the answer is null)'),
    ({'count': None, 'clients': []}, 'the answer has no count of sessions (got None)'),
    ({'count': 2, 'clients': [1, 2]}, 'the session list has entries that are not objects'),
])
def test_an_odd_session_page_fails_readably(served, body, message):
    sim = served[0].simulator
    sim.reset()
    sim.add_fault(path='/clients$', method='GET', status=200, body=json.dumps(body),
                  headers={'Content-Type': 'application/json'})
    instance_id = next(iter(sim.instances))
    with pytest.raises(ApiError) as caught:
        signed_client(served).list_clients(instance_id, sim.session_node_ids(instance_id)[0])
    assert message in str(caught.value) and str(caught.value).startswith('Listing the sessions of node ')


@pytest.mark.parametrize('idle', ['n/a', None, [1], {'s': 1}, True, '', '1e3'])
def test_a_session_whose_idle_is_not_a_number_is_not_known_to_be_idle(idle):
    session = {'addr': '10.0.0.5:2048', 'peer': '10.0.0.5:2048', 'idle': idle}
    assert session_matches(session, {'idle_longer_than': 0}) is False
    assert session_matches(session, {'addr_prefix': '10.'}) is True


def test_an_idle_sent_as_digits_counts():
    assert session_matches({'addr': 'a:1', 'idle': ' 4000'}, {'idle_longer_than': 3600}) is True
    assert session_matches({'addr': 'a:1', 'idle': '30'}, {'idle_longer_than': 3600}) is False
    assert session_matches({'addr': 'a:1', 'idle': 3600.5}, {'idle_longer_than': 3600}) is True


def test_a_session_without_an_address_fails_readably(served):
    sim = served[0].simulator
    sim.reset()
    sim.add_fault(path='/clients$', method='GET', status=200,
                  body={'count': 2, 'clients': [{'addr': '10.0.0.5:2048', 'idle': 5}, {'id': '7', 'idle': 9}]})
    instance_id = next(iter(sim.instances))
    with pytest.raises(ApiError) as caught:
        signed_client(served).list_clients(instance_id, sim.session_node_ids(instance_id)[0])
    assert "the session list has a session without an address (addr/peer): {'id': '7', 'idle': 9}" in str(caught.value)


class TwoScans(DCSClient):
    """Scans of two nodes: node a's job ends exactly at the deadline, node b's after one second."""

    def __init__(self, fake, done_at):
        super().__init__(http=None, project_id='p', sleep=fake.sleep, clock=fake.clock)
        self.fake = fake
        self.done_at = done_at
        self.read = []

    def start_scan(self, instance_id, node_id, clean_cache=True):
        return 'job-' + node_id

    def get_job(self, job_id):
        self.read.append((job_id, self.fake.now))
        return {'job_id': job_id, 'status': 'SUCCESS' if self.fake.now >= self.done_at[job_id] else 'RUNNING'}

    def list_clients(self, instance_id, node_id):
        return [{'addr': '10.0.0.1:1'}]


def test_a_scan_whose_deadline_passed_while_another_was_waited_for_is_still_read():
    fake = FakeTime()
    client = TwoScans(fake, {'job-a': 2.0, 'job-b': 1.0})
    result = client.scan_sessions('i', ['a', 'b'], timeout=2)
    assert result == {'a': [{'addr': '10.0.0.1:1', 'node_id': 'a'}], 'b': [{'addr': '10.0.0.1:1', 'node_id': 'b'}]}
    assert client.read[-1] == ('job-b', 2.0)


def test_a_scan_still_running_after_the_shared_deadline_names_the_whole_wait():
    fake = FakeTime()
    client = TwoScans(fake, {'job-a': 2.0, 'job-b': 50.0})
    with pytest.raises(JobError) as caught:
        client.scan_sessions('i', ['a', 'b'], timeout=2)
    assert str(caught.value) == ('DCS session scan job job-b of node b failed: no result after waiting 2s, '
                                 'the last status was RUNNING.')
    assert fake.now == 2.0


def test_client_addrs_with_spaces_around_them_still_match():
    params = dict.fromkeys(huawei_dcs.SESSION_FILTERS)
    params['client_addrs'] = [' 10.0.0.5:2048', '10.0.0.6 ']
    assert huawei_dcs.filter_problem(params) is None
    filters = huawei_dcs.filters_from_params(params)
    assert session_matches({'addr': '10.0.0.5:2048', 'peer': '10.0.0.5:2048'}, filters)
    assert session_matches({'addr': '10.0.0.6:40000', 'peer': '10.0.0.6:40000'}, filters)


@pytest.mark.parametrize('method, call', [
    ('GET', lambda client: client.logical_nodes(INSTANCE)),
    ('POST', lambda client: client.kill_all(INSTANCE, 'n1')),
])
def test_a_redirect_is_an_error_and_no_credential_follows_it(method, call):
    """requests follows redirects by default and copies X-Auth-Token/X-Security-Token to the new host."""
    with SimServer(HuaweiDCSSimulator()) as server, SimServer(HuaweiDCSSimulator()) as elsewhere:
        server.simulator.add_fault(method=method, status=302, body={},
                                   headers={'Location': elsewhere.url + '/steal'}, count=5)
        http = HttpClient(server.url, error_parser=parse_error_body, secrets=['iam-token-secret-1'])
        http.session.auth = huawei_dcs.TokenAuth('iam-token-secret-1', project_id=PROJECT_ID)
        with pytest.raises(ApiError) as caught:
            call(DCSClient(http, PROJECT_ID, auth_kind='iam'))
        assert caught.value.status == 302
        assert elsewhere.simulator.logged() == []


def test_the_iam_password_does_not_follow_a_redirect():
    """A 307 keeps the method and body: followed, it would post the password to the other host."""
    with SimServer(HuaweiDCSSimulator()) as iam, SimServer(HuaweiDCSSimulator()) as elsewhere:
        iam.simulator.add_fault(path='/v3/auth/tokens', status=307, body={},
                                headers={'Location': elsewhere.url + '/v3/auth/tokens'})
        http = HttpClient(iam.url, error_parser=parse_error_body)
        params = dict(iam_username='u', iam_password='iam-password-secret-1', domain_name='d', project_id=PROJECT_ID)
        with pytest.raises(ApiError) as caught:
            huawei_dcs.request_token(http, iam.url, params)
        assert caught.value.status == 307
        assert elsewhere.simulator.logged() == []
