# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's name and version, sent in the User-Agent (a unit test keeps it equal to galaxy.yml).

Internal to this collection: no API promise to others.
"""

from __future__ import annotations

COLLECTION_NAME = 'platform_ops.admin'
COLLECTION_VERSION = '1.0.0'
