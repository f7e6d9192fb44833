# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module result the suite sees is checked against the module's RETURN documentation.

``problems(module, result)`` lists what is wrong with one result:

* a key the module returned that RETURN does not document (Ansible's own keys aside; on failure, the error details
  that the ``platform_ops.admin.common`` doc fragment names are allowed too);
* a value whose type is not the documented one (``null`` only where the description says V(null));
* a documented ``returned: always`` key missing from a result that did not fail;
* a RETURN entry without a type, or with ``type: raw`` (each key has one type).

``modrun.run_module`` checks every in-process run; playbook runs (``conftest.Ansible.playbook``, the docs test,
ansible-rulebook's ``run_module``) record each result of a collection module through the callback plugin in
``tests/callback_plugins/`` and are checked the same way. A problem fails the test that ran the module.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re

import yaml

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
MODULES = os.path.join(ROOT, 'plugins', 'modules')
COMMON_FRAGMENT = os.path.join(ROOT, 'plugins', 'doc_fragments', 'common.py')
PREFIX = 'platform_ops.admin.'

# Keys Ansible itself adds or gives a meaning to (not module return values).
ANSIBLE_KEYS = frozenset((
    'changed', 'failed', 'msg', 'warnings', 'deprecations', 'diff', 'invocation', 'skipped', 'skip_reason',
    'exception', 'item', 'ansible_loop_var', 'ansible_index_var', 'ansible_loop', 'attempts', 'censored',
    'ansible_facts', 'module_stdout', 'module_stderr', 'rc', 'unreachable',
    'msg_to_log',  # AnsibleModule's own failure when syslog refuses the invocation line (a NUL in an option)
))
# The note of the common doc fragment that names the details of a failed request (C(key)): those keys may come
# with a failure without being in RETURN.
FAILURE_NOTE = 'When a request fails'
PYTHON_TYPES = {
    'str': (str,), 'int': (int,), 'float': (int, float), 'bool': (bool,), 'list': (list,), 'dict': (dict,),
    'path': (str,),
}
# Environment variable naming the file the callback plugin appends results to (one JSON object a line).
RESULT_LOG = 'PLATFORM_OPS_RESULT_LOG'
CALLBACK_DIR = os.path.join(TESTS, 'callback_plugins')
CALLBACK = 'platform_ops_results'


@functools.lru_cache(maxsize=None)
def documented(module):
    """The parsed RETURN of ``plugins/modules/<module>.py`` (read from the source, not imported)."""
    with open(os.path.join(MODULES, module + '.py'), encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'RETURN':
            return yaml.safe_load(node.value.value) or {}
    raise AssertionError('%s has no RETURN' % module)


@functools.lru_cache(maxsize=None)
def failure_keys():
    """The details of a failed request that the common doc fragment names (C(key)) in its note about failures."""
    with open(COMMON_FRAGMENT, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION':
            notes = yaml.safe_load(node.value.value).get('notes') or []
            return frozenset(name for note in notes if note.startswith(FAILURE_NOTE)
                             for name in re.findall(r'C\(([a-z_]+)\)', note))
    return frozenset()


def _allows_null(entry):
    return 'null' in json.dumps(entry.get('description', '')).lower()


def _type_problem(key, entry, value):
    kind = entry.get('type')
    if value is None:
        return None if _allows_null(entry) else '%s is null, but its description does not say it can be' % key
    wanted = PYTHON_TYPES.get(kind)
    if wanted is None:
        return None
    if isinstance(value, bool) and bool not in wanted:
        return '%s is documented as %s but is a bool: %r' % (key, kind, value)
    if not isinstance(value, wanted):
        return '%s is documented as %s but is a %s: %.200r' % (key, kind, type(value).__name__, value)
    elements = PYTHON_TYPES.get(entry.get('elements'))
    if kind == 'list' and elements:
        wrong = [item for item in value if not isinstance(item, elements) or
                 (isinstance(item, bool) and bool not in elements)]
        if wrong:
            return '%s is documented as a list of %s but holds %.200r' % (key, entry['elements'], wrong[0])
    return None


def doc_problems(module):
    """What is wrong with a module's RETURN itself: entries without one type."""
    found = []
    for key, entry in documented(module).items():
        if not isinstance(entry, dict) or not entry.get('type'):
            found.append('RETURN of %s: %s has no type' % (module, key))
        elif entry['type'] == 'raw':
            found.append('RETURN of %s: %s is raw; give it one type' % (module, key))
    return found


def problems(module, result, failed=None):
    """What is wrong with one result of ``module`` (a short name or ``platform_ops.admin.<name>``); ``failed`` says
    whether the task failed when the result does not (a callback sees failures without a ``failed`` key)."""
    module = module[len(PREFIX):] if module.startswith(PREFIX) else module
    if not isinstance(result, dict) or result.get('skipped') or 'censored' in result:
        return []
    docs = documented(module)
    found = doc_problems(module)
    failed = bool(result.get('failed')) or bool(failed)
    # A loop's own variables (loop_control's loop_var and index_var) are not return values either.
    loop_keys = {result.get('ansible_loop_var'), result.get('ansible_index_var')}
    for key, value in sorted(result.items()):
        if key in ANSIBLE_KEYS or key.startswith('_ansible') or key in loop_keys:
            continue
        if key not in docs:
            if failed and key in failure_keys():
                continue
            found.append('%s returned %s, which its RETURN does not document' % (module, key))
            continue
        problem = _type_problem(key, docs[key], value)
        if problem:
            found.append('%s: %s' % (module, problem))
    if not failed:
        for key, entry in docs.items():
            if isinstance(entry, dict) and entry.get('returned') == 'always' and key not in result:
                found.append('%s did not return %s, which its RETURN documents as returned always' % (module, key))
    return found


def check(module, result, where='', failed=None):
    """Raise ``AssertionError`` listing the problems of a result."""
    found = problems(module, result, failed=failed)
    if found:
        raise AssertionError('RETURN check%s: %s\nresult: %.3000s' % (
            ' (%s)' % where if where else '', '; '.join(found), json.dumps(result, default=str)))


def read_log(path):
    """The results the callback plugin recorded: ``[{"action", "task", "failed", "result"}]``."""
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def check_log(path):
    """Check every recorded result of a collection module; returns how many were checked."""
    entries = [entry for entry in read_log(path) if entry['action'].startswith(PREFIX)]
    for entry in entries:
        check(entry['action'], entry['result'], where='task %r' % entry['task'], failed=entry['failed'])
    return len(entries)


def callback_env(path):
    """The environment that makes ansible-playbook record its results in ``path``."""
    return {
        'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
        'ANSIBLE_CALLBACKS_ENABLED': CALLBACK,
        RESULT_LOG: str(path),
    }
