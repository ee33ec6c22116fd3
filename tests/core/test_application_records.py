"""联办 records in the domain (app/core/application): an application's case intake
ids, the record saved whole or not at all, and the state of a visit as the clerk and
the applicant read it. Values worked out by hand from the docstrings."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

import pytest

from app.core.application import (
    ApplicationCase,
    ApplicationIntake,
    ApplicationState,
    Standing,
    case_intake_id,
    record_application,
)
from app.core.check import Decision, MaterialOutcome, Status
from app.core.errors import IntakeRejected
from app.core.intake import Applicant, CaseStatus, Intake
from app.core.items import Item
from app.core.paths import resource
from app.core.workdays import WorkCalendar, load_calendar_dir
from tests.factories import item

NOW = datetime(2026, 3, 2, 9, 30)  # a Monday
VISIT = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
AT = datetime(2026, 3, 10, 9, 30)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return load_calendar_dir(resource("calendar"))


def _item(code: str, name: str, days: int = 5) -> Item:
    return replace(item(code=code, promised_days=days), name=name)


def _intake(it: Item, decision: Decision = Decision.ACCEPT, **kw: object) -> Intake:
    outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.materials}
    fields: dict[str, object] = {"clerk": "wangfang", "clerk_name": "王芳", "window_no": "1", **kw}
    return Intake(
        item=it, item_version_id=1, answers={"Q1": "个人", "Q2": "否"}, outcomes=outcomes,
        applicant=Applicant(name="张三", id_no="11010519491231002X", phone="13800138000"),
        decision=decision, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _application(*intakes: Intake) -> ApplicationIntake:
    return ApplicationIntake(VISIT, "B-KY", "我要开饭店", "3", intakes)


# ---------------------------------------------------------------- the intake


def test_an_item_twice_is_refused_with_its_reason() -> None:
    one = _intake(_item("A", "甲"))
    with pytest.raises(ValueError, match=r"^an application holds each item once\Z"):
        _application(one, one)
    other = _intake(_item("B", "乙"))
    assert _application(one, other).intakes == (one, other)  # distinct items are fine


def test_each_item_intake_carries_its_derived_case_id() -> None:
    a, b = _intake(_item("A", "甲")), _intake(_item("B", "乙"))
    app = _application(a, b)
    derived = app.with_case_ids()
    assert [i.intake_id for i in derived.intakes] == [
        case_intake_id(VISIT, "A"), case_intake_id(VISIT, "B"),
    ]  # fmt: skip
    assert case_intake_id(VISIT, "A") == uuid.uuid5(
        uuid.UUID("6f2b0c1e-5a53-4c0e-9d53-0a1e7c4b2d11"), f"{VISIT}/A"
    )
    # everything else is kept: the application and each intake
    assert (derived.intake_id, derived.bundle_code, derived.bundle_name) == (
        VISIT, "B-KY", "我要开饭店",
    )  # fmt: skip
    assert derived.bundle_version == "3"
    assert [replace(i, intake_id=None) for i in derived.intakes] == [a, b]
    assert app.intakes[0].intake_id is None  # the original is not changed


# ---------------------------------------------------------------- the record


def test_an_application_is_recorded_with_one_case_per_item(calendar: WorkCalendar) -> None:
    food, fire = _item("F", "食品经营许可", days=5), _item("X", "消防检查", days=10)
    record = record_application(_application(_intake(food), _intake(fire)), calendar, NOW)
    assert (record.intake_id, record.bundle_code, record.bundle_name, record.bundle_version) == (
        VISIT, "B-KY", "我要开饭店", "3",
    )  # fmt: skip
    assert record.accepted_at == NOW
    assert [c.intake.item.code for c in record.cases] == ["F", "X"]  # the bundle's order
    assert [c.status for c in record.cases] == [CaseStatus.ACCEPTED, CaseStatus.ACCEPTED]
    # each its own deadline: 5 and 10 working days after Monday 2 March 2026
    assert [c.promised_date for c in record.cases] == [date(2026, 3, 9), date(2026, 3, 16)]
    assert [c.accepted_at for c in record.cases] == [NOW, NOW]
    assert [c.intake.intake_id for c in record.cases] == [
        case_intake_id(VISIT, "F"), case_intake_id(VISIT, "X"),
    ]  # fmt: skip
    assert record.first is record.cases[0].intake
    expected = {
        "intake_id": str(VISIT), "bundle_code": "B-KY", "bundle_name": "我要开饭店",
        "bundle_version": "3", "items": ["食品经营许可", "消防检查"],
    }  # fmt: skip
    for case in record.cases:
        assert case.intake.extra["application"] == expected
        assert case.audit[0].detail["application"] == expected


def test_an_items_own_extra_is_kept_beside_the_application(calendar: WorkCalendar) -> None:
    it = _intake(_item("F", "食品经营许可"), extra={"source": "预约"})
    [case] = record_application(_application(it), calendar, NOW).cases
    assert case.intake.extra["source"] == "预约"
    assert case.intake.extra["application"]["items"] == ["食品经营许可"]  # type: ignore[index]


def test_an_empty_application_is_rejected(calendar: WorkCalendar) -> None:
    with pytest.raises(IntakeRejected) as exc:
        record_application(_application(), calendar, NOW)
    assert exc.value.problems == ["联办申请至少包含一个事项"]


def test_every_problem_of_every_item_is_named_by_its_item(calendar: WorkCalendar) -> None:
    good = _intake(_item("F", "食品经营许可"))
    refused = _intake(_item("X", "消防检查"), Decision.REFUSE)
    unsigned = _intake(_item("Y", "招牌设置"), window_no="")
    with pytest.raises(IntakeRejected) as exc:
        record_application(_application(good, refused, unsigned), calendar, NOW)
    assert exc.value.problems == [
        "【消防检查】不予受理必须填写理由",
        "【消防检查】不予受理必须填写法律依据",
        "【招牌设置】未登录窗口，无法保存",
    ]


def test_one_bad_item_alone_rejects_the_whole_application(calendar: WorkCalendar) -> None:
    good = _intake(_item("F", "食品经营许可"))
    bad = _intake(_item("X", "消防检查"), Decision.REFUSE, reason="不属于本部门职责")
    with pytest.raises(IntakeRejected) as exc:
        record_application(_application(bad, good), calendar, NOW)
    assert exc.value.problems == ["【消防检查】不予受理必须填写法律依据"]


# ---------------------------------------------------------------- the state of a visit


def _case(
    no: str, status: str, stage: int = 1, due: date | None = None, name: str = ""
) -> ApplicationCase:
    return ApplicationCase(
        no, "C" + no, name or "事项" + no, "部门", "受理", status, due, None, AT, stage
    )


def _state(*cases: ApplicationCase) -> ApplicationState:
    return ApplicationState(VISIT, "企业开办", "赵六", AT, cases)


def test_cases_of_one_stage_do_not_wait_for_each_other() -> None:
    a, b = _case("1", "已受理", 2), _case("2", "已受理", 2)
    state = _state(a, b)
    assert [state.standing_of(c) for c in state.cases] == [Standing.RUNNING, Standing.RUNNING]
    assert state.summary() == "办理中：0/2件已办结"


def test_a_later_stage_waits_for_an_earlier_case_waiting_for_the_applicant() -> None:
    licence = _case("1", "待补正", 1)
    seal = _case("2", "已受理", 2)
    state = _state(licence, seal)
    assert state.standing_of(licence) is Standing.WAITING_APPLICANT
    assert state.standing_of(seal) is Standing.WAITING_EARLIER
    assert state.summary() == "办理中：0/2件已办结，1件待申请人补正，1件待前置事项办结"


def test_a_later_stage_does_not_wait_for_a_closed_or_continued_earlier_case() -> None:
    seal = _case("3", "已受理", 2)
    for status in ("不予受理", "已补正", "已办结"):
        assert _state(_case("1", status, 1), seal).standing_of(seal) is Standing.RUNNING
    # an earlier stage's case that is itself done stays done
    done = _case("1", "已办结", 1)
    assert _state(done, _case("2", "已受理", 2)).standing_of(done) is Standing.DONE
    # the stage only matters to a running case: one waiting for the applicant keeps that
    waiting = _case("2", "待补正", 2)
    state = _state(_case("1", "已受理", 1), waiting)
    assert state.standing_of(waiting) is Standing.WAITING_APPLICANT


def test_an_earlier_stage_does_not_wait_for_a_later_one() -> None:
    first, second = _case("1", "已受理", 1), _case("2", "已受理", 2)
    assert _state(second, first).standing_of(first) is Standing.RUNNING


def test_the_summary_counts_and_promises() -> None:
    state = _state(
        _case("1", "已办结", 1),
        _case("2", "已受理", 1, due=date(2026, 3, 20)),
        _case("3", "待补正", 1),
        _case("4", "已受理", 1, due=date(2026, 3, 18)),
        _case("5", "已补正", 1),  # continued by a later case: not counted
    )
    assert state.last_due == date(2026, 3, 20)
    assert state.summary() == ("办理中：1/4件已办结，1件待申请人补正，预计2026-03-20前全部办结")


def test_the_summary_of_a_ready_result() -> None:
    state = _state(_case("1", "已办结"), _case("2", "已出件"), _case("3", "不予受理"))
    assert state.result_ready
    assert state.summary() == "全部办结，可一并领取结果（2/3件有结果）"
    assert state.last_due is None


def test_the_summary_without_any_due_date_promises_nothing() -> None:
    assert _state(_case("1", "已受理"), _case("2", "已办结")).summary() == "办理中：1/2件已办结"


def test_a_merged_line_keeps_each_listing_cases_decision() -> None:
    from app.core.application import CaseNotice, NoticeEntry, merge_notices

    ident = NoticeEntry(2, "居民身份证", "缺少", "原件核验", False)
    food = CaseNotice("F", "食品经营许可", "no-F", "补正", (ident,))
    fire = CaseNotice("X", "消防检查", "no-X", "容缺受理", (replace(ident, deferrable=True),))
    sign = CaseNotice("S", "招牌设置", "no-S", "补正", (replace(ident, seq=5),))
    [line] = merge_notices([food, fire, sign])
    assert line.decisions == ("补正", "容缺受理", "补正")  # one per listing case, in order
    assert (line.items, line.cases) == (
        ("食品经营许可", "消防检查", "招牌设置"), ("no-F", "no-X", "no-S"),
    )  # fmt: skip
    assert line.deferrable is False and line.problem == "缺少"
    assert line.requirement == "原件核验"
