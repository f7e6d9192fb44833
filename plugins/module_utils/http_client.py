# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place in the collection that talks HTTP.

Internal to this collection: used by its modules, with no API promise to others.

One ``requests.Session`` per module run, retries with backoff through urllib3's ``Retry``,
TLS verification on by default, JSON decoding with readable errors, one exception type
(``ApiError``, which says what its answer proves about a write: ``write_outcome``, the rule the module
frame settles unknown outcomes by) and redaction of every registered secret. It knows nothing about vendors:
vendor classes hand it an ``error_parser`` that reads their error bodies. It knows nothing about
Ansible either: the glue between module options and this client is in ``_module``.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import tempfile
import threading
import time
import traceback
from http import HTTPStatus
from urllib.parse import quote

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import MaxRetryError, ResponseError
    from urllib3.util.retry import Retry
except ImportError:  # pragma: no cover - exercised by ansible-test's import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = HTTPAdapter = object
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.platform_ops.admin.plugins.module_utils.version import COLLECTION_NAME, COLLECTION_VERSION

READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
# Statuses after which a read is repeated.
READ_RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A server answering 429 or 503 did not carry out the request, so a write may be repeated.
# 502/504 come from a proxy that may already have passed the write on: never repeated.
WRITE_RETRY_STATUSES = frozenset((429, 503))
MAX_RETRY_AFTER = 60.0
BACKOFF_FACTOR = 0.5
BACKOFF_MAX = 10.0
REDACTED = '********'
SNIPPET_LENGTH = 200
# Upper bounds of the common options: a larger value is a mistake, not a wish (1e12 s overflows the socket layer).
MAX_TIMEOUT = 3600.0
MAX_RETRIES = 10
# An answer larger than this fails instead of filling memory (the largest documented answer, a DCS page of
# 1000 sessions, is about 1 MiB).
MAX_BODY_BYTES = 32 * 1024 * 1024
BODY_CHUNK = 64 * 1024
# Path segments that would address another resource once a client or server normalises the path.
UNSAFE_SEGMENTS = ('', '.', '..')
# Control characters (C0 and DEL): in a value they would break a header, a log line or a message.
CONTROL_CHARACTERS = re.compile('[\x00-\x1f\x7f]')

# What the answer to a write proves about it (``ApiError.outcome``); the one rule every write is judged by
# (``write_outcome``), applied by the module frame (``_module.PlatformModule.settle``).
REFUSED = 'refused'    # not carried out: a 4xx, 429 or 503, an error the server wrote in a 2xx body, nothing sent
ACCEPTED = 'accepted'  # a 2xx: the server took the write, whatever its body says (or fails to say)
UNCLEAR = 'unclear'    # may or may not have been: another 5xx, an answer lost or cut after the write left


class ApiError(Exception):
    """A failed call: what was being done, to which URL, and what the server said."""

    # ``status`` is the HTTP status as an int (the sentence adds its standard reason phrase).
    def __init__(self, operation, reason=None, method=None, url=None, status=None, code=None,
                 vendor_message=None, retries=0, body=None, outcome=None):
        self.operation = operation
        self.reason = reason
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.vendor_message = vendor_message
        self.retries = retries
        self.body = body
        # For a write: what this answer proves about it (REFUSED, ACCEPTED or UNCLEAR; ``None`` counts as
        # refused). The module frame settles ACCEPTED and UNCLEAR ones (``PlatformModule.settle``).
        self.outcome = outcome
        super().__init__(operation)

    def __str__(self):
        return self.sentence()

    def sentence(self):
        """One sentence a person can act on."""
        target = ' '.join(part for part in (self.method, self.url) if part)
        if self.status is not None:
            phrase = _phrase(self.status) if self.status != 200 else ''
            text = '%s failed: %s answered HTTP %s' % (self.operation, target, ('%s %s' % (self.status, phrase)).strip())
            if self.code not in (None, ''):
                text += ' with error %s' % self.code
            if self.vendor_message:
                text += ': %s' % self.vendor_message.rstrip('.')
            if self.reason:
                text += ' (%s)' % self.reason
        else:
            text = '%s failed: %s' % (self.operation, target) if target else '%s failed' % self.operation
            if self.reason:
                text += ': %s' % self.reason.rstrip('.')
        if self.retries:
            text += ' after %d %s' % (self.retries, 'retry' if self.retries == 1 else 'retries')
        return one_line(text + '.')

    def answer(self):
        """What came back, in a few words (for messages about an unclear answer)."""
        if self.status is None:
            return self.reason or 'no answer'
        text = ('HTTP %s %s' % (self.status, _phrase(self.status))).strip()
        return '%s: %s' % (text, self.reason) if self.reason else text

    def as_result(self):
        """Machine-readable details for ``fail_json``."""
        result = dict(operation=self.operation)
        for key in ('method', 'url', 'status', 'code', 'vendor_message', 'retries'):
            value = getattr(self, key)
            if value not in (None, '', 0):
                result['http_status' if key == 'status' else ('error_code' if key == 'code' else key)] = value
        return result


