# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX / Automation Controller API simulator: the part the ``awx_credential_types`` role reaches through
``awx.awx.credential_type`` (tests only).

* ``POST /api/v2/tokens/`` with basic auth issues an OAuth2 token (``{"id", "token"}``, 201);
  ``DELETE /api/v2/tokens/<id>/`` revokes it (the collection logs out at the end of a task);
* ``/api/v2/credential_types/``: list with the API's filters (``name``, ``or__id``, ``or__name``,
  ``id``) and its page shape (``count``, ``next``, ``previous``, ``results``); create (201), read,
  ``PATCH`` (200) and delete (204). A created type has ``id``, ``type``, ``url``, ``related``,
  ``summary_fields``, ``created``, ``modified``, ``namespace`` and ``managed`` like AWX's;
* AWX's refusals: a duplicate name (400 on ``name``), a ``kind`` other than ``cloud`` or ``net`` for a
  custom type (400 on ``kind``), an injector naming an input that is not defined (400 on ``injectors``),
  a change to a managed type (403), a change of ``inputs`` or a deletion of a type that credentials use
  (403), a request without valid credentials (401);
* every answer carries ``X-API-Product-Name`` and ``X-API-Product-Version``, which the collection reads;
* ``slice_scripts``: what job slicing gives each slice of a job - the synced inventory's hosts ordered by name, slice
  ``i`` taking hosts ``i, i + n, ...`` with their variables and groups, as an inventory script.

Error bodies have the Django REST framework shapes AWX answers with: ``{"detail": "..."}`` or
``{"<field>": ["..."]}``.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import secrets
import sys

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

from .base import Simulator, json_response

API = '/api/v2'
ADMIN_USER = 'admin'
ADMIN_PASSWORD = 'sim-awx-admin-password-1'
PRODUCT = {'X-API-Product-Name': 'AWX', 'X-API-Product-Version': '24.6.1'}
# Names an injector template may use besides the inputs: AWX's own context.
TEMPLATE_NAME = re.compile(r'{{-?\s*([A-Za-z_][A-Za-z0-9_]*)')
AWX_CONTEXT = {'tower', 'awx'}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def awx_answer(payload, status=200):
    return json_response(payload, status=status, headers=PRODUCT)


def detail(status, message):
    return awx_answer({'detail': message}, status=status)


