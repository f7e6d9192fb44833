# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei Cloud DCS (Distributed Cache Service) sessions: authentication, error bodies, typed calls, jobs.

Internal to this collection: used by its modules, with no API promise to others.

Vendor quirks live here and only here: AK/SK request signing or an IAM token, error bodies with
``error_code``/``error_msg``, the session list that must be scanned before it can be read (and that
answers 500 until then), paging with ``limit``/``offset`` until ``count``, and asynchronous jobs for
scans and kill-all that are polled until ``SUCCESS`` or ``FAIL``.
"""

from __future__ import annotations

import re
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.platform_ops.admin.plugins.module_utils._wait import Schedule, WaitTimeout, poll
from ansible_collections.platform_ops.admin.plugins.module_utils._module import (
    Connection,
    common_argument_spec,
    http_from_module,
    register_secret,
    require_url,
    warn_plain_http,
)
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import (
    DEFAULT_PARALLEL,
    fail_percentage_problem,
    ids_problem,
    parallel_problem,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, control_problem, id_problem
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_signer import SdkHmacSha256Auth, TokenAuth

DEFAULT_ENDPOINT = 'https://dcs.{region}.myhuaweicloud.com'
DEFAULT_IAM_ENDPOINT = 'https://iam.{region}.myhuaweicloud.com'
PAGE_LIMIT = 1000
# At most this many pages of sessions are read from one node (a million sessions): a server that keeps
# answering pages is not followed further.
MAX_PAGES = 1000
# The longest a task may wait for scans and jobs (wait_timeout).
MAX_WAIT_TIMEOUT = 86400
# Region names as the vendor spells them (cn-north-4, ap-southeast-1, la-south-2, my-kualalumpur-1): the
# region becomes part of a host name, so anything else (a '@', a ':', a '/') would send requests elsewhere.
REGION_PATTERN = re.compile(r'^[a-z]{2,4}(-[a-z0-9]+){1,3}$')
# The code DCS answers a kill-all with while another kill-all job runs on the instance ("This operation is not
# allowed when the task is in the current state").
JOB_IN_PROGRESS = 'DCS.4957'

# Job polling: a short first delay, then exponential backoff capped at POLL_MAX seconds.
POLL_FIRST = 0.5
POLL_FACTOR = 1.5
POLL_MAX = 5.0

JOB_DONE = ('SUCCESS', 'FAIL')
SESSION_FILTERS = ('client_addrs', 'idle_longer_than', 'name', 'db', 'cmd', 'addr_prefix')


def dcs_argument_spec():
    """Connection options (documented by the ``platform_ops.admin.huawei_dcs`` fragment) plus the common ones."""
    spec = common_argument_spec('HUAWEICLOUD_')
    spec.update(
        region=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_SDK_REGION'])),
        project_id=dict(type='str', required=True, fallback=(env_fallback, ['HUAWEICLOUD_SDK_PROJECT_ID'])),
        # The credentials fall back to the environment by the rule of Connection.prepare (DCS_CREDENTIALS).
        access_key=dict(type='str', no_log=False),
        secret_key=dict(type='str', no_log=True),
        security_token=dict(type='str', no_log=True),
        iam_username=dict(type='str'),
        iam_password=dict(type='str', no_log=True),
        domain_name=dict(type='str'),
        endpoint=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_DCS_ENDPOINT'])),
        iam_endpoint=dict(type='str', fallback=(env_fallback, ['HUAWEICLOUD_IAM_ENDPOINT'])),
    )
    return spec


def session_filter_spec():
    """The session filters shared by ``dcs_sessions`` and ``dcs_sessions_info``."""
    return dict(
        client_addrs=dict(type='list', elements='str'),
        idle_longer_than=dict(type='int'),
        name=dict(type='str'),
        db=dict(type='str'),
        cmd=dict(type='str'),
        addr_prefix=dict(type='str'),
    )


# The ways to authenticate, in order of preference, with their environment variables (the security token of the
# environment only with the environment's access key, which it was issued with).
DCS_CREDENTIALS = (
    (('access_key', 'HUAWEICLOUD_SDK_AK'), ('secret_key', 'HUAWEICLOUD_SDK_SK'),
     ('security_token', 'HUAWEICLOUD_SDK_SECURITY_TOKEN', 'access_key')),
    (('iam_username', 'HUAWEICLOUD_IAM_USERNAME'), ('iam_password', 'HUAWEICLOUD_IAM_PASSWORD'),
     ('domain_name', 'HUAWEICLOUD_IAM_DOMAIN_NAME')),
)


def parse_error_body(response, body):
    """``(code, message)`` of a DCS/API gateway error body (``error_code``/``error_msg``) or an IAM one
    (``{"error": {"code", "message"}}``), verbatim."""
    if not isinstance(body, dict):
        return None, None
    if 'error_code' in body or 'error_msg' in body:
        return body.get('error_code'), body.get('error_msg')
    error = body.get('error')
    if isinstance(error, dict):
        return error.get('code'), error.get('message')
    return None, None


def explain(error, auth_kind):
    """A hint for the failures a person can do something about."""
    status = error.status
    if status == 401:
        if auth_kind == 'aksk':
            return ('the request signature or access key was rejected: check access_key and secret_key '
                    '(HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK), security_token for temporary credentials, '
                    'and this machine\'s clock')
        return 'the IAM token or the IAM credentials were rejected: check iam_username, iam_password and domain_name'
    if status == 403:
        return 'permission denied: the account needs DCS administrator rights (such as DCS FullAccess) in project_id'
    return error.reason


class JobError(ApiError):
    """A DCS job that failed (``FAIL``) or did not finish in time."""

    def __init__(self, operation, job_id, job, reason, timed_out=False):
        self.job_id = job_id
        self.job = job or {}
        self.timed_out = timed_out
        super().__init__(operation, reason=reason)

    def as_result(self):
        result = super().as_result()
        result.update(job_id=self.job_id, job_status=self.job.get('status'))
        if self.job.get('fail_reason'):
            result['fail_reason'] = self.job['fail_reason']
        return result


def is_proxy(node):
    return node.get('node_type') == 'proxy' or node.get('node_role') == 'redis-proxy'


def session_nodes(nodes):
    """The nodes clients connect to: the proxies when the instance has any, the data nodes otherwise."""
    proxies = [node for node in nodes if is_proxy(node)]
    return proxies or [node for node in nodes if not is_proxy(node)]


def idle_seconds(session):
    """The session's ``idle`` as a number of seconds, or ``None`` when the service sent no number."""
    value = session.get('idle')
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def session_matches(session, filters):
    """Whether a session matches every given filter (filters that are ``None`` are ignored).

    A session whose ``idle`` is not a number never matches ``idle_longer_than``: it is not known to be idle.
    """
    addr = str(session.get('addr') or '')
    peer = str(session.get('peer') or addr)
    addrs = filters.get('client_addrs')
    if addrs is not None:
        hosts = {value.rsplit(':', 1)[0] for value in (addr, peer)}
        if not any(wanted in (addr, peer) or wanted in hosts for wanted in addrs):
            return False
    idle = filters.get('idle_longer_than')
    if idle is not None:
        seconds = idle_seconds(session)
        if seconds is None or not seconds > idle:
            return False
    for key in ('name', 'db', 'cmd'):
        wanted = filters.get(key)
        if wanted is not None and str(session.get(key, '')) != wanted:
            return False
    prefix = filters.get('addr_prefix')
    if prefix is not None and not addr.startswith(prefix):
        return False
    return True


