# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugins' documentation renders through ansible-doc, with their own options, the shared connection
options (the modules' fragments), constructed's and the inventory cache's, and examples."""

from __future__ import annotations

import json
import subprocess

from conftest import _tool

PLUGINS = {
    'platform_ops.admin.dcs_instances': ('projects', 'statuses', 'skip_failed_projects', 'access_key', 'region'),
    'platform_ops.admin.ece_deployments': ('listing', 'query', 'kinds', 'api_key', 'url'),
}


def test_ansible_doc_renders_both_inventory_plugins(ansible):
    completed = subprocess.run([_tool('ansible-doc'), '-t', 'inventory', '--json'] + sorted(PLUGINS),
                               env=ansible.env(), capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    docs = json.loads(completed.stdout)
    for name, own in PLUGINS.items():
        doc = docs[name]['doc']
        assert doc['short_description'] and doc['version_added'] == '2.0.0' and docs[name]['examples'].strip()
        options = doc['options']
        for option in own + ('compose', 'keyed_groups', 'strict', 'cache', 'cache_plugin', 'validate_certs', 'ca_path',
                             'timeout', 'retries', 'hostnames', 'page_size'):
            assert option in options, (name, option)
        assert options['plugin']['choices'] == [name] and options['plugin']['required'] is True
        # Required by the modules, but the environment (or projects) may give them here.
        assert not options.get('project_id', {}).get('required') and not options.get('url', {}).get('required')
    text = subprocess.run([_tool('ansible-doc'), '-t', 'inventory', 'platform_ops.admin.dcs_instances'],
                          env=ansible.env(), capture_output=True, text=True, check=True).stdout
    assert 'EXAMPLES:' in text and 'skip_failed_projects' in text
