# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The frame every module runs in (``_module.PlatformModule``): option specs merged, the client always closed,
an ``ApiError`` or a ``Refusal`` turned into one ``fail_json`` with the partial result, ``changed``/``diff``
owned by ``report``; the check-mode guard the frame hands to the HTTP client; and the one rule for credentials of
every vendor (the task's win, the environment is a fallback)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils._module import Connection, PlatformModule, Refusal
from ansible_collections.platform_ops.admin.plugins.module_utils._module import common_argument_spec, http_from_module
from ansible_collections.platform_ops.admin.plugins.module_utils._module import resolve_credentials
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import ARCGIS_CREDENTIALS, ARCGIS_PASSWORD_WAY
from ansible_collections.platform_ops.admin.plugins.module_utils.ece import ECE_CREDENTIALS
from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_dcs import DCS_CREDENTIALS
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import (
    ACCEPTED,
    REFUSED,
    UNCLEAR,
    ApiError,
    CheckModeWrite,
)
from modrun import _module_args, _reset_warnings, _text  # pylint: disable=protected-access


class FakeClient:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


def connection(clients):
    def connect(module, **options):
        client = FakeClient()
        client.options = options
        clients.append(client)
        return client
    spec = dict(common_argument_spec('TEST_'), token=dict(type='str', no_log=True))
    return Connection(lambda: dict(spec), connect)


def run(body, args=None, check=False, diff=False, **module_options):
    """Run ``body(module)`` as a module's main would; returns (result, clients)."""
    clients = []
    full = dict(args or {}, _ansible_check_mode=check, _ansible_diff=diff)
    out = io.StringIO()
    _reset_warnings()
    with _module_args(full), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit):
            module = PlatformModule(connection(clients), **module_options)
            body(module)
    return json.loads(out.getvalue().strip().splitlines()[-1]), clients


def test_done_returns_the_result_and_the_client_is_closed():
    def body(module):
        with module.connect() as client:
            module.result['seen'] = client.options
        module.done(extra=1)
    result, clients = run(body, initial=dict(items=[]))
    assert result['changed'] is False and result['extra'] == 1 and result['items'] == [] and result['seen'] == {}
    assert clients[0].closed


def test_api_error_fails_once_with_the_partial_result_and_closes():
    def body(module):
        with module.connect(pool_maxsize=3) as client:
            module.result['killed'] = ['10.0.0.1:1']
            module.mark_changed()
            assert client.options == dict(pool_maxsize=3)
            raise ApiError('Killing sessions', method='POST', url='https://x/kill', status=500, code='DCS.5000',
                           vendor_message='boom')
    result, clients = run(body)
    assert result['failed'] is True and result['changed'] is True and result['killed'] == ['10.0.0.1:1']
    assert result['msg'].startswith('Killing sessions failed: POST https://x/kill') and 'DCS.5000' in result['msg']
    assert result['http_status'] == 500 and clients[0].closed


def test_refusal_from_a_planner_fails_with_its_details():
    def body(module):
        with module.connect():
            raise Refusal('two kibana resources; set ref_id', ref_ids=['a', 'b'])
    result, clients = run(body)
    assert result['failed'] and result['msg'] == 'two kibana resources; set ref_id' and result['ref_ids'] == ['a', 'b']
    assert result['changed'] is False and clients[0].closed


def test_require_fails_before_connecting():
    def body(module):
        module.require('timeout must be greater than 0')
        with module.connect():
            pass
    result, clients = run(body)
    assert result['failed'] and result['msg'] == 'timeout must be greater than 0' and clients == []


@pytest.mark.parametrize('diff', [False, True])
def test_report_sets_changed_and_the_diff_only_in_diff_mode(diff):
    def body(module):
        module.report(dict(a=1), dict(a=2))
        module.report(dict(b=1), dict(b=1))  # a later unchanged part does not undo the change
        module.done()
    result, _clients = run(body, diff=diff)
    assert result['changed'] is True
    assert ('diff' in result) is diff


def test_secret_options_never_come_back():
    def body(module):
        module.done(echoed=module.params['token'])
    result, _clients = run(body, args=dict(token='s3cr3t-t0ken'))
    assert 's3cr3t-t0ken' not in json.dumps(result)


@pytest.mark.parametrize('check', [False, True])
def test_the_client_the_frame_builds_refuses_writes_in_check_mode(check):
    built = []

    def body(module):
        http = http_from_module(module, 'https://127.0.0.1:9')
        built.append(http)
        try:
            http.request('POST', ('x',), 'Restarting x')
        except CheckModeWrite as error:
            module.done(refused=str(error))
        except ApiError:
            module.done(refused=None)  # sent, and nobody listens on port 9
    result, _clients = run(body, args=dict(retries=0, timeout=2), check=check)
    assert built[0].check_mode is check
    assert (result['refused'] is not None) is check


# --- credentials: the task's win, the environment is a fallback (one rule for every vendor) --------------------

