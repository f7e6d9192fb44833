# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small framework for stateful vendor API simulators, built on werkzeug.

Every simulator is a WSGI application with:

* vendor routes (a werkzeug ``Map``) served by ``on_<endpoint>`` methods;
* a request log (method, path, query, headers, body, form, json, client port);
* fault injection: the next ``count`` requests matching a method and a path pattern get a given
  status/body/headers, optionally after a delay (or only the delay); or, with ``mode``, a connection that
  breaks: ``drop`` cuts it after the status line and a few bytes of the answer, ``trickle`` sends the
  answer one byte every ``interval`` seconds, ``oversize`` sends ``size`` bytes of JSON; with ``apply`` the
  request is carried out first (the vendor applied the write and only the answer is lost or slow, or - with a
  ``status`` and no ``mode`` - replaced, as a gateway answers 500 for a write its backend carried out, or passes
  on a 2xx whose body it garbled);
* a control interface under ``/_sim/`` (never logged): ``GET|DELETE /_sim/requests``,
  ``POST|DELETE /_sim/faults``, ``GET|POST /_sim/state`` and ``POST /_sim/reset``.

Servers bind to 127.0.0.1 on a free port, in a daemon thread, optionally over TLS (cheroot serves the
werkzeug application, because it keeps connections alive).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
import threading
import time

import trustme
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

CONTROL_PREFIX = '/_sim/'


class Fault:
    """An injected answer for the next ``count`` matching requests, after the first ``skip`` of them."""

    MODES = (None, 'drop', 'trickle', 'oversize')

    def __init__(self, path='.*', method=None, status=None, body=None, headers=None, delay=0.0, count=1,
                 mode=None, apply=False, interval=1.0, size=0, skip=0):
        if mode not in self.MODES:
            raise ValueError('mode must be one of %s' % (self.MODES,))
        self.mode = mode
        self.apply = bool(apply)
        self.interval = float(interval)
        self.size = int(size)
        self.pattern = re.compile(path)
        self.method = method.upper() if method else None
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.delay = float(delay or 0.0)
        self.count = int(count)
        self.skip = int(skip)

    def matches(self, request):
        return (self.count != 0 and (self.method is None or self.method == request.method)
                and self.pattern.search(request.path) is not None)

    def as_dict(self):
        return dict(path=self.pattern.pattern, method=self.method, status=self.status, body=self.body,
                    headers=self.headers, delay=self.delay, count=self.count, mode=self.mode, apply=self.apply,
                    interval=self.interval, size=self.size, skip=self.skip)


class SimulatedDrop(ConnectionAbortedError):
    """Raised inside a response body to make the server cut the connection (fault mode ``drop``)."""


# What a client cutting a trickled answer, or a dropped answer, makes the server raise: not worth a log line.
QUIET_ERRORS = (SimulatedDrop, BrokenPipeError, ConnectionResetError, TimeoutError)


def _broken_response(fault, response):
    """The answer of a fault with a ``mode``: ``response`` (the vendor's, or the fault's own) sent broken.
    The whole answer meant is kept as ``sim_body`` (the streamed response cannot be read back)."""
    broken = _stream_broken(fault, response)
    broken.sim_body = response.get_data()
    return broken


