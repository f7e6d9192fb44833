# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place in the collection that talks HTTP.

One ``requests.Session`` per module run, retries with backoff through urllib3's ``Retry``,
TLS verification on by default, JSON decoding with readable errors, one exception type
(``ApiError``) and redaction of every registered secret. It knows nothing about vendors:
vendor classes hand it an ``error_parser`` that reads their error bodies.
"""

from __future__ import annotations

import traceback
from http import HTTPStatus

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
except ImportError:  # pragma: no cover - exercised by ansible-test's import sanity test
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    Retry = object
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


def common_argument_spec():
    """Options every module has (documented by the ``platform_ops.admin.common`` fragment)."""
    return dict(
        validate_certs=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='float', default=30.0),
        retries=dict(type='int', default=3),
    )


class ApiError(Exception):
    """A failed call: what was being done, to which URL, and what the server said."""

    # ``status`` is the HTTP status as an int (the sentence adds its standard reason phrase).
    def __init__(self, operation, reason=None, method=None, url=None, status=None, code=None,
                 vendor_message=None, retries=0, body=None):
        self.operation = operation
        self.reason = reason
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.vendor_message = vendor_message
        self.retries = retries
        self.body = body
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
        return text + '.'

    def as_result(self):
        """Machine-readable details for ``fail_json``."""
        result = dict(operation=self.operation)
        for key in ('method', 'url', 'status', 'code', 'vendor_message', 'retries'):
            value = getattr(self, key)
            if value not in (None, '', 0):
                result['http_status' if key == 'status' else ('error_code' if key == 'code' else key)] = value
        return result


class Redactor:
    """Replaces every registered secret, raw or URL-encoded, in text."""

    def __init__(self, secrets=()):
        self._secrets = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        if secret is None:
            return
        secret = str(secret)
        if not secret:
            return
        self._secrets.add(secret)
        if HAS_REQUESTS:
            for encoded in (requests.utils.quote(secret, safe=''), requests.utils.quote(secret, safe='').replace('%20', '+')):
                if encoded != secret:
                    self._secrets.add(encoded)

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


if HAS_REQUESTS:
    class RetryPolicy(Retry):
        """urllib3 ``Retry`` whose status list depends on whether the method reads or writes.

        Read errors (the request was sent, the answer was lost) are retried for reads only, because
        ``allowed_methods`` lists reads only; connection errors are retried for every method because
        the request never left.
        """

        def is_retry(self, method, status_code, has_retry_after=False):
            if self.total is not None and self.total < 1:
                return False
            statuses = READ_RETRY_STATUSES if (method or '').upper() in READ_METHODS else WRITE_RETRY_STATUSES
            return status_code in statuses

        def get_retry_after(self, response):
            value = super().get_retry_after(response)
            return None if value is None else min(value, MAX_RETRY_AFTER)


NOT_JSON = object()


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


def _snippet(text):
    return ' '.join((text or '')[:SNIPPET_LENGTH].split())


class HttpClient:
    """A pooled session for one module run.

    ``error_parser(response, body)`` (optional) returns ``(code, message)`` from a vendor's error body.
    """

    def __init__(self, base_url, timeout=30.0, validate_certs=True, ca_path=None, retries=3,
                 secrets=(), error_parser=None, pool_maxsize=10, headers=None):
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.redact = Redactor(secrets)
        self.error_parser = error_parser
        self.session = requests.Session()
        self.session.headers['User-Agent'] = '%s/%s python-requests/%s' % (
            COLLECTION_NAME, COLLECTION_VERSION, requests.__version__)
        self.session.headers['Accept'] = 'application/json'
        if headers:
            self.session.headers.update(headers)
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        # in requests' environment merging, which would silently ignore ca_path.
        if validate_certs:
            self.verify = ca_path if ca_path else True
        else:
            self.verify = False
            try:
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except ImportError:  # pragma: no cover
                pass
        adapter = HTTPAdapter(max_retries=build_retry(max(0, int(retries))), pool_connections=2,
                              pool_maxsize=max(1, int(pool_maxsize)))
        self.session.mount('https://', adapter)
        self.session.mount('http://', adapter)

    def add_secret(self, secret):
        self.redact.add(secret)

    def url(self, path):
        if path.startswith(('https://', 'http://')):
            return path
        return '%s/%s' % (self.base_url, path.lstrip('/'))

    def request(self, method, path, operation, expected=None, **kwargs):
        """Send a request; raise ``ApiError`` on a transport failure or an unexpected status.

        ``expected`` is a collection of acceptable statuses (default: any 2xx).
        """
        method = method.upper()
        url = self.url(path)
        shown_url = self.redact(url)
        # Redirects are never followed: requests would carry credential headers (X-Auth-Token,
        # X-Esri-Authorization, ...) and a 307's body (with a token or password) to whatever host the
        # Location names, and turn a POST into a GET on 301/302. A 3xx fails, naming where it pointed.
        kwargs['allow_redirects'] = False
        try:
            response = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise ApiError(operation, method=method, url=shown_url, reason=(
                'TLS verification failed (%s); give the CA bundle that signed the server certificate '
                'with ca_path' % self.redact(_root_cause(exc)))) from None
        except requests.exceptions.ConnectTimeout:
            raise ApiError(operation, method=method, url=shown_url,
                           reason='connection timed out after %ss' % self.timeout) from None
        except requests.exceptions.ReadTimeout:
            raise ApiError(operation, method=method, url=shown_url,
                           reason='no answer within %ss' % self.timeout) from None
        except requests.exceptions.RetryError as exc:
            raise ApiError(operation, method=method, url=shown_url,
                           reason='gave up retrying: %s' % self.redact(_root_cause(exc))) from None
        except requests.exceptions.ConnectionError as exc:
            raise ApiError(operation, method=method, url=shown_url,
                           reason='could not connect: %s' % self.redact(_root_cause(exc))) from None
        except requests.exceptions.RequestException as exc:
            raise ApiError(operation, method=method, url=shown_url, reason=self.redact(str(exc))) from None
        ok = response.status_code in expected if expected is not None else 200 <= response.status_code < 300
        if not ok:
            raise self.error_from_response(operation, response)
        return response

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
        status = response.status_code
        return ApiError(
            operation, method=response.request.method, url=self.redact(response.request.url), status=status,
            code=self.redact(code) if isinstance(code, str) else code,
            vendor_message=self.redact(message) if message else None,
            reason=reason, retries=self.retries_of(response),
            body=body,
        )

    def json(self, response, operation):
        """The decoded JSON body; empty bodies (and a JSON ``null``) decode to ``None``; a body that is not
        JSON fails readably."""
        body = _decode(response)
        if body is NOT_JSON:
            raise self.error_from_response(operation, response)
        return body

    def close(self):
        self.session.close()


def _root_cause(exc):
    """The innermost reason of a requests/urllib3 exception chain, without the noise."""
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
    text = str(current)
    # urllib3 prefixes pool details ("<urllib3.connection.HTTPSConnection object at 0x..>: ...").
    if text.startswith('<') and '>: ' in text:
        text = text.split('>: ', 1)[1]
    return text


def missing_requests_message():
    from ansible.module_utils.basic import missing_required_lib
    return missing_required_lib('requests')


def require_requests(module):
    """Fail the module cleanly when requests is not installed."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_requests_message(), exception=REQUESTS_IMPORT_ERROR)


