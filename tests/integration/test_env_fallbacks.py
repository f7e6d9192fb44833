# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every connection option a credential (an AWX credential type's injector) needs has an environment fallback:
a task with no connection option at all reaches the simulators, over verified TLS, from the environment alone.
And one rule for every vendor: credentials the task gives win over the environment's, which are only a fallback
(here the environment's are wrong, so a module that used them would fail)."""

from __future__ import annotations

from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from modrun import run_module
from simulators.huawei_dcs import IAM_DOMAIN, IAM_PASSWORD, IAM_USER


def test_arcgis_connection_from_the_environment(arcgis):
    env = dict(ARCGIS_URL=arcgis.url, ARCGIS_TOKEN=arcgis.sim.issue_token('admin'), ARCGIS_CA_PATH=arcgis.ca_file)
    out = run_module('notebook_config_info', {}, env=env)
    assert not out.failed, out
    assert out.result['configuration'] and len(arcgis.sim.logged()) == 1


def test_ece_connection_from_the_environment(ece):
    env = dict(ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file)
    out = run_module('ece_stateless_resource_info', dict(deployment_id=DEPLOYMENT), env=env)
    assert not out.failed, out
    assert out.result['resources']


def test_dcs_iam_connection_from_the_environment(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    env = dict(HUAWEICLOUD_SDK_PROJECT_ID=PROJECT_ID, HUAWEICLOUD_DCS_ENDPOINT=dcs.url,
               HUAWEICLOUD_IAM_ENDPOINT=dcs.server.root, HUAWEICLOUD_IAM_USERNAME=IAM_USER,
               HUAWEICLOUD_IAM_PASSWORD=IAM_PASSWORD, HUAWEICLOUD_IAM_DOMAIN_NAME=IAM_DOMAIN,
               HUAWEICLOUD_CA_PATH=dcs.ca_file)
    out = run_module('dcs_sessions_info', dict(instance_id=INSTANCE), env=env)
    assert not out.failed, out
    assert out.result['total'] == 3
    assert len(dcs.sim.logged(path='/v3/auth/tokens')) == 1
    assert IAM_PASSWORD not in out.output


def test_validate_certs_from_the_environment_is_honoured_and_warned_about(arcgis):
    env = dict(ARCGIS_URL=arcgis.url, ARCGIS_TOKEN=arcgis.sim.issue_token('admin'), ARCGIS_VALIDATE_CERTS='false')
    out = run_module('notebook_config_info', {}, env=env)
    assert not out.failed, out
    assert any('validate_certs is false' in warning for warning in out.warnings)
    # Without it (and without a CA), the private CA of the simulator is refused.
    out = run_module('notebook_config_info', {}, env=dict(env, ARCGIS_VALIDATE_CERTS='true'))
    assert out.failed and 'TLS verification failed' in out.msg, out


def test_dcs_iam_task_wins_over_exported_keys(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    env = dict(HUAWEICLOUD_SDK_AK=DEMO_ACCESS_KEY, HUAWEICLOUD_SDK_SK='not-the-secret-key',
               HUAWEICLOUD_SDK_SECURITY_TOKEN='not-a-token')
    args = dict(endpoint=dcs.url, iam_endpoint=dcs.server.root, project_id=PROJECT_ID, ca_path=dcs.ca_file,
                instance_id=INSTANCE, iam_username=IAM_USER, iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN)
    out = run_module('dcs_sessions_info', args, env=env)
    assert not out.failed and out.result['total'] == 3, out
    assert len(dcs.sim.logged(path='/v3/auth/tokens')) == 1
    assert all('x-auth-token' in entry['headers'] for entry in dcs.sim.logged(path='/instances/'))


def test_dcs_keys_in_the_task_win_over_an_exported_iam_user_and_security_token(dcs):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    env = dict(HUAWEICLOUD_IAM_USERNAME=IAM_USER, HUAWEICLOUD_IAM_PASSWORD='wrong', HUAWEICLOUD_IAM_DOMAIN_NAME=IAM_DOMAIN,
               HUAWEICLOUD_SDK_SECURITY_TOKEN='a-token-of-other-keys')
    out = run_module('dcs_sessions_info', dcs.args(), env=env)
    assert not out.failed and out.result['total'] == 3, out
    assert dcs.sim.logged(path='/v3/auth/tokens') == []
    assert not any('x-security-token' in entry['headers'] for entry in dcs.sim.logged())


def test_ece_password_in_the_task_wins_over_an_exported_api_key(ece):
    env = dict(ECE_API_KEY='not-the-api-key')
    args = dict(url=ece.url, username=USERNAME, password=PASSWORD, ca_path=ece.ca_file, deployment_id=DEPLOYMENT)
    out = run_module('ece_stateless_resource_info', args, env=env)
    assert not out.failed, out
    assert all(entry['headers']['authorization'].startswith('Basic ') for entry in ece.sim.logged())


def test_arcgis_password_in_the_task_wins_over_an_exported_token(arcgis):
    env = dict(ARCGIS_TOKEN='not-a-token')
    args = dict(url=arcgis.url, username='admin', password=arcgis.sim.users['admin']['password'], ca_path=arcgis.ca_file)
    out = run_module('notebook_config_info', args, env=env)
    assert not out.failed, out
    assert len(arcgis.sim.logged(path='/generateToken$')) == 1


def test_arcgis_token_generation_takes_the_exported_user_beside_a_token(arcgis):
    # module_defaults of a play give the later tasks a token; arcgis_token takes the user of the environment.
    env = dict(ARCGIS_USERNAME='admin', ARCGIS_PASSWORD=arcgis.sim.users['admin']['password'])
    out = run_module('arcgis_token', dict(url=arcgis.url, token='token-for-later-tasks', ca_path=arcgis.ca_file), env=env)
    assert not out.failed and out.result['token'], out
    assert arcgis.sim.users['admin']['password'] not in out.output


def test_a_secret_taken_from_the_environment_is_hidden(ece):
    env = dict(ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file)
    ece.sim.add_fault(path='/deployments/', status=500, body={'errors': [{'code': 'x', 'message': 'echo %s' % API_KEY}]})
    out = run_module('ece_stateless_resource_info', dict(deployment_id=DEPLOYMENT), env=env)
    assert out.failed and API_KEY not in out.output, out
