# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the polling engine of the Event-Driven Ansible sources in
``extensions/eda/plugins/event_source/``.

A source is the modules' own connection (the vendor's ``Connection``: argument spec, validation, client), a
``poll`` that records what it sees in an ``Observation`` (the conditions that hold, ``{key: detail}``; every key it
saw, with its current state; the items - deployments, instances - it could not read), and this loop around them:

* **edge-triggered, debounced** (``Edges``): a ``started`` event when a condition has held ``debounce``
  consecutive polls, one ``cleared`` event when it has not held for ``debounce`` consecutive polls, nothing in
  between however many polls see it. A key whose item could not be read keeps its state (neither held nor missed).
* **paced**: ``interval`` seconds between polls, each wait shortened by up to ``jitter`` (a fraction) so that many
  sources do not poll in step; after a failed poll, exponential backoff up to ``backoff_max`` seconds;
* **loud once**: after ``error_threshold`` consecutive failed polls, one ``error`` event with the error's
  sentence, and one ``recovered`` event when a poll succeeds again; the same per item (a deleted deployment does
  not blind the source to the others); the client is rebuilt after a failed poll (an expired token is fetched
  again);
* **quiet about secrets**: every value the connection options mark ``no_log`` (passwords, keys, tokens, and
  what the client obtains at run time) is masked in every event, and the HTTP client's redaction applies to
  every message; warnings (plain http, ``validate_certs: false``) are logged once;
* **stoppable**: requests run in the source's own worker thread; cancelling the source's task stops the poll at
  the next item or wait (an interruptible sleep), and the client is closed once the worker is done with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import random
import sys
import threading

from ansible_collections.platform_ops.admin.plugins.module_utils._options import OptionsError, OptionsModule
from ansible_collections.platform_ops.admin.plugins.module_utils._parallel import run_bounded
from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError

MAX_INTERVAL = 86400.0


class SourceError(OptionsError):
    """The source's arguments cannot work (raised before any request)."""


class SourceStopped(Exception):
    """The source was stopped while a poll was under way."""


def engine_argument_spec():
    """The options every source has besides its vendor's connection options."""
    return dict(
        interval=dict(type='float', default=60.0),
        jitter=dict(type='float', default=0.1),
        debounce=dict(type='int', default=2),
        error_threshold=dict(type='int', default=3),
        backoff_max=dict(type='float'),
        max_polls=dict(type='int', default=0),
    )


def engine_problem(params):
    """The problem with the engine options, or ``None``."""
    if not 0 < params['interval'] <= MAX_INTERVAL:
        return 'interval must be greater than 0 and at most %d seconds, got %s.' % (MAX_INTERVAL, params['interval'])
    if not 0 <= params['jitter'] < 1:
        return 'jitter is a fraction of the interval, at least 0 and below 1, got %s.' % params['jitter']
    if not 1 <= params['debounce'] <= 1000:
        return 'debounce is a number of polls from 1 to 1000, got %s.' % params['debounce']
    if not 1 <= params['error_threshold'] <= 1000:
        return 'error_threshold is a number of polls from 1 to 1000, got %s.' % params['error_threshold']
    if params['max_polls'] < 0:
        return 'max_polls must be 0 (poll until stopped) or more, got %s.' % params['max_polls']
    backoff_max = params['backoff_max']
    if backoff_max is not None and not params['interval'] <= backoff_max <= MAX_INTERVAL:
        return 'backoff_max must be at least interval (%s) and at most %d seconds, got %s.' % (
            params['interval'], MAX_INTERVAL, backoff_max)
    return None


def items_problem(values, option, check=None):
    """The problem with a list of ids to watch, or ``None``: not empty, each one valid by ``check``."""
    if not values:
        return '%s must name at least one item to watch.' % option
    for value in values:
        problem = check(value, option) if check else None
        if problem:
            return problem
    return None


class SourceModule(OptionsModule):
    """The options of a source: its vendor's connection options, the engine's and its own, validated as a module's
    (``OptionsModule``: types, choices, environment fallbacks, constraints, credentials by ``Connection.prepare``); a
    warning is logged once, a failure raises ``SourceError``."""

    error = SourceError

    def __init__(self, connection, argument_spec, args, logger=None):
        spec = engine_argument_spec()
        spec.update(argument_spec)
        self.logger = logger or logging.getLogger(__name__)
        super().__init__(connection, spec, args, warn=self.logger.warning)
        problem = engine_problem(self.params)
        if problem:
            raise SourceError(problem)


