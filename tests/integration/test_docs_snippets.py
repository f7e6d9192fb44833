# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation that runs as written: every snippet of the README, the roles' READMEs and the EXAMPLES of modules,
inventory plugins and event sources (docs_snippets.py finds them) runs against the simulators, with only what the
one map (docs_map.yml) replaces: URLs, a few values, the variables that stand for secrets, the environment, and the
pacing of event sources.

* A playbook, or a task list in a play on localhost, runs with ansible-playbook on an inventory that names localhost
  without a connection (as ``-i localhost,`` does): a play that does not say ``connection: local`` tries SSH and
  fails. It must succeed; then it runs again and no task may report a change but those marked ``not-idempotent``.
* A rulebook runs with ansible-rulebook until its sources' ``max_polls``; its rules must run a module of the
  collection, and every such run must succeed.
* An inventory configuration runs with ``ansible-inventory --list``.

Every module result is checked against its RETURN on the way (tests/returns.py). A snippet marked ``not-runnable``
is skipped with its reason; the terminal summary counts the snippets found, run and marked.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

import docs_snippets
from conftest import _tool, arcgis, arcgis_server, awx_collection, simulator_fixtures  # pylint: disable=unused-import
from dcs_support import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, IAM_DOMAIN, IAM_PASSWORD, IAM_USER, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from eda_support import Rulebook, rulebook_venv  # pylint: disable=unused-import
from simulators.awx import AWXSimulator

awx_server, awx = simulator_fixtures('awx', AWXSimulator)
MAP = docs_snippets.load_map()
SNIPPETS = docs_snippets.find()
PREFIX = 'platform_ops.admin.'


@pytest.fixture
def world(ansible, arcgis, dcs, ece, awx, tls, request):
    """The simulators seeded as the map's ``world`` says, and the facts that fill in the map's placeholders."""
    assert ansible.collections  # skips the test in the ansible-core matrix, like every playbook test
    awx_path = request.getfixturevalue('awx_collection')
    arcgis.sim.seed(MAP['world']['arcgis'])
    dcs.sim.seed(MAP['world']['huawei_dcs'])
    ece.sim.seed(MAP['world']['ece'])
    facts = dict(
        arcgis_url=arcgis.url, arcgis_admin_password=arcgis.sim.users['admin']['password'],
        arcgis_token=arcgis.sim.issue_token('admin', expiration_minutes=120),
        dcs_url=dcs.url, dcs_iam_url=dcs.server.root, dcs_project_id=PROJECT_ID, dcs_access_key=DEMO_ACCESS_KEY,
        dcs_secret_key=DEMO_SECRET_KEY, dcs_iam_user=IAM_USER, dcs_iam_password=IAM_PASSWORD, dcs_iam_domain=IAM_DOMAIN,
        ece_url=ece.url, ece_api_key=API_KEY, ece_username=USERNAME, ece_password=PASSWORD,
        awx_url=awx.url, awx_token=awx.sim.issue_token()['token'], ca_file=tls.ca_file,
    )
    return Docs(ansible, facts, awx_path)


