"""电子监察 in the store: the hall list (逾期 / 亮灯 / 超法定时限, filters, keyset pages,
counts by window, clerk and item), the clerk's own list, the hall's margins, the
plans (each list a range on its index, never a scan of the cases) and migration
0013's backfill of the statutory date — on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update

from app.core.paths import resource
from app.core.supervision import RUNNING_STATUSES, Margins, MarginsError, thresholds
from app.core.workdays import LimitUnit, load_calendar_dir
from db.catalog_repo import current_version, import_items
from db.models import CaseRow, SettingRow
from db.store import Store, open_store
from db.supervision_query import (
    MARGINS_KEY,
    GroupBy,
    GroupCount,
    HallAfter,
    HallFilter,
    Scope,
    _hall_where,
    clerk_list,
    clerk_statements,
    hall_choices,
    hall_count,
    hall_groups,
    hall_page,
    hall_statements,
    read_margins,
    write_margins,
)
from tests.factories import item
from tests.rawdb import raw

CAL = load_calendar_dir(resource("calendar"))
TODAY = date(2026, 2, 13)  # a Friday before 春节; 14 Feb is worked, 15–23 off
LIMITS = thresholds(CAL, TODAY, Margins())  # red until 13 Feb, yellow until 24 Feb
D = date.fromisoformat


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'local.sqlite3'}")
    else:
        s = open_store(request.getfixturevalue("pg_url"))
    yield s
    s.close()


# (case_no suffix, status, due, statutory, supply_by, clerk, window, item)
CASES = [
    ("01", "已受理", "2026-02-10", "2026-03-10", None, "wangfang", "1", "A"),  # overdue
    ("02", "已受理", "2026-02-12", "2026-02-12", None, "wangfang", "1", "B"),  # overdue, statutory
    ("03", "容缺受理", "2026-02-12", "2026-03-10", "2026-02-11", "lijun", "2", "A"),  # overdue
    ("04", "已受理", "2026-02-13", "2026-03-10", None, "lijun", "2", "A"),  # due today: red
    ("05", "已受理", "2026-02-24", "2026-03-10", None, "wangfang", "1", "A"),  # yellow
    ("06", "已受理", "2026-02-25", "2026-02-12", None, "lijun", "2", "B"),  # green, statutory
    ("07", "容缺受理", "2026-03-20", "2026-04-10", "2026-02-24", "wangfang", "1", "B"),  # supply
    ("08", "容缺受理", "2026-03-20", "2026-04-10", "2026-02-25", "wangfang", "1", "B"),  # nothing
    ("09", "待补正", None, None, None, "wangfang", "1", "A"),  # correction waiting
    ("10", "已办结", "2026-01-10", "2026-01-20", None, "wangfang", "1", "A"),  # finished
    ("11", "不予受理", None, None, None, "wangfang", "1", "A"),
    ("12", "已受理", "2026-02-10", "2026-03-10", None, "zhaomin", "3", "A"),  # overdue, 3
]


def no(suffix: str) -> str:
    return f"370999101-A1-20260201-00{suffix}"


def seed(store: Store, cases: list[tuple[str, ...]] = CASES) -> None:
    with store.session() as s, s.begin():
        import_items(s, [item(code="A"), item(code="B")])
    with store.session() as s:
        versions = {code: current_version(s, code) for code in ("A", "B")}
    rows = []
    for n, (suffix, status, due, statutory, supply, clerk, window, code) in enumerate(cases):
        found = versions[code]
        assert found is not None
        rows.append(
            dict(
                id=uuid.UUID(int=n + 1), case_no=no(suffix), item_version_id=found[0],
                item_code=code, item_name=f"事项{code}", decision="受理", status=status,
                promised_date=D(due) if due else None, due_date=D(due) if due else None,
                statutory_date=D(statutory) if statutory else None,
                supply_by=D(supply) if supply else None,
                accepted_at=datetime(2026, 2, 1, 9, 0) + timedelta(minutes=n),
                clerk=clerk, owner=clerk,
                clerk_name={"wangfang": "王芳", "lijun": "李军"}.get(clerk, "赵敏"),
                window_no=window, workstation="A1", applicant_name="张三",
            )
        )  # fmt: skip
    with store.session() as s, s.begin():
        s.execute(insert(CaseRow), rows)


def numbers(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [r.case_no[-2:] for r in rows]


def test_hall_overdue_list_most_overdue_first(store: Store) -> None:
    seed(store)
    with store.session() as s:
        page = hall_page(s, HallFilter(), LIMITS)
        assert numbers(page.rows) == ["01", "12", "02", "03"]
        assert page.after is None
        assert hall_count(s, HallFilter(), LIMITS) == 4
        first = page.rows[0]
        assert (first.due, first.statutory, first.clerk, first.window_no) == (
            D("2026-02-10"),
            D("2026-03-10"),
            "wangfang",
            "1",
        )
        assert first.paused is False
        assert first.item_name == "事项A"


def test_a_case_whose_clock_is_stopped_is_neither_lit_nor_overdue(store: Store) -> None:
    """特别程序 under way (the lifecycle's clock_stopped_on): the case drops out of the
    lit and overdue lists and the clerk's list until its clock runs again."""
    seed(store)
    with store.session() as s, s.begin():
        s.execute(
            update(CaseRow)
            .where(CaseRow.case_no == no("01"))
            .values(clock_stopped_on=D("2026-02-09"))
        )
    with store.session() as s:
        assert numbers(hall_page(s, HallFilter(), LIMITS).rows) == ["12", "02", "03"]
        assert hall_count(s, HallFilter(), LIMITS) == 3
        assert "01" not in numbers(clerk_list(s, "wangfang", LIMITS))
    with store.session() as s, s.begin():
        s.execute(update(CaseRow).where(CaseRow.case_no == no("01")).values(clock_stopped_on=None))
    with store.session() as s:
        assert numbers(hall_page(s, HallFilter(), LIMITS).rows)[0] == "01"


def test_hall_lit_and_statutory_scopes(store: Store) -> None:
    seed(store)
    with store.session() as s:
        lit = hall_page(s, HallFilter(Scope.LIT), LIMITS)
        assert numbers(lit.rows) == ["01", "12", "02", "03", "04", "05"]
        statutory = hall_page(s, HallFilter(Scope.STATUTORY), LIMITS)
        # past the statutory date, ordered by it; 06 is green on its promise
        assert numbers(statutory.rows) == ["02", "06"]
        assert hall_count(s, HallFilter(Scope.STATUTORY), LIMITS) == 2


def test_hall_filters_by_window_clerk_and_item(store: Store) -> None:
    seed(store)
    with store.session() as s:

        def found(**kw: str) -> list[str]:
            return numbers(hall_page(s, HallFilter(Scope.LIT, **kw), LIMITS).rows)

        assert found(window_no="2") == ["03", "04"]
        assert found(clerk="wangfang") == ["01", "02", "05"]
        assert found(item_code="B") == ["02"]
        assert found(window_no="1", item_code="A") == ["01", "05"]
        assert found(clerk="nobody") == []


def test_hall_pages_follow_each_other_through_equal_due_dates(store: Store) -> None:
    seed(store)
    with store.session() as s:
        seen: list[str] = []
        after: HallAfter | None = None
        pages = 0
        while True:
            page = hall_page(s, HallFilter(Scope.LIT), LIMITS, after, limit=2)
            seen += numbers(page.rows)
            pages += 1
            after = page.after
            if after is None:
                break
        assert seen == ["01", "12", "02", "03", "04", "05"]
        assert pages == 3
        one = hall_page(s, HallFilter(Scope.STATUTORY), LIMITS, limit=1)
        assert one.after is not None and one.after.due == D("2026-02-12")
        two = hall_page(s, HallFilter(Scope.STATUTORY), LIMITS, one.after, limit=1)
        assert numbers(two.rows) == ["06"]


def test_hall_counts_by_window_clerk_and_item(store: Store) -> None:
    seed(store)
    with store.session() as s:
        f = HallFilter(Scope.LIT)
        assert hall_groups(s, f, LIMITS, GroupBy.WINDOW) == [
            GroupCount("1", "1", 3, 1), GroupCount("2", "2", 2, 0), GroupCount("3", "3", 1, 0),
        ]  # fmt: skip
        assert hall_groups(s, f, LIMITS, GroupBy.CLERK) == [
            GroupCount("wangfang", "王芳", 3, 1), GroupCount("lijun", "李军", 2, 0),
            GroupCount("zhaomin", "赵敏", 1, 0),
        ]  # fmt: skip
        assert hall_groups(s, f, LIMITS, GroupBy.ITEM) == [
            GroupCount("A", "测试事项申请", 5, 0), GroupCount("B", "测试事项申请", 1, 1),
        ]  # fmt: skip
        assert hall_groups(s, HallFilter(window_no="9"), LIMITS, GroupBy.ITEM) == []
        assert hall_groups(s, HallFilter(clerk="nobody"), LIMITS, GroupBy.CLERK) == []


def test_clerk_list_holds_only_the_clerks_cases_to_act_on(store: Store) -> None:
    seed(store)
    with store.session() as s:
        mine = clerk_list(s, "wangfang", LIMITS)
        # overdue 01, 02; yellow 05; supply due 07; correction 09 — most urgent first, once each
        assert numbers(mine) == ["01", "02", "05", "07", "09"]
        theirs = clerk_list(s, "lijun", LIMITS)
        assert numbers(theirs) == ["03", "04"]  # 03 is lit and supply-overdue: once
        assert clerk_list(s, "nobody", LIMITS) == []
        assert numbers(clerk_list(s, "wangfang", LIMITS, limit=2)) == ["01", "02"]
        assert numbers(clerk_list(s, "wangfang", LIMITS, limit=4)) == ["01", "02", "05", "07"]


def test_choices_are_from_running_cases(store: Store) -> None:
    seed(store)
    with store.session() as s:
        windows, clerks, items = hall_choices(s)
    assert windows == ["1", "2", "3"]
    assert clerks == [("lijun", "李军"), ("wangfang", "王芳"), ("zhaomin", "赵敏")]
    assert items == [("A", "事项A"), ("B", "事项B")]


def test_margins_default_stored_and_refused(store: Store) -> None:
    with store.session() as s:
        assert read_margins(s) == Margins()
    with store.session() as s, s.begin():
        write_margins(s, Margins(3, 1))
    with store.session() as s, s.begin():
        assert read_margins(s) == Margins(3, 1)
        write_margins(s, Margins(5, 2))
    with store.session() as s, s.begin():
        assert read_margins(s) == Margins(5, 2)
        s.get_one(SettingRow, MARGINS_KEY).value = "{broken"
    with store.session() as s, pytest.raises(MarginsError, match="请管理员重新设置"):
        read_margins(s)


def test_margins_change_what_is_lit(store: Store) -> None:
    seed(store)
    wide = thresholds(CAL, TODAY, Margins(3, 1))  # yellow until 25 Feb
    with store.session() as s:
        assert numbers(hall_page(s, HallFilter(Scope.LIT), wide).rows)[-1] == "06"


# ---------------------------------------------------------------- plans


def _sqlite_plan(store: Store, statements: list) -> str:  # type: ignore[type-arg]
    lines = []
    with store.session() as s:
        for stmt in statements:
            compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            lines += [str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    return "\n".join(lines)


def test_sqlite_plans_use_the_supervision_indexes_in_order(tmp_path: Path) -> None:
    """Each status read in its index's order: no sort of every overdue case."""
    store = open_store(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    try:
        overdue = _sqlite_plan(store, hall_statements(HallFilter(), LIMITS, None, 201))
        running = len(RUNNING_STATUSES)  # one indexed read per running status
        assert overdue.count("ix_cases_status_due_date (status=? AND due_date<?)") == running
        filtered = _sqlite_plan(
            store, hall_statements(HallFilter(Scope.LIT, window_no="1"), LIMITS, None, 201)
        )
        assert filtered.count("ix_cases_status_due_date") == running
        statutory = _sqlite_plan(
            store, hall_statements(HallFilter(Scope.STATUTORY), LIMITS, None, 201)
        )
        assert statutory.count("ix_cases_status_statutory_date") == running
        for plan in (overdue, filtered, statutory):
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # the right part (id) only
        mine = _sqlite_plan(store, clerk_statements("wangfang", LIMITS, 500))
        # one read per running status, then the 容缺 supplies and the 补正 waiting
        assert mine.count("ix_cases_owner_status_due_date") == running + 2
        for plan in (overdue, filtered, statutory, mine):
            assert "SCAN cases" not in plan, plan
        counts = _sqlite_plan(store, [select(func.count()).select_from(CaseRow).where(
            *_hall_where(HallFilter(Scope.LIT, window_no="1"), LIMITS))])  # fmt: skip
        assert "USING COVERING INDEX ix_cases_status_due_date" in counts, counts
    finally:
        store.close()


def test_only_the_newest_corrections_are_listed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.supervision_query as q

    seed(store)
    monkeypatch.setattr(q, "CORRECTIONS_SHOWN", 0)
    with store.session() as s:
        assert numbers(clerk_list(s, "wangfang", LIMITS)) == ["01", "02", "05", "07"]


# ---------------------------------------------------------------- migration 0013


def test_migration_backfills_the_statutory_date_of_accepted_cases(tmp_path: Path) -> None:
    """A real 0005 database (tests/data/upgrade) migrated to head: each accepted case
    gets its item version's statutory limit counted from its acceptance day."""
    path = tmp_path / "old.sqlite3"
    shutil.copyfile(Path(__file__).parents[1] / "data" / "upgrade" / "yichuang-0005.sqlite3", path)
    store = open_store(f"sqlite:///{path}")
    store.close()
    with raw(path) as c:
        rows = c.execute(
            "SELECT c.status, c.accepted_at, c.statutory_date, v.statutory_days, v.statutory_unit "
            "FROM cases c JOIN item_version v ON v.id = c.item_version_id ORDER BY c.case_no"
        ).fetchall()
        indexes = {r[1] for r in c.execute("PRAGMA index_list(cases)")}
    assert rows, "the old database has cases"
    accepted = [r for r in rows if r[0] == "已受理"]
    assert accepted
    for status, accepted_at, statutory, days, unit in rows:
        if status == "已受理":
            day = datetime.fromisoformat(accepted_at).date()
            expected = CAL.due(day, days, LimitUnit(unit)).date
            assert statutory == expected.isoformat()
        else:
            assert statutory is None
    assert {"ix_cases_status_due_date", "ix_cases_status_statutory_date",
            "ix_cases_owner_status_due_date"} <= indexes  # fmt: skip
