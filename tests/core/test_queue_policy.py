"""The queue policy: fairness theorems checked with hypothesis, and the settings.

Model. A hall has counters; counter k serves a set of categories with weights. Tickets
get strictly increasing places (the hall's issue sequence) when issued, each in one
category and one class (normal / priority), some sent to one counter only (转移到窗口).
Issues and calls interleave in any order; at a call, counter k calls
``choose_next(C_k, weights_k, state_k, policy)`` where C_k holds the waiting tickets k
can serve (all of them, or just each lane's first — the answer is the same).
A = ``max_jump``, P = ``priority_run``, N = ``normal_run``.

Theorem 1 (bounded overtaking). For every ticket T, at most A − 1 tickets issued
after T are called, by counters able to serve T, while T waits.

    Proof. Let counter k, able to serve T, call U while T waits, with place(U) >
    place(T). T is a candidate, so the oldest candidate m has place(m) ≤ place(T).
    The jump-limit step calls m itself unless place(U) − place(m) < A; U ≠ m since
    place(U) > place(T) ≥ place(m). So place(T) < place(U) < place(T) + A: U is one
    of the A − 1 places after T's, and each ticket is called once. ∎

Theorem 2 (bounded wait). If E tickets are waiting when T is issued, T is called at
the latest by the (E + A)-th call made after its issue by counters able to serve T.

    Proof. Each such call made while T waits calls somebody (T is a candidate): one
    of the E tickets issued before T (none can join ahead of T later), or one of at
    most A − 1 later tickets (Theorem 1). That is at most E + A − 1 calls; the next
    one calls T. ∎

    With service times bounded by S and c counters able to serve T, T's wait is at
    most ⌈(E + A) / c⌉ · S plus the time the counters are paused.

Theorem 3 (ratio). At one counter, while both classes are waiting and the jump limit
does not step in, the calls go P priority, N normal, P priority, … (N = 0: priority
first). So a priority ticket waits at most N normal calls of a counter that serves it
beyond the priority tickets ahead of it, and normal tickets keep N/(P+N) of the calls.

Re-entries (reactivation or transfer with "keep place") put a ticket back at an old
place; they are outside the model: such a ticket may go ahead of later tickets
without counting as an overtaker (it is earlier), and the theorems hold for everyone
else. The concurrent version — 15 processes on PostgreSQL and SQLite — is checked
in tests/db/test_queue_concurrency.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.queue_policy import (
    Candidate,
    CategorySpec,
    CounterSpec,
    CounterState,
    Evaluation,
    QueuePolicy,
    QueueRuleError,
    Rule,
    TicketKind,
    after_manual_call,
    business_day,
    choose_next,
    evaluation_problems,
    hours_text,
    issuing_open,
    lane_heads,
    parse_hours,
)

# ---------------------------------------------------------------- the model


@dataclass
class Ticket:
    ref: str
    seq: int
    category: str
    priority: bool
    target: int | None  # only this counter may call it
    ahead: int  # tickets waiting when it was issued (E)
    overtaken: int = 0
    eligible_calls: int = 0  # calls by counters able to serve it while it waited
    called_by: int | None = None
    called_at_call: int | None = None

    def candidate(self, counter: int) -> Candidate:
        return Candidate(self.ref, self.seq, self.category, self.priority, self.target == counter)


@dataclass
class Hall:
    counters: list[dict[str, int]]
    policy: QueuePolicy
    states: list[CounterState] = field(default_factory=list)
    waiting: list[Ticket] = field(default_factory=list)
    called: list[Ticket] = field(default_factory=list)
    seq: int = 0
    calls: int = 0
    pattern: dict[int, list[tuple[bool, Rule, bool]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.states = [CounterState() for _ in self.counters]

    def can_serve(self, k: int, t: Ticket) -> bool:
        return t.target == k if t.target is not None else t.category in self.counters[k]

    def issue(self, category: str, priority: bool, target: int | None = None) -> Ticket:
        self.seq += 1
        t = Ticket(f"t{self.seq}", self.seq, category, priority, target, len(self.waiting))
        self.waiting.append(t)
        return t

    def call(self, k: int, heads_only: bool = False) -> Ticket | None:
        mine = [t for t in self.waiting if self.can_serve(k, t)]
        cands = [t.candidate(k) for t in mine]
        if heads_only:
            cands = lane_heads(cands)
        both = any(t.priority for t in mine) and any(not t.priority for t in mine)
        choice = choose_next(cands, self.counters[k], self.states[k], self.policy)
        if choice is None:
            assert not mine
            return None
        self.states[k] = choice.state
        chosen = next(t for t in mine if t.ref == choice.candidate.ref)
        self.calls += 1
        for t in mine:
            if t is not chosen:
                t.eligible_calls += 1
                if chosen.seq > t.seq:
                    t.overtaken += 1
        self.waiting.remove(chosen)
        chosen.called_by, chosen.called_at_call = k, self.calls
        self.called.append(chosen)
        self.pattern.setdefault(k, []).append((chosen.priority, choice.rule, both))
        return chosen

    def drain(self) -> None:
        for _ in range(10 * (len(self.waiting) + 1) * len(self.counters)):
            if not self.waiting:
                return
            for k in range(len(self.counters)):
                self.call(k)
        raise AssertionError("the queue did not drain")


CATEGORIES = ("A", "B", "C", "D")


@st.composite
def halls(draw: st.DrawFn) -> Hall:
    n_cat = draw(st.integers(1, len(CATEGORIES)))
    cats = CATEGORIES[:n_cat]
    n_counters = draw(st.integers(1, 5))
    counters = []
    for _ in range(n_counters):
        served = draw(st.lists(st.sampled_from(cats), min_size=1, max_size=n_cat, unique=True))
        counters.append({c: draw(st.integers(0, 4)) for c in served})
    for c in cats:  # every category has somebody to serve it
        if not any(c in w for w in counters):
            counters[draw(st.integers(0, n_counters - 1))][c] = draw(st.integers(0, 4))
    policy = QueuePolicy(
        max_jump=draw(st.integers(1, 12)),
        priority_run=draw(st.integers(1, 3)),
        normal_run=draw(st.integers(0, 3)),
    )
    return Hall(counters, policy)


@st.composite
def scripts(draw: st.DrawFn, hall: Hall) -> list[tuple[object, ...]]:
    cats = sorted({c for w in hall.counters for c in w})
    ops = st.one_of(
        st.tuples(
            st.just("issue"),
            st.sampled_from(cats),
            st.booleans(),
            st.one_of(st.none(), st.none(), st.none(), st.integers(0, len(hall.counters) - 1)),
        ),
        st.tuples(st.just("call"), st.integers(0, len(hall.counters) - 1)),
    )
    return draw(st.lists(ops, max_size=250))


def run(hall: Hall, script: list[tuple[object, ...]]) -> Hall:
    for op in script:
        if op[0] == "issue":
            _, cat, prio, target = op
            hall.issue(str(cat), bool(prio), target if isinstance(target, int) else None)
        else:
            hall.call(int(op[1]))  # type: ignore[call-overload]
    hall.drain()
    return hall


@st.composite
def runs(draw: st.DrawFn) -> Hall:
    hall = draw(halls())
    return run(hall, draw(scripts(hall)))


# ---------------------------------------------------------------- the theorems


@settings(max_examples=300, deadline=None)
@given(runs())
def test_the_theorems_hold_on_arbitrary_runs(hall: Hall) -> None:
    """Theorems 1–3 and first-come-first-served lanes, over arbitrary halls, rules
    and interleavings of issues and calls (the queue drained at the end)."""
    assert not hall.waiting
    check_overtaking(hall)
    check_wait(hall)
    check_lanes(hall)
    check_ratio(hall)


def check_overtaking(hall: Hall) -> None:
    """Theorem 1."""
    worst = max((t.overtaken for t in hall.called), default=0)
    assert worst <= hall.policy.max_jump - 1


def check_wait(hall: Hall) -> None:
    """Theorem 2: calls that passed a ticket by, made by counters able to serve it,
    number at most E + A − 1."""
    for t in hall.called:
        assert t.eligible_calls <= t.ahead + hall.policy.max_jump - 1, t


def check_lanes(hall: Hall) -> None:
    """Within a category and class (or the tickets sent to one counter), first come,
    first served."""
    order = {t.ref: t.called_at_call for t in hall.called}
    lanes: dict[tuple[object, ...], list[Ticket]] = {}
    for t in hall.called:
        key = (t.target, t.category if t.target is None else "", t.priority)
        lanes.setdefault(key, []).append(t)
    for tickets in lanes.values():
        by_place = sorted(tickets, key=lambda t: t.seq)
        assert [order[t.ref] for t in by_place] == sorted(order[t.ref] for t in by_place)


def check_ratio(hall: Hall) -> None:
    """Theorem 3 over arbitrary runs: a call made while both classes wait never
    extends a run of one class past its share, unless the jump limit chose it."""
    p, n = hall.policy.priority_run, hall.policy.normal_run
    for calls in hall.pattern.values():
        run_class, run = None, 0
        for priority, rule, both in calls:
            in_pattern = both and rule is not Rule.JUMP_LIMIT and not (priority and n == 0)
            if in_pattern and run_class is priority:
                assert run < (p if priority else n)
            run = run + 1 if run_class is priority else 1
            run_class = priority


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_lane_heads_alone_give_the_same_choice(data: st.DataObject) -> None:
    """A store need only load each lane's first ticket."""
    hall = data.draw(halls())
    script = data.draw(scripts(hall))
    twin = Hall([dict(w) for w in hall.counters], hall.policy)
    for op in script:
        if op[0] == "issue":
            _, cat, prio, target = op
            t = target if isinstance(target, int) else None
            hall.issue(str(cat), bool(prio), t)
            twin.issue(str(cat), bool(prio), t)
        else:
            a = hall.call(int(op[1]))  # type: ignore[call-overload]
            b = twin.call(int(op[1]), heads_only=True)  # type: ignore[call-overload]
            assert (a and a.ref) == (b and b.ref)


