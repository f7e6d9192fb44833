# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module of the collection in this process, as Ansible would run it on the target.

``run_module('dcs_sessions', args, check=True)`` imports the module, hands it ``args`` (with check and
diff mode as Ansible passes them), and returns an ``Outcome``: the JSON the module printed (after
Ansible's own censoring of ``no_log`` values), and the traceback if anything other than ``exit_json`` or
``fail_json`` ended it. A run takes milliseconds instead of the second an ``ansible-playbook`` process takes.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings

import returns

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    patch_module_args = None

PACKAGE = 'ansible_collections.platform_ops.admin.plugins.modules'
# Variables the modules read as fallbacks: a test gives the ones it wants, none leak in from outside.
ENV_PREFIXES = ('ARCGIS_', 'HUAWEICLOUD_', 'ECE_')


class Outcome:
    """What a module run produced."""

    def __init__(self, result, traceback_text=None, output=''):
        self.result = result or {}
        self.traceback = traceback_text
        self.output = output

    @property
    def failed(self):
        return bool(self.result.get('failed')) or self.traceback is not None

    @property
    def changed(self):
        return bool(self.result.get('changed'))

    @property
    def msg(self):
        return self.result.get('msg', '')

    @property
    def warnings(self):
        return [_text(item) for item in self.result.get('warnings', ())]

    def __repr__(self):
        return 'Outcome(%s)' % (self.traceback or json.dumps(self.result, default=str)[:2000])


def _text(warning):
    """The text of a warning: a string (ansible-core < 2.19) or a summary ``{'event': {'msg': ...}}`` (2.19)."""
    while isinstance(warning, dict):
        if 'msg' in warning:
            warning = warning['msg']
        elif 'event' in warning:
            warning = warning['event']
        else:
            break
    return str(warning)


@contextlib.contextmanager
def _module_args(args):
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()  # pylint: disable=protected-access
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


@contextlib.contextmanager
def _environment(env):
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith(ENV_PREFIXES):
            del os.environ[key]
    os.environ.update(env or {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _reset_warnings():
    """Ansible keeps warnings in module-level collections: empty them so runs do not see each other's."""
    for name in ('_global_warnings', '_global_deprecations'):
        value = getattr(ansible_warnings, name, None)
        if value is not None and hasattr(value, 'clear'):
            value.clear()


def run_module(name, args, check=False, diff=False, env=None):
    """Run ``plugins/modules/<name>.py`` with ``args``; never raises for what the module does, but raises
    ``AssertionError`` when its result breaks its RETURN documentation (``returns.check``)."""
    module = importlib.import_module('%s.%s' % (PACKAGE, name))
    full = dict(args)
    full.update(_ansible_check_mode=check, _ansible_diff=diff)
    stdout = io.StringIO()
    _reset_warnings()
    with _environment(env), _module_args(full), contextlib.redirect_stdout(stdout):
        try:
            module.main()
        except SystemExit:
            pass
        except BaseException:  # pylint: disable=broad-except
            return Outcome(None, traceback.format_exc(), stdout.getvalue())
    text = stdout.getvalue()
    try:
        result = json.loads(text.strip().splitlines()[-1]) if text.strip() else None
    except ValueError:
        return Outcome(None, 'the module printed something that is not JSON: %r' % text[-2000:], text)
    if result is None:
        return Outcome(None, 'the module printed nothing', text)
    returns.check(name, result)
    return Outcome(result, None, text)
