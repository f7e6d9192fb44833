# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ArcGIS Enterprise notebook administration: tokens, error bodies and typed calls.

Internal to this collection: used by its modules, with no API promise to others.

Vendor quirks live here and only here: errors arrive inside HTTP 200 bodies, GET requests carry
the token in the ``X-Esri-Authorization`` header and POSTs in the form body (never in a URL),
every request sends ``f=json``, and a generated token that the server calls invalid (498) is
replaced once.
"""

from __future__ import annotations

import json
import re
import threading
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.platform_ops.admin.plugins.module_utils._wait import Schedule, WaitTimeout, poll
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import run_bounded
from ansible_collections.platform_ops.admin.plugins.module_utils._module import (
    Connection,
    common_argument_spec,
    http_from_module,
    register_secret,
    require_url,
    warn_plain_http,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import UNCLEAR, ApiError

# Paths as segments (the HTTP client encodes each one and refuses '.', '..' and empty ones).
TOKEN_PATH = ('sharing', 'rest', 'generateToken')
CONFIGURATION_PATH = ('admin', 'notebooks', 'configuration')
DEPLOYMENTS_PATH = ('admin', 'notebooks', 'deployments')
DATA_ACCESS_PATH = ('notebooks', 'admin', 'dataaccess')
WORKSPACES_PATH = DATA_ACCESS_PATH + ('listUserWorkspaces',)
DELETE_WORKSPACE_PATH = DATA_ACCESS_PATH + ('deleteUserWorkspace',)
TRANSFER_WORKSPACE_PATH = DATA_ACCESS_PATH + ('transferUserWorkspace',)
# Numeric configuration values above this are refused (they are minutes, megabytes or counts; a larger value
# overflows the server's 32-bit integers).
CONFIGURATION_MAXIMUM = 2 ** 31 - 1
# The longest a task may wait for deployments to go (wait_timeout).
MAX_WAIT_TIMEOUT = 86400

# --- Inferred, not documented: every guess about the vendor API lives here, to be corrected from a live site. ---
# The form field of configuration/update that carries the whole configuration as a JSON string.
INFERRED_CONFIGURATION_FIELD = 'configuration'
# The configuration/update path (documented for 11.4+ without a full sample request).
INFERRED_CONFIGURATION_UPDATE_PATH = CONFIGURATION_PATH + ('update',)
# terminateDeployment for an unknown or already terminated id answers an error body (code 404 or 500):
# never trusted on its own; the deployment module lists again and treats "no longer listed" as done.
# The deployment list has no paging parameters; the whole list arrives in one answer under this key.
INFERRED_DEPLOYMENTS_KEY = 'nbDeployments'
# notebookEgressNetworkPolicy may come back as a JSON string rather than an object: both are read.
# transferUserWorkspace without a targetFolderName: we always send one (default: the source user's name).
# Numeric configuration properties must be positive integers (only the two minimums below are documented).

# Every answer is judged by _checked_body: ArcGIS errors come in HTTP 200 bodies and in error statuses alike.
ANY_STATUS = range(100, 600)

# Values of a "status" member that mean the operation failed (deleteUserWorkspace documents "failure").
FAILED_STATUSES = ('error', 'failure', 'failed')

INVALID_TOKEN = 498
TOKEN_REQUIRED = 499
FORBIDDEN = 403

# Privileges the vendor documents per area, named in permission errors.
PRIVILEGE_CONFIGURATION = 'the "Servers" or "Security and infrastructure" administrative privilege'
PRIVILEGE_NOTEBOOKS = 'an administrative privilege together with "Create and edit notebooks"'
PRIVILEGE_WORKSPACES = 'the default administrator role'

# Documented minimums of configuration properties.
CONFIGURATION_MINIMUMS = {'maxExecuteNotebookTimeMinutes': 15, 'asyncJobsCleanAgeHours': 6}
CONFIGURATION_INTEGERS = ('webSocketSize', 'maxExecuteNotebookTimeMinutes', 'maxSnapshotsPerNotebookItem',
                          'asyncJobsCleanAgeHours', 'idleNotebookThreshold', 'containerCreatedThreshold')
CONFIGURATION_BOOLEANS = ('allowHiddenFileDownloads',)
CONFIGURATION_JSON = ('notebookEgressNetworkPolicy',)
CONFIGURATION_TYPED = CONFIGURATION_INTEGERS + CONFIGURATION_BOOLEANS + CONFIGURATION_JSON


def arcgis_argument_spec():
    """Connection options (documented by the ``platform_ops.admin.arcgis`` fragment) plus the common ones."""
    spec = common_argument_spec('ARCGIS_')
    spec.update(
        url=dict(type='str', required=True, fallback=(env_fallback, ['ARCGIS_URL'])),
        # The credentials fall back to the environment by the rule of Connection.prepare (ARCGIS_CREDENTIALS).
        username=dict(type='str'),
        password=dict(type='str', no_log=True),
        token=dict(type='str', no_log=True),
        referer=dict(type='str'),
    )
    return spec


# The ways to authenticate, in order of preference, with their environment variables. No mutually_exclusive
# between token and username/password: a token given beside them wins (module_defaults may give both).
ARCGIS_PASSWORD_WAY = (('username', 'ARCGIS_USERNAME'), ('password', 'ARCGIS_PASSWORD'))
ARCGIS_CREDENTIALS = ((('token', 'ARCGIS_TOKEN'),), ARCGIS_PASSWORD_WAY)


def parse_error_body(response, body):
    """``(code, message)`` of an ArcGIS error body, or ``(None, None)``.

    Two shapes exist: ``{"error": {"code", "message", "details"}}`` (REST and admin API) and
    ``{"status": "error", "messages": [...], "code": ...}`` (server-admin style endpoints). Data access
    operations document ``{"status": "<success | failure>"}``: a ``failure`` status is an error too.
    """
    if not isinstance(body, dict):
        return None, None
    error = body.get('error')
    if error and not isinstance(error, dict):
        # Not the documented shape, but still an error member: never read it as a success.
        return None, str(error)
    if isinstance(error, dict):
        message = error.get('message') or ''
        details = error.get('details')
        if isinstance(details, str):
            details = [details]
        extra = [str(item).rstrip('.') for item in details or () if item and str(item) not in message]
        if extra:
            message = '%s (%s)' % (message.rstrip('.') if message else '', '; '.join(extra)) if message else '; '.join(extra)
        return error.get('code'), message or None
    status = body.get('status')
    if isinstance(status, str) and status.lower() in FAILED_STATUSES:
        messages = body.get('messages') or []
        if isinstance(messages, str):
            messages = [messages]
        text = '; '.join(str(item) for item in messages)
        return body.get('code'), text or 'the server answered status "%s"' % status
    return None, None


class ArcGISClient:
    """Typed calls to the notebook administration API over one ``HttpClient``."""

    def close(self):
        """Close the pooled connections (the module frame does at the end of every run)."""
        self.http.close()

    def __init__(self, http, username=None, password=None, token=None, referer=None, on_secret=None):
        self.http = http
        self.username = username
        self.password = password
        self.referer = referer
        self._token = token
        self.token_generated = token is None
        self._on_secret = on_secret or http.add_secret
        self._token_lock = threading.Lock()
        if password:
            self._on_secret(password)
        if token:
            self._on_secret(token)

    def mask_in_messages_only(self):
        """Secrets obtained from now on (generated tokens) are kept out of error messages only, not out of the
        module's returned values (``arcgis_token`` returns the token it generates)."""
        self._on_secret = self.http.add_secret

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
        # Generating a token changes nothing: it is sent in check mode too.
        response = self.http.request('POST', TOKEN_PATH, operation, expected=ANY_STATUS, data=data, read_like=True)
        body = self._checked_body(response, operation, privilege=None, token_generated=False)
        if not isinstance(body, dict) or not body.get('token'):
            raise ApiError(operation, method='POST', url=self.http.redact(response.request.url), status=response.status_code,
                           reason='the token service answered without a token')
        self._on_secret(body['token'])
        return body

    def token(self):
        with self._token_lock:
            if not self._token:
                self._token = self.generate_token()['token']
            return self._token

    def _forget_token(self, token):
        """Drop a rejected token, unless another thread already replaced it."""
        with self._token_lock:
            if self._token == token:
                self._token = None

    # --- requests -------------------------------------------------------------------------

    def get(self, path, operation, params=None, privilege=None):
        return self._call('GET', path, operation, params=params, privilege=privilege)[1]

    def post(self, path, operation, data=None, privilege=None):
        return self._call('POST', path, operation, data=data, privilege=privilege)[1]

    def _call(self, method, path, operation, params=None, data=None, privilege=None):
        """``(response, body)`` of one call, the body checked by ``_checked_body``."""
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
                body = self._checked_body(response, operation, privilege=privilege, token_generated=self.token_generated)
                return response, body
            except ApiError as error:
                if attempt == 1 and self.token_generated and _is_invalid_token(error):
                    # The token we generated expired or was revoked mid-run: get one more, once.
                    self._forget_token(token)
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
        """The configuration, a JSON object: any other answer fails rather than being read (or overwritten) as one."""
        operation = 'Reading the notebook configuration'
        body = self.get(CONFIGURATION_PATH, operation, privilege=PRIVILEGE_CONFIGURATION)
        if not isinstance(body, dict):
            raise ApiError(operation, method='GET', url=self.http.redact(self.http.url(CONFIGURATION_PATH)), status=200,
                           reason='the answer is %s, not a configuration object' % (
                               'empty' if body is None else 'a JSON %s' % type(body).__name__))
        return body

    def update_configuration(self, configuration):
        """Post the whole configuration (the server overwrites everything it does not receive)."""
        return self.post(INFERRED_CONFIGURATION_UPDATE_PATH, 'Updating the notebook configuration',
                         data={INFERRED_CONFIGURATION_FIELD: json.dumps(configuration, sort_keys=True)},
                         privilege=PRIVILEGE_CONFIGURATION)

    def list_deployments(self):
        """Every notebook deployment the caller may see (administrators: everyone's).

        An answer whose list is missing, null or not a list fails rather than reading as "nothing runs" (which
        would make every terminate a silent no-op and let a workspace delete go ahead); entries without a string
        id are skipped.
        """
        operation = 'Listing notebook deployments'
        response, body = self._call('GET', DEPLOYMENTS_PATH, operation, privilege=PRIVILEGE_NOTEBOOKS)
        deployments = self.http.member_list(body, INFERRED_DEPLOYMENTS_KEY, operation, response)
        listed = {}  # by id, first entry wins: an id listed twice must not be terminated twice
        for entry in deployments:
            if isinstance(entry, dict) and _usable_name(entry.get('id')):
                listed.setdefault(entry['id'], entry)
        return list(listed.values())

    def terminate_deployment(self, deployment_id):
        return self.post(DEPLOYMENTS_PATH + (deployment_id, 'terminateDeployment'),
                         'Terminating notebook deployment %s' % deployment_id, privilege=PRIVILEGE_NOTEBOOKS)

    def terminate_deployments(self, deployment_ids, parallel=4):
        """Terminate many deployments over the one pooled session, at most ``parallel`` at a time.

        Returns ``{id: ApiError}`` for those that failed (an empty dict when all succeeded).
        """
        ids = list(deployment_ids)
        if not ids:
            return {}
        self.token()  # one token for every worker, obtained before they start

        outcomes = run_bounded(ids, self.terminate_deployment, parallel, name='terminate')
        return {outcome.item: outcome.error for outcome in outcomes if outcome.failed}

    def wait_until_not_listed(self, deployment_ids, timeout, owner=None, sleep=time.sleep, clock=time.monotonic):
        """Poll the deployment list (capped exponential backoff) until none of ``deployment_ids`` is listed.

        Returns the ids still listed when ``timeout`` seconds passed (empty on success).
        """
        pending = set(deployment_ids)

        def still_listed():
            pending.intersection_update(entry['id'] for entry in self.list_deployments()
                                        if owner is None or entry.get('username') == owner)
            return pending

        try:
            poll(still_listed, lambda ids: not ids, max(0, timeout), schedule=Schedule(0.25, 2.0, 5.0), immediately=True,
                 at_least_once=True, sleep=sleep, clock=clock)
        except WaitTimeout:
            pass
        return sorted(pending)

    def list_workspaces(self):
        """User names that have a workspace in data access (an answer without the list fails, see above)."""
        operation = 'Listing user workspaces'
        response, body = self._call('GET', WORKSPACES_PATH, operation, privilege=PRIVILEGE_WORKSPACES)
        containers = self.http.member_list(body, 'Containers', operation, response)
        return [entry['Name'] for entry in containers if isinstance(entry, dict) and _usable_name(entry.get('Name'))]

    def delete_workspace(self, owner):
        return self.post(DELETE_WORKSPACE_PATH, 'Deleting the workspace of %s' % owner,
                         data={'userName': owner}, privilege=PRIVILEGE_WORKSPACES)

    def transfer_workspace(self, owner, target_owner, target_folder):
        return self.post(TRANSFER_WORKSPACE_PATH, 'Transferring the workspace of %s to %s' % (owner, target_owner),
                         data={'userName': owner, 'targetUserName': target_owner, 'targetFolderName': target_folder},
                         privilege=PRIVILEGE_WORKSPACES)


