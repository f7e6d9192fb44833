# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every connection option a credential (an AWX credential type's injector) needs has an environment fallback:
a task with no connection option at all reaches the simulators, over verified TLS, from the environment alone."""

from __future__ import annotations

from dcs_support import INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, ece, ece_server  # pylint: disable=unused-import
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