@settings(max_examples=100, deadline=None)
@given(p=st.integers(1, 4), n=st.integers(0, 4), calls=st.integers(1, 40))
def test_one_counter_keeps_the_priority_pattern(p: int, n: int, calls: int) -> None:
    """Theorem 3: with both classes always waiting and no jump limit in the way,
    the classes go P, N, P, N … (all priority when N = 0)."""
    hall = Hall([{"A": 1}], QueuePolicy(max_jump=10_000, priority_run=p, normal_run=n))
    for _ in range(calls):
        hall.issue("A", True)
        hall.issue("A", False)
    classes = [hall.call(0).priority for _ in range(calls)]  # type: ignore[union-attr]
    if n == 0:
        expected = [True] * calls
    else:
        cycle = [True] * p + [False] * n
        expected = [cycle[i % len(cycle)] for i in range(calls)]
    assert classes == expected


def test_weights_share_the_calls_of_a_counter() -> None:
    hall = Hall([{"A": 3, "B": 1}], QueuePolicy(max_jump=10_000))
    for _ in range(40):
        hall.issue("A", False)
        hall.issue("B", False)
    got = [hall.call(0).category for _ in range(40)]  # type: ignore[union-attr]
    assert got.count("A") == 30 and got.count("B") == 10
    assert "BB" not in "".join(got)  # smooth: B comes once in every four


