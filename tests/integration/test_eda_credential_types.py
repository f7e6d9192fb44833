# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EDA credential types (extensions/eda/credential_types/): what tools/eda_credential_types.py writes from the
AWX ones, and an event source given nothing but what an injector renders (as EDA renders it: every field, files
named by ``eda.filename``) polls the simulator over verified TLS without a secret in its events."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.platform_ops.admin.extensions.eda.plugins.event_source import (
    dcs_sessions,
    ece_stateless_health,
    notebook_deployments,
)
from conftest import ROOT, arcgis, arcgis_server  # pylint: disable=unused-import
from dcs_support import INSTANCE, PROJECT_ID, dcs, dcs_server  # pylint: disable=unused-import
from ece_support import API_KEY, DEPLOYMENT, PASSWORD, USERNAME, ece, ece_server  # pylint: disable=unused-import
from simulators.huawei_dcs import IAM_DOMAIN, IAM_PASSWORD, IAM_USER
from test_awx_credential_types import load as load_type
from test_awx_credential_types import render as render_type

TYPES = os.path.join(ROOT, 'extensions', 'eda', 'credential_types')
VARIABLES = ('ARCGIS_', 'ECE_', 'HUAWEICLOUD_')


def load(name):
    return load_type(name, system='eda')


def render(credential_type, given, tmp_path):
    """The environment EDA gives an activation for a credential of this type with the inputs ``given``."""
    return render_type(credential_type, given, tmp_path, files='eda')


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(VARIABLES):
            monkeypatch.delenv(name)
    return monkeypatch


def first_poll(source):
    """One poll; returns whether the source holds a client afterwards (it does after a poll that worked) and the
    events. The source is stopped."""
    async def run():
        queue = asyncio.Queue()
        await source.poll_once(queue)
        events = []
        while not queue.empty():
            events.append(queue.get_nowait())
        return events
    events = asyncio.run(run())
    connected = source.client is not None
    source.close()
    source.executor.shutdown(wait=True)
    return connected, events


def test_the_eda_types_are_what_the_tool_writes_from_the_awx_types():
    completed = subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'eda_credential_types.py'), '--check'],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    names = sorted(name for name in os.listdir(TYPES) if name.endswith('.yml'))
    assert names == sorted(os.listdir(os.path.join(ROOT, 'extensions', 'awx', 'credential_types')))
    for name in names:
        text = open(os.path.join(TYPES, name), encoding='utf-8').read()
        assert 'tower.' not in text and 'kind:' not in text


def test_ece_credentials_feed_the_source(ece, clean_env, tmp_path):
    ca_cert = open(ece.ca_file, encoding='utf-8').read()
    for name, given in (('ece_api_key', dict(api_key=API_KEY)), ('ece_basic', dict(username=USERNAME, password=PASSWORD))):
        for variable, value in render(load(name), dict(given, url=ece.url, ca_cert=ca_cert), tmp_path).items():
            clean_env.setenv(variable, value)
        source = ece_stateless_health.build(dict(deployment_ids=[DEPLOYMENT], debounce=1, error_threshold=1))
        connected, events = first_poll(source)
        assert connected, (name, events)
        # The simulator's story has one unhealthy Kibana instance.
        assert [(event['type'], event['kind']) for event in events] == [('started', 'kibana')], name
        assert API_KEY not in json.dumps(events) and PASSWORD not in json.dumps(events)


def test_dcs_iam_credential_feeds_the_source(dcs, clean_env, tmp_path):
    dcs.sim.add_instance(INSTANCE, kind='single', sessions=3)
    given = dict(project_id=PROJECT_ID, endpoint=dcs.url, iam_endpoint=dcs.server.root, iam_username=IAM_USER,
                 iam_password=IAM_PASSWORD, domain_name=IAM_DOMAIN, ca_cert=open(dcs.ca_file, encoding='utf-8').read())
    env = render(load('huawei_dcs_iam'), given, tmp_path)
    for variable, value in env.items():
        clean_env.setenv(variable, value)
    source = dcs_sessions.build(dict(instance_ids=[INSTANCE], max_sessions=2, debounce=1, error_threshold=1))
    connected, events = first_poll(source)
    assert connected, events
    assert [(event['type'], event['detail']['sessions']) for event in events] == [('started', 3)]
    assert IAM_PASSWORD not in json.dumps(events)


def test_arcgis_credential_feeds_the_source(arcgis, clean_env, tmp_path):
    arcgis.sim.add_deployment('gis_joe', age_minutes=600)
    password = arcgis.sim.users['admin']['password']
    env = render(load('arcgis'), dict(url=arcgis.url, username='admin', password=password,
                                      ca_cert=open(arcgis.ca_file, encoding='utf-8').read()), tmp_path)
    assert env['ARCGIS_TOKEN'] == ''  # left blank: the source generates its token
    for variable, value in env.items():
        clean_env.setenv(variable, value)
    source = notebook_deployments.build(dict(older_than_minutes=480, owner='gis_joe', debounce=1, error_threshold=1))
    connected, events = first_poll(source)
    assert connected, events
    assert [event['type'] for event in events] == ['started']
    assert password not in json.dumps(events)
