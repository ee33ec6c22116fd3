"""串联 (issue 21): a later stage of a visit waits, with no clock, until every case of
the earlier stage is 办结 准予; its dates are then counted from that day in the item's
own units. Dates below are counted by hand on the 2026 arrangement (清明 4–6 April,
劳动节 1–5 May)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.core.accounts import Clerk
from app.core.application import Standing
from app.core.bundles import Bundle, BundleItem
from app.core.check import Decision
from app.core.clock import FixedClock
from app.core.figures import Grain
from app.core.items import Item
from app.core.lifecycle import BLOCKED_ACTION, RELEASE_ACTION, Outcome, State, StepRefused
from app.core.paths import resource
from app.core.supervision import GroupBy, HallFilter, Scope
from app.core.workdays import LimitUnit, load_calendar_dir
from app.services.applications import ApplicationService
from app.services.lifecycle import LifecycleService
from app.services.supervision import SupervisionService
from db.catalog_repo import current_version, import_bundles, import_items
from db.figures_query import open_past_date_groups
from db.models import AuditRow, CaseRow, SyncOutboxRow
from db.store import Store
from tests.db.applications import NOW, bundle_items, mixed_application, received

CAL = load_calendar_dir(resource("calendar"))
WANG = Clerk("wangfang", "王芳", "1")
CHIEF = Clerk("chenzhuren", "陈主任", role="chief")
# KD-01 first; then KD-02 (7 working days promised, statutory 20 natural days) and
# KD-03 (5 natural days promised, statutory 20 working days) in parallel
STAGED = Bundle("YJS-KFD", "我要开饭店", "1",
                (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip


def _items() -> list[Item]:
    units = {
        "KD-02": dict(statutory_unit=LimitUnit.NATURAL),
        "KD-03": dict(promised_unit=LimitUnit.NATURAL),
    }
    return [replace(it, **units.get(it.code, {})) for it in bundle_items()]  # type: ignore[arg-type]


def _store_staged(store: Store) -> list[tuple[int, Item]]:
    with store.session() as s, s.begin():
        import_items(s, _items())
        import_bundles(s, [STAGED])
    with store.session() as s:
        found = [current_version(s, code) for code in ("KD-01", "KD-02", "KD-03")]
    assert all(found)
    return [f for f in found if f is not None]


def _all_accepted(stored: list[tuple[int, Item]]):  # type: ignore[no-untyped-def]
    visit = mixed_application(stored)
    food = stored[0][1]
    first = replace(visit.intakes[0], outcomes=received(food), decision=Decision.ACCEPT)
    return replace(visit, intakes=(first, *visit.intakes[1:]))


def _cases(store: Store) -> dict[str, CaseRow]:
    with store.session() as s:
        rows = s.scalars(select(CaseRow)).all()
        s.expunge_all()
    return {c.item_code: c for c in rows}


def _finish(store: Store, clock: FixedClock, case_no: str, outcome: Outcome) -> None:
    clerk = LifecycleService(store, CAL, clock, WANG)
    chief = LifecycleService(store, CAL, clock, CHIEF)
    life = clerk.life(case_no)
    assert life is not None
    life = clerk.review(case_no, life.row_version, "审查意见", outcome)
    life = chief.approve(case_no, life.row_version)
    if outcome is Outcome.GRANT:
        clerk.complete(case_no, life.row_version, outcome, result_name="食品经营许可",
                       certificate_name="食品经营许可证", certificate_no="JY1370982")  # fmt: skip
    else:
        clerk.complete(case_no, life.row_version, outcome, decision_doc="不予许可决定书〔2026〕1号",
                       reason="场所不符合要求")  # fmt: skip


def _watched(store: Store, today: date) -> tuple[int, int, set[str]]:
    """(电子监察 lit cases, past-statutory cases, the figures' open-and-late case ids)."""
    sup = SupervisionService(store, CAL, lambda: today)
    lit = sup.hall(HallFilter(Scope.LIT), GroupBy.WINDOW).total
    statutory = sup.hall(HallFilter(Scope.STATUTORY), GroupBy.WINDOW).total
    with store.session() as s:
        groups = open_past_date_groups(s, date(2000, 1, 1), today, Grain.YEAR, today)
    late = {key[3] for key, n_late, n_statutory in groups if n_late or n_statutory}
    return lit, statutory, late


def test_the_later_stage_waits_then_counts_from_the_day_the_first_is_done(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    clock = FixedClock(NOW)  # Tuesday 10 March 2026
    service = ApplicationService(store, CAL, "370982101", "A1", clock)
    saved = service.save(_all_accepted(_store_staged(store)))
    cases = _cases(store)
    assert cases["KD-01"].status == "已受理" and cases["KD-01"].due_date == date(2026, 3, 24)
    for code in ("KD-02", "KD-03"):
        c = cases[code]
        assert c.status == State.WAITING_EARLIER.value
        assert (c.promised_date, c.due_date, c.statutory_date) == (None, None, None)
    state = service.state(saved.id)
    assert state is not None
    assert [state.standing_of(c) for c in state.cases] == [
        Standing.RUNNING, Standing.WAITING_EARLIER, Standing.WAITING_EARLIER,
    ]  # fmt: skip
    # nothing may be done on a waiting case but withdraw, hand over or supply
    clerk = LifecycleService(store, CAL, clock, WANG)
    waiting = clerk.life(cases["KD-02"].case_no)
    assert waiting is not None and waiting.remaining is None
    with pytest.raises(StepRefused, match="等待前序环节"):
        clerk.review(cases["KD-02"].case_no, waiting.row_version, "x", Outcome.GRANT)

    # 1 April: counted from the intake, both would be long overdue; waiting, they are not
    # (KD-01 itself, due 24 March, is)
    lit, statutory, late = _watched(store, date(2026, 4, 1))
    assert (lit, statutory, late) == (1, 0, {"KD-01"})

    # stage 1 is done on Thursday 2 April, the day before the 清明 weekend
    clock.set(datetime(2026, 4, 2, 15, 0))
    _finish(store, clock, cases["KD-01"].case_no, Outcome.GRANT)
    cases = _cases(store)
    kd2, kd3 = cases["KD-02"], cases["KD-03"]
    assert (kd2.status, kd3.status) == ("已受理", "已受理")
    # KD-02: 7 working days from 2 April: 3, 7, 8, 9, 10, 13, 14 April (4–6 清明)
    assert kd2.promised_date == kd2.due_date == date(2026, 4, 14)
    # … statutory 20 natural days: 22 April
    assert kd2.statutory_date == date(2026, 4, 22)
    # KD-03: 5 natural days: 7 April; statutory 20 working days: 3, 7–10, 13–17, 20–24,
    # 27–30 April (19), then 劳动节 1–5 May: 6 May
    assert kd3.promised_date == kd3.due_date == date(2026, 4, 7)
    assert kd3.statutory_date == date(2026, 5, 6)
    assert (kd2.limit_days, kd2.limit_unit, kd3.limit_unit) == (7, "工作日", "自然日")
    with store.session() as s:
        entries = s.scalars(
            select(AuditRow).where(AuditRow.case_id == kd2.id, AuditRow.action == RELEASE_ACTION)
        ).all()
        assert [e.detail["counted_from"] for e in entries] == ["2026-04-02"]
        assert entries[0].seq is not None  # chained
        # the release goes up to the county like a step
        pushed = [
            r.payload["cases"][0]["status"]
            for r in s.scalars(select(SyncOutboxRow).where(SyncOutboxRow.case_id == kd2.id))
        ]
        assert pushed[-1] == "已受理"
    # the lifecycle counts from the release day too: 8 working days left on 2 April
    life = clerk.life(kd2.case_no)
    assert life is not None and life.remaining == 7
    # and now the clock runs: on 15 April KD-02 is overdue, KD-03 (7 April) too
    lit, statutory, late = _watched(store, date(2026, 4, 15))
    assert lit == 2 and {"KD-02", "KD-03"} <= late
    state = service.state(saved.id)
    assert state is not None
    assert [state.standing_of(c) for c in state.cases] == [
        Standing.DONE, Standing.RUNNING, Standing.RUNNING,
    ]  # fmt: skip


def test_a_refused_first_stage_flags_the_later_ones_and_starts_no_clock(
    sqlite_store: Store,
) -> None:
    store = sqlite_store
    clock = FixedClock(NOW)
    service = ApplicationService(store, CAL, "370982101", "A1", clock)
    saved = service.save(_all_accepted(_store_staged(store)))
    cases = _cases(store)
    clock.set(datetime(2026, 4, 2, 15, 0))
    _finish(store, clock, cases["KD-01"].case_no, Outcome.DENY)
    cases = _cases(store)
    assert cases["KD-02"].status == cases["KD-03"].status == State.WAITING_EARLIER.value
    assert cases["KD-02"].due_date is None
    with store.session() as s:
        flags = s.scalars(select(AuditRow.detail).where(AuditRow.action == BLOCKED_ACTION)).all()
    assert flags == [{"earlier": "食品经营许可", "actor_name": "系统（自动记录）"}] * 2
    state = service.state(saved.id)
    assert state is not None
    assert [state.standing_of(c) for c in state.cases][1:] == [Standing.BLOCKED_EARLIER] * 2
    assert "2件因前置事项未准予待处理" in state.summary()
    assert _watched(store, date(2026, 6, 1)) == (0, 0, set())
    # the owner settles it with the applicant: 撤回 is allowed on a waiting case
    clerk = LifecycleService(store, CAL, clock, WANG)
    life = clerk.life(cases["KD-02"].case_no)
    assert life is not None
    clerk.withdraw(cases["KD-02"].case_no, life.row_version, "前置许可未获准予，申请人撤回")
    assert _cases(store)["KD-02"].status == "已撤回"


def test_a_first_stage_on_the_spot_lets_the_later_begin_at_the_visit(
    sqlite_store: Store,
) -> None:
    """No wait when the earlier stage is 办结 at the visit (即办件): counted from intake."""
    from app.core.items import ServiceType

    store = sqlite_store
    stored = _store_staged(store)
    vid, food = stored[0]
    stored[0] = (vid, replace(food, service_type=ServiceType.ON_THE_SPOT))
    service = ApplicationService(store, CAL, "370982101", "A1", FixedClock(NOW))
    service.save(_all_accepted(stored))
    cases = _cases(store)
    assert cases["KD-01"].status == "已办结"
    assert cases["KD-02"].status == "已受理"
    assert cases["KD-02"].due_date == date(2026, 3, 19)  # 7 working days from 10 March


def test_a_returning_applicant_finishing_the_first_stage_on_the_spot_begins_the_later(
    sqlite_store: Store,
) -> None:
    """The first stage (a 即办 item) was 补正 at the visit, so the later ones wait; the
    applicant comes back on Thursday 12 March with everything and it is 办结 at the
    counter: the later stages begin that day (7 working days: 23 March)."""
    from datetime import timedelta

    from app.core.items import ServiceType
    from app.services.counter import CounterService

    store = sqlite_store
    stored = _store_staged(store)
    vid, food = stored[0]
    stored[0] = (vid, replace(food, service_type=ServiceType.ON_THE_SPOT))
    ApplicationService(store, CAL, "370982101", "A1", FixedClock(NOW)).save(
        mixed_application(stored)
    )
    before = _cases(store)
    assert before["KD-01"].status == "待补正"
    assert before["KD-02"].status == State.WAITING_EARLIER.value

    back = NOW + timedelta(days=2)  # Thursday 12 March 2026
    first = mixed_application(stored).intakes[0]
    returning = replace(first, outcomes=received(stored[0][1]), decision=Decision.ACCEPT,
                        previous_case_no=before["KD-01"].case_no)  # fmt: skip
    saved = CounterService(store, CAL, "370982101", "A1", FixedClock(back)).save_intake(returning)
    with store.session() as s:
        again = s.scalar(select(CaseRow).where(CaseRow.case_no == saved.case_no))
        assert again is not None and again.status == "已办结"
    after = {c.case_no: c for c in _cases_all(store)}
    later = [c for c in after.values() if c.item_code == "KD-02"]
    assert [c.status for c in later] == ["已受理"]
    assert later[0].due_date == date(2026, 3, 23)


def _cases_all(store: Store) -> list[CaseRow]:
    with store.session() as s:
        rows = list(s.scalars(select(CaseRow)).all())
        s.expunge_all()
    return rows
