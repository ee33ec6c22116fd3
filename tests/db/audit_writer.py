"""A process that appends audit entries to a store, for the two-process chain race
(tests/db/test_audit_chain.py): ``python -m tests.db.audit_writer URL CASE_ID N TAG``.
Half its transactions read the case first (then the write lock is taken late and
SQLite may refuse the stale transaction: it is retried, as the program's save is)."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from db.audit import append_audit
from db.models import CaseRow
from db.store import open_store


def main() -> None:
    url, case_id, n, tag = sys.argv[1], uuid.UUID(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    store = open_store(url, upgrade=False)
    print("ready", flush=True)
    sys.stdin.readline()  # the test says go
    got: list[int] = []
    retries = 0
    for i in range(n):
        while True:
            try:
                with store.session() as s, s.begin():
                    if i % 2:
                        s.scalar(select(CaseRow.status).where(CaseRow.id == case_id))
                    rows = append_audit(s, [
                        dict(case_id=case_id, at=datetime(2026, 2, 12, 10, 0, 0, i), actor=tag,
                             action="测试", detail={"i": i, "tag": tag})
                        for _ in range(1 + i % 3)
                    ])  # fmt: skip
                got.extend(r["seq"] for r in rows)
                break
            except OperationalError:
                retries += 1
    store.close()
    print(" ".join(map(str, got)), flush=True)
    print(f"retries {retries}", flush=True)


if __name__ == "__main__":
    main()
