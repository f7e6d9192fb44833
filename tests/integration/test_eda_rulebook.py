# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebook extensions/eda/rulebooks/ece_restart_unhealthy.yml, run by ansible-rulebook (its own venv,
.venv-eda, which make test builds) against the ECE simulator with the collection installed: a Kibana that turns
unhealthy gives one event and, through the rulebook, one restart; healthy again, one clear event; no secret in
the output."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from conftest import ROOT
from ece_support import API_KEY, DEPLOYMENT, ece, ece_server  # pylint: disable=unused-import

RULEBOOK = os.path.join(ROOT, 'extensions', 'eda', 'rulebooks', 'ece_restart_unhealthy.yml')
INTERVAL = 1.0


@pytest.fixture
def rulebook_venv():
    venv = os.environ.get('PLATFORM_OPS_RULEBOOK_VENV')
    if not venv:
        if os.environ.get('CI'):
            pytest.fail('CI is set and PLATFORM_OPS_RULEBOOK_VENV is not: run the suite through make test')
        pytest.skip('needs ansible-rulebook: make test builds .venv-eda and names it in PLATFORM_OPS_RULEBOOK_VENV')
    return venv


def set_kibana_health(ece, healthy):
    with ece.sim.lock:
        for instance in ece.sim.resource(DEPLOYMENT, 'kibana', 'main-kibana')['instances']:
            instance['healthy'] = healthy


def kibana_healthy(ece):
    with ece.sim.lock:
        return all(instance['healthy'] for instance in ece.sim.resource(DEPLOYMENT, 'kibana', 'main-kibana')['instances'])


def test_unhealthy_kibana_one_event_one_restart_then_one_clear(ansible, ece, rulebook_venv, tmp_path):
    set_kibana_health(ece, True)
    ece.sim.configure(plan_duration=0.5, instance_delay=0.2)
    inventory = tmp_path / 'inventory.yml'
    python = os.path.join(rulebook_venv, 'bin', 'python')
    inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                         '      ansible_python_interpreter: %s\n' % python, encoding='utf-8')
    variables = tmp_path / 'vars.yml'
    variables.write_text('ece_deployment_ids: [%s]\nece_poll_interval: %s\nece_max_polls: 14\n' % (DEPLOYMENT, INTERVAL),
                         encoding='utf-8')
    env = ansible.env(dict(
        PATH=os.path.join(rulebook_venv, 'bin') + os.pathsep + os.environ.get('PATH', ''),
        # What the EDA credential type "Elastic Cloud Enterprise API key (platform_ops.admin)" injects.
        ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file,
    ))
    env.pop('PYTHONPATH', None)
    command = [os.path.join(rulebook_venv, 'bin', 'ansible-rulebook'), '--rulebook', RULEBOOK, '-i', str(inventory),
               '--vars', str(variables), '--print-events', '-v']
    log = tmp_path / 'rulebook.log'
    with open(log, 'w', encoding='utf-8') as output:
        process = subprocess.Popen(command, cwd=str(tmp_path), env=env, stdout=output,  # pylint: disable=consider-using-with
                                   stderr=subprocess.STDOUT, text=True)
        try:
            # Two healthy polls, then Kibana turns unhealthy.
            deadline = time.monotonic() + 60
            while len(ece.sim.logged('GET')) < 2:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text(encoding='utf-8')
                time.sleep(0.1)
            set_kibana_health(ece, False)
            turned = time.monotonic()
            while not ece.sim.logged('POST', path='/_restart$'):
                assert process.poll() is None and time.monotonic() < deadline, log.read_text(encoding='utf-8')
                time.sleep(0.05)
            restart_after = time.monotonic() - turned
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    text = log.read_text(encoding='utf-8')
    assert process.returncode == 0, text
    restarts = ece.sim.logged('POST', path='/_restart$')
    assert [entry['path'] for entry in restarts] == [
        '/api/v1/deployments/%s/kibana/main-kibana/_restart' % DEPLOYMENT], text  # one restart, of that Kibana
    assert kibana_healthy(ece)  # the restart cured it
    # Two polls at most to the event (debounce 2), plus the rule engine and ansible-runner starting the module.
    assert restart_after < 2 * INTERVAL * 1.1 + 15, (restart_after, text)
    assert text.count("'type': 'started'") == 1 and text.count("'type': 'cleared'") == 1, text
    assert text.count('is healthy again') >= 1, text
    assert "'type': 'error'" not in text
    assert API_KEY not in text
    # The module's own requests carried the injected key; the source's too (the simulator refuses others).
    assert all(entry['headers'].get('authorization') == 'ApiKey %s' % API_KEY for entry in ece.sim.logged())
