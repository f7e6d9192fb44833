# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security and fault suite, shared-client part: what every module inherits from http_client.

Modules run in process (``modrun``) against the TLS simulators; each case is recorded for the README's
Reliability table. Vendor-specific cases live in test_fault_arcgis.py, test_fault_dcs.py, test_fault_ece.py.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from arcgis_helpers import args, creds
from modrun import run_module

CONFIG_INFO = 'notebook_config_info'
CONFIGURATION = r'/admin/notebooks/configuration$'


def _netrc(tmp_path, login='netrc-user', password='netrc-secret-9f8e'):
    path = tmp_path / '.netrc'
    path.write_text('machine 127.0.0.1\n  login %s\n  password %s\n' % (login, password), encoding='utf-8')
    path.chmod(0o600)
    return dict(HOME=str(tmp_path), NETRC=str(path))


# --- 4: no traceback, whatever the input --------------------------------------------------------------------


def test_missing_ca_path_fails_before_any_request(arcgis, fault, tmp_path):
    out = run_module(CONFIG_INFO, args(arcgis, ca_path=str(tmp_path / 'no-such-ca.pem')))
    fault.record(4, 'ca_path names a missing file', CONFIG_INFO, out, applied=False)
    assert out.failed and 'ca_path' in out.msg and 'does not exist' in out.msg
    assert arcgis.sim.logged() == []


def test_ca_path_that_is_not_pem_fails_in_one_sentence(arcgis, fault, tmp_path):
    bogus = tmp_path / 'ca.pem'
    bogus.write_text('this is not a certificate\n', encoding='utf-8')
    out = run_module(CONFIG_INFO, args(arcgis, ca_path=str(bogus)))
    fault.record(4, 'ca_path is a file but not PEM', CONFIG_INFO, out, applied=False)
    assert out.failed and out.msg.startswith('Reading the notebook configuration failed:')
    assert out.msg.count('\n') == 0


@pytest.mark.parametrize('timeout', [1e12, float('inf'), 0, -1])
def test_out_of_range_timeout_fails_before_any_request(arcgis, fault, timeout):
    out = run_module(CONFIG_INFO, args(arcgis, timeout=timeout))
    fault.record(4, 'timeout: %s' % timeout, CONFIG_INFO, out, applied=False)
    assert out.failed and 'timeout must be greater than 0 and at most 3600 seconds' in out.msg
    assert arcgis.sim.logged() == []


@pytest.mark.parametrize('retries', [11, -1])
def test_out_of_range_retries_fail_before_any_request(arcgis, fault, retries):
    out = run_module(CONFIG_INFO, args(arcgis, retries=retries))
    fault.record(9, 'retries: %s' % retries, CONFIG_INFO, out, applied=False)
    assert out.failed and 'retries must be between 0 and 10' in out.msg
    assert arcgis.sim.logged() == []


def test_header_that_cannot_be_encoded_fails_in_one_sentence(arcgis, fault):
    # http.client raises UnicodeEncodeError, outside requests' exception hierarchy.
    out = run_module(CONFIG_INFO, args(arcgis, referer='https://caf\u20ac.example.com/'))
    fault.record(4, 'referer with a character HTTP headers cannot carry', CONFIG_INFO, out, applied=False)
    assert out.failed and 'UnicodeEncodeError' in out.msg and out.msg.startswith('Reading the notebook configuration failed:')


# --- 6: no ambient credentials ------------------------------------------------------------------------------


def test_netrc_adds_no_credentials(arcgis, fault, tmp_path):
    out = run_module(CONFIG_INFO, args(arcgis), env=_netrc(tmp_path))
    fault.record(6, '~/.netrc has a login for the server', CONFIG_INFO, out, applied=False)
    assert not out.failed, out
    (entry,) = arcgis.sim.logged()
    assert 'authorization' not in entry['headers']
    assert entry['headers']['x-esri-authorization'].startswith('Bearer ')


def test_environment_ca_bundle_and_proxy_settings_still_apply(arcgis, fault, tmp_path):
    task = args(arcgis)
    del task['ca_path']
    # The CA bundle from the environment is used when ca_path is not given...
    out = run_module(CONFIG_INFO, task, env=dict(_netrc(tmp_path), REQUESTS_CA_BUNDLE=arcgis.ca_file))
    fault.record(6, 'CA bundle from REQUESTS_CA_BUNDLE, no ca_path', CONFIG_INFO, out, applied=False)
    assert not out.failed, out
    # ... and so is a proxy: one that does not listen makes the request fail, NO_PROXY lets it through.
    proxy = dict(REQUESTS_CA_BUNDLE=arcgis.ca_file, HTTPS_PROXY='http://127.0.0.1:9', https_proxy='http://127.0.0.1:9')
    out = run_module(CONFIG_INFO, task, env=proxy)
    assert out.failed and 'could not connect' in out.msg and 'proxy' in out.msg.lower(), out
    out = run_module(CONFIG_INFO, task, env=dict(proxy, NO_PROXY='127.0.0.1', no_proxy='127.0.0.1'))
    assert not out.failed, out
    assert len(arcgis.sim.logged()) == 2


