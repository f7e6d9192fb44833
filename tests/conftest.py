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


def pytest_configure(config):
    # On Python 3.13, cheroot (the simulators' HTTP server) lets a connection's buffered writer flush into a socket
    # that is already closed when the writer is collected (cheroot issue 734): an error nobody can act on, reported
    # as an unraisable exception in whatever test runs then. Errors raised while a buffered stream is collected
    # (IOBase.__del__) are ignored; any other unraisable exception still shows.
    config.addinivalue_line(
        'filterwarnings',
        r'ignore:Exception ignored in. <function IOBase.__del__:pytest.PytestUnraisableExceptionWarning')


# --- the security and fault suite's record --------------------------------------------------------------------
#
# Each case of the suite calls ``fault.record(...)`` with what it did and what the module answered; the
# record checks the three invariants (no traceback, no write to an unintended endpoint, ``changed`` equal to
# whether the server state changed) and is written to tests/output/fault-matrix.json, from which
# tools/fault_table.py renders the Reliability table of the README.

import glob  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

# Where the fault suite's record goes; the ansible-core matrix runs (`make matrix`) write theirs elsewhere, so
# the README's table stays the one of the main run.
MATRIX = os.environ.get('PLATFORM_OPS_FAULT_MATRIX') or os.path.join(TESTS, 'output', 'fault-matrix.json')
_ROWS = []
_FAILED = set()


class FaultRecord:
    def __init__(self, nodeid):
        self.nodeid = nodeid

    def record(self, item, fault, module, outcome, applied, writes=(), allowed_writes=None, note=''):
        """Check and record one case.

        ``item`` is the hardening item (a key of tools/fault_table.py ITEMS) the case covers; ``outcome`` a
        ``modrun.Outcome``; ``applied``
        whether the server state changed (from the simulator, not from the module); ``writes`` the write
        requests the simulator logged; ``allowed_writes`` a regular expression every written path must match.
        """
        assert outcome.traceback is None, outcome.traceback
        wrong = [entry['method'] + ' ' + entry['path'] for entry in writes
                 if allowed_writes is None or not re.search(allowed_writes, entry['path'])]
        assert not wrong, 'writes to unintended endpoints: %s' % wrong
        assert outcome.changed is bool(applied), 'changed=%s but the server state %s: %r' % (
            outcome.changed, 'changed' if applied else 'did not change', outcome)
        words = ['fails' if outcome.failed else 'ok', 'changed=%s' % str(outcome.changed).lower(),
                 '%d write%s' % (len(writes), '' if len(writes) == 1 else 's')]
        if outcome.warnings:
            words.append('warns')
        if note:
            words.append(note)
        _ROWS.append(dict(item=int(item), fault=fault, module=module, outcome=', '.join(words),
                          message=(outcome.msg or '')[:300], nodeid=self.nodeid, applied=bool(applied),
                          changed=outcome.changed, failed=outcome.failed))


@pytest.fixture
def fault(request):
    return FaultRecord(request.node.nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        _FAILED.add(report.nodeid)


def _worker(session):
    """The pytest-xdist worker id (``gw0``...), or ``None`` in the controlling (or only) process."""
    workerinput = getattr(session.config, 'workerinput', None)
    return workerinput['workerid'] if workerinput else None


def pytest_sessionstart(session):
    if _worker(session) is None:
        for stale in glob.glob(MATRIX + '.part-*'):
            os.remove(stale)


def pytest_sessionfinish(session):
    """Write the record: a worker (pytest -n) leaves its part, the controller merges the parts into ``MATRIX``
    (it alone sees every test's report, so it says which cases passed)."""
    os.makedirs(os.path.dirname(MATRIX), exist_ok=True)
    worker = _worker(session)
    if worker is not None:
        if _ROWS:
            with open('%s.part-%s' % (MATRIX, worker), 'w', encoding='utf-8') as handle:
                json.dump(_ROWS, handle)
        return
    rows = list(_ROWS)
    for part in sorted(glob.glob(MATRIX + '.part-*')):
        with open(part, encoding='utf-8') as handle:
            rows.extend(json.load(handle))
        os.remove(part)
    if not rows:
        return
    for row in rows:
        row['passed'] = row['nodeid'] not in _FAILED
    with open(MATRIX, 'w', encoding='utf-8') as handle:
        json.dump(sorted(rows, key=lambda row: (row['item'], row['module'], row['fault'])), handle, indent=1)
