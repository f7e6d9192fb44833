# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared HTTP client: retry policy (reads vs writes), redaction, error sentences, JSON decoding."""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
from werkzeug.routing import Map, Rule

from ansible_collections.platform_ops.admin.plugins.module_utils import http_client as http_utils
from ansible_collections.platform_ops.admin.plugins.module_utils._module import ca_path_problem, url_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import (
    ACCEPTED,
    REFUSED,
    UNCLEAR,
    ApiError,
    HttpClient,
    Redactor,
    write_outcome,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.version import COLLECTION_VERSION
from simulators.base import SimServer, Simulator, LocalCA, json_response

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


class EchoSimulator(Simulator):
    """Answers every path with a small JSON document; faults do the interesting part."""

    name = 'echo'
    url_map = Map([Rule('/<path:anything>', endpoint='echo')])

    def on_echo(self, request, anything):
        return json_response({'path': anything, 'method': request.method})


@pytest.fixture(scope='module')
def server():
    with SimServer(EchoSimulator()) as running:
        yield running


@pytest.fixture
def sim(server):
    server.simulator.reset()
    return server.simulator


def client(server, **kwargs):
    kwargs.setdefault('retries', 3)
    return HttpClient(server.url, **kwargs)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(http_utils, 'BACKOFF_FACTOR', 0.01)


# --- retry policy ---------------------------------------------------------------------------


@pytest.mark.parametrize('status', [429, 502, 503, 504])
def test_read_is_retried_on_transient_status(server, sim, status):
    sim.add_fault(path='/thing', status=status, count=2)
    response = client(server).request('GET', 'thing', 'Reading a thing')
    assert response.json() == {'path': 'thing', 'method': 'GET'}
    assert len(sim.logged(path='/thing')) == 3


@pytest.mark.parametrize('status', [429, 503])
def test_write_is_retried_when_server_guarantees_it_was_not_applied(server, sim, status):
    sim.add_fault(path='/thing', method='POST', status=status, count=1)
    client(server).request('POST', 'thing', 'Changing a thing', data={'a': 1})
    assert len(sim.logged(method='POST')) == 2


@pytest.mark.parametrize('status', [502, 504, 500])
def test_write_is_not_retried_when_it_may_have_been_applied(server, sim, status):
    sim.add_fault(path='/thing', method='POST', status=status, body='{"message": "proxy"}', count=5)
    with pytest.raises(ApiError) as info:
        client(server).request('POST', 'thing', 'Restarting a thing')
    assert len(sim.logged(method='POST')) == 1
    assert info.value.status == status
    assert info.value.retries == 0


def test_read_is_not_retried_on_500(server, sim):
    sim.add_fault(path='/thing', status=500, count=5)
    with pytest.raises(ApiError):
        client(server).request('GET', 'thing', 'Reading a thing')
    assert len(sim.logged()) == 1


def test_retries_zero_sends_once(server, sim):
    sim.add_fault(path='/thing', status=503, count=5)
    with pytest.raises(ApiError) as info:
        client(server, retries=0).request('GET', 'thing', 'Reading a thing')
    assert len(sim.logged()) == 1
    assert '503' in str(info.value)


def test_retries_exhausted_reports_the_count(server, sim):
    sim.add_fault(path='/thing', status=503, count=10)
    with pytest.raises(ApiError) as info:
        client(server, retries=2).request('GET', 'thing', 'Reading a thing')
    assert len(sim.logged()) == 3
    assert info.value.retries == 2
    assert str(info.value).endswith('after 2 retries.')


def test_retry_after_is_honoured(server, sim):
    sim.add_fault(path='/thing', status=429, headers={'Retry-After': '1'}, count=1)
    started = time.monotonic()
    client(server).request('GET', 'thing', 'Reading a thing')
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 3.0
    first, second = sim.logged()
    assert second['time'] - first['time'] >= 0.95


def test_retry_after_is_capped(monkeypatch, server, sim):
    monkeypatch.setattr(http_utils, 'MAX_RETRY_AFTER', 0.2)
    sim.add_fault(path='/thing', status=503, headers={'Retry-After': '3600'}, count=1)
    started = time.monotonic()
    client(server).request('GET', 'thing', 'Reading a thing')
    assert time.monotonic() - started < 2


def test_read_timeout_is_retried_for_reads_only(server, sim):
    sim.add_fault(path='/slow', delay=0.6, count=1)
    response = client(server, timeout=0.3).request('GET', 'slow', 'Reading slowly')
    assert response.status_code == 200
    assert len(sim.logged(path='/slow')) == 2

    sim.clear_log()
    sim.add_fault(path='/slow', method='POST', delay=0.6, count=1)
    with pytest.raises(ApiError) as info:
        client(server, timeout=0.3).request('POST', 'slow', 'Writing slowly')
    assert len(sim.logged(path='/slow')) == 1
    assert 'no answer within 0.3s' in str(info.value)
    time.sleep(0.4)  # let the server thread finish the delayed answer


def _closed_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_connection_refused_is_retried_for_writes_and_reported(monkeypatch):
    attempts = []
    original = http_utils.RetryPolicy.increment

    def counting(self, *args, **kwargs):
        attempts.append(kwargs.get('method') or (args[0] if args else None))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(http_utils.RetryPolicy, 'increment', counting)
    url = 'http://127.0.0.1:%d' % _closed_port()
    with pytest.raises(ApiError) as info:
        HttpClient(url, retries=2).request('POST', 'thing', 'Writing a thing')
    assert len(attempts) == 3  # the first try and two retries: the request never left
    assert 'could not connect' in str(info.value) or 'gave up retrying' in str(info.value)
    assert 'Traceback' not in str(info.value)


# --- TLS ---------------------------------------------------------------------------------------


def test_tls_verified_by_default_and_ca_path_trusts_private_ca(tmp_path):
    ca = LocalCA()
    with SimServer(EchoSimulator(), tls=ca) as server:
        with pytest.raises(ApiError) as info:
            HttpClient(server.url, retries=0).request('GET', 'x', 'Reading x')
        assert 'TLS verification failed' in str(info.value) and 'ca_path' in str(info.value)
        ca_path = ca.write_ca(tmp_path / 'ca.pem')
        assert HttpClient(server.url, ca_path=ca_path).request('GET', 'x', 'Reading x').status_code == 200
        assert HttpClient(server.url, validate_certs=False).request('GET', 'x', 'Reading x').status_code == 200


def test_one_pooled_connection_is_reused(server, sim):
    http = client(server)
    for _attempt in range(20):
        http.request('GET', 'thing', 'Reading a thing')
    ports = {entry['client_port'] for entry in sim.logged()}
    assert len(ports) == 1


def test_user_agent_names_the_collection(server, sim):
    client(server).request('GET', 'thing', 'Reading a thing')
    assert sim.logged()[0]['headers']['user-agent'].startswith('platform_ops.admin/%s ' % COLLECTION_VERSION)


def test_version_matches_galaxy_yml():
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        assert re.search(r'^version: %s$' % re.escape(COLLECTION_VERSION), handle.read(), re.M)


# --- errors and JSON ---------------------------------------------------------------------------


def test_non_json_502_page_is_quoted_readably_after_retries(server, sim):
    page = '<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1></body></html>'
    sim.add_fault(path='/thing', status=502, body=page, headers={'Content-Type': 'text/html'}, count=10)
    with pytest.raises(ApiError) as info:
        client(server, retries=1).request('GET', 'thing', 'Reading a thing')
    text = str(info.value)
    assert text.startswith('Reading a thing failed: GET %s/thing answered HTTP 502 Bad Gateway' % server.url)
    assert "non-JSON body (text/html): '<html><head><title>502 Bad Gateway</title></head> <body>" in text
    assert text.endswith('after 1 retry.')
    assert '\n' not in text


def test_non_json_success_body_fails_readably(server, sim):
    sim.add_fault(path='/thing', status=200, body='<html>login page</html>', headers={'Content-Type': 'text/html'})
    http = client(server)
    response = http.request('GET', 'thing', 'Reading a thing')
    with pytest.raises(ApiError) as info:
        http.json(response, 'Reading a thing')
    assert "HTTP 200 (non-JSON body (text/html): '<html>login page</html>')" in str(info.value)


def test_empty_body_decodes_to_none(server, sim):
    sim.add_fault(path='/thing', status=204, body='')
    http = client(server)
    assert http.json(http.request('POST', 'thing', 'Killing'), 'Killing') is None


def test_vendor_error_parser_feeds_the_sentence(server, sim):
    sim.add_fault(path='/thing', status=400, body={'error_code': 'DCS.4957', 'error_msg': 'Instance busy.'})
    http = client(server, error_parser=lambda response, body: (body.get('error_code'), body.get('error_msg')))
    with pytest.raises(ApiError) as info:
        http.request('POST', 'thing', 'Killing sessions of instance i-1')
    assert str(info.value) == ('Killing sessions of instance i-1 failed: POST %s/thing answered HTTP 400 Bad Request '
                               'with error DCS.4957: Instance busy.' % server.url)
    assert info.value.as_result() == {
        'operation': 'Killing sessions of instance i-1', 'method': 'POST', 'url': server.url + '/thing',
        'http_status': 400, 'error_code': 'DCS.4957', 'vendor_message': 'Instance busy.'}


def test_error_sentence_without_status():
    error = ApiError('Reading x', method='GET', url='https://h/x', reason='could not connect: refused.')
    assert str(error) == 'Reading x failed: GET https://h/x: could not connect: refused.'


# --- redaction ---------------------------------------------------------------------------------


def test_redactor_hides_raw_and_url_encoded_secrets():
    redact = Redactor(['s3cr3t/+ x', None, ''])
    text = 'a s3cr3t/+ x b s3cr3t%2F%2B%20x c s3cr3t%2F%2B+x'
    assert redact(text) == 'a ******** b ******** c ********'
    assert 's3cr3t/+ x' in redact


def test_secrets_never_reach_an_error_message(server, sim):
    secret = 'tok-123456789'
    sim.add_fault(path='/thing', status=403,
                  body={'error_code': secret, 'error_msg': 'token %s is not allowed' % secret})
    http = client(server, secrets=[secret],
                  error_parser=lambda response, body: (body.get('error_code'), body.get('error_msg')))
    with pytest.raises(ApiError) as info:
        http.request('GET', 'thing?token=%s' % secret, 'Reading a thing')
    text = str(info.value) + repr(info.value.as_result())
    assert secret not in text
    assert text.count('********') >= 3


def test_secret_in_non_json_page_is_redacted(server, sim):
    secret = 'hunter2-password'
    sim.add_fault(path='/thing', status=500, body='<html>bad password %s</html>' % secret)
    http = client(server, secrets=[secret])
    with pytest.raises(ApiError) as info:
        http.request('GET', 'thing', 'Reading a thing')
    assert secret not in str(info.value)
    assert '********' in str(info.value)


def test_ca_path_wins_over_requests_ca_bundle_environment(monkeypatch, tmp_path):
    ca = LocalCA()
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', str(tmp_path / 'not-this-one.pem'))
    monkeypatch.setenv('CURL_CA_BUNDLE', str(tmp_path / 'not-this-one.pem'))
    with SimServer(EchoSimulator(), tls=ca) as server:
        http = HttpClient(server.url, ca_path=ca.write_ca(tmp_path / 'ca.pem'), retries=0)
        assert http.request('GET', 'x', 'Reading x').status_code == 200


@pytest.mark.parametrize('method,status', [('GET', 302), ('POST', 307), ('POST', 301)])
def test_redirects_are_not_followed_so_no_credential_leaves(server, sim, method, status):
    """A redirect to another host must not carry the credential header or the body (token) there."""
    with SimServer(EchoSimulator()) as elsewhere:
        sim.add_fault(path='/thing', status=status, headers={'Location': elsewhere.url + '/stolen'})
        http = client(server, headers={'X-Auth-Token': 'tok-secret-123'}, secrets=['tok-secret-123'])
        with pytest.raises(ApiError) as info:
            http.request(method, 'thing', 'Reading a thing', data={'token': 'tok-secret-123'} if method == 'POST' else None)
        assert elsewhere.simulator.logged() == []
    assert len(sim.logged()) == 1
    assert 'redirected to %s/stolen, which is not followed' % elsewhere.url in str(info.value)
    assert str(info.value).startswith('Reading a thing failed: %s %s/thing answered HTTP %d' % (method, server.url, status))


def test_json_null_body_decodes_to_none_and_is_not_called_non_json(server, sim):
    sim.add_fault(path='/thing', status=200, body='null', headers={'Content-Type': 'application/json'})
    http = client(server)
    assert http.json(http.request('GET', 'thing', 'Reading a thing'), 'Reading a thing') is None
    sim.add_fault(path='/thing', status=500, body='null', headers={'Content-Type': 'application/json'})
    with pytest.raises(ApiError) as info:
        http.request('GET', 'thing', 'Reading a thing')
    assert 'non-JSON' not in str(info.value)


# --- hardening: path segments, URL options, derived secrets, maybe-applied writes, deadline -------------------


@pytest.mark.parametrize('segment', ['', '.', '..', ' .. ', None])
def test_unsafe_path_segment_is_refused_before_sending(server, sim, segment):
    with pytest.raises(ApiError) as info:
        client(server).request('DELETE', ('deployments', 'd1', 'kibana', segment), 'Deleting kibana')
    assert 'cannot be used as an id in a URL path' in str(info.value)
    assert sim.logged() == []


def test_path_segments_are_encoded_whole(server, sim):
    client(server).request('GET', ('a b', 'c/d', '%2e%2e', '?x=1#y'), 'Reading')
    (entry,) = sim.logged()
    # The server decodes once: every segment arrives as given, '/' inside one included.
    assert entry['path'] == '/a b/c%2Fd/%2e%2e/?x=1#y' and entry['query'] == {}


@pytest.mark.parametrize('value, words', [
    ('https://admin:s3cret@ece.example.com:12443', 'must not carry credentials'),
    ('https://x@127.0.0.1:1234', 'must not carry credentials'),
    ('ftp://ece.example.com', 'must be a URL such as'),
    ('https://', 'must be a URL such as'),
    ('ece.example.com', 'must be a URL such as'),
    ('https://ece.example.com/?a=1', 'query string or fragment'),
    ('https://ece.example.com/?', 'query string or fragment'),
    ('https://ece.example.com:99999', 'must be a URL such as'),
    ('https://ece.example.com/a b', 'must not contain spaces'),
    ('https://gis.example.com/arcgis/..', '"." or ".." segments'),
    ('https://gis.example.com/arcgis/../portal', '"." or ".." segments'),
    ('https://gis.example.com/./arcgis', '"." or ".." segments'),
    ('https://gis.example.com/arcgis/%2E%2e', '"." or ".." segments'),
    ('https://gis.example.com/arc\x00gis', 'control characters'),
])
def test_url_problem_names_the_rule(value, words):
    problem = url_problem(value, 'url', 'https://ece.example.com:12443')
    assert problem is not None and words in problem
    assert 's3cret' not in problem


@pytest.mark.parametrize('value', ['https://ece.example.com:12443', 'http://127.0.0.1:8080/arcgis', 'https://[::1]:443/x'])
def test_url_problem_accepts_usable_urls(value):
    assert url_problem(value, 'url', 'https://example.com') is None


def test_basic_auth_header_value_is_redacted():
    import base64
    redact = Redactor()
    forms = redact.add_basic_auth('admin', 'pä$$ word')
    encoded = base64.b64encode('admin:pä$$ word'.encode('latin-1')).decode()
    assert encoded in forms
    assert redact('echo: Basic %s' % encoded) == 'echo: Basic %s' % http_utils.REDACTED


def test_write_answered_by_a_gateway_may_have_been_applied(server, sim):
    sim.add_fault(path='/thing', method='POST', status=502, body='bad gateway')
    with pytest.raises(ApiError) as info:
        client(server).request('POST', 'thing', 'Restarting a thing')
    assert info.value.outcome == UNCLEAR


def test_write_refused_by_the_server_was_not_applied(server, sim):
    sim.add_fault(path='/thing', method='POST', status=422, body={'errors': []})
    with pytest.raises(ApiError) as info:
        client(server).request('POST', 'thing', 'Restarting a thing')
    assert info.value.outcome == REFUSED


def test_write_whose_answer_is_cut_may_have_been_applied(server, sim):
    sim.add_fault(path='/thing', method='POST', mode='drop', apply=True)
    with pytest.raises(ApiError) as info:
        client(server).request('POST', 'thing', 'Restarting a thing')
    assert info.value.outcome == UNCLEAR and 'lost before the whole answer arrived' in str(info.value)
    assert len(sim.logged()) == 1


def test_write_to_a_closed_port_was_not_applied():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    with pytest.raises(ApiError) as info:
        HttpClient('http://127.0.0.1:%d' % port, retries=0).request('POST', 'thing', 'Restarting a thing')
    assert info.value.outcome == REFUSED and 'could not connect' in str(info.value)


def test_trickled_headers_are_cut_at_the_overall_deadline():
    """A server that sends its status line and headers one byte at a time, each within the timeout."""
    import threading
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    stop = threading.Event()

    def serve():
        connection = listener.accept()[0]
        with connection:
            connection.recv(65536)
            for byte in b'HTTP/1.1 200 OK\r\nX-Slow: ' + b'a' * 1000:
                if stop.is_set():
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(ApiError) as info:
            HttpClient('http://127.0.0.1:%d' % listener.getsockname()[1], timeout=1, retries=0).request('GET', 'x', 'Reading x')
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 2.5
    assert 'overall deadline of 1s' in str(info.value)


def _tls_server_that_breaks_after_the_request(ca):
    """A TLS server that completes the handshake, reads one request, then sends bytes that are not TLS."""
    import ssl
    import threading
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca.key_file)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    listener.settimeout(10)
    received = []

    def serve():
        try:
            raw = listener.accept()[0]
        except OSError:
            return
        with raw:
            raw.settimeout(10)
            try:
                secure = context.wrap_socket(raw, server_side=True)
                received.append(secure.recv(65536))
                # A TLS 1.2 record that does not decrypt: the client's TLS layer fails mid-answer. (wrap_socket
                # took the descriptor over from ``raw``, so it is written to through ``secure``'s.)
                os.write(secure.fileno(), b'\x17\x03\x03\x00\x20' + b'\x00' * 32)
                time.sleep(0.5)
                secure.close()
            except (OSError, ssl.SSLError):
                pass
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return 'https://127.0.0.1:%d' % listener.getsockname()[1], received


