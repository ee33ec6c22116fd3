from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app.core.check import Decision, MaterialOutcome, Status
from app.core.errors import IntakeRejected
from app.core.intake import Applicant, ApplicantKind, Intake, record_intake
from app.core.items import ServiceType
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from db.case_repo import case_for_intake, get_case, save_case
from db.catalog_repo import current_version, import_items
from db.models import AuditRow, CaseMaterialRow, CaseRow, NoticeLineRow
from db.store import Store
from tests.factories import item

CAL = load_calendar_dir(resource("calendar"))
NOW = datetime(2026, 2, 12, 9, 30)
PERSON = Applicant(ApplicantKind.PERSON, "张三", id_no="11010519491231002X", phone="13800138000")
ANSWERS = {"Q1": "个人", "Q2": "否"}


def _stored_item(store: Store, **kw):  # type: ignore[no-untyped-def]
    with store.session() as s, s.begin():
        import_items(s, [item(**kw)])
    with store.session() as s:
        found = current_version(s, "T-001")
        assert found
        return found


def _all_received(it):  # type: ignore[no-untyped-def]
    return {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.applicable_materials(ANSWERS)
    }


def _save(store: Store, intake: Intake, now: datetime = NOW):  # type: ignore[no-untyped-def]
    with store.session() as s, s.begin():
        # as the counter service saves: an intake saved before gives its case
        if intake.intake_id and (found := case_for_intake(s, intake.intake_id)):
            return found
        return save_case(s, record_intake(intake, CAL, now), centre="370982101", workstation="A1")


def _intake(version_id: int, it, decision: Decision, outcomes=None, **kw) -> Intake:  # type: ignore[no-untyped-def]
    return Intake(
        item=it, item_version_id=version_id, answers=ANSWERS,
        outcomes=_all_received(it) if outcomes is None else outcomes,
        applicant=PERSON, decision=decision, clerk="wang", clerk_name="王芳", window_no="3", **kw,
    )  # fmt: skip


def _check_accept(store: Store) -> None:
    vid, it = _stored_item(store)
    saved = _save(store, _intake(vid, it, Decision.ACCEPT))
    assert saved.case_no == "370982101-A1-20260212-0001"
    assert saved.promised_date == date(2026, 2, 26)  # 5 working days over 春节
    with store.session() as s:
        case = get_case(s, saved.case_no)
        assert case is not None
        assert (case.decision, case.status, case.item_version_id) == ("受理", "已受理", vid)
        assert case.applicant.name == "张三"
        assert [m.status for m in case.materials] == ["收到"] * 4
        assert [(a.question, a.answer) for a in case.answers] == [
            ("申请人类型", "个人"),
            ("是否委托代办", "否"),
        ]
        assert [a.action for a in case.audit] == ["受理"]
        assert case.notice_lines == []
    second = _save(store, _intake(vid, it, Decision.ACCEPT))
    assert second.case_no.endswith("-0002")


def test_accept_sqlite(sqlite_store: Store) -> None:
    _check_accept(sqlite_store)


@pytest.mark.pg
def test_accept_postgresql(pg_store: Store) -> None:
    _check_accept(pg_store)


def test_deferred_acceptance_keeps_the_notice_and_supply_date(sqlite_store: Store) -> None:
    vid, it = _stored_item(sqlite_store)
    outcomes = _all_received(it)
    outcomes[3] = MaterialOutcome(Status.MISSING)
    saved = _save(
        sqlite_store,
        _intake(vid, it, Decision.ACCEPT_DEFERRED, outcomes, supply_by=date(2026, 3, 2)),
    )
    with sqlite_store.session() as s:
        case = get_case(s, saved.case_no)
        assert case and case.status == "容缺受理" and case.supply_by == date(2026, 3, 2)
        assert [(n.material, n.deferrable) for n in case.notice_lines] == [("户口簿", True)]


def test_correction_saves_every_notice_line_and_no_promised_date(sqlite_store: Store) -> None:
    vid, it = _stored_item(sqlite_store)
    outcomes = _all_received(it)
    outcomes[1] = MaterialOutcome(Status.DEFECTIVE, 2, "缺少签字")
    outcomes[2] = MaterialOutcome(Status.MISSING)
    saved = _save(sqlite_store, _intake(vid, it, Decision.CORRECTION, outcomes))
    assert saved.promised_date is None
    with sqlite_store.session() as s:
        case = get_case(s, saved.case_no)
        assert case and case.status == "待补正"
        assert [(n.material, n.problem) for n in case.notice_lines] == [
            ("申请表", "有误：缺少签字"),
            ("居民身份证", "缺少"),
        ]


