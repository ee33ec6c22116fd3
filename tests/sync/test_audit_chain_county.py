"""The audit hash chain at the county (c0005): the county recomputes each entry's SM3
hash from the row it receives, checks it follows the last entry it accepted from that
workstation, keeps the head per workstation and, on a break, quarantines the entry and
records which workstation broke where. Against a real PostgreSQL with pgcrypto."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from app.core.audit_chain import GENESIS, EntryFields, entry_hash, entry_text, jsonb_text
from db.audit import RECEIPT_ACTION, verify
from db.central import admin, sql
from db.central.admin import libpq_url
from db.models import AuditChainRow, AuditRow, SyncOutboxRow, SyncQuarantineRow
from db.store import Store
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import admin_count, load_demo, save_cases

pytestmark = pytest.mark.pg

WS = f"{CENTRE_A}-A1"


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def _head(central: Central, ws_code: str = "A1") -> dict[str, Any]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        cur = conn.execute(
            "SELECT seq, entry_hash, anchored_seq, entries, broken_seq, broken_reason, breaks "
            "FROM yc.audit_chain WHERE centre_code = %s AND workstation = %s",
            [CENTRE_A, ws_code],
        )
        row = cur.fetchone()
        assert row is not None and cur.description is not None
        return dict(zip([d.name for d in cur.description], row, strict=True))


def _local_head(store: Store) -> tuple[int, str]:
    with store.session() as s:
        head = s.get(AuditChainRow, 1)
        assert head is not None
        return head.seq, head.entry_hash


def _crypto_schema(central: Central) -> str:
    return str(admin_count(
        central.admin_url,
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pgcrypto'",
    ))  # fmt: skip


DETAILS: list[Any] = [
    {},
    {"reason": "材料齐全", "basis": "《条例》第3条"},
    {"z": 1, "aa": 2, "b": 3, "中": "文", "ab": [1, 2, {"x": None}], "a": True, "c": False},
    {"quote": 'say "hi"\\ path/to', "ctl": "tab\tnl\nret\rbs\bff\f\x01\x1f\x7f", "emoji": "𠀀😀"},
    {"nested": {"deep": {"deeper": [[], {}, [None]]}}, "n": -12345678901234567890},
    {"f": 1.5, "g": 0.1, "h": 1e16, "i": 1e-07, "j": -2.5e-08, "k": 3.0, "l": -0.0},
    {"键": "值", "ключ": "значение", "é": "e\u0301", "": "empty key"},
]


@pytest.mark.parametrize("detail", DETAILS)
def test_the_canonical_text_and_hash_are_postgresqls(central: Central, detail: Any) -> None:
    import json

    schema = _crypto_schema(central)
    fields = EntryFields(
        uuid.uuid4().hex, uuid.uuid4().hex, "2026-02-12 09:30:00.123456", "wang'fang",
        "受理", detail,
    )  # fmt: skip
    row = {"id": fields.id, "case_id": fields.case_id, "at": fields.at, "actor": fields.actor,
           "action": fields.action, "detail": detail, "seq": 7, "prev_hash": "ab" * 32,
           "row_hash": "1:" + "cd" * 32}  # fmt: skip
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        text, digest = conn.execute(
            "SELECT %s::jsonb::text, "
            + sql.entry_hash_sql(f'"{schema}"', "e")
            + " FROM jsonb_populate_record(NULL::yc.audit_entry, %s::jsonb) e",
            [json.dumps(detail), json.dumps(row)],
        ).fetchone()  # type: ignore[misc]
    assert jsonb_text(detail) == text
    assert entry_hash(7, "ab" * 32, fields, "1:" + "cd" * 32) == digest
    assert entry_text(7, "ab" * 32, fields, "1:" + "cd" * 32).startswith('["yc-audit-1", 7, ')


def test_an_intact_chain_is_accepted_and_its_head_kept(central: Central, ws: Store) -> None:
    save_cases(ws, 3)
    client(ws, central).sync_once()
    head = _head(central)
    assert (head["seq"], head["entry_hash"]) == _local_head(ws)
    assert (head["anchored_seq"], head["entries"], head["broken_seq"], head["breaks"]) == (
        1, 3, None, 0,
    )  # fmt: skip
    assert (
        admin_count(central.admin_url, "SELECT count(*) FROM yc.audit_entry WHERE seq IS NOT NULL")
        == 3
    )
    save_cases(ws, 2, tag="b")
    client(ws, central).sync_once()
    assert (_head(central)["seq"], _head(central)["breaks"]) == (5, 0)
    assert admin_count(central.admin_url, "SELECT count(*) FROM yc.quarantine") == 0


def _outbox_audit(store: Store) -> list[tuple[int, dict[str, Any]]]:
    with store.session() as s:
        rows = s.scalars(select(SyncOutboxRow).where(SyncOutboxRow.sent_at.is_(None))
                         .order_by(SyncOutboxRow.seq)).all()  # fmt: skip
        return [(r.seq, a) for r in rows for a in r.payload.get("audit_entry", [])]


def _set_payload(store: Store, seq: int, change: Callable[[dict[str, Any]], None]) -> None:
    with store.session() as s, s.begin():
        row = s.get(SyncOutboxRow, seq)
        assert row is not None
        payload = {k: [dict(r) for r in v] for k, v in row.payload.items()}
        change(payload)
        row.payload = payload


def _quarantined(central: Central) -> list[tuple[str, str]]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        return [
            (r[0], r[1]) for r in conn.execute(
                "SELECT row_key, reason FROM yc.quarantine WHERE tbl = 'audit_entry' ORDER BY id"
            )
        ]  # fmt: skip


def test_an_entry_edited_before_it_went_up_is_caught_and_named(central: Central, ws: Store) -> None:
    save_cases(ws, 3)
    (_, _a1), (out2, a2), (_, _a3) = _outbox_audit(ws)

    def edit(p: dict[str, Any]) -> None:
        p["audit_entry"][0]["detail"] = {**p["audit_entry"][0]["detail"], "reason": "改过"}

    _set_payload(ws, out2, edit)
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a2["id"]
    assert WS in reason and "第 2 条" in reason and "被改动" in reason
    head = _head(central)
    assert (head["broken_seq"], head["breaks"], head["seq"]) == (2, 1, 3)  # one break, once
    assert WS in head["broken_reason"]
    # the workstation is told: the refused entry is listed in its quarantine
    with ws.session() as s:
        refused = s.scalars(select(SyncQuarantineRow)).all()
        assert any(WS in r.reason and r.tbl == "audit_entry" for r in refused)


def test_an_entry_deleted_before_it_went_up_is_caught(central: Central, ws: Store) -> None:
    save_cases(ws, 3)
    (_, _a1), (out2, _a2), (_, a3) = _outbox_audit(ws)
    _set_payload(ws, out2, lambda p: p.update(audit_entry=[]))
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a3["id"] and WS in reason and "第 2 条审计记录缺失" in reason
    assert _head(central)["broken_seq"] == 3


def test_a_forged_entry_inserted_out_of_place_is_caught(central: Central, ws: Store) -> None:
    save_cases(ws, 2)
    client(ws, central).sync_once()
    assert _outbox_audit(ws) == []  # all went up
    save_cases(ws, 1, tag="c")
    [(out3, a3)] = _outbox_audit(ws)
    # a forged entry claiming seq 3 after the genesis, its own hash made correctly
    forged = dict(a3, id=str(uuid.uuid4()), action="撤回", prev_hash=GENESIS)
    fields = EntryFields.of(dict(forged, id=uuid.UUID(forged["id"]),
                                 case_id=uuid.UUID(forged["case_id"]),
                                 at=datetime.fromisoformat(forged["at"])))  # fmt: skip
    forged["entry_hash"] = entry_hash(3, GENESIS, fields, forged["row_hash"])
    _set_payload(ws, out3, lambda p: p.update(audit_entry=[forged]))
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == forged["id"] and WS in reason and "前一条哈希" in reason and "第 2 条" in reason
    assert _head(central)["broken_seq"] == 3


def test_unchained_entries_once_the_chain_began_are_refused(central: Central, ws: Store) -> None:
    save_cases(ws, 1)
    client(ws, central).sync_once()
    save_cases(ws, 1, tag="d")
    [(out, a)] = _outbox_audit(ws)
    stripped = {
        k: v for k, v in a.items() if k not in ("seq", "prev_hash", "row_hash", "entry_hash")
    }
    _set_payload(ws, out, lambda p: p.update(audit_entry=[stripped]))
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a["id"] and "未入链" in reason


def test_a_county_step_comes_down_into_the_chain_through_a_receipt(
    central: Central, ws: Store
) -> None:
    [no] = save_cases(ws, 1)
    c = client(ws, central)
    c.sync_once()
    admin.set_case_status(central.admin_url, no, "已办结", "县民政局")
    c.sync_once()  # pulls the change and its county entry; the receipt waits to go up
    with ws.session() as s:
        result = verify(s)
        assert result.ok, result.breaks
        assert (result.entries, result.county_entries) == (2, 1)
        receipt = s.scalars(select(AuditRow).where(AuditRow.seq == 2)).one()
        county = s.scalars(select(AuditRow).where(AuditRow.seq.is_(None))).one()
        assert receipt.action == RECEIPT_ACTION
        assert list(receipt.detail["county_entries"]) == [county.id.hex]
    c.sync_once()  # the receipt goes up and continues the chain at the county
    head = _head(central)
    assert (head["seq"], head["breaks"]) == (2, 0)
    # the county's entry kept here cannot be edited unnoticed
    with ws.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE audit_entry SET actor = '某人' WHERE seq IS NULL"))
    with ws.session() as s:
        assert [b.kind for b in verify(s).breaks] == ["county"]


# ---------------------------------------------------------------- the county as anchor (c0012)


def test_a_rechained_rewrite_of_synced_history_is_caught_by_the_county(
    central: Central, ws: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attack: an entry the county already has is rewritten on the workstation and
    the chain recomputed from it to the head. Locally (without the key) it verifies;
    the county, which holds the head as it arrived, finds it at the next sync, even
    with nothing new to push, lists it per workstation until acknowledged."""
    from app import cli
    from tests.db.test_audit_key import rewrite_and_rechain

    save_cases(ws, 3)
    client(ws, central).sync_once()
    assert admin.audit_breaks(central.admin_url) == []
    rewrite_and_rechain(ws, 2, "li")
    with ws.session() as s:
        assert verify(s).ok  # invisible here
    report = client(ws, central).sync_once()
    assert any("被改写" in w for w in report.warnings), report.warnings
    found = admin.audit_breaks(central.admin_url)
    assert [(b["centre"], b["workstation"], b["kind"], b["seq"]) for b in found] == [
        (CENTRE_A, "A1", "rewrite", 3)
    ]
    assert "第 3 条记录的哈希与县中心收到的不符" in found[0]["reason"]
    client(ws, central).sync_once()  # found again: listed once
    assert len(admin.audit_breaks(central.admin_url)) == 1
    assert _head(central)["broken_seq"] == 3

    url = ["--url", central.admin_url]
    assert cli.main(["central", "audit-breaks", *url]) == 3
    out = capsys.readouterr().out
    assert f"工作站 {CENTRE_A}-A1：" in out and "已同步记录被改写 第 3 条" in out
    assert cli.main(["central", "audit-breaks", "--ack", str(found[0]["id"]), *url]) == 2
    assert "--reason" in capsys.readouterr().err
    assert cli.main(["central", "audit-breaks", "--ack", str(found[0]["id"]),
                     "--reason", "已核查：维修人员改过数据库，已报告", *url]) == 0  # fmt: skip
    assert "已确认断点" in capsys.readouterr().out
    assert cli.main(["central", "audit-breaks", *url]) == 0
    assert "没有未确认的审计链断点" in capsys.readouterr().out
    assert cli.main(["central", "audit-breaks", "--all", *url]) == 0
    assert "已核查：维修人员改过数据库，已报告" in capsys.readouterr().out
    assert cli.main(["central", "audit-breaks", "--ack", str(found[0]["id"]),
                     "--reason", "again", *url]) == 1  # fmt: skip
    assert "已于" in capsys.readouterr().err


def test_an_intact_workstation_leaves_no_break_and_arrival_breaks_are_listed(
    central: Central, ws: Store
) -> None:
    save_cases(ws, 2)
    client(ws, central).sync_once()
    client(ws, central).sync_once()  # compared, matching
    assert admin.audit_breaks(central.admin_url, include_acked=True) == []
    # a break found on arrival (c0005's check) is listed too: an entry edited before
    # it went up
    save_cases(ws, 1, tag="x")
    [(seq, entry)] = _outbox_audit(ws)

    def edit(payload: dict[str, Any]) -> None:
        payload["audit_entry"][0]["actor"] = "forged"

    _set_payload(ws, seq, edit)
    client(ws, central).sync_once()
    kinds = [(b["kind"], b["seq"]) for b in admin.audit_breaks(central.admin_url)]
    assert kinds == [("arrival", entry["seq"])]
