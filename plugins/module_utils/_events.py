# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal to this collection (no API promise): the polling engine of the Event-Driven Ansible sources in
``extensions/eda/plugins/event_source/``.

A source is the modules' own connection (the vendor's ``Connection``: argument spec, validation, client), a
``poll(client)`` that returns the conditions holding now (``{key: detail}``), and this loop around them:

* **edge-triggered, debounced** (``Edges``): a ``started`` event when a condition has held ``debounce``
  consecutive polls, one ``cleared`` event when it has not held for ``debounce`` consecutive polls, nothing in
  between however many polls see it;
* **paced**: ``interval`` seconds between polls, each spread by up to ``jitter`` (a fraction) so that many
  sources do not poll in step; after a failed poll, exponential backoff up to ``backoff_max`` seconds;
* **loud once**: after ``error_threshold`` consecutive failed polls, one ``error`` event with the error's
  sentence, and one ``recovered`` event when a poll succeeds again; the client is rebuilt after a failure (an
  expired token is fetched again);
* **quiet about secrets**: every value the connection options mark ``no_log`` (passwords, keys, tokens, and
  what the client obtains at run time) is masked in every event, and the HTTP client's messages are redacted;
* **cancellable**: blocking requests run in a worker thread, and cancelling the source's task closes its client.
"""

from __future__ import annotations

import asyncio
import random

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.platform_ops.admin.plugins.module_utils.http_client import ApiError

MAX_INTERVAL = 86400.0


class SourceError(ValueError):
    """The source's arguments cannot work (raised before any request)."""


def engine_argument_spec():
    """The options every source has besides its vendor's connection options."""
    return dict(
        interval=dict(type='float', default=60.0),
        jitter=dict(type='float', default=0.1),
        debounce=dict(type='int', default=2),
        error_threshold=dict(type='int', default=3),
        backoff_max=dict(type='float', default=300.0),
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
    if not params['interval'] <= params['backoff_max'] <= MAX_INTERVAL:
        return 'backoff_max must be at least interval and at most %d seconds, got %s.' % (MAX_INTERVAL, params['backoff_max'])
    return None


class SourceModule:
    """What the vendors' connection glue (``<vendor>_client_from_module``) needs of an ``AnsibleModule``:
    ``params`` validated against the same argument spec (types, choices, environment fallbacks, constraints),
    ``no_log_values``, ``warn`` and ``fail_json`` (which raises ``SourceError``). No check mode."""

    check_mode = False

    def __init__(self, connection, argument_spec, args):
        spec = connection.argument_spec()
        spec.update(engine_argument_spec())
        spec.update(argument_spec)
        validator = ArgumentSpecValidator(spec, mutually_exclusive=connection.mutually_exclusive,
                                          required_together=connection.required_together,
                                          required_one_of=connection.required_one_of)
        result = validator.validate(dict(args or {}))
        self.no_log_values = set(result._no_log_values)  # pylint: disable=protected-access
        if result.error_messages:
            raise SourceError(self.mask('; '.join(result.error_messages)))
        self.params = result.validated_parameters
        # A blank option counts as not given, as in the modules (a credential injects every field).
        for name in connection.argument_spec():
            if self.params.get(name) == '':
                self.params[name] = None
        problem = engine_problem(self.params)
        if problem:
            raise SourceError(problem)
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, msg, **_details):
        raise SourceError(self.mask(msg))

    def mask(self, value):
        return remove_values(value, self.no_log_values)


class Edges:
    """Turns the conditions seen at each poll into ``started`` / ``cleared`` transitions, debounced."""

    def __init__(self, debounce):
        self.debounce = debounce
        self.conditions = {}  # key -> dict(active, held, missed, detail)

    def update(self, observed):
        """``observed`` maps each key whose condition holds now to its detail; returns ``[(type, key, detail,
        polls)]`` for the conditions that started or cleared at this poll."""
        transitions = []
        for key, detail in observed.items():
            state = self.conditions.setdefault(key, dict(active=False, held=0, missed=0, detail=detail))
            state.update(held=state['held'] + 1, missed=0, detail=detail)
            if not state['active'] and state['held'] >= self.debounce:
                state['active'] = True
                transitions.append(('started', key, detail, state['held']))
        for key in [key for key in self.conditions if key not in observed]:
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


class Source:
    """One event source: ``connect()`` builds the vendor client from ``module`` (a ``SourceModule``),
    ``poll(client)`` returns ``{key: detail}`` for the conditions that hold, ``describe(key)`` the fields naming
    the key in an event. ``name`` is the source's FQCN and ``condition`` what its conditions are called."""

    def __init__(self, name, condition, module, connect, poll, describe, sleep=asyncio.sleep, rand=random.random):
        self.name = name
        self.condition = condition
        self.module = module
        self.params = module.params
        self.connect = connect
        self.poll = poll
        self.describe = describe
        self.edges = Edges(self.params['debounce'])
        self.sleep = sleep
        self.rand = rand
        self.failures = 0
        self.error_reported = False
        self.polls = 0

    def event(self, event_type, **fields):
        event = dict(source=self.name, type=event_type, condition=self.condition)
        event.update(fields)
        return self.module.mask(event)

    def delay(self):
        """Seconds until the next poll: the interval, or the backoff after failures, spread by the jitter."""
        base = self.params['interval']
        if self.failures:
            base = min(self.params['backoff_max'], base * 2 ** min(self.failures, 30))
        spread = self.params['jitter'] * base
        return max(0.0, base + (2 * self.rand() - 1) * spread)

    async def poll_once(self, queue, client):
        """One poll; returns the client to keep (``None`` after a failure, so the next poll connects again)."""
        loop = asyncio.get_running_loop()
        self.polls += 1
        try:
            if client is None:
                client = await loop.run_in_executor(None, self.connect)
            observed = await loop.run_in_executor(None, self.poll, client)
        except (ApiError, SourceError) as error:
            return await self._failed(queue, client, str(error))
        except Exception as error:  # pylint: disable=broad-except
            # Whatever else a vendor answer provokes must not end the source: it is reported like an API error.
            return await self._failed(queue, client, 'Polling failed: %s: %s' % (type(error).__name__, error))
        if self.error_reported:
            await queue.put(self.event('recovered', failures=self.failures))
        self.failures = 0
        self.error_reported = False
        for event_type, key, detail, polls in self.edges.update(observed):
            fields = dict(self.describe(key))
            fields.update(polls=polls, detail=detail)
            await queue.put(self.event(event_type, **fields))
        return client

    async def _failed(self, queue, client, message):
        self.failures += 1
        if client is not None:
            client.close()
        if self.failures >= self.params['error_threshold'] and not self.error_reported:
            self.error_reported = True
            await queue.put(self.event('error', failures=self.failures, message=message))
        return None

    async def run(self, queue):
        """Poll until cancelled, or until ``max_polls`` polls when it is not 0."""
        client = None
        limit = self.params.get('max_polls')
        try:
            while True:
                client = await self.poll_once(queue, client)
                if limit and self.polls >= limit:
                    return
                await self.sleep(self.delay())
        finally:
            if client is not None:
                client.close()
