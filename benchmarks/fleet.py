# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: idle-session clean-up on a fleet of DCS instances: the serial loop, one task over every instance with a
pool of workers, and the fleet playbook over the inventory plugin's hosts.

The DCS simulator (127.0.0.1, TLS) holds ``--instances`` instances (400 by default), each a master/standby pair whose
master has 20 sessions, every other one idle for two hours. Each way of running kills the same 10 idle sessions per
instance, from the same seed:

* ``loop``: one ``platform_ops.admin.dcs_sessions`` task looping over the instance ids, one module run per instance,
  one after the other, then the per-instance report (what the role ``dcs_session_cleanup`` did before 2.0.0);
* ``task-1``, ``task-8``, ``task-32``: the role ``platform_ops.admin.dcs_session_cleanup`` on ``localhost`` with every
  instance id: one ``dcs_sessions`` task over all of them with ``parallel`` 1, 8 and 32; each is run a second time,
  which must kill nothing and report no change;
* ``forks-1``, ``forks-10``, ``forks-25``: ``platform_ops.admin.dcs_fleet_session_cleanup`` on the hosts of the
  ``platform_ops.admin.dcs_instances`` inventory with ``-f`` 1, 10 and 25;
* ``slices-4``: the same playbook as AWX job slicing runs it: the inventory exported once, 4 ``ansible-playbook``
  processes at once, slice ``i`` with hosts ``i, i + 4, ...``. AWX runs slices on several execution nodes; here they
  share one machine, so each gets forks 6 (24 in all, as ``forks-25``): 4 x 25 processes on 2 cores starve the
  simulator itself.

It reports each run's wall time, the CPU time of the Ansible processes (user and system) and of the simulator, the
requests the simulator saw and the ratio to ``loop``, and checks that every run killed every idle session and nothing
else, the same sessions as every other way, with the same number of requests. A measurement, not a test: it asserts
nothing about speed.

    .venv/bin/python benchmarks/fleet.py [--instances N] [--json FILE] [way ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from bench import BIN, install_collection  # noqa: E402  pylint: disable=wrong-import-position
from simulators.awx import slice_scripts  # noqa: E402  pylint: disable=wrong-import-position
from simulators.base import LocalCA, SimServer  # noqa: E402  pylint: disable=wrong-import-position
from simulators.huawei_dcs import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, HuaweiDCSSimulator  # noqa: E402  pylint: disable=wrong-import-position

PROJECT = '4b1e2c0d9f8a4e7b8c6d5e4f3a2b1c0d'
SESSIONS = 20
SLICES = 4
SLICE_FORKS = 6
WAYS = ('loop', 'task-1', 'task-8', 'task-32', 'forks-1', 'forks-10', 'forks-25', 'slices-4')


def idle(index):
    return 7200 if index % 2 else 5


def seed(sim, count):
    sim.reset()
    sim.instances.clear()  # only the fleet (not the demo instance)
    return sim.add_fleet(PROJECT, count, kind='single', sessions=SESSIONS, idle=idle)


def idle_left(sim):
    with sim.lock:
        return sum(1 for instance in sim.instances.values() for sessions in instance['sessions'].values()
                   for session in sessions.values() if session['idle'] > 3600)


def write(path, data):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1)
    return path


DEFAULTS = 'group/platform_ops.admin.huawei_dcs'


def loop_play(workdir, url, ca_file, ids):
    """The serial loop: one module run per instance, one after the other, and the report per instance."""
    return write(os.path.join(workdir, 'loop.yml'), [{
        'name': 'Clean up every instance from localhost, one after the other', 'hosts': 'localhost',
        'gather_facts': False,
        'module_defaults': {DEFAULTS: {'project_id': PROJECT, 'endpoint': url, 'ca_path': ca_file}},
        'tasks': [
            {'name': 'Kill the idle sessions of each instance',
             'platform_ops.admin.dcs_sessions': {'instance_id': '{{ item }}', 'all_nodes': True,
                                                 'idle_longer_than': 3600},
             'loop': ids, 'register': 'cleanup'},
            {'name': 'Count the sessions killed per instance',
             'ansible.builtin.set_fact': {'report': "{{ report | default({}) | combine({item.item: {'killed': "
                                                    "item.killed | length, 'scanned': item.sessions | length}}) }}"},
             'loop': '{{ cleanup.results }}', 'loop_control': {'label': '{{ item.item }}'}},
            {'name': 'Report the clean-up',
             'ansible.builtin.debug': {'msg': '{{ item.key }}: {{ item.value.killed }} of {{ item.value.scanned }} '
                                              'sessions killed'},
             'loop': '{{ report | dict2items }}', 'loop_control': {'label': '{{ item.key }}'}},
        ],
    }])


