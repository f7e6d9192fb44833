# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures and helpers of the ECE tests (imported by the ECE test modules).

Every test that uses the ``ece`` fixture has its simulator log checked against the vendor's spec
when the test ends (and whenever the test clears the log): each request the modules sent and each
answer the simulator gave. The totals
are written to ``tests/output/ece-spec-report.json`` when the session ends.
"""

from __future__ import annotations

import contextlib
import json
import os

import pytest

from conftest import Served, simulator_fixtures
from ece_spec import ROOT, SpecChecker, load_spec, missing_reason, spec_path
from simulators.ece import DEMO_API_KEY, DEMO_DEPLOYMENT, DEMO_PASSWORD, DEMO_USERNAME, ECESimulator

STATELESS = 'platform_ops.admin.ece_stateless_resource'
INFO = 'platform_ops.admin.ece_stateless_resource_info'
DEPLOYMENT = DEMO_DEPLOYMENT
API_KEY = DEMO_API_KEY
USERNAME = DEMO_USERNAME
PASSWORD = DEMO_PASSWORD
# Short plans keep the suite fast; the demo uses the simulator's defaults.
FAST = dict(plan_duration=0.4, instance_delay=0.15, plan_appear_delay=0.0)

_SPEC = {}


def spec_checker():
    """One checker for the session (``None`` without the spec file, which fails the test when CI is set:
    there, no ECE test may pass without its log checked)."""
    if 'checker' not in _SPEC:
        spec = load_spec()
        _SPEC['checker'] = SpecChecker(spec) if spec is not None else None
    if _SPEC['checker'] is None and os.environ.get('CI'):
        pytest.fail('CI is set and %s' % missing_reason())
    return _SPEC['checker']


def succeeded(run):
    """Whether the module task succeeded. ``run.rc`` alone does not say so: the test play runs the task with
    ignore_errors, so the playbook exits 0 when the task failed."""
    return run.rc == 0 and run.result is not None and not run.result.get('failed')


class ServedECE(Served):
    def args(self, **extra):
        """Module arguments: connection with the API key, the test CA, the demo deployment."""
        args = dict(url=self.url, api_key=API_KEY, ca_path=self.ca_file, deployment_id=DEPLOYMENT)
        args.update(extra)
        return args

    def resource(self, kind, ref_id=None, deployment_id=DEPLOYMENT):
        ref_id = ref_id or 'main-' + kind
        with self.sim.lock:
            return self.sim.resource_info(deployment_id, kind, self.sim.resource(deployment_id, kind, ref_id),
                                          logs=True)

    def writes(self):
        return [(entry['method'], entry['path'].split('/', 5)[-1]) for entry in self.sim.writes()]

    def set_instances(self, kind, deployment_id=DEPLOYMENT, **fields):
        """Set ``fields`` (``healthy``, ``maintenance``, ``running``) on every instance of the main resource of
        ``kind`` (the simulator's ``set_instances``); returns the instances."""
        with self.sim.lock:
            self.sim.set_instances(deployment_id, kind, 'main-' + kind, **fields)
            return [dict(instance) for instance in self.sim.resource(deployment_id, kind, 'main-' + kind)['instances']]


def _spec_report(_server):
    """What the spec checks covered, in tests/output/ece-spec-report.json (one file per pytest-xdist worker)."""
    checker = spec_checker()
    if checker is not None:
        report = dict(spec=spec_path(), requests_checked=checker.requests_checked,
                      bodies_checked=checker.bodies_checked, operations=sorted(checker.operations_seen))
        worker = os.environ.get('PYTEST_XDIST_WORKER')
        name = 'ece-spec-report%s.json' % ('-' + worker if worker else '')
        os.makedirs(os.path.join(ROOT, 'tests', 'output'), exist_ok=True)
        with open(os.path.join(ROOT, 'tests', 'output', name), 'w', encoding='utf-8') as handle:
            json.dump(report, handle, indent=2)


@contextlib.contextmanager
def _short_plans_and_spec_checked(served):
    """Short plans; the test's whole log is checked against the spec afterwards."""
    sim = served.sim
    sim.configure(**FAST)
    checker = spec_checker()
    plain_clear_log = sim.clear_log
    plain_reset = sim.reset

    def check_then_clear():
        # Tests clear the log between runs: what was logged is checked first, so nothing escapes.
        if checker is not None:
            checker.check_log(sim.logged())
        plain_clear_log()

    def check_then_reset():
        if checker is not None:
            checker.check_log(sim.logged())
        plain_reset()

    sim.clear_log = check_then_clear
    sim.reset = check_then_reset
    try:
        yield
        if checker is not None:
            checker.check_log(sim.logged())
    finally:
        del sim.clear_log
        del sim.reset


ece_server, ece = simulator_fixtures('ece', ECESimulator, ServedECE, around=_short_plans_and_spec_checked,
                                     after=_spec_report)