ECE_OPTIONS = ('api_key', 'username', 'password')
DCS_OPTIONS = ('access_key', 'secret_key', 'security_token', 'iam_username', 'iam_password', 'domain_name')
ARCGIS_OPTIONS = ('token', 'username', 'password')


def resolved(ways, options, params, environ):
    full = dict.fromkeys(options)
    full.update(params)
    taken = resolve_credentials(full, ways, environ)
    return tuple(full[option] for option in options), taken


@pytest.mark.parametrize('params,environ,expected', [
    # The task's way wins; the environment fills in only that way's missing parts.
    (dict(username='u', password='p'), dict(ECE_API_KEY='k'), (None, 'u', 'p')),
    (dict(username='u'), dict(ECE_API_KEY='k', ECE_PASSWORD='p'), (None, 'u', 'p')),
    (dict(api_key='k'), dict(ECE_USERNAME='u', ECE_PASSWORD='p'), ('k', None, None)),
    (dict(), dict(ECE_API_KEY='k', ECE_USERNAME='u', ECE_PASSWORD='p'), ('k', None, None)),
    (dict(), dict(ECE_USERNAME='u', ECE_PASSWORD='p'), (None, 'u', 'p')),
    (dict(), dict(ECE_API_KEY='', ECE_USERNAME='u', ECE_PASSWORD='p'), (None, 'u', 'p')),
    (dict(), dict(), (None, None, None)),
])
def test_ece_credentials_task_first_then_environment(params, environ, expected):
    assert resolved(ECE_CREDENTIALS, ECE_OPTIONS, params, environ)[0] == expected


@pytest.mark.parametrize('params,environ,expected', [
    # The case: an IAM task while the keys of another example are exported.
    (dict(iam_username='u', iam_password='p', domain_name='d'), dict(HUAWEICLOUD_SDK_AK='AK', HUAWEICLOUD_SDK_SK='SK'),
     (None, None, None, 'u', 'p', 'd')),
    (dict(access_key='AK2', secret_key='SK2'), dict(HUAWEICLOUD_IAM_USERNAME='u', HUAWEICLOUD_IAM_PASSWORD='p',
                                                    HUAWEICLOUD_IAM_DOMAIN_NAME='d'),
     ('AK2', 'SK2', None, None, None, None)),
    # The environment's security token goes only with the environment's access key.
    (dict(access_key='AK2', secret_key='SK2'), dict(HUAWEICLOUD_SDK_AK='AK', HUAWEICLOUD_SDK_SK='SK',
                                                    HUAWEICLOUD_SDK_SECURITY_TOKEN='ST'),
     ('AK2', 'SK2', None, None, None, None)),
    (dict(), dict(HUAWEICLOUD_SDK_AK='AK', HUAWEICLOUD_SDK_SK='SK', HUAWEICLOUD_SDK_SECURITY_TOKEN='ST'),
     ('AK', 'SK', 'ST', None, None, None)),
    (dict(iam_password='p'), dict(HUAWEICLOUD_SDK_AK='AK', HUAWEICLOUD_IAM_USERNAME='u', HUAWEICLOUD_IAM_DOMAIN_NAME='d'),
     (None, None, None, 'u', 'p', 'd')),
    # Keys before an IAM user when both are only in the environment.
    (dict(), dict(HUAWEICLOUD_SDK_AK='AK', HUAWEICLOUD_SDK_SK='SK', HUAWEICLOUD_IAM_USERNAME='u'),
     ('AK', 'SK', None, None, None, None)),
    # A task that gives both ways keeps both (the vendor's checks refuse it); nothing is added.
    (dict(access_key='AK2', iam_username='u'), dict(HUAWEICLOUD_SDK_SK='SK', HUAWEICLOUD_IAM_PASSWORD='p'),
     ('AK2', 'SK', None, 'u', None, None)),
])
def test_dcs_credentials_task_first_then_environment(params, environ, expected):
    assert resolved(DCS_CREDENTIALS, DCS_OPTIONS, params, environ)[0] == expected


@pytest.mark.parametrize('params,environ,expected', [
    (dict(username='u', password='p'), dict(ARCGIS_TOKEN='t'), (None, 'u', 'p')),
    (dict(token='t'), dict(ARCGIS_USERNAME='u', ARCGIS_PASSWORD='p'), ('t', None, None)),
    (dict(username='u'), dict(ARCGIS_TOKEN='t', ARCGIS_PASSWORD='p'), (None, 'u', 'p')),
    (dict(), dict(ARCGIS_TOKEN='t', ARCGIS_USERNAME='u', ARCGIS_PASSWORD='p'), ('t', None, None)),
    (dict(), dict(ARCGIS_USERNAME='u', ARCGIS_PASSWORD='p'), (None, 'u', 'p')),
])
def test_arcgis_credentials_task_first_then_environment(params, environ, expected):
    assert resolved(ARCGIS_CREDENTIALS, ARCGIS_OPTIONS, params, environ)[0] == expected


