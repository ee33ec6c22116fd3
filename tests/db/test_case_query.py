from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from app.core.case_records import (
    After,
    CaseFilter,
    CaseListRow,
    Period,
)
from app.core.check import Decision, MaterialOutcome, Status
from app.core.intake import Applicant, ApplicantKind, Intake, record_intake
from app.core.items import Item
from app.core.paths import resource
from app.core.workdays import load_calendar_dir
from db.case_query import case_detail, list_cases, prefix_day_range
from db.case_repo import save_case
from db.catalog_repo import current_version, import_items
from db.models import CaseRow, PrintLogRow
from db.store import Store
from tests.factories import item

CAL = load_calendar_dir(resource("calendar"))
CENTRE = "370982101"
TODAY = date(2026, 2, 13)
ANSWERS = {"Q1": "个人", "Q2": "否"}


def resident_id(body: str) -> str:
    """A resident ID number with its check digit (GB 11643)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


ZHANG = Applicant(ApplicantKind.PERSON, "张三", id_no="11010519491231002X", phone="13800138000")
LI = Applicant(
    ApplicantKind.PERSON, "李四", id_no=resident_id("37098219800101001"), address="示范县城关镇1号",
    agent_name="周七", agent_id_no=resident_id("37098219900202002"), agent_phone="13900139000",
)  # fmt: skip
WANG = Applicant(ApplicantKind.PERSON, "王五", id_no=resident_id("37098219750505003"))
ZHAO = Applicant(ApplicantKind.PERSON, "赵六", id_no=resident_id("37098219660606004"))


@dataclass
class Seeded:
    """The case numbers of the demo cases, by what they are."""

    version_id: int
    item: Item
    accepted: str  # 张三, 2026-02-12 09:30, 受理
    correction: str  # 李四 with an agent, 2026-02-12 10:00, 补正 (two notice lines)
    returned: str  # 李四 again, 2026-02-13 09:00, 受理, previous = correction, AB角
    deferred: str  # 王五, 2026-02-09 15:00, 容缺受理
    refused: str  # 赵六, 2026-01-05 11:00, 不予受理


def stored_item(store: Store) -> tuple[int, Item]:
    with store.session() as s, s.begin():
        import_items(s, [item()])
    with store.session() as s:
        found = current_version(s, "T-001")
    assert found is not None
    return found


def save(
    store: Store,
    version_id: int,
    it: Item,
    decision: Decision,
    now: datetime,
    applicant: Applicant = ZHANG,
    outcomes: dict[int, MaterialOutcome] | None = None,
    **kw: object,
) -> str:
    if outcomes is None:
        outcomes = {
            m.seq: MaterialOutcome(Status.RECEIVED, m.copies)
            for m in it.applicable_materials(ANSWERS)
        }
    intake = Intake(
        item=it, item_version_id=version_id, answers=ANSWERS, outcomes=outcomes,
        applicant=applicant, decision=decision, clerk="wang", clerk_name="王芳", window_no="3",
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    with store.session() as s, s.begin():
        saved = save_case(s, record_intake(intake, CAL, now), centre=CENTRE, workstation="A1")
    return saved.case_no


def seed_cases(store: Store) -> Seeded:
    vid, it = stored_item(store)
    received = {
        m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.applicable_materials(ANSWERS)
    }
    accepted = save(store, vid, it, Decision.ACCEPT, datetime(2026, 2, 12, 9, 30))
    correction = save(
        store, vid, it, Decision.CORRECTION, datetime(2026, 2, 12, 10, 0), LI,
        {**received, 1: MaterialOutcome(Status.DEFECTIVE, 2, "缺少签字"),
         2: MaterialOutcome(Status.MISSING)},
    )  # fmt: skip
    returned = save(
        store, vid, it, Decision.ACCEPT, datetime(2026, 2, 13, 9, 0), LI,
        previous_case_no=correction, on_behalf_of="liu",
    )  # fmt: skip
    deferred = save(
        store, vid, it, Decision.ACCEPT_DEFERRED, datetime(2026, 2, 9, 15, 0), WANG,
        {**received, 3: MaterialOutcome(Status.MISSING)}, supply_by=date(2026, 2, 20),
    )  # fmt: skip
    refused = save(
        store, vid, it, Decision.REFUSE, datetime(2026, 1, 5, 11, 0), ZHAO,
        reason="不属于本中心受理范围", legal_basis="《中华人民共和国行政许可法》第三十二条",
    )  # fmt: skip
    return Seeded(vid, it, accepted, correction, returned, deferred, refused)


SURNAMES = "王李张刘陈杨赵黄周吴"


def bulk_cases(
    store: Store,
    version_id: int,
    count: int,
    *,
    start: datetime = datetime(2026, 2, 11, 8, 0),
    workstation: str = "Z9",
    **overrides: object,
) -> list[str]:
    """Insert ``count`` plain cases fast (Core executemany), every third pair sharing a
    timestamp so the id tie-break is exercised; returns their case numbers."""
    rows: list[dict[str, object]] = []
    for n in range(count):
        at = start + timedelta(seconds=10 * (n - n % 3 // 2))
        rows.append({
            "id": uuid.uuid4(), "case_no": f"{CENTRE}-{workstation}-{at:%Y%m%d}-{n + 1:04d}",
            "item_version_id": version_id, "item_code": "T-001", "item_name": "测试事项申请",
            "decision": "受理", "status": "已受理", "decision_reason": "", "legal_basis": "",
            "promised_date": at.date() + timedelta(days=7), "supply_by": None,
            "accepted_at": at, "completed_at": None, "clerk": "li", "clerk_name": "李娜",
            "on_behalf_of": "", "window_no": "5", "workstation": workstation,
            "applicant_name": SURNAMES[n % len(SURNAMES)] + "某" + str(n % 7),
            "applicant_id_no": resident_id(f"370982199001{n % 28 + 1:02d}{n:03d}"[:17]),
            "previous_case_id": None, "application_id": None, "row_version": 1,
            **overrides,
        })  # fmt: skip
    with store.session() as s, s.begin():
        s.execute(insert(CaseRow), rows)
    return [str(r["case_no"]) for r in rows]


def all_pages(store: Store, case_filter: CaseFilter, **kw: object) -> list[CaseListRow]:
    rows: list[CaseListRow] = []
    after: After | None = None
    with store.session() as s:
        while True:
            page = list_cases(s, case_filter, after, today=TODAY, **kw)  # type: ignore[arg-type]
            rows.extend(page.rows)
            if page.after is None:
                return rows
            after = page.after


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue(f"{request.param}_store")  # type: ignore[no-any-return]


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed_cases(store)


def test_a_case_number_prefix_limits_the_days_it_can_be_from() -> None:
    assert prefix_day_range("370982101-A1-2026") == (datetime(2026, 1, 1), datetime(2027, 1, 1))
    assert prefix_day_range("370982101-A1-202602") == (datetime(2026, 2, 1), datetime(2026, 3, 1))
    assert prefix_day_range("370982101-A1-20261231") == (
        datetime(2026, 12, 31),
        datetime(2027, 1, 1),
    )
    assert prefix_day_range("370982101-A1-2026023") == (
        datetime(2026, 3, 1),
        datetime(2026, 3, 1),
    )  # 30–39 February: none
    assert prefix_day_range("370982101-A1-") is None
    assert prefix_day_range("370982") is None


# ---------------------------------------------------------------- the list


def test_pages_return_every_case_once_newest_first(store: Store, seeded: Seeded) -> None:
    bulk_cases(store, seeded.version_id, 450)
    rows = all_pages(store, CaseFilter(), limit=64)
    assert len(rows) == 455
    assert len({r.case_no for r in rows}) == 455
    keys = [(r.accepted_at, r.id) for r in rows]
    assert keys == sorted(keys, reverse=True)
    assert sum(1 for a, b in itertools.pairwise(keys) if a[0] == b[0]) >= 100  # ties
    assert rows[0].case_no == seeded.returned


def test_a_case_saved_between_pages_does_not_shift_the_next_page(
    store: Store, seeded: Seeded
) -> None:
    bulk_cases(store, seeded.version_id, 30)
    with store.session() as s:
        first = list_cases(s, CaseFilter(), limit=10, today=TODAY)
    save(store, seeded.version_id, seeded.item, Decision.ACCEPT, datetime(2026, 2, 13, 16, 0))
    with store.session() as s:
        second = list_cases(s, CaseFilter(), first.after, limit=10, today=TODAY)
    everything = all_pages(store, CaseFilter())
    assert [r.case_no for r in second.rows] == [r.case_no for r in everything[11:21]]


def test_the_list_row_carries_what_the_list_shows(store: Store, seeded: Seeded) -> None:
    with store.session() as s:
        row = list_cases(s, CaseFilter(text=seeded.deferred), today=TODAY).rows[0]
    assert (row.case_no, row.item_name, row.applicant_name) == (
        seeded.deferred,
        "测试事项申请",
        "王五",
    )
    assert (row.decision, row.status, row.clerk_name, row.window_no) == (
        "容缺受理",
        "容缺受理",
        "王芳",
        "3",
    )
    assert row.accepted_at == datetime(2026, 2, 9, 15, 0)
    assert row.promised_date == date(2026, 2, 14)  # 5 working days; Sat 14 is 调休
    assert row.completed_at is None


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period.TODAY, {"returned"}),
        (Period.WEEK, {"returned", "accepted", "correction", "deferred"}),
        (Period.MONTH, {"returned", "accepted", "correction", "deferred"}),
        (Period.ALL, {"returned", "accepted", "correction", "deferred", "refused"}),
    ],
)
def test_period_filter(store: Store, seeded: Seeded, period: Period, expected: set[str]) -> None:
    names = {getattr(seeded, n): n for n in ("accepted", "correction", "returned", "deferred", "refused")}  # fmt: skip
    rows = all_pages(store, CaseFilter(period=period))
    assert {names[r.case_no] for r in rows} == expected


def test_status_filter(store: Store, seeded: Seeded) -> None:
    def numbers(status: str) -> list[str]:
        return [r.case_no for r in all_pages(store, CaseFilter(status=status))]

    assert numbers("已受理") == [seeded.returned, seeded.accepted]
    assert numbers("待补正") == []  # the applicant came back: 已补正
    assert numbers("已补正") == [seeded.correction]
    assert numbers("容缺受理") == [seeded.deferred]
    assert numbers("不予受理") == [seeded.refused]
    assert numbers("已办结") == []
    week = all_pages(store, CaseFilter(period=Period.WEEK, status="不予受理"))
    assert week == []


def test_search_by_full_case_number_ignores_the_filters(store: Store, seeded: Seeded) -> None:
    scanned = CaseFilter(period=Period.TODAY, status="已受理", text=seeded.refused.lower())
    assert [r.case_no for r in all_pages(store, scanned)] == [seeded.refused]
    assert all_pages(store, CaseFilter(text=f"{CENTRE}-A1-20260212-0099")) == []


def test_search_by_case_number_prefix(store: Store, seeded: Seeded) -> None:
    bulk_cases(store, seeded.version_id, 20)
    day = [r.case_no for r in all_pages(store, CaseFilter(text=f"{CENTRE}-A1-20260212"))]
    assert day == [seeded.correction, seeded.accepted]
    month = all_pages(store, CaseFilter(text=f"{CENTRE}-A1-202602"))
    assert [r.case_no for r in month] == [
        seeded.returned,
        seeded.correction,
        seeded.accepted,
        seeded.deferred,
    ]
    assert len(all_pages(store, CaseFilter(text=CENTRE))) == 25
    assert len(all_pages(store, CaseFilter(text=f"{CENTRE}-Z9"))) == 20
    assert all_pages(store, CaseFilter(text=f"{CENTRE}-A1-2025")) == []


def test_search_by_id_number_any_case_x(store: Store, seeded: Seeded) -> None:
    rows = all_pages(store, CaseFilter(text="11010519491231002x"))
    assert [r.case_no for r in rows] == [seeded.accepted]
    rows = all_pages(store, CaseFilter(text=LI.id_no))
    assert [r.case_no for r in rows] == [seeded.returned, seeded.correction]
    assert all_pages(store, CaseFilter(text=LI.id_no[:10])) == []  # exact, not a prefix


def test_search_by_name_prefix_not_substring(store: Store, seeded: Seeded) -> None:
    assert [r.case_no for r in all_pages(store, CaseFilter(text="李"))] == [
        seeded.returned,
        seeded.correction,
    ]
    assert [r.case_no for r in all_pages(store, CaseFilter(text="张三"))] == [seeded.accepted]
    assert all_pages(store, CaseFilter(text="三")) == []  # a prefix search, by design
    assert [r.case_no for r in all_pages(store, CaseFilter(text="王", period=Period.TODAY))] == []


def test_both_plans_of_a_prefix_search_give_the_same_rows(store: Store, seeded: Seeded) -> None:
    """Few matches are sorted, many are walked in date order: same rows, same order."""
    bulk_cases(store, seeded.version_id, 300)
    for text in ("王", "李某", "张某3", CENTRE, f"{CENTRE}-Z9-2026021", "欧阳"):
        narrow = all_pages(store, CaseFilter(text=text), limit=25, narrow_limit=10**9)
        broad = all_pages(store, CaseFilter(text=text), limit=25, narrow_limit=1)
        assert narrow == broad, text
        if text != "欧阳":
            assert narrow, text


def test_sqlite_plans_use_the_search_indexes(sqlite_store: Store) -> None:
    """A scanned number must hit the unique index; nothing may scan the table."""
    seeded = seed_cases(sqlite_store)
    bulk_cases(sqlite_store, seeded.version_id, 50)
    statements: list[tuple[str, object]] = []

    def capture(_c: object, _cur: object, statement: str, params: object, *_a: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, params))

    event.listen(sqlite_store.engine, "before_cursor_execute", capture)

    def plan(case_filter: CaseFilter, **kw: object) -> str:
        statements.clear()
        all_pages(sqlite_store, case_filter, limit=20, **kw)
        raw = sqlite_store.engine.raw_connection()
        try:
            return " | ".join(
                str(row[3])
                for sql, params in statements
                for row in raw.cursor().execute(f"EXPLAIN QUERY PLAN {sql}", params)  # type: ignore[arg-type]
            )
        finally:
            raw.close()

    assert "(case_no=?)" in plan(CaseFilter(text=seeded.accepted))
    assert "ix_cases_applicant_id_no (applicant_id_no=?)" in plan(CaseFilter(text=ZHANG.id_no))
    assert "ix_cases_applicant_name (applicant_name>? AND applicant_name<?)" in plan(
        CaseFilter(text="张三")
    )
    broad = plan(CaseFilter(text="王"), narrow_limit=1)
    assert "ix_cases_accepted_at" in broad
    assert "ix_cases_accepted_at" in plan(CaseFilter(period=Period.WEEK, status="待补正"))
    everything = " | ".join(
        plan(f) for f in (CaseFilter(), CaseFilter(text=CENTRE), CaseFilter(text="李"))
    )
    for allowed in ("SCAN cases USING INDEX", "SCAN cases USING COVERING INDEX"):
        everything = everything.replace(allowed, "")
    assert "SCAN cases" not in everything


# ---------------------------------------------------------------- one case


def test_case_detail_has_everything_the_view_shows(store: Store, seeded: Seeded) -> None:
    with store.session() as s:
        d = case_detail(s, seeded.correction.lower())
    assert d is not None
    assert (d.case_no, d.item_code, d.item_name, d.item_version) == (
        seeded.correction,
        "T-001",
        "测试事项申请",
        "1",
    )
    assert (d.decision, d.promised_date, d.supply_by) == ("补正", None, None)
    assert (d.clerk, d.clerk_name, d.window_no, d.workstation) == ("wang", "王芳", "3", "A1")
    assert d.applicant is not None and d.applicant.has_agent
    assert (d.applicant.name, d.applicant.id_no, d.applicant.address) == (
        "李四",
        LI.id_no,
        "示范县城关镇1号",
    )
    assert (d.applicant.agent_name, d.applicant.agent_id_no) == ("周七", LI.agent_id_no)
    assert [(a.question, a.answer) for a in d.answers] == [
        ("申请人类型", "个人"),
        ("是否委托代办", "否"),
    ]
    assert [(m.name, m.status, m.copies, m.reason) for m in d.materials] == [
        ("申请表", "有误", 2, "缺少签字"),
        ("居民身份证", "缺", 0, ""),
        ("户口簿", "收到", 1, ""),
        ("其他证明", "收到", 1, ""),
    ]
    assert [(n.material, n.problem) for n in d.notice] == [
        ("申请表", "有误：缺少签字"),
        ("居民身份证", "缺少"),
    ]
    assert [(t.at, t.actor, t.action) for t in d.timeline] == [
        (datetime(2026, 2, 12, 10, 0), "wang", "补正"),
        (datetime(2026, 2, 13, 9, 0), "wang", "已补正"),
    ]
    assert d.timeline[0].detail["status"] == "待补正"
    assert d.timeline[1].detail["new_case_no"] == seeded.returned
    assert d.status == "已补正"
    assert d.previous_case_no == ""
    assert d.printed == ()


def test_case_detail_of_a_return_and_a_refusal(store: Store, seeded: Seeded) -> None:
    with store.session() as s:
        returned = case_detail(s, seeded.returned)
        refused = case_detail(s, seeded.refused)
        deferred = case_detail(s, seeded.deferred)
        assert case_detail(s, f"{CENTRE}-A1-20260212-0099") is None
    assert returned is not None and refused is not None and deferred is not None
    assert returned.previous_case_no == seeded.correction
    assert returned.on_behalf_of == "liu"
    assert returned.promised_date == date(2026, 2, 27)  # Sat 14 调休, then 春节
    assert returned.timeline[0].detail["previous_case_no"] == seeded.correction
    assert (refused.reason, refused.legal_basis) == (
        "不属于本中心受理范围",
        "《中华人民共和国行政许可法》第三十二条",
    )
    assert deferred.supply_by == date(2026, 2, 20)
    assert [(n.material, n.deferrable) for n in deferred.notice] == [("户口簿", True)]


def test_case_detail_carries_the_print_log(store: Store, seeded: Seeded) -> None:
    add_print_log(store, seeded.deferred)
    with store.session() as s:
        d = case_detail(s, seeded.deferred)
    assert d is not None
    assert [(p.what, p.success, p.printer, p.message) for p in d.printed] == [
        ("受理通知书", True, "HP-A4", "已发送到打印机"),
        ("容缺受理承诺书", False, "", "未设置打印机，已保存为PDF"),
    ]


def add_print_log(store: Store, case_no: str) -> None:
    """Two print-log entries as app.services.documents writes them: one sent, one not."""
    with store.session() as s, s.begin():
        case_id = s.scalar(select(CaseRow.id).where(CaseRow.case_no == case_no))
        for n, (what, printer, ok, message) in enumerate([
            ("受理通知书", "HP-A4", True, "已发送到打印机"),
            ("容缺受理承诺书", "", False, "未设置打印机，已保存为PDF"),
        ]):  # fmt: skip
            s.add(PrintLogRow(
                case_id=case_id, ref=case_no, what=what, at=datetime(2026, 2, 9, 15, 1, n),
                who="wang", copies=1, printer=printer, success=ok, message=message,
                file=f"/data/documents/{case_no}/{what}.pdf",
            ))  # fmt: skip