class Docs:
    """Runs snippets against the seeded simulators."""

    def __init__(self, ansible, facts, awx_path):
        self.ansible = ansible
        self.facts = facts
        self.workdir = ansible.workdir
        self.awx_path = awx_path
        self.rulebook_venv = None  # set by a test that runs a rulebook (its fixture skips where there is none)

    def env(self, kind):
        env = docs_snippets.filled(MAP['environment'], self.facts)
        env.update(docs_snippets.filled(MAP['%s_environment' % ('rulebook' if kind == 'rulebook' else 'playbook')],
                                        self.facts))
        # awx.awx, for the awx_credential_types role's README, beside the collection.
        env['ANSIBLE_COLLECTIONS_PATH'] = self.ansible.collections + os.pathsep + self.awx_path
        return env

    def variables(self):
        return docs_snippets.filled(MAP['variables'], self.facts)

    def run(self, snippet):
        """Run a snippet as its kind says; fails the test when it does not work as documented."""
        data = docs_snippets.prepared(snippet, MAP, self.facts)
        return getattr(self, 'run_' + snippet.kind)(snippet, data)

    def run_tasks(self, snippet, data):
        play = dict(name='Documentation snippet %s' % snippet.id, hosts='localhost', connection='local',
                    gather_facts=False, tasks=data)
        return self.run_playbook(snippet, [play])

    def run_playbook(self, snippet, data):
        path = self.workdir / 'snippet.yml'
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding='utf-8')
        inventory = self.workdir / 'inventory.yml'
        inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': self.variables()}}}), encoding='utf-8')
        first = self.ansible.playbook(path, inventory=inventory, env=self.env('playbook'))
        assert first.rc == 0, 'the snippet %s failed:\n%s' % (snippet.id, first.output[-6000:])
        assert first.results, 'the snippet %s ran no task' % snippet.id
        second = self.ansible.playbook(path, inventory=inventory, env=self.env('playbook'))
        assert second.rc == 0, 'the snippet %s failed on its second run:\n%s' % (snippet.id, second.output[-6000:])
        changed = sorted({entry['task'] for entry in second.results if entry['result'].get('changed')} -
                         set(snippet.not_idempotent))
        assert not changed, ('the snippet %s reported changes on its second run (tasks %s); a task that changes on '
                             'every run is marked "# not-idempotent: <reason>"\n%s' % (
                                 snippet.id, ', '.join(changed), second.output[-6000:]))
        return first, second

    def run_rulebook(self, snippet, data):
        path = self.workdir / 'rulebook.yml'
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding='utf-8')
        venv = self.rulebook_venv
        with Rulebook(self.ansible, venv, self.workdir, path, self.variables(), self.env('rulebook'),
                      deadline=120) as rulebook:
            returncode, text = rulebook.finish()
        assert returncode == 0, 'the rulebook %s failed:\n%s' % (snippet.id, text[-6000:])
        ran = [entry for entry in rulebook.module_results() if entry['action'].startswith(PREFIX)]
        assert ran, 'the rulebook %s ran no module of the collection:\n%s' % (snippet.id, text[-6000:])
        failed = [entry for entry in ran if entry['failed']]
        assert not failed, 'the rulebook %s ran %s, which failed: %s' % (
            snippet.id, failed[0]['action'], failed[0]['result'].get('msg'))
        return ran

    def run_inventory(self, snippet, data):
        # Inventory plugins look for a configuration file named after them.
        path = self.workdir / ('%s.yml' % str(data.get('plugin', '')).rsplit('.', 1)[-1])
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding='utf-8')
        # A configuration no plugin accepts fails, instead of giving an empty inventory with a warning.
        env = self.ansible.env(dict(self.env('playbook'), ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED='true'))
        completed = subprocess.run([_tool('ansible-inventory'), '-i', str(path), '--list'], cwd=str(self.workdir),
                                   env=env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, 'the inventory %s failed:\n%s' % (snippet.id, completed.stderr[-6000:])
        groups = json.loads(completed.stdout)
        hosts = {host for name, group in groups.items() if name != '_meta' for host in group.get('hosts', ())}
        assert hosts, 'the inventory %s has no host:\n%s' % (snippet.id, completed.stdout[-6000:])
        return completed


@pytest.mark.parametrize('snippet', SNIPPETS, ids=[snippet.id for snippet in SNIPPETS])
def test_snippet_runs_as_written(snippet, world, request):
    if snippet.not_runnable:
        pytest.skip('not runnable: %s' % snippet.not_runnable)
    if snippet.kind == 'rulebook':
        world.rulebook_venv = request.getfixturevalue('rulebook_venv')
    world.run(snippet)


# --- the test itself can fail ----------------------------------------------------------------------------------


def snippet_of(source):
    return next(snippet for snippet in SNIPPETS if snippet.source == source)


def broken(snippet, old, new):
    """A copy of a snippet with ``old`` replaced by ``new`` in its text."""
    assert old in snippet.text
    return docs_snippets.Snippet(snippet.source, snippet.line, snippet.text.replace(old, new), snippet.origin)


def test_a_broken_example_fails(world):
    """An example with a misspelt option: the docs test fails, naming the snippet and the module's complaint."""
    snippet = broken(snippet_of('plugins/modules/dcs_sessions_info.py'), 'idle_longer_than: 600', 'idle_longer: 600')
    with pytest.raises(AssertionError, match=r'dcs_sessions_info.py:\d+ failed:(.|\n)*Unsupported parameters'):
        world.run(snippet)


def test_a_task_that_changes_on_every_run_fails_unless_marked(world):
    text = '- name: Something that always changes\n  ansible.builtin.command: "true"\n'
    snippet = docs_snippets.Snippet('README.md', 1, text, 'readme')
    with pytest.raises(AssertionError, match='reported changes on its second run'):
        world.run(snippet)
    marked = docs_snippets.Snippet('README.md', 1, '# not-idempotent: a command\n' + text, 'readme')
    world.run(marked)


def test_a_play_without_a_local_connection_fails(world):
    text = '- name: A play\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n'
    with pytest.raises(AssertionError, match='failed'):
        world.run(docs_snippets.Snippet('README.md', 1, text, 'readme'))


def test_a_url_the_map_does_not_know_is_refused():
    snippet = docs_snippets.Snippet('README.md', 1, '- ansible.builtin.uri:\n    url: https://api.example.org/x\n',
                                    'readme')
    with pytest.raises(docs_snippets.Unmapped, match='https://api.example.org/x'):
        docs_snippets.prepared(snippet, MAP, dict.fromkeys(('arcgis_url', 'ece_url', 'awx_url', 'ca_file',
                                                            'dcs_iam_domain'), 'x'))


def test_marks_are_read():
    text = ('# not-runnable: needs a real AWX\n- name: A\n  ansible.builtin.ping:\n'
            '# not-idempotent: restarts every time\n- name: B\n  ansible.builtin.ping:\n')
    snippet = docs_snippets.Snippet('README.md', 1, text, 'readme')
    assert snippet.not_runnable == 'needs a real AWX'
    assert snippet.not_idempotent == {'B': 'restarts every time'}
    with pytest.raises(ValueError, match='must stand before the task'):
        docs_snippets.Snippet('README.md', 1, '- name: A\n  ansible.builtin.ping:\n# not-idempotent: why\n', 'readme')


def test_every_place_with_examples_is_searched():
    sources = {snippet.source for snippet in SNIPPETS}
    for folder in ('plugins/modules', 'plugins/inventory', 'extensions/eda/plugins/event_source'):
        path = os.path.join(docs_snippets.ROOT, folder)
        for name in sorted(os.listdir(path)) if os.path.isdir(path) else ():
            if name.endswith('.py') and not name.startswith('_'):
                assert '%s/%s' % (folder, name) in sources, name
    assert 'README.md' in sources
    assert {source for source in sources if source.startswith('roles/')} == {
        'roles/%s/README.md' % name for name in os.listdir(os.path.join(docs_snippets.ROOT, 'roles'))}


def test_an_inventory_configuration_runs_with_ansible_inventory(world):
    """The way an inventory configuration runs, shown with ansible-core's generator."""
    text = 'plugin: ansible.builtin.generator\nhosts:\n  name: "web_{{ number }}"\nlayers:\n  number: [1, 2]\n'
    completed = world.run(docs_snippets.Snippet('plugins/inventory/generator.py', 1, text, 'inventory'))
    assert json.loads(completed.stdout)['ungrouped']['hosts'] == ['web_1', 'web_2']
    broken_text = text.replace('plugin: ansible.builtin.generator', 'plugin: ansible.builtin.generator_misspelt')
    with pytest.raises(AssertionError, match='inventory plugins/inventory/generator.py:1 failed'):
        world.run(docs_snippets.Snippet('plugins/inventory/generator.py', 1, broken_text, 'inventory'))
