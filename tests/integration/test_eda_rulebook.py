# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebooks in extensions/eda/rulebooks/, run by ansible-rulebook (its own venv, .venv-eda, which make
test builds) against the simulators with the collection installed: a Kibana that turns unhealthy gives one event
and, through ece_restart_unhealthy.yml (run_module), one restart; healthy again, one clear event. A crowded DCS node
gives one event and, through dcs_kill_idle_sessions.yml (run_playbook of the collection's playbook), its idle
sessions killed. No secret in the output."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import time

import pytest

from conftest import FAST_ONLY, ROOT
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, ece, ece_server  # pylint: disable=unused-import

RULEBOOKS = os.path.join(ROOT, 'extensions', 'eda', 'rulebooks')
INTERVAL = 1.0


@pytest.fixture
def rulebook_venv():
    if FAST_ONLY or os.environ.get('PLATFORM_OPS_MATRIX'):
        # ansible-rulebook runs in .venv-eda with its own ansible-core, whatever the entry's: the main run has it.
        pytest.skip('runs ansible-rulebook: part of the main suite, not of the ansible-core matrix')
    venv = os.environ.get('PLATFORM_OPS_RULEBOOK_VENV')
    if not venv:
        if os.environ.get('CI'):
            pytest.fail('CI is set and PLATFORM_OPS_RULEBOOK_VENV is not: run the suite through make test')
        pytest.skip('needs ansible-rulebook: make test builds .venv-eda and names it in PLATFORM_OPS_RULEBOOK_VENV')
    return venv


class Rulebook:
    """ansible-rulebook running an example rulebook with the given variables and environment."""

    def __init__(self, ansible, venv, tmp_path, name, variables, env):
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                             '      ansible_python_interpreter: %s\n' % os.path.join(venv, 'bin', 'python'),
                             encoding='utf-8')
        values = tmp_path / 'vars.yml'
        values.write_text(''.join('%s: %s\n' % item for item in variables.items()), encoding='utf-8')
        self.env = ansible.env(dict(env, PATH=os.path.join(venv, 'bin') + os.pathsep + os.environ.get('PATH', '')))
        self.env.pop('PYTHONPATH', None)
        self.command = [os.path.join(venv, 'bin', 'ansible-rulebook'), '--rulebook', os.path.join(RULEBOOKS, name),
                        '-i', str(inventory), '--vars', str(values), '--print-events', '-v']
        self.cwd = str(tmp_path)
        self.log = tmp_path / 'rulebook.log'
        self.process = None
        self.deadline = time.monotonic() + 90

    def __enter__(self):
        self.output = open(self.log, 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=self.output,  # pylint: disable=consider-using-with
                                        stderr=subprocess.STDOUT, text=True)
        return self

    def wait_for(self, condition):
        while not condition():
            assert self.process.poll() is None and time.monotonic() < self.deadline, self.text
            time.sleep(0.05)

    def finish(self):
        self.process.wait(timeout=120)
        return self.process.returncode, self.text

    @property
    def text(self):
        return self.log.read_text(encoding='utf-8')

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


def test_unhealthy_kibana_one_event_one_restart_then_one_clear(ansible, ece, rulebook_venv, tmp_path):
    ece.set_instances('kibana', healthy=True)
    ece.sim.configure(plan_duration=0.5, instance_delay=0.2)
    variables = dict(ece_deployment_ids='[%s]' % DEPLOYMENT, ece_poll_interval=INTERVAL, ece_max_polls=14)
    # What the EDA credential type "Elastic Cloud Enterprise API key (platform_ops.admin)" injects.
    env = dict(ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file)
    with Rulebook(ansible, rulebook_venv, tmp_path, 'ece_restart_unhealthy.yml', variables, env) as rulebook:
        rulebook.wait_for(lambda: len(ece.sim.logged('GET')) >= 2)  # two healthy polls
        ece.set_instances('kibana', healthy=False)
        turned, turned_at = time.monotonic(), time.time()
        rulebook.wait_for(lambda: ece.sim.logged('POST', path='/_restart$'))
        restart_after = time.monotonic() - turned
        returncode, text = rulebook.finish()
    assert returncode == 0, text
    restarts = ece.sim.logged('POST', path='/_restart$')
    assert [entry['path'] for entry in restarts] == [
        '/api/v1/deployments/%s/kibana/main-kibana/_restart' % DEPLOYMENT], text  # one restart, of that Kibana
    assert all(instance['healthy'] for instance in ece.set_instances('kibana'))  # the restart cured it
    # The event comes from the second poll that sees Kibana unhealthy (debounce 2).
    # ansible-rulebook stamps each event as it receives it (meta.received_at, UTC).
    started = text[:text.index("'type': 'started'")]
    received = re.findall(r"'received_at': '([0-9T:.-]+)Z'", started)[-1]
    received_at = datetime.datetime.strptime(received, '%Y-%m-%dT%H:%M:%S.%f').replace(
        tzinfo=datetime.timezone.utc).timestamp()
    reads = ece.sim.logged('GET', path='^/api/v1/deployments/%s$' % DEPLOYMENT)
    # The source's pooled connection (the module run by the rule has its own).
    source_ports = {entry['client_port'] for entry in reads if entry['time'] < turned_at}
    source_reads = [entry for entry in reads
                    if turned_at <= entry['time'] <= received_at and entry['client_port'] in source_ports]
    # Two at most (one when the turn fell inside a poll that was already under way): within two poll intervals.
    assert 1 <= len(source_reads) <= 2, (len(source_reads), text)
    assert restart_after < 2 * INTERVAL + 15, (restart_after, text)
    assert text.count("'type': 'started'") == 1 and text.count("'type': 'cleared'") == 1, text
    assert text.count('is healthy again') >= 1, text
    assert "'type': 'error'" not in text
    assert API_KEY not in text
    # The module's own requests carried the injected key; the source's too (the simulator refuses others).
    assert all(entry['headers'].get('authorization') == 'ApiKey %s' % API_KEY for entry in ece.sim.logged())


def test_crowded_dcs_node_one_event_and_the_collection_playbook_kills_the_idle_sessions(ansible, dcs, rulebook_venv,
                                                                                        tmp_path):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=12, idle=lambda index: 7200 if index % 3 else 10)
    variables = dict(dcs_instance_ids='[%s]' % INSTANCE, dcs_max_sessions=10, dcs_idle_seconds=3600,
                     dcs_poll_interval=INTERVAL, dcs_max_polls=6)
    env = dict(HUAWEICLOUD_DCS_ENDPOINT=dcs.url, HUAWEICLOUD_SDK_PROJECT_ID=PROJECT_ID, HUAWEICLOUD_SDK_AK=DEMO_ACCESS_KEY,
               HUAWEICLOUD_SDK_SK=DEMO_SECRET_KEY, HUAWEICLOUD_CA_PATH=dcs.ca_file)
    with Rulebook(ansible, rulebook_venv, tmp_path, 'dcs_kill_idle_sessions.yml', variables, env) as rulebook:
        returncode, text = rulebook.finish()
    assert returncode == 0, text
    kills = dcs.sim.logged('POST', path='/clients/kill$')
    assert len(kills) == 1 and len(kills[0]['json']['client_addrs']) == 8, text  # the idle ones, once
    assert len(dcs.sim.sessions_of(INSTANCE, dcs.node())) == 4
    assert '8 idle sessions killed on node %s' % dcs.node() in text, text
    assert text.count("'type': 'started'") == 1 and text.count("'type': 'cleared'") == 1, text
    assert DEMO_SECRET_KEY not in text
