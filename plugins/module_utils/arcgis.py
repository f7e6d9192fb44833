# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArcGIS Enterprise notebook administration: tokens, error bodies and typed calls.

Vendor quirks live here and only here: errors arrive inside HTTP 200 bodies, GET requests carry
the token in the ``X-Esri-Authorization`` header and POSTs in the form body (never in a URL),
every request sends ``f=json``, and a generated token that the server calls invalid (498) is
replaced once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import (
    ApiError,
    client_from_module,
    common_argument_spec,
    register_secret,
)

TOKEN_PATH = 'sharing/rest/generateToken'
CONFIGURATION_PATH = 'admin/notebooks/configuration'

# Every answer is judged by _checked_body: ArcGIS errors come in HTTP 200 bodies and in error statuses alike.
ANY_STATUS = range(100, 600)

INVALID_TOKEN = 498
TOKEN_REQUIRED = 499
FORBIDDEN = 403

# Privileges the vendor documents per area, named in permission errors.
PRIVILEGE_CONFIGURATION = 'the "Servers" or "Security and infrastructure" administrative privilege'
PRIVILEGE_NOTEBOOKS = 'an administrative privilege together with "Create and edit notebooks"'
PRIVILEGE_WORKSPACES = 'the default administrator role'


def arcgis_argument_spec():
    """Connection options (documented by the ``platform_ops.admin.arcgis`` fragment) plus the common ones."""
    spec = common_argument_spec()
    spec.update(
        url=dict(type='str', required=True, fallback=(env_fallback, ['ARCGIS_URL'])),
        username=dict(type='str', fallback=(env_fallback, ['ARCGIS_USERNAME'])),
        password=dict(type='str', no_log=True, fallback=(env_fallback, ['ARCGIS_PASSWORD'])),
        token=dict(type='str', no_log=True, fallback=(env_fallback, ['ARCGIS_TOKEN'])),
        referer=dict(type='str'),
    )
    return spec


ARCGIS_MUTUALLY_EXCLUSIVE = [('token', 'username'), ('token', 'password')]
ARCGIS_REQUIRED_TOGETHER = [('username', 'password')]


def parse_error_body(response, body):
    """``(code, message)`` of an ArcGIS error body, or ``(None, None)``.

    Two shapes exist: ``{"error": {"code", "message", "details"}}`` (REST and admin API) and
    ``{"status": "error", "messages": [...], "code": ...}`` (server-admin style endpoints).
    """
    if not isinstance(body, dict):
        return None, None
    error = body.get('error')
    if isinstance(error, dict):
        message = error.get('message') or ''
        details = error.get('details')
        if isinstance(details, str):
            details = [details]
        extra = [str(item).rstrip('.') for item in details or () if item and str(item) not in message]
        if extra:
            message = '%s (%s)' % (message.rstrip('.') if message else '', '; '.join(extra)) if message else '; '.join(extra)
        return error.get('code'), message or None
    if body.get('status') == 'error':
        messages = body.get('messages') or []
        if isinstance(messages, str):
            messages = [messages]
        return body.get('code'), '; '.join(str(item) for item in messages) or None
    return None, None


def validate_base_url(url):
    """The problem with a base URL, or ``None`` when it is usable."""
    parts = urlsplit(url or '')
    if parts.scheme not in ('https', 'http') or not parts.netloc:
        return 'url must be the base URL with its web adaptor context, such as https://gis.example.com/arcgis; got %r.' % url
    if parts.query or parts.fragment:
        return 'url must not carry a query string or fragment; got %r.' % url
    return None


