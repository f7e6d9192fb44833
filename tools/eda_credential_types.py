#!/usr/bin/env python
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the Event-Driven Ansible credential types (extensions/eda/credential_types/) from the AWX ones
(extensions/awx/credential_types/): the same inputs and environment injectors, which the event sources read
through the modules' fallbacks; EDA has no ``kind`` and names injected files ``eda.filename.<id>`` where AWX
says ``tower.filename.<id>``. With --check, exit 1 when a file is not what this would write (make test runs
the check through pytest)."""

from __future__ import annotations

import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AWX = os.path.join(ROOT, 'extensions', 'awx', 'credential_types')
EDA = os.path.join(ROOT, 'extensions', 'eda', 'credential_types')
HEADER = ('---\n# Event-Driven Ansible credential type for the platform_ops.admin event sources (and the modules their\n'
          '# rulebooks run). Written by tools/eda_credential_types.py from extensions/awx/credential_types/%s:\n'
          '# edit that file and run the tool again.\n')


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the AWX files (and yamllint) have them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def eda_type(awx_type):
    result = {key: value for key, value in awx_type.items() if key != 'kind'}
    text = yaml.safe_dump(result['injectors'], sort_keys=False)
    result['injectors'] = yaml.safe_load(text.replace('tower.filename.', 'eda.filename.'))
    return result


def rendered():
    files = {}
    for name in sorted(os.listdir(AWX)):
        if name.endswith('.yml'):
            with open(os.path.join(AWX, name), encoding='utf-8') as handle:
                awx_type = yaml.safe_load(handle)
            body = yaml.dump(eda_type(awx_type), Dumper=_Dumper, sort_keys=False, width=110, default_flow_style=False)
            files[name] = HEADER % name + body
    return files


def main(argv):
    check = '--check' in argv
    stale = []
    os.makedirs(EDA, exist_ok=True)
    for name, text in rendered().items():
        path = os.path.join(EDA, name)
        current = open(path, encoding='utf-8').read() if os.path.exists(path) else None
        if current != text:
            stale.append(name)
            if not check:
                with open(path, 'w', encoding='utf-8') as handle:
                    handle.write(text)
    if check and stale:
        print('out of date (run tools/eda_credential_types.py): %s' % ', '.join(stale))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
