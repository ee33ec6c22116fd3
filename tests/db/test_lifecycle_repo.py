"""Moving a case on in the store (db/lifecycle_repo.py): one step per transaction with
its audit entry and outbox row; two clerks moving one case at once."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import record_intake
from app.core.lifecycle import (
    Actor,
    Approve,
    Complete,
    EndStop,
    Outcome,
    Review,
    StartStop,
    StepRefused,
    StopKind,
    Supply,
    Transfer,
)
from db.case_repo import save_case
from db.lifecycle_repo import CaseChanged, CaseNotFound, apply_case_step, read_case
from db.models import AuditRow, CaseRow, SyncOutboxRow
from db.store import Store
from tests.db.test_case_repo import CAL, _all_received, _intake, _stored_item

CLERK = Actor("wang", "王芳", "clerk")
OTHER = Actor("li", "李强", "clerk")
CHIEF = Actor("zhao", "赵首席", "chief")
NOW = datetime(2026, 2, 12, 9, 30)


def _accepted(store: Store, decision: Decision = Decision.ACCEPT, **kw: object) -> str:
    vid, it = _stored_item(store)
    outcomes = _all_received(it)
    if decision is Decision.ACCEPT_DEFERRED:
        outcomes[3] = MaterialOutcome(Status.MISSING)
        kw.setdefault("supply_by", date(2026, 3, 2))
    intake = _intake(vid, it, decision, outcomes, **kw)
    with store.session() as s, s.begin():
        saved = save_case(s, record_intake(intake, CAL, NOW), centre="370982101", workstation="A1")
    return saved.case_no


def _step(store: Store, case_no: str, step: object, version: int | None = None) -> object:
    with store.session() as s, s.begin():
        if version is None:
            found = read_case(s, case_no)
            assert found is not None
            version = found.row_version
        return apply_case_step(s, case_no, version, step, CAL)  # type: ignore[arg-type]


def test_new_case_has_due_date_and_owner(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    with sqlite_store.session() as s:
        row = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        assert (row.due_date, row.clock_stopped_on, row.owner) == (date(2026, 2, 26), None, "wang")
        rec = read_case(s, case_no)
        assert rec is not None
        assert rec.state.owner == "wang" and rec.state.due_date == date(2026, 2, 26)
        assert rec.row_version == 1 and [e.action for e in rec.timeline] == ["受理"]
        up = s.scalars(select(SyncOutboxRow.payload)).one()
        assert up["cases"][0]["owner"] == "wang"  # type: ignore[index]
        assert up["cases"][0]["due_date"] == "2026-02-26"  # type: ignore[index]
    assert read_case(sqlite_store.session(), "NO-SUCH") is None


def _whole_life(store: Store) -> None:
    case_no = _accepted(store)
    t = datetime(2026, 2, 13, 10)
    _step(store, case_no, Review(CLERK, t, "符合条件", Outcome.GRANT))
    _step(store, case_no, StartStop(CLERK, t, StopKind.PUBLICITY, "公示", 10))
    _step(store, case_no, EndStop(CLERK, datetime(2026, 2, 25, 16)))
    _step(store, case_no, Approve(CHIEF, datetime(2026, 2, 26, 9), "同意"))
    _step(
        store,
        case_no,
        Complete(CLERK, datetime(2026, 2, 26, 10), Outcome.GRANT, "许可", "许可证", "X1"),
    )
    with store.session() as s:
        row = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        # 13, 14 (调休上班), 24, 25 February: 4 working days; Thu 26 Feb + 4: Fri 27,
        # Sat 28 (调休上班), Mon 2, Tue 3 March
        assert row.due_date == date(2026, 3, 3)
        assert row.promised_date == date(2026, 2, 26)
        assert row.clock_stopped_on is None
        assert row.status == "已办结" and row.completed_at == datetime(2026, 2, 26, 10)
        assert row.row_version == 6
        actions = s.scalars(
            select(AuditRow.action).where(AuditRow.case_id == row.id).order_by(AuditRow.at)
        ).all()
        assert actions == ["受理", "审查", "特别程序开始", "特别程序结束", "核准", "办结"]
        payloads = s.scalars(select(SyncOutboxRow.payload).order_by(SyncOutboxRow.seq)).all()
        assert len(payloads) == 6
        last = payloads[-1]
        assert last["cases"][0]["status"] == "已办结"  # type: ignore[index]
        assert last["cases"][0]["row_version"] == 6  # type: ignore[index]
        assert last["audit_entry"][0]["action"] == "办结"  # type: ignore[index]
        assert last["audit_entry"][0]["detail"]["actor_name"] == "王芳"  # type: ignore[index]
        stopped = payloads[2]["cases"][0]  # type: ignore[index]
        assert stopped["clock_stopped_on"] == "2026-02-13"


def test_whole_life_sqlite(sqlite_store: Store) -> None:
    _whole_life(sqlite_store)


def test_whole_life_postgresql(pg_store: Store) -> None:
    _whole_life(pg_store)


def test_refused_step_writes_nothing(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    with pytest.raises(StepRefused, match="承诺件须经审查和首席代表核准后才能办结"):
        _step(sqlite_store, case_no, Complete(CLERK, NOW, Outcome.GRANT, "许可", "证", "1"))
    with sqlite_store.session() as s:
        rec = read_case(s, case_no)
        assert rec is not None and rec.row_version == 1 and rec.state.status == "已受理"
        assert s.scalar(select(func.count()).select_from(SyncOutboxRow)) == 1
    with pytest.raises(CaseNotFound):
        _step(sqlite_store, "370982101-A1-20260212-0099", Review(CLERK, NOW, "x"), 1)


def test_deferred_supply_and_transfer(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store, Decision.ACCEPT_DEFERRED)
    with sqlite_store.session() as s:
        rec = read_case(s, case_no)
        assert rec is not None and rec.state.outstanding == ("户口簿",)
    _step(sqlite_store, case_no, Supply(OTHER, datetime(2026, 3, 3, 9), "户口簿"))
    _step(sqlite_store, case_no, Transfer(CLERK, datetime(2026, 3, 3, 10), "li", "李强", "调岗"))
    with sqlite_store.session() as s:
        rec = read_case(s, case_no)
        assert rec is not None
        assert rec.state.status == "已受理" and rec.state.outstanding == ()
        assert rec.state.owner == "li"
        assert s.scalar(select(CaseRow.owner).where(CaseRow.case_no == case_no)) == "li"
        supply = next(e for e in rec.timeline if e.action == "容缺补交")
        assert supply.detail["late"] is True and supply.detail["received_by"] == "li"


def test_stale_version_is_refused_with_who_changed_it(sqlite_store: Store) -> None:
    case_no = _accepted(sqlite_store)
    _step(sqlite_store, case_no, Review(CLERK, NOW, "符合"), version=1)
    with pytest.raises(CaseChanged) as info:
        _step(sqlite_store, case_no, Transfer(CLERK, NOW, "li", "李强", "x"), version=1)
    assert str(info.value) == (
        f"办件 {case_no} 刚由王芳办理了“审查”，已不是您打开时的状态（版本 1 → 2）："
        "请刷新后再看是否还需要办理。"
    )


def _race(store: Store, hold_first: bool) -> None:
    """Two clerks' steps on one case shown at the same version, on two connections.
    ``hold_first``: the first has written its step and holds its transaction open
    while the second starts (and waits for the case), then commits."""
    case_no = _accepted(store)
    results: dict[str, object] = {}
    barrier = threading.Barrier(1 if hold_first else 2)
    applied, gate = threading.Event(), threading.Event()

    def run(name: str, step: object) -> None:
        if not hold_first or name == "a":
            barrier.wait()
        try:
            with store.session() as s, s.begin():
                results[name] = apply_case_step(s, case_no, 1, step, CAL)  # type: ignore[arg-type]
                if hold_first and name == "a":
                    applied.set()
                    gate.wait(10)  # the transaction stays open (holding the case)
        except (CaseChanged, StepRefused) as exc:
            results[name] = exc

    first = threading.Thread(target=run, args=("a", Review(CLERK, NOW, "符合")))
    second = threading.Thread(target=run, args=("b", Transfer(CLERK, NOW, "li", "李强", "调岗")))
    first.start()
    if hold_first:
        assert applied.wait(10)
    second.start()
    if hold_first:
        second.join(0.5)  # b now waits for a's lock; either way its outcome is the same
        gate.set()
    first.join(20)
    second.join(20)
    changed = [r for r in results.values() if isinstance(r, CaseChanged)]
    done = [r for r in results.values() if not isinstance(r, Exception)]
    assert len(changed) == 1 and len(done) == 1, results
    if hold_first:
        assert isinstance(results["b"], CaseChanged)
        assert "刚由王芳办理了“审查”" in str(results["b"])
    with store.session() as s:
        rec = read_case(s, case_no)
        assert rec is not None and rec.row_version == 2
        assert len(rec.timeline) == 2  # 受理 and the one step that won
        assert s.scalar(select(func.count()).select_from(SyncOutboxRow)) == 2


def test_two_clerks_at_once_on_a_sqlite_file(sqlite_store: Store) -> None:
    _race(sqlite_store, hold_first=False)


def test_second_clerk_waits_then_is_refused_on_a_sqlite_file(sqlite_store: Store) -> None:
    _race(sqlite_store, hold_first=True)


def test_second_clerk_waits_then_is_refused_on_postgresql(pg_store: Store) -> None:
    _race(pg_store, hold_first=True)


def test_cases_in_review_are_open_for_the_estimate_review() -> None:
    from app.core.lifecycle import IN_PROGRESS
    from db.calendar_repo import OPEN_STATUSES

    assert set(OPEN_STATUSES) == {s.value for s in IN_PROGRESS}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0011_up_backfills_and_down_removes(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A store at 0010 with a case: 0011 adds the columns and fills them (due date =
    promised date, owner = the intake clerk); back down to 0010 they are gone and the
    case stays."""
    from alembic import command
    from sqlalchemy import inspect, text

    from db.store import alembic_config, create_store_engine, open_store

    url = (
        f"sqlite:///{tmp_path / 'old.sqlite3'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    store = open_store(url)  # at head: save a case as the program does today
    case_no = _accepted(store)
    store.close()
    engine = create_store_engine(url)
    cfg = alembic_config(engine)
    try:
        command.downgrade(cfg, "0010")
        assert "owner" not in {c["name"] for c in inspect(engine).get_columns("cases")}
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
        command.upgrade(cfg, "0011")
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT due_date, clock_stopped_on, owner, promised_date FROM cases "
                     "WHERE case_no = :no"),
                {"no": case_no},
            ).one()  # fmt: skip
        due, stopped, owner, promised = row
        assert str(due) == str(promised) == "2026-02-26"
        assert stopped is None and owner == "wang"
    finally:
        engine.dispose()


