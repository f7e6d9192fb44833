# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible-rulebook runs (its own venv, .venv-eda, which make test builds) for the tests of the example rulebooks and
of the event sources' EXAMPLES. Every result of a collection module that a rule runs (run_module, run_playbook) is
recorded and checked against the module's RETURN (tests/returns.py), as in every other playbook run of the suite."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

import returns
from conftest import FAST_ONLY


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
    """ansible-rulebook running the rulebook at ``path`` with the given variables and environment."""

    def __init__(self, ansible, venv, tmp_path, path, variables, env, deadline=90):
        inventory = tmp_path / 'inventory.yml'
        inventory.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                             '      ansible_python_interpreter: %s\n' % os.path.join(venv, 'bin', 'python'),
                             encoding='utf-8')
        values = tmp_path / 'vars.yml'
        values.write_text(''.join('%s: %s\n' % item for item in variables.items()), encoding='utf-8')
        self.results = tmp_path / 'rulebook-results.jsonl'
        path_variable = os.path.join(venv, 'bin') + os.pathsep + os.environ.get('PATH', '')
        self.env = ansible.env(dict(returns.callback_env(self.results), PATH=path_variable, **env))
        self.env.pop('PYTHONPATH', None)
        self.command = [os.path.join(venv, 'bin', 'ansible-rulebook'), '--rulebook', str(path),
                        '-i', str(inventory), '--vars', str(values), '--print-events', '-v']
        self.cwd = str(tmp_path)
        self.log = tmp_path / 'rulebook.log'
        self.process = None
        self.deadline = time.monotonic() + deadline

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
        """Wait for the end of the run; returns its exit code and output. The results of the collection's modules that
        its rules ran are checked against their RETURN."""
        self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()) + 30)
        returns.check_log(self.results)
        return self.process.returncode, self.text

    def module_results(self):
        """What the rules' module runs returned: ``[{"action", "task", "failed", "result"}]``."""
        return returns.read_log(self.results)

    @property
    def text(self):
        return self.log.read_text(encoding='utf-8')

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()
