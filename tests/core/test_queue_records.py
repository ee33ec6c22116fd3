"""The queue's figures as values (app/core/queue_records.py): service and waiting
times summarised, and the share of calls that ended 过号."""

from __future__ import annotations

import pytest

from app.core.queue_records import Durations, GroupStats


def test_no_times_give_no_figures() -> None:
    assert Durations.of([]) == Durations(0, None, None, None, None)


def test_times_are_summarised_whatever_their_order() -> None:
    d = Durations.of([300.0, 60.0, 120.0, 600.0, 180.0, 240.0, 30.0, 90.0, 150.0, 210.0])
    assert d.count == 10
    assert d.mean == pytest.approx(198.0)
    assert d.median == pytest.approx(165.0)
    assert d.p90 == 600.0  # the 9th of 10 in order (index 9 of 0-9): the largest here
    assert d.max == 600.0


def test_p90_of_a_few_times_is_one_of_them() -> None:
    assert Durations.of([5.0]) == Durations(1, 5.0, 5.0, 5.0, 5.0)
    d = Durations.of([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0])
    assert d.p90 == 100.0  # int(0.9 * 11) = 9: the 10th smallest


def _group(served: int, no_shows: int, transferred: int) -> GroupStats:
    empty = Durations.of([])
    return GroupStats("A", 0, 0, served, no_shows, transferred, empty, empty, 0, None)


def test_the_no_show_rate_counts_every_ended_call() -> None:
    assert _group(6, 3, 1).no_show_rate == pytest.approx(0.3)
    assert _group(0, 2, 0).no_show_rate == 1.0
    assert _group(0, 0, 0).no_show_rate is None  # no call ended yet: no rate
