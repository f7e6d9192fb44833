# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stateful simulators of the vendor APIs this collection manages (tests and demo only)."""

from __future__ import annotations

import importlib

# name -> "module:Class"; the launcher starts every simulator listed here.
SIMULATORS = {
    'arcgis': 'arcgis:ArcGISSimulator',
    'huawei_dcs': 'huawei_dcs:HuaweiDCSSimulator',
    'ece': 'ece:ECESimulator',
}


def simulator_class(name):
    module_name, class_name = SIMULATORS[name].split(':')
    module = importlib.import_module('%s.%s' % (__name__, module_name))
    return getattr(module, class_name)