class CheckModeWrite(ApiError):
    """A write attempted in check mode: never sent."""


class Redactor:
    """Replaces every registered secret, raw or URL-encoded, in text."""

    def __init__(self, secrets=()):
        self._secrets = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        """Register a secret; returns the forms registered (raw and URL-encoded)."""
        if secret is None:
            return []
        secret = str(secret)
        if not secret:
            return []
        forms = [secret]
        if HAS_REQUESTS:
            encoded = requests.utils.quote(secret, safe='')
            forms.extend(form for form in (encoded, encoded.replace('%20', '+')) if form not in forms)
        # Error texts quote values with repr() (a header value with a newline: 'abc\\n'), so the escaped
        # forms are secrets too.
        for escaped in (repr(secret)[1:-1], repr(secret.encode('utf-8', 'replace'))[2:-1]):
            if escaped not in forms:
                forms.append(escaped)
        self._secrets.update(forms)
        return forms

    def add_basic_auth(self, username, password):
        """Register the derived secret of HTTP basic authentication, base64 of ``username:password``
        (as requests encodes it: latin-1 when it can, else UTF-8); returns the forms registered."""
        if password in (None, ''):
            return []
        raw = '%s:%s' % ('' if username is None else username, password)
        try:
            data = raw.encode('latin-1')
        except UnicodeEncodeError:
            data = raw.encode('utf-8')
        return self.add(base64.b64encode(data).decode('ascii'))

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def __contains__(self, value):
        return value in self._secrets


def build_retry(retries):
    """The retry policy: reads repeat on 429/502/503/504 and lost connections, writes only on 429/503
    and on connections that failed before the request was sent."""
    return RetryPolicy(
        total=retries, connect=retries, read=retries, status=retries, other=0, redirect=0,
        allowed_methods=READ_METHODS, status_forcelist=READ_RETRY_STATUSES | WRITE_RETRY_STATUSES,
        backoff_factor=BACKOFF_FACTOR, backoff_max=BACKOFF_MAX,
        respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
    )


