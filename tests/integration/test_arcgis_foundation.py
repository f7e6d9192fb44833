# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""notebook_config_info end to end: authentication, the one-read promise, vendor errors, retries, secrets."""

from __future__ import annotations

import re

MODULE = 'platform_ops.admin.notebook_config_info'
CONFIG_PATH = '/arcgis/admin/notebooks/configuration'


def creds(arcgis, **extra):
    args = dict(url=arcgis.url, username='admin', password=arcgis.sim.users['admin']['password'],
                ca_path=arcgis.ca_file)
    args.update(extra)
    return args


def with_token(arcgis, token, **extra):
    args = dict(url=arcgis.url, token=token, ca_path=arcgis.ca_file)
    args.update(extra)
    return args


def assert_no_token_in_urls(arcgis):
    tokens = list(arcgis.sim.tokens)
    for entry in arcgis.sim.logged():
        assert 'token' not in entry['query'], entry
        for token in tokens:
            assert token not in entry['path']
            assert all(token not in value for values in entry['query'].values() for value in values)


def test_token_given_makes_exactly_one_configuration_read(ansible, arcgis):
    arcgis.sim.configuration['futureKey'] = {'nested': [1, 2]}
    token = arcgis.sim.issue_token('admin')
    run = ansible.module(MODULE, with_token(arcgis, token))
    assert run.rc == 0, run.output
    assert run.result['changed'] is False
    assert run.result['configuration'] == arcgis.sim.configuration  # exactly as sent, unknown keys kept
    log = arcgis.sim.logged()
    assert [(entry['method'], entry['path']) for entry in log] == [('GET', CONFIG_PATH)]
    assert log[0]['query'] == {'f': ['json']}
    assert log[0]['headers']['x-esri-authorization'] == 'Bearer ' + token
    assert_no_token_in_urls(arcgis)


def test_username_password_generates_a_token_in_the_form_body(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis))
    assert run.rc == 0, run.output
    assert run.result['configuration']['idleNotebookThreshold'] == 720
    token_call, read = arcgis.sim.logged()
    assert (token_call['method'], token_call['path']) == ('POST', '/arcgis/sharing/rest/generateToken')
    assert token_call['query'] == {}
    assert token_call['form']['username'] == ['admin'] and token_call['form']['f'] == ['json']
    assert read['path'] == CONFIG_PATH
    assert_no_token_in_urls(arcgis)


def test_check_mode_reads_the_same(ansible, arcgis):
    run = ansible.module(MODULE, with_token(arcgis, arcgis.sim.issue_token('admin')), check=True)
    assert run.rc == 0 and run.result['changed'] is False
    assert run.result['configuration']['webSocketSize'] == 16


def test_error_inside_http_200_fails_with_the_vendor_message(ansible, arcgis):
    arcgis.sim.add_fault(path=CONFIG_PATH, status=200,
                         body={'error': {'code': 500, 'message': 'Unable to read the notebook server configuration.',
                                         'details': ['Notebook server is not ready.']}})
    run = ansible.module(MODULE, with_token(arcgis, arcgis.sim.issue_token('admin')))
    assert run.result['failed'] is True
    assert run.result['msg'] == (
        'Reading the notebook configuration failed: GET %s/admin/notebooks/configuration?f=json answered HTTP 200 '
        'with error 500: Unable to read the notebook server configuration (Notebook server is not ready).' % arcgis.url)
    assert run.result['error_code'] == 500 and run.result['http_status'] == 200
    assert 'Traceback' not in run.output


def test_503_then_200_succeeds_after_one_retry(ansible, arcgis):
    arcgis.sim.add_fault(path=CONFIG_PATH, status=503, body='Service Unavailable', count=1)
    run = ansible.module(MODULE, with_token(arcgis, arcgis.sim.issue_token('admin')))
    assert run.rc == 0, run.output
    assert run.result['configuration']['webSocketSize'] == 16
    assert len(arcgis.sim.logged(path=CONFIG_PATH)) == 2


def test_non_json_502_page_fails_readably(ansible, arcgis):
    page = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>'
    arcgis.sim.add_fault(path=CONFIG_PATH, status=502, body=page, headers={'Content-Type': 'text/html'}, count=-1)
    run = ansible.module(MODULE, with_token(arcgis, arcgis.sim.issue_token('admin'), retries=1))
    assert run.result['failed'] is True
    assert run.result['msg'] == (
        "Reading the notebook configuration failed: GET %s/admin/notebooks/configuration?f=json answered HTTP 502 "
        "Bad Gateway (non-JSON body (text/html): '%s') after 1 retry." % (arcgis.url, page))
    assert len(arcgis.sim.logged(path=CONFIG_PATH)) == 2
    assert 'Traceback' not in run.output


def test_expired_generated_token_is_replaced_once(ansible, arcgis):
    arcgis.sim.add_fault(path=CONFIG_PATH, status=200, body={'error': {'code': 498, 'message': 'Invalid token.'}})
    run = ansible.module(MODULE, creds(arcgis))
    assert run.rc == 0, run.output
    assert len(arcgis.sim.logged(path='generateToken')) == 2
    assert len(arcgis.sim.logged(path=CONFIG_PATH)) == 2


def test_generated_token_rejected_twice_fails_without_looping(ansible, arcgis):
    arcgis.sim.add_fault(path=CONFIG_PATH, status=200, body={'error': {'code': 498, 'message': 'Invalid token.'}}, count=-1)
    run = ansible.module(MODULE, creds(arcgis))
    assert run.result['failed'] is True
    assert 'rejected twice' in run.result['msg']
    assert len(arcgis.sim.logged(path=CONFIG_PATH)) == 2


