# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo playbook (demo/arcgis.yml with the notebook_user_offboarding role) against the simulator:
check mode writes nothing, the first run offboards, the second run changes nothing."""

from __future__ import annotations

import os

from conftest import ROOT, recap

from arcgis_helpers import TOKEN

PLAYBOOK = os.path.join(ROOT, 'demo', 'arcgis.yml')


def test_demo_check_mode_then_first_run_then_nothing_to_do(ansible, arcgis):
    extra = dict(arcgis.sim.demo_vars(), arcgis_url=arcgis.url, ca_path=arcgis.ca_file)
    running = sorted(arcgis.sim.running('gis_joe'))
    assert len(running) == 2 and 'gis_joe' in arcgis.sim.workspaces  # the demo's starting point

    check = ansible.playbook(PLAYBOOK, extra_vars=extra, check=True, diff=True)
    assert check.rc == 0, check.output
    assert recap(check)['changed'] == 3  # config, deployments, workspace - predicted
    assert [entry['path'] for entry in arcgis.sim.writes()] == ['/arcgis/sharing/rest/generateToken']
    assert sorted(arcgis.sim.running('gis_joe')) == running

    arcgis.sim.clear_log()
    first = ansible.playbook(PLAYBOOK, extra_vars=extra)
    assert first.rc == 0, first.output
    assert recap(first) == {'ok': 13, 'changed': 3, 'failed': 0}  # the role's check and include count as ok
    assert len(arcgis.sim.logged(path=TOKEN)) == 1  # authenticated once for the whole play
    assert arcgis.sim.configuration['idleNotebookThreshold'] == 1440
    assert arcgis.sim.running('gis_joe') == []
    assert 'gis_joe' not in arcgis.sim.workspaces
    assert arcgis.sim.workspaces['gis_ann']['folders'] == {'from_gis_joe': 'gis_joe'}
    assert '2 deployments terminated; workspace moved to gis_ann/from_gis_joe' in first.stdout

    arcgis.sim.clear_log()
    second = ansible.playbook(PLAYBOOK, extra_vars=extra)
    assert second.rc == 0, second.output
    assert recap(second)['changed'] == 0
    assert [entry['path'] for entry in arcgis.sim.writes()] == ['/arcgis/sharing/rest/generateToken']
    for secret in [extra['arcgis_password']] + list(arcgis.sim.tokens):
        assert secret not in first.output + second.output + check.output
