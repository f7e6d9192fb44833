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
import time

from conftest import ROOT
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, ece, ece_server  # pylint: disable=unused-import
from eda_support import Rulebook, rulebook_venv  # pylint: disable=unused-import

RULEBOOKS = os.path.join(ROOT, 'extensions', 'eda', 'rulebooks')
INTERVAL = 1.0


def test_unhealthy_kibana_one_event_one_restart_then_one_clear(ansible, ece, rulebook_venv, tmp_path):
    ece.set_instances('kibana', healthy=True)
    ece.sim.configure(plan_duration=0.5, instance_delay=0.2)
    variables = dict(ece_deployment_ids='[%s]' % DEPLOYMENT, ece_poll_interval=INTERVAL, ece_max_polls=14)
    # What the EDA credential type "Elastic Cloud Enterprise API key (platform_ops.admin)" injects.
    env = dict(ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file)
    with Rulebook(ansible, rulebook_venv, tmp_path, os.path.join(RULEBOOKS, 'ece_restart_unhealthy.yml'), variables, env) as rulebook:
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
                     # The source polls on while the rule's playbook runs: enough polls for two after it, on a
                     # loaded machine too (ansible-runner may take seconds to start the playbook).
                     dcs_poll_interval=INTERVAL, dcs_max_polls=12)
    env = dict(HUAWEICLOUD_DCS_ENDPOINT=dcs.url, HUAWEICLOUD_SDK_PROJECT_ID=PROJECT_ID, HUAWEICLOUD_SDK_AK=DEMO_ACCESS_KEY,
               HUAWEICLOUD_SDK_SK=DEMO_SECRET_KEY, HUAWEICLOUD_CA_PATH=dcs.ca_file)
    with Rulebook(ansible, rulebook_venv, tmp_path, os.path.join(RULEBOOKS, 'dcs_kill_idle_sessions.yml'), variables, env) as rulebook:
        returncode, text = rulebook.finish()
    assert returncode == 0, text
    kills = dcs.sim.logged('POST', path='/clients/kill$')
    assert len(kills) == 1 and len(kills[0]['json']['client_addrs']) == 8, text  # the idle ones, once
    assert len(dcs.sim.sessions_of(INSTANCE, dcs.node())) == 4
    assert '8 idle sessions killed on node %s' % dcs.node() in text, text
    assert text.count("'type': 'started'") == 1 and text.count("'type': 'cleared'") == 1, text
    assert DEMO_SECRET_KEY not in text