def task_play(workdir, url, ca_file, ids, parallel):
    """The role on localhost: one ``dcs_sessions`` task over every instance, ``parallel`` at a time."""
    return write(os.path.join(workdir, 'task-%d.yml' % parallel), [{
        'name': 'Clean up every instance from localhost in one task', 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {DEFAULTS: {'project_id': PROJECT, 'endpoint': url, 'ca_path': ca_file}},
        'roles': [{'role': 'platform_ops.admin.dcs_session_cleanup', 'dcs_session_cleanup_instances': ids,
                   'dcs_session_cleanup_parallel': parallel}],
    }])


def killed_sessions(sim):
    """Every (instance, address) the simulator was asked to kill."""
    return sorted((entry['path'].split('/instances/', 1)[1].split('/', 1)[0], address)
                  for entry in sim.logged(method='POST', path='/kill$') for address in entry['json']['client_addrs'])


def ratios(runs, base, key):
    """Each run's speed-up over the run ``base`` (when it ran), as ``runs[way][key]``, printed on one line."""
    seconds = runs.get(base, {}).get('seconds')
    if seconds:
        for row in runs.values():
            row[key] = round(seconds / row['seconds'], 2)
        print('%s / way: %s' % (base, ', '.join('%s %.2fx' % (way, row[key]) for way, row in runs.items())))


