# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: idle-session clean-up on a fleet of DCS instances, the role's loop on localhost against the fleet
playbook over the inventory plugin's hosts.

The DCS simulator (127.0.0.1, TLS) holds ``--instances`` instances (400 by default), each a master/standby pair whose
master has 20 sessions, every other one idle for two hours. Each way of running kills the same 10 idle sessions per
instance, from the same seed:

* ``loop``: ``platform_ops.admin.dcs_session_cleanup`` on ``localhost`` with every instance id in
  ``dcs_session_cleanup_instances`` (what the collection offered before the inventory plugins): one task, one module
  run per instance, one after the other;
* ``forks-1``, ``forks-10``, ``forks-25``: ``platform_ops.admin.dcs_fleet_session_cleanup`` on the hosts of the
  ``platform_ops.admin.dcs_instances`` inventory with ``-f`` 1, 10 and 25;
* ``slices-4``: the same playbook as AWX job slicing runs it: the inventory exported once, 4 ``ansible-playbook``
  processes at once, slice ``i`` with hosts ``i, i + 4, ...``. AWX runs slices on several execution nodes; here they
  share one machine, so each gets forks 6 (24 in all, as ``forks-25``): 4 x 25 processes on 2 cores starve the
  simulator itself.

It reports each run's wall time, the CPU time of the Ansible processes (user and system) and of the simulator, the
requests the simulator saw and the ratio to ``loop``, and checks that every run killed every idle session and nothing
else. A measurement, not a test: it asserts nothing about speed.

    .venv/bin/python benchmarks/fleet.py [--instances N] [--json FILE] [way ...]
"""

from __future__ import annotations

import argparse
import json
import os
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
WAYS = ('loop', 'forks-1', 'forks-10', 'forks-25', 'slices-4')


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


def loop_play(workdir, url, ca_file, ids):
    return write(os.path.join(workdir, 'loop.yml'), [{
        'name': 'Clean up every instance from localhost', 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {'group/platform_ops.admin.huawei_dcs': {
            'project_id': PROJECT, 'endpoint': url, 'access_key': DEMO_ACCESS_KEY, 'secret_key': DEMO_SECRET_KEY,
            'ca_path': ca_file}},
        'roles': [{'role': 'platform_ops.admin.dcs_session_cleanup', 'dcs_session_cleanup_instances': ids}],
    }])


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
    return (elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            (own_after.ru_utime - own.ru_utime) + (own_after.ru_stime - own.ru_stime))


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
            for way in args.ways:
                ids = seed(sim, args.instances)
                expected = idle_left(sim)
                fleet = playbook + ['-i', config, 'platform_ops.admin.dcs_fleet_session_cleanup']
                if way == 'loop':
                    commands = [playbook + ['-i', 'localhost,', '-c', 'local', loop_play(workdir, server.url, tls_ca, ids)]]
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
                elapsed, cpu, simulator_cpu = run(commands, env, workdir)
                left = idle_left(sim)
                if left:
                    raise AssertionError('%s left %d of %d idle sessions' % (way, left, expected))
                killed = sum(len(entry['json']['client_addrs']) for entry in sim.logged(method='POST', path='/kill$'))
                if killed != expected:
                    raise AssertionError('%s killed %d sessions, %d were idle' % (way, killed, expected))
                report['runs'][way] = dict(seconds=round(elapsed, 1), cpu_seconds=round(cpu, 1),
                                           simulator_cpu_seconds=round(simulator_cpu, 1), requests=len(sim.logged()),
                                           killed=killed)
                print('%-9s %7.1f s  %7.1f CPU-s (simulator %5.1f)  %6d requests  %5d sessions killed' % (
                    way, elapsed, cpu, simulator_cpu, len(sim.logged()), killed), flush=True)
        loop = report['runs'].get('loop', {}).get('seconds')
        if loop:
            for way, row in report['runs'].items():
                row['loop_over_this'] = round(loop / row['seconds'], 2)
            print('loop / way: %s' % ', '.join('%s %.2fx' % (way, row['loop_over_this'])
                                               for way, row in report['runs'].items()))
        if args.json:
            write(args.json, report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
