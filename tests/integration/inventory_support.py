# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the inventory plugin tests: configuration files, ``ansible-inventory`` runs as AWX syncs, and what they
printed (the JSON of ``--list`` without ansible-core 2.19's unsafe markers, the groups of ``--graph``)."""

from __future__ import annotations

import json
import os
import subprocess

import yaml

from conftest import _tool


def write_config(tmp_path, name, config):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding='utf-8')
    return path


def inventory(ansible, sources, *args, env=None, fail_unparsed=True):
    """``ansible-inventory -i <source>... <args>``; with ``fail_unparsed`` a source that fails fails the run, as in an
    AWX inventory sync."""
    extra = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1' if fail_unparsed else '0'}
    extra.update(env or {})
    command = [_tool('ansible-inventory')]
    for source in sources if isinstance(sources, (list, tuple)) else [sources]:
        command += ['-i', str(source)]
    return subprocess.run(command + list(args), env=ansible.env(extra), cwd=str(ansible.workdir), capture_output=True,
                          text=True, timeout=300, check=False)


def plain(value):
    """``value`` without the ``{"__ansible_unsafe": ...}`` wrappers ansible-inventory writes for unsafe strings."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def listed(completed, output=None):
    """``(groups, hostvars)`` of an ``ansible-inventory --list`` run (that wrote to ``output``, if given): group -> set
    of its own hosts, host -> vars."""
    assert completed.returncode == 0, completed.stderr[-3000:]
    if output is not None:
        with open(str(output), encoding='utf-8') as handle:
            data = plain(json.load(handle))
    else:
        data = plain(json.loads(completed.stdout))
    hostvars = data.pop('_meta', {}).get('hostvars', {})
    return {group: set(entry.get('hosts', ())) for group, entry in data.items()}, hostvars


def graph(completed):
    """Group -> set of the hosts ``ansible-inventory --graph`` shows directly under it."""
    assert completed.returncode == 0, completed.stderr[-3000:]
    groups = {'all': set()}
    stack = ['all']
    for line in completed.stdout.splitlines():
        at = line.find('|--')
        if at < 0:
            continue
        depth = at // 3
        name = line[at + 3:]
        if name.startswith('@'):
            group = name[1:].rstrip(':')
            stack = stack[:depth + 1] + [group]
            groups.setdefault(group, set())
        else:
            groups[stack[depth]].add(name)
    return groups


def files_text(directory):
    """Everything written under ``directory`` (the inventory cache), as one text."""
    texts = []
    for root, _dirs, names in os.walk(str(directory)):
        for name in names:
            with open(os.path.join(root, name), encoding='utf-8', errors='replace') as handle:
                texts.append(handle.read())
    return '\n'.join(texts)
