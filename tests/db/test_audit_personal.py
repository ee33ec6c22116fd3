"""No clear personal data in new audit details (issue 23): the audit chain cannot be
edited, so what it holds outlives a case's purge. A 出件 at the window keeps the
collector masked plus a keyed fingerprint of the ID number (HMAC-SM3 under the
workstation's audit key), so a later check can still confirm who collected it."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.lifecycle import (
    Approve,
    Complete,
    Deliver,
    Delivery,
    Outcome,
    Review,
    collected_by,
    describe,
)
from db.audit import use_audit_key, verify
from db.lifecycle_repo import read_case
from db.models import AuditRow
from db.store import Store
from tests import rawdb
from tests.db.test_lifecycle_repo import CHIEF, CLERK, _accepted, _step

KEY = secrets.token_bytes(32)
COLLECTOR_ID = "370982198506123416"  # not the applicant: collecting for them
COLLECTOR = "欧阳娜娜"


def _delivered(store: Store) -> str:
    case_no = _accepted(store)
    _step(store, case_no, Review(CLERK, datetime(2026, 2, 13, 10), "符合条件", Outcome.GRANT))
    _step(store, case_no, Approve(CHIEF, datetime(2026, 2, 14, 9), "同意"))
    _step(
        store,
        case_no,
        Complete(CLERK, datetime(2026, 2, 14, 10), Outcome.GRANT, "许可", "许可证", "X1"),
    )
    _step(store, case_no, Deliver(CLERK, datetime(2026, 2, 15, 10), Delivery.WINDOW, COLLECTOR,
                                  COLLECTOR_ID.lower()))  # fmt: skip
    return case_no


def _table_bytes(store: Store, table: str) -> bytes:
    """Every row of ``table``, decrypted (the file itself is encrypted)."""
    path = Path(str(store.engine.url.database))
    with rawdb.raw(path) as con:
        return "\n".join(repr(r) for r in con.execute(f'SELECT * FROM "{table}"')).encode()


def test_a_window_pickup_leaves_no_clear_id_in_the_audit_table(sqlite_store: Store) -> None:
    use_audit_key(sqlite_store, KEY)
    case_no = _delivered(sqlite_store)
    for table in ("audit_entry", "sync_outbox"):
        data = _table_bytes(sqlite_store, table)
        assert COLLECTOR_ID.encode() not in data and COLLECTOR_ID.lower().encode() not in data
        assert COLLECTOR.encode() not in data
        assert b"370982********3416" in data  # masked, as printed documents show it
    with sqlite_store.session() as s:
        detail = s.scalars(select(AuditRow.detail).where(AuditRow.action == "出件")).one()
        assert detail["collector_name"] == "欧***"
        assert collected_by(detail, KEY, COLLECTOR_ID) is True
        assert collected_by(detail, KEY, f" {COLLECTOR_ID} ") is True
        assert collected_by(detail, KEY, "11010519491231002X") is False  # the applicant
        assert collected_by(detail, secrets.token_bytes(32), COLLECTOR_ID) is False
        assert verify(s).ok
        record = read_case(s, case_no)
        assert record is not None
        assert (
            describe("出件", record.timeline[-1].detail) == "窗口领取：欧***（370982********3416）"
        )


def test_without_an_audit_key_no_fingerprint_and_still_no_clear_id(sqlite_store: Store) -> None:
    _delivered(sqlite_store)
    assert COLLECTOR_ID.encode() not in _table_bytes(sqlite_store, "audit_entry")
    with sqlite_store.session() as s:
        detail = s.scalars(select(AuditRow.detail).where(AuditRow.action == "出件")).one()
        assert "collector_id_no_fp" not in detail  # an unkeyed hash could be searched
        assert collected_by(detail, KEY, COLLECTOR_ID) is None  # it cannot say
        assert verify(s).ok


def test_an_older_entry_with_the_number_whole_still_answers() -> None:
    old = {"method": "窗口领取", "collector_name": "张三", "collector_id_no": COLLECTOR_ID}
    assert collected_by(old, KEY, COLLECTOR_ID.lower()) is True
    assert collected_by(old, KEY, "11010519491231002X") is False


def test_the_collected_command_confirms_the_collector(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main
    from app.context import open_context

    ctx = open_context(data_dir=str(tmp_path), demo=False)  # keyed: its own audit key file
    try:
        case_no = _delivered(ctx.store)  # type: ignore[arg-type]
    finally:
        ctx.close()
    args = ["--data-dir", str(tmp_path), "audit", "collected", case_no]
    assert main([*args, "--id", COLLECTOR_ID.lower()]) == 0
    assert "是：" in capsys.readouterr().out
    assert main([*args, "--id", "11010519491231002X"]) == 3
    said = capsys.readouterr().out
    assert said.startswith("否：") and "110105********002X" in said  # masked here too
    # run by an account that cannot read the key: it says so, it does not guess
    monkeypatch.setenv("YICHUANG_AUDIT_KEY_FILE", str(tmp_path / "elsewhere.key"))
    assert main([*args, "--id", COLLECTOR_ID]) == 1
    assert "读不到审计密钥" in capsys.readouterr().err