class Gate:
    """The time before which no request of one client is sent: when the server answers 429 (or 503 with
    ``Retry-After``) to any request, every request of the client - in whatever thread, retries included - waits
    until the time it asked for (or the retry's backoff) has passed, so that a pool of workers slows down instead
    of hammering a server that asked for a pause."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self.at = 0.0
        self.held = 0  # how many answers asked for a pause (for tests and benchmarks)
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()

    def hold(self, seconds):
        """No request before ``seconds`` from now."""
        with self._lock:
            self.held += 1
            self.at = max(self.at, self.clock() + max(0.0, seconds))

    def wait(self, limit):
        """Wait (at most ``limit`` seconds) until requests may be sent."""
        delay = min(self.at - self.clock(), limit)
        if delay > 0:
            self.sleep(delay)


class _Watch:
    """The overall deadline of one request (its attempts, the waits between them, every byte of the answer).

    A timer calls ``expire`` at the deadline: it shuts down the sockets the request uses, so a read blocked on
    a server that sends one byte now and then returns at once.
    """

    def __init__(self, seconds, gate=None):
        self.seconds = seconds
        self.gate = gate
        self.at = time.monotonic() + seconds
        self.expired = False
        self.gave_up_wait = None  # a retry wait (seconds) that would have passed the deadline
        self.connections = []
        # Whether a connection was ready to carry the request (connected, TLS handshake done): a TLS error
        # before that point means nothing was sent.
        self.ready = False
        self._lock = threading.Lock()

    def remaining(self):
        return self.at - time.monotonic()

    def track(self, connection):
        with self._lock:
            if connection not in self.connections:
                self.connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def expire(self):
        with self._lock:
            self.expired = True
            connections = list(self.connections)
        for connection in connections:
            _shut(connection)


def _shut(connection):
    sock = getattr(connection, 'sock', None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# The request under way in this thread (modules may send requests from several threads at once).
_CURRENT = threading.local()


def _current_watch():
    return getattr(_CURRENT, 'watch', None)


if HAS_REQUESTS:
    class RetryPolicy(Retry):
        """urllib3 ``Retry`` whose status list depends on whether the method reads or writes.

        Read errors (the request was sent, the answer was lost) are retried for reads only, because
        ``allowed_methods`` lists reads only; connection errors are retried for every method because
        the request never left. No retry is made whose wait would pass the request's overall deadline.
        """

        def is_retry(self, method, status_code, has_retry_after=False):
            if self.total is not None and self.total < 1:
                return False
            statuses = READ_RETRY_STATUSES if (method or '').upper() in READ_METHODS else WRITE_RETRY_STATUSES
            return status_code in statuses

        def get_retry_after(self, response):
            value = super().get_retry_after(response)
            return None if value is None else min(value, MAX_RETRY_AFTER)

        def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
            new = super().increment(method, url, response=response, error=error, _pool=_pool, _stacktrace=_stacktrace)
            watch = _current_watch()
            if watch is not None:
                wait = None
                if response is not None and self.respect_retry_after_header:
                    wait = new.get_retry_after(response)
                if wait is None:
                    wait = new.get_backoff_time()
                status = getattr(response, 'status', None)
                if watch.gate is not None and (status == 429 or status == 503 and new.get_retry_after(response)):
                    # The server asked for a pause: the client's other requests wait for it too.
                    watch.gate.hold(wait)
                if watch.expired or wait >= watch.remaining():
                    # Stop here: a status answer is returned as it is (raise_on_status is off), an error fails.
                    watch.gave_up_wait = wait
                    raise MaxRetryError(_pool, url, error or ResponseError('the overall deadline would pass'))
            return new

    class _WatchedConnection:
        """Registers the connection with the request under way whenever it connects or sends."""

        def connect(self):
            super().connect()
            watch = _current_watch()
            if watch is not None:
                watch.track(self)
                watch.ready = True

        def request(self, *args, **kwargs):  # pylint: disable=arguments-differ
            watch = _current_watch()
            if watch is not None:
                if watch.gate is not None:
                    watch.gate.wait(watch.remaining())
                watch.track(self)
                if getattr(self, 'sock', None) is not None:
                    watch.ready = True
            return super().request(*args, **kwargs)

    class _HTTPConnection(_WatchedConnection, HTTPConnection):
        pass

    class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
        pass

    class _HTTPPool(HTTPConnectionPool):
        ConnectionCls = _HTTPConnection

    class _HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = _HTTPSConnection

    class _Adapter(HTTPAdapter):
        """requests' adapter over connection pools whose connections the overall deadline can cut."""

        POOLS = {'http': _HTTPPool, 'https': _HTTPSPool}

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = self.POOLS

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if not proxy.lower().startswith('socks'):
                # A SOCKS proxy manager has its own connection classes (they open the tunnel); keep them.
                manager.pool_classes_by_scheme = self.POOLS
            return manager


NOT_JSON = object()
INVALID_HEADER = ('a header value has a character HTTP does not allow (a line break, or a space at its start); '
                  'check the credentials and tokens given to the task')


def _json_kind(value):
    """A JSON value's kind in words: ``null``, ``a string``, ``an object``..."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    return {str: 'a string', dict: 'an object', list: 'a list'}.get(type(value), type(value).__name__)


def _is_invalid_header_value(exc):
    """http.client's refusal of a header value (a ``ValueError`` that quotes the value)."""
    while exc is not None:
        if isinstance(exc, ValueError) and str(exc).startswith('Invalid header'):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _decode(response):
    """The decoded body, ``None`` for an empty one, or ``NOT_JSON`` when it does not decode."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return NOT_JSON


def _phrase(status):
    """The standard reason phrase (servers spell them differently); none for vendor statuses like 498."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ''


