# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""arcgis_token: one token for a whole play through module_defaults; the password never shows."""

from __future__ import annotations

import json

from arcgis_helpers import DEPLOYMENTS, TOKEN, assert_no_token_in_urls, creds

MODULE = 'platform_ops.admin.arcgis_token'


def test_returns_a_usable_token_and_its_expiry(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, expiration=30))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    token = run.result['token']
    assert token in arcgis.sim.tokens  # returned as issued, not masked
    assert run.result['expires'] == arcgis.sim.tokens[token]['expires']
    assert run.result['expires_at'].endswith('Z')
    (call,) = arcgis.sim.logged()
    assert call['path'].endswith('/sharing/rest/generateToken') and call['query'] == {}
    assert call['form']['expiration'] == ['30'] and call['form']['client'] == ['requestip']


def test_referer_tokens(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, referer='https://ops.example.com'))
    assert run.rc == 0, run.output
    assert run.result['referer'] == 'https://ops.example.com'
    assert arcgis.sim.tokens[run.result['token']]['referer'] == 'https://ops.example.com'


def test_bad_input_fails_before_any_request(ansible, arcgis):
    for extra, message in (
        (dict(url=arcgis.url, token='given-token-123'), 'a token cannot be used to generate one'),
        (dict(url=arcgis.url, username='admin'), 'give both'),
        (dict(creds(arcgis), expiration=0), 'expiration must be at least 1 minute'),
    ):
        run = ansible.module(MODULE, extra)
        assert run.result['failed'] is True, extra
        assert message in run.result['msg'], run.result['msg']
    assert arcgis.sim.logged() == []


def test_wrong_password_fails_readably_and_never_shows_it(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, password='not-the-password-7'), verbosity=4)
    assert run.result['failed'] is True
    assert 'Generating a token for admin failed' in run.result['msg']
    assert 'not-the-password-7' not in run.output + json.dumps(run.result)


def test_one_token_for_the_whole_play_through_module_defaults(ansible, arcgis, tmp_path):
    password = arcgis.sim.users['admin']['password']
    play = [{
        'name': 'Authenticate once, use the token everywhere',
        'hosts': 'localhost',
        'gather_facts': False,
        'module_defaults': {'group/platform_ops.admin.arcgis': {'url': arcgis.url, 'ca_path': arcgis.ca_file}},
        'tasks': [
            {'name': 'Authenticate once', 'platform_ops.admin.arcgis_token': {'username': 'admin', 'password': password},
             'register': 'arcgis_login', 'no_log': True},
            {'name': 'With the token', 'module_defaults': {
                'group/platform_ops.admin.arcgis': {'url': arcgis.url, 'ca_path': arcgis.ca_file,
                                                    'token': '{{ arcgis_login.token }}'}},
             'block': [
                 {'name': 'Read the configuration', 'platform_ops.admin.notebook_config_info': {}},
                 {'name': 'List deployments', 'platform_ops.admin.notebook_deployment_info': {'owner': 'gis_joe'},
                  'register': 'joe'},
                 {'name': 'Terminate them', 'platform_ops.admin.notebook_deployment': {'owner': 'gis_joe'}},
                 {'name': 'Raise the idle threshold',
                  'platform_ops.admin.notebook_config': {'settings': {'idleNotebookThreshold': 1440}}},
                 {'name': 'Transfer the workspace', 'platform_ops.admin.notebook_workspace': {
                     'owner': 'gis_joe', 'state': 'transferred', 'target_owner': 'gis_ann'}},
            ]},
        ],
    }]
    path = tmp_path / 'token-play.yml'
    path.write_text(json.dumps(play), encoding='utf-8')
    run = ansible.playbook(path, verbosity=4)
    assert run.rc == 0, run.output
    assert len(arcgis.sim.logged(path=TOKEN)) == 1  # generated once for six tasks
    (token,) = list(arcgis.sim.tokens)
    for entry in arcgis.sim.logged()[1:]:
        sent = entry['form'].get('token', [None])[0] or entry['headers'].get('x-esri-authorization', '')[7:]
        assert sent == token, entry['path']
    assert len(arcgis.sim.logged(method='GET', path=DEPLOYMENTS)) == 3
    assert password not in run.output
    assert token not in run.output  # no_log on the token task, and every module masks a given token
    assert_no_token_in_urls(arcgis)


def test_credentials_in_the_environment_and_a_token_for_a_block(ansible, arcgis, tmp_path):
    """Credentials exported as ARCGIS_USERNAME/ARCGIS_PASSWORD (the documented fallback) for arcgis_token, then its
    token in module_defaults: the later tasks see both credentials and a token, and use the token. arcgis_token
    itself ignores a stale token left in ARCGIS_TOKEN."""
    defaults = {'url': arcgis.url, 'ca_path': arcgis.ca_file}
    play = [{
        'name': 'Credentials from the environment, a token for the block',
        'hosts': 'localhost',
        'gather_facts': False,
        'module_defaults': {'group/platform_ops.admin.arcgis': defaults},
        'tasks': [
            {'name': 'Authenticate once', 'platform_ops.admin.arcgis_token': {},
             'register': 'arcgis_login', 'no_log': True},
            {'name': 'With the token', 'module_defaults': {
                'group/platform_ops.admin.arcgis': dict(defaults, token='{{ arcgis_login.token }}')},
             'block': [
                 {'name': 'Read the configuration', 'platform_ops.admin.notebook_config_info': {}},
                 {'name': 'Terminate', 'platform_ops.admin.notebook_deployment': {'owner': 'gis_joe'}},
            ]},
        ],
    }]
    path = tmp_path / 'env-credentials.yml'
    path.write_text(json.dumps(play), encoding='utf-8')
    env = {'ARCGIS_USERNAME': 'admin', 'ARCGIS_PASSWORD': arcgis.sim.users['admin']['password'],
           'ARCGIS_TOKEN': 'stale-token-from-yesterday'}
    run = ansible.playbook(path, env=env)
    assert run.rc == 0, run.output
    assert len(arcgis.sim.logged(path=TOKEN)) == 1  # generated once, by arcgis_token
    (token,) = list(arcgis.sim.tokens)
    for entry in arcgis.sim.logged()[1:]:
        sent = entry['form'].get('token', [None])[0] or entry['headers'].get('x-esri-authorization', '')[7:]
        assert sent == token, entry['path']
    assert arcgis.sim.running('gis_joe') == []
