# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and stop the simulators on 127.0.0.1 (used by ``make demo``).

    python -m simulators start --state-dir DIR [--lifetime SECONDS]
    python -m simulators stop --state-dir DIR

``start`` serves every simulator over TLS (a throwaway CA written to DIR/ca.pem), writes
DIR/endpoints.json (URLs, control URLs, the CA path and the demo credentials, usable as
``ansible-playbook -e @DIR/endpoints.json``) and returns once they answer. The servers stop on
``stop``, on SIGTERM, or by themselves after ``--lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

from . import SIMULATORS, simulator_class
from .base import SimServer, LocalCA


def serve(state_dir, lifetime):
    os.makedirs(state_dir, exist_ok=True)
    tls = LocalCA()
    ca_path = tls.write_ca(os.path.join(state_dir, 'ca.pem'))
    endpoints = {'ca_path': ca_path}
    servers = []
    for name in SIMULATORS:
        simulator = simulator_class(name)()
        server = SimServer(simulator, tls=tls).start()
        servers.append(server)
        endpoints['%s_url' % name] = server.url
        endpoints['%s_control_url' % name] = server.root + '/_sim'
        endpoints.update(simulator.demo_vars())
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    path = os.path.join(state_dir, 'endpoints.json')
    with open(path + '.tmp', 'w', encoding='utf-8') as handle:
        json.dump(endpoints, handle, indent=2, sort_keys=True)
    os.replace(path + '.tmp', path)
    done.wait(lifetime)
    for server in servers:
        server.stop()
    for name in ('endpoints.json', 'pid'):
        try:
            os.unlink(os.path.join(state_dir, name))
        except OSError:
            pass


def start(state_dir, lifetime):
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, 'endpoints.json')
    if os.path.exists(path):
        os.unlink(path)
    log = open(os.path.join(state_dir, 'simulators.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, '-m', 'simulators', 'serve', '--state-dir', state_dir, '--lifetime', str(lifetime)],
        stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(state_dir, 'pid'), 'w', encoding='utf-8') as handle:
        handle.write(str(process.pid))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(path):
            print('simulators are up (pid %d): %s' % (process.pid, path))
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    with open(os.path.join(state_dir, 'simulators.log'), encoding='utf-8') as handle:
        sys.stderr.write(handle.read())
    sys.stderr.write('simulators did not start\n')
    return 1


def stop(state_dir):
    try:
        with open(os.path.join(state_dir, 'pid'), encoding='utf-8') as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return 0
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    print('simulators stopped')
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m simulators')
    parser.add_argument('command', choices=('start', 'serve', 'stop'))
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--lifetime', type=float, default=900.0, help='seconds before the servers stop by themselves')
    args = parser.parse_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    if args.command == 'serve':
        serve(state_dir, args.lifetime)
        return 0
    if args.command == 'start':
        return start(state_dir, args.lifetime)
    return stop(state_dir)


if __name__ == '__main__':
    sys.exit(main())