def kill_address(session):
    """The value ``clients/kill`` takes for a session: its peer address, or its address."""
    return session.get('peer') or session.get('addr')


class DCSClient:
    """Typed calls to the DCS session API of one project over one ``HttpClient``.

    ``sleep`` and ``clock`` are injectable so job waiting can be tested without waiting.
    """

    def close(self):
        """Close the pooled connections (the module frame does at the end of every run)."""
        self.http.close()

    def __init__(self, http, project_id, auth_kind='aksk', sleep=time.sleep, clock=time.monotonic):
        self.http = http
        self.project_id = project_id
        self.auth_kind = auth_kind
        self.sleep = sleep
        self.clock = clock
        self.polls = []

    # --- requests -------------------------------------------------------------------------

    def call(self, method, path, operation, expected=None, **kwargs):
        """One request; the shared client follows no redirect (it would resend X-Auth-Token and
        X-Security-Token to wherever it points), so a 3xx fails like any other unexpected status."""
        try:
            response = self.http.request(method, path, operation, expected=expected, **kwargs)
        except ApiError as error:
            if error.status is not None:
                error.reason = explain(error, self.auth_kind)
            raise
        body = self.http.json(response, operation)
        if body is not None and not isinstance(body, dict):
            raise self.http.malformed(operation, response, 'the answer is JSON but not an object: %s' % type(body).__name__)
        if body and ('error_code' in body or 'error_msg' in body):
            # An error with a success status: never data, never a success.
            code, message = parse_error_body(response, body)
            raise self.http.error_from_response(operation, response, code=code, message=message or 'no message',
                                                reason='an error body with a success status')
        return response, body

    def instance_path(self, instance_id, *tail):
        return ('v2', self.project_id, 'instances', instance_id) + tail

    # --- typed calls ----------------------------------------------------------------------

    def logical_nodes(self, instance_id):
        operation = 'Listing the nodes of DCS instance %s' % instance_id
        response, body = self.call('GET', self.instance_path(instance_id, 'logical-nodes'), operation)
        nodes = self.http.member_list(body, 'nodes', operation, response)
        if not all(isinstance(node, dict) and node.get('node_id') for node in nodes):
            raise self.http.malformed(operation, response, 'the node list has an entry without a node_id')
        return nodes

    def start_scan(self, instance_id, node_id, clean_cache=True):
        response, body = self.call('POST', self.instance_path(instance_id, 'clients'),
                                   'Scanning the sessions of node %s of DCS instance %s' % (node_id, instance_id),
                                   json={'node_id': node_id, 'clean_cache': bool(clean_cache)},
                                   # A scan refreshes the service's session list and changes no session: sent in
                                   # check mode.
                                   read_like=True)
        return self._job_id(response, body, 'session scan', instance_id)

    def list_clients(self, instance_id, node_id):
        """Every session of a node (``limit`` 1000 and ``offset`` until ``count`` are read)."""
        operation = 'Listing the sessions of node %s of DCS instance %s' % (node_id, instance_id)
        sessions = []
        previous = None
        for _page_number in range(MAX_PAGES):
            params = {'node_id': node_id, 'offset': len(sessions), 'limit': PAGE_LIMIT}
            response, body = self.call('GET', self.instance_path(instance_id, 'clients'), operation, params=params)
            page = self.http.member_list(body, 'clients', operation, response)
            count = body.get('count')
            if isinstance(count, bool) or not isinstance(count, int):
                raise self.http.malformed(operation, response, 'the answer has no count of sessions (got %s)' % (
                    _snippet(count)))
            if not all(isinstance(item, dict) for item in page):
                raise self.http.malformed(operation, response, 'the session list has entries that are not objects')
            nameless = [item for item in page if not isinstance(kill_address(item), str) or not kill_address(item)]
            if nameless:
                raise ApiError(operation, reason='the session list has a session without an address (addr/peer): %s' % (
                    _snippet(nameless[0]),))
            if page and page == previous:
                raise ApiError(operation, status=200, reason='the service answered offset %d with the page it gave for the '
                               'previous offset; stopping instead of reading it again' % len(sessions))
            if len(sessions) + len(page) > count:
                raise ApiError(operation, status=200, reason='the service sent %d sessions but announced %d' % (
                    len(sessions) + len(page), count))
            previous = page
            sessions.extend(page)
            if not page or len(sessions) >= count:
                return sessions
        raise ApiError(operation, status=200, reason='more than %d pages of sessions; stopping' % MAX_PAGES)

    def list_instances(self, query=None, page_size=PAGE_LIMIT, region=None):
        """Every instance of the project (in the endpoint's region) that ``query`` selects: ``GET
        /v2/{project_id}/instances`` with ``limit`` ``page_size`` and ``offset`` until ``instance_num`` are read. An
        instance listed twice (the list moved between pages) is kept once."""
        operation = 'Listing the DCS instances of project %s%s' % (self.project_id, ' in region %s' % region if region else '')
        instances = {}
        offset = 0
        previous = None
        for _page_number in range(MAX_PAGES):
            params = dict(query or {}, offset=offset, limit=page_size)
            response, body = self.call('GET', ('v2', self.project_id, 'instances'), operation, params=params)
            page = self.http.member_list(body or {}, 'instances', operation, response)
            total = (body or {}).get('instance_num')
            if isinstance(total, bool) or not isinstance(total, int):
                raise self.http.malformed(operation, response, 'the answer has no count of instances (instance_num: '
                                          '%s)' % _snippet(total))
            if not all(isinstance(item, dict) for item in page):
                raise self.http.malformed(operation, response, 'the instance list has entries that are not objects')
            nameless = [item for item in page if not isinstance(item.get('instance_id'), str) or not item['instance_id'].strip()]
            if nameless:
                raise self.http.malformed(operation, response, 'the instance list has an instance without an '
                                          'instance_id: %s' % _snippet(nameless[0]))
            if page and page == previous:
                raise self.http.malformed(operation, response, 'the service answered offset %d with the page it gave '
                                          'for the previous offset; stopping instead of reading it again' % offset)
            if offset + len(page) > total:
                raise self.http.malformed(operation, response, 'the service sent %d instances but announced %d' % (
                    offset + len(page), total))
            previous = page
            offset += len(page)
            for item in page:
                instances.setdefault(item['instance_id'], item)
            if not page or offset >= total:
                return list(instances.values())
        raise ApiError(operation, status=200, reason='more than %d pages of instances; stopping' % MAX_PAGES)

    def kill_clients(self, instance_id, node_id, addresses):
        self.call('POST', self.instance_path(instance_id, 'clients', 'kill'),
                  'Killing %d sessions of node %s of DCS instance %s' % (len(addresses), node_id, instance_id),
                  json={'node_id': node_id, 'client_addrs': list(addresses)})

    def kill_all(self, instance_id, node_id=None):
        """Kill every session of a node, or of every node when ``node_id`` is ``None``; returns the job id."""
        if node_id is None:
            payload = {'kill_all_nodes': True}
            what = 'every node'
        else:
            payload = {'node_id': node_id, 'kill_all_nodes': False}
            what = 'node %s' % node_id
        response, body = self.call('POST', self.instance_path(instance_id, 'clients', 'kill-all'),
                                   'Killing all sessions of %s of DCS instance %s' % (what, instance_id), json=payload)
        return self._job_id(response, body, 'kill-all', instance_id)

    def get_job(self, job_id):
        operation = 'Reading DCS job %s' % job_id
        job = self.call('GET', ('v2', self.project_id, 'jobs', job_id), operation)[1]
        if not isinstance(job, dict) or not isinstance(job.get('status'), str):
            raise ApiError(operation, status=200, reason='the job answer has no status (got %s)' % _snippet(job))
        return job

    def wait_job(self, job_id, timeout, what='job', target='', started=None, deadline=None):
        """Poll a job until ``SUCCESS`` (returns the job) or ``FAIL``/the deadline (raises ``JobError``).

        The first poll comes after ``POLL_FIRST`` seconds, later ones after intervals growing by
        ``POLL_FACTOR`` up to ``POLL_MAX``; the last poll is made at the deadline. ``started`` (a ``clock``
        time) is when the job was started: the first delay counts from then. ``deadline`` (a ``clock`` time,
        default ``timeout`` from now) is shared by jobs waited for one after the other; the job is polled at
        least once even when it has passed, since a job started with the others has likely finished with them.
        """
        operation = 'DCS %s %s%s' % (what, job_id, target)

        def done(job):
            self.polls.append(self.clock())
            status = str(job.get('status') or '').upper()
            if status == 'FAIL':
                raise JobError(operation, job_id, job, reason='the job ended with status FAIL: %s' % (
                    job.get('fail_reason') or 'no reason given'))
            return status == 'SUCCESS'

        def timed_out(job):
            return JobError(operation, job_id, job, timed_out=True, reason='no result after waiting %ss, the last status was %s' % (
                _seconds(timeout), (job or {}).get('status') or 'unknown'))

        return poll(lambda: self.get_job(job_id), done, timeout, schedule=Schedule(POLL_FIRST, POLL_FACTOR, POLL_MAX),
                    on_timeout=timed_out, sleep=self.sleep, clock=self.clock, deadline=deadline, at_least_once=True,
                    first_delay=None if started is None else max(0.0, POLL_FIRST - (self.clock() - started)))

    # --- helpers --------------------------------------------------------------------------

    def _job_id(self, response, body, what, instance_id):
        job_id = (body or {}).get('job_id')
        if not isinstance(job_id, str) or not job_id.strip():
            # A 2xx: what the request started is under way (the error's outcome is ACCEPTED); the caller looks.
            raise self.http.malformed('Starting a DCS %s on instance %s' % (what, instance_id), response,
                                      'the service accepted the request but answered without a job_id to wait for '
                                      '(got %s)' % _snippet((body or {}).get('job_id')))
        return job_id

    def session_nodes(self, instance_id, node_id=None):
        """The node ids whose sessions are read: the given one, or every session node of the instance."""
        if node_id:
            return [node_id]
        nodes = session_nodes(self.logical_nodes(instance_id))
        if not nodes:
            raise ApiError('Listing the nodes of DCS instance %s' % instance_id,
                           reason='the instance has no nodes (logical-nodes needs Redis 4.0 or later)')
        return [node['node_id'] for node in nodes]

    def scan_sessions(self, instance_id, node_ids, timeout, clean_cache=True):
        """Scan every node (all scans started first, then waited for) and return ``{node_id: [session]}``
        with each session's ``node_id`` added."""
        deadline = self.clock() + timeout
        jobs = [(node_id, self.start_scan(instance_id, node_id, clean_cache), self.clock()) for node_id in node_ids]
        for node_id, job_id, started in jobs:
            self.wait_job(job_id, timeout, what='session scan job', target=' of node %s' % node_id, started=started,
                          deadline=deadline)
        result = {}
        for node_id in node_ids:
            result[node_id] = [dict(session, node_id=node_id) for session in self.list_clients(instance_id, node_id)]
        return result

    def sessions_gone(self, instance_id, wanted, window, timeout):
        """After a kill whose answer was lost (or a kill-all run by someone else): scan the nodes of ``wanted``
        (``{node_id: set of addresses}``) until every address is gone or ``window`` seconds passed; return the
        addresses gone, ``{node_id: [address]}``."""
        def scan():
            by_node = self.scan_sessions(instance_id, sorted(wanted), timeout)
            return {node_id: sorted(set(addresses) - {kill_address(session) for session in by_node[node_id]})
                    for node_id, addresses in wanted.items()}

        try:
            return poll(scan, lambda gone: all(len(gone[node_id]) == len(wanted[node_id]) for node_id in wanted), window,
                        schedule=Schedule(POLL_FIRST, POLL_FACTOR, POLL_MAX), immediately=True, at_least_once=True,
                        sleep=self.sleep, clock=self.clock)
        except WaitTimeout as timeout_error:
            return timeout_error.last


