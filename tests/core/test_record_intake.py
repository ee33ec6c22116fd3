"""The intake decides the case it becomes (app/core/intake.record_intake): status,
promised date, what the notice holds, what the timeline records. The store only
writes it (db/case_repo.save_case)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.core.check import Decision, MaterialOutcome, Status
from app.core.errors import IntakeRejected
from app.core.intake import Applicant, CaseStatus, Intake, record_intake
from app.core.items import Item, ServiceType
from app.core.paths import resource
from app.core.workdays import WorkCalendar, load_calendar_dir
from tests.factories import item

NOW = datetime(2026, 3, 2, 9, 30)  # a Monday
ANSWERS = {"Q1": "个人", "Q2": "否"}


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar_dir(resource("calendar"))


def _intake(it: Item, decision: Decision, missing: tuple[int, ...] = (), **kw: object) -> Intake:
    outcomes = {
        m.seq: MaterialOutcome(Status.MISSING) if m.seq in missing
        else MaterialOutcome(Status.RECEIVED, m.copies)
        for m in it.materials
    }  # fmt: skip
    fields: dict[str, object] = {"clerk": "wangfang", "clerk_name": "王芳", "window_no": "1", **kw}
    return Intake(
        item=it, item_version_id=1, answers=ANSWERS, outcomes=outcomes,
        applicant=Applicant(name="张三", id_no="11010519491231002X", phone="13800138000"),
        decision=decision, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_accepted_case_is_promised_in_working_days_and_has_no_notice(
    calendar: WorkCalendar,
) -> None:
    record = record_intake(_intake(item(promised_days=5), Decision.ACCEPT), calendar, NOW)
    assert record.status is CaseStatus.ACCEPTED and record.completed_at is None
    assert record.promised_date == date(2026, 3, 9)  # 5 working days after Monday 2 March
    assert record.notice == () and record.supply_by is None
    [note] = record.audit
    assert note.action == "受理"
    assert note.detail["promised"] == {
        "date": "2026-03-09", "limit": 5, "unit": "工作日", "estimated": False,
        "calendar": record.due.basis_text if record.due else None,
    }  # fmt: skip
    assert [s.material.seq for s in record.materials] == [1, 2, 3, 7]  # the applicable ones


def test_a_correction_keeps_its_notice_and_promises_nothing(calendar: WorkCalendar) -> None:
    record = record_intake(_intake(item(), Decision.CORRECTION, missing=(2,)), calendar, NOW)
    assert record.status is CaseStatus.AWAITING_CORRECTION
    assert record.due is None and record.promised_date is None
    assert [line.material for line in record.notice] == ["居民身份证"]
    assert record.audit[0].action == "补正"


def test_deferred_acceptance_keeps_the_promise_date_and_the_deferred_line(
    calendar: WorkCalendar,
) -> None:
    intake = _intake(item(), Decision.ACCEPT_DEFERRED, missing=(3,), supply_by=date(2026, 3, 9))
    record = record_intake(intake, calendar, NOW)
    assert record.status is CaseStatus.ACCEPTED_DEFERRED
    assert record.supply_by == date(2026, 3, 9) and record.promised_date is not None
    assert [(n.material, n.deferrable) for n in record.notice] == [("户口簿", True)]


def test_a_supply_date_given_with_a_plain_acceptance_is_not_kept(calendar: WorkCalendar) -> None:
    intake = _intake(item(), Decision.ACCEPT, supply_by=date(2026, 3, 9))
    assert record_intake(intake, calendar, NOW).supply_by is None


def test_on_the_spot_acceptance_is_completed_at_once(calendar: WorkCalendar) -> None:
    it = item(service_type=ServiceType.ON_THE_SPOT)
    record = record_intake(_intake(it, Decision.ACCEPT), calendar, NOW)
    assert record.status is CaseStatus.COMPLETED and record.completed_at == NOW
    assert record.audit[0].action == "办结"


def test_a_refusal_records_its_reason_and_no_notice(calendar: WorkCalendar) -> None:
    intake = _intake(item(), Decision.REFUSE, missing=(2,), reason="不属于本机关职权范围",
                     legal_basis="《行政许可法》第三十二条")  # fmt: skip
    record = record_intake(intake, calendar, NOW)
    assert record.status is CaseStatus.REFUSED and record.notice == () and record.due is None


def test_a_returning_applicant_records_what_the_earlier_notice_left_out(
    calendar: WorkCalendar,
) -> None:
    intake = _intake(item(), Decision.ACCEPT, previous_case_no="370999101-A1-20260227-0003",
                     on_behalf_of="wangfang",
                     extra={"not_on_previous_notice": ["户口簿"]})  # fmt: skip
    record = record_intake(intake, calendar, NOW)
    first, missed = record.audit
    assert first.detail["previous_case_no"] == "370999101-A1-20260227-0003"
    assert first.detail["on_behalf_of"] == "wangfang"
    assert missed.action == "一次性告知遗漏"
    assert missed.detail == {
        "previous_case_no": "370999101-A1-20260227-0003", "materials": ["户口簿"],
    }  # fmt: skip


def test_every_problem_is_named_and_nothing_is_decided(calendar: WorkCalendar) -> None:
    intake = _intake(item(), Decision.ACCEPT, missing=(2,), window_no="")
    with pytest.raises(IntakeRejected) as refused:
        record_intake(intake, calendar, NOW)
    problems = refused.value.problems
    assert any(p.startswith("不能受理") for p in problems)
    assert "未登录窗口，无法保存" in problems
