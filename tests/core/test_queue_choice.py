"""One call at one counter (choose_next), pinned case by case: what the fairness
theorems of test_queue_policy.py allow either way, the hall's rules decide here —
a ticket sent to this counter first, the older head on a tie of credits, which rule
is recorded, the jump limit's exact edge."""

from __future__ import annotations

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
