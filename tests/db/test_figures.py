"""The manager's figures (app/core/figures.py, db/figures_query.py) against values
counted by hand on the fixed hall of tests/figures_data.py; the SQL aggregates agree
with the pure definitions on random halls, through inserts, lifecycle updates and
deletes, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from app.core.figures import (
    HALL_KEY,
    CaseTally,
    Dim,
    FollowUpFact,
    Grain,
    QueueTally,
    case_tallies,
    combine,
    p90_minutes,
    queue_tallies,
    rectification_rate,
)
from app.core.items import ServiceType
from app.core.lifecycle import Actor, CaseState, EndStop, StartStop, StopKind, apply_step
from app.core.paths import resource
from app.core.supervision import RUNNING_STATUSES
from app.core.workdays import load_calendar_dir
from db import figures_query as fq
from db.catalog_repo import current_version, import_items
from db.models import CaseRow
from db.store import Store
from tests import figures_data as data

CAL = load_calendar_dir(resource("calendar"))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _versions(store: Store) -> dict[str, int]:
    with store.session() as s, s.begin():
        import_items(s, list(data.ITEMS))
    with store.session() as s:
        out = {}
        for code in ("JB-1", "CN-1"):
            found = current_version(s, code)
            assert found is not None
            out[code] = found[0] if isinstance(found, tuple) else found.id
        return out


def _hand_hall(store: Store) -> None:
    versions = _versions(store)
    with store.session() as s, s.begin():
        data.insert_cases(s, versions)
    with store.engine.begin() as conn:
        data.insert_queue(conn)


def _sql_cases(store: Store, grain: Grain, dim: Dim) -> dict[tuple[date, str], CaseTally]:
    with store.session() as s:
        return fq.case_tallies(s, *YEAR, grain, dim, data.TODAY, data.DEPARTMENTS)


def _sql_queue(store: Store, grain: Grain, dim: Dim) -> dict[tuple[date, str], QueueTally]:
    with store.engine.connect() as conn:
        return fq.queue_tallies(conn, *YEAR, grain, dim)


def _pure_cases(grain: Grain, dim: Dim) -> dict[tuple[date, str], CaseTally]:
    return case_tallies(data.case_facts(), grain, dim, data.TODAY, data.DEPARTMENTS)


def _pure_queue(grain: Grain, dim: Dim) -> dict[tuple[date, str], QueueTally]:
    return queue_tallies(data.call_facts(), data.evaluation_facts(), grain, dim)


def test_hand_dates_are_the_calendars() -> None:
    """The dates written by hand in the fixed hall are what the calendar counts."""
    add = CAL.add_working_days
    assert add(date(2026, 9, 29), 5) == date(2026, 10, 12)  # over National Day
    assert add(date(2026, 9, 29), 20) == date(2026, 11, 2)
    assert add(date(2026, 2, 10), 5) == date(2026, 2, 24)  # over the Spring Festival
    assert add(date(2026, 2, 10), 20) == date(2026, 3, 16)
    assert add(date(2026, 10, 8), 5) == date(2026, 10, 14)
    assert add(date(2026, 9, 15), 5) == date(2026, 9, 21)  # 09-20 (Sun) worked
    assert add(date(2026, 9, 15), 20) == date(2026, 10, 19)  # 中秋 09-25 off
    # C2's clock stop 02-12..02-25 moves the due date as the lifecycle does
    actor = Actor("li", "李", "clerk")
    state = CaseState("C2", "已受理", ServiceType.PROMISED, "li", date(2026, 2, 24),
                      date(2026, 2, 24))  # fmt: skip
    stopped = apply_step(state, StartStop(actor, datetime(2026, 2, 12, 9), StopKind.TESTING,
                                          "检测", 10), CAL).state  # fmt: skip
    ended = apply_step(stopped, EndStop(actor, datetime(2026, 2, 25, 9)), CAL)
    assert ended.changes["due_date"] == date(2026, 3, 2)


def _check_hand_cases(got: dict[tuple[date, str], CaseTally]) -> None:
    # fields: received, accepted, deferred, correction, refused, instant, on_site, done,
    #         on_time, late, statutory_on_time, statutory_late
    assert {k: t.counts() for k, t in got.items()} == {
        (date(2026, 2, 1), HALL_KEY): (1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0),
        (date(2026, 9, 1), HALL_KEY): (2, 2, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1),
        (date(2026, 10, 1), HALL_KEY): (9, 6, 1, 1, 1, 2, 1, 3, 1, 4, 3, 0),
    }


def test_cases_by_month_counted_by_hand(sqlite_store: Store) -> None:
    _hand_hall(sqlite_store)
    _check_hand_cases(_pure_cases(Grain.MONTH, Dim.HALL))
    _check_hand_cases(_sql_cases(sqlite_store, Grain.MONTH, Dim.HALL))
    rows = combine(_sql_cases(sqlite_store, Grain.MONTH, Dim.HALL),
                   _sql_queue(sqlite_store, Grain.MONTH, Dim.HALL), Dim.HALL, Grain.MONTH, CAL)  # fmt: skip
    october = rows[-1]
    assert october.period == date(2026, 10, 1)
    assert october.instant_rate == pytest.approx(2 / 7)
    assert october.on_site_rate == pytest.approx(1 / 7)
    assert october.on_time_rate == pytest.approx(1 / 5)
    assert october.statutory_rate == 1.0
    assert october.working_days == 18  # 22 weekdays − 5 holiday weekdays + 10-10 (Sat)
    assert october.received_per_day == pytest.approx(9 / 18)
    february = rows[0]
    # 20 weekdays − 6 holiday weekdays (16..20, 23) + 02-14 and 02-28 (Sat, worked)
    assert february.on_time_rate == 1.0 and february.working_days == 16


def test_cases_by_window_clerk_department_and_week(sqlite_store: Store) -> None:
    _hand_hall(sqlite_store)
    oct1 = date(2026, 10, 1)
    for got in (
        _pure_cases(Grain.MONTH, Dim.WINDOW),
        _sql_cases(sqlite_store, Grain.MONTH, Dim.WINDOW),
    ):
        assert got[(oct1, "1")].counts() == (5, 3, 1, 1, 0, 1, 1, 1, 1, 2, 1, 0)
        assert got[(oct1, "2")].counts() == (4, 3, 0, 0, 1, 1, 0, 2, 0, 2, 2, 0)
    for got in (
        _pure_cases(Grain.MONTH, Dim.CLERK),
        _sql_cases(sqlite_store, Grain.MONTH, Dim.CLERK),
    ):
        assert {k[1]: t.received for k, t in got.items() if k[0] == oct1} == {
            "wang": 4,
            "li": 4,
            "zhao": 1,
        }
    for got in (_pure_cases(Grain.YEAR, Dim.DEPARTMENT),
                _sql_cases(sqlite_store, Grain.YEAR, Dim.DEPARTMENT)):  # fmt: skip
        y = date(2026, 1, 1)
        assert (got[(y, "民政局")].received, got[(y, "民政局")].instant) == (3, 2)
        assert got[(y, "市场监管局")].received == 9
    for got in (_pure_cases(Grain.WEEK, Dim.HALL), _sql_cases(sqlite_store, Grain.WEEK, Dim.HALL)):
        assert {k[0]: t.received for k, t in got.items()} == {
            date(2026, 2, 9): 1, date(2026, 9, 14): 1, date(2026, 9, 28): 1,
            date(2026, 10, 5): 2, date(2026, 10, 12): 6, date(2026, 10, 19): 1}  # fmt: skip


def _check_hand_queue(got: dict[tuple[date, str], QueueTally]) -> None:
    oct1 = date(2026, 10, 1)
    hall = got[(oct1, HALL_KEY)]
    assert (hall.calls, hall.served, hall.no_shows, hall.transferred) == (5, 3, 1, 1)
    assert (hall.wait_sum, hall.service_count, hall.service_sum) == (2229, 4, 2191)
    assert p90_minutes(hall.wait_hist) == 20 and p90_minutes(hall.service_hist) == 20
    assert (hall.evaluations, hall.bad) == (5, 2)


def test_queue_figures_counted_by_hand(sqlite_store: Store) -> None:
    _hand_hall(sqlite_store)
    for got in (
        _pure_queue(Grain.MONTH, Dim.HALL),
        _sql_queue(sqlite_store, Grain.MONTH, Dim.HALL),
    ):
        _check_hand_queue(got)
    rows = combine({}, _sql_queue(sqlite_store, Grain.MONTH, Dim.WINDOW), Dim.WINDOW,
                   Grain.MONTH, CAL)  # fmt: skip
    w1, w2 = rows
    assert (w1.key, w1.wait_mean_s, w1.wait_p90_min) == ("1", 513.0, 20)
    assert (w1.service_mean_s, w1.service_p90_min) == (885.5, 20)
    assert (w1.satisfaction, w1.no_show_rate) == (1.0, pytest.approx(1 / 3))
    assert (w2.key, w2.wait_mean_s, w2.wait_p90_min) == ("2", 345.0, 10)
    assert (w2.service_mean_s, w2.service_p90_min, w2.satisfaction) == (210.0, 5, 0.0)
    day = {(k[0], k[1]): t for k, t in _sql_queue(sqlite_store, Grain.DAY, Dim.WINDOW).items()}
    assert day[(date(2026, 10, 12), "1")].wait_sum == 1499
    assert p90_minutes(day[(date(2026, 10, 12), "1")].wait_hist) == 20
    assert _sql_queue(sqlite_store, Grain.MONTH, Dim.ITEM) == {}


def test_follow_ups_counted_by_day_window_and_clerk() -> None:
    """By hand: three 差评 on 12 Oct (window 1 wang twice, window 2 li), one on 20 Oct
    (window 1 wang); one appeal granted; rectified: one of wang's on the 12th, li's."""
    from app.core.figures import FollowUpFact, follow_up_tallies

    d12, d20 = date(2026, 10, 12), date(2026, 10, 20)
    facts = [
        FollowUpFact("a", date(2026, 10, 14), d12, "1", "wang"),
        FollowUpFact("b", None, d12, "1", "wang"),
        FollowUpFact("c", date(2026, 10, 13), d12, "2", "li"),
        FollowUpFact("d", None, d20, "1", "wang"),
        FollowUpFact("e", date(2026, 10, 21), d20, "1", "wang", excluded=True),
    ]
    by_window = follow_up_tallies(facts, Dim.WINDOW, Grain.DAY)
    assert {k: (t.counted, t.rectified) for k, t in by_window.items()} == {
        (d12, "1"): (2, 1), (d12, "2"): (1, 1), (d20, "1"): (1, 0)}  # fmt: skip
    by_clerk = follow_up_tallies(facts, Dim.CLERK, Grain.MONTH)
    assert {k: (t.counted, t.rectified) for k, t in by_clerk.items()} == {
        (date(2026, 10, 1), "wang"): (3, 1), (date(2026, 10, 1), "li"): (1, 1)}  # fmt: skip
    assert follow_up_tallies(facts, Dim.ITEM, Grain.DAY) == {}  # no item, as the queue


def test_rectification_rate_from_follow_ups() -> None:
    assert rectification_rate([], []) is None
    rows = [FollowUpFact("e1", date(2026, 10, 15)), FollowUpFact("e2", None),
            FollowUpFact("other", date(2026, 10, 1))]  # fmt: skip
    assert rectification_rate(["e1", "e2", "e3", "e1"], rows) == pytest.approx(1 / 3)


# ---------------------------------------------------------------- agreement


def _random_rows(rnd: random.Random, versions: dict[str, int], n: int) -> list[dict[str, Any]]:
    statuses = [*sorted(RUNNING_STATUSES), "已办结", "已出件", "已撤回"]
    out = []
    for k in range(n):
        acc = datetime(2026, 1, 1, 9) + timedelta(
            days=rnd.randrange(360), minutes=rnd.randrange(480)
        )
        dec = rnd.choice(("受理", "受理", "容缺受理", "补正", "不予受理"))
        code = rnd.choice(("JB-1", "CN-1"))
        due = (
            acc.date() + timedelta(days=rnd.randrange(0, 12))
            if dec in ("受理", "容缺受理")
            else None
        )
        stat = due + timedelta(days=rnd.randrange(0, 20)) if due else None
        status = rnd.choice(statuses) if due else ("待补正" if dec == "补正" else "不予受理")
        done = (acc + timedelta(days=rnd.randrange(0, 15), hours=rnd.randrange(3))
                if status in ("已办结", "已出件") else None)  # fmt: skip
        stopped = (
            acc.date() + timedelta(days=1)
            if status in RUNNING_STATUSES and rnd.random() < 0.2
            else None
        )
        row = data.case_row(k, versions, "x", acc, dec, code, str(rnd.randrange(1, 5)),
                            rnd.choice(("wang", "li", "zhao")), status, done, due, due, stat,
                            stopped)  # fmt: skip
        row["id"] = uuid.UUID(int=rnd.getrandbits(128))
        out.append(row)
    return out


def _facts(store: Store) -> list[Any]:
    from app.core.figures import CaseFact

    with store.session() as s:
        rows = s.execute(select(CaseRow)).scalars().all()
        return [
            CaseFact(
                r.accepted_at.date(),
                r.decision,
                data.SERVICE[r.item_code],
                r.window_no,
                r.owner,
                r.item_code,
                r.completed_at.date() if r.completed_at else None,
                r.due_date,
                r.statutory_date,
                r.status in RUNNING_STATUSES,
                r.clock_stopped_on is not None,
            )
            for r in rows
        ]


# spans whose ends fall inside a week and a month (read from the day tables), one
# inside a single week, and a whole year (whole weeks and months from the rollups)
RAGGED = ((date(2026, 2, 11), date(2026, 10, 20)), (date(2026, 3, 4), date(2026, 3, 6)),
          (date(2026, 6, 1), date(2026, 8, 31)), YEAR)  # fmt: skip


def _pure_groups(
    facts: list[Any], first: date, last: date, grain: Grain
) -> dict[tuple[date, str, str, str], tuple[int, ...]]:
    """Per period, window, owner and item, as db/figures_query.case_groups reads them."""
    from app.core.figures import case_open_late, case_settled, period_start

    out: dict[tuple[date, str, str, str], CaseTally] = {}
    for f in facts:
        if first <= f.accepted_on <= last:
            key = (period_start(f.accepted_on, grain), f.window_no, f.owner, f.item_code)
            t = out.setdefault(key, CaseTally())
            t.add(case_settled(f))
            t.add(case_open_late(f, data.TODAY))
    return {k: t.counts() for k, t in out.items()}


def _rollups_are_the_days_summed(store: Store, tables: tuple[str, ...]) -> None:
    """Every week's and month's row of the rollups is its days' rows summed."""
    from db.figures_models import ROLLUPS, SPANS, span_start_sql

    dialect = store.engine.dialect.name
    with store.engine.connect() as conn:
        for day_table, span_table, keys, values in ROLLUPS:
            cols = ", ".join(keys)
            for span in SPANS:
                start = span_start_sql("day", span, dialect)
                summed = conn.exec_driver_sql(
                    f"SELECT CAST({start} AS TEXT), {cols}, "
                    f"{', '.join(f'SUM({v})' for v in values)} FROM {day_table} "
                    f"GROUP BY {start}, {cols}"
                ).all()
                kept = conn.exec_driver_sql(
                    f"SELECT CAST(span_start AS TEXT), {cols}, {', '.join(values)} "
                    f"FROM {span_table} WHERE span = '{span}'"
                ).all()
                want = {tuple(r[:-len(values)]): tuple(int(v) for v in r[-len(values):])
                        for r in summed if any(r[-len(values):])}  # fmt: skip
                got = {tuple(r[:-len(values)]): tuple(int(v) for v in r[-len(values):])
                       for r in kept if any(r[-len(values):])}  # fmt: skip
                assert got == want, (span_table, span)
                assert bool(want) == (day_table in tables), (span_table, span)


