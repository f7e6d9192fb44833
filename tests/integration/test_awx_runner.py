# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types (extensions/awx/credential_types/) proven as AWX uses them: each injector rendered as
AWX renders it (``render``), the vendor's demo playbook run as a job through ``ansible-runner`` - a fresh private
data dir with the project and an inventory, the rendered environment and the injected file, nothing else - at
-vvvv. The job succeeds with the calls the simulator logged authenticated by the injected credential, a second job
changes nothing, and no secret given to the credential is in the job events, the job's stdout or any file left in
the private data dir but ansible-runner's record of the job's environment (``artifacts/<ident>/command``)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import sys

import pytest

import returns
from conftest import BIN, ROOT
from dcs_support import dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from simulators.huawei_dcs import (
    DEMO_ACCESS_KEY,
    DEMO_INSTANCE,
    DEMO_SECRET_KEY,
    IAM_DOMAIN,
    IAM_PASSWORD,
    IAM_USER,
    PROJECT_ID,
)
from test_awx_credential_types import load, render

VENDOR_PREFIXES = ('ARCGIS_', 'ECE_', 'HUAWEICLOUD_')
# Taken out of this process's environment for the test: ansible-runner starts the job with os.environ merged
# under its envvars, and the job must have nothing but what the credential injects and what Ansible needs.
INHERITED_PREFIXES = VENDOR_PREFIXES + ('ANSIBLE_',)
INHERITED_NAMES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')

# Each credential type with the inputs a user would fill in (``url``/``endpoint`` and the CA come from the
# simulator), the demo playbook it runs and the playbook's non-secret variables.
CASES = {
    'arcgis': dict(vendor='arcgis', playbook='arcgis.yml', extravars={},
                   given=lambda served: dict(url=served.url, username='admin',
                                             password=served.sim.users['admin']['password'])),
    'huawei_dcs_aksk': dict(vendor='dcs', playbook='dcs.yml', extravars=dict(dcs_instance_id=DEMO_INSTANCE),
                            given=lambda served: dict(access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                                                      project_id=PROJECT_ID, region='ap-southeast-1',
                                                      endpoint=served.url)),
    'huawei_dcs_iam': dict(vendor='dcs', playbook='dcs.yml', extravars=dict(dcs_instance_id=DEMO_INSTANCE),
                           given=lambda served: dict(iam_username=IAM_USER, iam_password=IAM_PASSWORD,
                                                     domain_name=IAM_DOMAIN, project_id=PROJECT_ID,
                                                     region='ap-southeast-1', endpoint=served.url,
                                                     iam_endpoint=served.server.root)),
    'ece_api_key': dict(vendor='ece', playbook='ece.yml', extravars=dict(ece_deployment_id=DEPLOYMENT),
                        given=lambda served: dict(url=served.url, api_key=API_KEY)),
    'ece_basic': dict(vendor='ece', playbook='ece.yml', extravars=dict(ece_deployment_id=DEPLOYMENT),
                      given=lambda served: dict(url=served.url, username=USERNAME, password=PASSWORD)),
}


def secrets_of(credential_type, given):
    """Every secret given to the credential, and what a request derives from it (HTTP basic authentication)."""
    found = [given[field['id']] for field in credential_type['inputs']['fields']
             if field.get('secret') and given.get(field['id'])]
    if 'username' in given and 'password' in given:
        found.append(base64.b64encode(('%s:%s' % (given['username'], given['password'])).encode()).decode())
    assert found
    return found


