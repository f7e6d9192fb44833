# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bounded pool every fleet module and source uses (``_parallel``), and the 429 gate of the HTTP client."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import (
    fail_percentage_problem,
    parallel_problem,
    report_outcomes,
    run_bounded,
    too_many_failures,
)
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, Gate


def test_results_come_in_the_order_of_the_items_and_at_most_parallel_run_at_once():
    lock = threading.Lock()
    running = [0, 0]

    def work(item):
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.02 * (5 - item % 5))
        with lock:
            running[0] -= 1
        return item * 10

    outcomes = run_bounded(range(20), work, parallel=4)
    assert [outcome.value for outcome in outcomes] == [item * 10 for item in range(20)]
    assert running[1] == 4


def test_parallel_1_runs_in_this_thread_one_after_the_other():
    threads = set()
    run_bounded(range(5), lambda item: threads.add(threading.current_thread()), parallel=1)
    assert threads == {threading.current_thread()}


def test_a_failing_item_is_recorded_and_the_others_go_on():
    def work(item):
        if item == 3:
            raise ApiError('Reading item 3', method='GET', url='https://api.example.com/3', status=403)
        return item

    outcomes = run_bounded(range(8), work, parallel=3)
    assert [outcome.failed for outcome in outcomes] == [item == 3 for item in range(8)]
    assert [outcome.value for outcome in outcomes if not outcome.failed] == [0, 1, 2, 4, 5, 6, 7]
    results = [dict(item=item) for item in range(8)]
    message = report_outcomes(outcomes, results, 'items')
    assert message == ('1 of 8 items failed; the first error: Reading item 3 failed: GET https://api.example.com/3 answered '
                       'HTTP 403 Forbidden.')
    assert results[3]['failed'] is True and results[3]['http_status'] == 403 and 'failed' not in results[2]


@pytest.mark.parametrize('parallel', [1, 4])
def test_max_fail_percentage_stops_starting_items(parallel):
    started = []

    def work(item):
        started.append(item)
        raise ApiError('Reading item %d' % item)

    outcomes = run_bounded(range(40), work, parallel=parallel, max_fail_percentage=5)
    # 5 % of 40 is 2: the third failure stops the run; those under way finish.
    assert 3 <= len(started) <= 2 + parallel
    assert sum(outcome.skipped for outcome in outcomes) == 40 - len(started)
    assert all(outcome.failed or outcome.skipped for outcome in outcomes)


def test_ansible_rule_for_max_fail_percentage():
    assert not too_many_failures(1, 10, 10) and too_many_failures(2, 10, 10)
    assert too_many_failures(1, 10, 0) and not too_many_failures(10, 10, 100)


def test_an_unexpected_exception_is_raised_after_the_items_under_way():
    def work(item):
        if item == 1:
            raise KeyError('bug')
        time.sleep(0.05)
        return item

    with pytest.raises(KeyError):
        run_bounded(range(10), work, parallel=3)


def test_a_stopped_run_starts_nothing_more():
    stop = threading.Event()
    outcomes = run_bounded(range(6), lambda item: stop.set() if item == 1 else item, parallel=1, stop=stop)
    assert [outcome.skipped for outcome in outcomes] == [False, False, True, True, True, True]


def test_option_rules():
    assert parallel_problem(8) is None and parallel_problem(64) is None
    assert parallel_problem(0) == 'parallel must be between 1 and 64, got 0.'
    assert parallel_problem(True) == 'parallel must be between 1 and 64, got True.'
    assert fail_percentage_problem(0) is None and fail_percentage_problem(100) is None
    assert fail_percentage_problem(-1) == 'max_fail_percentage must be between 0 and 100, got -1.'


def test_the_gate_holds_every_request_until_the_pause_asked_for():
    now = [100.0]
    slept = []
    gate = Gate(clock=lambda: now[0], sleep=slept.append)
    gate.wait(30)
    assert slept == []
    gate.hold(2.0)
    gate.hold(1.0)  # a shorter pause does not shorten the longer one
    gate.wait(30)
    assert slept == [2.0]
    gate.wait(0.5)  # never past the request's own deadline
    assert slept == [2.0, 0.5]
    now[0] = 103.0
    gate.wait(30)
    assert slept == [2.0, 0.5] and gate.held == 2
