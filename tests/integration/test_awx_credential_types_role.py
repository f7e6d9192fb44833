# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The awx_credential_types role registers the collection's credential types through awx.awx.credential_type,
run by ansible-playbook against the AWX simulator over verified TLS: created as shipped, unchanged on a second
run, a type edited by hand put back, removed with state absent, and AWX's refusals reported."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
import yaml

from conftest import ROOT, awx_collection, recap, simulator_fixtures  # pylint: disable=unused-import
from simulators.awx import ADMIN_PASSWORD, ADMIN_USER, AWXSimulator

awx_server, awx = simulator_fixtures('awx', AWXSimulator)
TYPES = os.path.join(ROOT, 'extensions', 'awx', 'credential_types')
NAMES = sorted(name[:-4] for name in os.listdir(TYPES) if name.endswith('.yml'))


def definition(name):
    with open(os.path.join(TYPES, name + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def changed_items(run):
    """How many loop items the run reported changed (the role's one task loops over the types)."""
    return len(re.findall(r'^changed: \[localhost\] => \(item=', run.stdout, re.M))


class Runner:
    def __init__(self, ansible, awx, awx_collection, tmp_path):
        self.ansible, self.awx, self.tmp_path = ansible, awx, tmp_path
        self.env = dict(ANSIBLE_COLLECTIONS_PATH=ansible.collections + os.pathsep + awx_collection,
                        # awx.awx has no CA option: the test CA reaches it as the system store would.
                        SSL_CERT_FILE=awx.ca_file)

    def run(self, role_vars=None, defaults=None, verbosity=0):
        connection = dict(controller_host=self.awx.url, controller_oauthtoken=self.token)
        connection.update(defaults or {})
        play = [{'name': 'Register the credential types', 'hosts': 'localhost', 'gather_facts': False,
                 'module_defaults': {'group/awx.awx.controller': connection},
                 'roles': [dict(role='platform_ops.admin.awx_credential_types', **(role_vars or {}))]}]
        path = self.tmp_path / 'awx_credential_types.yml'
        path.write_text(json.dumps(play), encoding='utf-8')
        return self.ansible.playbook(path, env=self.env, verbosity=verbosity)

    @property
    def token(self):
        if not hasattr(self, '_token'):
            self._token = self.awx.sim.issue_token()['token']
        return self._token


@pytest.fixture
def runner(ansible, awx, awx_collection, tmp_path):
    return Runner(ansible, awx, awx_collection, tmp_path)


def registered(awx):
    return {item['name']: item for item in awx.sim.dump_state()['credential_types'] if not item['managed']}


def test_registers_every_type_as_shipped_then_changes_nothing(runner, awx):
    first = runner.run()
    assert recap(first)['failed'] == 0 and changed_items(first) == len(NAMES), first.output
    types = registered(awx)
    assert len(types) == len(NAMES) == 5
    for name in NAMES:
        shipped = definition(name)
        made = types[shipped['name']]
        assert (made['kind'], made['description'], made['inputs'], made['injectors']) == (
            shipped['kind'], shipped['description'], shipped['inputs'], shipped['injectors'])
    awx.sim.clear_log()
    second = runner.run()
    assert recap(second)['failed'] == 0 and recap(second)['changed'] == 0, second.output
    assert awx.sim.writes() == []  # read, compared, left alone
    assert len(awx.sim.logged('GET', path='/api/v2/credential_types/$')) == len(NAMES)


def test_a_type_edited_by_hand_is_put_back(runner, awx):
    assert changed_items(runner.run()) == len(NAMES)
    edited = registered(awx)[definition('ece_api_key')['name']]
    edited['injectors']['env']['ECE_API_KEY'] = '{{ url }}'
    awx.sim.clear_log()
    third = runner.run()
    assert changed_items(third) == 1, third.output
    assert [entry['path'] for entry in awx.sim.writes()] == [edited['url']]
    assert registered(awx)[edited['name']]['injectors'] == definition('ece_api_key')['injectors']


def test_user_and_password_work_and_stay_out_of_the_output_at_vvvv(runner, awx):
    run = runner.run(role_vars=dict(awx_credential_types_names=['arcgis']),
                     defaults=dict(controller_oauthtoken=None, controller_username=ADMIN_USER,
                                   controller_password=ADMIN_PASSWORD), verbosity=4)
    assert recap(run)['failed'] == 0 and changed_items(run) == 1, run.output
    assert list(registered(awx)) == [definition('arcgis')['name']]
    basic = base64.b64encode(('%s:%s' % (ADMIN_USER, ADMIN_PASSWORD)).encode()).decode()
    assert ADMIN_PASSWORD not in run.output and basic not in run.output
    issued = [token['token'] for token in awx.sim.tokens.values()]
    assert all(token not in run.output for token in issued)


def test_absent_removes_them_and_a_type_in_use_is_refused(runner, awx):
    runner.run()
    in_use = registered(awx)[definition('huawei_dcs_iam')['name']]
    awx.sim.in_use.add(in_use['id'])
    run = runner.run(role_vars=dict(awx_credential_types_state='absent'))
    assert run.rc != 0
    # awx.awx reports AWX's 403 without its detail.
    assert "permission to DELETE to %s (HTTP 403)" % in_use['url'] in run.output, run.output
    # The loop goes on past the refusal: every other type is gone, the one in use stays.
    assert list(registered(awx)) == [in_use['name']]
    awx.sim.in_use.clear()
    run = runner.run(role_vars=dict(awx_credential_types_state='absent'))
    assert recap(run)['failed'] == 0, run.output
    assert registered(awx) == {}
    again = runner.run(role_vars=dict(awx_credential_types_state='absent'))
    assert recap(again)['changed'] == 0, again.output


def test_an_unknown_type_fails_before_any_request(runner, awx):
    run = runner.run(role_vars=dict(awx_credential_types_names=['arcgis', 'vault']))
    assert run.rc != 0 and 'vault' in run.output, run.output
    assert awx.sim.logged() == []


def test_the_role_accepts_exactly_the_shipped_types():
    with open(os.path.join(ROOT, 'roles', 'awx_credential_types', 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        options = yaml.safe_load(handle)['argument_specs']['main']['options']['awx_credential_types_names']
    with open(os.path.join(ROOT, 'roles', 'awx_credential_types', 'defaults', 'main.yml'), encoding='utf-8') as handle:
        defaults = yaml.safe_load(handle)['awx_credential_types_names']
    assert sorted(options['choices']) == sorted(options['default']) == sorted(defaults) == NAMES
