# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types (extensions/awx/credential_types/): well formed, their injectors set only variables
the modules read, and a module given nothing but what an injector renders (as AWX renders it: every field, an
empty string for those left blank, files written and named by ``tower.filename``) reaches the simulator over
verified TLS without showing a secret."""

from __future__ import annotations

import os

import pytest
import yaml
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import ECE
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import DCS
from dcs_support import INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from modrun import run_module
from simulators.huawei_dcs import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, IAM_DOMAIN, IAM_PASSWORD, IAM_USER

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JINJA = SandboxedEnvironment()


def load(name, system='awx'):
    """A credential type shipped for ``system`` (``awx``, or ``eda`` for Event-Driven Ansible)."""
    with open(os.path.join(ROOT, 'extensions', system, 'credential_types', name + '.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def render(credential_type, given, tmp_path, files='tower'):
    """The environment AWX gives a job for a credential of this type with the inputs ``given`` (EDA gives an
    activation the same, with the injected files named by ``eda.filename`` instead: ``files='eda'``)."""
    inputs = {}
    for field in credential_type['inputs']['fields']:
        default = field.get('default', False if field['type'] == 'boolean' else '')
        inputs[field['id']] = given.get(field['id'], default)
    filenames = {}
    for key, template in credential_type['injectors'].get('file', {}).items():
        name = key.split('.', 1)[1]
        path = tmp_path / ('%s-%s' % (files, name))
        path.write_text(JINJA.from_string(template).render(**inputs), encoding='utf-8')
        filenames[name] = str(path)
    context = dict(inputs)
    context[files] = dict(filename=filenames)
    return {key: JINJA.from_string(template).render(**context)
            for key, template in credential_type['injectors']['env'].items()}


def variables_read():
    """The environment variables the modules read: their argument specs' fallbacks, and the credentials' (taken by
    the frame's rule, so a task's own credentials win)."""
    names = set()
    for connection in (ARCGIS, DCS, ECE):
        for option in connection.argument_spec().values():
            if 'fallback' in option:
                names.update(option['fallback'][1])
        names.update(entry[1] for way in connection.credentials for entry in way)
    return names


@pytest.mark.parametrize('name', ['arcgis', 'huawei_dcs_aksk', 'huawei_dcs_iam', 'ece_api_key', 'ece_basic'])
def test_credential_type_is_well_formed_and_injects_what_the_modules_read(name):
    credential_type = load(name)
    assert credential_type['kind'] == 'cloud' and credential_type['name'].endswith('(platform_ops.admin)')
    ids = [field['id'] for field in credential_type['inputs']['fields']]
    assert len(ids) == len(set(ids)) and set(credential_type['inputs']['required']) <= set(ids)
    secrets = {field['id'] for field in credential_type['inputs']['fields'] if field.get('secret')}
    assert secrets & {'password', 'token', 'secret_key', 'iam_password', 'api_key'}
    read = variables_read()
    for variable, template in credential_type['injectors']['env'].items():
        used = meta.find_undeclared_variables(JINJA.parse(template)) - {'tower'}
        assert used <= set(ids), (variable, used)
        assert variable in read, variable


def test_arcgis_credential_runs_a_module(arcgis, tmp_path):
    env = render(load('arcgis'), dict(url=arcgis.url, username='admin', password=arcgis.sim.users['admin']['password'],
                                      ca_cert=open(arcgis.ca_file, encoding='utf-8').read(), validate_certs=True),
                 tmp_path)
    assert env['ARCGIS_TOKEN'] == ''  # left blank, as AWX renders it
    out = run_module('notebook_config_info', {}, env=env)
    assert not out.failed, out
    assert arcgis.sim.users['admin']['password'] not in out.output


def test_ece_credentials_run_a_module(ece, tmp_path):
    ca_cert = open(ece.ca_file, encoding='utf-8').read()
    for name, given in (('ece_api_key', dict(api_key=API_KEY)), ('ece_basic', dict(username=USERNAME, password=PASSWORD))):
        env = render(load(name), dict(given, url=ece.url, ca_cert=ca_cert, validate_certs=True), tmp_path)
        out = run_module('ece_stateless_resource_info', dict(deployment_id=DEPLOYMENT), env=env)
        assert not out.failed, (name, out)
        assert API_KEY not in out.output and PASSWORD not in out.output


def test_dcs_credentials_run_a_module(dcs, tmp_path):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=2)
    ca_cert = open(dcs.ca_file, encoding='utf-8').read()
    common = dict(project_id=PROJECT_ID, endpoint=dcs.url, ca_cert=ca_cert, validate_certs=True)
    for name, given in (('huawei_dcs_aksk', dict(access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY)),
                        ('huawei_dcs_iam', dict(iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN,
                                                iam_endpoint=dcs.server.root))):
        env = render(load(name), dict(common, **given), tmp_path)
        out = run_module('dcs_sessions_info', dict(instance_id=INSTANCE), env=env)
        assert not out.failed, (name, out)
        assert out.result['total'] == 2
        assert DEMO_SECRET_KEY not in out.output and IAM_PASSWORD not in out.output


def test_blank_ca_field_leaves_the_system_trust_store(arcgis, tmp_path):
    env = render(load('arcgis'), dict(url=arcgis.url, token=arcgis.sim.issue_token('admin')), tmp_path)
    assert env['ARCGIS_CA_PATH'] == '' and env['ARCGIS_VALIDATE_CERTS'] == 'True'
    out = run_module('notebook_config_info', {}, env=env)
    # The simulator's private CA is not in the system store: verification is on and refuses it.
    assert out.failed and 'TLS verification failed' in out.msg, out
