# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): many items (instances, deployments) worked on at once, bounded.

The waits of a fleet are I/O (scan jobs, plans, answers): ``run_bounded`` works on up to ``parallel`` items at a
time in threads of one process, over the one pooled ``HttpClient`` of the run (its ``pool_maxsize`` is ``parallel``,
so every worker has a connection of its own). Every module, event source and inventory that works on many items uses
this one helper and the one rule for its options (``parallel_problem``, ``fail_percentage_problem``).
"""

from __future__ import annotations

import concurrent.futures
import threading

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError, id_problem

DEFAULT_PARALLEL = 8
MAX_PARALLEL = 64


def parallel_problem(value, option='parallel'):
    """The problem with a ``parallel`` option, or ``None``: from 1 to ``MAX_PARALLEL``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARALLEL:
        return '%s must be between 1 and %d, got %s.' % (option, MAX_PARALLEL, value)
    return None


def fail_percentage_problem(value, option='max_fail_percentage'):
    """The problem with a ``max_fail_percentage`` option, or ``None``: from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        return '%s must be between 0 and 100, got %s.' % (option, value)
    return None


def ids_problem(values, option, noun):
    """The problem with a list of ids worked on in one task (``instance_ids``, ``deployment_ids``), or ``None``: at
    least one, each usable in a URL path (``id_problem``), none twice. ``noun`` names one item (``instance``)."""
    if not values:
        return '%s must list at least one %s.' % (option, noun)
    seen = set()
    for value in values:
        problem = id_problem(value, option)
        if problem:
            return problem
        if value.strip() in seen:
            return '%s %s is listed twice; list each %s once.' % (noun.capitalize(), value.strip(), noun)
        seen.add(value.strip())
    return None


class Outcome:
    """What became of one item: ``value`` (what the work returned), ``error`` (the ``ApiError`` it raised), or
    ``skipped`` (never started: the failures had passed ``max_fail_percentage``, or the run was stopped)."""

    def __init__(self, item):
        self.item = item
        self.value = None
        self.error = None
        self.skipped = False

    @property
    def failed(self):
        return self.error is not None


def too_many_failures(failed, total, max_fail_percentage):
    """Ansible's rule for ``max_fail_percentage``: stop when more than that percentage of the items failed."""
    return max_fail_percentage < 100 and failed * 100.0 > max_fail_percentage * total


def run_bounded(items, work, parallel=DEFAULT_PARALLEL, max_fail_percentage=100, stop=None, catch=(ApiError,),
                name='worker'):
    """``work(item)`` for every item, at most ``parallel`` at a time; returns an ``Outcome`` per item, in the order of
    ``items``.

    An exception of ``catch`` is the item's ``error`` and the others go on; once more than ``max_fail_percentage``
    percent of the items failed (Ansible's rule), or ``stop`` (a ``threading.Event``) is set, no further item starts
    (those are ``skipped``) and the ones under way finish. Any other exception is raised once the items under way
    have finished. With ``parallel`` 1 (or one item) the items run in this thread, one after the other.
    """
    items = list(items)
    outcomes = [Outcome(item) for item in items]
    failed = [0]
    lock = threading.Lock()

    def halted():
        return (stop is not None and stop.is_set()) or too_many_failures(failed[0], len(items), max_fail_percentage)

    def one(outcome):
        try:
            outcome.value = work(outcome.item)
        except catch as error:  # pylint: disable=catching-non-exception
            outcome.error = error
            with lock:
                failed[0] += 1

    workers = max(1, min(int(parallel), len(items)))
    if workers == 1:
        for outcome in outcomes:
            if halted():
                outcome.skipped = True
                continue
            one(outcome)
        return outcomes
    pending = set()
    unexpected = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        for outcome in outcomes:
            while len(pending) >= workers:
                done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                unexpected.extend(future.exception() for future in done if future.exception() is not None)
            if unexpected or halted():
                outcome.skipped = True
                continue
            pending.add(pool.submit(one, outcome))
        done, _pending = concurrent.futures.wait(pending)
        unexpected.extend(future.exception() for future in done if future.exception() is not None)
    if unexpected:
        raise unexpected[0]
    return outcomes


def report_outcomes(outcomes, results, what):
    """Mark each item's result dict (``results``, in the order of ``outcomes``) with what became of it: ``failed``,
    ``msg`` and the error's details for a failed one, ``skipped`` and ``msg`` for one never started. Returns the one
    sentence a task fails with when any item failed (naming how many, and quoting the first error), or ``None``."""
    failures = [outcome for outcome in outcomes if outcome.failed]
    skipped = 0
    for outcome, result in zip(outcomes, results):
        if outcome.failed:
            result.update(outcome.error.as_result())
            result.update(failed=True, msg=str(outcome.error))
        elif outcome.skipped:
            skipped += 1
            result.update(skipped=True, msg='not started: too many %s had failed (max_fail_percentage), or the run '
                                            'was stopped' % what)
    if not failures:
        return None
    return '%d of %d %s failed%s; the first error: %s' % (
        len(failures), len(outcomes), what, ' and %d were not started (max_fail_percentage)' % skipped if skipped else '',
        failures[0].error)
