"""The case view's 办理过程 reads as a clerk writes it: every entry the program records
for a case — the intake with how its promised date was counted, a 联办 intake, a look
at the applicant's data, what came down from the county, a status the county set, a purge — in Chinese, with
no raw dict, list or English key left on screen."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from html import unescape

from app.core.application import ApplicationIntake, record_application
from app.core.case_records import CaseDetail, TimelineEntry
from app.core.check import MaterialOutcome, Status
from app.core.intake import Applicant, Decision, Intake, record_intake
from app.core.items import ServiceType
from app.core.privacy import PURGE, VIEW_CASE, Viewer
from app.ui.case_view import case_html
from db.audit import RECEIPT_ACTION, RECEIPT_ACTOR
from tests.db.test_case_repo import CAL
from tests.factories import item

NOW = datetime(2026, 12, 24, 9, 30)  # the promise runs into 2027: counted on an estimate


def _intake(service_type: ServiceType = ServiceType.PROMISED, code: str = "T-001") -> Intake:
    it = item(code=code, service_type=service_type, promised_days=20)
    return Intake(
        item=it, item_version_id=1, answers={"Q1": "个人", "Q2": "否"},
        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in it.materials},
        applicant=Applicant(name="张三", id_no="11010519491231002X", phone="13800138000"),
        decision=Decision.ACCEPT, clerk="wang", clerk_name="王芳", window_no="3",
        on_behalf_of="li", previous_case_no="20261201-0003",
        extra={"not_on_previous_notice": ["户口簿"]},
    )  # fmt: skip


def _entries() -> tuple[TimelineEntry, ...]:
    accepted = record_intake(_intake(), CAL, NOW).audit
    on_the_spot = record_intake(_intake(ServiceType.ON_THE_SPOT), CAL, NOW).audit[0]
    joint = record_application(
        ApplicationIntake(uuid.uuid4(), "B-01", "开办餐饮店", "2",
                          (_intake(code="T-001"), _intake(code="T-002"))),
        CAL, NOW,
    ).cases[0].audit[0]  # fmt: skip
    viewer = Viewer("zhao", "赵首席", "5", "A1", role="chief")
    notes = [*accepted, on_the_spot, joint]
    return (
        *(TimelineEntry(NOW, "wang", n.action, dict(n.detail)) for n in notes),
        TimelineEntry(NOW, "zhao", VIEW_CASE, {**viewer.detail(), "what": ""}),
        TimelineEntry(NOW, RECEIPT_ACTOR, RECEIPT_ACTION,
                      {"county_entries": {"0190aa": "5f3c", "0190ab": "77e1"}, "status": "已办结"}),
        # a status set at the county (central set-status), come down with the case
        TimelineEntry(NOW, "县局管理员", "已办结", {"source": "county", "from": "已受理"}),
        TimelineEntry(NOW, "system", PURGE,
                      {"row_hash_before": "ab12", "acked_version": 3,
                       "acked_at": "2027-01-05T10:00:00", "keep_days": 180}),
    )  # fmt: skip


def _detail(entries: tuple[TimelineEntry, ...]) -> list[str]:
    d = CaseDetail(
        case_no="20261224-0001", item_code="T-001", item_name="测试事项申请", item_version="1",
        decision="受理", status="已受理", reason="", legal_basis="", promised_date=None,
        supply_by=None, accepted_at=NOW, completed_at=None, clerk="wang", clerk_name="王芳",
        window_no="3", workstation="A1", on_behalf_of="", previous_case_no="", applicant=None,
        timeline=entries,
    )  # fmt: skip
    html = case_html(d)
    rows = html[html.index("办理过程") :].split("<tr")[2:]  # past the heading row
    return [unescape(re.sub(r"<[^>]+>", " ", r)).replace("\xa0", " ") for r in rows]


def test_no_raw_value_or_english_key_in_the_timeline() -> None:
    rows = _detail(_entries())
    assert len(rows) == 8
    for row in rows:
        assert not re.search(r"[{}\[\]]|'\w+'", row), row  # a dict or list as Python prints it
        assert not re.search(r"[A-Za-z_]{3,}\s*[：:]", row), row  # an English key
        assert "True" not in row and "False" not in row, row


def test_the_promised_date_reads_as_a_clerk_reads_it() -> None:
    accepted = _detail(_entries())[0]
    assert "承诺办结日期：2027-01-" in accepted  # 20 working days from 24 December
    assert "20个工作日" in accepted
    assert "按估算的2027年节假日安排计算" in accepted  # 2027's arrangement is not out yet
    assert "原告知书未列明：户口簿" in accepted
    assert "代岗：li" in accepted


def test_the_other_entries_say_what_happened() -> None:
    rows = _detail(_entries())
    missed, on_the_spot, joint, look, receipt, county, purge = rows[1:]
    assert "原办件：20261201-0003" in missed and "材料：户口簿" in missed
    assert "办结" in on_the_spot and "决定：受理" in on_the_spot  # an intake, not a 办结 step
    assert "承诺办结日期" in on_the_spot
    assert "联办：开办餐饮店（测试事项申请、测试事项申请）" in joint
    assert "赵首席（zhao）" in look and "工作站：A1" in look and "窗口：5" in look
    assert "收到县中心记录 2 条" in receipt and "状态：已办结" in receipt
    assert "由县中心改为此状态（原为已受理）" in county
    assert "县中心确认时间：2027-01-05 10:00" in purge and "ab12" not in purge
