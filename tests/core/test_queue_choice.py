"""One call at one counter (choose_next), pinned case by case: what the fairness
theorems of test_queue_policy.py allow either way, the hall's rules decide here —
a ticket sent to this counter first, the older head on a tie of credits, which rule
is recorded, the jump limit's exact edge."""

from __future__ import annotations

import pytest

from app.core.queue_policy import (
    Candidate,
    CounterState,
    QueuePolicy,
    Rule,
    choose_next,
    lane_heads,
)

POLICY = QueuePolicy(max_jump=10_000)


def test_a_ticket_transferred_to_this_counter_is_called_first() -> None:
    waiting = [
        Candidate("a1", 1, "A"),
        Candidate("b1", 2, "B"),
        Candidate("t1", 7, "B", direct=True),
        Candidate("t0", 5, "A", direct=True),
    ]
    choice = choose_next(waiting, {"A": 5, "B": 1}, CounterState(), POLICY)
    assert choice is not None
    assert (choice.candidate.ref, choice.rule) == ("t0", Rule.DIRECT)  # the older of the two
    assert choice.state.credits == {}  # the round robin did not move
    assert (choice.state.last_priority, choice.state.run) == (False, 1)


def test_a_transferred_ticket_waits_for_its_class_turn() -> None:
    waiting = [Candidate("g", 1, "A", priority=True), Candidate("t", 2, "A", direct=True)]
    choice = choose_next(waiting, {"A": 1}, CounterState(), POLICY)
    assert choice is not None and choice.candidate.ref == "g"  # priority first
    after = choose_next(waiting[1:], {"A": 1}, choice.state, POLICY)
    assert after is not None and (after.candidate.ref, after.rule) == ("t", Rule.DIRECT)


def test_on_equal_credit_the_category_whose_head_came_first_is_called() -> None:
    weights = {"A": 1, "B": 1}
    older_b = [Candidate("a", 7, "A"), Candidate("b", 3, "B")]
    choice = choose_next(older_b, weights, CounterState(), POLICY)
    assert choice is not None and choice.candidate.ref == "b"
    assert choice.state.credits == {"A": 1, "B": -1}
    older_a = [Candidate("a", 3, "A"), Candidate("b", 7, "B")]
    choice = choose_next(older_a, weights, CounterState(), POLICY)
    assert choice is not None and choice.candidate.ref == "a"
    assert choice.state.credits == {"A": -1, "B": 1}
    # credit before age: B is owed a call
    owed = choose_next(older_a, weights, CounterState(credits={"B": 1}), POLICY)
    assert owed is not None and owed.candidate.ref == "b"


def test_credits_are_kept_within_the_weights_bound() -> None:
    """A category that came and went must not pile up credit: each stays within
    ±(sum of the counter's weights)."""
    state = CounterState(credits={"A": 50, "B": -50})
    choice = choose_next([Candidate("b", 1, "B")], {"A": 2, "B": 1}, state, POLICY)
    assert choice is not None and choice.candidate.ref == "b"
    assert choice.state.credits == {"A": 50, "B": -3}
    many = choose_next(
        [Candidate("a", 1, "A"), Candidate("b", 2, "B")], {"A": 2, "B": 1}, state, POLICY
    )
    assert many is not None and many.state.credits == {"A": 3, "B": -3}


def test_weight_zero_categories_share_equally_when_alone() -> None:
    waiting = [Candidate("c", 4, "C"), Candidate("d", 2, "D")]
    choice = choose_next(waiting, {"A": 1, "C": 0, "D": 0}, CounterState(), POLICY)
    assert choice is not None and choice.candidate.ref == "d"
    assert choice.state.credits == {"C": 1, "D": -1}


def test_the_jump_limit_edge() -> None:
    """A chosen ticket issued A or more places after the oldest is passed over."""
    weights = {"A": 1, "B": 100}
    waiting = [Candidate("a", 1, "A"), Candidate("b", 4, "B")]
    within = choose_next(waiting, weights, CounterState(), QueuePolicy(max_jump=4))
    assert within is not None and within.candidate.ref == "b"
    assert within.rule is Rule.ONLY_NORMAL
    edge = choose_next(waiting, weights, CounterState(), QueuePolicy(max_jump=3))
    assert edge is not None and (edge.candidate.ref, edge.rule) == ("a", Rule.JUMP_LIMIT)
    assert edge.state.credits == {}  # the round robin did not move
    assert (edge.state.last_priority, edge.state.run) == (False, 1)


