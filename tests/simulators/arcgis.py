# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArcGIS Enterprise notebook administration simulator (see shared/reference/arcgis-notebooks.md).

Faithful to the documented behaviour:

* ``POST <ctx>/sharing/rest/generateToken`` (form: username, password, client, referer, expiration, f);
* a POST must carry the token in its form body (as the vendor requires); a GET sends the
  ``X-Esri-Authorization: Bearer`` header or (as real servers accept, and our modules must never use) a
  ``token`` query parameter;
* errors are HTTP 200 with ``{"error": {"code", "message", "details"}}``; 498 invalid or expired
  token, 499 token required, 403 not permitted (``token_error_status`` can make token errors use a
  real HTTP 498/499 status, as some server-admin endpoints do);
* tokens generated with ``client=referer`` are only accepted with a matching ``Referer`` header;
* requests without ``f=json`` get an HTML page, as the real directory does;
* notebook deployments (``GET <ctx>/admin/notebooks/deployments``, ``.../deployments/<id>``,
  ``POST .../deployments/<id>/terminateDeployment``): admins list and terminate everyone's, other users
  only their own; an unknown id answers an ``error`` body (code 404, inferred);
* user workspaces in data access (``GET <ctx>/notebooks/admin/dataaccess/listUserWorkspaces``,
  ``POST .../deleteUserWorkspace`` and ``.../transferUserWorkspace``): delete and transfer are for the
  default administrator only and fail with HTTP 200 / code 500 "actively running containers" while the
  user has a deployment; non-admins list only their own workspace (inferred);
* configuration update (``POST <ctx>/admin/notebooks/configuration/update``, form field ``configuration``
  holding a JSON string, inferred): it overwrites the whole configuration and enforces the documented
  minimums.

The default state is a small site (used by ``make demo``): an administrator, the analyst ``gis_joe`` with
two running deployments and a workspace, and his manager ``gis_ann``. ``termination_lag`` keeps a
terminated deployment listed for that many more list requests, as a slow cluster does.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
import uuid

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .base import Simulator, json_response

CONTEXT = '/arcgis'

DEFAULT_USERS = {
    'admin': {'password': 'admin-password-1', 'role': 'admin'},
    'gis_joe': {'password': 'joe-password-1', 'role': 'user'},
    'gis_ann': {'password': 'ann-password-1', 'role': 'user'},
}

RUNTIMES = {
    'standard': ('a7f6b8e2c1d34f5e9a0b1c2d3e4f5a6b', 'ArcGIS Notebook Python 3 Standard', '11.0'),
    'advanced': ('b8e2c1d34f5e9a0b1c2d3e4f5a6b7c8d', 'ArcGIS Notebook Python 3 Advanced', '11.0'),
}

# (owner, runtime, age in minutes) of the deployments running in the default state.
DEFAULT_DEPLOYMENTS = (('gis_joe', 'standard', 190), ('gis_joe', 'advanced', 25))
DEFAULT_WORKSPACES = ('admin', 'gis_joe', 'gis_ann')

# Documented minimums the server enforces on update.
CONFIGURATION_MINIMUMS = {'maxExecuteNotebookTimeMinutes': 15, 'asyncJobsCleanAgeHours': 6}