def _agree(store: Store) -> None:
    facts = _facts(store)
    for grain in Grain:
        for dim in Dim:
            pure = case_tallies(facts, grain, dim, data.TODAY, data.DEPARTMENTS)
            sql = _sql_cases(store, grain, dim)
            nonzero = {k: t.counts() for k, t in sql.items() if any(t.counts())}
            assert nonzero == {k: t.counts() for k, t in pure.items()}, (grain, dim)
    for first, last in RAGGED:
        for grain in Grain:
            with store.session() as s:
                got = fq.case_groups(s, first, last, grain, data.TODAY)
            nonzero = {k: t.counts() for k, t in got.items() if any(t.counts())}
            pure = _pure_groups(facts, first, last, grain)
            assert nonzero == pure, (first, last, grain)
            # without the item (the breakdowns that do not need it): summed in SQL
            with store.session() as s:
                got = fq.case_groups(s, first, last, grain, data.TODAY, by_item=False)
            merged: dict[tuple[date, str, str, str], list[int]] = {}
            for (p, w, o, _item), counts in pure.items():
                into = merged.setdefault((p, w, o, ""), [0] * len(counts))
                into[:] = [a + b for a, b in zip(into, counts, strict=True)]
            nonzero = {k: t.counts() for k, t in got.items() if any(t.counts())}
            assert nonzero == {k: tuple(v) for k, v in merged.items()}, (first, last, grain)
    _rollups_are_the_days_summed(store, ("case_tally",))