def settle_terminations(module, ids, failures, listed):
    """Judge the failed terminates (``failures``: ``{id: ApiError}``) of ``ids`` against the deployment ids listed
    again afterwards (``listed``); returns ``(ours, others, still)`` in the order of ``ids``.

    Each failure is settled by the frame's rule (``PlatformModule.settle``): an unclear answer and the deployment no
    longer listed - terminated by this task (``ours``), with a warning. A refused terminate whose deployment is no
    longer listed was terminated by someone or something else (``others``), with a warning. The rest are ``still``
    running.
    """
    ours, others, still = [], [], []
    for deployment_id in ids:
        error = failures.get(deployment_id)
        if error is None:
            ours.append(deployment_id)
            continue
        try:
            module.settle(error, 'the termination of notebook deployment %s' % deployment_id,
                          lambda deployment_id=deployment_id: deployment_id not in listed,
                          shown=lambda _gone: 'it is no longer listed, so it is reported as terminated',
                          not_shown='it is still listed')
            ours.append(deployment_id)
        except ApiError:
            if deployment_id in listed or error.outcome == UNCLEAR:
                still.append(deployment_id)
                continue
            module.warn('Notebook deployment %s went away while this task was terminating it (someone or something '
                        'else terminated it; the server said: %s).' % (deployment_id, error.vendor_message or error.answer()))
            others.append(deployment_id)
    return ours, others, still