def _snippet(value, length=120):
    text = repr(value)
    return text if len(text) <= length else text[:length] + '...'


def _seconds(value):
    return int(value) if float(value).is_integer() else value


def connection_problem(params):
    """The problem with the connection options, or ``None`` (checked before any request)."""
    aksk = params['access_key'] or params['secret_key']
    iam = params['iam_username'] or params['iam_password'] or params['domain_name']
    if aksk and iam:
        return 'Give either access_key and secret_key or iam_username, iam_password and domain_name, not both.'

    if not aksk and not iam:
        return ('Give access_key and secret_key (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK), '
                'or iam_username, iam_password and domain_name.')
    if aksk and not (params['access_key'] and params['secret_key']):
        return 'access_key and secret_key go together: give both (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK).'
    if iam and not (params['iam_username'] and params['iam_password'] and params['domain_name']):
        return ('iam_username, iam_password and domain_name go together: give all three (or HUAWEICLOUD_IAM_USERNAME, '
                'HUAWEICLOUD_IAM_PASSWORD and HUAWEICLOUD_IAM_DOMAIN_NAME).')
    if params['security_token'] and not aksk:
        return 'security_token goes with the temporary access_key and secret_key it was issued with.'
    if not params['endpoint'] and not params['region']:
        return 'Give region (or HUAWEICLOUD_SDK_REGION), or endpoint.'
    if iam and not params['iam_endpoint'] and not params['region']:
        return 'Give region (or HUAWEICLOUD_SDK_REGION), or iam_endpoint, for the IAM token.'
    region = params['region']
    if region is not None and not REGION_PATTERN.match(region):
        return 'region must be a region name such as ap-southeast-1 or cn-north-4; got %r.' % region
    return id_problem(params['project_id'], 'project_id')


