# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): what the collection's inventory plugins share.

``FleetInventory`` reads the configuration file, refuses options it does not document, hands the options the file
gives to the modules' own option validation (``OptionsModule``: the same types, environment fallbacks and checks,
before any request), uses the inventory cache, and adds each host with its variables (marked unsafe: API data is
never templated), its groups and the ``constructed`` options. A subclass says which files are its own
(``FILE_SUFFIXES``), its options spec (``SPEC``, over its vendor's ``CONNECTION``) and how to list (``records``) and
describe (``host``) the fleet.
"""

from __future__ import annotations

import abc
import hashlib
import json

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.platform_ops.admin.plugins.module_utils._options import OptionsError, OptionsModule
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError


class FleetInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """Base of the collection's inventory plugins (see the module docstring)."""

    FILE_SUFFIXES = ()
    CONNECTION = None
    SPEC = {}

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(self.FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        unknown = sorted(str(key) for key in config if key not in self.option_definitions)
        if unknown:
            raise AnsibleParserError('%s: unknown option %s for %s (ansible-doc -t inventory %s lists its options).' % (
                path, unknown[0], self.NAME, self.NAME))
        # The options the modules' validation takes (the connection's and the listing's), as the file gives them:
        # what the file leaves out falls back to the environment there, as for a module.
        validated = set(self.CONNECTION.argument_spec()) | set(self.SPEC)
        given = {key: self.get_option(key) for key in config if key in validated}
        self.secrets = set()
        fleet = None
        try:
            fleet = self.validate(given)
            records = self._cached(path, cache, fleet)
        except (OptionsError, ApiError) as error:
            raise AnsibleParserError('%s: %s' % (path, self.mask(str(error)))) from None
        finally:
            if fleet is not None:
                self.close(fleet)
        self.populate(records)

    # --- for subclasses ---------------------------------------------------------------------------------------

    def options_module(self, args):
        """``args`` validated as the modules validate their options (``CONNECTION`` and ``SPEC``)."""
        module = OptionsModule(self.CONNECTION, dict(self.SPEC), args, warn=self.display.warning)
        self.secrets.update(module.no_log_values)
        return module

    @abc.abstractmethod
    def validate(self, given):
        """Check ``given`` (the options the file sets) before any request; return what ``records`` needs."""

    @abc.abstractmethod
    def identity(self, fleet):
        """What selects the records (never a secret): the cache key is made from it."""

    @abc.abstractmethod
    def records(self, fleet):
        """``(records, complete)``: the hosts' data (JSON, no secret: it goes to the cache) and whether every part of
        the fleet answered (an incomplete listing is not cached)."""

    @abc.abstractmethod
    def host(self, record):
        """``(hostname, identity, variables, groups)`` of a record (``identity`` names it in an error)."""

    def close(self, fleet):
        """Release what ``validate`` built (its HTTP clients), whether or not the records came from the cache."""

    # --- the frame ----------------------------------------------------------------------------------------------

    def mask(self, text):
        return remove_values(text, self.secrets)

    def _cached(self, path, cache, fleet):
        digest = hashlib.sha256(json.dumps(self.identity(fleet), sort_keys=True, default=str).encode('utf-8'))
        key = '%s_%s' % (self.get_cache_key(path), digest.hexdigest()[:16])
        use_cache = self.get_option('cache')
        if use_cache and cache:
            try:
                return self._cache[key]
            except KeyError:
                pass
        records, complete = self.records(fleet)
        if use_cache and complete:
            self._cache[key] = records
        return records

    def populate(self, records):
        strict = self.get_option('strict')
        seen = {}
        for record in records:
            name, identity, variables, groups = self.host(record)
            if name in seen:
                raise AnsibleParserError('Two hosts would be named %s (%s and %s); set hostnames to the id instead.' % (
                    name, seen[name], identity))
            seen[name] = identity
            name = self.inventory.add_host(wrap_var(name))
            self.inventory.set_variable(name, 'ansible_connection', 'local')
            for key, value in variables.items():
                self.inventory.set_variable(name, key, wrap_var(value))
            for group in groups:
                self.inventory.add_child(self.inventory.add_group(group), name)
            host_vars = self.inventory.get_host(name).get_vars()
            self._set_composite_vars(self.get_option('compose'), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), host_vars, name, strict=strict)
