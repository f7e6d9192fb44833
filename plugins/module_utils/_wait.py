# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the one wait loop of every vendor.

ArcGIS waits for deployments to leave the list, DCS for jobs to end, ECE for plans to finish: each is
``poll(read, done, ...)`` with its own ``read`` (one request), ``done`` (a test of what was read, which may
raise to end the wait with an error) and ``Schedule`` (capped exponential backoff).
"""

from __future__ import annotations

import time

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError


class Schedule:
    """Delays between polls: ``first``, then multiplied by ``factor`` up to ``maximum`` seconds."""

    def __init__(self, first=0.25, factor=2.0, maximum=5.0):
        self.first = first
        self.factor = factor
        self.maximum = maximum

    def delays(self):
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.maximum)


class WaitTimeout(ApiError):
    """What was awaited did not happen before the deadline; ``last`` is the last value read."""

    def __init__(self, operation, reason, last=None):
        self.last = last
        super().__init__(operation, reason=reason)


def poll(read, done, timeout, schedule=None, operation='Waiting', on_timeout=None, sleep=time.sleep,
         clock=time.monotonic, deadline=None, first_delay=None, immediately=False, at_least_once=False):
    """Call ``read()`` until ``done(value)`` is true; return that value.

    The first read comes after the schedule's first delay, or after ``first_delay`` (which replaces it), or at
    once with ``immediately`` (the schedule's delays then come between the reads that follow). The last read is
    made at the deadline: ``timeout`` seconds from now, or the ``deadline`` given as a ``clock`` time (waits
    one after the other can share one). With ``at_least_once`` the value is read once even when the deadline
    has passed already. ``done`` may raise (an ``ApiError``) to end the wait with an error. When the deadline
    passes, the ``ApiError`` that ``on_timeout(last value)`` returns is raised (default: ``WaitTimeout``,
    carrying the last value).
    """
    schedule = schedule or Schedule()
    deadline = clock() + timeout if deadline is None else deadline
    delays = schedule.delays()
    if immediately:
        delay = 0.0
    else:
        delay = next(delays)
        if first_delay is not None:
            delay = first_delay
    reads = 0
    value = None
    while True:
        remaining = deadline - clock()
        if remaining <= 0 and (reads or not at_least_once):
            if on_timeout is not None:
                raise on_timeout(value)
            raise WaitTimeout(operation, 'not done after %gs' % timeout, last=value)
        pause = max(0.0, min(delay, remaining))
        if pause > 0:
            sleep(pause)
        value = read()
        reads += 1
        if done(value):
            return value
        delay = next(delays)