def _usable_name(value):
    return isinstance(value, str) and value != ''


def deployment_age_minutes(entry, now=None):
    """Minutes since ``dateCreated`` (epoch milliseconds), or ``None`` when the entry has no usable date."""
    created = entry.get('dateCreated')
    if isinstance(created, bool) or not isinstance(created, (int, float)):
        return None
    now = time.time() if now is None else now
    return (now * 1000 - created) / 60000.0


def select_deployments(deployments, deployment_ids=None, owner=None, older_than_minutes=None, now=None):
    """The listed deployments matching every given selector (ids, owner, age), in list order."""
    wanted = set(deployment_ids) if deployment_ids is not None else None
    selected = []
    for entry in deployments:
        if wanted is not None and entry.get('id') not in wanted:
            continue
        if owner is not None and entry.get('username') != owner:
            continue
        if older_than_minutes is not None:
            age = deployment_age_minutes(entry, now)
            if age is None or age < older_than_minutes:
                continue
        selected.append(entry)
    return selected


def _code(error):
    try:
        return int(error.code)
    except (TypeError, ValueError):
        return None


def _is_invalid_token(error):
    return INVALID_TOKEN in (_code(error), error.status)


def _explain(error, privilege, token_generated):
    """A hint that names what to do about the well-known failures."""
    codes = (_code(error), error.status)
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
    require_url(module, params['url'], 'url', 'https://gis.example.com/arcgis (the base URL with its web adaptor context)')
    if not params['token'] and bool(params['username']) != bool(params['password']):
        module.fail_json(msg='username and password go together: give both (or ARCGIS_USERNAME and ARCGIS_PASSWORD).')
    if not params['token'] and not (params['username'] and params['password']):
        module.fail_json(msg='Give either token (or ARCGIS_TOKEN) or username and password '
                             '(or ARCGIS_USERNAME and ARCGIS_PASSWORD).')
    warn_plain_http(module, params['url'], 'url', 'the token' if params['token'] else
                    'the password and the generated token (the token service is documented as HTTPS only)')
    token = params['token']
    headers = {'Referer': params['referer']} if params['referer'] else None
    # Errors come in HTTP 200 answers too: a 200 whose body cannot be read does not prove a write was accepted.
    http = http_from_module(module, params['url'], error_parser=parse_error_body,
                            pool_maxsize=pool_maxsize, headers=headers, errors_in_success=True)
    return ArcGISClient(
        http,
        username=None if token else params['username'],
        password=None if token else params['password'],
        token=token,
        referer=params['referer'],
        on_secret=lambda secret: register_secret(module, http, secret),
    )


