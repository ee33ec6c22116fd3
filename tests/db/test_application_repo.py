"""联办: one visit saved as one application with one case per item, in one
transaction, once; and the state of all its cases as they move on."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.core.accounts import Clerk
from app.core.application import Standing, case_intake_id
from app.core.check import Decision
from app.core.clock import FixedClock
from app.core.errors import IntakeRejected
from app.core.intake import record_intake
from app.core.lifecycle import Outcome
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from app.services.applications import ApplicationService
from app.services.counter import CounterService
from app.services.lifecycle import LifecycleService
from db.case_repo import save_case
from db.models import (
    ApplicationRow,
    AuditRow,
    CaseRow,
    NoticeLineRow,
    SyncOutboxRow,
)
from db.store import Store
from tests.db.applications import NOW, mixed_application, received, store_bundle

CAL = load_calendar_dir(resource("calendar"))


def _service(store: Store, clock: FixedClock | None = None) -> ApplicationService:
    return ApplicationService(store, CAL, "370982101", "A1", clock or FixedClock(NOW))


def _counts(store: Store) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (ApplicationRow, CaseRow, AuditRow, NoticeLineRow, SyncOutboxRow)
        )


def _check_mixed_save(store: Store) -> None:
    stored = store_bundle(store)
    saved = _service(store).save(mixed_application(stored))
    assert not saved.already_saved
    assert saved.case_nos == tuple(f"370982101-A1-20260310-000{i}" for i in (1, 2, 3))
    with store.session() as s:
        cases = s.scalars(select(CaseRow).order_by(CaseRow.case_no)).all()
        assert {c.application_id for c in cases} == {saved.id}
        assert [(c.item_code, c.decision, c.status) for c in cases] == [
            ("KD-01", "补正", "待补正"),
            ("KD-02", "受理", "已受理"),
            ("KD-03", "受理", "已受理"),
        ]
        # each case keeps its own deadline: its own item's promised days
        assert [c.due_date for c in cases] == [None, date(2026, 3, 19), date(2026, 3, 17)]
        assert [(n.material, n.problem) for n in cases[0].notice_lines] == [
            ("食品安全管理制度", "有误：未加盖单位公章"),
            ("经营场所平面图", "缺少"),
        ]
        assert cases[1].notice_lines == [] and cases[2].notice_lines == []
        # the audit entry of each case names the visit and its bundle; it goes up
        for c in cases:
            (entry,) = c.audit
            assert entry.seq is not None  # chained by db.audit.append_audit
            app = entry.detail["application"]
            assert isinstance(app, dict)
            assert app["bundle_name"] == "我要开饭店"
            assert app["items"] == ["食品经营许可", "公众聚集场所投入使用营业前消防安全检查",
                                    "户外广告设施设置审批"]  # fmt: skip
        header = s.get(ApplicationRow, saved.id)
        assert header is not None
        assert (header.bundle_name, header.applicant_name, header.workstation) == (
            "我要开饭店", "李四", "A1",
        )  # fmt: skip
        # every case goes up with the application id
        outbox = s.scalars(select(SyncOutboxRow).order_by(SyncOutboxRow.seq)).all()
        assert [row.payload["cases"][0]["application_id"] for row in outbox[:3]] == [
            str(saved.id)
        ] * 3
        # then the visit itself, listing its cases (central c0015)
        (visit,) = outbox[3].payload["application"]
        assert visit["id"] == str(saved.id) and visit["bundle_name"] == "我要开饭店"
        assert visit["case_ids"] == [str(c.id) for c in cases]


def test_mixed_save_sqlite(sqlite_store: Store) -> None:
    _check_mixed_save(sqlite_store)


def test_mixed_save_postgres(pg_store: Store) -> None:
    _check_mixed_save(pg_store)


def _check_idempotent(store: Store) -> None:
    stored = store_bundle(store)
    visit = mixed_application(stored)
    service = _service(store)
    first = service.save(visit)
    before = _counts(store)
    # a second F5, a retry after an error, even with something changed since
    again = service.save(replace(visit, bundle_name="改过的名称"))
    assert again.already_saved
    assert (again.id, again.case_nos) == (first.id, first.case_nos)
    assert _counts(store) == before == (1, 3, 3, 2, 4)


def test_second_save_gives_the_same_application_sqlite(sqlite_store: Store) -> None:
    _check_idempotent(sqlite_store)


def test_second_save_gives_the_same_application_postgres(pg_store: Store) -> None:
    _check_idempotent(pg_store)


def _check_atomic(store: Store) -> None:
    """The third case's insert fails (its intake id is already taken): nothing of
    the application stays, not its header, the first two cases, their audit entries,
    notice lines or outbox rows, nor the case numbers they took."""
    stored = store_bundle(store)
    visit = mixed_application(stored)
    _, third = stored[2]
    taken = case_intake_id(visit.intake_id, third.code)
    lone = replace(visit.intakes[2], intake_id=taken, decision=Decision.ACCEPT)
    with store.session() as s, s.begin():
        save_case(s, record_intake(lone, CAL, NOW), centre="370982101", workstation="A1")
    before = _counts(store)
    assert before == (0, 1, 1, 0, 1)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        _service(store).save(visit)
    assert _counts(store) == before
    # the sequence of case numbers did not move either: the next case is -0002
    with store.session() as s, s.begin():
        again = save_case(
            s, record_intake(replace(lone, intake_id=uuid.uuid4()), CAL, NOW),
            centre="370982101", workstation="A1",
        )  # fmt: skip
    assert again.case_no.endswith("-0002")


def test_failure_in_third_case_leaves_nothing_sqlite(sqlite_store: Store) -> None:
    _check_atomic(sqlite_store)


def test_failure_in_third_case_leaves_nothing_postgres(pg_store: Store) -> None:
    _check_atomic(pg_store)


def test_a_rule_broken_in_one_item_saves_none(sqlite_store: Store) -> None:
    stored = store_bundle(sqlite_store)
    visit = mixed_application(stored)
    # 受理 asked for the item whose materials are not all in: every problem, named by item
    wrong = replace(visit.intakes[0], decision=Decision.ACCEPT)
    visit = replace(visit, intakes=(wrong, *visit.intakes[1:]))
    with pytest.raises(IntakeRejected) as info:
        _service(sqlite_store).save(visit)
    assert all(p.startswith("【食品经营许可】") for p in info.value.problems)
    assert info.value.problems
    assert _counts(sqlite_store) == (0, 0, 0, 0, 0)


def test_state_follows_every_case_until_the_last_is_done(sqlite_store: Store) -> None:
    """Each case moves on by itself (its own department and deadline); the combined
    result is ready only when the last is done. The 补正 item's applicant comes back:
    the new case continues the same application."""
    store = sqlite_store
    stored = store_bundle(store)
    clock = FixedClock(NOW)
    service = _service(store, clock)
    saved = service.save(mixed_application(stored))
    state = service.state(saved.id)
    assert state is not None
    assert [c.standing for c in state.cases] == [
        Standing.WAITING_APPLICANT, Standing.RUNNING, Standing.RUNNING,
    ]  # fmt: skip
    assert [c.department for c in state.cases] == [
        "示范县市场监督管理局", "示范县消防救援大队", "示范县城市管理局",
    ]  # fmt: skip
    assert not state.result_ready
    assert state.last_due == date(2026, 3, 19)
    assert state.summary() == "办理中：0/3件已办结，1件待申请人补正，预计2026-03-19前全部办结"

    clerk = LifecycleService(store, CAL, clock, Clerk("wangfang", "王芳", "1"))
    chief = LifecycleService(store, CAL, clock, Clerk("chenzhuren", "陈主任", role="chief"))

    def finish(case_no: str) -> None:
        life = clerk.life(case_no)
        assert life is not None
        life = clerk.review(case_no, life.row_version, "材料齐全，拟准予", Outcome.GRANT)
        life = chief.approve(case_no, life.row_version)
        clerk.complete(case_no, life.row_version, Outcome.GRANT, result_name="许可",
                       certificate_name="许可证", certificate_no="NO.1")  # fmt: skip

    finish(saved.case_nos[1])
    state = service.state_of_case(saved.case_nos[2])
    assert state is not None and state.id == saved.id
    assert [c.standing for c in state.cases][1] is Standing.DONE
    assert not state.result_ready
    finish(saved.case_nos[2])
    state = service.state(saved.id)
    assert state is not None and not state.result_ready  # the 补正 item is still open
    assert state.summary() == "办理中：2/3件已办结，1件待申请人补正"

    # the applicant returns with the missing materials: a new case, same application
    clock.set(datetime(2026, 3, 12, 10, 0))
    _, food = stored[0]
    counter = CounterService(store, CAL, "370982101", "A1", clock)
    back = counter.save_intake(
        replace(mixed_application(stored).intakes[0], outcomes=received(food),
                decision=Decision.ACCEPT, previous_case_no=saved.case_nos[0],
                intake_id=uuid.uuid4())
    )  # fmt: skip
    state = service.state(saved.id)
    assert state is not None
    assert [(c.case_no, c.standing) for c in state.cases] == [
        (saved.case_nos[0], Standing.CONTINUED),
        (saved.case_nos[1], Standing.DONE),
        (saved.case_nos[2], Standing.DONE),
        (back.case_no, Standing.RUNNING),
    ]
    assert not state.result_ready
    finish(back.case_no)
    state = service.state(saved.id)
    assert state is not None and state.result_ready
    assert state.summary() == "全部办结，可一并领取结果（3/3件有结果）"


def test_a_case_on_its_own_has_no_application(sqlite_store: Store) -> None:
    stored = store_bundle(sqlite_store)
    intake = mixed_application(stored).intakes[1]
    with sqlite_store.session() as s, s.begin():
        saved = save_case(s, record_intake(intake, CAL, NOW), centre="370982101", workstation="A1")
    assert _service(sqlite_store).state_of_case(saved.case_no) is None


def test_the_stages_of_the_bundle_the_visit_was_taken_under(sqlite_store: Store) -> None:
    """串联: the items of the bundle's second stage wait while its first is open."""
    from app.core.bundles import Bundle, BundleItem
    from db.catalog_repo import import_bundles

    stored = store_bundle(sqlite_store)
    staged = Bundle("YJS-KFD", "我要开饭店", "1",
                    (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip
    with sqlite_store.session() as s, s.begin():
        import_bundles(s, [staged])
    service = _service(sqlite_store)
    saved = service.save(mixed_application(stored))
    state = service.state(saved.id)
    assert state is not None
    assert [c.stage for c in state.cases] == [1, 2, 2]
    assert [state.standing_of(c) for c in state.cases] == [
        Standing.WAITING_APPLICANT, Standing.WAITING_EARLIER, Standing.WAITING_EARLIER,
    ]  # fmt: skip
    assert state.summary().startswith("办理中：0/3件已办结，1件待申请人补正，2件待前置事项办结")


def _race(store: Store, n: int = 4) -> None:
    """``n`` threads save the same visit at once (a second F10, a retry, another
    process): one application, its three cases once; every save answers with it."""
    import threading

    from app.core.application import SavedApplication

    visit = mixed_application(store_bundle(store))
    barrier = threading.Barrier(n)
    results: list[SavedApplication] = []
    errors: list[BaseException] = []

    def save() -> None:
        service = _service(store)
        barrier.wait()
        try:
            results.append(service.save(visit))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len({(r.id, r.case_nos) for r in results}) == 1 and len(results) == n
    assert sum(not r.already_saved for r in results) == 1
    assert _counts(store)[:2] == (1, 3)


def test_threads_saving_one_visit_on_sqlite_give_one_application(sqlite_store: Store) -> None:
    _race(sqlite_store)


def test_threads_saving_one_visit_on_postgresql_give_one_application(pg_store: Store) -> None:
    _race(pg_store)