def test_arcgis_token_generation_takes_the_password_way_even_beside_a_token():
    # arcgis_token ignores a token (module_defaults of the later tasks) and takes the environment's user.
    environ = dict(ARCGIS_USERNAME='u', ARCGIS_PASSWORD='p')
    taken = resolved((ARCGIS_PASSWORD_WAY,), ARCGIS_OPTIONS, dict(token='t'), environ)
    assert taken == (('t', 'u', 'p'), ['username', 'password'])


def test_secrets_taken_from_the_environment_are_hidden(monkeypatch):
    monkeypatch.setenv('TEST_TOKEN', 'environment-secret-1')
    spec = dict(common_argument_spec('TEST_'), token=dict(type='str', no_log=True), user=dict(type='str'))
    frame = Connection(lambda: dict(spec), None, credentials=((('token', 'TEST_TOKEN'), ('user', 'TEST_USER')),))
    monkeypatch.setenv('TEST_USER', 'someone')
    params, hidden = dict(token=None, user=None), set()
    frame.prepare(params, spec, hidden)
    assert params == dict(token='environment-secret-1', user='someone') and hidden == {'environment-secret-1'}


# --- the one rule for unknown outcomes (PlatformModule.settle) -------------------------------------------------


def _write_error(outcome, status=500):
    return ApiError('Deleting a thing', method='POST', url='https://x/delete', status=status, outcome=outcome)


def settled(outcome, seen, status=500):
    """Run ``settle`` on an error of ``outcome``, the re-read answering ``seen``; returns (result, reads)."""
    reads = []

    def done():
        reads.append(1)
        if isinstance(seen, Exception):
            raise seen
        return seen

    def body(module):
        with module.connect():
            module.result['value'] = module.settle(_write_error(outcome, status), 'the deletion of the thing', done)
            module.mark_changed()
        module.done()
    return run(body)[0], reads


def test_an_unclear_write_that_shows_is_changed_with_a_warning_naming_the_answer():
    result, reads = settled(UNCLEAR, ['thing'])
    assert not result.get('failed') and result['changed'] is True and result['value'] == ['thing'] and reads == [1]
    (warning,) = result['warnings']
    assert 'The answer to the deletion of the thing was unclear (HTTP 500 Internal Server Error)' in _text(warning)
    assert 'reading again shows it was carried out' in _text(warning)


def test_an_unclear_write_that_does_not_show_fails_unchanged():
    result, reads = settled(UNCLEAR, [])
    assert result['failed'] is True and result['changed'] is False and reads == [1]
    assert result['msg'] == ('Deleting a thing failed: POST https://x/delete answered HTTP 500 Internal Server Error '
                             '(reading again shows it was not carried out).')


def test_an_unclear_write_whose_re_read_fails_says_the_outcome_is_not_known():
    result, _reads = settled(UNCLEAR, ApiError('Listing things', reason='the connection was lost'))
    assert result['failed'] is True and result['changed'] is False
    assert 'reading again to see whether it was carried out failed too (Listing things failed: the connection was ' \
           'lost.)' in result['msg']


def test_a_refused_write_is_never_re_read():
    for outcome, status in ((REFUSED, 409), (None, 503)):
        result, reads = settled(outcome, ['thing'], status)
        assert result['failed'] is True and result['changed'] is False and reads == []


def test_an_accepted_write_with_an_unusable_answer_is_done_without_a_re_read():
    result, reads = settled(ACCEPTED, [], status=200)
    assert not result.get('failed') and result['changed'] is True and result['value'] == ACCEPTED and reads == []
    assert 'The server accepted the deletion of the thing (HTTP 200 OK) but its answer could not be used' in \
        _text(result['warnings'][0])


def test_messages_are_one_line_whatever_they_quote():
    def body(module):
        module.warn('a\r\nb')
        module.fail('listed id %s' % 'x\ny\x00')
    result, _clients = run(body)
    assert result['msg'] == 'listed id x\\ny\\x00' and 'a\\r\\nb' in _text(result['warnings'][0])


@pytest.mark.parametrize('value', ['gis\njoe', 'gis\rjoe', 'gis\x00joe', 'gis\x1bjoe', 'gis\x7fjoe'])
def test_an_option_with_a_control_character_fails_before_connecting(value):
    result, clients = run(lambda module: module.done(), args=dict(owner=value),
                          argument_spec=dict(owner=dict(type='str')))
    assert result['failed'] is True and clients == []
    assert result['msg'] == 'owner must not contain control characters (a line break, a tab, NUL...); got %r.' % value
    assert '\n' not in result['msg'] and '\r' not in result['msg']


def test_list_elements_are_checked_and_secrets_are_never_quoted():
    result, _clients = run(lambda module: module.done(), args=dict(ids=['ok', 'b\nad']),
                           argument_spec=dict(ids=dict(type='list', elements='str')))
    assert result['failed'] is True and "ids must not contain control characters" in result['msg']
    # A no_log option is left to the HTTP client (a header refuses it without quoting it).
    result, _clients = run(lambda module: module.done(), args=dict(token='se\ncret'))
    assert not result.get('failed')