def test_a_clock_stop_moves_both_dates_of_a_natural_day_item(sqlite_store: Store) -> None:
    """特别程序 on an item whose limits are in 自然日: due_date and statutory_date both
    move on by the stop's natural days, written in the step's transaction and chained."""
    from app.core.workdays import LimitUnit
    from db.audit import verify

    vid, it = _stored_item(sqlite_store, promised_days=20, promised_unit=LimitUnit.NATURAL,
                           statutory_unit=LimitUnit.NATURAL)  # fmt: skip
    intake = _intake(vid, it, Decision.ACCEPT)
    with sqlite_store.session() as s, s.begin():
        case_no = save_case(s, record_intake(intake, CAL, NOW), centre="370982101",
                            workstation="A1").case_no  # fmt: skip
    with sqlite_store.session() as s:
        row = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        # Thu 12 Feb + 20 days = Wed 4 March, both limits
        assert (row.due_date, row.statutory_date) == (date(2026, 3, 4), date(2026, 3, 4))
    _step(sqlite_store, case_no,
          StartStop(CLERK, datetime(2026, 2, 13, 9), StopKind.TESTING, "检测", 30))  # fmt: skip
    _step(sqlite_store, case_no, EndStop(CLERK, datetime(2026, 2, 24, 15)))
    with sqlite_store.session() as s:
        row = s.scalars(select(CaseRow).where(CaseRow.case_no == case_no)).one()
        # 13–24 Feb (over 春节) is 12 days: 12 Feb + 32 = Mon 16 March (by working days,
        # 4 of them, it would have been Tue 10 March)
        assert (row.due_date, row.statutory_date) == (date(2026, 3, 16), date(2026, 3, 16))
        assert row.clock_stopped_on is None
        assert verify(s).ok
        rec = read_case(s, case_no)
        assert rec is not None and rec.state.stopped_days == 12