def _queue_agree(store: Store, rnd: random.Random) -> None:
    calls, evals = [], []
    for _ in range(300):
        day = date(2026, 1, 1) + timedelta(days=rnd.randrange(360))
        enq = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=9, seconds=rnd.randrange(20000), microseconds=rnd.randrange(1_000_000)
        )
        called = enq + timedelta(seconds=rnd.randrange(3600), microseconds=rnd.randrange(1_000_000))
        ended = called + timedelta(
            seconds=rnd.randrange(2400), microseconds=rnd.randrange(1_000_000)
        )
        calls.append((str(rnd.randrange(1, 5)), rnd.choice(("wang", "li")), day, enq, called, ended,
                      rnd.choice(("办结", "办结", "过号", "转移")), rnd.choice((0.0, 12.7, 99.2))))  # fmt: skip
    for _ in range(200):
        day = date(2026, 1, 1) + timedelta(days=rnd.randrange(360))
        evals.append((str(rnd.randrange(1, 5)), rnd.choice(("wang", "li")), day, rnd.randint(1, 5)))
    with store.engine.begin() as conn:
        data.insert_queue(conn, calls, evals)
    from app.core.figures import CallFact, EvaluationFact

    call_facts = [CallFact(d, w, c, e, k, x, o, dt) for (w, c, d, e, k, x, o, dt) in calls]
    eval_facts = [EvaluationFact(d, w, c, lv) for (w, c, d, lv) in evals]
    for grain in Grain:
        for dim in Dim:
            pure = queue_tallies(call_facts, eval_facts, grain, dim)
            assert _sql_queue(store, grain, dim) == pure, (grain, dim)
    for first, last in RAGGED:
        inside = [c for c in call_facts if first <= c.day <= last]
        rated = [e for e in eval_facts if first <= e.day <= last]
        for grain in Grain:
            with store.engine.connect() as conn:
                got = fq.queue_tallies(conn, first, last, grain, Dim.CLERK)
            assert got == queue_tallies(inside, rated, grain, Dim.CLERK), (first, last, grain)
    _rollups_are_the_days_summed(store, ("case_tally", "queue_tally", "queue_tally_hist"))


