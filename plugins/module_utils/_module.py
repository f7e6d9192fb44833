# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the frame every module runs in.

``PlatformModule`` is an ``AnsibleModule`` that

* merges the common options, the vendor's connection options and the module's own;
* builds the vendor client in ``with module.connect() as client:``, which always closes it and turns an
  ``ApiError`` into one ``fail_json`` carrying the partial result;
* owns ``result``: ``changed`` and ``diff`` are set by ``report(before, after)``.

A vendor is described by a ``Connection``: its argument spec, option constraints and a ``connect(module)``
that validates the connection options and returns a client (sending no request unless authentication
needs one).
"""

from __future__ import annotations

import contextlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError


class Connection:
    """How modules of one vendor connect: ``argument_spec()``, constraints and ``connect(module)``."""

    def __init__(self, argument_spec, connect, required_together=(), mutually_exclusive=(), required_one_of=()):
        self.argument_spec = argument_spec
        self.connect = connect
        self.required_together = list(required_together)
        self.mutually_exclusive = list(mutually_exclusive)
        self.required_one_of = list(required_one_of)


class PlatformModule(AnsibleModule):
    """An ``AnsibleModule`` with the collection's frame (see the module docstring)."""

    def __init__(self, connection, argument_spec=None, required_together=(), mutually_exclusive=(),
                 required_one_of=(), supports_check_mode=True, **kwargs):
        spec = connection.argument_spec()
        spec.update(argument_spec or {})
        super().__init__(
            argument_spec=spec,
            required_together=connection.required_together + list(required_together),
            mutually_exclusive=connection.mutually_exclusive + list(mutually_exclusive),
            required_one_of=connection.required_one_of + list(required_one_of),
            supports_check_mode=supports_check_mode,
            **kwargs
        )
        self.connection = connection
        self.result = dict(changed=False)

    # --- the frame ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def connect(self):
        """The vendor client for this run; closed at the end, its ``ApiError`` turned into ``fail_json``."""
        client = self.connection.connect(self)
        try:
            yield client
        except ApiError as error:
            self.fail_from(error)
        finally:
            client.close()

    def fail_from(self, error, **extra):
        """``fail_json`` with the error's one sentence, its details and the result so far."""
        details = dict(self.result)
        details.update(error.as_result())
        details.update(extra)
        details.pop('msg', None)
        self.fail_json(msg=str(error), **details)

    def fail(self, msg, **extra):
        """``fail_json`` with ``msg`` and the result so far."""
        details = dict(self.result)
        details.update(extra)
        self.fail_json(msg=msg, **details)

    def report(self, before, after, changed=None):
        """Record a change: ``changed`` (default: ``before != after``) and, in diff mode, the diff."""
        self.result['changed'] = bool(self.result.get('changed')) or bool(before != after if changed is None else changed)
        if self._diff:
            self.result['diff'] = dict(before=before, after=after)

    def done(self, **extra):
        """``exit_json`` with the result."""
        self.result.update(extra)
        self.exit_json(**self.result)
