# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the modules' connection options outside a module.

The event sources and the inventory plugins connect with the modules' own code (``<vendor>_client_from_module``),
which needs an ``AnsibleModule``. ``OptionsModule`` is what that code uses of one: ``params`` validated against the
very argument spec of the modules (types, choices, environment fallbacks, constraints) with credentials taken by the
same rule (``Connection.prepare``), ``no_log_values``, ``warn``
(once per text) and ``fail_json``, which raises ``OptionsError`` (masked) instead of exiting. No check mode.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.platform_ops.admin.plugins.module_utils._module import control_characters_problem


class OptionsError(ValueError):
    """The options cannot work (raised before any request); its text is one sentence, secrets masked."""


class OptionsModule:
    """The options of a vendor ``Connection`` plus ``argument_spec``, validated from ``args`` as a module would
    validate its task arguments; ``warn(text)`` receives each warning once. A blank connection option counts as not
    given, and the credentials come from the options or the environment, as in the modules."""

    check_mode = False
    error = OptionsError

    def __init__(self, connection, argument_spec, args, warn=None):
        spec = connection.argument_spec()
        spec.update(argument_spec)
        validator = ArgumentSpecValidator(spec, mutually_exclusive=connection.mutually_exclusive,
                                          required_together=connection.required_together,
                                          required_one_of=connection.required_one_of)
        result = validator.validate(dict(args or {}))
        self.no_log_values = set(result._no_log_values)  # pylint: disable=protected-access
        if result.error_messages:
            raise self.error(self.mask('; '.join(result.error_messages)))
        self.params = result.validated_parameters
        # As in the modules: a blank option counts as not given, credentials from the options win over the
        # environment's, and no text holds a control character.
        connection.prepare(self.params, spec, self.no_log_values)
        self.require(control_characters_problem(self.params, spec))
        self._warn = warn
        self.warned = set()

    def warn(self, msg):
        if msg not in self.warned:
            self.warned.add(msg)
            if self._warn is not None:
                self._warn(self.mask(msg))

    def fail_json(self, msg, **_details):
        raise self.error(self.mask(msg))

    def require(self, problem):
        if problem:
            raise self.error(self.mask(problem))

    def mask(self, value):
        return remove_values(value, self.no_log_values)