def _random_hall(store: Store) -> None:
    rnd = random.Random(17)
    versions = _versions(store)
    rows = _random_rows(rnd, versions, 400)
    with store.session() as s, s.begin():
        s.execute(CaseRow.__table__.insert(), rows)  # type: ignore[attr-defined]
    _agree(store)
    # the lifecycle's moves: a clock stop ends (due moved on), 办结, a transfer, a delete
    ids = [r["id"] for r in rows]
    with store.session() as s, s.begin():
        for cid in rnd.sample(ids, 60):
            s.execute(update(CaseRow).where(CaseRow.id == cid).values(
                due_date=date(2026, 12, 1), clock_stopped_on=None))  # fmt: skip
        for cid in rnd.sample(ids, 60):
            s.execute(update(CaseRow).where(CaseRow.id == cid, CaseRow.decision.in_(("受理", "容缺受理")))
                      .values(completed_at=datetime(2026, 10, 3, 10), status="已办结"))  # fmt: skip
        for cid in rnd.sample(ids, 40):
            s.execute(update(CaseRow).where(CaseRow.id == cid).values(owner="sun", window_no="9"))
        for cid in rnd.sample(ids, 30):
            s.execute(delete(CaseRow).where(CaseRow.id == cid))
    _agree(store)
    _queue_agree(store, rnd)