def request_token(http, iam_endpoint, params):
    """One IAM token for the run (``X-Subject-Token`` of ``POST /v3/auth/tokens``)."""
    url = '%s/v3/auth/tokens' % iam_endpoint.rstrip('/')
    operation = 'Getting an IAM token for %s in domain %s' % (params['iam_username'], params['domain_name'])
    payload = {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': params['iam_username'], 'password': params['iam_password'],
            'domain': {'name': params['domain_name']}}}},
        'scope': {'project': {'id': params['project_id']}},
    }}
    try:
        response = http.request('POST', url, operation, expected=(201, 200), json=payload, read_like=True)
    except ApiError as error:
        if error.status is not None:
            error.reason = explain(error, 'iam')
        raise
    token = response.headers.get('X-Subject-Token')
    if not token:
        raise ApiError(operation, method='POST', url=url, status=response.status_code,
                       reason='the answer has no X-Subject-Token header')
    return token


def endpoints(params):
    """``(endpoint, iam_endpoint)`` the options select: as given, else the region's defaults (``None`` without a
    region)."""
    region = params['region']
    chosen = []
    for option, pattern in (('endpoint', DEFAULT_ENDPOINT), ('iam_endpoint', DEFAULT_IAM_ENDPOINT)):
        url = params[option] or (pattern.format(region=region) if region else None)
        chosen.append(url.rstrip('/') if url else None)
    return tuple(chosen)


