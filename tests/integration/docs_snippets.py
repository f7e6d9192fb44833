# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation's snippets, found and made ready to run against the simulators (test_docs_snippets.py runs them).

Where they are: every YAML block of README.md, of each role's README.md and of the pages in docs/, and the EXAMPLES
of every module (``plugins/modules/``), inventory plugin (``plugins/inventory/``) and event source
(``extensions/eda/plugins/event_source/``). What they are: a playbook (a list of plays), a task list (run in a play on
localhost), a rulebook (an event source's EXAMPLES) or an inventory configuration (an inventory plugin's EXAMPLES, or
a block of a page that names a ``plugin``).

Marks a snippet may carry, as YAML comments, with the reason after the colon:

* ``# not-runnable: <reason>`` - the snippet needs something the simulators cannot stand in for; it is counted and
  not run.
* ``# not-idempotent: <reason>`` - on the line before a task (``- name: ...``): that task may report a change on a
  second run too (a restart is an action, not a state). Every other task of a snippet must report none.

``prepared(snippet, facts)`` applies the one map (docs_map.yml) and nothing else: URLs, values and variables.
"""

from __future__ import annotations

import ast
import copy
import glob
import os
import re

import yaml

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(TESTS))
MAP_FILE = os.path.join(TESTS, 'docs_map.yml')

NOT_RUNNABLE = re.compile(r'^\s*#\s*not-runnable:\s*(\S.*?)\s*$', re.M)
NOT_IDEMPOTENT = re.compile(r'^\s*#\s*not-idempotent:\s*(\S.*?)\s*$')
TASK_NAME = re.compile(r'^\s*-\s+name:\s*(.+?)\s*$')
FENCE = re.compile(r'^```(\w*)\s*$')
URL = re.compile(r'https?://[^\s"\'<>]+')


class Snippet:
    """One snippet: where it is (``source``, ``line``), its ``text``, its ``kind`` and its marks."""

    def __init__(self, source, line, text, origin):
        self.source = source
        self.line = line
        self.text = text
        self.origin = origin  # 'readme', 'module', 'inventory' or 'event_source'
        match = NOT_RUNNABLE.search(text)
        self.not_runnable = match.group(1) if match else None
        self.not_idempotent = _not_idempotent(text)
        self.data = yaml.safe_load(text)
        self.kind = _kind(origin, self.data)

    @property
    def id(self):
        return '%s:%d' % (self.source, self.line)

    def __repr__(self):
        return 'Snippet(%s, %s)' % (self.id, self.kind)


def _not_idempotent(text):
    """``{task name: reason}`` of the tasks marked ``# not-idempotent``."""
    marks = {}
    reason = None
    for line in text.splitlines():
        match = NOT_IDEMPOTENT.match(line)
        if match:
            reason = match.group(1)
            continue
        match = TASK_NAME.match(line)
        if match and reason:
            marks[yaml.safe_load(match.group(1))] = reason
            reason = None
    if reason:
        raise ValueError('a not-idempotent mark must stand before the task it is about: %r' % reason)
    return marks


def _kind(origin, data):
    if origin == 'event_source':
        return 'rulebook'
    if origin == 'inventory' or (isinstance(data, dict) and 'plugin' in data):
        return 'inventory'
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all('hosts' in item or 'import_playbook' in item for item in data):
            return 'playbook'
        if not any('hosts' in item for item in data):
            return 'tasks'
    raise ValueError('neither a playbook nor a task list')


def _python_string(path, name):
    """The value of the module-level string ``name`` in a Python file, and its line, or ``(None, 0)``."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) == name:
            return node.value.value, node.lineno
    return None, 0


def _yaml_blocks(path):
    """``(line, text)`` of every ```yaml fenced block of a Markdown file (the line of its first YAML line)."""
    blocks, current, start = [], None, 0
    with open(path, encoding='utf-8') as handle:
        for number, line in enumerate(handle, 1):
            match = FENCE.match(line)
            if current is None and match and match.group(1) in ('yaml', 'yml'):
                current, start = [], number + 1
            elif current is not None and line.startswith('```'):
                blocks.append((start, ''.join(current)))
                current = None
            elif current is not None:
                current.append(line)
    return blocks


def find(root=ROOT):
    """Every snippet of the documentation, in a stable order."""
    snippets = []
    readmes = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'roles', '*', 'README.md'))) + \
        sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
    for path in readmes:
        for line, text in _yaml_blocks(path):
            snippets.append(Snippet(os.path.relpath(path, root), line, text, 'readme'))
    for folder, origin in (('plugins/modules', 'module'), ('plugins/inventory', 'inventory'),
                           ('extensions/eda/plugins/event_source', 'event_source')):
        for path in sorted(glob.glob(os.path.join(root, folder, '*.py'))):
            text, line = _python_string(path, 'EXAMPLES')
            if text is not None and text.strip():
                snippets.append(Snippet(os.path.relpath(path, root), line, text, origin))
    return snippets


def load_map(path=MAP_FILE):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def filled(value, facts):
    """The map's ``value`` with its ``{name}`` placeholders filled in from ``facts`` (recursively)."""
    if isinstance(value, str):
        return value.format(**facts)
    if isinstance(value, dict):
        return {key: filled(item, facts) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, facts) for item in value]
    return value


class Unmapped(ValueError):
    """A snippet names a URL the map does not send to a simulator."""


def substituted(data, urls, values):
    """``data`` with the map's URLs and values put in (strings only); raises ``Unmapped`` for any other URL."""
    if isinstance(data, dict):
        return {key: substituted(item, urls, values) for key, item in data.items()}
    if isinstance(data, list):
        return [substituted(item, urls, values) for item in data]
    if not isinstance(data, str):
        return data
    if data in values:
        return values[data]
    for url, replacement in urls.items():
        if data.startswith(url):
            data = replacement + data[len(url):]
            break
    else:
        found = URL.search(data)
        if found:
            raise Unmapped('%s is not in the map: a snippet must not reach a real service' % found.group(0))
    return data


def prepared(snippet, mapping, facts):
    """The snippet's data with the map applied, and, for a rulebook, the map's pacing given to every source."""
    urls = filled(mapping['urls'], facts)
    values = filled(mapping['values'], facts)
    data = substituted(copy.deepcopy(snippet.data), urls, values)
    if snippet.kind == 'rulebook':
        pacing = filled(mapping['rulebook_pacing'], facts)
        for ruleset in data:
            for source in ruleset.get('sources', ()):
                for name, args in source.items():
                    if name not in ('name', 'filters'):
                        source[name] = dict(args or {}, **pacing)
    return data