def test_sql_agrees_with_the_definitions_sqlite(sqlite_store: Store) -> None:
    _random_hall(sqlite_store)


def test_sql_agrees_with_the_definitions_postgresql(pg_store: Store) -> None:
    _random_hall(pg_store)


def test_existing_cases_are_counted_by_the_migration(tmp_path: Any) -> None:
    """Cases, calls and evaluations there before migration 0016 are summed by its
    backfill."""
    from alembic import command

    from db.store import alembic_config, open_store

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    store = open_store(url)
    versions = _versions(store)
    cfg = alembic_config(store.engine)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")  # just before 0016
    with store.session() as s, s.begin():
        data.insert_cases(s, versions)
    with store.engine.begin() as conn:
        data.insert_queue(conn)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    _check_hand_cases(_sql_cases(store, Grain.MONTH, Dim.HALL))
    _check_hand_queue(_sql_queue(store, Grain.MONTH, Dim.HALL))
    store.close()


def test_periods_cover_the_span_and_fill_the_trend() -> None:
    from app.core.figures import FigureRow, filled, periods

    assert periods(date(2026, 9, 30), date(2026, 10, 14), Grain.WEEK) == [
        date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12)]  # fmt: skip
    assert periods(date(2026, 11, 15), date(2027, 1, 2), Grain.MONTH) == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]  # fmt: skip
    assert len(periods(date(2026, 1, 1), date(2026, 12, 31), Grain.DAY)) == 365
    one = FigureRow(date(2026, 10, 5), HALL_KEY, CaseTally(received=2))
    rows = filled([one], date(2026, 9, 30), date(2026, 10, 14), Grain.WEEK, CAL)
    assert [r.cases.received for r in rows] == [0, 2, 0]
    assert rows[0].working_days == 1  # of its week only 09-30 is in the span; 10-01..04 off


