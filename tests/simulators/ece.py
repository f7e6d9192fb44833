# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic Cloud Enterprise deployment API simulator: stateless resources and their plans.

Faithful to ``../shared/reference/ece-stateless.md`` and to the shapes of the vendor's Swagger
document (the spec tests validate every body this simulator returns):

* deployments with an Elasticsearch resource and stateless resources of every kind;
* ``_restart``, ``_shutdown`` and ``_restore`` start a plan that is listed under
  ``plan_info.pending`` for ``plan_duration`` seconds, moving ``info.status`` through the
  documented values, then becomes ``plan_info.current`` (a shutdown leaves a current attempt
  without a ``plan``);
* ``plan_appear_delay`` makes a command answer before its pending plan is visible;
* ``fail_next_plan(step, message)`` makes the next plan end in error at that step, with an
  attempt log that says why;
* instance start/stop and maintenance mode take effect after ``instance_delay`` seconds;
* ``GET /deployments`` (a flat list, no health) and ``POST /deployments/_search`` (a subset of the query DSL,
  sort, size and a cursor that pages over what the first request matched) for inventories; deployments carry
  metadata tags;
* the documented errors: 404 ``deployments.deployment_not_found`` and
  ``deployments.deployment_resource_not_found``, 422 ``deployments.deployment_resource_plan_change_error``,
  449 ``root.unauthorized.rbac.elevated_permissions_required`` (``legacy_elevated_permissions``),
  400 ``deployments.resource_not_shutdown`` / ``deployments.resource_has_instances`` /
  ``deployments.restricted_parameter``, each with the ``x-cloud-error-codes`` header.

