# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud DCS session API simulator (see shared/reference/huawei-dcs.md), with IAM token issuing.

* instances with nodes (``redis-proxy`` proxies and ``redis-server`` data nodes) and sessions per
  node (thousands by default), under ``/v2/{project_id}/instances/{instance_id}``;
* ``GET .../clients`` answers 500 until a session scan (``POST .../clients``) of that node has
  finished, then pages the snapshot the scan took (``limit`` 1..1000, ``offset``, ``count``);
* scan and kill-all jobs go INIT -> RUNNING -> SUCCESS over ``scan_duration``/``job_duration``
  seconds; ``fail_jobs`` lists job types (``scanClients``, ``killAllClients``) that end in FAIL with
  ``fail_reason``; a kill-all while another one runs on the instance gets DCS.4957;
* ``clients/kill`` answers 204 and removes the sessions at once; a kill-all removes them when its job
  succeeds;
* ``GET /v2/{project_id}/instances`` lists the project's instances (``name``/``name_equal``, ``status``,
  ``instance_id``, ``ip``, ``tags`` filters; ``limit`` 1..1000 at ``offset``, ``instance_num`` the total); a
  simulator is one region: projects it does not know answer 403 APIGW.0302, as the vendor does to credentials
  without rights in a project, and ``add_fleet`` seeds hundreds of instances at once;