RUNNING_CONTAINERS = 'Failed to delete user workspace. The user has actively running containers.'
RUNNING_CONTAINERS_TRANSFER = 'Failed to transfer user workspace. The user has actively running containers.'

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
        Rule(CONTEXT + '/admin/notebooks/configuration/update', endpoint='configuration_update', methods=['POST']),
        Rule(CONTEXT + '/admin/notebooks/deployments', endpoint='deployments', methods=['GET']),
        Rule(CONTEXT + '/admin/notebooks/deployments/<deployment_id>', endpoint='deployment', methods=['GET']),
        Rule(CONTEXT + '/admin/notebooks/deployments/<deployment_id>/terminateDeployment', endpoint='terminate',
             methods=['POST']),
        Rule(CONTEXT + '/notebooks/admin/dataaccess/listUserWorkspaces', endpoint='workspaces', methods=['GET']),
        Rule(CONTEXT + '/notebooks/admin/dataaccess/deleteUserWorkspace', endpoint='delete_workspace',
             methods=['POST']),
        Rule(CONTEXT + '/notebooks/admin/dataaccess/transferUserWorkspace', endpoint='transfer_workspace',
             methods=['POST']),
    ])

    def reset_state(self):
        self.users = copy.deepcopy(DEFAULT_USERS)
        self.tokens = {}
        self.configuration = copy.deepcopy(DEFAULT_CONFIGURATION)
        #: HTTP status for token errors: 200 (error in the body, the usual) or the error code itself.
        self.token_error_status = 200
        #: id -> deployment entry as listed (plus private ``_lingering`` while it is being terminated)
        self.deployments = {}
        #: user name -> {'folders': {folder name: user the folder was transferred from}}
        self.workspaces = {name: {'folders': {}} for name in DEFAULT_WORKSPACES}
        #: how many more list requests a terminated deployment stays listed
        self.termination_lag = 0
        self.terminated = []
        for owner, runtime, age in DEFAULT_DEPLOYMENTS:
            self.add_deployment(owner, runtime=runtime, age_minutes=age)

    def seed(self, data):
        """Seed keys: ``users``, ``configuration``, ``token_error_status``, ``tokens``, ``deployments`` (a list of
        partial entries, or ``{"owner": ..., "count": ..., "runtime": ..., "age_minutes": ...}`` for many),
        ``workspaces`` (user names), ``clear`` (list of ``deployments``/``workspaces`` to empty first),
        ``termination_lag`` and ``expire_tokens`` (true: every token issued so far expires)."""
        data = dict(data)
        for what in data.pop('clear', ()):
            getattr(self, what).clear()
        if 'deployments' in data:
            deployments = data.pop('deployments')
            if isinstance(deployments, dict):
                deployments = [deployments]
            for entry in deployments:
                entry = dict(entry)
                if 'count' in entry:
                    self.add_deployments(entry.pop('owner'), entry.pop('count'), **entry)
                else:
                    self.add_deployment(entry.pop('username', entry.pop('owner', 'gis_joe')), **entry)
        for name in data.pop('workspaces', ()):
            self.workspaces.setdefault(name, {'folders': {}})
        if 'termination_lag' in data:
            self.termination_lag = int(data.pop('termination_lag'))
        if data.pop('expire_tokens', False):
            self.expire_all_tokens()
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
                'tokens': len(self.tokens), 'token_error_status': self.token_error_status,
                'deployments': self.listed_deployments(), 'workspaces': self.workspaces,
                'termination_lag': self.termination_lag}

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

    def add_deployment(self, owner, runtime='standard', age_minutes=5, deployment_id=None, **extra):
        """Start a deployment for ``owner``; returns its entry."""
        runtime_id, runtime_name, runtime_version = RUNTIMES.get(runtime, (runtime, runtime, '11.0'))
        deployment_id = deployment_id or extra.pop('id', None) or uuid.uuid4().hex
        entry = {
            'id': deployment_id, 'username': owner, 'type': 'openNotebook',
            'url': '/notebooks/%s' % deployment_id, 'privateUrl': '',
            'dateCreated': int((time.time() - float(age_minutes) * 60) * 1000),
            'notebookRuntimeId': runtime_id, 'notebookRuntimeName': runtime_name,
            'notebookRuntimeVersion': runtime_version, 'allowHiddenFileDownloads': False,
        }
        entry.update(extra)
        self.deployments[deployment_id] = entry
        return entry

    def add_deployments(self, owner, count, runtime='standard', age_minutes=5):
        """Start ``count`` deployments for ``owner`` (seeding thousands is fast); returns their ids."""
        return [self.add_deployment(owner, runtime=runtime, age_minutes=age_minutes)['id'] for _index in range(int(count))]

    def listed_deployments(self, username=None):
        """Deployments as the list endpoint shows them (to ``username`` only their own)."""
        return [{key: value for key, value in entry.items() if not key.startswith('_')}
                for entry in self.deployments.values() if username is None or entry['username'] == username]

    def running(self, username):
        return [entry['id'] for entry in self.deployments.values() if entry['username'] == username]

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
        if request.method == 'POST':
            # "All POST requests made to the Enterprise Administrator API must include a token in the request
            # body": a token in a header or the query string does not count for a POST.
            token = request.form.get('token')
        else:
            header = request.headers.get('X-Esri-Authorization', '')
            if header.lower().startswith('bearer '):
                token = header[7:].strip()
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

    def on_configuration_update(self, request):
        if not self.wants_json(request):
            return self.html(request)
        _user, failure = self.authenticate(request, admin=True)
        if failure is not None:
            return failure
        raw = request.form.get('configuration')
        if not raw:
            return json_response(error_body(400, "Unable to update the notebook configuration.",
                                            ["'configuration' is required."]))
        try:
            configuration = json.loads(raw)
        except ValueError:
            return json_response(error_body(400, 'Unable to update the notebook configuration.',
                                            ["'configuration' must be a JSON object."]))
        if not isinstance(configuration, dict):
            return json_response(error_body(400, 'Unable to update the notebook configuration.',
                                            ["'configuration' must be a JSON object."]))
        for key, minimum in CONFIGURATION_MINIMUMS.items():
            value = configuration.get(key)
            if value is not None and (not isinstance(value, int) or value < minimum):
                return json_response(error_body(400, 'Unable to update the notebook configuration.',
                                                ['%s must be an integer of at least %d.' % (key, minimum)]))
        self.configuration = configuration  # the update overwrites everything
        return json_response({'status': 'success'})

    # deployments

    def _age_lingering(self):
        """A list request: deployments being terminated get closer to gone."""
        for deployment_id in [key for key, entry in self.deployments.items() if '_lingering' in entry]:
            entry = self.deployments[deployment_id]
            if entry['_lingering'] <= 0:
                del self.deployments[deployment_id]
            else:
                entry['_lingering'] -= 1

    def on_deployments(self, request):
        if not self.wants_json(request):
            return self.html(request)
        user, failure = self.authenticate(request)
        if failure is not None:
            return failure
        self._age_lingering()
        return json_response({'nbDeployments': self.listed_deployments(None if user['role'] == 'admin' else user['username'])})

    def _visible(self, user, deployment_id):
        entry = self.deployments.get(deployment_id)
        if entry is None:
            return None, json_response(error_body(404, "Notebook deployment '%s' does not exist." % deployment_id))
        if user['role'] != 'admin' and entry['username'] != user['username']:
            return None, json_response({'error': FORBIDDEN})
        return entry, None

    def on_deployment(self, request, deployment_id):
        if not self.wants_json(request):
            return self.html(request)
        user, failure = self.authenticate(request)
        if failure is not None:
            return failure
        entry, failure = self._visible(user, deployment_id)
        if failure is not None:
            return failure
        return json_response({key: value for key, value in entry.items() if not key.startswith('_')})

    def on_terminate(self, request, deployment_id):
        if not self.wants_json(request):
            return self.html(request)
        user, failure = self.authenticate(request)
        if failure is not None:
            return failure
        entry, failure = self._visible(user, deployment_id)
        if failure is not None:
            return failure
        if '_lingering' not in entry:
            self.terminated.append(deployment_id)
        if self.termination_lag > 0:
            entry.setdefault('_lingering', self.termination_lag)
        else:
            del self.deployments[deployment_id]
        return json_response({'status': 'success'})

    # workspaces

    def on_workspaces(self, request):
        if not self.wants_json(request):
            return self.html(request)
        user, failure = self.authenticate(request)
        if failure is not None:
            return failure
        names = sorted(self.workspaces)
        if user['role'] != 'admin':
            names = [name for name in names if name == user['username']]
        return json_response({'Containers': [{'Name': name} for name in names]})

    def _workspace_operation(self, request, action):
        if not self.wants_json(request):
            return None, None, self.html(request)
        _user, failure = self.authenticate(request, admin=True)
        if failure is not None:
            return None, None, failure
        owner = request.form.get('userName')
        if not owner:
            return None, None, json_response(error_body(400, 'Failed to %s user workspace.' % action,
                                                        ["'userName' is required."]))
        if owner not in self.workspaces:  # the answer for a missing workspace is inferred
            return None, None, json_response(error_body(404, 'Failed to %s user workspace. The workspace of user '
                                                             "'%s' does not exist." % (action, owner)))
        return owner, self.running(owner), None

    def on_delete_workspace(self, request):
        owner, running, failure = self._workspace_operation(request, 'delete')
        if failure is not None:
            return failure
        if running:
            return json_response(error_body(500, RUNNING_CONTAINERS))
        del self.workspaces[owner]
        return json_response({'status': 'success'})

    def on_transfer_workspace(self, request):
        owner, running, failure = self._workspace_operation(request, 'transfer')
        if failure is not None:
            return failure
        target = request.form.get('targetUserName')
        if not target or target not in self.users:
            return json_response(error_body(400, 'Failed to transfer user workspace.',
                                            ["Target user '%s' does not exist." % target]))
        if running:
            return json_response(error_body(500, RUNNING_CONTAINERS_TRANSFER))
        folder = request.form.get('targetFolderName') or owner
        workspace = self.workspaces.setdefault(target, {'folders': {}})
        if folder in workspace['folders']:
            return json_response(error_body(409, 'Failed to transfer user workspace.',
                                            ["Folder '%s' already exists in the workspace of '%s'." % (folder, target)]))
        workspace['folders'][folder] = owner
        del self.workspaces[owner]
        return json_response({'status': 'success'})
