# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real ``ansible-playbook`` runs against the simulators.

The collection is built and installed once per session (``ansible-galaxy collection build`` and
``install``), unless ``PLATFORM_OPS_COLLECTIONS_PATH`` names a collections path where ``make`` has
installed it already. Simulators run in this process over TLS with a throwaway CA, so tests can
read their request logs directly.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import returns
from modrun import run_module
from simulators.arcgis import ArcGISSimulator
from simulators.base import LocalCA, SimServer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _tool(name):
    return shutil.which(name, path=BIN) or shutil.which(name)


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    given = os.environ.get('PLATFORM_OPS_COLLECTIONS_PATH')
    if given:
        return given
    work = tmp_path_factory.mktemp('collection')
    subprocess.run([_tool('ansible-galaxy'), 'collection', 'build', ROOT, '--output-path', str(work), '--force'],
                   check=True, capture_output=True)
    tarball = glob.glob(str(work / 'platform_ops-admin-*.tar.gz'))[0]
    target = work / 'collections'
    subprocess.run([_tool('ansible-galaxy'), 'collection', 'install', tarball, '-p', str(target), '--force'],
                   check=True, capture_output=True)
    return str(target)


@pytest.fixture(scope='session')
def awx_collection(tmp_path_factory):
    """A collections path holding awx.awx (for the awx_credential_types role): the one make prepared, or fetched from
    PyPI (tools/)."""
    given = os.environ.get('PLATFORM_OPS_AWX_COLLECTIONS_PATH')
    if given:
        return given
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    from fetch_awx_collection import fetch  # pylint: disable=import-outside-toplevel
    dest = tmp_path_factory.mktemp('awx-collection')
    fetch(str(dest))
    return str(dest)


@pytest.fixture(scope='session')
def tls(tmp_path_factory):
    ca = LocalCA()
    ca.ca_file = ca.write_ca(tmp_path_factory.mktemp('tls') / 'ca.pem')
    return ca


class Served:
    """A running simulator and what tasks need to reach it."""

    def __init__(self, server, ca_file):
        self.server = server
        self.sim = server.simulator
        self.url = server.url
        self.ca_file = ca_file


def simulator_fixtures(name, simulator_class, served_class=Served, scope='session', around=None, after=None):
    """The fixtures of one simulator, the same way for all three: ``<name>_server`` (the simulator served over
    TLS on 127.0.0.1, started once per ``scope``; ``after(server)`` runs when it stops) and ``<name>`` (per test:
    the simulator reset, wrapped in ``served_class``; ``around(served)``, a context manager, wraps the test).

    Test modules import both names from where they are made (``dcs_server, dcs = simulator_fixtures(...)``).
    """
    @pytest.fixture(scope=scope, name=name + '_server')
    def server_fixture(tls):
        with SimServer(simulator_class(), tls=tls) as server:
            yield server
        if after is not None:
            after(server)

    @pytest.fixture(name=name)
    def served_fixture(request, tls):
        server = request.getfixturevalue(name + '_server')
        server.simulator.reset()
        served = served_class(server, tls.ca_file)
        if around is None:
            yield served
            return
        with around(served):
            yield served

    return server_fixture, served_fixture


class ServedArcGIS(Served):
    def args(self, token=None, **extra):
        """Module arguments with an administrator's token (one less request to count) and the test CA."""
        result = dict(url=self.url, token=token or self.sim.issue_token('admin'), ca_path=self.ca_file)
        result.update(extra)
        return result


arcgis_server, arcgis = simulator_fixtures('arcgis', ArcGISSimulator, ServedArcGIS)


class Run:
    """An ansible-playbook run. ``module()`` runs its task with ``ignore_errors`` so the result can be saved,
    which leaves the playbook's exit code 0 even when the task failed: ``rc`` is made non-zero then, so
    ``assert run.rc == 0`` means the task itself succeeded."""

    def __init__(self, completed, result):
        self.rc = completed.returncode
        if self.rc == 0 and isinstance(result, dict) and result.get('failed'):
            self.rc = 2
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.result = result

    @property
    def output(self):
        return self.stdout + self.stderr


def recap(run):
    """The play recap of localhost in a playbook run: ``ok``, ``changed`` and ``failed`` task counts."""
    match = re.search(r'localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)', run.stdout)
    assert match, run.output
    return dict(ok=int(match.group(1)), changed=int(match.group(2)), failed=int(match.group(3)))


# The ansible-core matrix (`make matrix`) runs the fast part of the suite only: tests whose modules run in
# process. A test that needs ansible-playbook is skipped there (the main run has it).
FAST_ONLY = os.environ.get('PLATFORM_OPS_FAST_ONLY') == '1'


