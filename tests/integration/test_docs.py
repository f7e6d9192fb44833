# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's documentation renders through ansible-doc, with examples and return values,
and belongs to the action group of its platform."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from conftest import ROOT, _tool

MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py'))


def runtime_groups():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['action_groups']


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_renders_with_examples_and_returns(module, ansible):
    name = 'platform_ops.admin.' + module
    completed = subprocess.run([_tool('ansible-doc'), '--json', name], env=ansible.env(), capture_output=True,
                               text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    doc = json.loads(completed.stdout)[name]
    assert doc['doc']['short_description']
    assert doc['examples'].strip()
    assert doc['return']
    text = subprocess.run([_tool('ansible-doc'), name], env=ansible.env(), capture_output=True, text=True, check=True)
    assert 'EXAMPLES:' in text.stdout and 'RETURN VALUES:' in text.stdout
    groups = [group for group, members in runtime_groups().items() if module in members]
    assert len(groups) == 1, 'module %s must be in exactly one action group' % module
    membership = doc['doc']['attributes']['action_group']['membership']
    assert membership == ['platform_ops.admin.' + groups[0]]
