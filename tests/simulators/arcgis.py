# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArcGIS Enterprise notebook administration simulator (see shared/reference/arcgis-notebooks.md).

Faithful to the documented behaviour:

* ``POST <ctx>/sharing/rest/generateToken`` (form: username, password, client, referer, expiration, f);
* the token comes in the POST form body, the ``X-Esri-Authorization: Bearer`` header, or (as real
  servers accept, and our modules must never use) a ``token`` query parameter;
* errors are HTTP 200 with ``{"error": {"code", "message", "details"}}``; 498 invalid or expired
  token, 499 token required, 403 not permitted (``token_error_status`` can make token errors use a
  real HTTP 498/499 status, as some server-admin endpoints do);
* tokens generated with ``client=referer`` are only accepted with a matching ``Referer`` header;
* requests without ``f=json`` get an HTML page, as the real directory does.
"""

from __future__ import annotations

import copy
import secrets
import time

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .base import Simulator, json_response

CONTEXT = '/arcgis'

DEFAULT_USERS = {
    'admin': {'password': 'admin-password-1', 'role': 'admin'},
    'gis_joe': {'password': 'joe-password-1', 'role': 'user'},
}

DEFAULT_CONFIGURATION = {
    'webSocketSize': 16,
    'maxExecuteNotebookTimeMinutes': 120,
    'maxSnapshotsPerNotebookItem': 5,
    'asyncJobsCleanAgeHours': 6,
    'allowHiddenFileDownloads': False,
    'idleNotebookThreshold': 720,
    'containerCreatedThreshold': 60,
}

MAX_TOKEN_MINUTES = 20160

INVALID_TOKEN = {'code': 498, 'message': 'Invalid token.', 'details': []}
TOKEN_REQUIRED = {'code': 499, 'message': 'Token Required.', 'details': []}
FORBIDDEN = {'code': 403, 'message': 'You do not have permissions to access this resource or perform this operation.',
             'details': []}


def error_body(code, message, details=None):
    return {'error': {'code': code, 'message': message, 'details': details}}


class ArcGISSimulator(Simulator):
    name = 'arcgis'
    base_path = CONTEXT
    url_map = Map([
        Rule(CONTEXT + '/sharing/rest/generateToken', endpoint='generate_token'),
        Rule(CONTEXT + '/admin/notebooks/configuration', endpoint='configuration', methods=['GET']),
    ])

    def reset_state(self):
        self.users = copy.deepcopy(DEFAULT_USERS)
        self.tokens = {}
        self.configuration = copy.deepcopy(DEFAULT_CONFIGURATION)
        #: HTTP status for token errors: 200 (error in the body, the usual) or the error code itself.
        self.token_error_status = 200

    def seed(self, data):
        data = dict(data)
        if 'users' in data:
            self.users.update(copy.deepcopy(data.pop('users')))
        if 'configuration' in data:
            self.configuration = copy.deepcopy(data.pop('configuration'))
        if 'token_error_status' in data:
            self.token_error_status = int(data.pop('token_error_status'))
        if 'tokens' in data:
            for token, info in data.pop('tokens').items():
                self.tokens[token] = dict(info)
        if data:
            raise ValueError('unknown ArcGIS seed keys: %s' % ', '.join(sorted(data)))

    def dump_state(self):
        return {'users': sorted(self.users), 'configuration': self.configuration,
                'tokens': len(self.tokens), 'token_error_status': self.token_error_status}

    def demo_vars(self):
        """Variables ``make demo`` passes to its playbook (simulator credentials only)."""
        return {'arcgis_username': 'admin', 'arcgis_password': self.users['admin']['password']}

    # --- helpers ---------------------------------------------------------------------------

    def issue_token(self, username, expiration_minutes=60, referer=None):
        """Create a token directly (for tests that start with a given token)."""
        token = secrets.token_urlsafe(32)
        minutes = max(1, min(int(expiration_minutes), MAX_TOKEN_MINUTES))
        self.tokens[token] = {'username': username, 'expires': int((time.time() + minutes * 60) * 1000),
                              'referer': referer}
        return token

    def expire_token(self, token):
        self.tokens[token]['expires'] = 0

    def expire_all_tokens(self):
        for info in self.tokens.values():
            info['expires'] = 0

    def not_found(self, request, error):
        return json_response(error_body(404, 'Could not find resource or operation \'%s\' on the system.' % request.path))

    @staticmethod
    def wants_json(request):
        value = request.values.get('f', '')
        return value in ('json', 'pjson')

    def html(self, request):
        return Response('<html><head><title>ArcGIS Enterprise</title></head><body><h1>%s</h1></body></html>' % request.path,
                        mimetype='text/html')

    def token_error(self, error):
        return json_response({'error': error}, status=self.token_error_status)

    def authenticate(self, request, admin=False):
        """``(user, None)`` for a valid token, or ``(None, response)`` with the vendor's error."""
        token = None
        header = request.headers.get('X-Esri-Authorization', '')
        if header.lower().startswith('bearer '):
            token = header[7:].strip()
        if not token and request.method == 'POST':
            token = request.form.get('token')
        if not token:
            token = request.args.get('token')
        if not token:
            return None, self.token_error(TOKEN_REQUIRED)
        info = self.tokens.get(token)
        if info is None or info['expires'] <= time.time() * 1000:
            return None, self.token_error(INVALID_TOKEN)
        if info.get('referer') and request.headers.get('Referer') != info['referer']:
            return None, self.token_error(INVALID_TOKEN)
        user = dict(self.users.get(info['username'], {'role': 'user'}), username=info['username'])
        if admin and user['role'] != 'admin':
            return None, json_response({'error': FORBIDDEN})
        return user, None

    # --- endpoints -------------------------------------------------------------------------

    def on_generate_token(self, request):
        if request.method != 'POST':
            return json_response(error_body(405, 'Method not supported.', ['generateToken requires a POST request.']))
        form = request.form
        username, password = form.get('username'), form.get('password')
        user = self.users.get(username)
        if not username or not password:
            return json_response(error_body(400, 'Unable to generate token.', ["'username' and 'password' are required."]))
        if user is None or user['password'] != password:
            return json_response(error_body(400, 'Unable to generate token.', ['Invalid username or password.']))
        client = form.get('client', 'requestip')
        referer = form.get('referer') if client == 'referer' else None
        if client == 'referer' and not referer:
            return json_response(error_body(400, 'Unable to generate token.', ["'referer' is required."]))
        try:
            minutes = int(form.get('expiration', 60))
        except ValueError:
            return json_response(error_body(400, 'Unable to generate token.', ["'expiration' must be an integer."]))
        token = self.issue_token(username, minutes, referer)
        return json_response({'token': token, 'expires': self.tokens[token]['expires'], 'ssl': True})

    def on_configuration(self, request):
        if not self.wants_json(request):
            return self.html(request)
        _user, failure = self.authenticate(request, admin=True)
        if failure is not None:
            return failure
        return json_response(self.configuration)
