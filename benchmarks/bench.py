# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks: this collection's modules against ansible.builtin.uri doing the same work.

Each scenario runs two playbooks against a simulator on 127.0.0.1 (TLS, throwaway CA): one using
this collection, one using ansible.builtin.uri for the same requests. It reports the median wall
time of several runs, the HTTP requests and TCP connections the simulator saw, and the ratio.

    make bench                  # or: .venv/bin/python benchmarks/bench.py [--repeat N] [scenario ...]

It is a measurement, not a test: it asserts nothing about speed, only that both playbooks did the work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from simulators.arcgis import ArcGISSimulator  # noqa: E402  pylint: disable=wrong-import-position
from simulators.base import LocalCA, SimServer  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)


def play(tasks, module_defaults=None):
    entry = {'name': 'Benchmark', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}
    if module_defaults:
        entry['module_defaults'] = module_defaults
    return [entry]


class Scenario:
    """A piece of work done twice: ``collection_play(ctx)`` and ``uri_play(ctx)`` return the two playbooks,
    ``check(sim)`` raises if a run did not do the work."""

    name = ''
    description = ''

    def prepare(self, sim):
        """Seed the simulator before each run (nothing by default)."""


class ConfigRead(Scenario):
    name = 'config-read'
    description = '20 reads of the notebook configuration with username/password (token generated per read)'
    reads = 20

    def collection_play(self, ctx):
        task = {'name': 'Read the configuration', 'platform_ops.admin.notebook_config_info': None,
                'loop': list(range(self.reads))}
        defaults = {'platform_ops.admin.notebook_config_info': {
            'url': ctx['url'], 'username': 'admin', 'password': ctx['password'], 'ca_path': ctx['ca']}}
        return play([task], defaults)

    def uri_play(self, ctx):
        block = [
            {'name': 'Generate a token', 'ansible.builtin.uri': {
                'url': ctx['url'] + '/sharing/rest/generateToken', 'method': 'POST', 'body_format': 'form-urlencoded',
                'body': {'username': 'admin', 'password': ctx['password'], 'client': 'requestip', 'f': 'json'},
                'ca_path': ctx['ca'], 'return_content': True}, 'register': 'login', 'no_log': True},
            {'name': 'Read the configuration', 'ansible.builtin.uri': {
                'url': ctx['url'] + '/admin/notebooks/configuration?f=json', 'ca_path': ctx['ca'],
                'headers': {'X-Esri-Authorization': 'Bearer {{ login.json.token }}'}}, 'register': 'config',
             'failed_when': "config.json.error is defined"},
        ]
        tasks = [{'name': 'Read %d' % index, 'block': block} for index in range(self.reads)]
        return play(tasks)

    def check(self, sim):
        reads = len(sim.logged(path='/admin/notebooks/configuration$'))
        if reads != self.reads:
            raise AssertionError('expected %d configuration reads, saw %d' % (self.reads, reads))


class TerminateByOwner(Scenario):
    name = 'terminate-500'
    description = 'terminate the 500 deployments of one user among 1000 listed (one task vs a uri loop)'
    owner = 'batch_runner'
    count = 500

    def prepare(self, sim):
        sim.seed({'deployments': [{'owner': self.owner, 'count': self.count}, {'owner': 'someone_else', 'count': 500}]})

    def collection_play(self, ctx):
        task = {'name': 'Terminate every deployment of the user', 'platform_ops.admin.notebook_deployment': {
            'url': ctx['url'], 'username': 'admin', 'password': ctx['password'], 'ca_path': ctx['ca'],
            'owner': self.owner, 'state': 'absent'}}
        return play([task])

    def uri_play(self, ctx):
        tasks = [
            {'name': 'Generate a token', 'ansible.builtin.uri': {
                'url': ctx['url'] + '/sharing/rest/generateToken', 'method': 'POST', 'body_format': 'form-urlencoded',
                'body': {'username': 'admin', 'password': ctx['password'], 'client': 'requestip', 'f': 'json'},
                'ca_path': ctx['ca']}, 'register': 'login', 'no_log': True},
            {'name': 'List deployments', 'ansible.builtin.uri': {
                'url': ctx['url'] + '/admin/notebooks/deployments?f=json', 'ca_path': ctx['ca'],
                'headers': {'X-Esri-Authorization': 'Bearer {{ login.json.token }}'}}, 'register': 'listing'},
            {'name': 'Terminate each deployment of the user', 'ansible.builtin.uri': {
                'url': ctx['url'] + '/admin/notebooks/deployments/{{ item.id }}/terminateDeployment', 'method': 'POST',
                'body_format': 'form-urlencoded', 'body': {'f': 'json', 'token': '{{ login.json.token }}'},
                'ca_path': ctx['ca']},
             'loop': "{{ listing.json.nbDeployments | selectattr('username', 'equalto', '%s') | list }}" % self.owner,
             'loop_control': {'label': '{{ item.id }}'}, 'register': 'terminated',
             'failed_when': 'terminated.json.error is defined', 'no_log': True},
        ]
        return play(tasks)

    def check(self, sim):
        left = [entry for entry in sim.deployments.values() if entry.get('username') == self.owner]
        if left:
            raise AssertionError('%d deployments of %s are still running' % (len(left), self.owner))


