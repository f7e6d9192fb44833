# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic Cloud Enterprise: connection, error bodies, typed calls and plan waiting.

Internal to this collection: used by its modules, with no API promise to others.

ECE quirks live here and only here: every error body is a ``BasicFailedReply`` (a list of
``errors`` with ``code`` and ``message``) with the codes repeated in the ``x-cloud-error-codes``
header; commands on a resource start a *plan* that the API reports under
``info.plan_info.pending`` while it runs and under ``info.plan_info.current`` once it ended,
and a command can answer before its pending plan is visible.
"""

from __future__ import annotations

import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.platform_ops.admin.plugins.module_utils import _wait
from ansible_collections.platform_ops.admin.plugins.module_utils._wait import Schedule, poll
from ansible_collections.platform_ops.admin.plugins.module_utils._module import (
    Connection,
    common_argument_spec,
    http_from_module,
    register_basic_auth,
    require_url,
    warn_plain_http,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import REFUSED, ApiError

API_PREFIX = '/api/v1'
# The longest a task may wait for a command to take effect (wait_timeout).
MAX_WAIT_TIMEOUT = 86400
STATELESS_KINDS = ('kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server')
ERROR_CODES_HEADER = 'x-cloud-error-codes'

# A search is followed through at most this many pages (a server whose cursor never ends is not followed further).
MAX_SEARCH_PAGES = 1000

# Plan waiting: first poll after POLL_INITIAL seconds, doubling up to POLL_MAX.
POLL_INITIAL = 0.25
POLL_MAX = 5.0


class Command:
    """One ECE command on a stateless resource: its words in messages, its request (``method`` and the path
    ``suffix`` after the resource's path; ``query(options)`` builds its query parameters), whether it starts a
    plan, and ``effect(resource)``, true once a command that starts no plan has taken effect."""

    def __init__(self, words, method, suffix, starts_plan=False, effect=None, query=None):
        self.words = words
        self.method = method
        self.suffix = suffix
        self.starts_plan = starts_plan
        self.effect = effect
        self.query = query or (lambda options: None)


def _all_instances(test):
    return lambda resource: bool(instances_of(resource)) and all(test(item) for item in instances_of(resource))


def _no_instance(test):
    return lambda resource: not any(test(item) for item in instances_of(resource))


def _running(instance):
    return instance_running(instance)


def _maintenance(instance):
    return bool(instance.get('maintenance_mode'))


def _shutdown_query(options):
    query = dict(skip_snapshot=_flag(options.get('skip_snapshot')))
    if options.get('hide'):
        # Only platform administrators may send hide at all, so it is sent only when asked for.
        query['hide'] = 'true'
    return query


# Every command the modules send, in one place (the ECE API's paths under /deployments/{id}/{kind}/{ref_id}).
COMMANDS = {
    'restart': Command('restart', 'POST', ('_restart',), starts_plan=True,
                       query=lambda options: dict(cancel_pending=_flag(options.get('cancel_pending')))),
    'shutdown': Command('shutdown', 'POST', ('_shutdown',), starts_plan=True, query=_shutdown_query),
    'restore': Command('restore', 'POST', ('_restore',), starts_plan=True,
                       query=lambda options: dict(restore_snapshot='false')),
    'delete': Command('delete', 'DELETE', ()),
    'start_instances': Command('start of all instances', 'POST', ('instances', '_start'),
                               effect=_all_instances(_running)),
    'stop_instances': Command('stop of all instances', 'POST', ('instances', '_stop'),
                              effect=_no_instance(_running)),
    'start_maintenance': Command('start of maintenance mode', 'POST', ('instances', 'maintenance-mode', '_start'),
                                 effect=_all_instances(_maintenance)),
    'stop_maintenance': Command('end of maintenance mode', 'POST', ('instances', 'maintenance-mode', '_stop'),
                                effect=_no_instance(_maintenance)),
    'cancel_pending': Command('cancellation of the pending plan', 'DELETE', ('plan', 'pending'),
                              query=lambda options: dict(ignore_missing='true')),
}
PLAN_COMMANDS = frozenset(name for name, command in COMMANDS.items() if command.starts_plan)
ACTION_NAMES = dict((name, command.words) for name, command in COMMANDS.items())


def ece_argument_spec():
    """Connection options (documented by the ``platform_ops.admin.ece`` fragment) plus the common ones."""
    spec = common_argument_spec('ECE_')
    spec.update(
        url=dict(type='str', required=True, fallback=(env_fallback, ['ECE_URL'])),
        # The credentials fall back to the environment by the rule of Connection.prepare (ECE_CREDENTIALS), not
        # here: an argument spec fallback would put ECE_API_KEY next to a task's username and fail as mutually
        # exclusive.
        api_key=dict(type='str', no_log=True),
        username=dict(type='str'),
        password=dict(type='str', no_log=True),
    )
    return spec


# Checked on what the task gives, before the environment is looked at.
ECE_MUTUALLY_EXCLUSIVE = [('api_key', 'username'), ('api_key', 'password')]
# The ways to authenticate, in order of preference, with their environment variables.
ECE_CREDENTIALS = ((('api_key', 'ECE_API_KEY'),), (('username', 'ECE_USERNAME'), ('password', 'ECE_PASSWORD')))


# Codes that say the resource (or its whole deployment) is not there (any more).
GONE_CODES = frozenset(('deployments.deployment_not_found', 'deployments.deployment_resource_not_found',
                        'deployments.deployment_resource_no_longer_exists'))


def resource_gone(error):
    """Whether an ``ApiError`` says the resource does not exist: 404 not found, or 500 no longer exists."""
    codes = set(code.strip() for code in str(getattr(error, 'code', None) or '').split(','))
    return getattr(error, 'status', None) in (404, 500) and bool(codes & GONE_CODES)


def parse_error_body(response, body):
    """``(code, message)`` of a ``BasicFailedReply``: every error's code and message, joined."""
    if not isinstance(body, dict) or not isinstance(body.get('errors'), list):
        return None, None
    codes = []
    messages = []
    for error in body['errors']:
        if not isinstance(error, dict):
            continue
        code = error.get('code')
        message = (error.get('message') or '').strip().rstrip('.')
        if code:
            codes.append(str(code))
        if message:
            fields = error.get('fields') or []
            if fields:
                message += ' (fields: %s)' % ', '.join(str(field) for field in fields)
            messages.append(message)
    if not codes and not messages:
        return None, None
    return ', '.join(codes) or None, '; '.join(messages) or None


def failed_reply(body):
    """``(code, message)`` when a 2xx body is a ``BasicFailedReply`` (an error with a success status), else ``None``."""
    if isinstance(body, dict) and isinstance(body.get('errors'), list) and body['errors']:
        code, message = parse_error_body(None, body)
        return code, message or 'no message'
    return None


def api_base(url):
    """``<url>/api/v1``, whether or not the user wrote the ``/api/v1`` part."""
    url = url.rstrip('/')
    if url.endswith(API_PREFIX):
        return url
    return url + API_PREFIX


def _flag(value):
    return 'true' if value else 'false'


def _obj(value):
    """``value`` when it is a JSON object, else an empty one: odd answers must not raise."""
    return value if isinstance(value, dict) else {}


def _objs(value):
    """The JSON objects of a list (nothing when ``value`` is not a list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def resources_of(deployment, kind):
    """The resources of ``kind`` a deployment lists, leaving out entries that are not objects with a ref_id."""
    return [res for res in _objs(_obj(_obj(deployment).get('resources')).get(kind))
            if isinstance(res.get('ref_id'), str) and res.get('ref_id')]


class PlanFailed(ApiError):
    """A plan that ended in error; the message names the failing step and what it said."""

    def __init__(self, message):
        super().__init__(message)

    def sentence(self):
        return self.operation


class WaitTimeout(_wait.WaitTimeout):
    """The resource did not reach the awaited state before the deadline (the message is the whole sentence)."""

    def __init__(self, message, last=None):
        super().__init__(message, None, last=last)

    def sentence(self):
        return self.operation


class ECEClient:
    """Typed calls to the deployment resource API of ECE over one ``HttpClient``."""

    def close(self):
        """Close the pooled connections (the module frame does at the end of every run)."""
        self.http.close()

    def __init__(self, http, auth=None, sleep=time.sleep, clock=time.monotonic):
        self.http = http
        self.auth = auth
        self.sleep = sleep
        self.clock = clock

    # --- plumbing -------------------------------------------------------------------------

    def _call(self, method, path, operation, params=None, **kwargs):
        if params:
            kwargs['params'] = params
        if self.auth:
            kwargs['auth'] = self.auth
        try:
            response = self.http.request(method, path, operation, **kwargs)
        except ApiError as error:
            if resource_gone(error):
                # ECE itself says the resource is not there (even with HTTP 500): a write to it did nothing.
                error.outcome = REFUSED if error.outcome else None
            raise
        body = self.http.json(response, operation)
        failure = failed_reply(body)
        if failure:
            # An error reply with a success status: never data, and a write it answers was refused.
            raise self.http.error_from_response(operation, response, code=failure[0], message=failure[1],
                                                reason='an error reply with a success status')
        return response, body

    def _read(self, path, operation, params, required=(), lists=(), search=None):
        """A read whose answer must be a JSON object with an object under each key of ``required`` and a list under
        each of ``lists`` (keys dotted for nested objects); with ``search`` (a body), a ``POST`` that changes nothing
        (a search)."""
        method = 'GET' if search is None else 'POST'
        extra = {} if search is None else dict(json=search, read_like=True)
        response, body = self._call(method, path, operation, params=params, **extra)
        if not isinstance(body, dict):
            raise self.http.malformed(operation, response, 'the server answered with %s instead of a JSON object' % (
                'an empty body' if body is None else 'a JSON %s' % type(body).__name__))
        for key in required:
            if not isinstance(_dig(body, key), dict):
                keys = ', '.join(sorted(str(name) for name in body)[:10]) or 'none'
                raise self.http.malformed(operation, response, 'the answer has no %s object (keys: %s); refusing to '
                                          'guess the state' % (key, keys))
        for key in lists:
            self.http.member_list(body, key, operation, response)
        return response, body

    @staticmethod
    def resource_path(deployment_id, kind, ref_id, *suffix):
        return ('deployments', deployment_id, kind, ref_id) + suffix

    # --- reads ------------------------------------------------------------------------------

    def get_deployment(self, deployment_id, kinds=STATELESS_KINDS):
        """The deployment with its resources and their current and pending plans (no logs, no history).

        The list of each of ``kinds`` (the API requires every kind's list, empty or not) and the instance list of
        each of their resources must be there: missing, null or not a list fails instead of reading as "none".
        """
        operation = 'Reading deployment %s' % deployment_id
        params = dict(show_plans='true', show_plan_logs='false', show_plan_history='false', show_metadata='false',
                      show_settings='false', show_instance_configurations='false', enrich_with_template='false')
        response, body = self._read(('deployments', deployment_id), operation, params, required=('resources',),
                                    lists=['resources.%s' % kind for kind in kinds])
        self._instance_lists(body, kinds, operation, response)
        return body

    def _instance_lists(self, deployment, kinds, operation, response):
        """Check that each resource of ``kinds`` lists its instances (missing or null fails, not "none")."""
        for kind in kinds:
            for resource in resources_of(deployment, kind):
                self.http.member_list(resource, 'info.topology.instances', '%s (%s %s)' % (
                    operation, kind, resource['ref_id']), response)

    def get_resource(self, deployment_id, kind, ref_id, logs=False):
        """One resource; with ``logs``, the plan attempt logs that say why a plan failed."""
        params = dict(show_plans='true', show_plan_logs=_flag(logs), show_plan_history='false',
                      show_metadata='false', show_settings='false')
        # Every *ResourceInfo requires info, and every stateless *Info requires plan_info: without them the
        # state (running? plan pending? plan failed?) cannot be told, and must not be read as "done".
        return self._read(self.resource_path(deployment_id, kind, ref_id),
                          'Reading %s %s of deployment %s' % (kind, ref_id, deployment_id), params,
                          required=('info', 'info.plan_info'), lists=('info.topology.instances',))[1]

    def list_deployments(self):
        """Every deployment the credentials see, with its resources as a flat list and no health (``GET
        /deployments``, one request)."""
        operation = 'Listing the ECE deployments'
        return self._deployments(operation, *self._read(('deployments',), operation, None))

    def search_deployments(self, query=None, page_size=100, kinds=STATELESS_KINDS):
        """Every deployment ``query`` (a ``QueryContainer``; all when ``None``) matches, with each resource's info and
        health: ``POST /deployments/_search`` sorted by id, then the answer's ``cursor`` until ``match_count`` are
        read (or a page comes back empty). As for one deployment, the list of each of ``kinds`` and each of their
        resources' instance lists must be there."""
        operation = 'Searching the ECE deployments'
        search = dict(size=page_size, sort=[{'id': {'order': 'asc'}}])
        if query:
            search['query'] = query
        found = {}
        for _page_number in range(MAX_SEARCH_PAGES):
            response, body = self._read(('deployments', '_search'), operation, None, search=search)
            page = self._deployments(operation, response, body)
            for deployment in page:
                where = '%s (deployment %s)' % (operation, deployment['id'])
                for kind in kinds:
                    self.http.member_list(deployment, 'resources.%s' % kind, where, response)
                self._instance_lists(deployment, kinds, where, response)
            fresh = [deployment for deployment in page if deployment['id'] not in found]
            if page and not fresh:
                raise self.http.malformed(operation, response, 'the cursor gave deployments already read; stopping '
                                          'instead of reading them again')
            found.update((deployment['id'], deployment) for deployment in fresh)
            total, cursor = body.get('match_count'), body.get('cursor')
            if not page or not isinstance(cursor, str) or not cursor \
                    or (isinstance(total, int) and not isinstance(total, bool) and len(found) >= total):
                return list(found.values())
            search = dict(cursor=cursor)
        raise ApiError(operation, reason='more than %d pages of deployments; stopping' % MAX_SEARCH_PAGES)

    def _deployments(self, operation, response, body):
        """The ``deployments`` of a list or search answer: objects, each with a string ``id``."""
        deployments = self.http.member_list(body, 'deployments', operation, response)
        odd = [item for item in deployments
               if not isinstance(item, dict) or not isinstance(item.get('id'), str) or not item['id'].strip()]
        if odd:
            raise self.http.malformed(operation, response, 'the answer has a deployment without an id: %s' % (
                repr(odd[0])[:120],))
        return deployments

    # --- commands ---------------------------------------------------------------------------

    def run(self, action, deployment_id, kind, ref_id, **options):
        """Send the command named ``action`` (a key of ``COMMANDS``); ``options`` feed its query parameters."""
        command = COMMANDS[action]
        operation = 'Requesting the %s of %s %s in deployment %s' % (command.words, kind, ref_id, deployment_id)
        path = self.resource_path(deployment_id, kind, ref_id, *command.suffix)
        return self._call(command.method, path, operation, params=command.query(options))[1] or {}

    # --- waiting ----------------------------------------------------------------------------

    def wait(self, action, deployment_id, kind, ref_id, before, timeout):
        """Poll the resource until the command ``action`` has taken effect; return the resource.

        ``before`` is the resource as read just before the command. For a plan command the wait ends
        when a pending plan that was not there before has appeared and gone, or when the current plan
        attempt id changed (the plan may have come and gone between two polls); a plan that ended in
        error raises ``PlanFailed``. Other commands end when their ``COMMANDS`` effect shows and no plan
        is pending.
        """
        before_current = plan_attempt_id(before, 'current')
        before_pending = plan_attempt_id(before, 'pending')
        seen = {'pending': None}

        def done(resource):
            pending = plan_attempt_id(resource, 'pending')
            if pending is not None:
                if pending != before_pending:
                    seen['pending'] = pending
                return False
            if action in PLAN_COMMANDS:
                return seen['pending'] is not None or plan_attempt_id(resource, 'current') != before_current
            effect = COMMANDS[action].effect
            return effect is None or effect(resource)

        resource = poll(lambda: self.get_resource(deployment_id, kind, ref_id), done, timeout,
                        schedule=Schedule(POLL_INITIAL, 2.0, POLL_MAX), sleep=self.sleep, clock=self.clock,
                        on_timeout=lambda last: WaitTimeout(self._timeout_message(
                            action, deployment_id, kind, ref_id, timeout, before if last is None else last), last=last))
        if action in PLAN_COMMANDS:
            resource = self.get_resource(deployment_id, kind, ref_id, logs=True)
            failure = plan_failure(resource)
            if failure:
                step, message = failure
                raise PlanFailed('The %s plan %s of %s %s in deployment %s failed at step %s: %s.' % (
                    ACTION_NAMES[action], plan_attempt_id(resource, 'current'), kind, ref_id, deployment_id,
                    step, message.rstrip('.')))
        return resource

    def wait_for_pending(self, deployment_id, kind, ref_id, timeout):
        """Poll the resource until it has no pending plan; return it (a ``WaitTimeout`` after ``timeout``)."""
        def timed_out(last):
            return WaitTimeout('Timed out after %gs waiting for the pending plan %s of %s %s in deployment %s to end; '
                               'raise wait_timeout, or cancel it with cancel_pending.' % (
                                   timeout, plan_attempt_id(last, 'pending') or 'that was running', kind, ref_id,
                                   deployment_id), last=last)

        return poll(lambda: self.get_resource(deployment_id, kind, ref_id),
                    lambda resource: plan_attempt_id(resource, 'pending') is None, timeout,
                    schedule=Schedule(POLL_INITIAL, 2.0, POLL_MAX), immediately=True, on_timeout=timed_out,
                    sleep=self.sleep, clock=self.clock)

    @staticmethod
    def _timeout_message(action, deployment_id, kind, ref_id, timeout, resource):
        info = _obj(_obj(resource).get('info'))
        pending = plan_attempt_id(resource, 'pending')
        text = 'Timed out after %gs waiting for the %s of %s %s in deployment %s (status %s' % (
            timeout, ACTION_NAMES[action], kind, ref_id, deployment_id, info.get('status', 'unknown'))
        if pending:
            text += ', plan %s still pending' % pending
        return text + '); raise wait_timeout or check the deployment\'s activity page.'


def plan_attempt_id(resource, which):
    """The attempt id of the ``current`` or ``pending`` plan of a resource, or ``None``."""
    plan = _obj(_obj(_obj(_obj(resource).get('info')).get('plan_info')).get(which))
    if not plan:
        return None
    return str(plan.get('plan_attempt_id') or plan.get('plan_attempt_name') or '(no id)')


def plan_failure(resource):
    """``(step_id, message)`` when the current plan attempt ended in error, else ``None``."""
    current = _obj(_obj(_obj(_obj(resource).get('info')).get('plan_info')).get('current'))
    log = _objs(current.get('plan_attempt_log'))
    completed = [step for step in log if step.get('step_id') == 'plan-completed']
    failed = bool(completed and completed[-1].get('status') == 'error')
    if not failed and not (current.get('error') and current.get('healthy') is False):
        return None
    errors = [step for step in log if step.get('status') == 'error' and step.get('step_id') != 'plan-completed']
    step = errors[0] if errors else (completed[-1] if completed else {})
    message = _last_message(step) or _last_message(completed[-1] if completed else {})
    if not message:
        message = _obj(current.get('error')).get('message') or 'no message'
    return str(step.get('step_id') or 'unknown'), str(message)


def _dig(value, dotted):
    for key in dotted.split('.'):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _last_message(step):
    messages = [entry.get('message') for entry in _objs(step.get('info_log')) if entry.get('message')]
    return messages[-1] if messages else None


# --- summaries ----------------------------------------------------------------------------


def instance_running(instance):
    return bool(instance.get('service_running') and instance.get('container_started'))


def instance_summary(instance):
    return dict(
        name=instance.get('instance_name'),
        running=instance_running(instance),
        container_started=bool(instance.get('container_started')),
        service_running=bool(instance.get('service_running')),
        maintenance_mode=bool(instance.get('maintenance_mode')),
        healthy=bool(instance.get('healthy')),
        version=instance.get('service_version'),
        zone=instance.get('zone'),
    )


def is_shut_down(resource):
    """Shut down: status ``stopped`` and no current plan (or one without a plan, as a shutdown leaves it)."""
    info = _obj(_obj(resource).get('info'))
    current = _obj(_obj(info.get('plan_info')).get('current'))
    return info.get('status') == 'stopped' and not current.get('plan')


def observed_state(resource):
    """``shutdown``, ``started`` (every instance running), ``stopped`` (none running) or ``mixed``."""
    if is_shut_down(resource):
        return 'shutdown'
    running = [instance_running(instance) for instance in instances_of(resource)]
    if running and all(running):
        return 'started'
    if not any(running):
        return 'stopped'
    return 'mixed'


def instances_of(resource):
    """The instances of a resource (its topology), as objects."""
    return _objs(_obj(_obj(_obj(resource).get('info')).get('topology')).get('instances'))


def plan_version(kind, plan_info):
    return _obj(_obj(_obj(plan_info).get('plan')).get(kind)).get('version')


def summarize(kind, resource):
    """What a person wants to know about a stateless resource, in a stable shape."""
    info = _obj(resource.get('info'))
    plans = _obj(info.get('plan_info'))
    instances = [instance_summary(instance) for instance in instances_of(resource)]
    pending = _obj(plans.get('pending'))
    return dict(
        kind=kind,
        ref_id=resource.get('ref_id'),
        id=resource.get('id'),
        elasticsearch_cluster_ref_id=resource.get('elasticsearch_cluster_ref_id'),
        status=info.get('status'),
        healthy=bool(info.get('healthy')),
        state=observed_state(resource),
        instances=instances,
        maintenance_mode=bool(instances) and all(instance['maintenance_mode'] for instance in instances),
        plan_attempt_id=plan_attempt_id(resource, 'current'),
        pending_plan=None if not pending else dict(
            plan_attempt_id=plan_attempt_id(resource, 'pending'),
            attempt_start_time=pending.get('attempt_start_time'),
        ),
        versions=dict(
            plan=plan_version(kind, plans.get('current')),
            instances=sorted(set(str(instance['version']) for instance in instances if instance['version'])),
        ),
    )


def ece_client_from_module(module, pool_maxsize=4):
    """Validate the connection options and build an ``ECEClient`` (no request is sent)."""
    params = module.params
    require_url(module, params['url'], 'url', 'https://coordinator.example.com:12443')
    api_key, username, password = params['api_key'], params['username'], params['password']
    if not api_key and not (username and password):
        module.fail_json(msg='Give either api_key (or ECE_API_KEY) or username and password '
                             '(or ECE_USERNAME and ECE_PASSWORD).')
    warn_plain_http(module, params['url'], 'url', 'the API key' if api_key else 'the password')
    headers = None
    auth = None
    if api_key:
        headers = {'Authorization': 'ApiKey %s' % api_key}
    else:
        auth = (username, password)
    http = http_from_module(module, api_base(params['url']), secrets=[api_key], error_parser=_parser_with_header,
                            pool_maxsize=pool_maxsize, headers=headers)
    if auth:
        # The password, and the base64 of username:password that the Authorization header carries.
        register_basic_auth(module, http, username, password)
    return ECEClient(http, auth=auth)


def _parser_with_header(response, body):
    code, message = parse_error_body(response, body)
    header = response.headers.get(ERROR_CODES_HEADER)
    if header:
        code = code or header
        extra = '%s: %s' % (ERROR_CODES_HEADER, header)
        message = '%s (%s)' % (message, extra) if message else extra
    return code, message


# How ECE modules connect (the frame of ``_module.PlatformModule``).
ECE = Connection(ece_argument_spec, ece_client_from_module, mutually_exclusive=ECE_MUTUALLY_EXCLUSIVE,
                 credentials=ECE_CREDENTIALS)
