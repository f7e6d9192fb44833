#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: notebook_config
short_description: Set properties of the ArcGIS Enterprise notebook configuration
version_added: 1.0.0
description:
  - Sets properties of the notebook configuration of an ArcGIS Enterprise (on Kubernetes) site, such as the idle
    notebook threshold or the maximum execution time of notebook jobs.
  - The server's update overwrites the whole configuration, so the module reads it
    (C(<url>/admin/notebooks/configuration)), merges the requested O(settings) into it and posts the whole object
    to C(<url>/admin/notebooks/configuration/update). Properties the module does not know, and those not given in
    O(settings), are sent back exactly as the server returned them.
  - When every requested value is already set, nothing is sent and the task reports C(ok).
  - Values are checked before any request is sent - types, and the documented minimums
    (C(maxExecuteNotebookTimeMinutes) at least 15, C(asyncJobsCleanAgeHours) at least 6).
author:
  - platform_ops.admin maintainers (!UNKNOWN)
options:
  settings:
    description:
      - Configuration properties to set, by their API names, with their values.
      - Integers (V(webSocketSize), V(maxExecuteNotebookTimeMinutes), V(maxSnapshotsPerNotebookItem),
        V(asyncJobsCleanAgeHours), V(idleNotebookThreshold), V(containerCreatedThreshold)) must be positive whole
        numbers; strings of digits are accepted. V(allowHiddenFileDownloads) is a boolean.
      - V(notebookEgressNetworkPolicy) takes a dict or a JSON string and is compared as parsed JSON.
      - Other keys (newer server versions) are sent as given.
    type: dict
    required: true
extends_documentation_fragment:
  - platform_ops.admin.arcgis
  - platform_ops.admin.common
  - platform_ops.admin.attributes
  - platform_ops.admin.attributes.arcgis_group
attributes:
  check_mode:
    support: full
    details:
      - Reads the configuration and reports what would change; sends no update.
  diff_mode:
    support: full
    details:
      - Shows only the properties that change, before and after.
notes:
  - The account needs the C(Servers) or C(Security and infrastructure) administrative privilege.
  - The form field of the update request (C(configuration), a JSON string) is inferred from the vendor's
    documentation, which does not show a complete request.
  - When the answer to the update is unclear (connection cut, read timeout, an HTTP 5xx other than 503, or an
    HTTP 200 whose body is not JSON, since ArcGIS also reports errors inside HTTP 200 answers), the configuration
    is read again; the task succeeds with C(changed=true) and a warning if the settings are in place, and fails with
    C(changed=false) if they are not.
  - Integer settings must be between their documented minimum (1 otherwise) and 2147483647.
seealso:
  - module: platform_ops.admin.notebook_config_info
  - name: Notebook configuration (ArcGIS Enterprise Administrator API)
    description: The vendor's documentation of the configuration properties.
    link: https://developers.arcgis.com/rest/enterprise-administration/enterprise/notebook-configuration/
'''

EXAMPLES = r'''
- name: Close idle notebooks after a day and idle deployments after two hours
  platform_ops.admin.notebook_config:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    settings:
      idleNotebookThreshold: 1440
      containerCreatedThreshold: 120

- name: Restrict notebook egress to the cluster and the corporate network
  platform_ops.admin.notebook_config:
    url: https://gis.example.com/arcgis
    token: "{{ arcgis_login.token }}"
    settings:
      notebookEgressNetworkPolicy:
        egress:
          - to:
              - ipBlock:
                  cidr: 10.0.0.0/8
'''

RETURN = r'''
configuration:
  description:
    - The whole configuration after the task (in check mode, as it would be), including keys this module
      does not know.
  returned: success
  type: dict
  sample:
    webSocketSize: 16
    maxExecuteNotebookTimeMinutes: 120
    maxSnapshotsPerNotebookItem: 5
    allowHiddenFileDownloads: false
    idleNotebookThreshold: 1440
    containerCreatedThreshold: 60
changed_keys:
  description:
    - The properties whose values changed (in check mode, would change).
  returned: success
  type: list
  elements: str
  sample: [idleNotebookThreshold]
'''

from ansible.module_utils.common.text.converters import jsonify

from ansible_collections.platform_ops.admin.plugins.module_utils._module import PlatformModule
from ansible_collections.platform_ops.admin.plugins.module_utils.arcgis import (
    ARCGIS,
    CONFIGURATION_TYPED,
    comparable_setting,
    normalize_settings,
)


def settings_problem(settings, problems):
    """The problem with the normalized ``settings`` (and the ``problems`` normalizing found), or ``None``."""
    if problems:
        return 'Invalid settings: %s.' % '; '.join(problems)
    if not settings:
        return 'settings is empty: give at least one configuration property to set.'
    return None


def plan(current, settings):
    """The keys that change and the whole configuration to post (``current`` with ``settings`` merged in)."""
    changed_keys = sorted(key for key, value in settings.items()
                          if key not in current or comparable_setting(key, current[key]) != value)
    merged = dict(current)
    for key in changed_keys:
        if key in CONFIGURATION_TYPED and isinstance(current.get(key), str) and not isinstance(settings[key], str):
            # keep the server's own (string) representation of the properties whose type we know; other keys
            # are sent as given - turning them into strings made them differ from the request on every run
            merged[key] = jsonify(settings[key])
        else:
            merged[key] = settings[key]
    return changed_keys, merged


def update(module, client, merged, settings, changed_keys):
    """Post the configuration. An unclear answer (the frame's rule) is settled by reading the configuration again:
    the settings in place count as done, with a warning; otherwise the task fails unchanged."""
    def in_place():
        now = client.get_configuration()
        return all(comparable_setting(key, now.get(key)) == settings[key] for key in changed_keys)

    module.write('the notebook configuration update', lambda: client.update_configuration(merged), in_place,
                 shown=lambda _seen: 'reading the configuration again shows it applied',
                 not_shown='reading the configuration again shows the update was not applied')


def main():
    module = PlatformModule(ARCGIS, dict(settings=dict(type='dict', required=True)))
    settings, problems = normalize_settings(module.params['settings'])
    module.require(settings_problem(settings, problems))
    with module.connect() as client:
        # Always an object (get_configuration fails on anything else), so never overwritten by a misread.
        current = client.get_configuration()
        changed_keys, merged = plan(current, settings)
        if changed_keys and not module.check_mode:
            update(module, client, merged, settings, changed_keys)
    module.report(before={key: current[key] for key in changed_keys if key in current},
                  after={key: merged[key] for key in changed_keys}, changed=bool(changed_keys))
    module.done(configuration=merged, changed_keys=changed_keys)


if __name__ == '__main__':
    main()
