# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Let ``ansible-test --venv`` bootstrap pip on a machine that only reaches package indexes.

ansible-test downloads a pip bootstrap script from its own file host and caches it at
``~/.ansible/test/cache/get_pip_<version>.py``. When that file is missing and the host cannot be
reached, this puts ``get_pip_standin.py`` there instead. Machines that already have the file, or that
can download the real one, are left alone.

    python tools/ansible_test_offline.py
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def pip_version():
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source, encoding='utf-8') as handle:
        match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit('cannot find the pip version ansible-test bootstraps in %s' % source)
    return match.group(1)


def reachable(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method='HEAD'), timeout=5):
            return True
    except Exception:  # pylint: disable=broad-except
        return False


def main():
    version = pip_version()
    cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if os.path.exists(cache):
        return 0
    if reachable('https://ci-files.testing.ansible.com/ansible-test/get-pip-%s.py' % version):
        return 0
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    shutil.copyfile(os.path.join(HERE, 'get_pip_standin.py'), cache)
    print('ansible-test cannot download its pip bootstrap script here; using tools/get_pip_standin.py')
    return 0


if __name__ == '__main__':
    sys.exit(main())