def test_weight_zero_is_served_only_when_the_weighted_ones_are_empty() -> None:
    hall = Hall([{"A": 1, "B": 0}], QueuePolicy(max_jump=10_000))
    b = hall.issue("B", False)
    a1, a2 = hall.issue("A", False), hall.issue("A", False)
    assert [hall.call(0), hall.call(0), hall.call(0)] == [a1, a2, b]


def test_a_green_ticket_moves_up_at_most_a_minus_one_places() -> None:
    hall = Hall([{"A": 1}], QueuePolicy(max_jump=5, normal_run=0))
    normals = [hall.issue("A", False) for _ in range(8)]
    green = hall.issue("A", True)  # place 9: 8 ahead, may pass the 4 newest only
    called = [hall.call(0) for _ in range(9)]
    assert called.index(green) == 4
    assert called[:4] == normals[:4]


def test_green_goes_first_in_a_short_queue() -> None:
    hall = Hall([{"A": 1}], QueuePolicy())
    hall.issue("A", False)
    hall.issue("A", False)
    green = hall.issue("A", True)
    assert hall.call(0) is green


def test_a_ticket_sent_to_a_counter_goes_first_there_only() -> None:
    hall = Hall([{"A": 1}, {"A": 1}], QueuePolicy())
    first = hall.issue("A", False)
    sent = hall.issue("A", False, target=1)
    assert hall.call(0) is first
    hall.issue("A", False)
    assert hall.call(1) is sent
    assert choose_next([], {"A": 1}, CounterState(), QueuePolicy()) is None


def test_manual_call_counts_in_the_pattern() -> None:
    state = after_manual_call(CounterState(), Candidate("x", 1, "A", priority=True))
    assert (state.last_priority, state.run) == (True, 1)
    again = after_manual_call(state, Candidate("y", 2, "A", priority=True))
    assert again.run == 2


def test_counter_state_survives_json() -> None:
    state = CounterState(True, 3, {"A": -2, "B": 1})
    assert CounterState.from_dict(state.to_dict()) == state
    assert CounterState.from_dict(None) == CounterState()
    assert CounterState.from_dict({"last_priority": "x"}).last_priority is None


# ---------------------------------------------------------------- settings


def test_default_policy_is_valid_and_round_trips() -> None:
    policy = QueuePolicy()
    assert policy.problems() == []
    assert QueuePolicy.from_dict(policy.to_dict() | {"from_a_newer_program": 1}) == policy
    assert QueuePolicy.from_dict({}) == policy


def test_policy_problems_are_in_chinese() -> None:
    bad = QueuePolicy(max_jump=0, priority_run=0, normal_run=-1, recall_limit=11)
    problems = bad.problems()
    assert len(problems) == 4
    assert any("插队上限" in p for p in problems)
    assert any("重呼次数上限" in p for p in problems)
    with pytest.raises(QueueRuleError, match="插队上限应为1至10000之间的整数"):
        bad.checked()
    assert QueuePolicy(max_jump=True).problems()  # type: ignore[arg-type]