class Observation:
    """What one poll saw: ``conditions`` (key -> detail, for the keys whose condition holds), ``seen`` (key -> its
    current state, for every key listed), ``failed`` (item -> the error's sentence, for the items not read)."""

    def __init__(self, stop=None):
        self.conditions = {}
        self.seen = {}
        self.failed = {}
        self.attempted = []
        self.held = []
        self.stop = stop or threading.Event()

    @property
    def nothing_read(self):
        """Every item the poll tried failed: the poll failed as a whole."""
        return bool(self.attempted) and len(self.failed) == len(self.attempted)

    def hold(self, keys):
        """Keys for which ``keys(key)`` is true keep their state at this poll, as those of an item that failed do:
        what belongs to a part of the fleet that could not be listed."""
        self.held.append(keys)

    def attempt(self, item, read):
        """``read()`` one item (a deployment, an instance); an ``ApiError`` is recorded against it, and the poll
        goes on with the other items. Stops when the source is stopped."""
        if self.stop.is_set():
            raise SourceStopped('stopped')
        self.attempted.append(item)
        try:
            read()
        except ApiError as error:
            self.failed[item] = str(error)

    def attempt_each(self, items, read, parallel):
        """``read(item, part)`` for each item as ``attempt`` does, up to ``parallel`` at a time (``run_bounded``):
        each writes what it sees into a ``part`` of its own, and the parts are taken in the order of ``items``, so
        the events of a poll are those of a poll that read the items one after the other, in the same order."""
        items = list(items)
        parts = [Observation(self.stop) for _item in items]

        def one(index):
            parts[index].attempt(items[index], lambda: read(items[index], parts[index]))

        run_bounded(range(len(items)), one, parallel, stop=self.stop, catch=(), name='poll')
        if self.stop.is_set():
            raise SourceStopped('stopped')
        for part in parts:
            self.attempted.extend(part.attempted)
            self.seen.update(part.seen)
            self.conditions.update(part.conditions)
            self.failed.update(part.failed)


class Edges:
    """Turns the conditions seen at each poll into ``started`` / ``cleared`` transitions, debounced."""

    def __init__(self, debounce):
        self.debounce = debounce
        self.conditions = {}  # key -> dict(active, held, missed, detail)

    def update(self, observed, unknown=lambda key: False):
        """``observed`` maps each key whose condition holds now to its detail; ``unknown(key)`` is true for keys
        that could not be looked at (their state is kept). Returns ``[(type, key, detail, polls)]`` for the
        conditions that started or cleared at this poll."""
        transitions = []
        for key, detail in observed.items():
            state = self.conditions.setdefault(key, dict(active=False, held=0, missed=0, detail=detail))
            state.update(held=state['held'] + 1, missed=0, detail=detail)
            if not state['active'] and state['held'] >= self.debounce:
                state['active'] = True
                transitions.append(('started', key, detail, state['held']))
        for key in [key for key in self.conditions if key not in observed and not unknown(key)]:
            state = self.conditions[key]
            if not state['active']:
                del self.conditions[key]  # it did not hold long enough to be reported
                continue
            state.update(held=0, missed=state['missed'] + 1)
            if state['missed'] >= self.debounce:
                del self.conditions[key]
                transitions.append(('cleared', key, state['detail'], state['missed']))
        return transitions

    @property
    def active(self):
        return sorted(key for key, state in self.conditions.items() if state['active'])


class Failures:
    """Consecutive failures of one thing (the whole poll, or one item) and whether its error event went out."""

    def __init__(self):
        self.count = 0
        self.reported = False