class Ansible:
    """Runs module tasks in process, and playbooks with the installed collection (built on first use)."""

    def __init__(self, collections, workdir):
        self._collections = collections
        self.workdir = workdir
        self.count = 0
        self.in_process_count = 0

    @property
    def collections(self):
        if FAST_ONLY:
            pytest.skip('runs ansible-playbook: part of the main suite, not of the ansible-core matrix')
        if callable(self._collections):
            self._collections = self._collections()
        return self._collections

    def env(self, extra=None):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(('ARCGIS_', 'HUAWEICLOUD_', 'ECE_', 'ANSIBLE_'))}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=self.collections,
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_FORCE_COLOR='0',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_LOCALHOST_WARNING='0',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
            ANSIBLE_HOME=str(self.workdir / 'ansible-home'),
            ANSIBLE_LOCAL_TEMP=str(self.workdir / 'ansible-tmp'),
            PATH=BIN + os.pathsep + os.environ.get('PATH', ''),
        )
        env.update(extra or {})
        return env

    def playbook(self, path, extra_vars=None, check=False, diff=False, verbosity=0, env=None, result_file=None,
                 inventory=None):
        """Run a playbook; every result of a collection module in it is checked against the module's RETURN
        (``Run.results`` has every task's). Without ``inventory``, on ``localhost,`` with the local connection;
        with it (a file), as the file says."""
        self.count += 1
        results = self.workdir / ('results-%d.jsonl' % self.count)
        env = self.env(dict(returns.callback_env(results), **(env or {})))
        if inventory is None:
            command = [_tool('ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(path)]
        else:
            command = [_tool('ansible-playbook'), '-i', str(inventory), str(path)]
        if extra_vars:
            command += ['-e', json.dumps(extra_vars)]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        completed = subprocess.run(command, cwd=str(self.workdir), env=env, capture_output=True,
                                   text=True, timeout=600, check=False)
        result = None
        if result_file and os.path.exists(result_file):
            with open(result_file, encoding='utf-8') as handle:
                result = json.load(handle)
        run = Run(completed, result)
        run.results = returns.read_log(results)
        returns.check_log(results)
        return run

    def module(self, name, args, check=False, diff=False, verbosity=0, env=None, playbook=False):
        """Run one module task; ``Run.result`` is what the task registered (failed or not).

        The module runs in this process (``modrun``), as Ansible runs it on the target, unless the test needs
        what only ``ansible-playbook`` shows: ``verbosity`` (what reaches the screen at -vvvv) or ``playbook``.
        """
        if not verbosity and not playbook:
            return self.in_process(name, args, check=check, diff=diff, env=env)
        self.count += 1
        out = self.workdir / ('result-%d.json' % self.count)
        play = [{
            'name': 'Run %s' % name,
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {'name': 'Module under test', name: args, 'register': 'result', 'ignore_errors': True},
                {'name': 'Save the result', 'ansible.builtin.copy': {'content': '{{ result | to_nice_json }}',
                                                                     'dest': str(out)},
                 'check_mode': False, 'diff': False},
            ],
        }]
        path = self.workdir / ('play-%d.yml' % self.count)
        path.write_text(json.dumps(play, indent=1), encoding='utf-8')
        return self.playbook(path, check=check, diff=diff, verbosity=verbosity, env=env, result_file=str(out))

    def in_process(self, name, args, check=False, diff=False, env=None):
        """The module run in process; a ``Run`` like a playbook's (rc 2 when the task failed, 1 on a traceback)."""
        self.in_process_count += 1
        outcome = run_module(name.rsplit('.', 1)[-1], args, check=check, diff=diff, env=env)
        if outcome.traceback is not None:
            return Run(subprocess.CompletedProcess([name], 1, outcome.output, outcome.traceback), None)
        result = dict(outcome.result)
        if 'warnings' in result:
            # As a registered result has them: the texts (ansible-core 2.19 returns summaries to the controller).
            result['warnings'] = outcome.warnings
        return Run(subprocess.CompletedProcess([name], 0, outcome.output, ''), result)


@pytest.fixture
def ansible(request, tmp_path):
    # The collection is built and installed when a test first runs a playbook, not for in-process tests.
    return Ansible(lambda: request.getfixturevalue('collections_path'), tmp_path)


def pytest_terminal_summary(terminalreporter):
    """The figures of the documentation test (test_docs_snippets.py): snippets found, run and marked not runnable."""
    runs = [report for reports in terminalreporter.stats.values() for report in reports
            if getattr(report, 'when', None) == 'call' or getattr(report, 'skipped', False)]
    runs = [report for report in runs if '::test_snippet_runs_as_written[' in getattr(report, 'nodeid', '')]
    if not runs:
        return
    import docs_snippets  # pylint: disable=import-outside-toplevel
    snippets = docs_snippets.find()
    marked = [snippet for snippet in snippets if snippet.not_runnable]
    passed = sum(1 for report in runs if report.passed)
    failed = sum(1 for report in runs if report.failed)
    terminalreporter.write_line('documentation snippets: %d found, %d run (%d passed, %d failed), %d marked not '
                                'runnable%s' % (len(snippets), passed + failed, passed, failed, len(marked), ''.join(
                                    '\n  not runnable: %s - %s' % (snippet.id, snippet.not_runnable)
                                    for snippet in marked)))