def run(commands, env, workdir):
    """Start every command at once; the wall time until the last one ends, the CPU time (user and system) the commands
    and their children used, and the CPU time of this process meanwhile (the simulator, which shares the machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    processes = [subprocess.Popen(command, env=env, cwd=workdir, stdout=subprocess.PIPE,  # pylint: disable=consider-using-with
                                  stderr=subprocess.STDOUT, text=True) for command in commands]
    outputs = [process.communicate()[0] for process in processes]
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    for process, output in zip(processes, outputs):
        if process.returncode != 0:
            failures = [line for line in output.splitlines() if line.startswith(('fatal:', 'failed:', '[ERROR]'))]
            raise RuntimeError('%s failed:\n%s' % (' '.join(process.args), '\n'.join(failures[:20]) or output[-4000:]))
    changed = sum(int(match) for output in outputs for match in re.findall(r'\schanged=(\d+)', output))
    return (elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            (own_after.ru_utime - own.ru_utime) + (own_after.ru_stime - own.ru_stime), changed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('ways', nargs='*', help='the ways to measure: %s (default: all of them)' % ', '.join(WAYS))
    parser.add_argument('--instances', type=int, default=400)
    parser.add_argument('--json', help='also write the results to this file')
    args = parser.parse_args()
    args.ways = args.ways or list(WAYS)
    unknown = sorted(set(args.ways) - set(WAYS))
    if unknown:
        parser.error('unknown way %s; the ways are %s' % (unknown[0], ', '.join(WAYS)))
    workdir = tempfile.mkdtemp(prefix='platform-ops-fleet-bench-')
    report = dict(instances=args.instances, sessions_killed_per_instance=SESSIONS // 2, cores=os.cpu_count(), runs={})
    try:
        ca_file = LocalCA()
        tls_ca = ca_file.write_ca(os.path.join(workdir, 'ca.pem'))
        env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'HUAWEICLOUD_'))}
        env.update(ANSIBLE_COLLECTIONS_PATH=install_collection(workdir), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_NOCOLOR='1',
                   ANSIBLE_HOME=os.path.join(workdir, 'home'), PATH=BIN + os.pathsep + os.environ.get('PATH', ''),
                   HUAWEICLOUD_SDK_AK=DEMO_ACCESS_KEY, HUAWEICLOUD_SDK_SK=DEMO_SECRET_KEY, HUAWEICLOUD_CA_PATH=tls_ca)
        playbook = [os.path.join(BIN, 'ansible-playbook')]
        with SimServer(HuaweiDCSSimulator(), tls=ca_file, threads=64) as server:
            sim = server.simulator
            config = write(os.path.join(workdir, 'bench.dcs_instances.yml'), {
                'plugin': 'platform_ops.admin.dcs_instances', 'project_id': PROJECT, 'endpoint': server.url,
                'region': 'ap-southeast-1'})
            reference = {}
            for way in args.ways:
                ids = seed(sim, args.instances)
                expected = idle_left(sim)
                fleet = playbook + ['-i', config, 'platform_ops.admin.dcs_fleet_session_cleanup']
                local = playbook + ['-i', 'localhost,', '-c', 'local']
                if way == 'loop':
                    commands = [local + [loop_play(workdir, server.url, tls_ca, ids)]]
                elif way.startswith('task-'):
                    commands = [local + [task_play(workdir, server.url, tls_ca, ids, int(way.split('-')[1]))]]
                elif way.startswith('forks-'):
                    commands = [fleet + ['-f', way.split('-')[1]]]
                else:
                    exported = os.path.join(workdir, 'exported.json')
                    subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', config, '--list', '--export',
                                    '--output', exported], env=env, cwd=workdir, check=True, capture_output=True)
                    with open(exported, encoding='utf-8') as handle:
                        scripts = slice_scripts(json.load(handle), workdir, SLICES)
                    sim.clear_log()  # the sync happened before the job
                    commands = [playbook + ['-i', script, '-f', str(SLICE_FORKS), 'platform_ops.admin.dcs_fleet_session_cleanup']
                                for script in scripts]
                elapsed, cpu, simulator_cpu, _changed = run(commands, env, workdir)
                left = idle_left(sim)
                if left:
                    raise AssertionError('%s left %d of %d idle sessions' % (way, left, expected))
                killed = killed_sessions(sim)
                if len(killed) != expected:
                    raise AssertionError('%s killed %d sessions, %d were idle' % (way, len(killed), expected))
                if reference.setdefault('killed', killed) != killed:
                    raise AssertionError('%s killed other sessions than %s' % (way, reference['way']))
                # The requests to the instances (the inventory's listing of them aside).
                requests = len([entry for entry in sim.logged() if not entry['path'].endswith('/instances')])
                if reference.setdefault('requests', requests) != requests:
                    raise AssertionError('%s sent %d requests, %s %d' % (way, requests, reference['way'],
                                                                         reference['requests']))
                reference.setdefault('way', way)
                row = report['runs'][way] = dict(seconds=round(elapsed, 1), cpu_seconds=round(cpu, 1),
                                                 simulator_cpu_seconds=round(simulator_cpu, 1), requests=requests,
                                                 killed=len(killed))
                print('%-9s %7.1f s  %7.1f CPU-s (simulator %5.1f)  %6d requests  %5d sessions killed' % (
                    way, elapsed, cpu, simulator_cpu, requests, len(killed)), flush=True)
                if way.startswith('task-'):
                    # Idempotence: the same task again kills nothing and changes nothing.
                    sim.clear_log()
                    again, _cpu, _sim_cpu, changed = run(commands, env, workdir)
                    if killed_sessions(sim) or changed:
                        raise AssertionError('%s: the second run killed %d sessions, changed=%d' % (
                            way, len(killed_sessions(sim)), changed))
                    row['second_run_seconds'] = round(again, 1)
                    print('%-9s %7.1f s  second run: nothing killed, changed=0' % (way, again), flush=True)
        ratios(report['runs'], 'loop', 'loop_over_this')
        if args.json:
            write(args.json, report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