def client_from_module(module, base_url, secrets=(), error_parser=None, pool_maxsize=10, headers=None):
    """An ``HttpClient`` configured from the common options. Secrets are registered with the client
    and with Ansible, so neither an error message nor a returned value can show them."""
    require_requests(module)
    params = module.params
    if params['timeout'] <= 0:
        module.fail_json(msg='timeout must be greater than 0, got %s.' % params['timeout'])
    if params['retries'] < 0:
        module.fail_json(msg='retries must be 0 or more, got %s.' % params['retries'])
    if not params['validate_certs']:
        module.warn('validate_certs is false: the TLS certificate of %s is not verified. '
                    'Prefer ca_path for a private CA.' % base_url)
    client = HttpClient(base_url, timeout=params['timeout'], validate_certs=params['validate_certs'],
                        ca_path=params['ca_path'], retries=params['retries'], error_parser=error_parser,
                        pool_maxsize=pool_maxsize, headers=headers)
    for secret in secrets:
        register_secret(module, client, secret)
    return client


def register_secret(module, client, secret):
    """Hide a secret (given or obtained at run time) from messages and from Ansible's output."""
    if secret:
        client.add_secret(secret)
        module.no_log_values.add(str(secret))


def fail_from_error(module, error, **result):
    """``fail_json`` with the error's one sentence and its details."""
    details = error.as_result()
    details.update(result)
    module.fail_json(msg=str(error), **details)