def test_expired_user_token_says_so(ansible, arcgis):
    token = arcgis.sim.issue_token('admin')
    arcgis.sim.expire_token(token)
    run = ansible.module(MODULE, with_token(arcgis, token))
    assert run.result['failed'] is True
    assert 'error 498: Invalid token' in run.result['msg']
    assert 'invalid or has expired' in run.result['msg']
    assert len(arcgis.sim.logged()) == 1  # a given token is never silently replaced


def test_http_498_status_is_understood_too(ansible, arcgis):
    arcgis.sim.token_error_status = 498
    token = arcgis.sim.issue_token('admin')
    arcgis.sim.expire_token(token)
    run = ansible.module(MODULE, with_token(arcgis, token))
    assert run.result['failed'] is True
    assert 'answered HTTP 498' in run.result['msg'] and 'invalid or has expired' in run.result['msg']


def test_non_admin_gets_a_permission_error_naming_the_privilege(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, username='gis_joe', password=arcgis.sim.users['gis_joe']['password']))
    assert run.result['failed'] is True
    assert 'error 403' in run.result['msg']
    assert 'permission denied: this needs the "Servers" or "Security and infrastructure"' in run.result['msg']


def test_wrong_password_names_the_token_service_error(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, password='wrong-password-9'))
    assert run.result['failed'] is True
    assert run.result['msg'].startswith('Generating a token for admin failed: POST %s/sharing/rest/generateToken '
                                        'answered HTTP 200 with error 400: Unable to generate token' % arcgis.url)
    assert 'wrong-password-9' not in run.output


def test_referer_token_sends_the_referer(ansible, arcgis):
    run = ansible.module(MODULE, creds(arcgis, referer='https://ops.example.com'))
    assert run.rc == 0, run.output
    token_call, read = arcgis.sim.logged()
    assert token_call['form']['client'] == ['referer']
    assert read['headers']['referer'] == 'https://ops.example.com'


def test_bad_input_fails_before_any_request(ansible, arcgis):
    for args, message in (
        (dict(url='gis.example.com/arcgis', token='not-a-real-token-1'), 'url must be a URL such as https://gis.example.com/arcgis'),
        (dict(url=arcgis.url), 'Give either token'),
        (dict(url=arcgis.url, token='not-a-real-token-1', timeout=0), 'timeout must be greater than 0'),
    ):
        run = ansible.module(MODULE, args)
        assert run.result['failed'] is True, args
        assert message in run.result['msg'], run.result['msg']
    assert arcgis.sim.logged() == []


def test_a_token_wins_over_credentials_from_the_environment(ansible, arcgis):
    # Credentials exported for arcgis_token and a token passed on to later tasks: both are available.
    token = arcgis.sim.issue_token('admin')
    run = ansible.module(MODULE, dict(url=arcgis.url, token=token, ca_path=arcgis.ca_file),
                         env={'ARCGIS_USERNAME': 'admin', 'ARCGIS_PASSWORD': 'not-the-password-9'})
    assert run.rc == 0, run.output
    (read,) = arcgis.sim.logged()  # no token generated: the given one is used
    assert read['headers']['x-esri-authorization'] == 'Bearer %s' % token


def test_environment_fallbacks(ansible, arcgis):
    token = arcgis.sim.issue_token('admin')
    run = ansible.module(MODULE, dict(ca_path=arcgis.ca_file), env={'ARCGIS_URL': arcgis.url, 'ARCGIS_TOKEN': token})
    assert run.rc == 0, run.output
    assert len(arcgis.sim.logged()) == 1


def test_tls_is_verified_by_default(ansible, arcgis):
    run = ansible.module(MODULE, dict(url=arcgis.url, token='not-a-real-token-1', retries=0))
    assert run.result['failed'] is True
    assert 'TLS verification failed' in run.result['msg'] and 'ca_path' in run.result['msg']


def test_secrets_appear_in_no_output_at_vvvv(ansible, arcgis):
    password = arcgis.sim.users['admin']['password']
    ok = ansible.module(MODULE, creds(arcgis), verbosity=4)
    assert ok.rc == 0, ok.output
    # A failing run at -vvvv too: the error path must not leak either.
    arcgis.sim.add_fault(path=CONFIG_PATH, status=200, body={'error': {'code': 500, 'message': 'boom'}})
    failed = ansible.module(MODULE, creds(arcgis), verbosity=4)
    assert failed.result['failed'] is True
    generated = list(arcgis.sim.tokens)
    assert len(generated) == 2
    for run in (ok, failed):
        text = run.output + repr(run.result)
        assert password not in text
        for token in generated:
            assert token not in text
        assert re.search(r'TASK \[Module under test\]', run.stdout)
    assert_no_token_in_urls(arcgis)


def test_plain_http_url_warns_that_secrets_travel_unencrypted(ansible):
    from simulators.arcgis import ArcGISSimulator
    from simulators.base import SimServer
    with SimServer(ArcGISSimulator()) as server:  # no TLS
        password = server.simulator.users['admin']['password']
        run = ansible.module(MODULE, dict(url=server.url, username='admin', password=password))
    assert run.rc == 0, run.output
    assert 'url uses plain http: the network carries the password and the generated token (the token service is ' \
        'documented as HTTPS only) unencrypted' in ' '.join(run.output.split())
    assert password not in run.output