def dcs_http_from_module(module, pool_maxsize=10):
    """Validate the connection options and build the ``HttpClient`` for the DCS endpoint, not yet authenticated (no
    request is sent), with ``pool_maxsize`` pooled connections; returns it with the IAM endpoint."""
    params = module.params
    for option in ('endpoint', 'iam_endpoint'):
        if params[option] is not None:
            require_url(module, params[option], option, 'https://dcs.ap-southeast-1.myhuaweicloud.com')
    problem = connection_problem(params)
    if problem:
        module.fail_json(msg=problem)
    endpoint, iam_endpoint = endpoints(params)
    if params['access_key']:
        warn_plain_http(module, endpoint, 'endpoint', 'the access key and signed requests' + (
            ' with the security token' if params['security_token'] else ''))
    else:
        warn_plain_http(module, iam_endpoint, 'iam_endpoint', 'the IAM password')
        warn_plain_http(module, endpoint, 'endpoint', 'the IAM token')
    secrets = [params['secret_key'], params['security_token'], params['iam_password']]
    return http_from_module(module, endpoint, secrets=secrets, error_parser=parse_error_body,
                            pool_maxsize=pool_maxsize), iam_endpoint


def dcs_client_from_module(module, sleep=time.sleep, pool_maxsize=10):
    """Validate the connection options, authenticate (an IAM token costs one request) and build a ``DCSClient`` whose
    session pools ``pool_maxsize`` connections (one per worker when instances are worked on at once)."""
    params = module.params
    http, iam_endpoint = dcs_http_from_module(module, pool_maxsize)
    project_id = params['project_id'].strip()
    if params['access_key']:
        http.session.auth = SdkHmacSha256Auth(params['access_key'], params['secret_key'], project_id=project_id,
                                              security_token=params['security_token'])
        return DCSClient(http, project_id, auth_kind='aksk', sleep=sleep)
    try:
        token = request_token(http, iam_endpoint, params)
    except ApiError:
        http.close()
        raise
    register_secret(module, http, token)
    http.session.auth = TokenAuth(token, project_id=project_id)
    return DCSClient(http, project_id, auth_kind='iam', sleep=sleep)