def _is_digits(value):
    """A string of ASCII digits (``str.isdigit`` also accepts characters such as '²' that ``int`` rejects)."""
    return isinstance(value, str) and re.fullmatch(r'\s*[0-9]+\s*', value) is not None


def parse_json_setting(value):
    """A JSON-valued setting given as a dict/list or as a JSON string, parsed (``ValueError`` otherwise)."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, str):
        return json.loads(value)
    raise ValueError('expected a dict or a JSON string, got %s' % type(value).__name__)


def normalize_settings(settings):
    """``(settings with types converted, [problems])`` for requested configuration properties.

    Integers may be given as strings of digits (templates produce those); booleans accept Ansible's spellings.
    Unknown keys are passed through as given.
    """
    normalized = {}
    problems = []
    for key, value in (settings or {}).items():
        if key in CONFIGURATION_INTEGERS:
            number = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif _is_digits(value):
                number = int(value.strip())
            if number is None:
                problems.append('%s must be an integer, got %r' % (key, value))
                continue
            minimum = CONFIGURATION_MINIMUMS.get(key, 1)
            if number < minimum:
                problems.append('%s must be at least %d, got %d' % (key, minimum, number))
                continue
            if number > CONFIGURATION_MAXIMUM:
                problems.append('%s must be at most %d, got %d' % (key, CONFIGURATION_MAXIMUM, number))
                continue
            normalized[key] = number
        elif key in CONFIGURATION_BOOLEANS:
            try:
                normalized[key] = boolean(value, strict=True)
            except TypeError:
                problems.append('%s must be a boolean, got %r' % (key, value))
        elif key in CONFIGURATION_JSON:
            try:
                parsed = parse_json_setting(value)
            except ValueError as error:
                problems.append('%s must be a dict or a JSON string of an object (%s)' % (key, error))
                continue
            if not isinstance(parsed, dict):
                problems.append('%s must be a JSON object, got %s' % (key, type(parsed).__name__))
                continue
            normalized[key] = parsed
        else:
            normalized[key] = value
    return normalized, problems


def comparable_setting(key, value):
    """A value as compared: JSON-valued properties are compared parsed, whichever form the server used."""
    if key in CONFIGURATION_JSON and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in CONFIGURATION_INTEGERS and _is_digits(value):
        return int(value.strip())
    if key in CONFIGURATION_BOOLEANS and isinstance(value, str):
        try:
            return boolean(value, strict=True)
        except TypeError:
            return value
    return value


# How ArcGIS modules connect (the frame of ``_module.PlatformModule``).
ARCGIS = Connection(arcgis_argument_spec, arcgis_client_from_module, credentials=ARCGIS_CREDENTIALS)
