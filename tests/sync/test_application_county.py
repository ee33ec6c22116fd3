"""联办 at the county (issue 21, central c0015): the visit goes up with its cases, the
county trusts only the login and the registered workstation (the attack first), the
county shows a visit with its cases' states (`yichuang central visit`), and a 串联
visit's earlier stage concluded at the county starts the later stage's clock here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

import psycopg
import pytest
from sqlalchemy import select

from app.core.application import ApplicationIntake
from app.core.bundles import Bundle, BundleItem
from app.core.check import Decision
from app.core.clock import FixedClock
from app.core.items import Item
from app.core.lifecycle import Actor, Approve, Complete, Outcome, Review
from app.services.applications import ApplicationService
from db.catalog_repo import current_version, import_bundles, import_items
from db.central import admin
from db.central.admin import libpq_url
from db.models import CaseRow
from db.store import Store
from tests.db.applications import NOW, bundle_items, mixed_application, received
from tests.sync.conftest import CENTRE_A, CENTRE_B, Central, client
from tests.sync.helpers import admin_count, assert_agree, calendar
from tests.sync.test_attacks import _connect, _push

pytestmark = pytest.mark.pg

STAGED = Bundle("YJS-KFD", "我要开饭店", "1",
                (BundleItem("KD-01", 1), BundleItem("KD-02", 2), BundleItem("KD-03", 2)))  # fmt: skip


def _stored(store: Store) -> list[tuple[int, Item]]:
    with store.session() as s, s.begin():
        import_items(s, bundle_items())
        import_bundles(s, [STAGED])
    with store.session() as s:
        found = [current_version(s, c) for c in ("KD-01", "KD-02", "KD-03")]
    return [f for f in found if f is not None]


def _accepted(stored: list[tuple[int, Item]]) -> ApplicationIntake:
    visit = mixed_application(stored)
    first = replace(visit.intakes[0], outcomes=received(stored[0][1]), decision=Decision.ACCEPT)
    return replace(visit, intakes=(first, *visit.intakes[1:]))


def _visit_station(
    central: Central, workstation: Callable[..., Store], centre: str, ws: str
) -> tuple[Store, uuid.UUID, tuple[str, ...]]:
    store = workstation(ws)
    saved = ApplicationService(store, calendar(), centre, ws, FixedClock(NOW)).save(
        _accepted(_stored(store))
    )
    report = client(store, central, centre, ws).sync_once()
    assert report.quarantined == 0 and report.pending == 0
    return store, saved.id, saved.case_nos


def _application(url: str, app_id: uuid.UUID) -> tuple[object, ...] | None:
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute(
            "SELECT centre_code, workstation, bundle_name, applicant_name, case_ids"
            " FROM yc.application WHERE id = %s",
            [app_id],
        ).fetchone()
    return tuple(row) if row else None


def test_an_application_claiming_another_centres_cases_is_refused(
    central: Central, workstation: Callable[..., Store]
) -> None:
    _, _, a_cases = _visit_station(central, workstation, CENTRE_A, "A1")
    _, b_id, b_cases = _visit_station(central, workstation, CENTRE_B, "B1")
    with _connect(central, CENTRE_A) as conn:
        b_case_ids = [
            str(admin_count(central.admin_url, "SELECT id FROM yc.cases WHERE case_no = %s", [n]))
            for n in b_cases
        ]
        forged = {
            "id": str(uuid.uuid4()), "centre_code": CENTRE_A, "bundle_code": "YJS-KFD",
            "bundle_name": "我要开饭店", "bundle_version": "1",
            "accepted_at": "2026-03-10T09:30:00", "clerk": "x", "window_no": "1",
            "applicant_name": "冒名", "applicant_id_no": "", "case_ids": b_case_ids, "ws_seq": 1,
        }  # fmt: skip
        # 1. a visit of A's own that lists centre B's cases
        reply = _push(conn, central, CENTRE_A, "A1", {"application": [forged]})
        assert reply["applied"] == 0
        assert [q["reason"] for q in reply["quarantined"]] == [
            "联办申请列出的办件在县中心不存在，或属于其他中心或本中心的其他工作站"
        ]
        # 2. B's own visit (its id) pushed again as A's, to take it over
        reply = _push(conn, central, CENTRE_A, "A1",
                      {"application": [dict(forged, id=str(b_id), case_ids=[])]})  # fmt: skip
        assert reply["applied"] == 0
        assert "属于其他中心" in reply["quarantined"][0]["reason"]
        # 3. a visit saying it is centre B's
        reply = _push(conn, central, CENTRE_A, "A1",
                      {"application": [dict(forged, centre_code=CENTRE_B, case_ids=[])]})  # fmt: skip
        assert reply["applied"] == 0 and reply["quarantined"][0]["reason"] == "中心代码与本中心不符"
        # 4. the workstation is the registered one that pushed, whatever the row says:
        # A2 cannot list A1's cases either
        a_case_ids = [
            str(admin_count(central.admin_url, "SELECT id FROM yc.cases WHERE case_no = %s", [n]))
            for n in a_cases
        ]
        central.register(CENTRE_A, "A2")
        reply = _push(conn, central, CENTRE_A, "A2",
                      {"application": [dict(forged, case_ids=a_case_ids, workstation="A1")]})  # fmt: skip
        assert reply["applied"] == 0 and "其他工作站" in reply["quarantined"][0]["reason"]
        # 5. a case of A naming B's visit does not join it
        case = admin_count(
            central.admin_url, "SELECT to_jsonb(c) FROM yc.cases c WHERE case_no = %s", [a_cases[0]]
        )
        reply = _push(conn, central, CENTRE_A, "A1", {"cases": [
            dict(case, application_id=str(b_id), row_version=case["row_version"] + 1, ws_seq=9)]})  # fmt: skip
    assert _application(central.admin_url, b_id) == (
        CENTRE_B, "B1", "我要开饭店", "李四", b_case_ids,
    )  # fmt: skip
    shown = admin.visit(central.admin_url, str(b_id))
    assert shown is not None
    assert [c["case_no"] for c in shown["cases"]] == list(b_cases)
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.application") == 2
    assert reply["applied"] == 1  # the case itself is A's: it goes in, and stays out of B's visit


def test_the_county_shows_a_visit_and_a_county_conclusion_starts_the_later_stage(
    central: Central, workstation: Callable[..., Store], capsys: pytest.CaptureFixture[str]
) -> None:
    from app import cli

    ws, app_id, (food, fire, sign) = _visit_station(central, workstation, CENTRE_A, "A1")
    url = central.admin_url
    head = _application(url, app_id)
    assert head is not None and head[:4] == (CENTRE_A, "A1", "我要开饭店", "李四")
    with ws.session() as s:
        ids = {c.case_no: str(c.id) for c in s.scalars(select(CaseRow))}
    assert head[4] == [ids[food], ids[fire], ids[sign]]

    def show(key: str) -> str:
        code = cli.main(["central", "visit", key, "--url", url])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    out = show(fire)  # by any of its case numbers, or by the visit's id
    assert out == show(str(app_id))
    assert out.splitlines() == [
        f"联办申请 {app_id}：我要开饭店",
        f"申请人 李四，{CENTRE_A}-A1 1号窗口受理于 2026-03-10 09:30",
        "办件 3 件，已办结 0 件",
        f"  {food} 食品经营许可：已受理，承诺 2026-03-24",
        f"  {fire} 公众聚集场所投入使用营业前消防安全检查：等待前序环节",
        f"  {sign} 户外广告设施设置审批：等待前序环节",
    ]

    # stage 1 concluded at the county on Thursday 2 April (清明 4–6 April)
    from db.central.steps import county_step

    wang = Actor("wangfang", "王芳", "clerk")
    day = datetime(2026, 4, 2, 15, 0)
    county_step(url, food, Review(wang, day, "符合条件", Outcome.GRANT))
    county_step(url, food, Approve(Actor("zhaoshouxi", "赵首席", "chief"), day, "同意"))
    county_step(url, food, Complete(wang, day, Outcome.GRANT, result_name="食品经营许可",
                                    certificate_name="食品经营许可证", certificate_no="JY1"))  # fmt: skip
    c = client(ws, central)
    c.sync_once()  # down: 办结; here: the later stage begins; up on the next push
    with ws.session() as s:
        got = {
            c.case_no: (c.status, c.due_date, c.statutory_date) for c in s.scalars(select(CaseRow))
        }
    # 7 working days from 2 April: 14 April; 5: 10 April; statutory 20: 6 May (劳动节)
    assert got[fire] == ("已受理", date(2026, 4, 14), date(2026, 5, 6))
    assert got[sign] == ("已受理", date(2026, 4, 10), date(2026, 5, 6))
    c.sync_once()
    out = show(food)
    assert out.splitlines()[2:] == [
        "办件 3 件，已办结 1 件",
        f"  {food} 食品经营许可：已办结，承诺 2026-03-24，办结于 2026-04-02",
        f"  {fire} 公众聚集场所投入使用营业前消防安全检查：已受理，承诺 2026-04-14",
        f"  {sign} 户外广告设施设置审批：已受理，承诺 2026-04-10",
    ]
    assert_agree(ws, url)


def test_no_visit(central: Central, capsys: pytest.CaptureFixture[str]) -> None:
    from app import cli

    assert cli.main(["central", "visit", "370999101-A1-20260310-0001", "--url",
                     central.admin_url]) == 1  # fmt: skip
    assert "县中心没有联办申请或办件" in capsys.readouterr().err
