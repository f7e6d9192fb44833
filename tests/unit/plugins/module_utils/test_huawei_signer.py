# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SDK-HMAC-SHA256 signer: the published vectors, and agreement with the vendor SDK's signer."""

from __future__ import annotations

import datetime
import json
from urllib.parse import quote, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from ansible_collections.platform_ops.admin.plugins.module_utils.huawei_signer import (
    SdkHmacSha256Auth,
    TokenAuth,
    canonical_query,
    canonical_uri,
    host_of,
)

VECTOR_TIME = datetime.datetime(2020, 6, 8, 2, 39, 0, tzinfo=datetime.timezone.utc)
VECTOR_URL = 'https://service.endpoint.myhuaweicloud.com/resources?size=1'


def prepare(method, url, auth, **kwargs):
    return requests.Request(method, url, auth=auth, **kwargs).prepare()


def signature_of(prepared):
    return prepared.headers['Authorization'].rsplit('Signature=', 1)[1]


@pytest.mark.parametrize('method, body, expected', [
    ('GET', None, 'cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842'),
    ('POST', '{"name":"test","id":1}', '436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f'),
])
def test_published_vectors(method, body, expected):
    auth = SdkHmacSha256Auth('AccessKey', 'SecretKey', clock=lambda: VECTOR_TIME)
    prepared = prepare(method, VECTOR_URL, auth, data=body)
    assert prepared.headers['X-Sdk-Date'] == '20200608T023900Z'
    assert prepared.headers['Host'] == 'service.endpoint.myhuaweicloud.com'
    assert prepared.headers['Authorization'] == (
        'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, Signature=%s' % expected)


def test_project_and_security_token_are_sent_and_signed():
    auth = SdkHmacSha256Auth('AK', 'SK', project_id='p1', security_token='tok', clock=lambda: VECTOR_TIME)
    prepared = prepare('POST', 'https://dcs.example.com:8443/v2/p1/x', auth, json={'a': 1})
    assert prepared.headers['X-Project-Id'] == 'p1'
    assert prepared.headers['X-Security-Token'] == 'tok'
    assert prepared.headers['Host'] == 'dcs.example.com:8443'
    assert 'SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,' in prepared.headers['Authorization']


def test_token_auth_sets_the_header():
    prepared = prepare('GET', 'https://dcs.example.com/v2/p1/x', TokenAuth('t0k', 'p1'))
    assert prepared.headers['X-Auth-Token'] == 't0k' and prepared.headers['X-Project-Id'] == 'p1'
    assert 'Authorization' not in prepared.headers


def test_canonical_pieces():
    assert canonical_uri('/v2/a%20b/c') == '/v2/a%20b/c/'
    assert canonical_uri('') == '/'
    assert canonical_query('b=2&a=%C3%A9&a=1&c=') == 'a=1&a=%C3%A9&b=2&c='
    assert host_of('https://h.example.com:443/x') == 'h.example.com'
    assert host_of('http://127.0.0.1:8080/x') == '127.0.0.1:8080'


def sdk_authorization(prepared, query, access_key, secret_key):
    """What huaweicloudsdkcore's signer makes of the same request."""
    parts = urlsplit(prepared.url)
    headers = {name: prepared.headers[name] for name in ('Host', 'X-Sdk-Date', 'X-Project-Id', 'Content-Type')
               if name in prepared.headers}
    request = SdkRequest(method=prepared.method, schema=parts.scheme, host=parts.netloc, resource_path=parts.path,
                         query_params=list(query), header_params=headers, body=prepared.body or '')
    return Signer(BasicCredentials(access_key, secret_key)).sign(request).header_params['Authorization']


TEXT = st.text(st.characters(blacklist_categories=('Cs',)), max_size=12)
KEYS = st.text(st.characters(blacklist_categories=('Cs', 'Cc')), min_size=1, max_size=8)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
                           max_leaves=8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(['GET', 'POST', 'PUT', 'DELETE']),
    segments=st.lists(TEXT.filter(bool), min_size=1, max_size=4),
    trailing_slash=st.booleans(),
    query=st.lists(st.tuples(st.sampled_from(['limit', 'offset', 'node_id', 'addr']) | KEYS, TEXT), max_size=6),
    body=st.none() | st.dictionaries(TEXT, JSON_VALUES, max_size=4),
    ascii_json=st.booleans(),
    access_key=st.text(st.characters(min_codepoint=48, max_codepoint=90), min_size=1, max_size=20),
    secret_key=TEXT.filter(bool),
)
def test_agrees_with_the_vendor_sdk(method, segments, trailing_slash, query, body, ascii_json, access_key, secret_key):
    path = '/' + '/'.join(quote(segment, safe='') for segment in segments) + ('/' if trailing_slash else '')
    url = 'https://dcs.ap-southeast-1.myhuaweicloud.com' + path
    auth = SdkHmacSha256Auth(access_key, secret_key, project_id='0605767f1a80d5762fe0c00b2ed9c1a3')
    kwargs = {'params': query}
    if body is not None:
        kwargs['data'] = json.dumps(body, ensure_ascii=ascii_json).encode('utf-8')
        kwargs['headers'] = {'Content-Type': 'application/json;charset=UTF-8'}
    prepared = prepare(method, url, auth, **kwargs)
    assert prepared.headers['Authorization'] == sdk_authorization(prepared, query, access_key, secret_key)


def test_repeated_and_non_ascii_query_values_agree():
    query = [('addr', '10.0.0.2:1'), ('addr', '10.0.0.1:2'), ('name', 'é ü'), ('a b', '+&=')]
    auth = SdkHmacSha256Auth('AK', 'SK', project_id='p')
    prepared = prepare('GET', 'https://h.example.com/v2/p/instances/%C3%A9%2Fx/clients', auth, params=query)
    assert prepared.headers['Authorization'] == sdk_authorization(prepared, query, 'AK', 'SK')