def test_tls_failure_after_the_request_left_may_have_applied_a_write(tmp_path):
    ca = LocalCA()
    url, received = _tls_server_that_breaks_after_the_request(ca)
    http = HttpClient(url, ca_path=ca.write_ca(tmp_path / 'ca.pem'), retries=2, timeout=5)
    with pytest.raises(ApiError) as info:
        http.request('POST', 'thing', 'Restarting a thing')
    assert received and received[0].startswith(b'POST /thing')
    assert info.value.outcome == UNCLEAR, str(info.value)
    assert 'TLS verification failed' not in str(info.value)


def test_tls_verification_failure_sent_nothing(tmp_path):
    ca = LocalCA()
    with SimServer(EchoSimulator(), tls=ca) as server:
        with pytest.raises(ApiError) as info:
            HttpClient(server.url, retries=0).request('POST', 'x', 'Restarting x')
        assert info.value.outcome == REFUSED and 'TLS verification failed' in str(info.value)
        assert server.simulator.logged() == []


def test_redactor_hides_the_quoted_forms_error_texts_use():
    redact = Redactor(['s3cr\net'])
    assert redact("Invalid header value b'ApiKey s3cr\\net'") == "Invalid header value b'ApiKey ********'"
    assert redact("value 'ApiKey s3cr\\net'") == "value 'ApiKey ********'"


