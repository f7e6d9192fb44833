# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by the ArcGIS notebook integration tests."""

from __future__ import annotations

TERMINATE = r'/terminateDeployment$'
DEPLOYMENTS = r'/admin/notebooks/deployments$'
WORKSPACES = r'/listUserWorkspaces$'
TOKEN = r'/generateToken$'


def admin_token(arcgis):
    return arcgis.sim.issue_token('admin')


def args(arcgis, token=None, **extra):
    """Module arguments with a given token (one less request to count) and the test CA."""
    return arcgis.args(token=token, **extra)


def creds(arcgis, username='admin', **extra):
    result = dict(url=arcgis.url, username=username, password=arcgis.sim.users[username]['password'],
                  ca_path=arcgis.ca_file)
    result.update(extra)
    return result


def calls(arcgis):
    """(method, path) of every logged request."""
    return [(entry['method'], entry['path']) for entry in arcgis.sim.logged()]


def assert_no_token_in_urls(arcgis):
    for entry in arcgis.sim.logged():
        assert 'token' not in entry['query'], entry
        for token in arcgis.sim.tokens:
            assert token not in entry['path']


def joe_ids(arcgis):
    return sorted(arcgis.sim.running('gis_joe'))
