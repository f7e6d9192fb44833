# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: appends every task result to the file named by PLATFORM_OPS_RESULT_LOG (one JSON object a
line: action, task name, whether it failed, result), so the suite can check each result of a collection module against its RETURN
(tests/returns.py). Loop items are recorded one by one; a task's summary of its loop is not."""

from __future__ import annotations

DOCUMENTATION = r'''
name: platform_ops_results
type: aggregate
short_description: Record task results for the test suite
description:
  - Appends each task result to the file named by E(PLATFORM_OPS_RESULT_LOG).
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'platform_ops_results'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, failed, item=False):
        path = os.environ.get('PLATFORM_OPS_RESULT_LOG')
        if not path:
            return
        task = result._task  # pylint: disable=protected-access
        data = dict(result._result)  # pylint: disable=protected-access
        if not item and isinstance(data.get('results'), list) and task.loop is not None:
            return  # the summary of a loop: its items were recorded
        entry = dict(action=task.resolved_action or task.action, task=task.get_name(), failed=failed, result=data)
        with open(path, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(entry, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, True)

    def v2_runner_item_on_ok(self, result):
        self._record(result, False, item=True)

    def v2_runner_item_on_failed(self, result):
        self._record(result, True, item=True)