def test_socks_proxies_keep_their_own_connection_classes():
    pytest.importorskip('socks', reason='PySocks is not installed; requests cannot use SOCKS proxies without it')
    adapter = http_utils._Adapter()  # pylint: disable=protected-access
    manager = adapter.proxy_manager_for('socks5://127.0.0.1:9')
    assert manager.pool_classes_by_scheme is not http_utils._Adapter.POOLS  # pylint: disable=protected-access


def test_check_mode_client_refuses_writes_before_sending(server, sim):
    http = client(server, check_mode=True)
    for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
        with pytest.raises(http_utils.CheckModeWrite) as info:
            http.request(method, 'thing', 'Restarting a thing')
        assert 'refusing to send a write in check mode' in str(info.value) and info.value.outcome == REFUSED
    assert sim.logged() == []
    # Reads, and writes that change nothing (a token request, a session scan), are sent.
    assert http.request('GET', 'thing', 'Reading a thing').status_code == 200
    assert http.request('POST', 'token', 'Getting a token', read_like=True).status_code == 200
    assert [entry['method'] for entry in sim.logged()] == ['GET', 'POST']


# --- the rule for unknown outcomes ---------------------------------------------------------------------------


@pytest.mark.parametrize('method, status, sent, error_in_body, errors_in_success, outcome', [
    ('GET', 500, True, False, False, None),
    ('POST', None, False, False, False, REFUSED),      # never sent
    ('POST', None, True, False, False, UNCLEAR),       # answer lost after sending
    ('POST', 200, True, False, False, ACCEPTED),       # a 2xx, whatever its body
    ('DELETE', 204, True, False, False, ACCEPTED),
    ('POST', 200, True, True, False, REFUSED),         # the server's error in a 2xx body
    ('POST', 200, True, False, True, UNCLEAR),         # unreadable 2xx of an API with errors in 2xx answers
    ('POST', 302, True, False, False, REFUSED),
    ('POST', 400, True, False, False, REFUSED),
    ('POST', 429, True, False, False, REFUSED),
    ('POST', 503, True, False, False, REFUSED),
    ('POST', 500, True, False, False, UNCLEAR),
    ('POST', 501, True, False, False, UNCLEAR),
    ('POST', 502, True, False, False, UNCLEAR),
    ('POST', 504, True, False, False, UNCLEAR),
])
def test_write_outcome_is_the_one_rule(method, status, sent, error_in_body, errors_in_success, outcome):
    assert write_outcome(method, status, sent=sent, error_in_body=error_in_body,
                         errors_in_success=errors_in_success) == outcome