def test_the_rule_of_each_class_choice_is_recorded() -> None:
    green, normal = Candidate("g", 2, "A", priority=True), Candidate("n", 1, "A")
    policy = QueuePolicy(max_jump=10_000, priority_run=2, normal_run=1)

    def rule(state: CounterState, *waiting: Candidate) -> tuple[str, Rule]:
        choice = choose_next(waiting, {"A": 1}, state, policy)
        assert choice is not None
        return choice.candidate.ref, choice.rule

    assert rule(CounterState(), green) == ("g", Rule.ONLY_PRIORITY)
    assert rule(CounterState(), normal) == ("n", Rule.ONLY_NORMAL)
    assert rule(CounterState(), green, normal) == ("g", Rule.PRIORITY_FIRST)
    assert rule(CounterState(True, 1), green, normal) == ("g", Rule.PRIORITY_FIRST)
    assert rule(CounterState(True, 2), green, normal) == ("n", Rule.NORMAL_TURN)
    assert rule(CounterState(False, 0), green, normal) == ("n", Rule.NORMAL_TURN)
    assert rule(CounterState(False, 1), green, normal) == ("g", Rule.PRIORITY_TURN)
    always = QueuePolicy(max_jump=10_000, priority_run=1, normal_run=0)
    choice = choose_next([green, normal], {"A": 1}, CounterState(True, 5), always)
    assert choice is not None and choice.rule is Rule.PRIORITY_FIRST


def test_lane_heads_keep_one_ticket_per_lane_oldest_first() -> None:
    waiting = [
        Candidate("a2", 5, "A"),
        Candidate("a1", 2, "A"),
        Candidate("ag", 4, "A", priority=True),
        Candidate("t2", 9, "B", direct=True),
        Candidate("t1", 8, "A", direct=True),
        Candidate("b1", 3, "B"),
    ]
    assert [c.ref for c in lane_heads(waiting)] == ["a1", "b1", "ag", "t1"]


def test_counter_state_after_a_call() -> None:
    state = CounterState(False, 2, {"A": 1})
    assert state.after(False) == CounterState(False, 3, {"A": 1})
    assert state.after(True) == CounterState(True, 1, {"A": 1})
    assert state.after(True, {"B": 2}).credits == {"B": 2}
    assert CounterState.from_dict(None) == CounterState()
    assert CounterState.from_dict({"last_priority": "yes", "run": "2"}) == CounterState(None, 2)


def test_evaluation_levels_in_full() -> None:
    from app.core.queue_policy import EVALUATION_LABELS, Evaluation, QueueRuleError

    assert EVALUATION_LABELS == ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
    assert [Evaluation.parse(label) for label in EVALUATION_LABELS] == list(Evaluation)
    assert Evaluation.parse(" 满意 ") is Evaluation.SATISFIED
    assert Evaluation.parse(" 5 ") is Evaluation.VERY_SATISFIED
    assert Evaluation.parse(1).label == "非常不满意"
    assert [e.satisfied for e in Evaluation] == [True, True, True, False, False]
    with pytest.raises(QueueRuleError) as level:
        Evaluation.parse(0)
    assert level.value.problems == ["评价等级应为1至5，现在是0"]
    with pytest.raises(QueueRuleError) as word:
        Evaluation.parse("还行")
    assert word.value.problems == [
        "评价“还行”无效，应为非常满意/满意/基本满意/不满意/非常不满意之一"
    ]


def test_the_estimate_counts_only_windows_that_can_call_the_ticket() -> None:
    from app.core.queue_policy import Ahead, HallCounter, Waiting, ahead_of

    waiting = [Waiting(Candidate("a1", 1, "A")), Waiting(Candidate("a2", 2, "A"))]
    two = [HallCounter("1", {"A": 1}), HallCounter("2", {"A": 1})]
    # both windows free at once: a1 to window 1, a2 to window 2 at the same moment
    assert ahead_of("a2", waiting, two, POLICY) == Ahead(1, 0.0)
    assert ahead_of("nobody", waiting, two, POLICY) is None
    assert ahead_of("a1", waiting, [], POLICY) is None
    sent = [*waiting, Waiting(Candidate("t", 3, "B"), target_window="2")]
    assert ahead_of("t", sent, two, POLICY) == Ahead(0, 0.0)  # window 2 calls it first
    assert ahead_of("t", sent, [HallCounter("1", {"B": 1})], POLICY) is None
    b_only = [HallCounter("9", {"B": 1}), HallCounter("1", {"A": 1})]
    assert ahead_of("a2", waiting, b_only, POLICY) == Ahead(1, 1.0)  # window 9 drops out


def test_business_day_and_hours_edges() -> None:
    from datetime import datetime, time

    from app.core.queue_policy import business_day, hours_text, issuing_open, parse_hours

    assert business_day(datetime(2026, 3, 2, 6, 29), time(6, 30)).day == 1
    assert business_day(datetime(2026, 3, 2, 6, 30), time(6, 30)).day == 2
    hours = parse_hours("08:00-12:00")
    assert issuing_open(datetime(2026, 3, 2, 11, 59), hours)
    assert not issuing_open(datetime(2026, 3, 2, 7, 59), hours)
    assert hours_text(hours) == "08:00–12:00"
