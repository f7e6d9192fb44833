# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test runs it as ``python get_pip.py [pip options] pip==X [--no-setuptools] [--no-wheel]`` in an
empty virtual environment. This bootstraps pip from the standard library (ensurepip) and then installs
the requested pip from the package index, trusting the system CA bundle (ansible-test runs pip with
PIP_CONFIG_FILE=/dev/null, so the machine's pip settings do not apply). The bundled pip lacks
--no-setuptools/--no-wheel, so those are dropped.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
    command = [sys.executable, '-m', 'pip', 'install']
    cafile = os.environ.get('SSL_CERT_FILE') or ssl.get_default_verify_paths().cafile
    for candidate in (cafile, '/etc/ssl/certs/ca-certificates.crt'):
        if candidate and os.path.isfile(candidate):
            command += ['--cert', candidate]
            break
    subprocess.check_call(command + args)


if __name__ == '__main__':
    main()
