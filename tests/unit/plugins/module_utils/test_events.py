# -*- coding: utf-8 -*-
# Copyright: platform_ops.admin contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The edge detector and argument checks of the event sources' engine, without HTTP."""

from __future__ import annotations

import pytest

from ansible_collections.platform_ops.admin.plugins.module_utils._events import Edges, engine_problem


def run(edges, sequence):
    """Feed ``sequence`` (the set of keys holding at each poll); return the transitions per poll."""
    return [[(kind, key) for kind, key, _detail, _polls in edges.update({key: {} for key in keys})]
            for keys in sequence]


def test_debounce_one_reports_at_once_and_clears_at_once():
    assert run(Edges(1), [{'a'}, {'a'}, set(), set()]) == [[('started', 'a')], [], [('cleared', 'a')], []]


def test_a_condition_reports_after_k_polls_and_only_once():
    assert run(Edges(3), [{'a'}, {'a'}, {'a'}, {'a'}, {'a'}]) == [[], [], [('started', 'a')], [], []]


def test_a_short_gap_neither_clears_nor_restarts():
    edges = Edges(2)
    assert run(edges, [{'a'}, {'a'}, set(), {'a'}, set(), set()]) == [
        [], [('started', 'a')], [], [], [], [('cleared', 'a')]]
    assert edges.active == []


def test_a_condition_below_the_debounce_is_forgotten():
    assert run(Edges(2), [{'a'}, set(), {'a'}, set()]) == [[], [], [], []]


def test_keys_are_independent():
    assert run(Edges(1), [{'a'}, {'a', 'b'}, {'b'}]) == [[('started', 'a')], [('started', 'b')], [('cleared', 'a')]]


def test_the_cleared_event_carries_the_last_detail_seen():
    edges = Edges(1)
    edges.update({'a': {'sessions': 10}})
    edges.update({'a': {'sessions': 12}})
    assert edges.update({}) == [('cleared', 'a', {'sessions': 12}, 1)]


GOOD = dict(interval=60.0, jitter=0.1, debounce=2, error_threshold=3, backoff_max=300.0, max_polls=0)


@pytest.mark.parametrize('change, fragment', [
    (dict(interval=0), 'interval'), (dict(interval=1e9), 'interval'), (dict(jitter=1), 'jitter'),
    (dict(jitter=-0.1), 'jitter'), (dict(debounce=0), 'debounce'), (dict(error_threshold=0), 'error_threshold'),
    (dict(backoff_max=10), 'backoff_max'), (dict(max_polls=-1), 'max_polls'),
])
def test_engine_problems(change, fragment):
    assert engine_problem(GOOD) is None
    assert fragment in engine_problem(dict(GOOD, **change))


def test_backoff_max_may_be_left_out():
    assert engine_problem(dict(GOOD, backoff_max=None, interval=3600)) is None


def test_a_key_that_could_not_be_looked_at_keeps_its_state():
    edges = Edges(1)
    edges.update({'a': {}})
    assert edges.update({}, unknown=lambda key: key == 'a') == []
    assert edges.active == ['a']
    assert [kind for kind, *_rest in edges.update({})] == ['cleared']