class AWXSimulator(Simulator):
    name = 'awx'
    base_path = ''
    url_map = Map([
        Rule(API + '/tokens/', endpoint='tokens', methods=['POST']),
        Rule(API + '/tokens/<int:token_id>/', endpoint='token', methods=['DELETE']),
        Rule(API + '/credential_types/', endpoint='credential_types', methods=['GET', 'POST']),
        Rule(API + '/credential_types/<int:type_id>/', endpoint='credential_type',
             methods=['GET', 'PATCH', 'PUT', 'DELETE']),
    ], strict_slashes=True)

    def reset_state(self):
        self.tokens = {}
        self.next_id = 1
        self.credential_types = {}
        # Credential types that credentials use, by id: AWX refuses to change their inputs or delete them.
        self.in_use = set()
        self.add_managed('Machine', 'ssh')

    # --- state -----------------------------------------------------------------------------

    def add_managed(self, name, kind):
        """A credential type AWX ships (``managed``): listed, never changed by the API."""
        item = self._new_item(dict(name=name, kind=kind, inputs={}, injectors={}, description=''))
        item['managed'] = True
        item['namespace'] = kind
        return item

    def _new_item(self, fields):
        type_id = self.next_id
        self.next_id += 1
        stamp = now()
        url = '%s/credential_types/%d/' % (API, type_id)
        item = dict(id=type_id, type='credential_type', url=url,
                    related=dict(credentials=url + 'credentials/', activity_stream=url + 'activity_stream/'),
                    summary_fields=dict(user_capabilities=dict(edit=True, delete=True)),
                    created=stamp, modified=stamp, name='', description='', kind='cloud', namespace=None,
                    managed=False, inputs={}, injectors={})
        item.update(fields)
        self.credential_types[type_id] = item
        return item

    def by_name(self, name):
        for item in self.credential_types.values():
            if item['name'] == name:
                return item
        return None

    def dump_state(self):
        return {'credential_types': sorted(self.credential_types.values(), key=lambda item: item['id'])}

    # --- authentication --------------------------------------------------------------------

    def _basic_user(self, request):
        header = request.headers.get('Authorization', '')
        if not header.startswith('Basic '):
            return None
        try:
            user, _sep, password = base64.b64decode(header[6:]).decode('utf-8').partition(':')
        except (ValueError, UnicodeDecodeError):
            return None
        if user == ADMIN_USER and secrets.compare_digest(password, ADMIN_PASSWORD):
            return user
        return None

    def _authorized(self, request):
        header = request.headers.get('Authorization', '')
        if header.startswith('Bearer '):
            return any(secrets.compare_digest(header[7:], token['token']) for token in self.tokens.values())
        return self._basic_user(request) is not None

    def issue_token(self):
        token_id = self.next_id
        self.next_id += 1
        token = dict(id=token_id, token=secrets.token_urlsafe(24), created=now(), scope='write')
        self.tokens[token_id] = token
        return token

    def on_tokens(self, request):
        if self._basic_user(request) is None:
            return detail(401, 'Authentication credentials were not provided.' if 'Authorization' not in request.headers
                          else 'Invalid username/password.')
        token = self.issue_token()
        return awx_answer(dict(token, type='o_auth2_access_token', url='%s/tokens/%d/' % (API, token['id'])), 201)

    def on_token(self, request, token_id):
        if not self._authorized(request):
            return detail(401, 'Authentication credentials were not provided.')
        if self.tokens.pop(token_id, None) is None:
            return detail(404, 'Not found.')
        return Response(status=204, headers=PRODUCT)

    # --- credential types ------------------------------------------------------------------

    def _validate(self, fields, current=None):
        """AWX's field errors for a create or an update, as ``{field: [message]}``."""
        errors = {}
        name = fields.get('name', current['name'] if current else None)
        if not name:
            errors['name'] = ['This field is required.' if current is None else 'This field may not be blank.']
        else:
            other = self.by_name(name)
            if other is not None and (current is None or other['id'] != current['id']):
                errors['name'] = ['Credential type with this Name already exists.']
        kind = fields.get('kind', current['kind'] if current else None)
        if kind not in ('cloud', 'net'):
            errors['kind'] = ["Must be 'cloud' or 'net', not %s" % kind]
        inputs = fields.get('inputs', current['inputs'] if current else {})
        injectors = fields.get('injectors', current['injectors'] if current else {})
        if not isinstance(inputs, dict):
            errors['inputs'] = ['Must be a JSON object.']
        elif not isinstance(injectors, dict):
            errors['injectors'] = ['Must be a JSON object.']
        else:
            defined = {field.get('id') for field in inputs.get('fields', [])}
            if set(inputs.get('required', [])) - defined:
                errors['inputs'] = ['required fields %s not defined' % sorted(set(inputs.get('required', [])) - defined)]
            for section in injectors.values():
                for template in (section or {}).values():
                    for used in TEMPLATE_NAME.findall(str(template)):
                        if used not in defined and used not in AWX_CONTEXT:
                            errors.setdefault('injectors', []).append(
                                "Valid templates must use fields defined in inputs: '%s' is undefined" % used)
        return errors

    def on_credential_types(self, request):
        if not self._authorized(request):
            return detail(401, 'Authentication credentials were not provided.')
        if request.method == 'GET':
            items = sorted(self.credential_types.values(), key=lambda item: item['id'])
            names = request.args.getlist('name') + request.args.getlist('or__name')
            ids = request.args.getlist('id') + request.args.getlist('or__id')
            if names or ids:
                items = [item for item in items if item['name'] in names or str(item['id']) in ids]
            return awx_answer(dict(count=len(items), next=None, previous=None, results=items))
        fields = request.get_json(silent=True)
        if not isinstance(fields, dict):
            return detail(400, 'JSON parse error - Expecting value: line 1 column 1 (char 0)')
        if fields.get('managed'):
            return awx_answer({'managed': ['Cannot create a managed credential type.']}, 400)
        errors = self._validate(fields)
        if errors:
            return awx_answer(errors, 400)
        known = ('name', 'description', 'kind', 'inputs', 'injectors')
        item = self._new_item({key: fields[key] for key in known if key in fields})
        return awx_answer(item, 201)

    def on_credential_type(self, request, type_id):
        if not self._authorized(request):
            return detail(401, 'Authentication credentials were not provided.')
        item = self.credential_types.get(type_id)
        if item is None:
            return detail(404, 'Not found.')
        if request.method == 'GET':
            return awx_answer(item)
        if item['managed']:
            return detail(403, 'Modifications not allowed for managed credential types')
        if request.method == 'DELETE':
            if type_id in self.in_use:
                return detail(403, 'Credential types that are in use cannot be deleted')
            del self.credential_types[type_id]
            return Response(status=204, headers=PRODUCT)
        fields = request.get_json(silent=True)
        if not isinstance(fields, dict):
            return detail(400, 'JSON parse error - Expecting value: line 1 column 1 (char 0)')
        if type_id in self.in_use and 'inputs' in fields and fields['inputs'] != item['inputs']:
            return detail(403, 'Modifications to inputs are not allowed for credential types that are in use')
        errors = self._validate(fields, current=item)
        if errors:
            return awx_answer(errors, 400)
        for key in ('name', 'description', 'kind', 'inputs', 'injectors'):
            if key in fields:
                item[key] = fields[key]
        item['modified'] = now()
        return awx_answer(item)

    def not_found(self, request, error):
        return detail(404, 'Not found.')


def slice_scripts(exported, directory, count):
    """The inventories of ``count`` job slices, as AWX builds them from a synced inventory (``exported``, the JSON of
    ``ansible-inventory --list --export``): hosts ordered by name, slice ``i`` taking hosts ``i, i + count, ...`` with
    their variables and their groups. Each is an executable inventory script in ``directory``; returns their paths."""
    hosts = sorted(exported['_meta']['hostvars'])
    scripts = []
    for number in range(count):
        mine = set(hosts[number::count])
        data = {'_meta': {'hostvars': {host: exported['_meta']['hostvars'][host] for host in sorted(mine)}}}
        for group, entry in exported.items():
            if group != '_meta':
                data[group] = dict(entry, hosts=[host for host in entry.get('hosts', ()) if host in mine])
        data_path = os.path.join(str(directory), 'slice-%d.json' % (number + 1))
        with open(data_path, 'w', encoding='utf-8') as handle:
            json.dump(data, handle)
        script = os.path.join(str(directory), 'slice-%d.py' % (number + 1))
        with open(script, 'w', encoding='utf-8') as handle:
            handle.write('#!%s\nimport sys\nprint("{}" if "--host" in sys.argv else open(%r).read())\n'
                         % (sys.executable, data_path))
        os.chmod(script, 0o755)
        scripts.append(script)
    return scripts
