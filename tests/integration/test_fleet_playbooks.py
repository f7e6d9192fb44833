# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet playbooks on the inventory plugins' hosts, with the credentials in the environment as an AWX credential
gives them and every id from the host variables.

Job slicing as AWX does it: the inventory is synced once (``ansible-inventory --list --export``), each of the 4 slices
gets the hosts ``i, i + 4, ...`` of the host list ordered by name (with their variables and groups) as an inventory
script, and the 4 ``ansible-playbook`` processes run at once. Together they kill exactly the sessions one run over
the whole inventory kills, no instance twice, and a second run changes nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess

from conftest import _tool
from dcs_support import (  # pylint: disable=unused-import
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    EAST,
    NORTH,
    dcs,
    dcs_server,
    region_b,
    region_b_server,
)
from ece_support import API_KEY, ece, ece_server  # pylint: disable=unused-import
from inventory_support import inventory, plain, write_config
from simulators.awx import slice_scripts

SLICES = 4
RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


def idle(index):
    return 7200 if index % 2 else 5


def seed(dcs, region_b):
    """Ten instances in two regions, each with six sessions on its one session node, every other one idle for two
    hours; one instance is frozen (not in the default hosts of the playbook)."""
    dcs.sim.add_fleet(EAST, 6, kind='single', sessions=6, idle=idle,
                      status=lambda n: 'FROZEN' if n == 5 else 'RUNNING')
    region_b.sim.add_fleet(NORTH, 4, kind='single', sessions=6, idle=idle, prefix='cache')


def kills(*served):
    """``{(instance_id, address)}`` killed, and the instances each kill request named, in order."""
    killed = set()
    named = []
    for each in served:
        for entry in each.sim.logged(method='POST', path=r'/clients/kill$'):
            instance_id = entry['path'].split('/')[4]
            named.append(instance_id)
            killed.update((instance_id, address) for address in entry['json']['client_addrs'])
    return killed, named


def scans(*served):
    """How many session scans each instance got: ``{instance_id: count}``."""
    counts = {}
    for each in served:
        for entry in each.sim.logged(method='POST', path=r'/clients$'):
            instance_id = entry['path'].split('/')[4]
            counts[instance_id] = counts.get(instance_id, 0) + 1
    return counts


def recaps(*runs):
    """Host -> (changed, failed) over the play recaps of ``runs``."""
    result = {}
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        for host, _ok, changed, unreachable, failed in RECAP.findall(run.stdout):
            assert host not in result, 'host %s ran in two slices' % host
            result[host] = (int(changed), int(failed) + int(unreachable))
    return result


