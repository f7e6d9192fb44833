# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.platform_ops.admin`` and the simulators importable in pytest.

The collection is exposed through a symlink ``tests/output/pytest/ansible_collections/platform_ops/admin``
pointing at the checkout, so unit tests import the code as Ansible does.
"""

from __future__ import annotations

import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
LAYOUT = os.path.join(TESTS, 'output', 'pytest')


def _expose_collection():
    namespace = os.path.join(LAYOUT, 'ansible_collections', 'platform_ops')
    link = os.path.join(namespace, 'admin')
    os.makedirs(namespace, exist_ok=True)
    if not os.path.islink(link):
        os.symlink(ROOT, link)
    for path in (LAYOUT, TESTS):
        if path not in sys.path:
            sys.path.insert(0, path)


_expose_collection()
