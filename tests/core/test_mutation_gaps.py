"""Gaps the mutation run of issue 18 showed after the first round of tests: each test
names the wrong version of the code it would catch."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.core.check import Decision, MaterialOutcome, Status, check_materials
from app.core.holiday_rules import statutory_days
from app.core.identity import check_credit_code, check_resident_id
from app.core.intake import Applicant, EarlierMaterial, applicant_problems, prefill_from_earlier
from app.core.queue_policy import CategorySpec, CounterSpec, CounterState, QueueRuleError
from app.core.workdays import YearCalendar, check_year_doc, estimate_sentence
from tests.factories import item


def _doc_2030(skip: date | None = None, workdays: list[str] | None = None) -> dict[str, object]:
    days = {d: n for d, n in statutory_days(2030).items() if d != skip}
    return {
        "year": 2030,
        "holidays": [{"name": n, "from": d.isoformat()} for d, n in sorted(days.items())],
        "workdays": [{"date": w} for w in workdays or []],
    }


def test_a_file_without_a_source_has_an_empty_one() -> None:
    cal, problems = check_year_doc(_doc_2030())
    assert problems == [] and cal is not None and cal.source == ""  # not "None"


def test_a_statutory_weekend_day_may_be_left_out_but_not_worked() -> None:
    saturday = date(2030, 2, 2)  # 春节 on a Saturday: a day off anyway
    assert check_year_doc(_doc_2030(skip=saturday))[1] == []
    _, problems = check_year_doc(_doc_2030(skip=saturday, workdays=["2030-02-02"]))
    assert problems == ["法定节假日2030-02-02（春节）在文件中不是放假日：请确认文件是2030年的安排"]


def test_a_refused_file_joins_its_problems_with_semicolons() -> None:
    from app.core.workdays import CalendarError

    with pytest.raises(CalendarError) as err:
        YearCalendar.from_dict({"year": 2030, "holidays": [{"name": "", "from": "x"}]})
    assert str(err.value) == (
        "放假安排第1项（无名称）缺少节日名称；"
        "放假安排第1项（无名称）的开始日期“x”不是有效日期（应写成 2027-01-01）；"
        "放假安排第1项（无名称）的结束日期“x”不是有效日期（应写成 2027-01-01）"
    )
    _, empty = check_year_doc({"year": 2030, "holidays": [{"name": "元旦"}]})
    assert empty[0] == "放假安排第1项（元旦）的开始日期“”不是有效日期（应写成 2027-01-01）"
    _, exact = check_year_doc({"year": 2030, "holidays": [{"name": "元旦", "from": "2030-01-0T"}]})
    assert "“2030-01-0T”不是有效日期" in exact[0]  # ten characters: read whole


def test_the_estimate_sentence_in_full() -> None:
    assert estimate_sentence([2027]) == (
        "该日期在国务院公布2027年节假日安排之前计算，系按法定节假日估算；"
        "正式安排公布后如有变化，我中心将另行告知。"
    )


def test_an_agents_id_is_checked_against_the_day_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day handed in, never the clock: with the program's clock in 2020 an agent
    born in 2025 is still fine on a 2026 intake."""
    from stdnum.cn.ric import calc_check_digit

    from app.core.intake import Intake, intake_problems

    monkeypatch.setenv("YICHUANG_CLOCK", "2020-01-01T09:00")
    body = "11010520250101001"
    born_2025 = body + calc_check_digit(body + "0")
    a = Applicant(name="张三", id_no=born_2025, agent_name="王五", agent_id_no=born_2025)
    assert applicant_problems(a, date(2026, 1, 1)) == {}
    it = item()
    answers = {"Q1": "个人", "Q2": "否"}
    outcomes = {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.applicable_materials(answers)
    }
    intake = Intake(
        item=it, item_version_id=1, answers=answers, outcomes=outcomes, applicant=a,
        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
    )  # fmt: skip
    assert intake_problems(intake, date(2026, 1, 1)) == []


