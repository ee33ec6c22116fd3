"""Migration 0019 (issue 23): the county's acknowledgements already known in an older
store (outbox rows marked sent) are carried into case_county_ack, so the purge of
personal data counts from them; a case whose rows were never sent gets none."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from db.models import CaseAckRow, CaseRow
from db.store import open_store

HERE = Path(__file__).resolve().parents[1] / "data" / "upgrade"


def test_upgrade_carries_the_acknowledgements_already_known(tmp_path: Path) -> None:
    path = tmp_path / "yichuang.sqlite3"
    shutil.copyfile(HERE / "yichuang-0005.sqlite3", path)
    sent_at = "2026-03-01 10:00:00.000000"
    with sqlite3.connect(path) as c:
        rows = c.execute("SELECT seq, payload FROM sync_outbox ORDER BY seq").fetchall()
        with_case = [(seq, json.loads(p)) for seq, p in rows if json.loads(p).get("cases")]
        assert len(with_case) >= 2
        acked = {
            case["id"].replace("-", ""): int(case["row_version"])
            for _, body in with_case[:-1] for case in body["cases"]
        }  # fmt: skip
        last = {case["id"].replace("-", "") for case in with_case[-1][1]["cases"]}
        c.executemany(
            "UPDATE sync_outbox SET sent_at = ?, batch_seq = 1 WHERE seq = ?",
            [(sent_at, seq) for seq, _ in with_case[:-1]],
        )
    store = open_store(f"sqlite:///{path}")
    try:
        with store.session() as s:
            acks = {a.case_id.hex: a for a in s.scalars(select(CaseAckRow))}
            assert acks and set(acks) == set(acked) - last
            for key, ack in acks.items():
                assert ack.row_version == acked[key]
                assert ack.acked_at == datetime(2026, 3, 1, 10, 0)
            assert all(c.purged_at is None for c in s.scalars(select(CaseRow)))
    finally:
        store.close()