* every request must be signed (``SDK-HMAC-SHA256``, verified with huaweicloudsdkcore's own signer)
  or carry an IAM token from ``POST /v3/auth/tokens``; a bad signature gets 401 APIGW.0301.

Error bodies have the documented shape ``{"error_code", "error_msg"}``. DCS.4957 and APIGW.0301 are
the vendor's codes; the other codes are this simulator's own choices.
"""

from __future__ import annotations

import datetime
import re
import secrets
import time
import uuid
from urllib.parse import quote

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .base import Simulator, json_response

PROJECT_ID = '0605767f1a80d5762fe0c00b2ed9c1a3'
DEMO_INSTANCE = '3c49ec5e-4d42-4a4c-9d9c-6f4b7c1e0a01'
DEMO_ACCESS_KEY = 'SIMDEMOAK0000000001'
DEMO_SECRET_KEY = 'sim-demo-secret-key-0000000000000000001'
TEMP_ACCESS_KEY = 'SIMTEMPAK0000000001'
TEMP_SECRET_KEY = 'sim-temp-secret-key-0000000000000000001'
TEMP_SECURITY_TOKEN = 'sim-security-token-0000000000000000000000000001'
IAM_DOMAIN = 'sim-domain'
IAM_USER = 'dcs-operator'
IAM_PASSWORD = 'sim-iam-password-1'
MAX_CLOCK_SKEW = 15 * 60
AUTHORIZATION = re.compile(r'^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$')

SCAN_JOB = 'scanClients'
KILL_ALL_JOB = 'killAllClients'
DEFAULT_FAIL_REASON = 'Failed to kill the sessions because the node is abnormal.'


def dcs_error(status, code, message):
    return json_response({'error_code': code, 'error_msg': message}, status=status)


def apigw_error(status, code, message):
    return json_response({'error_code': code, 'error_msg': message, 'request_id': uuid.uuid4().hex}, status=status)


def iam_error(status, title, message):
    return json_response({'error': {'code': str(status), 'title': title, 'message': message}}, status=status)


def timestamp(moment):
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')


def make_session(index, host_base=10, idle=None):
    """A ClientInfo with every documented field; the address is unique per ``index``."""
    ip = '10.%d.%d.%d' % (host_base, index // 250, index % 250 + 1)
    addr = '%s:%d' % (ip, 40000 + index % 20000)
    return {
        'id': str(1000 + index), 'addr': addr, 'fd': str(10 + index), 'name': ('web', 'worker', '')[index % 3],
        'cmd': ('get', 'set', 'ping', 'hgetall')[index % 4], 'db': str(index % 2), 'flags': 'N', 'events': 'r',
        'network': 'tcp', 'peer': addr, 'user': 'default',
        'age': 86400 - index % 3600, 'idle': default_idle(index) if idle is None else idle(index),
        'sub': 0, 'psub': 0, 'multi': -1, 'qbuf': 0, 'qbuf_free': 0, 'obl': 0, 'oll': 0, 'omem': 0,
    }


def default_idle(index):
    """One session in ten has been idle for over 4000 s; the others for under 600 s."""
    return 4000 + (index * 37) % 3000 if index % 10 == 0 else (index * 13) % 600


def make_nodes(kind, shards=2, proxies=2):
    """Nodes as ``logical-nodes`` lists them: ``proxy`` (proxy cluster) or ``single`` (master/standby)."""
    nodes = []

    def node(role, node_type, number):
        node_id = str(uuid.uuid4())
        nodes.append({
            'node_id': node_id, 'logical_node_id': uuid.uuid4().hex, 'name': '%s-%d' % (node_type, number),
            'node_ip': '192.168.0.%d' % (len(nodes) + 10), 'node_port': 6379 if role == 'redis-server' else 8080,
            'node_role': role, 'node_type': node_type, 'status': 'Active', 'az_code': 'ap-southeast-1a',
            'group_id': 'group-%d' % (number // 2), 'group_name': 'group-%d' % (number // 2),
        })
    if kind == 'proxy':
        for number in range(proxies):
            node('redis-proxy', 'proxy', number)
        for number in range(shards):
            node('redis-server', 'master', number)
            node('redis-server', 'slave', number)
    elif kind == 'single':
        node('redis-server', 'master', 0)
        node('redis-server', 'slave', 0)
    else:
        raise ValueError('unknown instance kind %r (proxy or single)' % kind)
    return nodes


# The cache mode the instance list shows for each kind of instance the simulator builds.
CACHE_MODES = {'proxy': 'proxy', 'single': 'ha'}
SPEC_CODES = {'proxy': 'redis.proxy.xu1.large.4', 'single': 'redis.ha.xu1.large.r2.2'}


def instance_info(instance_id, kind, number, overrides):
    """What ``GET /v2/{project_id}/instances`` shows of an instance (``overrides`` wins; ``tags`` is given as a
    dict and listed as ``[{"key", "value"}]``, only when there are any)."""
    info = {
        'instance_id': instance_id, 'name': 'dcs-%04d' % number, 'engine': 'Redis', 'engine_version': '5.0',
        'status': 'RUNNING', 'ip': '192.168.%d.%d' % (number // 250 % 250, number % 250 + 1), 'port': 6379,
        'domain_name': 'redis-%s.dcs.huaweicloud.com' % instance_id[:8], 'capacity': 8 if kind == 'proxy' else 2,
        'spec_code': SPEC_CODES[kind], 'cache_mode': CACHE_MODES[kind], 'charging_mode': 0,
        'az_codes': ['ap-southeast-1a', 'ap-southeast-1b'], 'enterprise_project_id': '0',
        'created_at': timestamp(1_700_000_000 + number * 60),
    }
    tags = dict(overrides.pop('tags', None) or {})
    info.update(overrides)
    if tags:
        info['tags'] = [{'key': key, 'value': value} for key, value in sorted(tags.items())]
    return info


class HuaweiDCSSimulator(Simulator):
    name = 'huawei_dcs'
    base_path = ''
    url_map = Map([
        Rule('/v3/auth/tokens', endpoint='tokens', methods=['POST']),
        Rule('/v2/<project_id>/instances', endpoint='instances', methods=['GET']),
        Rule('/v2/<project_id>/instances/<instance_id>/logical-nodes', endpoint='logical_nodes', methods=['GET']),
        Rule('/v2/<project_id>/instances/<instance_id>/clients', endpoint='clients', methods=['GET', 'POST']),
        Rule('/v2/<project_id>/instances/<instance_id>/clients/kill', endpoint='kill', methods=['POST']),
        Rule('/v2/<project_id>/instances/<instance_id>/clients/kill-all', endpoint='kill_all', methods=['POST']),
        Rule('/v2/<project_id>/jobs/<job_id>', endpoint='job', methods=['GET']),
    ])

    def reset_state(self):
        self.projects = {PROJECT_ID}
        self.credentials = {
            DEMO_ACCESS_KEY: {'sk': DEMO_SECRET_KEY, 'security_token': None},
            TEMP_ACCESS_KEY: {'sk': TEMP_SECRET_KEY, 'security_token': TEMP_SECURITY_TOKEN},
        }
        self.iam_users = {(IAM_DOMAIN, IAM_USER): IAM_PASSWORD}
        self.tokens = {}
        self.instances = {}
        self.jobs = {}
        self.job_duration = 1.0
        self.scan_duration = 0.3
        self.fail_jobs = set()
        self.fail_reason = DEFAULT_FAIL_REASON
        self.add_instance(DEMO_INSTANCE, kind='proxy', sessions=2000)

    # --- state helpers (tests call these directly) -------------------------------------------

    def add_instance(self, instance_id, kind='proxy', sessions=0, idle=None, nodes=None, session_nodes=None,
                     project_id=PROJECT_ID, **info):
        """An instance of ``project_id`` whose session nodes (proxies, or the master) each get ``sessions`` sessions;
        ``session_nodes`` (``[{"node_id", "sessions"}]``, in the order of those nodes) gives them their ids and counts
        instead; ``info`` overrides what the instance list shows of it (``name``, ``status``, ``engine``, ``tags``...)."""
        with self.lock:
            nodes = nodes or make_nodes(kind)
            instance = {'nodes': nodes, 'sessions': {}, 'snapshots': {}, 'project_id': project_id,
                        'info': instance_info(instance_id, kind, len(self.instances), info)}
            proxies = [node for node in nodes if node['node_type'] == 'proxy']
            targets = proxies or [node for node in nodes if node['node_type'] == 'master']
            counts = {}
            for node, spec in zip(targets, session_nodes or ()):
                node['node_id'] = spec.get('node_id') or node['node_id']
                counts[node['node_id']] = int(spec.get('sessions', sessions))
            for number, node in enumerate(nodes):
                count = counts.get(node['node_id'], sessions) if node in targets else 0
                instance['sessions'][node['node_id']] = {
                    item['peer']: item for item in (make_session(index, 10 + number, idle) for index in range(count))}
            self.instances[instance_id] = instance
            return instance

    def add_fleet(self, project_id, count, prefix='redis', kind='single', sessions=0, idle=None, **info):
        """``count`` instances of ``project_id`` named ``<prefix>-<n>`` (ids derived from the project and the
        number, so two simulators seeded alike list alike); the project becomes one the credentials may use."""
        with self.lock:
            self.projects.add(project_id)
            ids = []
            for number in range(count):
                instance_id = str(uuid.uuid5(uuid.NAMESPACE_URL, 'dcs/%s/%s/%d' % (project_id, prefix, number)))
                fields = dict(info, name='%s-%04d' % (prefix, number))
                for key, value in info.items():
                    if callable(value):
                        fields[key] = value(number)
                self.add_instance(instance_id, kind=kind, sessions=sessions, idle=idle, project_id=project_id, **fields)
                ids.append(instance_id)
            return ids

    def session_node_ids(self, instance_id):
        nodes = self.instances[instance_id]['nodes']
        proxies = [node['node_id'] for node in nodes if node['node_type'] == 'proxy']
        return proxies or [node['node_id'] for node in nodes if node['node_role'] == 'redis-server']

    def sessions_of(self, instance_id, node_id):
        with self.lock:
            return list(self.instances[instance_id]['sessions'][node_id].values())

    def seed(self, data):
        data = dict(data)
        for key in ('job_duration', 'scan_duration'):
            if key in data:
                setattr(self, key, float(data.pop(key)))
        if 'fail_jobs' in data:
            self.fail_jobs = set(data.pop('fail_jobs'))
        if 'fail_reason' in data:
            self.fail_reason = str(data.pop('fail_reason'))
        for instance_id, spec in (data.pop('instances', None) or {}).items():
            self.add_instance(instance_id, kind=spec.get('kind', 'proxy'), sessions=int(spec.get('sessions', 0)),
                              session_nodes=spec.get('session_nodes'), project_id=spec.get('project_id', PROJECT_ID),
                              **({'name': spec['name']} if 'name' in spec else {}))
        for project_id in data.pop('projects', None) or ():
            self.projects.add(project_id)
        for spec in data.pop('fleets', None) or ():
            spec = dict(spec)
            self.add_fleet(spec.pop('project_id'), int(spec.pop('count')), **spec)
        for access_key, spec in (data.pop('credentials', None) or {}).items():
            self.credentials[access_key] = {'sk': spec['sk'], 'security_token': spec.get('security_token')}
        if data:
            raise ValueError('unknown DCS seed keys: %s' % ', '.join(sorted(data)))

    def dump_state(self):
        self.advance()
        return {
            'instances': {instance_id: {node_id: len(sessions) for node_id, sessions in instance['sessions'].items()}
                          for instance_id, instance in self.instances.items()},
            'jobs': {job_id: self.job_view(job) for job_id, job in self.jobs.items()},
            'job_duration': self.job_duration, 'scan_duration': self.scan_duration, 'fail_jobs': sorted(self.fail_jobs),
        }

    def demo_vars(self):
        """Variables ``make demo`` passes to its playbook (simulator credentials only)."""
        return {'dcs_access_key': DEMO_ACCESS_KEY, 'dcs_secret_key': DEMO_SECRET_KEY, 'dcs_project_id': PROJECT_ID,
                'dcs_instance_id': DEMO_INSTANCE, 'dcs_region': 'ap-southeast-1'}

    # --- jobs ------------------------------------------------------------------------------

    def new_job(self, job_type, duration, effect):
        job_id = uuid.uuid4().hex
        now = time.time()
        self.jobs[job_id] = {'job_id': job_id, 'job_type': job_type, 'created': now, 'done_at': now + duration,
                             'duration': duration, 'fails': job_type in self.fail_jobs, 'effect': effect,
                             'applied': False, 'fail_reason': self.fail_reason}
        return job_id

    def job_status(self, job, now=None):
        now = time.time() if now is None else now
        if now >= job['done_at']:
            return 'FAIL' if job['fails'] else 'SUCCESS'
        if now >= job['created'] + min(0.2 * job['duration'], 0.3):
            return 'RUNNING'
        return 'INIT'

    def job_view(self, job):
        status = self.job_status(job)
        view = {'job_id': job['job_id'], 'job_type': job['job_type'], 'status': status,
                'begin_time': timestamp(job['created']), 'end_time': '', 'fail_reason': ''}
        if status in ('SUCCESS', 'FAIL'):
            view['end_time'] = timestamp(job['done_at'])
        if status == 'FAIL':
            view['fail_reason'] = job['fail_reason']
        return view

    def advance(self):
        """Apply the effect of every job that has finished (once)."""
        with self.lock:
            now = time.time()
            for job in self.jobs.values():
                if not job['applied'] and now >= job['done_at']:
                    job['applied'] = True
                    if not job['fails']:
                        job['effect']()

    # --- authentication ------------------------------------------------------------------------

    def authenticate(self, request, project_id):
        """``None`` when the request is signed correctly or carries a valid token, else the 401/403 answer."""
        token = request.headers.get('X-Auth-Token')
        if token:
            info = self.tokens.get(token)
            if info is None or info['expires'] <= time.time():
                return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: decrypt token fail')
            if info['project_id'] != project_id:
                return apigw_error(403, 'APIGW.0302', 'The IAM user is not authorized to access the API.')
            return None
        header = request.headers.get('Authorization', '')
        match = AUTHORIZATION.match(header.strip())
        if not match:
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: Authorization header is missing or malformed')
        access_key, signed, given = match.groups()
        credential = self.credentials.get(access_key)
        if credential is None:
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: the access key does not exist')
        names = signed.split(';')
        if 'host' not in names or 'x-sdk-date' not in names or any(request.headers.get(name) is None for name in names):
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail')
        try:
            signed_at = datetime.datetime.strptime(request.headers['X-Sdk-Date'], '%Y%m%dT%H%M%SZ').replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: invalid X-Sdk-Date')
        if abs(time.time() - signed_at) > MAX_CLOCK_SKEW:
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: the request has expired')
        if credential['security_token'] and request.headers.get('X-Security-Token') != credential['security_token']:
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: the security token is invalid')
        raw_uri = request.environ.get('REQUEST_URI') or request.environ.get('RAW_URI') or quote(request.path)
        sdk_request = SdkRequest(
            method=request.method, schema='https', host=request.headers['Host'], resource_path=raw_uri.split('?', 1)[0],
            query_params=list(request.args.items(multi=True)),
            header_params={name: request.headers[name] for name in names}, body=request.get_data() or '')
        expected = Signer(BasicCredentials(access_key, credential['sk'])).sign(sdk_request).header_params['Authorization']
        if not secrets.compare_digest(expected.rsplit('Signature=', 1)[1], given):
            return apigw_error(401, 'APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail')
        header_project = request.headers.get('X-Project-Id')
        if project_id not in self.projects or (header_project and header_project != project_id):
            return apigw_error(403, 'APIGW.0302', 'The IAM user is not authorized to access the API.')
        return None

    def guard(self, request, project_id, instance_id=None):
        """Authentication, then the instance (``(instance, None)`` or ``(None, answer)``)."""
        failure = self.authenticate(request, project_id)
        if failure is not None:
            return None, failure
        self.advance()
        if instance_id is None:
            return None, None
        instance = self.instances.get(instance_id)
        if instance is None:
            return None, dcs_error(404, 'DCS.4800', 'The instance does not exist.')
        return instance, None

    def not_found(self, request, error):
        return apigw_error(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment')

    @staticmethod
    def body_of(request):
        data = request.get_json(silent=True) if request.data else None
        return data if isinstance(data, dict) else None

    # --- IAM -----------------------------------------------------------------------------

    def on_tokens(self, request):
        body = self.body_of(request) or {}
        try:
            identity = body['auth']['identity']
            user = identity['password']['user']
            name, password, domain = user['name'], user['password'], user['domain']['name']
            project_id = body['auth']['scope']['project']['id']
        except (KeyError, TypeError):
            return iam_error(400, 'Bad Request', 'The request body is invalid.')
        if self.iam_users.get((domain, name)) != password:
            return iam_error(401, 'Unauthorized', 'The username or password is wrong.')
        if project_id not in self.projects:
            return iam_error(401, 'Unauthorized', 'The project does not exist or is not authorized.')
        token = 'MIIT' + secrets.token_urlsafe(48)
        expires = time.time() + 24 * 3600
        self.tokens[token] = {'project_id': project_id, 'user': name, 'expires': expires}
        return json_response({'token': {'expires_at': timestamp(expires), 'methods': ['password'],
                                        'project': {'id': project_id}, 'user': {'name': name, 'domain': {'name': domain}}}},
                             status=201, headers={'X-Subject-Token': token})

    # --- DCS -----------------------------------------------------------------------------

    def on_instances(self, request, project_id):
        """The project's instances, filtered by the documented query parameters, ``limit`` at ``offset``."""
        _instance, failure = self.guard(request, project_id)
        if failure is not None:
            return failure
        args = request.args
        try:
            offset = int(args.get('offset', 0))
            limit = int(args.get('limit', 10))
        except ValueError:
            return dcs_error(400, 'DCS.4802', 'Invalid offset or limit.')
        if offset < 0 or not 1 <= limit <= 1000:
            return dcs_error(400, 'DCS.4802', 'Invalid offset or limit.')
        for flag in ('name_equal', 'include_failure', 'include_delete'):
            if args.get(flag) not in (None, 'true', 'false'):
                return dcs_error(400, 'DCS.4806', 'Invalid %s.' % flag)
        tags = [value.partition('=') for value in args.getlist('tags')]
        name = args.get('name')

        def listed(info):
            if args.get('instance_id') and info['instance_id'] != args['instance_id']:
                return False
            if name and (info['name'] != name if args.get('name_equal') == 'true' else name not in info['name']):
                return False
            if args.get('status') and info['status'] != args['status']:
                return False
            if args.get('ip') and info['ip'] != args['ip']:
                return False
            own = {tag['key']: tag['value'] for tag in info.get('tags', ())}
            return all(key in own and (not sep or own[key] == value) for key, sep, value in tags)

        matched = [dict(instance['info']) for instance in self.instances.values()
                   if instance['project_id'] == project_id and listed(instance['info'])]
        return json_response({'instance_num': len(matched), 'instances': matched[offset:offset + limit]})

    def on_logical_nodes(self, request, project_id, instance_id):
        instance, failure = self.guard(request, project_id, instance_id)
        if failure is not None:
            return failure
        return json_response({'instance_id': instance_id, 'total': len(instance['nodes']),
                              'nodes': [dict(node) for node in instance['nodes']]})

    def on_clients(self, request, project_id, instance_id):
        instance, failure = self.guard(request, project_id, instance_id)
        if failure is not None:
            return failure
        if request.method == 'POST':
            return self.scan(request, instance)
        node_id = request.args.get('node_id')
        if node_id not in instance['sessions']:
            return dcs_error(400, 'DCS.4801', 'Invalid node_id.')
        try:
            offset = int(request.args.get('offset', 0))
            limit = int(request.args.get('limit', 10))
        except ValueError:
            return dcs_error(400, 'DCS.4802', 'Invalid offset or limit.')
        if offset < 0 or not 1 <= limit <= 1000:
            return dcs_error(400, 'DCS.4802', 'Invalid offset or limit.')
        snapshot = instance['snapshots'].get(node_id)
        if snapshot is None:
            return dcs_error(500, 'DCS.5001', 'Failed to query the sessions: the sessions of this node have not been scanned.')
        sessions = snapshot['sessions']
        addr = request.args.get('addr')
        if addr:
            sessions = [session for session in sessions if addr in session['addr']]
        return json_response({'time': snapshot['time'], 'count': len(sessions),
                              'clients': [dict(session) for session in sessions[offset:offset + limit]]})

    def scan(self, request, instance):
        body = self.body_of(request)
        if body is None or body.get('node_id') not in instance['sessions']:
            return dcs_error(400, 'DCS.4801', 'Invalid node_id.')
        node_id = body['node_id']

        def take_snapshot():
            instance['snapshots'][node_id] = {'time': timestamp(time.time()),
                                              'sessions': list(instance['sessions'][node_id].values())}
        return json_response({'job_id': self.new_job(SCAN_JOB, self.scan_duration, take_snapshot)})

    def on_kill(self, request, project_id, instance_id):
        instance, failure = self.guard(request, project_id, instance_id)
        if failure is not None:
            return failure
        body = self.body_of(request)
        if body is None or body.get('node_id') not in instance['sessions']:
            return dcs_error(400, 'DCS.4801', 'Invalid node_id.')
        addrs = body.get('client_addrs')
        if not isinstance(addrs, list) or not addrs or not all(isinstance(item, str) for item in addrs):
            return dcs_error(400, 'DCS.4803', 'Invalid client_addrs.')
        sessions = instance['sessions'][body['node_id']]
        for addr in addrs:
            sessions.pop(addr, None)
        return Response(status=204)

    def on_kill_all(self, request, project_id, instance_id):
        instance, failure = self.guard(request, project_id, instance_id)
        if failure is not None:
            return failure
        body = self.body_of(request)
        if body is None:
            return dcs_error(400, 'DCS.4804', 'Invalid request body.')
        all_nodes = body.get('kill_all_nodes') is True
        if all_nodes:
            node_ids = self.session_node_ids(instance_id)
        elif body.get('node_id') in instance['sessions']:
            node_ids = [body['node_id']]
        else:
            return dcs_error(400, 'DCS.4801', 'Invalid node_id.')
        for job in self.jobs.values():
            if job['job_type'] == KILL_ALL_JOB and job.get('instance_id') == instance_id and not job['applied']:
                return dcs_error(400, 'DCS.4957', 'This operation is not allowed when the task is in the current state.')

        def kill():
            for node_id in node_ids:
                instance['sessions'][node_id].clear()
        job_id = self.new_job(KILL_ALL_JOB, self.job_duration, kill)
        self.jobs[job_id]['instance_id'] = instance_id
        return json_response({'job_id': job_id})

    def on_job(self, request, project_id, job_id):
        _instance, failure = self.guard(request, project_id)
        if failure is not None:
            return failure
        job = self.jobs.get(job_id)
        if job is None:
            return dcs_error(404, 'DCS.4805', 'The job does not exist.')
        return json_response(self.job_view(job))