def _stream_broken(fault, response):
    body = response.get_data()
    headers = [(key, value) for key, value in response.headers.items() if key.lower() != 'content-length']
    if fault.mode == 'oversize':
        chunk = b' ' * 65536

        def generate():
            yield b'['
            for _chunk_number in range(fault.size // len(chunk)):
                yield chunk
            yield b']'
        return Response(generate(), status=response.status_code, headers=headers, direct_passthrough=True)
    if fault.mode == 'drop':
        if not body:
            # An answer without a body (204) cannot be cut visibly: cut a 200 with a body instead.
            body = b'{"answer": "lost"}'
            response.status_code = 200 if response.status_code in (204, 304) else response.status_code

        def generate():
            yield body[:5]
            raise SimulatedDrop('simulated connection drop')
        headers.append(('Content-Length', str(len(body) + 100)))
        return Response(generate(), status=response.status_code, headers=headers, direct_passthrough=True)

    def trickle():
        for index in range(len(body)):
            time.sleep(fault.interval)
            yield body[index:index + 1]
    headers.append(('Content-Length', str(len(body))))
    return Response(trickle(), status=response.status_code, headers=headers, direct_passthrough=True)


def json_response(payload, status=200, headers=None):
    return Response(json.dumps(payload), status=status, headers=headers, mimetype='application/json')


class Simulator:
    """Base class: subclasses set ``name`` and ``url_map`` and implement ``on_<endpoint>`` handlers,
    ``reset_state`` and ``seed``."""

    name = 'simulator'
    url_map = Map([])
    #: the base path the vendor API lives under (for building the base URL)
    base_path = ''

    def __init__(self):
        self.lock = threading.RLock()
        self.requests = []
        self.faults = []
        self.reset_state()

    # --- state, overridden by vendors ------------------------------------------------------

    def reset_state(self):
        """Put the vendor state back to its defaults."""

    def seed(self, data):
        """Merge seed data into the vendor state."""
        raise ValueError('%s takes no seed data: %r' % (self.name, sorted(data)))

    def dump_state(self):
        return {}

    def demo_vars(self):
        """Extra variables for the demo playbook (credentials the simulator accepts)."""
        return {}

    # --- control ---------------------------------------------------------------------------

    def reset(self):
        with self.lock:
            self.requests = []
            self.faults = []
            self.reset_state()

    def add_fault(self, **kwargs):
        with self.lock:
            fault = Fault(**kwargs)
            self.faults.append(fault)
            return fault

    def clear_log(self):
        with self.lock:
            self.requests = []

    def logged(self, method=None, path=None):
        """The request log, optionally filtered by method and a path regular expression."""
        with self.lock:
            entries = list(self.requests)
        if method:
            entries = [entry for entry in entries if entry['method'] == method.upper()]
        if path:
            pattern = re.compile(path)
            entries = [entry for entry in entries if pattern.search(entry['path'])]
        return entries

    def writes(self):
        """Requests that could change state (anything but GET/HEAD/OPTIONS)."""
        return [entry for entry in self.logged() if entry['method'] not in ('GET', 'HEAD', 'OPTIONS')]

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith(CONTROL_PREFIX):
            response = self._control(request)
        else:
            response = self._vendor(request)
        return response(environ, start_response)

    def _log(self, request, fault):
        body = request.get_data(cache=True, as_text=True)
        entry = dict(
            time=time.time(),
            method=request.method,
            path=request.path,
            query={key: request.args.getlist(key) for key in request.args},
            headers={key.lower(): value for key, value in request.headers.items()},
            body=body,
            form={key: request.form.getlist(key) for key in request.form} if request.form else {},
            json=None,
            client_port=request.environ.get('REMOTE_PORT'),
            fault=fault is not None,
        )
        if request.mimetype == 'application/json' and body:
            try:
                entry['json'] = json.loads(body)
            except ValueError:
                pass
        with self.lock:
            self.requests.append(entry)
        return entry

    def _take_fault(self, request):
        with self.lock:
            for fault in self.faults:
                if fault.matches(request):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    if fault.count > 0:
                        fault.count -= 1
                    return fault
        return None

    def _vendor(self, request):
        request.get_data(cache=True)
        fault = self._take_fault(request)
        self._log(request, fault)
        if fault is not None and fault.mode is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.apply or fault.status is None:
                answer = self._route(request)
            else:
                answer = json_response(fault.body, status=fault.status, headers=fault.headers) if isinstance(
                    fault.body, (dict, list)) else Response(fault.body or '', status=fault.status, headers=fault.headers)
            return _broken_response(fault, answer)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                if fault.apply:
                    # The backend carries the request out; the answer the client gets is the fault's.
                    self._route(request)
                body = fault.body
                if isinstance(body, (dict, list)):
                    return json_response(body, status=fault.status, headers=fault.headers)
                headers = {'Content-Type': 'text/plain'}
                headers.update(fault.headers)
                return Response(body or '', status=fault.status, headers=headers)
        return self._route(request)

    def _route(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
            handler = getattr(self, 'on_' + endpoint)
            with self.lock:
                return handler(request, **values)
        except (NotFound, MethodNotAllowed) as error:
            return self.not_found(request, error)
        except HTTPException as error:
            return error.get_response()

    def not_found(self, request, error):
        """How the vendor answers an unknown path (override for vendor shapes)."""
        return error.get_response()

    def _control(self, request):
        what = request.path[len(CONTROL_PREFIX):].strip('/')
        payload = request.get_json(silent=True) if request.data else None
        try:
            if what == 'requests' and request.method == 'GET':
                return json_response({'requests': self.logged()})
            if what == 'requests' and request.method == 'DELETE':
                self.clear_log()
                return json_response({})
            if what == 'faults' and request.method == 'POST':
                return json_response(self.add_fault(**(payload or {})).as_dict())
            if what == 'faults' and request.method == 'DELETE':
                with self.lock:
                    self.faults = []
                return json_response({})
            if what == 'state' and request.method == 'GET':
                with self.lock:
                    return json_response(self.dump_state())
            if what == 'state' and request.method == 'POST':
                with self.lock:
                    self.seed(payload or {})
                    return json_response(self.dump_state())
            if what == 'reset' and request.method == 'POST':
                self.reset()
                return json_response({})
        except (TypeError, ValueError, KeyError) as error:
            return json_response({'error': str(error)}, status=400)
        return json_response({'error': 'unknown control request %s %s' % (request.method, request.path)}, status=404)


class SimServer:
    """A simulator served on 127.0.0.1 (free port) by cheroot, in a daemon thread.

    cheroot keeps HTTP/1.1 connections alive like the vendors' servers do (werkzeug's development
    server closes every connection), so tests can see whether a client reuses its connections.
    """

    def __init__(self, simulator, tls=None, port=0, threads=16):
        self.simulator = simulator
        self.server = wsgi.Server(('127.0.0.1', port), simulator, numthreads=threads,
                                  server_name='platform-ops-simulator')
        if tls is not None:
            self.server.ssl_adapter = tls.ssl_adapter()
        plain_error_log = self.server.error_log

        def error_log(msg='', level=20, traceback=False):
            # Connections that faults break on purpose (or clients cut) are not errors worth printing.
            if isinstance(sys.exc_info()[1], QUIET_ERRORS) or level < logging.ERROR:
                return None
            return plain_error_log(msg, level, traceback)
        self.server.error_log = error_log
        self.server.prepare()
        bound_port = self.server.bind_addr[1]
        scheme = 'https' if tls is not None else 'http'
        self.root = '%s://127.0.0.1:%d' % (scheme, bound_port)
        self.url = self.root + simulator.base_path
        self.thread = threading.Thread(target=self.server.serve, name='sim-' + simulator.name, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.stop()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class LocalCA:
    """A throwaway CA (trustme) and a 127.0.0.1/localhost server certificate, kept in a temporary directory."""

    def __init__(self):
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert('127.0.0.1', 'localhost')
        self._dir = tempfile.TemporaryDirectory(prefix='sim-tls-')  # pylint: disable=consider-using-with
        self.key_file = os.path.join(self._dir.name, 'server.pem')
        self.cert.private_key_and_cert_chain_pem.write_to_path(self.key_file)

    def ssl_adapter(self):
        return BuiltinSSLAdapter(self.key_file, self.key_file)

    def write_ca(self, path):
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)