def write_outcome(method, status=None, sent=True, error_in_body=False, errors_in_success=False):
    """What an answer proves about a request (``None`` for a read): the collection's one rule.

    Nothing sent, a 3xx/4xx (429 included), a 503, or an error the server wrote into a 2xx body: REFUSED. Any other
    2xx: ACCEPTED, whatever the body - except for an API that writes its errors into 2xx answers
    (``errors_in_success``), where a body that cannot be read proves nothing: UNCLEAR. Another 5xx (a gateway may
    answer 500/502/504 for a write its backend carried out), or an answer lost after the request left: UNCLEAR.
    """
    if (method or '').upper() in READ_METHODS:
        return None
    if not sent:
        return REFUSED
    if status is None:
        return UNCLEAR
    if 200 <= status < 300:
        if error_in_body:
            return REFUSED
        return UNCLEAR if errors_in_success else ACCEPTED
    if status >= 500 and status != 503:
        return UNCLEAR
    return REFUSED


def one_line(text):
    """``text`` with every control character escaped (``\\n``, ``\\x00``): a message is one log line, whatever
    value it quotes."""
    if text is None or not CONTROL_CHARACTERS.search(text):
        return text
    return CONTROL_CHARACTERS.sub(lambda match: repr(match.group(0))[1:-1], text)


def control_problem(value, option):
    """The problem with a value that holds a control character (C0 or DEL), or ``None``. The value is quoted
    escaped, unless it has an ``@`` (a URL's ``user:password@`` must not be shown)."""
    if not isinstance(value, str) or not CONTROL_CHARACTERS.search(value):
        return None
    return '%s must not contain control characters (a line break, a tab, NUL...)%s.' % (
        option, '' if '@' in value else '; got %r' % value)


def _snippet(text):
    return ' '.join((text or '')[:SNIPPET_LENGTH].split())


def path_from_segments(segments):
    """A relative URL path from its segments, each percent-encoded whole (a ``/`` inside one is data).

    Raises ``ValueError`` for an empty, ``.`` or ``..`` segment: requests and servers collapse those, so
    ``deployments/<id>/kibana/..`` would address the whole deployment.
    """
    parts = []
    for segment in segments:
        text = '' if segment is None else str(segment)
        if text.strip() in UNSAFE_SEGMENTS:
            raise ValueError('%r cannot be used as an id in a URL path (an empty, "." or ".." segment addresses '
                             'another resource)' % text)
        parts.append(quote(text, safe=''))
    return '/'.join(parts)


def id_problem(value, option):
    """The problem with an id option that becomes a path segment, or ``None`` (``None`` itself is fine)."""
    if value is None:
        return None
    if not value.strip():
        return '%s must not be empty.' % option
    if value.strip() in ('.', '..'):
        return '%s must be an id, not %r (a dot segment would address another resource).' % (option, value)
    return None