@pytest.mark.parametrize('status, outcome', [(500, UNCLEAR), (503, REFUSED), (409, REFUSED)])
def test_write_answered_with_an_error_status_carries_its_outcome(server, sim, status, outcome):
    sim.add_fault(path='/thing', method='POST', status=status, body={'errors': [{'code': 'x', 'message': 'no'}]},
                  count=10)
    with pytest.raises(ApiError) as info:
        client(server, retries=0).request('POST', 'thing', 'Restarting a thing')
    assert info.value.outcome == outcome


@pytest.mark.parametrize('body', ['{"status": "succ', '<html><body>OK</body></html>'])
def test_write_answered_2xx_with_a_body_that_is_not_json_was_accepted(server, sim, body):
    for errors_in_success, outcome in ((False, ACCEPTED), (True, UNCLEAR)):
        sim.add_fault(path='/thing', method='POST', status=200, body=body)
        http = client(server, errors_in_success=errors_in_success)
        response = http.request('POST', 'thing', 'Restarting a thing')
        with pytest.raises(ApiError) as info:
            http.json(response, 'Restarting a thing')
        assert info.value.outcome == outcome and 'non-JSON body' in str(info.value)


def test_malformed_answer_to_a_write_is_judged_by_its_status(server, sim):
    http = client(server)
    response = http.request('POST', 'thing', 'Restarting a thing')
    assert http.malformed('Restarting a thing', response, 'no job id').outcome == ACCEPTED
    response = http.request('GET', 'thing', 'Reading a thing')
    error = http.malformed('Reading a thing', response, 'no list')
    assert error.outcome is None and str(error).endswith('answered HTTP 200 (no list).')


