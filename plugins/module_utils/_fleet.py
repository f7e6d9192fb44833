# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): fleets, as the inventory plugins list them and the event sources
watch them - one listing code for both, on the modules' connection code and vendor classes.

* **DCS**: a fleet is one or more projects, each in its region (its own endpoint, and with IAM credentials its own
  token). ``project_args`` gives each project's connection arguments, ``dcs_fleet`` validates and connects them,
  ``dcs_list`` lists a project's instances (the filters the API takes sent with the request, all of them applied to
  the answer), ``dcs_host_vars`` and ``dcs_groups`` say what a host of the inventory is.
* **ECE**: a fleet is every deployment the credentials see, or those a search selects. ``ece_list`` lists them with
  ``_search`` (paged with its cursor, with health) or the plain list, ``ece_record`` keeps what a host needs.

Every validator here returns a problem (one sentence) or ``None``, so plugins and sources refuse bad input before any
request.
"""

from __future__ import annotations

import fnmatch
import re
import threading

from ansible_collections.platform_ops.admin.plugins.module_utils import ece, huawei_dcs
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError

# --- both ---------------------------------------------------------------------------------------------------------

GROUP_UNSAFE = re.compile(r'[^a-z0-9_]')


def group_name(*parts):
    """A valid Ansible group name from its parts (lower case; anything but letters, digits and ``_`` becomes ``_``)."""
    return GROUP_UNSAFE.sub('_', '_'.join(str(part) for part in parts).lower())


def strings_problem(values, option):
    """The problem with an optional list of non-empty strings, or ``None``."""
    if values is None:
        return None
    if not isinstance(values, list) or not values:
        return '%s must be a list of at least one value (leave it out to select all).' % option
    for value in values:
        if not isinstance(value, str) or not value.strip():
            return '%s must hold non-empty strings; got %r.' % (option, value)
    return None


def tags_problem(tags, option='tags'):
    """The problem with a ``tags`` filter (a dict of key -> value, both strings), or ``None``."""
    if tags is None:
        return None
    if not isinstance(tags, dict) or not tags:
        return '%s must be a mapping of at least one tag key to its value.' % option
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip() or not isinstance(value, str):
            return '%s must map tag keys to string values; got %r: %r.' % (option, key, value)
    return None


def page_size_problem(value, maximum=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum and value > maximum):
        return 'page_size must be a number of items from 1%s; got %r.' % (' to %d' % maximum if maximum else '', value)
    return None


def tag_dict(tags):
    """``[{"key", "value"}]`` (both vendors list tags so) as a dict; entries without a string key are left out."""
    result = {}
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, dict) and isinstance(tag.get('key'), str):
            result[tag['key']] = tag.get('value')
    return result


# --- DCS ----------------------------------------------------------------------------------------------------------

PROJECT_KEYS = ('project_id', 'region', 'endpoint', 'iam_endpoint')
DCS_FILTERS = ('statuses', 'engines', 'names', 'name_pattern', 'tags')


def dcs_filter_spec():
    """The argument spec of the instance filters and paging (the event source's; the inventory plugin documents the
    same options)."""
    return dict(
        projects=dict(type='list', elements='dict'),
        statuses=dict(type='list', elements='str'),
        engines=dict(type='list', elements='str'),
        names=dict(type='list', elements='str'),
        name_pattern=dict(type='str'),
        tags=dict(type='dict'),
        page_size=dict(type='int', default=huawei_dcs.PAGE_LIMIT),
    )


def projects_problem(projects, project_id_given=False):
    """The problem with the ``projects`` option (a list of ``{project_id, region, endpoint, iam_endpoint}``), or
    ``None``."""
    if projects is None:
        return None
    if project_id_given:
        return 'Give project_id or projects, not both.'
    if not isinstance(projects, list) or not projects:
        return 'projects must list at least one project ({project_id, region} or {project_id, endpoint}).'
    seen = set()
    for entry in projects:
        if not isinstance(entry, dict):
            return 'Each entry of projects must be a mapping with project_id and region or endpoint; got %r.' % (entry,)
        unknown = sorted(set(entry) - set(PROJECT_KEYS))
        if unknown:
            return 'projects entries take %s; %s is not one of them.' % (', '.join(PROJECT_KEYS), unknown[0])
        if not isinstance(entry.get('project_id'), str) or not entry['project_id'].strip():
            return 'Each entry of projects needs a project_id; got %r.' % (entry,)
        for key in PROJECT_KEYS[1:]:
            if entry.get(key) is not None and not isinstance(entry[key], str):
                return 'projects: %s of project %s must be a string.' % (key, entry['project_id'])
        identity = tuple(entry.get(key) or '' for key in PROJECT_KEYS[:3])
        if identity in seen:
            return 'projects lists project %s twice (with the same region and endpoint).' % entry['project_id']
        seen.add(identity)
    return None


def project_args(args, projects):
    """The connection arguments of each project: ``args`` with each entry of ``projects`` over them (blank values of an
    entry count as not given), or ``[args]`` alone without ``projects``."""
    base = {key: value for key, value in args.items() if key != 'projects'}
    if not projects:
        return [base]
    result = []
    for entry in projects:
        merged = dict(base)
        merged.update((key, value) for key, value in entry.items() if value not in (None, ''))
        result.append(merged)
    return result


def dcs_filter_problem(params):
    """The problem with the instance filters and ``page_size``, or ``None``."""
    for option in ('statuses', 'engines', 'names'):
        problem = strings_problem(params.get(option), option)
        if problem:
            return problem
    pattern = params.get('name_pattern')
    if pattern is not None and (not isinstance(pattern, str) or not pattern.strip()):
        return 'name_pattern must be a non-empty pattern such as redis-prod-*.'
    return tags_problem(params.get('tags')) or page_size_problem(params.get('page_size'), huawei_dcs.PAGE_LIMIT)


def dcs_query(params):
    """The filters the instance list takes as query parameters: one status, one exact name, one tag."""
    query = {}
    if len(params.get('statuses') or ()) == 1:
        query['status'] = params['statuses'][0].strip().upper()
    if len(params.get('names') or ()) == 1:
        query.update(name=params['names'][0], name_equal='true')
    if len(params.get('tags') or {}) == 1:
        (key, value), = params['tags'].items()
        query['tags'] = '%s=%s' % (key, value)
    return query


def instance_matches(instance, params):
    """Whether a listed instance passes every filter (the API's own filtering is not relied on)."""
    statuses = params.get('statuses')
    if statuses and str(instance.get('status', '')).upper() not in {value.strip().upper() for value in statuses}:
        return False
    engines = params.get('engines')
    if engines and str(instance.get('engine', '')).lower() not in {value.strip().lower() for value in engines}:
        return False
    name = str(instance.get('name', ''))
    if params.get('names') and name not in params['names']:
        return False
    if params.get('name_pattern') and not fnmatch.fnmatchcase(name, params['name_pattern']):
        return False
    tags = tag_dict(instance.get('tags'))
    return all(tags.get(key) == value for key, value in (params.get('tags') or {}).items())


def dcs_project(params):
    """What a host needs of its project: ``project_id``, ``region``, ``endpoint`` and ``iam_endpoint`` as the
    connection options select them (``iam_endpoint`` only with IAM credentials)."""
    endpoint, iam_endpoint = huawei_dcs.endpoints(params)
    return dict(project_id=params['project_id'].strip(), region=params['region'], endpoint=endpoint,
                iam_endpoint=iam_endpoint if params['iam_username'] else None)


class DCSFleet:
    """The projects of a fleet, each validated with the modules' own checks when built (no request), connected on
    first use (an IAM token per project); ``close()`` closes every client. ``sleep`` is handed to the clients (their
    job waits)."""

    def __init__(self, modules, sleep=None, pool_maxsize=10):
        self.modules = modules
        for module in modules:
            module.require(dcs_filter_problem(module.params))
            huawei_dcs.dcs_http_from_module(module)[0].close()
        self.projects = [dcs_project(module.params) for module in modules]
        self.sleep = sleep
        self.pool_maxsize = pool_maxsize
        self.clients = [None] * len(modules)
        self._lock = threading.Lock()

    def connect(self, index):
        """The ``DCSClient`` of project ``index`` (one, whichever of the workers reading its instances asks first),
        pooling ``pool_maxsize`` connections."""
        with self._lock:
            if self.clients[index] is None:
                options = dict(pool_maxsize=self.pool_maxsize)
                if self.sleep is not None:
                    options['sleep'] = self.sleep
                self.clients[index] = huawei_dcs.dcs_client_from_module(self.modules[index], **options)
            return self.clients[index]

    def list(self, index):
        """The instances of project ``index`` that pass the filters (an ``ApiError`` names the project and region)."""
        params = self.modules[index].params
        project = self.projects[index]
        try:
            client = self.connect(index)
        except ApiError as error:
            error.operation = 'Listing the DCS instances of project %s%s: %s' % (
                project['project_id'], ' in region %s' % project['region'] if project['region'] else '', error.operation)
            raise
        listed = client.list_instances(dcs_query(params), params['page_size'], region=project['region'])
        return [instance for instance in listed if instance_matches(instance, params)]

    def redact(self, text):
        for client in self.clients:
            if client is not None:
                text = client.http.redact(text)
        return text

    def close(self):
        clients, self.clients = self.clients, [None] * len(self.modules)
        for client in clients:
            if client is not None:
                client.close()


def dcs_host_vars(project, instance):
    """The variables of an instance's host: ``dcs_*`` from the instance list, and its project's connection."""
    return dict(
        dcs_instance_id=instance['instance_id'],
        dcs_name=instance.get('name'),
        dcs_project_id=project['project_id'],
        dcs_region=project['region'],
        dcs_endpoint=project['endpoint'],
        dcs_iam_endpoint=project['iam_endpoint'],
        dcs_engine=instance.get('engine'),
        dcs_engine_version=instance.get('engine_version'),
        dcs_status=instance.get('status'),
        dcs_cache_mode=instance.get('cache_mode'),
        dcs_capacity=instance.get('capacity'),
        dcs_spec_code=instance.get('spec_code'),
        dcs_ip=instance.get('ip'),
        dcs_port=instance.get('port'),
        dcs_domain_name=instance.get('domain_name'),
        dcs_az_codes=instance.get('az_codes') if isinstance(instance.get('az_codes'), list) else [],
        dcs_tags=tag_dict(instance.get('tags')),
        dcs_enterprise_project_id=instance.get('enterprise_project_id'),
        dcs_created_at=instance.get('created_at'),
    )


def dcs_groups(host_vars):
    """The groups of an instance's host: ``dcs_instances``, and by region, status, engine and cache mode."""
    groups = ['dcs_instances']
    for key in ('region', 'status', 'engine', 'cache_mode'):
        value = host_vars.get('dcs_' + key)
        if value not in (None, ''):
            groups.append(group_name('dcs', key, value))
    return groups


# --- ECE ----------------------------------------------------------------------------------------------------------

LISTINGS = ('search', 'list')
ECE_DEFAULT_PAGE_SIZE = 100


def ece_filter_spec():
    """The argument spec of the deployment filters and listing (the event source's; the inventory plugin documents
    the same options)."""
    return dict(
        listing=dict(type='str', choices=list(LISTINGS), default='search'),
        page_size=dict(type='int', default=ECE_DEFAULT_PAGE_SIZE),
        names=dict(type='list', elements='str'),
        name_prefix=dict(type='str'),
        tags=dict(type='dict'),
        query=dict(type='dict'),
    )


def ece_filter_problem(params):
    """The problem with the deployment filters and listing options, or ``None``."""
    if params.get('listing', 'search') not in LISTINGS:
        return 'listing must be one of %s; got %r.' % (', '.join(LISTINGS), params.get('listing'))
    problem = (strings_problem(params.get('names'), 'names') or tags_problem(params.get('tags'))
               or page_size_problem(params.get('page_size', ECE_DEFAULT_PAGE_SIZE)))
    if problem:
        return problem
    prefix = params.get('name_prefix')
    if prefix is not None and (not isinstance(prefix, str) or not prefix.strip()):
        return 'name_prefix must be a non-empty text.'
    query = params.get('query')
    if query is not None and (not isinstance(query, dict) or len(query) != 1):
        return ('query must be one Elasticsearch query (a QueryContainer such as {"match": {"name": {"query": '
                '"prod"}}}); got %r.' % (query,))
    if params.get('listing') == 'list' and (params.get('tags') or query):
        return 'tags and query need listing: search (the plain deployment list has no metadata to filter on).'
    return None


def ece_query(params):
    """The ``QueryContainer`` of the filters, ``None`` when there is none (every deployment)."""
    clauses = []
    names = params.get('names')
    if names:
        clauses.append({'bool': {'should': [{'term': {'name.keyword': {'value': name}}} for name in names],
                                 'minimum_should_match': 1}})
    if params.get('name_prefix'):
        clauses.append({'prefix': {'name.keyword': {'value': params['name_prefix']}}})
    for key, value in sorted((params.get('tags') or {}).items()):
        clauses.append({'nested': {'path': 'metadata.tags', 'query': {'bool': {'filter': [
            {'term': {'metadata.tags.key': {'value': key}}}, {'term': {'metadata.tags.value': {'value': value}}}]}}}})
    if params.get('query'):
        clauses.append(params['query'])
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {'bool': {'filter': clauses}}


def deployment_matches(deployment, params):
    """Whether a listed deployment passes the name and tag filters (checked on the answer too)."""
    name = str(deployment.get('name', ''))
    if params.get('names') and name not in params['names']:
        return False
    if params.get('name_prefix') and not name.startswith(params['name_prefix']):
        return False
    tags = tag_dict((deployment.get('metadata') or {}).get('tags') if isinstance(deployment.get('metadata'), dict)
                    else None)
    return all(tags.get(key) == value for key, value in (params.get('tags') or {}).items())


def ece_list(client, params):
    """The deployments the filters select: searched (with health) or listed (``listing: list``)."""
    if params.get('listing') == 'list':
        deployments = client.list_deployments()
    else:
        deployments = client.search_deployments(ece_query(params), params.get('page_size') or ECE_DEFAULT_PAGE_SIZE,
                                                kinds=params.get('kinds') or ece.STATELESS_KINDS)
    return [deployment for deployment in deployments if deployment_matches(deployment, params)]


def is_unhealthy(summary):
    """The rule of the role ``ece_stateless_health``: not healthy, running (all instances or some), not in maintenance
    mode."""
    return not summary['healthy'] and not summary['maintenance_mode'] and summary['state'] in ('started', 'mixed')


def ece_record(deployment, kinds):
    """What a deployment's host needs: id, name, health (``None`` from the plain list), tags, and per kind its
    resources with ``ref_id``, ``id``, ``status``, ``state``, ``healthy``, ``maintenance_mode`` and ``unhealthy`` (the
    role's rule)."""
    resources = {}
    listed = deployment.get('resources')
    for kind in kinds:
        if isinstance(listed, list):  # the plain list: DeploymentResource entries, no info
            items = [dict(ref_id=res.get('ref_id'), id=res.get('id'), status=None, state=None, healthy=None,
                          maintenance_mode=None, unhealthy=None)
                     for res in listed if isinstance(res, dict) and res.get('kind') == kind and res.get('ref_id')]
        else:
            items = []
            for res in ece.resources_of(deployment, kind):
                summary = ece.summarize(kind, res)
                items.append(dict(ref_id=summary['ref_id'], id=summary['id'], status=summary['status'],
                                  state=summary['state'], healthy=summary['healthy'],
                                  maintenance_mode=summary['maintenance_mode'], unhealthy=is_unhealthy(summary)))
        resources[kind] = items
    healthy = deployment.get('healthy')
    metadata = deployment.get('metadata') if isinstance(deployment.get('metadata'), dict) else {}
    return dict(id=deployment['id'], name=deployment.get('name'), healthy=healthy if isinstance(healthy, bool) else None,
                tags=tag_dict(metadata.get('tags')), resources=resources)


def ece_host_vars(record, url):
    return dict(ece_deployment_id=record['id'], ece_deployment_name=record['name'], ece_url=url,
                ece_healthy=record['healthy'], ece_tags=record['tags'], ece_resources=record['resources'])


def ece_groups(record):
    """``ece_deployments``; ``ece_healthy`` or ``ece_unhealthy`` (the deployment's own health, when known); per kind
    ``ece_has_<kind>`` and ``ece_unhealthy_<kind>`` (a resource of that kind unhealthy by the role's rule)."""
    groups = ['ece_deployments']
    if record['healthy'] is not None:
        groups.append('ece_healthy' if record['healthy'] else 'ece_unhealthy')
    for kind, items in record['resources'].items():
        if items:
            groups.append('ece_has_' + kind)
        if any(item['unhealthy'] for item in items):
            groups.append('ece_unhealthy_' + kind)
    return groups