def test_prefill_goes_on_past_a_material_not_seen_before() -> None:
    it = item()
    keys = {m.name: m.key for m in it.materials}
    earlier = [EarlierMaterial(2, keys["居民身份证"], "收到", 1)]  # 申请表 (seq 1) not there
    assert prefill_from_earlier(it, earlier, set()) == {2: MaterialOutcome(Status.RECEIVED, 1)}


def test_two_missing_materials_are_named_with_a_pause_mark() -> None:
    it = item()
    result = check_materials(it, {"Q1": "个人", "Q2": "否"}, {3: MaterialOutcome(Status.MISSING)})
    assert result.why_not[Decision.ACCEPT] == "必需材料不齐：申请表、居民身份证"


def test_a_failed_check_keeps_the_number_as_read() -> None:
    assert check_resident_id(" ").number == ""
    assert check_resident_id("1101 0519").number == "11010519"
    assert check_resident_id("11010519491231002A").number == "11010519491231002A"
    assert check_credit_code(" ").number == ""
    assert check_credit_code("9111").number == "9111"
    assert check_credit_code("91110000600037341O").number == "91110000600037341O"


def test_category_numbers_and_hours_edges() -> None:
    assert CategorySpec("A", "x", "A", number_start=7, number_end=7).problems() == []
    assert CategorySpec("A", "x", "A", number_start=1.5, number_end=9).problems() == [  # type: ignore[arg-type]
        "号段应在1至9999之间且起号不大于止号，现在是1.5至9"
    ]
    same = ((time(9), time(9)),)
    assert CategorySpec("A", "x", "A", issue_hours=same).problems() == [
        "取号时段09:00–09:00的开始时间应早于结束时间"
    ]


def test_a_counter_is_checked_against_the_known_categories() -> None:
    with pytest.raises(QueueRuleError, match="不存在"):
        CounterSpec("1", weights={"Z": 1}).checked(["A"])


def test_a_counter_state_without_a_run_starts_at_zero() -> None:
    assert CounterState.from_dict({"last_priority": True}) == CounterState(True, 0, {})


def test_a_category_outside_the_counters_weights_counts_as_weight_zero() -> None:
    from app.core.queue_policy import Candidate, QueuePolicy, choose_next

    policy = QueuePolicy(max_jump=10_000)
    both = [Candidate("b", 1, "B"), Candidate("a", 2, "A")]
    choice = choose_next(both, {"A": 1}, CounterState(), policy)
    assert choice is not None and choice.candidate.ref == "a"
    assert choice.state.credits == {"A": 0}
    alone = choose_next(both[:1], {"A": 1}, CounterState(), policy)
    assert alone is not None and alone.candidate.ref == "b"
    assert alone.state.credits == {"B": 0}


def test_the_catalogue_reads_on_past_a_row_it_cannot_place() -> None:
    from tests.core.test_catalog_rows import MATERIAL, QUESTION, said

    assert said(
        questions=[QUESTION | {"事项编码": "X-9"}, QUESTION | {"问题": ""}],
        materials=[MATERIAL | {"事项编码": "X-9"}, MATERIAL | {"材料名称": ""}],
    ) == [
        "工作表“情形”第2行“事项编码”列：事项“X-9”不在“事项”工作表中",
        "工作表“情形”第3行“问题”列：不能为空",
        "工作表“材料”第2行“事项编码”列：事项“X-9”不在“事项”工作表中",
        "工作表“材料”第3行“材料名称”列：不能为空",
    ]


def test_a_good_catalogue_has_no_problems_and_a_missing_sheet_no_row() -> None:
    from app.core.catalog import Sheet, parse_catalog
    from tests.core.test_catalog_rows import book

    assert parse_catalog(book()).problems == ()
    missing = parse_catalog({"事项": Sheet((), ())}).problems
    sheet = [p for p in missing if p.sheet == "情形"]
    assert [(p.row, p.column, p.message) for p in sheet] == [(0, "", "缺少此工作表")]