@pytest.mark.parametrize('body, words', [
    ({'items': None}, 'no items list (null)'), ({}, 'no items list (missing)'), ({'items': 'a'}, 'no items list (a string)'),
    (None, 'no items list (the answer is null)'), ([], 'no items list (the answer is a list)'),
])
def test_member_list_refuses_anything_but_a_list(server, sim, body, words):
    http = client(server)
    response = http.request('GET', 'thing', 'Listing things')
    with pytest.raises(ApiError) as info:
        http.member_list(body, 'items', 'Listing things', response)
    assert words in str(info.value) and str(info.value).startswith('Listing things failed: GET ')
    assert http.member_list({'items': []}, 'items', 'Listing things', response) == []


def test_member_list_names_the_nested_field_that_is_not_an_object(server, sim):
    http = client(server)
    response = http.request('GET', 'thing', 'Reading a thing')
    with pytest.raises(ApiError) as info:
        http.member_list({'info': {'topology': None}}, 'info.topology.instances', 'Reading a thing', response)
    assert 'no info.topology.instances list (info.topology is null)' in str(info.value)
    assert http.member_list({'info': {'topology': {'instances': [1]}}}, 'info.topology.instances', 'x', response) == [1]


def test_error_sentences_are_one_line_whatever_the_server_sent():
    error = ApiError('Terminating notebook deployment a\nb', status=500, vendor_message='line1\r\nline2\x00')
    assert '\n' not in str(error) and '\r' not in str(error) and 'a\\nb' in str(error) and 'line1\\r\\nline2' in str(error)