def test_windows_in_number_order_and_days_inside_the_span() -> None:
    tallies = {(date(2025, 12, 29), w): CaseTally(received=1) for w in ("10", "2", "1", "甲")}
    rows = combine(tallies, {}, Dim.WINDOW, Grain.WEEK, CAL, date(2026, 1, 1), date(2026, 1, 31))
    assert [r.key for r in rows] == ["1", "2", "10", "甲"]
    # the week of 2025-12-29 inside the span: 01-01..03 off (元旦), 01-04 (Sun) worked
    assert rows[0].working_days == 1


def test_a_span_is_read_as_whole_weeks_or_months_and_its_ragged_days() -> None:
    d = date
    got = fq.pieces(d(2026, 1, 1), d(2026, 12, 31), Grain.WEEK)
    assert got == fq.Pieces(((d(2026, 1, 1), d(2026, 1, 4)), (d(2026, 12, 28), d(2026, 12, 31))),
                            "w", d(2026, 1, 5), d(2026, 12, 21))  # fmt: skip
    assert fq.pieces(d(2026, 3, 4), d(2026, 3, 6), Grain.WEEK) == fq.Pieces(
        ((d(2026, 3, 4), d(2026, 3, 6)),))  # fmt: skip
    assert fq.pieces(d(2026, 2, 11), d(2026, 10, 20), Grain.YEAR) == fq.Pieces(
        ((d(2026, 2, 11), d(2026, 2, 28)), (d(2026, 10, 1), d(2026, 10, 20))),
        "m", d(2026, 3, 1), d(2026, 9, 1))  # fmt: skip
    assert fq.pieces(d(2026, 6, 1), d(2026, 8, 31), Grain.MONTH) == fq.Pieces(
        (), "m", d(2026, 6, 1), d(2026, 8, 1))  # fmt: skip
    assert fq.pieces(d(2026, 6, 1), d(2026, 8, 31), Grain.DAY).span is None
