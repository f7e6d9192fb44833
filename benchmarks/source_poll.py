# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: one poll of the ``platform_ops.admin.dcs_sessions`` event source over a fleet of DCS instances, its
instances read one after the other (``parallel`` 1) and ``parallel`` 8 and 32 at a time.

The DCS simulator (127.0.0.1, TLS, in this process) holds ``--instances`` instances (400 by default), each a
master/standby pair whose master has 20 sessions, or 10 on every third instance; ``max_sessions`` is 15, so two
instances in three give a ``started`` event (``debounce`` 1). The source runs as ansible-rulebook's source would,
in a process of its own (``python dcs_sessions.py '<arguments>'`` with ``max_polls`` 1, from the installed
collection), and prints its events. It reports each way's wall time (the process's start and imports included), the
requests the simulator saw and the ratio to ``parallel`` 1, and checks that every way gave the very events of the
serial poll, in the same order, with the same number of requests. A measurement, not a test: it asserts nothing about
speed.

    .venv/bin/python benchmarks/source_poll.py [--instances N] [--json FILE] [parallel ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from bench import install_collection  # noqa: E402  pylint: disable=wrong-import-position
from fleet import PROJECT, ratios, seed, write  # noqa: E402  pylint: disable=wrong-import-position
from simulators.base import LocalCA, SimServer  # noqa: E402  pylint: disable=wrong-import-position
from simulators.huawei_dcs import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, HuaweiDCSSimulator  # noqa: E402  pylint: disable=wrong-import-position

MAX_SESSIONS = 15
QUIET = 10
SOURCE = ('ansible_collections', 'platform_ops', 'admin', 'extensions', 'eda', 'plugins', 'event_source',
          'dcs_sessions.py')


def quieten(sim, ids):
    """Every third instance keeps only ``QUIET`` sessions: under ``MAX_SESSIONS``, no event."""
    with sim.lock:
        for number, instance_id in enumerate(ids):
            if number % 3 == 2:
                sessions = sim.instances[instance_id]['sessions']
                for node_id in sessions:
                    sessions[node_id] = dict(list(sessions[node_id].items())[:QUIET])


def canonical(sim, event):
    """The event with its node named by its place among the instance's session nodes."""
    if 'node_id' in event:
        event = dict(event, node_id=sim.session_node_ids(event['instance_id']).index(event['node_id']))
    return event


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('parallel', nargs='*', type=int, help='the values of parallel to measure (default: 1 8 32)')
    parser.add_argument('--instances', type=int, default=400)
    parser.add_argument('--json', help='also write the results to this file')
    parser.add_argument('--events', help='the events of an earlier run (of another parallel) to compare with, '
                                         'or where to write them when the file does not exist')
    args = parser.parse_args()
    args.parallel = args.parallel or [1, 8, 32]
    workdir = tempfile.mkdtemp(prefix='platform-ops-source-bench-')
    report = dict(instances=args.instances, cores=os.cpu_count(), runs={})
    try:
        ca_file = LocalCA()
        tls_ca = ca_file.write_ca(os.path.join(workdir, 'ca.pem'))
        source = os.path.join(install_collection(workdir), *SOURCE)
        env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'HUAWEICLOUD_'))}
        with SimServer(HuaweiDCSSimulator(), tls=ca_file, threads=64) as server:
            sim = server.simulator
            reference = None
            for parallel in args.parallel:
                ids = seed(sim, args.instances)
                quieten(sim, ids)
                sim.clear_log()
                source_args = dict(endpoint=server.url, project_id=PROJECT, access_key=DEMO_ACCESS_KEY,
                                   secret_key=DEMO_SECRET_KEY, ca_path=tls_ca, instance_ids=ids, max_sessions=MAX_SESSIONS,
                                   debounce=1, max_polls=1, parallel=parallel)
                started = time.perf_counter()
                done = subprocess.run([sys.executable, source, json.dumps(source_args)], env=env, cwd=workdir,
                                      capture_output=True, text=True, check=False)
                elapsed = time.perf_counter() - started
                if done.returncode != 0:
                    raise RuntimeError('parallel %d failed: %s' % (parallel, done.stderr[-4000:]))
                # Node ids are random in each seed: an event names its node by its place in the instance.
                events = [canonical(sim, json.loads(line)) for line in done.stdout.splitlines() if line.strip()]
                requests = len(sim.logged())
                started_events = sum(1 for event in events if event['type'] == 'started')
                if started_events != args.instances - args.instances // 3 or len(events) != started_events:
                    raise AssertionError('parallel %d: %d events, %d started, expected %d started events' % (
                        parallel, len(events), started_events, args.instances - args.instances // 3))
                if reference is None and args.events and os.path.exists(args.events):
                    with open(args.events, encoding='utf-8') as handle:
                        reference = json.load(handle)
                if reference is None:
                    reference = dict(parallel=parallel, events=events, requests=requests)
                    if args.events:
                        write(args.events, reference)
                elif events != reference['events'] or requests != reference['requests']:
                    raise AssertionError('parallel %d gave other events or requests (%d) than parallel %d (%d)' % (
                        parallel, requests, reference['parallel'], reference['requests']))
                report['runs']['parallel-%d' % parallel] = dict(seconds=round(elapsed, 1), requests=requests,
                                                                events=len(events))
                print('parallel %-3d %7.1f s  %6d requests  %5d events (the same as parallel %d)' % (
                    parallel, elapsed, requests, len(events), reference['parallel']), flush=True)
        ratios(report['runs'], 'parallel-1', 'serial_over_this')
        if args.json:
            write(args.json, report)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