def test_refusal_needs_reason_and_basis(sqlite_store: Store) -> None:
    vid, it = _stored_item(sqlite_store)
    with pytest.raises(IntakeRejected) as err:
        _save(sqlite_store, _intake(vid, it, Decision.REFUSE))
    assert err.value.problems == ["不予受理必须填写理由", "不予受理必须填写法律依据"]
    saved = _save(
        sqlite_store,
        _intake(
            vid,
            it,
            Decision.REFUSE,
            reason="不属于本中心受理范围",
            legal_basis="《行政许可法》第三十二条",
        ),
    )
    assert saved.status == "不予受理"


def test_on_the_spot_item_is_completed_in_one_step(sqlite_store: Store) -> None:
    vid, it = _stored_item(sqlite_store, service_type=ServiceType.ON_THE_SPOT, promised_days=0)
    saved = _save(sqlite_store, _intake(vid, it, Decision.ACCEPT))
    assert saved.status == "已办结" and saved.promised_date == NOW.date()
    with sqlite_store.session() as s:
        case = get_case(s, saved.case_no)
        assert case and case.completed_at == NOW
        assert [a.action for a in case.audit] == ["办结"]


def test_rule_breaking_intakes_write_nothing(sqlite_store: Store) -> None:
    vid, it = _stored_item(sqlite_store)
    outcomes = _all_received(it)
    outcomes[2] = MaterialOutcome(Status.MISSING)
    bad_applicant = Applicant(ApplicantKind.PERSON, "", id_no="110105194912310021")
    with pytest.raises(IntakeRejected) as err:
        _save(sqlite_store, Intake(
            item=it, item_version_id=vid, answers=ANSWERS, outcomes=outcomes,
            applicant=bad_applicant, decision=Decision.ACCEPT, clerk="wang", clerk_name="王芳",
            window_no="3",
        ))  # fmt: skip
    text = "；".join(err.value.problems)
    assert "不能受理：必需材料不齐：居民身份证" in text
    assert "请填写申请人姓名" in text and "校验位不符" in text
    with sqlite_store.session() as s:
        for table in (CaseRow, CaseMaterialRow, NoticeLineRow, AuditRow):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_a_failure_inside_the_transaction_leaves_no_trace(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    vid, it = _stored_item(sqlite_store)

    def full_disk(*_args: object, **_kw: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as m:  # fails after the case rows were written
        m.setattr("db.case_repo.enqueue", full_disk)
        with pytest.raises(OSError, match="disk full"):
            _save(sqlite_store, _intake(vid, it, Decision.ACCEPT), now=datetime(2026, 12, 30, 10))
    with sqlite_store.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseRow)) == 0
    # the sequence was not consumed either
    assert _save(sqlite_store, _intake(vid, it, Decision.ACCEPT)).case_no.endswith("-0001")


def test_a_case_keeps_its_item_version_after_a_new_version(sqlite_store: Store) -> None:
    from dataclasses import replace

    vid, it = _stored_item(sqlite_store)
    saved = _save(sqlite_store, _intake(vid, it, Decision.ACCEPT))
    with sqlite_store.session() as s, s.begin():
        import_items(s, [replace(it, version="2", promised_days=1, materials=it.materials[:1])])
    with sqlite_store.session() as s:
        case = get_case(s, saved.case_no)
        assert case and case.item_version.version == "1" and len(case.item_version.materials) == 7
        assert case.promised_date == date(2026, 2, 26)


def _check_one_intake_one_case(store: Store) -> None:
    from app.core.ids import uuid7

    vid, it = _stored_item(store)
    intake = _intake(vid, it, Decision.ACCEPT, intake_id=uuid7())
    first = _save(store, intake)
    again = _save(store, intake)
    assert (again.case_no, again.already_saved) == (first.case_no, True)
    other = _save(store, _intake(vid, it, Decision.ACCEPT, intake_id=uuid7()))
    assert other.case_no.endswith("-0002")  # the retry took no sequence number
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseRow)) == 2


def test_one_intake_saved_twice_is_one_case_sqlite(sqlite_store: Store) -> None:
    _check_one_intake_one_case(sqlite_store)


@pytest.mark.pg
def test_one_intake_saved_twice_is_one_case_postgresql(pg_store: Store) -> None:
    _check_one_intake_one_case(pg_store)
