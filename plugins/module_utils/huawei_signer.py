# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud AK/SK request signing (``SDK-HMAC-SHA256``) with the standard library.

Internal to this collection: used by its modules, with no API promise to others.

``SdkHmacSha256Auth`` is a ``requests`` auth object: requests prepares the body before it calls the
auth object, so the signature covers the exact bytes that are sent, the URL as it is sent and the
headers it names in ``SignedHeaders``.

The canonical request is six lines: the method; the path with every segment percent-encoded and a
trailing ``/``; the query parameters sorted by (key, value) and percent-encoded; the signed headers as
``name:value`` lines; their names joined by ``;``; and the hex SHA-256 of the body.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, unquote, urlsplit

try:
    from requests.auth import AuthBase
except ImportError:  # pragma: no cover - exercised by ansible-test's import sanity test
    AuthBase = object

ALGORITHM = 'SDK-HMAC-SHA256'
DATE_HEADER = 'X-Sdk-Date'
DATE_FORMAT = '%Y%m%dT%H%M%SZ'
PROJECT_HEADER = 'X-Project-Id'
SECURITY_TOKEN_HEADER = 'X-Security-Token'
EMPTY_BODY_SHA256 = hashlib.sha256(b'').hexdigest()
# Headers signed when a request carries them (Host and X-Sdk-Date are always signed).
SIGNED_HEADERS = ('host', 'x-sdk-date', 'x-project-id', 'x-security-token', 'content-type')
DEFAULT_PORTS = {'https': 443, 'http': 80}


def _encode(text):
    """Percent-encode everything but the unreserved characters (letters, digits, ``-._~``)."""
    return quote(text, safe='~')


def canonical_uri(path):
    """Every segment of the (decoded) path percent-encoded, always ending with ``/``."""
    encoded = '/'.join(_encode(segment) for segment in unquote(path or '/').split('/'))
    return encoded if encoded.endswith('/') else encoded + '/'


def canonical_query(query):
    """The query string's parameters sorted by key then value, keys and values percent-encoded."""
    pairs = sorted(parse_qsl(query or '', keep_blank_values=True))
    return '&'.join('%s=%s' % (_encode(key), _encode(value)) for key, value in pairs)


def body_sha256(body):
    if body is None or body in (b'', ''):
        return EMPTY_BODY_SHA256
    if isinstance(body, str):
        body = body.encode('utf-8')
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError('only bodies held in memory can be signed, not %s' % type(body).__name__)
    return hashlib.sha256(body).hexdigest()


def host_of(url):
    """The Host header value for a URL (the port only when it is not the scheme's default)."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    if ':' in host:
        host = '[%s]' % host
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme):
        host = '%s:%d' % (host, parts.port)
    return host


def canonical_request(method, url, headers, body, signed_headers):
    """The canonical request of a request; ``headers`` maps lower-case names to values."""
    parts = urlsplit(url)
    header_lines = ''.join('%s:%s\n' % (name, str(headers[name]).strip()) for name in signed_headers)
    return '\n'.join((method.upper(), canonical_uri(parts.path), canonical_query(parts.query), header_lines,
                      ';'.join(signed_headers), body_sha256(body)))


def string_to_sign(canonical, sdk_date):
    return '%s\n%s\n%s' % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode('utf-8')).hexdigest())


def signature(secret_key, text):
    return hmac.new(secret_key.encode('utf-8'), text.encode('utf-8'), hashlib.sha256).hexdigest()


def sign(method, url, headers, body, access_key, secret_key):
    """The ``Authorization`` value for a request whose ``headers`` already hold Host and X-Sdk-Date."""
    lowered = {}
    for name, value in headers.items():
        lowered[name.lower()] = value
    names = sorted(name for name in lowered if name in SIGNED_HEADERS)
    canonical = canonical_request(method, url, lowered, body, names)
    value = signature(secret_key, string_to_sign(canonical, lowered['x-sdk-date']))
    return '%s Access=%s, SignedHeaders=%s, Signature=%s' % (ALGORITHM, access_key, ';'.join(names), value)


def sdk_date(now=None):
    moment = now if now is not None else datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime(DATE_FORMAT)


class SdkHmacSha256Auth(AuthBase):
    """Signs each prepared request with an access key and secret key (and a security token for
    temporary credentials); adds ``X-Project-Id`` when a project is given.

    ``clock`` returns the signing time as an aware ``datetime`` (tests pin it).
    """

    def __init__(self, access_key, secret_key, project_id=None, security_token=None, clock=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.project_id = project_id
        self.security_token = security_token
        self.clock = clock

    def __call__(self, request):
        request.headers['Host'] = host_of(request.url)
        request.headers[DATE_HEADER] = sdk_date(self.clock() if self.clock else None)
        if self.project_id:
            request.headers[PROJECT_HEADER] = self.project_id
        if self.security_token:
            request.headers[SECURITY_TOKEN_HEADER] = self.security_token
        request.headers['Authorization'] = sign(request.method, request.url, request.headers, request.body,
                                                self.access_key, self.secret_key)
        return request

    def __repr__(self):
        return '<SdkHmacSha256Auth access_key=%s>' % self.access_key


class TokenAuth(AuthBase):
    """Sends an IAM token in ``X-Auth-Token`` (and the project in ``X-Project-Id``)."""

    def __init__(self, token, project_id=None):
        self.token = token
        self.project_id = project_id

    def __call__(self, request):
        request.headers['X-Auth-Token'] = self.token
        if self.project_id:
            request.headers[PROJECT_HEADER] = self.project_id
        return request

    def __repr__(self):
        return '<TokenAuth>'