def test_a_header_value_http_client_refuses_is_one_sentence_without_the_value(server, sim):
    import requests

    class Signer(requests.auth.AuthBase):  # pylint: disable=too-few-public-methods
        def __call__(self, request):
            request.headers['X-Security-Token'] = 'tok\nen-s3cret'
            return request

    http = client(server, retries=0)
    http.session.auth = Signer()
    with pytest.raises(ApiError) as info:
        http.request('POST', 'thing', 'Killing sessions')
    assert 'a header value has a character HTTP does not allow' in str(info.value)
    assert 's3cret' not in str(info.value) and info.value.outcome == REFUSED and sim.logged() == []


# --- ca_path ---------------------------------------------------------------------------------------------------


def test_ca_path_that_is_a_fifo_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / 'ca.pem'
    os.mkfifo(str(fifo))
    started = time.monotonic()
    problem = ca_path_problem(str(fifo))
    assert time.monotonic() - started < 1
    assert problem == ('ca_path %r must be a PEM file or a directory of them; it is neither (a FIFO, socket or '
                       'device).' % str(fifo))


def test_ca_path_directory_without_certificates_is_refused(tmp_path):
    (tmp_path / 'readme.txt').write_text('no certificate here', encoding='utf-8')
    os.mkfifo(str(tmp_path / 'pipe.pem'))  # never opened
    assert 'is a directory without any PEM certificate' in ca_path_problem(str(tmp_path))


def test_ca_path_directory_of_pem_files_works_without_rehash(tmp_path):
    ca = LocalCA()
    other = LocalCA()
    directory = tmp_path / 'cas'
    directory.mkdir()
    other.write_ca(directory / 'another-ca.crt')
    ca.write_ca(directory / 'our-ca.pem')
    (directory / 'notes.txt').write_text('not a certificate', encoding='utf-8')
    os.mkfifo(str(directory / 'pipe.pem'))
    assert ca_path_problem(str(directory)) is None
    with SimServer(EchoSimulator(), tls=ca) as server:
        http = HttpClient(server.url, ca_path=str(directory), retries=0)
        bundle = http.verify
        assert bundle != str(directory) and os.path.isfile(bundle)
        assert http.request('GET', 'x', 'Reading x').status_code == 200
        http.close()
        assert not os.path.exists(bundle)