class Job:
    """One AWX job: ansible-runner in a fresh private data dir, and what it left there."""

    def __init__(self, runner, private_data_dir):
        self.runner = runner
        self.private_data_dir = private_data_dir
        self.events = list(runner.events)
        self.stdout = runner.stdout.read()
        self.command_file = os.path.join(runner.config.artifact_dir, 'command')
        with open(self.command_file, encoding='utf-8') as handle:
            record = json.load(handle)
        self.command, self.env = record['command'], record['env']

    def task_events(self, name):
        return [event for event in self.events if event['event'] == name]

    def check_returns(self):
        """Every result of a collection module in the job against its RETURN (loop items one by one); returns how
        many were checked."""
        checked = 0
        for name in ('runner_on_ok', 'runner_on_failed', 'runner_item_on_ok', 'runner_item_on_failed'):
            for event in self.task_events(name):
                data = event['event_data']
                action, result = data.get('resolved_action') or data.get('task_action') or '', data.get('res') or {}
                # A result too large for an event (the DCS sessions) comes without res: nothing to check.
                if result and action.startswith(returns.PREFIX) and not (name.startswith('runner_on') and 'results' in result):
                    returns.check(action, result, where='job task %r' % data.get('task'), failed=name.endswith('failed'))
                    checked += 1
        return checked

    @property
    def changed(self):
        return sum(self.runner.stats['changed'].values())

    def files(self):
        """Every file in the private data dir except ansible-runner's record of the job's environment (it is the
        job's input, written mode 0600, as AWX's own job environment)."""
        for folder, _dirs, names in os.walk(self.private_data_dir):
            for name in names:
                path = os.path.join(folder, name)
                if path != self.command_file:
                    yield path

    def leaks(self, secret):
        """Where the job shows ``secret``: the job events, the stdout, a file it left."""
        places = []
        if secret in json.dumps(self.events):
            places.append('job events')
        if secret in self.stdout:
            places.append('stdout')
        for path in self.files():
            with open(path, 'rb') as handle:
                if secret.encode() in handle.read():
                    places.append(os.path.relpath(path, self.private_data_dir))
        return places


def run_job(ansible, root, case, credential_type, given, served):
    """Render the credential into a new private data dir as AWX does and run the demo playbook there."""
    collections = ansible.collections  # skips the test in the ansible-core matrix, like every playbook test
    import ansible_runner  # pylint: disable=import-outside-toplevel  # not in the ansible-core matrix venvs
    os.makedirs(root)
    shutil.copytree(os.path.join(ROOT, 'demo'), os.path.join(root, 'project'))
    (root / 'env').mkdir()
    injected = render(credential_type, dict(given, ca_cert=open(served.ca_file, encoding='utf-8').read(),
                                            validate_certs=True), root / 'env')
    envvars = dict(
        injected,
        ANSIBLE_COLLECTIONS_PATH=os.path.abspath(collections),  # the job runs in its project folder
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_HOME=str(root / 'ansible-home'),
        ANSIBLE_LOCAL_TEMP=str(root / 'ansible-tmp'),
        ANSIBLE_NOCOLOR='1',
        PATH=BIN + os.pathsep + os.environ.get('PATH', ''),
    )
    runner = ansible_runner.run(
        private_data_dir=str(root), playbook=case['playbook'], inventory='localhost ansible_connection=local\n',
        envvars=envvars, extravars=case['extravars'] or None, verbosity=4, quiet=True, suppress_env_files=True)
    job = Job(runner, str(root))
    assert runner.status == 'successful' and runner.rc == 0, job.stdout[-6000:]
    assert not job.task_events('runner_on_failed') and not job.task_events('runner_on_unreachable'), job.stdout[-6000:]
    assert job.task_events('runner_on_ok')
    assert job.check_returns()
    # The job had the credential's variables and no other of the vendors' (none inherited from this process).
    assert {name for name in job.env if name.startswith(VENDOR_PREFIXES)} == set(injected)
    assert all(job.env[name] == value for name, value in injected.items())
    assert stat.S_IMODE(os.stat(job.command_file).st_mode) == 0o600
    return job


# --- what the simulators saw: every call authenticated with the injected credential --------------------------

def arcgis_token_of(entry):
    header = entry['headers'].get('x-esri-authorization', '')
    if header.lower().startswith('bearer '):
        return header[7:].strip()
    return (entry['form'].get('token') or entry['query'].get('token') or [None])[0]