def playbook(ansible, source, name, env, forks=10):
    """``ansible-playbook`` of the collection's playbook ``name`` (or of a path), started."""
    target = str(name) if os.path.sep in str(name) else 'platform_ops.admin.%s' % name
    return subprocess.Popen(  # pylint: disable=consider-using-with
        [_tool('ansible-playbook'), '-i', str(source), '-f', str(forks), target],
        env=ansible.env(env), cwd=str(ansible.workdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process):
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_dcs_fleet_in_4_slices_kills_what_one_run_kills_no_instance_twice_then_nothing(
        ansible, dcs, region_b, tmp_path):
    # What an AWX DCS credential injects; the project and endpoint it names are not the hosts': theirs win.
    env = dict(HUAWEICLOUD_SDK_AK=DEMO_ACCESS_KEY, HUAWEICLOUD_SDK_SK=DEMO_SECRET_KEY, HUAWEICLOUD_CA_PATH=dcs.ca_file,
               HUAWEICLOUD_SDK_PROJECT_ID='0' * 32, HUAWEICLOUD_DCS_ENDPOINT='https://dcs.invalid')
    config = write_config(tmp_path, 'fleet.dcs_instances.yml', dict(
        plugin='platform_ops.admin.dcs_instances',
        projects=[dict(project_id=EAST, region='ap-southeast-1', endpoint=dcs.url),
                  dict(project_id=NORTH, region='cn-north-4', endpoint=region_b.url)]))
    seed(dcs, region_b)
    single = recaps(finished(playbook(ansible, config, 'dcs_fleet_session_cleanup', env)))
    assert len(single) == 9 and all(changed == 1 and failed == 0 for changed, failed in single.values()), single
    once, _named = kills(dcs, region_b)
    assert len(once) == 27  # three idle sessions on each of the nine running instances
    scanned_once = scans(dcs, region_b)

    for served in (dcs, region_b):
        served.sim.reset()
    seed(dcs, region_b)
    output = tmp_path / 'synced.json'
    synced = inventory(ansible, config, '--list', '--export', '--output', str(output), env=env)
    assert synced.returncode == 0, synced.stderr
    exported = json.loads(output.read_text(encoding='utf-8'))
    scripts = slice_scripts(exported, tmp_path, SLICES)
    for served in (dcs, region_b):
        served.sim.clear_log()
    sliced = recaps(*[finished(process) for process in
                      [playbook(ansible, script, 'dcs_fleet_session_cleanup', env) for script in scripts]])
    assert sliced == single
    killed, named = kills(dcs, region_b)
    assert killed == once
    assert len(named) == len(set(named)) == 9  # one kill request per instance: none twice
    assert scans(dcs, region_b) == scanned_once  # each instance scanned as often as by one run (once a node)

    for served in (dcs, region_b):
        served.sim.clear_log()
    again = recaps(finished(playbook(ansible, config, 'dcs_fleet_session_cleanup', env)))
    assert len(again) == 9 and all(changed == 0 and failed == 0 for changed, failed in again.values()), again
    assert kills(dcs, region_b) == (set(), [])
    assert DEMO_SECRET_KEY not in json.dumps(plain(exported))

    # A module on every host, with no id in the task: module_defaults take them from the host variables.
    play = tmp_path / 'idle.yml'
    play.write_text(json.dumps([{
        'name': 'Count the idle sessions left', 'hosts': 'dcs_status_running', 'gather_facts': False,
        'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
        'module_defaults': {'group/platform_ops.admin.huawei_dcs': {
            'project_id': '{{ dcs_project_id }}', 'region': '{{ dcs_region }}', 'endpoint': '{{ dcs_endpoint }}',
            'instance_id': '{{ dcs_instance_id }}'}},
        'tasks': [
            {'name': 'Read the idle sessions', 'register': 'idle',
             'platform_ops.admin.dcs_sessions_info': {'idle_longer_than': 3600}},
            {'name': 'None is left',
             'ansible.builtin.assert': {'that': ['idle.sessions | length == 0', 'idle.total == 3']}},
        ]}]), encoding='utf-8')
    checked = recaps(finished(playbook(ansible, config, play, env)))
    assert len(checked) == 9 and all(failed == 0 for _changed, failed in checked.values()), checked


def test_ece_fleet_restarts_only_the_unhealthy_deployments_then_nothing(ansible, ece, tmp_path):
    ece.sim.deployments.clear()
    ids = ece.sim.add_fleet(4, kinds=('kibana', 'apm'), unhealthy=lambda n: ['kibana'] if n in (1, 3) else [])
    env = dict(ECE_URL=ece.url, ECE_API_KEY=API_KEY, ECE_CA_PATH=ece.ca_file)
    config = write_config(tmp_path, 'fleet.ece_deployments.yml', dict(plugin='platform_ops.admin.ece_deployments'))
    first = recaps(finished(playbook(ansible, config, 'ece_fleet_stateless_health', env)))
    assert {host for host, (changed, _failed) in first.items() if changed} == {ids[1], ids[3]}
    restarts = sorted(entry['path'] for entry in ece.sim.writes())
    assert restarts == sorted('/api/v1/deployments/%s/kibana/main-kibana/_restart' % ids[n] for n in (1, 3))
    ece.sim.clear_log()
    second = recaps(finished(playbook(ansible, config, 'ece_fleet_stateless_health', env)))
    assert all(changed == 0 and failed == 0 for changed, failed in second.values()) and len(second) == 4
    assert ece.sim.writes() == []


def test_the_roles_off_an_inventory_host_without_ids_say_what_to_give(ansible, tmp_path):
    play = tmp_path / 'no-ids.yml'
    play.write_text(json.dumps([{'name': 'Roles without ids', 'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'name': 'Clean up', 'ansible.builtin.import_role': {'name': 'platform_ops.admin.dcs_session_cleanup'},
         'ignore_errors': True},
        {'name': 'Heal', 'ansible.builtin.import_role': {'name': 'platform_ops.admin.ece_stateless_health'},
         'ignore_errors': True}]}]), encoding='utf-8')
    run = ansible.playbook(play)
    assert 'Give dcs_session_cleanup_instances, or run the role on hosts of the platform_ops.admin.dcs_instances' \
        in run.stdout, run.stdout
    assert 'Give ece_stateless_health_deployments, or run the role on hosts of the platform_ops.admin.ece_deployments' \
        in run.stdout, run.stdout
    assert re.search(r'localhost\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0\s+skipped=\d+\s+rescued=0\s+ignored=2',
                     run.stdout), run.stdout