# --- 7: total deadline --------------------------------------------------------------------------------------


def test_trickling_answer_is_cut_at_the_overall_deadline(arcgis, fault):
    arcgis.sim.add_fault(path=CONFIGURATION, method='GET', mode='trickle', interval=0.3, count=5)
    started = time.monotonic()
    out = run_module(CONFIG_INFO, args(arcgis, timeout=1, retries=1))
    elapsed = time.monotonic() - started
    fault.record(7, 'answer trickled one byte per 0.3 s (timeout 1, retries 1)', CONFIG_INFO, out, applied=False,
                 note='cut at the 2 s deadline')
    assert out.failed and 'overall deadline of 2s' in out.msg, out
    # Each byte came within the timeout, so only the overall deadline (1 x (1 + 1) s) could stop it.
    assert 1.9 <= elapsed < 3.5


def test_retry_after_past_the_deadline_is_not_waited_for(arcgis, fault):
    arcgis.sim.add_fault(path=CONFIGURATION, method='GET', status=503, body={'error': {'code': 503, 'message': 'busy'}},
                         headers={'Retry-After': '60'}, count=5)
    started = time.monotonic()
    out = run_module(CONFIG_INFO, args(arcgis, timeout=2, retries=3))
    elapsed = time.monotonic() - started
    fault.record(7, '503 with Retry-After: 60 (timeout 2, retries 3)', CONFIG_INFO, out, applied=False,
                 note='no 60 s wait')
    assert out.failed and 'HTTP 503' in out.msg and 'would pass the overall deadline of 8s' in out.msg, out
    assert elapsed < 2 and len(arcgis.sim.logged()) == 1


# --- 9: bounded work ----------------------------------------------------------------------------------------


def test_answer_over_32_mib_fails_instead_of_filling_memory(arcgis, fault):
    arcgis.sim.add_fault(path=CONFIGURATION, method='GET', status=200, body={}, mode='oversize', size=40 * 1024 * 1024)
    out = run_module(CONFIG_INFO, args(arcgis))
    fault.record(9, '40 MiB answer', CONFIG_INFO, out, applied=False)
    assert out.failed and 'larger than 32 MiB' in out.msg, out


# --- input holes: a base URL that leaves its context, CA paths that are not files ------------------------------


@pytest.mark.parametrize('suffix', ['/..', '/../portal', '/./', '/%2e%2E'])
def test_url_with_dot_segments_sends_no_password_outside_its_context(arcgis, fault, suffix):
    task = creds(arcgis, url=arcgis.url + suffix)
    out = run_module('arcgis_token', task)
    fault.record(2, 'url ending in %s, with username and password' % suffix, 'arcgis_token', out, applied=False)
    assert out.failed and 'must not have "." or ".." segments in its path' in out.msg, out
    assert arcgis.sim.logged() == []


def test_url_with_credentials_and_a_control_character_shows_neither(arcgis, fault):
    url = arcgis.url.replace('https://', 'https://admin:url-s3cret@') + '/x\x00'
    out = run_module(CONFIG_INFO, args(arcgis, url=url))
    fault.record(13, 'url with user:password@ and a NUL', CONFIG_INFO, out, applied=False)
    assert out.failed and out.msg == 'url must not contain control characters (a line break, a tab, NUL...).', out
    assert 'url-s3cret' not in out.output and arcgis.sim.logged() == []


def test_ca_path_that_is_a_fifo_fails_at_once_instead_of_hanging(arcgis, fault, tmp_path):
    fifo = tmp_path / 'ca.pem'
    os.mkfifo(str(fifo))
    started = time.monotonic()
    out = run_module(CONFIG_INFO, args(arcgis, ca_path=str(fifo)))
    fault.record(7, 'ca_path is a FIFO', CONFIG_INFO, out, applied=False, note='fails at once')
    assert time.monotonic() - started < 5
    assert out.failed and 'must be a PEM file or a directory of them' in out.msg and arcgis.sim.logged() == []


def test_ca_path_directory_of_pem_files_works_without_rehash(arcgis, fault, tmp_path):
    directory = tmp_path / 'cas'
    directory.mkdir()
    shutil.copy(arcgis.ca_file, str(directory / 'private-ca.crt'))
    (directory / 'README').write_text('CAs of the test site\n', encoding='utf-8')
    out = run_module(CONFIG_INFO, args(arcgis, ca_path=str(directory)))
    fault.record(4, 'ca_path is a directory of PEM files, not rehashed', CONFIG_INFO, out, applied=False)
    assert not out.failed and out.result['configuration'], out


def test_ca_path_directory_without_a_certificate_names_the_problem(arcgis, fault, tmp_path):
    (tmp_path / 'notes.txt').write_text('no certificate here\n', encoding='utf-8')
    out = run_module(CONFIG_INFO, args(arcgis, ca_path=str(tmp_path)))
    fault.record(4, 'ca_path is a directory without certificates', CONFIG_INFO, out, applied=False)
    assert out.failed and 'is a directory without any PEM certificate' in out.msg and arcgis.sim.logged() == []
