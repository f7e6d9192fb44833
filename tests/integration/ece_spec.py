# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks requests and answers against the vendor's ECE Swagger 2.0 document.

The document is read at test time from ``../shared/specs/ece-apidocs.json`` relative to the
repository root (never copied into the project), or from ``PLATFORM_OPS_ECE_SPEC``.

* a request: its method and path must match one of the spec's paths (with ``basePath``), path
  parameters with an ``enum`` must use one of its values, every query parameter must be declared
  by the operation with a value of the declared type, a body only where the operation takes one;
* an answer: the status must be declared by the operation (a short, explained list of statuses
  the vendor documents elsewhere is allowed), its JSON body must validate against the declared
  schema (``$ref`` resolved in the spec's ``definitions``), and an ``x-cloud-error-codes`` header
  must be one of the values the operation declares for that status.
"""

from __future__ import annotations

import json
import os
import re

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC_ENV = 'PLATFORM_OPS_ECE_SPEC'
DEFAULT_SPEC = os.path.join(os.path.dirname(ROOT), 'shared', 'specs', 'ece-apidocs.json')

# Statuses the simulator answers that the Swagger document does not list for an operation, each
# documented by the vendor elsewhere. They must still carry a BasicFailedReply body.
EXTRA_STATUSES = {
    # "449 Elevated permissions are required" is on the vendor's reference page of _restart
    # (../shared/seeds/ece-restart-stateless-resource.txt) and is what older ECE answers to every write.
    449: 'root.unauthorized.rbac.elevated_permissions_required',
    # Every ECE endpoint answers 401 to bad credentials; the document lists it for some operations only.
    401: 'root.unauthorized',
}


def spec_path():
    return os.environ.get(SPEC_ENV) or DEFAULT_SPEC


def load_spec():
    """The spec, or ``None`` when the file is not there."""
    path = spec_path()
    if not os.path.isfile(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def missing_reason():
    return 'the ECE API spec was not found at %s (set %s to its path)' % (spec_path(), SPEC_ENV)


class SpecViolation(AssertionError):
    pass


class Operation:
    def __init__(self, method, template, base_path, op, shared_params):
        self.method = method.upper()
        self.template = template
        self.op = op
        self.operation_id = op.get('operationId', '%s %s' % (method, template))
        self.params = {param['name']: param for param in list(shared_params) + list(op.get('parameters', []))}
        segments = (base_path.rstrip('/') + template).strip('/').split('/')
        self.literal_count = sum(1 for segment in segments if not segment.startswith('{'))
        self.segment_names = [segment[1:-1] if segment.startswith('{') else None for segment in segments]
        pattern = '/'.join('([^/]+)' if name else re.escape(segment) for name, segment in zip(self.segment_names, segments))
        self.regex = re.compile('^/' + pattern + '/?$')

    def match(self, method, path):
        if method.upper() != self.method:
            return None
        found = self.regex.match(path)
        if not found:
            return None
        names = [name for name in self.segment_names if name]
        return dict(zip(names, found.groups()))


class SpecChecker:
    def __init__(self, spec):
        self.spec = spec
        self.definitions = spec['definitions']
        self.operations = []
        for template, item in spec['paths'].items():
            shared = item.get('parameters', [])
            for method, op in item.items():
                if method == 'parameters':
                    continue
                self.operations.append(Operation(method, template, spec.get('basePath', ''), op, shared))
        self.validators = {}
        self.requests_checked = 0
        self.bodies_checked = 0
        self.operations_seen = set()

    def find(self, method, path):
        matches = [(op, values) for op in self.operations for values in [op.match(method, path)] if values is not None]
        if not matches:
            raise SpecViolation('%s %s matches no path of the spec' % (method, path))
        matches.sort(key=lambda item: -item[0].literal_count)
        return matches[0]

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            full = dict(schema)
            full['definitions'] = self.definitions
            self.validators[key] = jsonschema.Draft4Validator(full)
        return self.validators[key]

    # --- requests --------------------------------------------------------------------------

    def check_request(self, entry):
        method, path = entry['method'], entry['path']
        op, values = self.find(method, path)
        where = '%s %s (%s)' % (method, path, op.operation_id)
        for name, value in values.items():
            param = op.params.get(name)
            if param is None or param.get('in') != 'path':
                raise SpecViolation('%s: path parameter %s is not declared' % (where, name))
            if 'enum' in param and value not in param['enum']:
                raise SpecViolation('%s: path parameter %s=%r is not one of %s' % (where, name, value, param['enum']))
        for name, given in entry['query'].items():
            param = op.params.get(name)
            if param is None or param.get('in') != 'query':
                raise SpecViolation('%s: query parameter %s is not declared by the operation' % (where, name))
            for value in given:
                _check_type(where, name, param, value)
        for name, param in op.params.items():
            if param.get('in') == 'query' and param.get('required') and name not in entry['query']:
                raise SpecViolation('%s: required query parameter %s is missing' % (where, name))
        takes_body = any(param.get('in') == 'body' for param in op.params.values())
        if entry['body'] and not takes_body:
            raise SpecViolation('%s: sends a body to an operation that takes none' % where)
        auth = entry['headers'].get('authorization', '')
        if not (auth.startswith('ApiKey ') or auth.startswith('Basic ')):
            raise SpecViolation('%s: neither of the spec\'s security schemes (apiKey, basicAuth) was used' % where)
        self.requests_checked += 1
        self.operations_seen.add(op.operation_id)
        return op

    # --- answers ---------------------------------------------------------------------------

    def check_response(self, entry, op=None):
        response = entry.get('response')
        if response is None:
            raise SpecViolation('%s %s: the simulator recorded no answer' % (entry['method'], entry['path']))
        if op is None:
            op, _values = self.find(entry['method'], entry['path'])
        status = response['status']
        where = '%s %s (%s) answered %s' % (entry['method'], entry['path'], op.operation_id, status)
        declared = op.op['responses'].get(str(status)) or op.op['responses'].get('default')
        if declared is None:
            if status not in EXTRA_STATUSES:
                raise SpecViolation('%s, a status the spec does not declare for this operation' % where)
            declared = {'schema': {'$ref': '#/definitions/BasicFailedReply'}}
            if status != 401:
                # Where the document declares a 401 at all, it declares no x-cloud-error-codes header with it.
                declared['headers'] = {'x-cloud-error-codes': {'type': 'string', 'enum': [EXTRA_STATUSES[status]]}}
        schema = declared.get('schema')
        body = response['json']
        if schema is not None:
            if body is None:
                raise SpecViolation('%s without the JSON body the spec declares' % where)
            errors = sorted(self.validator(schema).iter_errors(body), key=lambda error: list(error.path))
            if errors:
                error = errors[0]
                raise SpecViolation('%s: body does not match %s at %s: %s' % (
                    where, schema.get('$ref', schema), '/'.join(str(part) for part in error.absolute_path) or '(root)',
                    error.message))
            self.bodies_checked += 1
        header = response['headers'].get('x-cloud-error-codes')
        declared_header = (declared.get('headers') or {}).get('x-cloud-error-codes')
        if header is not None:
            if declared_header is None:
                raise SpecViolation('%s with an x-cloud-error-codes header the spec does not declare' % where)
            if 'enum' in declared_header and header not in declared_header['enum']:
                raise SpecViolation('%s: x-cloud-error-codes %r is not one of %s' % (where, header, declared_header['enum']))
        elif declared_header is not None and status >= 400:
            raise SpecViolation('%s without the x-cloud-error-codes header the spec declares' % where)

    def check_log(self, entries):
        """Check every request and every answer of a simulator log. A request that met an injected fault is
        still what the module sent and is checked; only the answer the test injected is not."""
        for entry in entries:
            op = self.check_request(entry)
            if not entry.get('fault'):
                self.check_response(entry, op)


def _check_type(where, name, param, value):
    kind = param.get('type')
    ok = True
    if kind == 'boolean':
        ok = value in ('true', 'false')
    elif kind == 'integer':
        ok = re.match(r'^-?\d+$', value) is not None
    elif kind == 'number':
        ok = re.match(r'^-?\d+(\.\d+)?$', value) is not None
    if ok and 'enum' in param:
        ok = value in param['enum']
    if not ok:
        raise SpecViolation('%s: query parameter %s=%r is not a valid %s' % (where, name, value, kind))
