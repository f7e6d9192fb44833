# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the home directory one ``ansible-test sanity`` run works in.

ansible-test builds the virtual environments of its sanity tests under ``~/.ansible/test``, shared by every
run of the user, and two runs that build the same one at once break it. Each sanity copy of the collection
therefore runs with a home of its own (``make sanity`` passes it as ``HOME``), kept from one run to the next.
pip there must still read what the user's own pip configuration says (an index, a proxy's certificate) and
use the user's download cache, so nothing is fetched twice: this writes ``HOME/.config/pip/pip.conf`` with the
settings of the user's pip configuration file and ``PIP_*`` environment variables, and the user's cache directory.

    python tools/sanity_home.py HOME
"""
from __future__ import annotations

import ast
import configparser
import os
import subprocess
import sys


def pip(*args):
    """The output of ``python -m pip ARGS``, or None when pip fails (a cache turned off, say)."""
    result = subprocess.run([sys.executable, '-m', 'pip', *args], capture_output=True, text=True, check=False)
    return result.stdout if result.returncode == 0 else None


def user_settings():
    """The user's pip settings as {section: {name: value}} (``pip config --user list``): the user's file, and the
    PIP_* environment variables as global settings (ansible-test runs pip without them)."""
    settings = {}
    for line in (pip('config', '--user', 'list') or '').splitlines():
        key, sep, value = line.partition('=')
        section, dot, name = key.partition('.')
        if sep and dot:
            value = value.strip()
            if value[:1] in ('"', "'"):
                value = ast.literal_eval(value)
            settings.setdefault('global' if section == ':env:' else section, {}).setdefault(name, value)
    return settings


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: sanity_home.py HOME')
    home = argv[1]
    settings = user_settings()
    cache = (pip('cache', 'dir') or '').strip()
    if cache and 'cache-dir' not in settings.get('global', {}):
        settings.setdefault('global', {})['cache-dir'] = cache
    config = configparser.ConfigParser(interpolation=None)
    config.read_dict(settings)
    target = os.path.join(home, '.config', 'pip', 'pip.conf')
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, 'w', encoding='utf-8') as handle:
        config.write(handle)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
