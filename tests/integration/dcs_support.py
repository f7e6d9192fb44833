# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures and helpers of the DCS tests (imported by the DCS test modules)."""

from __future__ import annotations

import contextlib

from conftest import Served, simulator_fixtures
from simulators.huawei_dcs import (  # pylint: disable=unused-import
    DEMO_ACCESS_KEY,
    DEMO_SECRET_KEY,
    IAM_DOMAIN,
    IAM_PASSWORD,
    IAM_USER,
    PROJECT_ID,
    TEMP_ACCESS_KEY,
    TEMP_SECRET_KEY,
    TEMP_SECURITY_TOKEN,
    HuaweiDCSSimulator,
)

SESSIONS = 'platform_ops.admin.dcs_sessions'
INFO = 'platform_ops.admin.dcs_sessions_info'
INSTANCE = 'a1b2c3d4-0000-4000-8000-000000000001'


class DCS(Served):
    def args(self, **extra):
        args = dict(endpoint=self.url, project_id=PROJECT_ID, access_key=DEMO_ACCESS_KEY, secret_key=DEMO_SECRET_KEY,
                    ca_path=self.ca_file, instance_id=INSTANCE)
        args.update(extra)
        return args

    def node(self, instance_id=INSTANCE, index=0):
        return self.sim.session_node_ids(instance_id)[index]

    def paths(self, method=None, path=None):
        return [entry['path'] for entry in self.sim.logged(method=method, path=path)]

    def kills(self):
        return self.sim.logged(method='POST', path=r'/clients/kill')


@contextlib.contextmanager
def _short_jobs(served):
    served.sim.job_duration = 0.6
    served.sim.scan_duration = 0.2
    yield


dcs_server, dcs = simulator_fixtures('dcs', HuaweiDCSSimulator, DCS, scope='module', around=_short_jobs)


# A second region: its own simulator (endpoint), for fleets over several projects and regions.
region_b_server, region_b = simulator_fixtures('region_b', HuaweiDCSSimulator, DCS, scope='module',
                                               around=_short_jobs)
# Projects of fleets: one in the first region (``dcs``), one in the second (``region_b``).
EAST = '4b1e2c0d9f8a4e7b8c6d5e4f3a2b1c0d'
NORTH = '7c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f'