def test_category_checks() -> None:
    good = CategorySpec("ZH", "综合业务", "A", issue_hours=parse_hours("08:30-11:30,13:30-17:00"))
    assert good.checked() is good
    assert good.display(7) == "A007"
    assert CategorySpec("X", "x", "B", number_end=1200).display(15) == "B0015"
    assert CategorySpec("X", "x", "B", number_end=999, daily_cap=100).capacity == 100
    problems = CategorySpec(
        "bad code!", "", "a1", number_start=5, number_end=2, daily_cap=0,
        issue_hours=((time(9), time(8)), (time(7), time(12))), item_codes=("x", "x"),
    ).problems()  # fmt: skip
    text = "；".join(problems)
    for words in (
        "类别代码",
        "类别名称",
        "号码前缀",
        "号段",
        "每日取号上限",
        "开始时间应早于",
        "有重叠",
        "重复",
    ):
        assert words in text


def test_counter_checks() -> None:
    assert CounterSpec("3", weights={"A": 1}).problems(["A"]) == []
    problems = CounterSpec("窗口三", weights={"Z": -1}).problems(["A"])
    assert any("窗口号" in p for p in problems)
    assert any("不存在" in p for p in problems)
    assert any("权重" in p for p in problems)
    with pytest.raises(QueueRuleError, match="至少要办理一个业务类别"):
        CounterSpec("3").checked()


def test_hours_and_business_day() -> None:
    hours = parse_hours("8:30～11:30，13:30—17:00")
    assert hours_text(hours) == "08:30–11:30、13:30–17:00"
    assert hours_text(()) == "全天"
    assert issuing_open(datetime(2026, 3, 2, 8, 30), hours)
    assert not issuing_open(datetime(2026, 3, 2, 11, 30), hours)
    assert not issuing_open(datetime(2026, 3, 2, 12, 0), hours)
    assert issuing_open(datetime(2026, 3, 2, 3, 0), ())
    with pytest.raises(QueueRuleError, match="08:30-11:30"):
        parse_hours("上午")
    assert business_day(datetime(2026, 3, 2, 5, 59), time(6)) == date(2026, 3, 1)
    assert business_day(datetime(2026, 3, 2, 6, 0), time(6)) == date(2026, 3, 2)
    assert business_day(datetime(2026, 3, 2, 0, 0), time(0)) == date(2026, 3, 2)


def test_evaluation_levels() -> None:
    assert Evaluation.parse("非常满意") is Evaluation.VERY_SATISFIED
    assert Evaluation.parse(3).label == "基本满意"
    assert Evaluation.parse("2") is Evaluation.DISSATISFIED
    assert Evaluation.BASICALLY_SATISFIED.satisfied and not Evaluation.DISSATISFIED.satisfied
    with pytest.raises(QueueRuleError, match="1至5"):
        Evaluation.parse(6)
    with pytest.raises(QueueRuleError, match="非常满意/满意/基本满意/不满意/非常不满意"):
        Evaluation.parse("还行")
    assert evaluation_problems({"服务态度": 5}) == []
    assert evaluation_problems({"服务态度": 9, "": 3})


def test_ticket_kinds() -> None:
    assert not TicketKind.NORMAL.priority
    assert TicketKind.GREEN.priority and TicketKind.APPOINTMENT.priority


# ---------------------------------------------------------------- waiting estimates


def test_ahead_of_plays_the_rule_forward() -> None:
    from app.core.queue_policy import Ahead, HallCounter, Waiting, ahead_of

    def t(ref: str, seq: int, cat: str = "A", prio: bool = False) -> Waiting:
        return Waiting(Candidate(ref, seq, cat, prio))

    policy = QueuePolicy(priority_run=1, normal_run=2)
    waiting = [t("a1", 1), t("a2", 2), t("a3", 3), t("g", 4, prio=True), t("b1", 5, "B")]
    one = [HallCounter("1", {"A": 1})]
    assert ahead_of("g", waiting, one, policy) == Ahead(0, 0.0)  # priority first
    assert ahead_of("a3", waiting, one, policy) == Ahead(3, 3.0)  # g, a1, a2
    assert ahead_of("b1", waiting, one, policy) is None  # nobody serves B
    busy = [HallCounter("1", {"A": 1}, busy=True), HallCounter("2", {"B": 1})]
    # window 2 calls only B: it never counts for an A ticket
    assert ahead_of("a2", waiting, busy, policy) == Ahead(2, 2.5)
    sent = [*waiting, Waiting(Candidate("x", 6, "B"), target_window="1")]
    # sent to window 1: first of its class there, after the priority ticket
    assert ahead_of("x", sent, busy, policy) == Ahead(1, 1.5)
    assert ahead_of("a3", waiting, one, policy, limit=2) is None