class HttpClient:
    """A pooled session for one module run.

    ``error_parser(response, body)`` (optional) returns ``(code, message)`` from a vendor's error body.
    Paths are given as a tuple of segments (each encoded, ``.``/``..``/empty refused) or as an absolute URL.

    With ``check_mode`` the client refuses to send a write (any method but GET/HEAD/OPTIONS) unless the call
    says it is ``read_like`` (a POST that changes nothing, such as a token request or a DCS session scan): the
    promise that check mode changes nothing holds here, at the single point every request passes.
    """

    def __init__(self, base_url, timeout=30.0, validate_certs=True, ca_path=None, retries=3,
                 secrets=(), error_parser=None, pool_maxsize=10, headers=None, check_mode=False,
                 errors_in_success=False):
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        self.check_mode = bool(check_mode)
        # The API writes its errors into 2xx answers too (ArcGIS): a 2xx whose body cannot be read proves nothing.
        self.errors_in_success = bool(errors_in_success)
        self._bundle = None
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.retries = max(0, int(retries))
        # The overall deadline of one request: every attempt, the waits between them and the whole answer.
        self.deadline = timeout * (self.retries + 1)
        self.redact = Redactor(secrets)
        self.error_parser = error_parser
        # Shared by every request of this client, from any thread (modules work on many instances at once).
        self.gate = Gate()
        self.session = requests.Session()
        # No ambient credentials: with trust_env, requests would add ~/.netrc's login to any request without
        # auth of its own, replacing an Authorization header set by the task. Proxies and CA bundles from the
        # environment are still honoured, below and in request().
        self.session.trust_env = False
        self.session.headers['User-Agent'] = '%s/%s python-requests/%s' % (
            COLLECTION_NAME, COLLECTION_VERSION, requests.__version__)
        self.session.headers['Accept'] = 'application/json'
        if headers:
            self.session.headers.update(headers)
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        # in requests' environment merging, which would silently ignore ca_path.
        if validate_certs:
            self.verify = ca_path or os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
            if isinstance(self.verify, str) and os.path.isdir(self.verify):
                self.verify = self._bundle = _bundle_file(self.verify)
        else:
            self.verify = False
            try:
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except ImportError:  # pragma: no cover
                pass
        adapter = _Adapter(max_retries=build_retry(self.retries), pool_connections=2,
                           pool_maxsize=max(1, int(pool_maxsize)))
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)

    def add_secret(self, secret):
        self.redact.add(secret)

    def url(self, path):
        """The absolute URL of a path (a tuple of segments, a relative path, or an absolute URL)."""
        if isinstance(path, (tuple, list)):
            path = path_from_segments(path)
        if path.startswith(('https://', 'http://')):
            return path
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def request(self, method, path, operation, expected=None, **kwargs):
        """Send a request; raise ``ApiError`` on a transport failure or an unexpected status.

        ``read_like=True`` marks a write method that changes nothing (sent in check mode too).

        ``expected`` is a collection of acceptable statuses (default: any 2xx). Nothing is sent when the
        path has an unusable segment. The answer is read whole (at most ``MAX_BODY_BYTES``) within the
        overall deadline, ``timeout`` x (``retries`` + 1) seconds.
        """
        method = method.upper()
        read_like = kwargs.pop('read_like', False)
        try:
            url = self.url(path)
        except ValueError as error:
            raise ApiError(operation, reason=self.redact(str(error))) from None
        shown_url = self.redact(url)
        writes = method not in READ_METHODS
        if writes and self.check_mode and not read_like:
            raise CheckModeWrite(operation, method=method, url=shown_url, outcome=REFUSED,
                                 reason='refusing to send a write in check mode (a defect of the collection: '
                                        'please report it)')
        # Redirects are never followed: requests would carry credential headers (X-Auth-Token,
        # X-Esri-Authorization, ...) and a 307's body (with a token or password) to whatever host the
        # Location names, and turn a POST into a GET on 301/302. A 3xx fails, naming where it pointed.
        kwargs['allow_redirects'] = False
        kwargs['stream'] = True
        kwargs.setdefault('proxies', requests.utils.get_environ_proxies(url))
        watch = _Watch(self.deadline, self.gate)
        timer = threading.Timer(self.deadline, watch.expire)
        timer.daemon = True
        _CURRENT.watch = watch
        timer.start()
        try:
            response = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
            self._read_body(response, operation)
        except ApiError as error:
            # The answer came, too large to read: its status still says what became of a write.
            error.outcome = self.outcome_of(method, error.status)
            raise
        except Exception as exc:  # pylint: disable=broad-except
            raise self._transport_error(exc, operation, method, shown_url, watch, writes) from None
        finally:
            timer.cancel()
            _CURRENT.watch = None
        if watch.gave_up_wait is not None:
            # Read by error_from_response, whoever calls it (vendor classes that accept any status do).
            response.retry_note = 'not retried: the wait of %gs would pass the overall deadline of %gs' % (
                watch.gave_up_wait, self.deadline)
        ok = response.status_code in expected if expected is not None else 200 <= response.status_code < 300
        if not ok:
            raise self.error_from_response(operation, response)
        return response

    def _read_body(self, response, operation):
        """Read the whole answer into ``response.content``, failing past ``MAX_BODY_BYTES``."""
        declared = response.headers.get('Content-Length')
        chunks = []
        size = 0
        too_large = declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES
        if not too_large:
            for chunk in response.iter_content(BODY_CHUNK):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    too_large = True
                    break
                chunks.append(chunk)
        if too_large:
            response.close()
            raise ApiError(operation, method=response.request.method, url=self.redact(response.request.url),
                           status=response.status_code,
                           reason='the answer is larger than %d MiB; refusing to read it' % (MAX_BODY_BYTES // (1024 * 1024)))
        response._content = b''.join(chunks)  # pylint: disable=protected-access
        response._content_consumed = True  # pylint: disable=protected-access

    def _transport_error(self, exc, operation, method, shown_url, watch, writes):
        """The ``ApiError`` for a request that got no complete answer."""
        sent = True
        if watch.expired:
            reason = 'no complete answer within the overall deadline of %gs (timeout x (retries + 1))' % self.deadline
        elif isinstance(exc, requests.exceptions.SSLError) and not watch.ready:
            sent = False
            reason = ('TLS verification failed (%s); give the CA bundle that signed the server certificate '
                      'with ca_path' % self.redact(_root_cause(exc)))
        elif isinstance(exc, requests.exceptions.SSLError):
            # The handshake was done: the request may have left before the TLS session broke.
            reason = 'the TLS connection broke: %s' % self.redact(_root_cause(exc))
        elif isinstance(exc, requests.exceptions.InvalidHeader) or _is_invalid_header_value(exc):
            # Its text quotes the header value, which is a credential more often than not. requests checks the
            # headers it is given; http.client (ValueError) those an auth hook adds, such as a request signature.
            sent = False
            reason = INVALID_HEADER
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            sent = False
            reason = 'connection timed out after %ss' % self.timeout
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            reason = 'no answer within %ss' % self.timeout
        elif isinstance(exc, requests.exceptions.ProxyError):
            sent = False
            reason = 'could not connect through the proxy set in the environment (HTTPS_PROXY, HTTP_PROXY; NO_PROXY ' \
                     'exempts hosts): %s' % self.redact(_root_cause(exc))
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
            reason = 'the connection was lost before the whole answer arrived: %s' % self.redact(_root_cause(exc))
        elif isinstance(exc, requests.exceptions.RetryError):
            reason = 'gave up retrying: %s' % self.redact(_root_cause(exc))
        elif isinstance(exc, requests.exceptions.ConnectionError):
            cause = _root_cause_exception(exc)
            sent = not isinstance(cause, (ConnectionRefusedError, socket.gaierror)) and 'NewConnectionError' not in type(cause).__name__ \
                and 'NameResolutionError' not in type(cause).__name__
            reason = ('could not connect: %s' if not sent else 'the connection was lost: %s') % self.redact(_root_cause(exc))
        elif isinstance(exc, requests.exceptions.RequestException):
            reason = self.redact(str(exc))
        else:
            # Outside requests' hierarchy (a CA file that is not PEM, an unencodable header, an overflow...):
            # still one sentence, never a traceback.
            sent = False
            reason = '%s: %s' % (type(exc).__name__, self.redact(str(exc)) or 'no details')
        return ApiError(operation, method=method, url=shown_url, reason=reason,
                        outcome=write_outcome(method, sent=sent) if writes else None)

    def outcome_of(self, method, status, error_in_body=False):
        """``write_outcome`` for an answer of this client's API."""
        return write_outcome(method, status, error_in_body=error_in_body, errors_in_success=self.errors_in_success)

    def retries_of(self, response):
        history = getattr(getattr(response.raw, 'retries', None), 'history', None) or ()
        return len(history)

    def error_from_response(self, operation, response, code=None, message=None, reason=None):
        """An ``ApiError`` for a response the caller does not accept."""
        body = _decode(response)
        if body is NOT_JSON:
            body = None
            not_json = bool(response.content)
        else:
            not_json = False
        if code is None and message is None and self.error_parser is not None and body is not None:
            code, message = self.error_parser(response, body)
        if 300 <= response.status_code < 400 and reason is None:
            reason = 'redirected to %s, which is not followed; set the URL option to the final address' % (
                self.redact(response.headers.get('Location') or 'no Location'))
        elif not_json and reason is None:
            reason = 'non-JSON body (%s): %r' % (
                response.headers.get('Content-Type') or 'no content type', self.redact(_snippet(response.text)))
        note = getattr(response, 'retry_note', None)
        if note:
            reason = '%s; %s' % (reason, note) if reason else note
        status = response.status_code
        return ApiError(
            operation, method=response.request.method, url=self.redact(response.request.url), status=status,
            code=self.redact(code) if isinstance(code, str) else code,
            vendor_message=self.redact(message) if message else None,
            reason=reason, retries=self.retries_of(response),
            body=body,
            # A 2xx with the server's own error in it refused the write; one whose body cannot be read did not.
            outcome=self.outcome_of(response.request.method, status, error_in_body=code is not None or bool(message)),
        )

    def malformed(self, operation, response, reason):
        """An ``ApiError`` for an answer whose status is fine but whose body is not what the API documents (for a
        write, the status decides what became of it: ``write_outcome``)."""
        method = response.request.method
        return ApiError(operation, method=method, url=self.redact(response.request.url), status=response.status_code,
                        reason=reason, outcome=self.outcome_of(method, response.status_code))

    def member_list(self, body, key, operation, response):
        """``body[key]`` (``key`` dotted for nested objects), which must be a JSON list: a list that is missing,
        null or of another type fails in one sentence naming the field, rather than reading as empty."""
        value, where, path = body, None, []
        for part in key.split('.'):
            if not isinstance(value, dict):
                where = '%s is %s' % ('.'.join(path) if path else 'the answer', _json_kind(value))
                break
            if part not in value:
                where = 'missing'
                break
            value = value[part]
            path.append(part)
        if where is None and isinstance(value, list):
            return value
        raise self.malformed(operation, response, 'the answer has no %s list (%s); refusing to read it as empty' % (
            key, where or _json_kind(value)))

    def json(self, response, operation):
        """The decoded JSON body; empty bodies (and a JSON ``null``) decode to ``None``; a body that is not
        JSON fails readably."""
        body = _decode(response)
        if body is NOT_JSON:
            raise self.error_from_response(operation, response)
        return body

    def close(self):
        self.session.close()
        if self._bundle is not None:
            try:
                os.remove(self._bundle)
            except OSError:
                pass
            self._bundle = None


PEM_CERTIFICATE = re.compile(r'-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----')
# A file in a CA directory larger than this is not a certificate file (a bundle of every public CA is ~250 KiB).
MAX_CA_FILE_BYTES = 4 * 1024 * 1024


def certificates_in_directory(path):
    """Every PEM certificate in the regular files of a directory, in name order, without duplicates.

    OpenSSL reads a CA directory only through hash-named links (``openssl rehash``); this reads each file, so
    a directory of plain ``.pem``/``.crt`` files works as it is. Other entries (FIFOs, sockets, subdirectories)
    are never opened, and neither are files larger than ``MAX_CA_FILE_BYTES``.
    """
    found = []
    for entry in sorted(os.scandir(path), key=lambda item: item.name):
        try:
            if not entry.is_file() or entry.stat().st_size > MAX_CA_FILE_BYTES:
                continue
            with open(entry.path, 'rb') as handle:
                text = handle.read(MAX_CA_FILE_BYTES).decode('ascii', 'ignore')
        except OSError:
            continue
        for certificate in PEM_CERTIFICATE.findall(text):
            if certificate not in found:
                found.append(certificate)
    return found


def _bundle_file(path):
    """A temporary CA bundle of the certificates of directory ``path`` (the client removes it on ``close``)."""
    handle, bundle = tempfile.mkstemp(prefix='platform-ops-ca-', suffix='.pem')
    with os.fdopen(handle, 'w', encoding='ascii') as out:
        out.write('\n'.join(certificates_in_directory(path)) + '\n')
    return bundle


def _root_cause_exception(exc):
    seen = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        nested = getattr(current, 'reason', None)
        if isinstance(nested, BaseException):
            current = nested
            continue
        if current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
            continue
        break
    return current


def _root_cause(exc):
    """The innermost reason of a requests/urllib3 exception chain, without the noise."""
    text = str(_root_cause_exception(exc))
    # urllib3 prefixes pool details ("<urllib3.connection.HTTPSConnection object at 0x..>: ...").
    if text.startswith('<') and '>: ' in text:
        text = text.split('>: ', 1)[1]
    return text
