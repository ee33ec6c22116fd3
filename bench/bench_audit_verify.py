"""Audit chain figures (issue 16 item 3):

- ``audit_verify_1m_s``: ``db.audit.verify`` (what ``yichuang audit verify`` runs) over a
  SQLite store of 1,000,000 chained entries on 250,000 cases (4 steps each, one receipt
  of a county entry in every 1,000 cases): the chain streamed in seq order, every
  entry's SM3 recomputed, then every case row against its latest entry. Target ≤ 10 s.
- ``save_case_unchained_p95`` / ``save_case_chained_p95``: saving a case through the
  counter service (bench_counter.bench_save's loop), the audit entry written as before
  this change (a plain insert) and chained, alternating in one run. Target ≤ 50 ms.

The store is built directly with SQLite (the columns as SQLAlchemy stores them) and
chained with app/core/audit_chain, so building takes a minute, not an hour.
Prints ``figure NAME VALUE UNIT`` lines.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_key import use_bench_key  # noqa: E402

use_bench_key()


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def _dt(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S.%f")


# ``build PATH --keyed`` / ``verify PATH --keyed``: the store written and verified with
# this workstation key (HMAC-SM3 on every entry, docs/audit.md)
BENCH_KEY = bytes(range(32))


def build(path: Path, cases: int = 250_000, steps: int = 4, key: bytes | None = None) -> int:
    from app.core.audit_chain import (
        CASE_FORMS,
        START,
        EntryFields,
        case_row_hash,
        entry_mac,
        head_mac,
        jsonb_text,
        link_entries,
    )
    from app.core.ids import uuid7
    from db.audit import RECEIPT_ACTION, receipt_entry
    from db.store import open_store

    store = open_store(f"sqlite:///{path}")
    store.close()
    from db import cipher

    conn = cipher.connect(path)  # encrypted, as the program keeps it
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    base = datetime(2026, 3, 2, 9, 0)
    tail = START
    total = 0
    actions = ["受理", "审查", "核准", "办结"]
    for start in range(0, cases, 10_000):
        case_rows, entries, county = [], [], []
        for n in range(start, min(cases, start + 10_000)):
            cid = uuid7()
            at = base + timedelta(seconds=n)
            case = dict(
                id=cid, case_no=f"370999101-A1-20260302-{n:07d}", item_code="370999-MZ-001",
                item_name="结婚登记", decision="受理", status="已受理", decision_reason="",
                legal_basis="", promised_date=date(2026, 3, 9), supply_by=None, limit_days=5,
                limit_unit="工作日", promised_estimated=False, accepted_at=at, completed_at=None,
                clerk="wangfang", clerk_name="王芳", on_behalf_of="", window_no="1",
                workstation="A1", applicant_name=f"申请人{n}", applicant_id_no="11010519491231002X",
                previous_case_id=None,
            )  # fmt: skip
            case_rows.append(case)
            rh = case_row_hash(case, 1)  # the columns written here are form 1's
            for k in range(steps):
                e = dict(id=uuid7(), case_id=cid, at=at + timedelta(minutes=k), actor="wangfang",
                         action=actions[k % 4], detail={"step": k, "note": "材料齐全，予以受理"})  # fmt: skip
                if k == steps - 1 and n % 1000 == 0:  # a county step and its receipt
                    c = dict(id=uuid.uuid4(), case_id=cid, at=at, actor="县民政局", action="已办结",
                             detail={"source": "county", "from": "已受理"})  # fmt: skip
                    county.append(c)
                    e = receipt_entry(cid, [c], "已受理", at + timedelta(minutes=k))
                    assert e["action"] == RECEIPT_ACTION
                entries.append((e, rh))
        chained, tail = link_entries(tail, [(EntryFields.of(e), rh) for e, rh in entries])
        cols = CASE_FORMS[1]
        conn.executemany(
            "INSERT INTO cases (item_version_id, row_version, calendar_basis, "
            + ", ".join(cols)
            + ") VALUES (1, 1, '', "
            + ", ".join("?" * len(cols))
            + ")",
            [tuple(_sql(c[k]) for k in cols) for c in case_rows],
        )
        conn.executemany(
            "INSERT INTO audit_entry (id, case_id, at, actor, action, detail, seq, prev_hash, "
            "row_hash, entry_hash, entry_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e["id"].hex, e["case_id"].hex, _dt(e["at"]), e["actor"], e["action"],
              jsonb_text(e["detail"]), c.seq, c.prev_hash, c.row_hash, c.entry_hash,
              entry_mac(key, c.seq, c.entry_hash) if key else None)
             for (e, _), c in zip(entries, chained, strict=True)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO audit_entry (id, case_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [(c["id"].hex, c["case_id"].hex, _dt(c["at"]), c["actor"], c["action"],
              jsonb_text(c["detail"])) for c in county],
        )  # fmt: skip
        total += len(entries)
        conn.commit()
    conn.execute(
        "INSERT INTO audit_chain (id, seq, entry_hash, algorithm, keyed_from, mac) "
        "VALUES (1, ?, ?, 'sm3', ?, ?)",
        (tail.seq, tail.entry_hash, 1 if key else None,
         head_mac(key, 1, tail.seq, tail.entry_hash) if key else None),
    )  # fmt: skip
    conn.commit()
    conn.close()
    return total


def _sql(v: object) -> object:
    if isinstance(v, uuid.UUID):
        return v.hex
    if isinstance(v, datetime):
        return _dt(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def bench_verify(prebuilt: Path | None = None, key: bytes | None = None) -> None:
    """Verify a 1,000,000-entry store, twice with two worker processes (the command's
    default) and once in one process. ``prebuilt``: a store made by ``build PATH``
    beforehand (at low priority, outside the benchmark lock), else built here.
    ``key``: the store is keyed, and verified with the key (every MAC checked)."""
    from db.audit import use_audit_key, verify
    from db.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        path = prebuilt or Path(folder) / "verify.sqlite3"
        if prebuilt is None:
            t = time.perf_counter()
            total = build(path, key=key)
            print(f"built {total} entries in {time.perf_counter() - t:.0f} s", flush=True)
        store = open_store(f"sqlite:///{path}")
        if key is not None:
            use_audit_key(store, key, mark=False)
        try:
            timings: dict[int, list[float]] = {1: [], 2: []}
            cpu: dict[int, list[float]] = {1: [], 2: []}
            for workers in (2, 1, 2):
                t, c = time.perf_counter(), _cpu_s()
                with store.session() as s:
                    result = verify(s, workers=workers)
                timings[workers].append(time.perf_counter() - t)
                cpu[workers].append(_cpu_s() - c)
                assert result.ok, result.breaks
                assert result.entries == 1_000_000, result.entries
        finally:
            store.close()
    keyed = "_keyed" if key is not None else ""
    # CPU seconds (this process and its workers): what the wall time is on a quiet
    # machine for one process, and about twice the wall time for two workers on two
    # free cores; on a shared machine under load the wall figures alone say little
    figure(f"audit_verify{keyed}_1m_one_process_cpu_s", cpu[1][0], "s")
    figure(f"audit_verify{keyed}_1m_two_workers_cpu_s", min(cpu[2]), "s")
    figure("audit_verify_entries", result.entries, "entries")
    figure("audit_verify_cases", result.cases, "cases")
    figure(f"audit_verify{keyed}_1m_s", min(timings[2]), "s")
    figure(f"audit_verify{keyed}_1m_worst_s", max(timings[2]), "s")
    figure(f"audit_verify{keyed}_1m_one_process_s", timings[1][0], "s")


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children."""
    import resource

    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_save(count: int = 300) -> None:
    """bench_counter.bench_save's loop, the plain insert and the chain alternating."""
    from sqlalchemy import insert

    import db.case_repo
    from app.context import open_context
    from app.core.check import Decision, MaterialOutcome, Status
    from app.core.intake import Applicant, Intake
    from app.services.counter import CounterService
    from db.catalog_repo import current_version
    from db.models import AuditRow

    chained_append = db.case_repo.append_audit

    def unchained(session, entries):  # type: ignore[no-untyped-def]
        # what append_audit did before the chain (commit 2557dc2)
        if entries:
            session.execute(insert(AuditRow), [dict(e) for e in entries])

    timings: dict[bool, list[float]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, ctx.clock)
        outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
        now = datetime(2026, 3, 2, 9, 0)
        for n in range(2 * count):
            chained = n % 2 == 1
            db.case_repo.append_audit = chained_append if chained else unchained  # type: ignore[assignment]
            intake = Intake(
                item=item, item_version_id=vid, answers={}, outcomes=outcomes,
                applicant=Applicant(name=f"申请人{n}", id_no="11010519491231002X"),
                decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
            )  # fmt: skip
            t = time.perf_counter()
            service.save_intake(intake, draft_key="A1/wangfang", now=now + timedelta(minutes=n))
            timings[chained].append((time.perf_counter() - t) * 1000)
        db.case_repo.append_audit = chained_append  # type: ignore[assignment]
        ctx.close()
    for chained, name in ((False, "unchained"), (True, "chained")):
        figure(f"save_case_{name}_p95", statistics.quantiles(timings[chained], n=100)[94], "ms")
        figure(f"save_case_{name}_median", statistics.median(timings[chained]), "ms")


if __name__ == "__main__":
    # bench_audit_verify.py [save] [verify [PATH]] | build PATH
    args = sys.argv[1:] or ["save", "verify"]
    key = BENCH_KEY if "--keyed" in args else None
    args = [a for a in args if a != "--keyed"]
    if args[0] == "build":
        t = time.perf_counter()
        print(f"built {build(Path(args[1]), key=key)} entries in {time.perf_counter() - t:.0f} s")
        sys.exit(0)
    if "save" in args:
        bench_save()
    if "verify" in args:
        rest = args[args.index("verify") + 1 :]
        bench_verify(Path(rest[0]) if rest else None, key)
