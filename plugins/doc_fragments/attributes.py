# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the modules."""

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: N/A
    details:
      - This module never changes anything.
'''

    ARCGIS_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/platform_ops.admin.arcgis) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - platform_ops.admin.arcgis
'''

    HUAWEI_DCS_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/platform_ops.admin.huawei_dcs) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - platform_ops.admin.huawei_dcs
'''

    ECE_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/platform_ops.admin.ece) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - platform_ops.admin.ece
'''