def check_arcgis(served, given, first):
    logins = served.sim.logged(path=r'/generateToken$')
    assert len(logins) == 1, logins  # the play authenticates once
    assert logins[0]['form']['username'] == [given['username']]
    assert logins[0]['form']['password'] == [given['password']]
    others = [entry for entry in served.sim.logged() if entry is not logins[0]]
    assert others
    for entry in others:
        token = arcgis_token_of(entry)
        assert token in served.sim.tokens and served.sim.tokens[token]['username'] == 'admin', entry['path']
    if first:
        assert served.sim.configuration['idleNotebookThreshold'] == 1440
        assert served.sim.running('gis_joe') == [] and 'gis_joe' not in served.sim.workspaces
        assert served.sim.workspaces['gis_ann']['folders'] == {'from_gis_joe': 'gis_joe'}
    else:
        assert [entry['path'] for entry in served.sim.writes()] == ['/arcgis/sharing/rest/generateToken']
    return list(served.sim.tokens)


def check_dcs(served, given, first):
    logins = served.sim.logged(path=r'^/v3/auth/tokens$')
    calls = [entry for entry in served.sim.logged() if entry not in logins]
    assert calls
    if 'access_key' in given:
        assert not logins
        for entry in calls:
            assert entry['headers']['authorization'].startswith(
                'SDK-HMAC-SHA256 Access=%s,' % given['access_key']), entry['path']
    else:
        assert logins
        for login in logins:
            user = login['json']['auth']['identity']['password']['user']
            assert (user['name'], user['password'], user['domain']['name']) == (
                given['iam_username'], given['iam_password'], given['domain_name'])
        for entry in calls:
            assert 'authorization' not in entry['headers'], entry['path']
            assert entry['headers']['x-auth-token'] in served.sim.tokens, entry['path']
    assert all(PROJECT_ID in entry['path'] for entry in calls)
    kills = served.sim.logged(method='POST', path=r'/clients/kill')
    assert bool(kills) is first  # the first job kills the idle sessions, the second finds none
    return list(served.sim.tokens)


def check_ece(served, given, first):
    if 'api_key' in given:
        expected = 'ApiKey ' + given['api_key']
    else:
        expected = 'Basic ' + base64.b64encode(('%s:%s' % (given['username'], given['password'])).encode()).decode()
    calls = served.sim.logged()
    assert calls
    for entry in calls:
        assert entry['headers'].get('authorization') == expected, entry['path']
    writes = served.writes()
    if first:
        assert any(path.endswith('kibana/main-kibana/_restart') for _method, path in writes), writes
        assert any(path.endswith('apm/main-apm/instances/_start') for _method, path in writes), writes
    else:
        assert writes == []
    return []


CHECKS = dict(arcgis=check_arcgis, dcs=check_dcs, ece=check_ece)


@pytest.mark.parametrize('name', sorted(CASES))
def test_demo_runs_as_an_awx_job_with_only_the_injected_credential(name, ansible, request, monkeypatch, tmp_path):
    for variable in list(os.environ):
        if variable.startswith(INHERITED_PREFIXES) or variable in INHERITED_NAMES:
            monkeypatch.delenv(variable)
    case = CASES[name]
    served = request.getfixturevalue(case['vendor'])
    credential_type = load(name)
    given = case['given'](served)
    secrets = secrets_of(credential_type, given)
    jobs = []
    for number, first in ((1, True), (2, False)):
        served.sim.clear_log()
        job = run_job(ansible, tmp_path / ('job-%d' % number), case, credential_type, given, served)
        jobs.append(job)
        # Tokens the simulator issued to the job are secrets too.
        secrets.extend(CHECKS[case['vendor']](served, given, first))
    assert jobs[0].changed > 0
    assert jobs[1].changed == 0, jobs[1].stdout[-6000:]  # the demo is idempotent
    for job in jobs:
        assert '-vvvv' in job.command
        for secret in secrets:
            assert not job.leaks(secret), (secret[:4] + '...', job.leaks(secret))
