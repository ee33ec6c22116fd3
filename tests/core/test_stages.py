"""串联: when a later stage of a visit may begin (app/core/stages.py)."""

from __future__ import annotations

from datetime import date

from app.core.paths import resource
from app.core.stages import Gate, Limits, StagedCase, gate_of, release, waits_at_intake
from app.core.workdays import LimitUnit, load_calendar_dir

CAL = load_calendar_dir(resource("calendar"))


def _c(no: str, stage: int, status: str, outcome: str = "", on: date | None = None) -> StagedCase:
    return StagedCase(no, f"事项{no}", stage, status, outcome, on)


LATER = _c("3", 2, "等待前序环节")


def test_waits_until_every_earlier_case_is_granted() -> None:
    one = _c("1", 1, "已办结", "准予", date(2026, 4, 1))
    two = _c("2", 1, "待核准")
    assert gate_of(LATER, [one, two, LATER]).gate is Gate.WAITING
    assert gate_of(LATER, [one, two, LATER]).because == ("事项2",)
    two = _c("2", 1, "已出件", "准予", date(2026, 4, 2))
    verdict = gate_of(LATER, [one, two, LATER])
    assert (verdict.gate, verdict.since) == (Gate.OPEN, date(2026, 4, 2))  # the last of them


def test_a_case_of_the_same_or_a_later_stage_does_not_hold_it() -> None:
    same = _c("4", 2, "已受理")
    assert gate_of(LATER, [same, LATER, _c("5", 3, "等待前序环节")]).gate is Gate.OPEN


def test_an_earlier_case_ended_without_a_grant_blocks() -> None:
    for ended in (
        _c("1", 1, "已办结", "不予", date(2026, 4, 1)),
        _c("1", 1, "不予受理"),
        _c("1", 1, "已撤回"),
        _c("1", 1, "补正逾期"),
    ):
        assert gate_of(LATER, [ended, LATER]).gate is Gate.BLOCKED, ended


def test_a_continued_correction_case_gives_way_to_its_continuation() -> None:
    old = _c("1", 1, "已补正")
    new = _c("9", 1, "已办结", "准予", date(2026, 4, 3))
    assert gate_of(LATER, [old, new, LATER]).since == date(2026, 4, 3)
    assert gate_of(LATER, [old, _c("9", 1, "已受理"), LATER]).gate is Gate.WAITING


def test_release_counts_from_the_day_in_the_item_s_units() -> None:
    # from Thursday 2 April 2026 (清明 4–6 April; 劳动节 1–5 May)
    limits = Limits(3, LimitUnit.WORKING, 20, LimitUnit.WORKING)
    done = release(date(2026, 4, 2), limits, CAL)
    assert (done.status, done.due.date, done.statutory_date) == (
        "已受理", date(2026, 4, 8), date(2026, 5, 6),
    )  # fmt: skip
    limits = Limits(3, LimitUnit.NATURAL, 30, LimitUnit.NATURAL)
    done = release(date(2026, 4, 2), limits, CAL, deferred_outstanding=True)
    assert (done.status, done.due.date, done.statutory_date) == (
        "容缺受理", date(2026, 4, 7), date(2026, 5, 6),
    )  # fmt: skip
    assert done.changes["limit_unit"] == "自然日" and done.detail["counted_from"] == "2026-04-02"


def test_waits_at_intake() -> None:
    assert waits_at_intake(2, [(1, "已受理"), (2, "已受理")])
    assert waits_at_intake(2, [(1, "待补正")])
    assert not waits_at_intake(2, [(1, "已办结")])
    assert not waits_at_intake(1, [(1, "已受理"), (2, "已受理")])