class Source:
    """One event source.

    ``connect(stop)`` builds the vendor client from ``module`` (a ``SourceModule``); ``poll(client, observation)``
    fills an ``Observation``; ``describe(key)`` gives the fields naming a key in an event, ``item_of(key)`` the
    item (deployment, instance) a key belongs to and ``describe_item(item)`` the fields naming an item. ``name`` is
    the source's FQCN and ``condition`` what its conditions are called. ``backoff_default`` is the longest wait
    between failed polls when ``backoff_max`` is not given (never below ``interval``).
    """

    def __init__(self, name, condition, module, connect, poll, describe, item_of=None, describe_item=None,
                 backoff_default=300.0, sleep=asyncio.sleep, rand=random.random):
        self.name = name
        self.condition = condition
        self.module = module
        self.params = module.params
        self.connect = connect
        self.poll = poll
        self.describe = describe
        self.item_of = item_of or (lambda key: key)
        self.describe_item = describe_item or (lambda item: dict(item=item))
        self.backoff_max = self.params['backoff_max'] or max(backoff_default, self.params['interval'])
        self.edges = Edges(self.params['debounce'])
        self.sleep = sleep
        self.rand = rand
        self.poll_failures = Failures()
        self.item_failures = {}
        self.polls = 0
        self.client = None
        self.stop = threading.Event()
        self.executor = None
        self.busy = None

    # --- events ------------------------------------------------------------------------------

    def redact(self, text):
        client = self.client
        redact = getattr(client, 'redact', None) or getattr(getattr(client, 'http', None), 'redact', None)
        return redact(text) if redact is not None else text

    def event(self, event_type, **fields):
        event = dict(source=self.name, type=event_type, condition=self.condition)
        event.update(fields)
        return self.module.mask(event)

    def delay(self):
        """Seconds until the next poll: the interval, or the backoff after failures, shortened by the jitter
        (never longer than the interval or ``backoff_max``)."""
        base = self.params['interval']
        if self.poll_failures.count:
            base = min(self.backoff_max, base * 2 ** min(self.poll_failures.count, 30))
        return base * (1 - self.params['jitter'] * self.rand())

    # --- one poll ----------------------------------------------------------------------------

    def _work(self):
        """In the worker thread: connect when needed, then poll."""
        if self.client is None:
            self.client = self.connect(self.stop)
        observation = Observation(self.stop)
        self.poll(self.client, observation)
        return observation

    async def _in_worker(self):
        if self.executor is None:
            self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        self.busy = self.executor.submit(self._work)
        try:
            return await asyncio.wrap_future(self.busy)
        except asyncio.CancelledError:
            # The worker goes on until its next item or wait; it closes the client when it is done.
            self.stop.set()
            self.busy.add_done_callback(lambda _future: self.close())
            raise

    def close(self):
        client, self.client = self.client, None
        if client is not None:
            client.close()

    async def poll_once(self, queue):
        """One poll: events for the conditions that started or cleared, and for errors and recoveries."""
        self.polls += 1
        try:
            observation = await self._in_worker()
        except (ApiError, SourceError) as error:
            return await self._poll_failed(queue, self.redact(str(error)))
        except Exception as error:  # pylint: disable=broad-except
            # Whatever else a vendor answer provokes must not end the source: it is reported like an API error.
            return await self._poll_failed(queue, self.redact('Polling failed: %s: %s' % (type(error).__name__, error)))
        if observation.nothing_read:
            # Nothing could be read: the poll failed as a whole (and the client is rebuilt).
            return await self._poll_failed(queue, self.redact('; '.join(observation.failed.values())))
        await self._poll_worked(queue)
        await self._items(queue, observation)

        def unknown(key):
            return self.item_of(key) in observation.failed or any(keys(key) for keys in observation.held)

        for event_type, key, detail, polls in self.edges.update(observation.conditions, unknown):
            fields = dict(self.describe(key))
            fields.update(polls=polls, detail=detail)
            if event_type == 'cleared':
                fields['current'] = observation.seen.get(key)  # None: no longer listed
            await queue.put(self.event(event_type, **fields))
        return None

    async def _poll_failed(self, queue, message):
        failures = self.poll_failures
        failures.count += 1
        self.close()
        if failures.count >= self.params['error_threshold'] and not failures.reported:
            failures.reported = True
            await queue.put(self.event('error', failures=failures.count, message=message))

    async def _poll_worked(self, queue):
        failures = self.poll_failures
        if failures.reported:
            await queue.put(self.event('recovered', failures=failures.count))
        self.poll_failures = Failures()

    async def _items(self, queue, observation):
        for item, message in observation.failed.items():
            failures = self.item_failures.setdefault(item, Failures())
            failures.count += 1
            if failures.count >= self.params['error_threshold'] and not failures.reported:
                failures.reported = True
                fields = dict(self.describe_item(item), failures=failures.count, message=self.redact(message))
                await queue.put(self.event('error', **fields))
        for item in [item for item in self.item_failures if item not in observation.failed]:
            failures = self.item_failures.pop(item)
            if failures.reported:
                await queue.put(self.event('recovered', failures=failures.count, **self.describe_item(item)))

    # --- the loop ----------------------------------------------------------------------------

    async def run(self, queue):
        """Poll until cancelled, or until ``max_polls`` polls when it is not 0."""
        limit = self.params['max_polls']
        try:
            while True:
                await self.poll_once(queue)
                if limit and self.polls >= limit:
                    return
                await self.sleep(self.delay())
        finally:
            if self.busy is None or self.busy.done():
                self.close()
            if self.executor is not None:
                self.executor.shutdown(wait=False)


def interruptible_sleep(stop):
    """A ``sleep`` for the vendor clients' waits that ends the poll when the source is stopped."""
    def sleep(seconds):
        if stop.wait(seconds):
            raise SourceStopped('stopped')
    return sleep


class _Printer:
    """A queue that prints each event as one JSON line."""

    async def put(self, event):
        sys.stdout.write(json.dumps(event) + '\n')
        sys.stdout.flush()


def run_by_hand(main, argv):
    """``python <source>.py '<arguments as JSON>'``: the source's events, one JSON line each, until interrupted."""
    try:
        asyncio.run(main(_Printer(), json.loads(argv[1]) if len(argv) > 1 else {}))
    except KeyboardInterrupt:
        pass
    except (SourceError, ValueError) as error:
        raise SystemExit('%s: %s' % (argv[0], error))