SCENARIOS = {scenario.name: scenario for scenario in (ConfigRead(), TerminateByOwner())}


def run_playbook(path, env, workdir):
    command = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path]
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError('%s failed:\n%s%s' % (path, completed.stdout[-3000:], completed.stderr[-3000:]))
    return elapsed


def install_collection(workdir):
    given = os.environ.get('PLATFORM_OPS_COLLECTIONS_PATH')
    if given:
        return given
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', ROOT, '--force', '--output-path', workdir],
                   check=True, capture_output=True)
    tarball = [name for name in os.listdir(workdir) if name.endswith('.tar.gz')][0]
    target = os.path.join(workdir, 'collections')
    subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', os.path.join(workdir, tarball),
                    '-p', target, '--force'], check=True, capture_output=True)
    return target


def measure(scenario, server, ctx, env, workdir, repeat):
    sim = server.simulator
    results = {}
    for kind in ('collection', 'uri'):
        path = os.path.join(workdir, '%s-%s.yml' % (scenario.name, kind))
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(getattr(scenario, kind + '_play')(ctx), handle, indent=1)
        times = []
        for _index in range(repeat):
            sim.reset()
            scenario.prepare(sim)
            times.append(run_playbook(path, env, workdir))
            scenario.check(sim)
        log = sim.logged()
        results[kind] = {'median_s': statistics.median(times), 'runs_s': [round(value, 2) for value in times],
                         'requests': len(log), 'connections': len({entry['client_port'] for entry in log})}
    results['ratio_uri_over_collection'] = results['uri']['median_s'] / results['collection']['median_s']
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('scenarios', nargs='*', default=sorted(SCENARIOS))
    parser.add_argument('--repeat', type=int, default=3, help='runs per playbook (the median is reported)')
    parser.add_argument('--json', help='also write the results to this file')
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='platform-ops-bench-')
    try:
        ca = LocalCA()
        ca_file = ca.write_ca(os.path.join(workdir, 'ca.pem'))
        env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
        env.update(ANSIBLE_COLLECTIONS_PATH=install_collection(workdir), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   ANSIBLE_HOME=os.path.join(workdir, 'home'), PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
        report = {}
        with SimServer(ArcGISSimulator(), tls=ca) as server:
            ctx = {'url': server.url, 'ca': ca_file, 'password': server.simulator.users['admin']['password']}
            for name in args.scenarios:
                scenario = SCENARIOS[name]
                result = measure(scenario, server, ctx, env, workdir, args.repeat)
                report[name] = result
                print('%-14s %s' % (name, scenario.description))
                for kind in ('collection', 'uri'):
                    row = result[kind]
                    print('  %-10s median %6.2f s  runs %s  requests %d  connections %d' % (
                        kind, row['median_s'], row['runs_s'], row['requests'], row['connections']))
                print('  uri takes %.2fx the time of the collection' % result['ratio_uri_over_collection'])
        if args.json:
            with open(args.json, 'w', encoding='utf-8') as handle:
                json.dump(report, handle, indent=2)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