def filters_from_params(params):
    """The given filters; ``client_addrs`` values without the spaces around them (an address has none)."""
    filters = {key: params[key] for key in SESSION_FILTERS if params.get(key) is not None}
    if 'client_addrs' in filters:
        filters['client_addrs'] = [value.strip() for value in filters['client_addrs']]
    return filters


def filter_problem(params):
    """The problem with the session filters, or ``None``."""
    if params.get('idle_longer_than') is not None and params['idle_longer_than'] < 0:
        return 'idle_longer_than must be 0 or more seconds, got %s.' % params['idle_longer_than']
    addrs = params.get('client_addrs')
    if addrs is not None:
        if not addrs:
            return 'client_addrs must list at least one address (address:port or address).'
        bad = [value for value in addrs if not value or not value.strip() or ' ' in value.strip()]
        if bad:
            return 'client_addrs must hold address:port values such as 10.0.0.5:2048; got %r.' % bad[0]
    for key in ('name', 'db', 'cmd', 'addr_prefix'):
        if params.get(key) == '':
            return '%s must not be empty.' % key
    return None


# --- many instances in one task -----------------------------------------------------------------------------

INSTANCE_KEYS = ('id', 'project_id', 'region', 'endpoint')


def many_instances_spec():
    """The options that select many instances in one task, and how many are worked on at once (``dcs_sessions`` and
    ``dcs_sessions_info``)."""
    return dict(
        instance_ids=dict(type='list', elements='str'),
        instances=dict(type='list', elements='dict', options=dict(
            id=dict(type='str', required=True),
            project_id=dict(type='str'),
            region=dict(type='str'),
            endpoint=dict(type='str'),
        )),
        parallel=dict(type='int', default=DEFAULT_PARALLEL),
        max_fail_percentage=dict(type='int', default=100),
    )