Each log entry also records the answer (``response``: status, headers, json) so tests can check it.
"""

from __future__ import annotations

import base64
import copy
import datetime
import itertools
import json
import re
import time
import uuid

from werkzeug.routing import Map, Rule

from .base import Simulator, json_response

KINDS = ('kibana', 'apm', 'appsearch', 'enterprise_search', 'integrations_server')
ALL_KINDS = ('elasticsearch',) + KINDS
DEMO_API_KEY = 'ece-demo-api-key-3f9c1a7e5b'
DEMO_USERNAME = 'admin'
DEMO_PASSWORD = 'ece-demo-password-8d2b'
DEMO_DEPLOYMENT = '4a8f1c2e9b7d4e6f8a1b2c3d4e5f6a7b'
VERSION = '8.15.3'
ZONES = ('ece-zone-1', 'ece-zone-2', 'ece-zone-3')

PLAN_STEPS = {
    'restart': (('validate-plan-prerequisites', 'reconfiguring'), ('restart-instances', 'restarting'),
                ('wait-until-running', 'rebooting')),
    'shutdown': (('validate-plan-prerequisites', 'reconfiguring'), ('stop-instances', 'stopping'),
                 ('remove-instances', 'stopping')),
    'restore': (('validate-plan-prerequisites', 'initializing'), ('allocate-instances', 'initializing'),
                ('start-instances', 'reconfiguring')),
}


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def _flag(value):
    return 'true' if value else 'false'


def _words(text):
    return re.findall(r'[a-z0-9]+', str(text).lower())


class ECEError(Exception):
    def __init__(self, status, code, message, fields=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields


def _rules():
    base = '/api/v1/deployments/<deployment_id>'
    res = base + '/<any(%s):kind>/<ref_id>' % ', '.join(ALL_KINDS)
    stateless = base + '/<any(%s):kind>/<ref_id>' % ', '.join(KINDS)
    return Map([
        Rule('/api/v1/deployments', methods=['GET'], endpoint='list_deployments'),
        Rule('/api/v1/deployments/_search', methods=['POST'], endpoint='search_deployments'),
        Rule(base, methods=['GET'], endpoint='get_deployment'),
        Rule(res, methods=['GET'], endpoint='get_resource'),
        Rule(stateless, methods=['DELETE'], endpoint='delete_resource'),
        Rule(stateless + '/_restart', methods=['POST'], endpoint='restart'),
        Rule(stateless + '/_shutdown', methods=['POST'], endpoint='shutdown'),
        Rule(res + '/_restore', methods=['POST'], endpoint='restore'),
        Rule(res + '/instances/_start', methods=['POST'], endpoint='start_instances'),
        Rule(res + '/instances/_stop', methods=['POST'], endpoint='stop_instances'),
        Rule(res + '/instances/maintenance-mode/_start', methods=['POST'], endpoint='start_maintenance'),
        Rule(res + '/instances/maintenance-mode/_stop', methods=['POST'], endpoint='stop_maintenance'),
        Rule(res + '/plan/pending', methods=['DELETE'], endpoint='cancel_pending'),
    ], strict_slashes=False)


class ECESimulator(Simulator):
    name = 'ece'
    url_map = _rules()
    base_path = ''

    # --- state ---------------------------------------------------------------------------

    def reset_state(self):
        self.api_keys = {DEMO_API_KEY: {'platform_admin': True}}
        self.users = {DEMO_USERNAME: {'password': DEMO_PASSWORD, 'platform_admin': True}}
        self.plan_duration = 1.5
        self.plan_appear_delay = 0.0
        self.instance_delay = 0.5
        self.legacy_elevated_permissions = False
        self._fail_next = None
        self._ids = itertools.count(1)
        self.deployments = {}
        self.cursors = {}
        self.add_deployment(DEMO_DEPLOYMENT, 'observability')
        # The demo's story: one Kibana instance is unhealthy (a restart cures it), APM is stopped.
        kibana = self.resource(DEMO_DEPLOYMENT, 'kibana', 'main-kibana')
        kibana['instances'][1]['healthy'] = False
        apm = self.resource(DEMO_DEPLOYMENT, 'apm', 'main-apm')
        for instance in apm['instances']:
            instance['running'] = False
        apm['status'] = 'stopped'

    def configure(self, **settings):
        for key, value in settings.items():
            if key not in ('plan_duration', 'plan_appear_delay', 'instance_delay', 'legacy_elevated_permissions'):
                raise ValueError('unknown setting %s' % key)
            setattr(self, key, value)

    def seed(self, data):
        """Control API: ``{"deployments": [{"deployment_id", "name", "kinds"}], "instances": [{"deployment_id", "kind",
        "ref_id", "healthy", "running", "maintenance"}], "pending": [{"deployment_id", "kind", "ref_id"}],
        "fail_next_plan": {"step", "message"}, "plan_duration": s, "plan_appear_delay": s, "instance_delay": s,
        "legacy_elevated_permissions": bool}``."""
        data = dict(data)
        if 'fail_next_plan' in data:
            self.fail_next_plan(**data.pop('fail_next_plan'))
        for spec in data.pop('deployments', ()):
            self.add_deployment(**spec)
        for spec in data.pop('fleets', ()):
            self.add_fleet(**spec)
        for spec in data.pop('instances', ()):
            self.set_instances(**spec)
        for spec in data.pop('pending', ()):
            self.set_pending(**spec)
        self.configure(**data)

    def dump_state(self):
        with self.lock:
            return {dep_id: {kind: [self.resource_info(dep_id, kind, res) for res in dep['resources'][kind]]
                             for kind in ALL_KINDS}
                    for dep_id, dep in self.deployments.items()}

    def demo_vars(self):
        return dict(ece_api_key=DEMO_API_KEY, ece_deployment_id=DEMO_DEPLOYMENT)

    def add_deployment(self, deployment_id, name='deployment', kinds=None, instances=2, tags=None):
        """A deployment with Elasticsearch and one running resource of each stateless kind (``kinds``:
        kind -> list of ref ids, to have several or none); ``tags``, a dict, are its metadata tags."""
        kinds = kinds if kinds is not None else {kind: ['main-' + kind] for kind in KINDS}
        deployment = dict(id=deployment_id, name=name, resources={kind: [] for kind in ALL_KINDS},
                          tags=dict(tags or {}), modified=time.time() + len(self.deployments) * 0.001)
        self.deployments[deployment_id] = deployment
        deployment['resources']['elasticsearch'].append(self._new_resource('elasticsearch', 'main-elasticsearch', 3))
        for kind in KINDS:
            for ref_id in kinds.get(kind, ()):
                deployment['resources'][kind].append(self._new_resource(kind, ref_id, instances))
        return deployment

    def add_fleet(self, count, prefix='fleet', kinds=('kibana',), tags=None, unhealthy=None, instances=1):
        """``count`` deployments named ``<prefix>-<n>`` with one resource of each of ``kinds`` (ids derived from the
        prefix and the number); ``tags(n)`` gives a deployment's tags, ``unhealthy(n)`` the kinds whose first
        instance is unhealthy. Returns the ids."""
        ids = []
        with self.lock:
            for number in range(count):
                deployment_id = uuid.uuid5(uuid.NAMESPACE_URL, 'ece/%s/%d' % (prefix, number)).hex
                self.add_deployment(deployment_id, '%s-%04d' % (prefix, number),
                                    kinds={kind: ['main-' + kind] for kind in kinds}, instances=instances,
                                    tags=tags(number) if callable(tags) else tags)
                for kind in (unhealthy(number) if unhealthy else ()):
                    self.resource(deployment_id, kind, 'main-' + kind)['instances'][0]['healthy'] = False
                ids.append(deployment_id)
        return ids

    def set_instances(self, deployment_id, kind, ref_id, **fields):
        """Set ``healthy``, ``running`` or ``maintenance`` on every instance of a resource (``running: false`` stops
        the resource, as an operator who stopped its instances would)."""
        unknown = set(fields) - {'healthy', 'running', 'maintenance'}
        if unknown:
            raise ValueError('unknown instance fields: %s' % ', '.join(sorted(unknown)))
        with self.lock:
            res = self.resource(deployment_id, kind, ref_id)
            for instance in res['instances']:
                instance.update(fields)
            if 'running' in fields:
                res['status'] = 'started' if fields['running'] else 'stopped'

    def _new_resource(self, kind, ref_id, instances):
        now = time.time()
        attempt = dict(id=str(uuid.uuid4()), action='create', started=now - 3600, ended=now - 3500, fail=None,
                       plan=True, steps=('validate-plan-prerequisites', 'allocate-instances', 'start-instances'))
        return dict(
            kind=kind, ref_id=ref_id, id=uuid.uuid4().hex, status='started', hidden=False,
            instances=self._new_instances(instances), current=attempt, pending=None, history=[],
            instance_op=None, instance_count=instances,
        )

    def _new_instances(self, count):
        return [dict(name='instance-%010d' % next(self._ids), zone=ZONES[index % len(ZONES)], running=True,
                     maintenance=False, healthy=True) for index in range(count)]

    def resource(self, deployment_id, kind, ref_id, read=False):
        """The resource; the errors differ between reads and commands, as the spec documents them."""
        deployment = self.deployments.get(deployment_id)
        if deployment is None:
            raise ECEError(404, 'deployments.deployment_not_found',
                           'The requested deployment [%s] cannot be found' % deployment_id)
        candidates = deployment['resources'][kind]
        if ref_id == '_main' and len(candidates) == 1:
            return candidates[0]
        for res in candidates:
            if res['ref_id'] == ref_id:
                return res
        if read:
            # The spec documents no deployments.deployment_resource_not_found for reads of one resource:
            # a deleted resource is 500 deployments.deployment_resource_no_longer_exists, an unknown one 404.
            if (kind, ref_id) in deployment.get('deleted', ()):
                raise ECEError(500, 'deployments.deployment_resource_no_longer_exists',
                               'The resource [%s] of kind [%s] no longer exists' % (ref_id, kind))
            raise ECEError(404, 'deployments.deployment_not_found',
                           'The requested resource [%s] of kind [%s] cannot be found in deployment [%s]' % (
                               ref_id, kind, deployment_id))
        raise ECEError(404, 'deployments.deployment_resource_not_found',
                       'The requested resource [%s] of kind [%s] cannot be found in deployment [%s]' % (
                           ref_id, kind, deployment_id))

    def fail_next_plan(self, step='restart-instances', message='Instance [instance-0000000001] did not start in time'):
        self._fail_next = dict(step=step, message=message)

    def set_pending(self, deployment_id, kind, ref_id, action='restart', duration=3600.0):
        """Start a long plan on a resource, as another operator would."""
        with self.lock:
            res = self.resource(deployment_id, kind, ref_id)
            self._start_plan(res, action, duration=duration, appear_delay=0.0, use_failure=False)
            return res['pending']['id']

    def remove_resource(self, deployment_id, kind, ref_id):
        """Delete a resource at once, as another operator would (reads of it then answer 500 no longer exists)."""
        with self.lock:
            res = self.resource(deployment_id, kind, ref_id)
            self.deployments[deployment_id]['resources'][kind].remove(res)
            self.deployments[deployment_id].setdefault('deleted', set()).add((kind, res['ref_id']))

    # --- time ------------------------------------------------------------------------------

    def _start_plan(self, res, action, duration=None, appear_delay=None, skip_snapshot=False, use_failure=True):
        now = time.time()
        delay = self.plan_appear_delay if appear_delay is None else appear_delay
        steps = [step[0] for step in PLAN_STEPS[action]]
        if action == 'shutdown' and not skip_snapshot:
            steps.insert(1, 'snapshot')
        res['pending'] = dict(id=str(uuid.uuid4()), action=action, visible=now + delay, started=now + delay,
                              duration=self.plan_duration if duration is None else duration,
                              fail=self._fail_next if use_failure else None, plan=action != 'shutdown',
                              steps=tuple(steps), ended=None)
        if use_failure:
            self._fail_next = None

    def _advance(self, res):
        now = time.time()
        op = res['instance_op']
        if op and now >= op['at']:
            res['instance_op'] = None
            for instance in res['instances']:
                if op['what'] in ('start', 'stop'):
                    instance['running'] = op['what'] == 'start'
                else:
                    instance['maintenance'] = op['what'] == 'maintenance_start'
            if op['what'] in ('start', 'stop'):
                res['status'] = 'started' if op['what'] == 'start' else 'stopped'
        pending = res['pending']
        if not pending or now < pending['started']:
            return
        elapsed = now - pending['started']
        fail = pending['fail']
        if fail:
            index = pending['steps'].index(fail['step']) if fail['step'] in pending['steps'] else 0
            fail_at = pending['duration'] * (index + 0.5) / len(pending['steps'])
            if elapsed >= fail_at:
                self._finish(res, pending, pending['started'] + fail_at, failed=True)
            return
        if elapsed >= pending['duration']:
            self._finish(res, pending, pending['started'] + pending['duration'], failed=False)
            return
        steps = PLAN_STEPS[pending['action']]
        res['status'] = steps[min(int(elapsed / pending['duration'] * len(steps)), len(steps) - 1)][1]

    def _finish(self, res, attempt, ended, failed):
        attempt['ended'] = ended
        res['pending'] = None
        if res['current']:
            res['history'].append(res['current'])
        action = attempt['action']
        if failed:
            # The attempt that failed becomes current; the resource keeps what it had.
            attempt['plan'] = True
            res['status'] = 'stopped' if not res['instances'] else 'started'
        elif action == 'restart':
            for instance in res['instances'] or ():
                instance.update(running=True, healthy=True)
            if not res['instances']:
                res['instances'] = self._new_instances(res['instance_count'])
            res['status'] = 'started'
        elif action == 'shutdown':
            res['instances'] = []
            res['status'] = 'stopped'
        elif action == 'restore':
            res['instances'] = self._new_instances(res['instance_count'])
            res['status'] = 'started'
        res['current'] = attempt

    # --- rendering ---------------------------------------------------------------------------

    def _attempt_log(self, attempt, now):
        entries = []
        count = len(attempt['steps'])
        fail = attempt['fail']
        finished = attempt['ended'] is not None
        for index, step in enumerate(attempt['steps']):
            step_start = attempt['started'] + attempt.get('duration', 100.0) * index / count
            step_end = attempt['started'] + attempt.get('duration', 100.0) * (index + 1) / count
            if step_start > now and not finished:
                break
            failed_here = fail is not None and fail['step'] == step
            done = finished or now >= step_end
            if failed_here and finished:
                status, stage, message = 'error', 'completed', fail['message']
            elif done:
                status, stage, message = 'success', 'completed', 'Step [%s] completed' % step
            else:
                status, stage, message = 'pending', 'in_progress', 'Step [%s] in progress' % step
            entry = dict(step_id=step, started=_iso(step_start), status=status, stage=stage,
                         info_log=[dict(timestamp=_iso(step_start), stage=stage, message=message, details={})])
            if failed_here and finished:
                entry['info_log'][0]['failure_type'] = 'ClusterFailure:InstanceDidNotStartWhileWaitingForRunning'
            if done or (failed_here and finished):
                entry['completed'] = _iso(min(step_end, attempt['ended'] or step_end))
            entries.append(entry)
            if failed_here and finished:
                break
        if finished:
            status = 'error' if fail else 'success'
            message = ('Plan change failed: %s' % fail['message']) if fail else 'Plan successfully completed'
            entries.append(dict(step_id='plan-completed', started=_iso(attempt['ended']), completed=_iso(attempt['ended']),
                                status=status, stage='completed',
                                info_log=[dict(timestamp=_iso(attempt['ended']), stage='completed', message=message,
                                               details={})]))
        return entries

    def _plan_body(self, kind, res):
        body = dict(cluster_topology=[dict(zone_count=min(res['instance_count'], 3),
                                           size=dict(value=1024, resource='memory'))])
        body[kind] = dict(version=VERSION)
        return body

    def _plan_info(self, kind, res, attempt, logs, now):
        info = dict(plan_attempt_id=attempt['id'], plan_attempt_name='attempt-%s' % attempt['id'][:8],
                    healthy=not (attempt['fail'] and attempt['ended'] is not None),
                    attempt_start_time=_iso(attempt['started']),
                    plan_attempt_log=self._attempt_log(attempt, now) if logs else [], warnings=[])
        if attempt['ended'] is not None:
            info['attempt_end_time'] = _iso(attempt['ended'])
            if not attempt['fail']:
                info['plan_end_time'] = _iso(attempt['ended'])
        if attempt['plan']:
            info['plan'] = self._plan_body(kind, res)
        if attempt['fail'] and attempt['ended'] is not None:
            info['error'] = dict(timestamp=_iso(attempt['ended']), message=attempt['fail']['message'], details={},
                                 failure_type='ClusterFailure:InstanceDidNotStartWhileWaitingForRunning')
        return info

    def resource_info(self, deployment_id, kind, res, plans=True, logs=False, history=False):
        now = time.time()
        self._advance(res)
        instances = [dict(instance_name=instance['name'], zone=instance['zone'], service_version=VERSION,
                          healthy=instance['healthy'] and instance['running'],
                          container_started=instance['running'], service_running=instance['running'],
                          maintenance_mode=instance['maintenance'], allocator_id='allocator-%s' % instance['zone'][-1])
                     for instance in res['instances']]
        plan_info = dict(healthy=not (res['current'] and res['current']['fail']), history=[])
        if plans:
            if res['current']:
                plan_info['current'] = self._plan_info(kind, res, res['current'], logs, now)
            pending = res['pending']
            if pending and now >= pending['visible']:
                plan_info['pending'] = self._plan_info(kind, res, pending, logs, now)
            if history:
                plan_info['history'] = [self._plan_info(kind, res, attempt, logs, now) for attempt in res['history']]
        healthy = bool(instances) and all(instance['healthy'] for instance in instances) and plan_info['healthy']
        info = dict(
            elasticsearch_cluster=dict(elasticsearch_id=self.deployments[deployment_id]['resources']['elasticsearch'][0]['id']),
            deployment_id=deployment_id, healthy=healthy, status=res['status'], plan_info=plan_info,
            topology=dict(healthy=healthy, instances=instances),
            external_links=[dict(id='%s-logs' % kind, label='%s logs' % kind)],
            metadata=dict(last_modified=_iso(now - 60), version=len(res['history']) + 1),
        )
        if kind == 'kibana':
            info.update(cluster_id=res['id'], cluster_name=res['ref_id'])
        elif kind == 'elasticsearch':
            info.update(cluster_id=res['id'], cluster_name=res['ref_id'],
                        associated_apm_clusters=[], associated_appsearch_clusters=[],
                        associated_enterprise_search_clusters=[], associated_kibana_clusters=[],
                        elasticsearch=dict(healthy=True, blocking_issues=dict(healthy=True, cluster_level=[], index_level=[]),
                                           master_info=dict(healthy=True, instances_with_no_master=[], masters=[]),
                                           shard_info=dict(healthy=True, available_shards=[], unavailable_replicas=[],
                                                           unavailable_shards=[])),
                        snapshots=dict(count=12, healthy=True, recent_success=True))
            del info['elasticsearch_cluster']
        else:
            info.update(id=res['id'], name=res['ref_id'])
        body = dict(ref_id=res['ref_id'], id=res['id'], region='ece-region', info=info)
        if kind != 'elasticsearch':
            body['elasticsearch_cluster_ref_id'] = 'main-elasticsearch'
        return body

    # --- HTTP --------------------------------------------------------------------------------

    def _log(self, request, fault):
        entry = super()._log(request, fault)
        request.environ['ece.log_entry'] = entry
        return entry

    def _vendor(self, request):
        response = super()._vendor(request)
        entry = request.environ.get('ece.log_entry')
        if entry is not None:
            # A broken answer (fault mode) streams: log the answer it was cut from.
            raw = getattr(response, 'sim_body', None)
            body = raw.decode('utf-8', 'replace') if raw is not None else response.get_data(as_text=True)
            try:
                decoded = json.loads(body) if body else None
            except ValueError:
                decoded = None
            entry['response'] = dict(status=response.status_code, json=decoded,
                                     headers={key.lower(): value for key, value in response.headers.items()})
        return response

    def not_found(self, request, error):
        return self._error(ECEError(404, 'root.resource_not_found', 'The requested resource could not be found'))

    @staticmethod
    def _error(error):
        element = dict(code=error.code, message=error.message)
        if error.fields:
            element['fields'] = error.fields
        # The spec declares the x-cloud-error-codes header on every error answer except 401.
        headers = {'x-cloud-error-codes': error.code} if error.status != 401 else None
        return json_response(dict(errors=[element]), status=error.status, headers=headers)

    def _authorized(self, request):
        header = request.headers.get('Authorization', '')
        if header.startswith('ApiKey '):
            key = self.api_keys.get(header[len('ApiKey '):])
            return key
        if header.startswith('Basic '):
            try:
                user, _sep, password = base64.b64decode(header[6:]).decode('utf-8').partition(':')
            except ValueError:
                return None
            account = self.users.get(user)
            if account and account['password'] == password:
                return account
        return None

    def _dispatch(self, request, work, write=False):
        account = self._authorized(request)
        try:
            if account is None:
                raise ECEError(401, 'root.unauthorized', 'The supplied authentication is invalid')
            if write and self.legacy_elevated_permissions:
                raise ECEError(449, 'root.unauthorized.rbac.elevated_permissions_required',
                               'Elevated permissions are required')
            status, body = work(account)
        except ECEError as error:
            return self._error(error)
        return json_response(body, status=status)

    @staticmethod
    def _bool(request, name, default=False):
        value = request.args.get(name)
        if value is None:
            return default
        if value not in ('true', 'false'):
            raise ECEError(400, 'root.invalid_query_parameter', 'Query parameter [%s] must be true or false' % name)
        return value == 'true'

    def writes(self):
        """Requests that could change state: a search is a POST that reads."""
        return [entry for entry in super().writes() if not entry['path'].endswith('/_search')]

    # --- listing and search ---------------------------------------------------------------------

    def on_list_deployments(self, request):
        """``DeploymentsListResponse``: every deployment with its resources as a flat list (no health)."""
        def work(_account):
            listed = []
            for deployment_id, deployment in self.deployments.items():
                resources = [dict(ref_id=res['ref_id'], id=res['id'], kind=kind, region='ece-region')
                             for kind in ALL_KINDS for res in deployment['resources'][kind]]
                listed.append(dict(id=deployment_id, name=deployment['name'], resources=resources))
            return 200, dict(deployments=listed)
        return self._dispatch(request, work)

    def on_search_deployments(self, request):
        """``DeploymentsSearchResponse`` for a ``SearchRequest``: the query (a subset of the DSL: ``match_all``,
        ``match_none``, ``bool``, ``term``, ``prefix``, ``match``, ``exists``, ``nested``), ``sort`` (``id``,
        ``name``), ``size`` (default 10) and ``from``; or a ``cursor`` from an earlier answer, which continues
        that search over the deployments it matched then."""
        def work(_account):
            body = request.get_json(silent=True) if request.data else {}
            if not isinstance(body, dict):
                raise ECEError(400, 'root.invalid_json_request', 'The request body is not a JSON object')
            if body.get('cursor'):
                state = self.cursors.pop(body['cursor'], None)
                if state is None:
                    raise ECEError(400, 'root.invalid_json_request', 'The cursor is not valid or has expired')
                ids, offset, size = state
            else:
                size = body.get('size', 10)
                offset = body.get('from', 0)
                query = body.get('query') or {'match_all': {}}
                ids = [deployment_id for deployment_id in self._sorted(body.get('sort'))
                       if self._matches(query, self._document(deployment_id))]
            page = ids[offset:offset + size]
            cursor = uuid.uuid4().hex
            self.cursors[cursor] = (ids, offset + len(page), size)
            return 200, dict(return_count=len(page), match_count=len(ids), cursor=cursor,
                             deployments=[self._search_view(deployment_id) for deployment_id in page])
        return self._dispatch(request, work)

    def _sorted(self, sort):
        ids = sorted(self.deployments, key=lambda deployment_id: self.deployments[deployment_id]['modified'],
                     reverse=True)
        for item in reversed(sort or ()):
            field, order = (item, 'asc') if isinstance(item, str) else next(iter(item.items()))
            order = order.get('order', 'asc') if isinstance(order, dict) else order
            if field not in ('id', 'name', 'name.keyword'):
                raise ECEError(400, 'root.invalid_json_request', 'Cannot sort on field [%s]' % field)
            ids.sort(key=lambda deployment_id, key=field.split('.')[0]: str(self.deployments[deployment_id].get(key)),
                     reverse=order == 'desc')
        return ids

    def _search_view(self, deployment_id):
        deployment = self.deployments[deployment_id]
        resources = {kind: [self.resource_info(deployment_id, kind, res) for res in deployment['resources'][kind]]
                     for kind in ALL_KINDS}
        healthy = all(res['info']['healthy'] for items in resources.values() for res in items)
        metadata = dict(last_modified=_iso(deployment['modified']), hidden=False, system_owned=False)
        if deployment['tags']:
            metadata['tags'] = [dict(key=key, value=value) for key, value in sorted(deployment['tags'].items())]
        return dict(id=deployment_id, name=deployment['name'], healthy=healthy, resources=resources, metadata=metadata)

    def _document(self, deployment_id):
        """The deployment as the search index holds it: field -> values, and each nested path -> its objects."""
        view = self._search_view(deployment_id)
        doc = {'id': [deployment_id], 'name': [view['name']], 'name.keyword': [view['name']],
               'healthy': [_flag(view['healthy'])],
               'metadata.tags': [{'metadata.tags.key': [tag['key']], 'metadata.tags.value': [tag['value']]}
                                 for tag in view['metadata'].get('tags', ())]}
        for kind, items in view['resources'].items():
            path = 'resources.' + kind
            doc[path] = [{path + '.ref_id': [res['ref_id']], path + '.id': [res['id']],
                          path + '.info.status': [res['info']['status']],
                          path + '.info.healthy': [_flag(res['info']['healthy'])]} for res in items]
        return doc

    def _matches(self, query, doc):
        if not isinstance(query, dict) or len(query) != 1:
            raise ECEError(400, 'root.invalid_json_request', 'A query container must hold exactly one query')
        (kind, body), = query.items()
        if kind in ('match_all', 'match_none'):
            return kind == 'match_all'
        if kind == 'bool':
            must = list(body.get('must', ())) + list(body.get('filter', ()))
            should = list(body.get('should', ()))
            minimum = body.get('minimum_should_match', 0 if must else 1) if should else 0
            return (all(self._matches(item, doc) for item in must)
                    and not any(self._matches(item, doc) for item in body.get('must_not', ()))
                    and sum(1 for item in should if self._matches(item, doc)) >= minimum)
        if kind == 'nested':
            return any(self._matches(body['query'], inner) for inner in doc.get(body['path'], ()))
        if kind == 'exists':
            return bool(doc.get(body['field']))
        if kind in ('term', 'prefix', 'match'):
            (field, spec), = body.items()
            wanted = _flag(spec) if isinstance(spec, bool) else spec
            if isinstance(spec, dict):
                wanted = spec.get('query' if kind == 'match' else 'value')
            wanted = _flag(wanted) if isinstance(wanted, bool) else str(wanted)
            values = doc.get(field, ())
            if kind == 'term':
                return wanted in values
            if kind == 'prefix':
                return any(value.startswith(wanted) for value in values)
            words = set(_words(wanted))
            return any(words & set(_words(value)) for value in values)
        raise ECEError(400, 'root.invalid_json_request', 'Unsupported query [%s]' % kind)

    def on_get_deployment(self, request, deployment_id):
        def work(_account):
            deployment = self.deployments.get(deployment_id)
            if deployment is None:
                raise ECEError(404, 'deployments.deployment_not_found',
                               'The requested deployment [%s] cannot be found' % deployment_id)
            plans = self._bool(request, 'show_plans', True)
            logs = self._bool(request, 'show_plan_logs')
            history = self._bool(request, 'show_plan_history')
            resources = {kind: [self.resource_info(deployment_id, kind, res, plans, logs, history)
                                for res in deployment['resources'][kind]] for kind in ALL_KINDS}
            healthy = all(res['info']['healthy'] for items in resources.values() for res in items)
            return 200, dict(id=deployment_id, name=deployment['name'], healthy=healthy, resources=resources)
        return self._dispatch(request, work)

    def on_get_resource(self, request, deployment_id, kind, ref_id):
        def work(_account):
            res = self.resource(deployment_id, kind, ref_id, read=True)
            return 200, self.resource_info(deployment_id, kind, res, self._bool(request, 'show_plans', True),
                                           self._bool(request, 'show_plan_logs'), self._bool(request, 'show_plan_history'))
        return self._dispatch(request, work)

    def _command(self, request, deployment_id, kind, ref_id, handler, status=202):
        def work(account):
            res = self.resource(deployment_id, kind, ref_id)
            self._advance(res)
            return status, handler(res, account)
        return self._dispatch(request, work, write=True)

    def on_restart(self, request, deployment_id, kind, ref_id):
        def handler(res, _account):
            cancel = self._bool(request, 'cancel_pending')
            if res['pending']:
                if not cancel:
                    raise ECEError(422, 'deployments.deployment_resource_plan_change_error',
                                   'There is a plan still pending, cancel that or wait for it to complete before '
                                   'restarting (pending plan attempt [%s])' % res['pending']['id'])
                self._cancel(res)
            self._start_plan(res, 'restart')
            return {}
        return self._command(request, deployment_id, kind, ref_id, handler, status=202)

    def on_shutdown(self, request, deployment_id, kind, ref_id):
        def handler(res, account):
            hide = self._bool(request, 'hide')
            if hide and not account.get('platform_admin'):
                raise ECEError(400, 'deployments.restricted_parameter',
                               'Parameter [hide] is restricted and can only be set by a Platform administrator',
                               fields=['hide'])
            if res['pending']:
                self._cancel(res)
            res['hidden'] = hide
            self._start_plan(res, 'shutdown', skip_snapshot=self._bool(request, 'skip_snapshot'))
            return {}
        return self._command(request, deployment_id, kind, ref_id, handler, status=200)

    def on_restore(self, request, deployment_id, kind, ref_id):
        def handler(res, _account):
            self._bool(request, 'restore_snapshot')
            if res['instances'] or res['status'] != 'stopped':
                raise ECEError(400, 'deployments.resource_not_shutdown', 'The resource [%s] is not shut down' % ref_id)
            res['hidden'] = False
            self._start_plan(res, 'restore')
            return dict(id=deployment_id, kind=kind, ref_id=res['ref_id'])
        return self._command(request, deployment_id, kind, ref_id, handler, status=200)

    def on_delete_resource(self, request, deployment_id, kind, ref_id):
        def handler(res, _account):
            if res['instances'] or res['pending']:
                raise ECEError(400, 'deployments.resource_has_instances',
                               'The resource [%s] still has instances: shut it down first' % ref_id)
            self.deployments[deployment_id]['resources'][kind].remove(res)
            self.deployments[deployment_id].setdefault('deleted', set()).add((kind, res['ref_id']))
            return dict(id=deployment_id, kind=kind, ref_id=res['ref_id'])
        return self._command(request, deployment_id, kind, ref_id, handler, status=200)

    def _instance_command(self, request, deployment_id, kind, ref_id, what):
        def handler(res, _account):
            if not res['instances']:
                raise ECEError(404, 'deployments.instances_missing_on_update_error',
                               'The resource [%s] has no instances' % ref_id)
            res['instance_op'] = dict(what=what, at=time.time() + self.instance_delay)
            if what in ('start', 'stop'):
                res['status'] = 'initializing' if what == 'start' else 'stopping'
            return {}
        return self._command(request, deployment_id, kind, ref_id, handler, status=202)

    def on_start_instances(self, request, deployment_id, kind, ref_id):
        return self._instance_command(request, deployment_id, kind, ref_id, 'start')

    def on_stop_instances(self, request, deployment_id, kind, ref_id):
        return self._instance_command(request, deployment_id, kind, ref_id, 'stop')

    def on_start_maintenance(self, request, deployment_id, kind, ref_id):
        return self._instance_command(request, deployment_id, kind, ref_id, 'maintenance_start')

    def on_stop_maintenance(self, request, deployment_id, kind, ref_id):
        return self._instance_command(request, deployment_id, kind, ref_id, 'maintenance_stop')

    def on_cancel_pending(self, request, deployment_id, kind, ref_id):
        def handler(res, _account):
            if not res['pending'] and not self._bool(request, 'ignore_missing'):
                raise ECEError(400, 'deployments.resource_does_not_have_a_pending_plan',
                               'The resource [%s] does not have a pending plan' % ref_id)
            self._cancel(res)
            return dict(id=deployment_id, kind=kind, ref_id=res['ref_id'])
        return self._command(request, deployment_id, kind, ref_id, handler, status=200)

    def _cancel(self, res):
        pending = res['pending']
        if pending:
            pending['ended'] = time.time()
            res['history'].append(copy.deepcopy(pending))
            res['pending'] = None
            if res['status'] not in ('started', 'stopped'):
                res['status'] = 'started' if res['instances'] else 'stopped'
