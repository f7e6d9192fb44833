#!/usr/bin/env python
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the awx.awx collection into a collections path, from the community ``ansible`` wheel on PyPI
(requirements/awx.txt pins it): Galaxy is out of reach here, PyPI is not. Only ansible_collections/awx/awx is
extracted. Usage: fetch_awx_collection.py DEST (DEST/ansible_collections/awx/awx is created)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = 'ansible_collections/awx/awx/'


def fetch(dest):
    with tempfile.TemporaryDirectory(prefix='awx-wheel-') as wheels:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--disable-pip-version-check', '-q', '--no-deps',
                        '-r', os.path.join(ROOT, 'requirements', 'awx.txt'), '-d', wheels], check=True)
        wheel = glob.glob(os.path.join(wheels, 'ansible-*.whl'))[0]
        target = os.path.join(dest, 'ansible_collections', 'awx', 'awx')
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(wheel) as archive:
            members = [name for name in archive.namelist() if name.startswith(PREFIX)]
            archive.extractall(dest, members)
    if not os.path.exists(os.path.join(target, 'MANIFEST.json')):
        raise SystemExit('fetch_awx_collection: no awx.awx collection in %s' % os.path.basename(wheel))
    return target


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(fetch(sys.argv[1]))