class ArcGISClient:
    """Typed calls to the notebook administration API over one ``HttpClient``."""

    def __init__(self, http, username=None, password=None, token=None, referer=None, on_secret=None):
        self.http = http
        self.username = username
        self.password = password
        self.referer = referer
        self._token = token
        self.token_generated = token is None
        self._on_secret = on_secret or http.add_secret
        if password:
            self._on_secret(password)
        if token:
            self._on_secret(token)

    # --- tokens ---------------------------------------------------------------------------

    def generate_token(self, expiration=None):
        """Ask the portal for a token; returns the token service's body (``token``, ``expires``)."""
        operation = 'Generating a token for %s' % self.username
        data = dict(username=self.username, password=self.password, f='json')
        if self.referer:
            data.update(client='referer', referer=self.referer)
        else:
            data['client'] = 'requestip'
        if expiration is not None:
            data['expiration'] = int(expiration)
        response = self.http.request('POST', TOKEN_PATH, operation, expected=ANY_STATUS, data=data)
        body = self._checked_body(response, operation, privilege=None, token_generated=False)
        if not isinstance(body, dict) or not body.get('token'):
            raise ApiError(operation, method='POST', url=self.http.redact(response.request.url), status=response.status_code,
                           reason='the token service answered without a token')
        self._on_secret(body['token'])
        return body

    def token(self):
        if not self._token:
            self._token = self.generate_token()['token']
        return self._token

    # --- requests -------------------------------------------------------------------------

    def get(self, path, operation, params=None, privilege=None):
        return self._call('GET', path, operation, params=params, privilege=privilege)

    def post(self, path, operation, data=None, privilege=None):
        return self._call('POST', path, operation, data=data, privilege=privilege)

    def _call(self, method, path, operation, params=None, data=None, privilege=None):
        for attempt in (1, 2):
            token = self.token()
            kwargs = {}
            if method == 'GET':
                kwargs['params'] = dict(params or {}, f='json')
                kwargs['headers'] = {'X-Esri-Authorization': 'Bearer %s' % token}
            else:
                kwargs['data'] = dict(data or {}, f='json', token=token)
            try:
                response = self.http.request(method, path, operation, expected=ANY_STATUS, **kwargs)
                return self._checked_body(response, operation, privilege=privilege,
                                          token_generated=self.token_generated)
            except ApiError as error:
                if attempt == 1 and self.token_generated and _is_invalid_token(error):
                    # The token we generated expired or was revoked mid-run: get one more, once.
                    self._token = None
                    continue
                raise
        raise AssertionError('unreachable')  # pragma: no cover

    def _checked_body(self, response, operation, privilege, token_generated):
        """The JSON body, or an ``ApiError`` for an HTTP error or an error inside an HTTP 200."""
        if not 200 <= response.status_code < 300:
            error = self.http.error_from_response(operation, response)
        else:
            body = self.http.json(response, operation)
            code, message = parse_error_body(response, body)
            if code is None and message is None:
                return body
            error = self.http.error_from_response(operation, response, code=code, message=message or 'no message')
        error.reason = _explain(error, privilege, token_generated)
        raise error

    # --- typed calls ----------------------------------------------------------------------

    def get_configuration(self):
        return self.get(CONFIGURATION_PATH, 'Reading the notebook configuration', privilege=PRIVILEGE_CONFIGURATION)


def _status_code(error):
    status = error.status
    if status is None:
        return None
    return int(str(status).split(' ', 1)[0])


def _code(error):
    try:
        return int(error.code)
    except (TypeError, ValueError):
        return None


def _is_invalid_token(error):
    return INVALID_TOKEN in (_code(error), _status_code(error))


def _explain(error, privilege, token_generated):
    """A hint that names what to do about the well-known failures."""
    codes = (_code(error), _status_code(error))
    if INVALID_TOKEN in codes:
        if token_generated:
            return 'the token generated for this run was rejected twice; check that url points at the portal that issued it'
        return 'the token given in token (or ARCGIS_TOKEN) is invalid or has expired; generate a new one, for example with platform_ops.admin.arcgis_token'
    if TOKEN_REQUIRED in codes:
        return 'the server did not receive a token'
    if FORBIDDEN in codes and privilege:
        return 'permission denied: this needs %s' % privilege
    return error.reason


def arcgis_client_from_module(module, pool_maxsize=10):
    """Validate the connection options and build an ``ArcGISClient`` (no request is sent)."""
    params = module.params
    problem = validate_base_url(params['url'])
    if problem:
        module.fail_json(msg=problem)
    if not params['token'] and not (params['username'] and params['password']):
        module.fail_json(msg='Give either token (or ARCGIS_TOKEN) or username and password '
                             '(or ARCGIS_USERNAME and ARCGIS_PASSWORD).')
    token = params['token']
    headers = {'Referer': params['referer']} if params['referer'] else None
    http = client_from_module(module, params['url'], error_parser=parse_error_body,
                              pool_maxsize=pool_maxsize, headers=headers)
    return ArcGISClient(
        http,
        username=None if token else params['username'],
        password=None if token else params['password'],
        token=token,
        referer=params['referer'],
        on_secret=lambda secret: register_secret(module, http, secret),
    )