MANY_INSTANCES_EXCLUSIVE = [('instance_id', 'instance_ids', 'instances')]


def entry_place(entry):
    """The connection options an entry of ``instances`` changes, as a sorted tuple of ``(option, value)`` (empty: the
    task's own): what it gives goes over the task's, as an entry of ``projects`` does in the inventory plugin."""
    return tuple(sorted((key, entry[key].strip()) for key in INSTANCE_KEYS[1:] if entry.get(key)))


def targets_problem(params):
    """The problem with ``instance_ids``, ``instances``, ``parallel`` and ``max_fail_percentage``, or ``None``."""
    problem = parallel_problem(params['parallel']) or fail_percentage_problem(params['max_fail_percentage'])
    if problem:
        return problem
    if params['instance_ids'] is not None:
        return ids_problem(params['instance_ids'], 'instance_ids', 'instance')
    if params['instances'] is not None:
        if not params['instances']:
            return 'instances must list at least one instance ({id} with project_id, region or endpoint).'
        for entry in params['instances']:
            for key in INSTANCE_KEYS:
                problem = control_problem(entry.get(key), 'instances.%s' % key)
                if problem:
                    return problem
            problem = id_problem(entry['id'], 'instances.id') or \
                id_problem(entry.get('project_id'), 'project_id of instance %s' % entry['id'])
            if problem:
                return problem
            region = (entry.get('region') or '').strip()
            if region and not REGION_PATTERN.match(region):
                return 'The region of instance %s must be a region name such as ap-southeast-1; got %r.' % (
                    entry['id'].strip(), entry['region'])
        return ids_problem([entry['id'] for entry in params['instances']], 'instances.id', 'instance')
    return None


def targets_from_params(params):
    """``[(instance_id, place)]`` of ``instance_ids`` or ``instances`` (see ``entry_place``), in the order given."""
    if params['instance_ids'] is not None:
        return [(value.strip(), ()) for value in params['instance_ids']]
    return [(entry['id'].strip(), entry_place(entry)) for entry in params['instances']]


class ScopedModule:
    """A module seen with some connection options changed (the project, region and endpoint of an instance); the rest
    (``warn``, ``fail_json``, ``no_log_values``, check mode) is the module's own."""

    def __init__(self, module, place):
        self._module = module
        self.params = dict(module.params)
        self.params.update(place)

    def __getattr__(self, name):
        return getattr(self._module, name)


class DCSClients:
    """One ``DCSClient`` per place the instances are in (``entry_place``), each pooling ``pool_maxsize`` connections
    (one per worker). Every place's options are checked before any place connects (with an IAM user, connecting asks
    IAM for a token per place)."""

    def __init__(self, module, places, pool_maxsize=DEFAULT_PARALLEL, sleep=time.sleep):
        self.scoped = {}
        for place in places:
            self.scoped.setdefault(place, ScopedModule(module, place))
        if len(self.scoped) > 1:
            for scoped in self.scoped.values():
                dcs_http_from_module(scoped)[0].close()
        self.clients = {}
        try:
            for place, scoped in self.scoped.items():
                self.clients[place] = dcs_client_from_module(scoped, sleep=sleep, pool_maxsize=pool_maxsize)
        except ApiError:
            self.close()
            raise

    def __getitem__(self, place):
        return self.clients[place]

    def project_of(self, place):
        return self.scoped[place].params['project_id'].strip()

    def close(self):
        clients, self.clients = self.clients, {}
        for client in clients.values():
            client.close()


def dcs_clients_from_module(module, places, pool_maxsize=DEFAULT_PARALLEL):
    """``DCSClients`` for the places of the instances (``PlatformModule.connect(connect=...)``)."""
    return DCSClients(module, places, pool_maxsize)


# How DCS modules connect (the frame of ``_module.PlatformModule``).
DCS = Connection(dcs_argument_spec, dcs_client_from_module, credentials=DCS_CREDENTIALS)
