"""Sync figures against loopback PostgreSQL (prints ``figure NAME VALUE UNIT``):

    sync_push_10k_cases_s            our push of 10,000 cases (6 materials, an audit
                                     entry, an applicant each)           target ≤ 10
    sync_push_naive_orm_10k_cases_s  the same rows, per-row ORM merge + commit per case
    sync_push_speedup_vs_naive_x     naive / ours                        target ≥ 10
    sync_push_copy_10k_cases_s       the same rows by COPY (the practical limit)
    sync_push_ratio_to_copy_x        ours / COPY
    sync_catch_up_30_days_9k_s       9,000 cases after 30 days offline, plus the county's
                                     changes meanwhile                   target ≤ 15
    sync_first_start_5k_items_s      empty workstation to a usable 5,000-item catalogue
                                     (search index built)                target ≤ 20

PostgreSQL: ``YICHUANG_TEST_PG_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/
postgres); a scratch database and roles are created and dropped.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db.central import admin  # noqa: E402
from db.store import Store, open_store  # noqa: E402

CENTRE = "370999101"
PG = os.environ.get("YICHUANG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


# ---------------------------------------------------------------- local data


def _demo(store: Store) -> tuple[int, Any]:
    from app.core.paths import resource
    from app.services.catalog_files import read_catalog
    from db.catalog_repo import current_version, import_items

    parsed = read_catalog(resource("catalog", "demo-catalog.xlsx"))
    with store.session() as s, s.begin():
        import_items(s, parsed.items, source="demo")
    with store.session() as s:
        found = current_version(s, "370999-MZ-001")
    assert found is not None
    return found


def make_cases(
    store: Store, n: int, ws: str, first_day: date, days: int = 1, seed: int = 1
) -> None:
    """n accepted cases as the counter writes them (case, applicant, materials, audit,
    and the outbox row in the same transaction), in bulk to keep the set-up short."""
    from app.core.ids import uuid7
    from db.models import ApplicantRow, AuditRow, CaseMaterialRow, CaseRow, SyncOutboxRow
    from db.sync.outbox import row

    vid, item = _demo(store) if not hasattr(store, "_demo") else store._demo  # type: ignore[attr-defined]
    store._demo = (vid, item)  # type: ignore[attr-defined]
    rnd = random.Random(seed)
    per_day = -(-n // days)
    cases, applicants, materials, audits, outbox = [], [], [], [], []
    for i in range(n):
        day = first_day + timedelta(days=i // per_day)
        at = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, seconds=i % per_day)
        cid = uuid7()
        case = dict(
            id=cid, case_no=f"{CENTRE}-{ws}-{day:%Y%m%d}-{i % per_day + 1:04d}",
            item_version_id=vid, item_code=item.code, item_name=item.name, decision="受理",
            status="已受理", decision_reason="", legal_basis="", promised_date=day + timedelta(days=7),
            supply_by=None, accepted_at=at, completed_at=None, clerk="wangfang", clerk_name="王芳",
            on_behalf_of="", window_no="1", workstation=ws, applicant_name=f"申请人{i}",
            applicant_id_no="11010519491231002X", previous_case_id=None, application_id=None,
            row_version=1,
        )  # fmt: skip
        applicant = dict(
            case_id=cid, kind="个人", name=f"申请人{i}", id_type="居民身份证",
            id_no="11010519491231002X", phone=f"138{rnd.randint(0, 99999999):08d}",
            address="示范县城关镇人民路1号", legal_rep="", agent_name="", agent_id_type="",
            agent_id_no="", agent_phone="",
        )  # fmt: skip
        mats = [
            dict(case_id=cid, seq=m.seq, name=m.name, medium=m.medium.value,
                 necessity=m.necessity.value, required_copies=m.copies, status="收到",
                 copies=m.copies, reason="")
            for m in item.materials
        ]  # fmt: skip
        audit = dict(
            id=uuid7(), case_id=cid, at=at, actor="wangfang", action="受理",
            detail={"decision": "受理", "status": "已受理", "item_version": item.version, "window": "1"},
        )  # fmt: skip
        central_case = {k: v for k, v in case.items() if k != "item_version_id"}
        central_case["item_version"] = item.version
        cases.append(case)
        applicants.append(applicant)
        materials.extend(mats)
        audits.append(audit)
        outbox.append(
            dict(case_id=cid, created_at=at, payload={
                "cases": [row(central_case)], "applicant": [row(applicant)],
                "case_material": [row(m) for m in mats], "audit_entry": [row(audit)]})
        )  # fmt: skip
    with store.session() as s, s.begin():
        for model, rows in ((CaseRow, cases), (ApplicantRow, applicants),
                            (CaseMaterialRow, materials), (AuditRow, audits),
                            (SyncOutboxRow, outbox)):  # fmt: skip
            for start in range(0, len(rows), 5000):
                s.execute(insert(model), rows[start : start + 5000])


# ---------------------------------------------------------------- central


class Scratch:
    def __init__(self) -> None:
        self.prefix = f"ycb{uuid.uuid4().hex[:8]}"
        self.name = f"yc_bench_{uuid.uuid4().hex[:8]}"
        self.server = make_url(PG).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = make_url(self.server).set(database=self.name).render_as_string(False)
        admin.init_central(self.url, prefix=self.prefix)
        self.login = admin.add_centre(self.url, CENTRE, "城关镇便民服务中心")

    def client(self, store: Store, ws: str = "A1") -> Any:
        from db.sync.client import CentralConfig, SyncClient

        admin.add_workstation(self.url, CENTRE, ws)  # the county registers it (c0003)
        url = make_url(self.url).set(username=self.login.role).render_as_string(False)
        return SyncClient(
            store, CentralConfig(url, self.login.password, CENTRE, ws, sslmode="disable")
        )

    def truncate(self) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute("TRUNCATE yc.cases, yc.inbox, yc.workstation CASCADE")

    def close(self) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.drop_roles(self.server, self.prefix)


def _central_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The 10,000 cases as central rows (what every method writes)."""
    from sqlalchemy import select

    from db.models import SyncOutboxRow

    tables: dict[str, list[dict[str, Any]]] = {}
    with store.session() as s:
        for seq, payload in s.execute(select(SyncOutboxRow.seq, SyncOutboxRow.payload)):
            for table, rows in payload.items():
                for r in rows:
                    tables.setdefault(table, []).append(dict(r, centre_code=CENTRE, ws_seq=seq))
    for r in tables["audit_entry"]:
        r["workstation"] = "A1"
    return tables


def naive_orm_push(url: str, tables: dict[str, list[dict[str, Any]]]) -> float:
    """What a first attempt looks like: ORM objects, session.merge per row, a commit
    per case."""
    from sqlalchemy import JSON, Date, DateTime, Integer, MetaData, Table, Text, Uuid, create_engine
    from sqlalchemy.orm import Session, registry

    meta = MetaData(schema="yc")
    reg = registry(metadata=meta)
    types = {"id": Uuid, "case_id": Uuid, "detail": JSON, "at": DateTime, "accepted_at": DateTime,
             "completed_at": DateTime, "promised_date": Date, "supply_by": Date,
             "previous_case_id": Uuid, "application_id": Uuid}  # fmt: skip
    ints = {"row_version", "ws_seq", "seq", "required_copies", "copies"}
    keys = {"cases": ("id",), "applicant": ("case_id",), "case_material": ("case_id", "seq"),
            "audit_entry": ("id",)}  # fmt: skip
    classes = {}
    for name, pk in keys.items():
        from sqlalchemy import Column

        cols = [
            Column(c, types.get(c, Integer if c in ints else Text), primary_key=c in pk)
            for c in tables[name][0]
        ]
        cls = type(name, (), {})
        reg.map_imperatively(cls, Table(name, meta, *cols))
        classes[name] = cls
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    by_case: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name in keys:
        for r in tables[name]:
            by_case.setdefault(r.get("case_id") or r["id"], []).append((name, r))

    def typed(r: dict[str, Any]) -> dict[str, Any]:
        out = dict(r)
        for k, v in r.items():
            if v is None:
                continue
            if types.get(k) is Uuid:
                out[k] = uuid.UUID(v)
            elif types.get(k) is DateTime:
                out[k] = datetime.fromisoformat(v)
            elif types.get(k) is Date:
                out[k] = date.fromisoformat(v)
        return out

    start = time.perf_counter()
    with Session(engine) as session:
        for case_id in [r["id"] for r in tables["cases"]]:
            for name, r in by_case[case_id]:
                obj = classes[name]()
                for k, v in typed(r).items():
                    setattr(obj, k, v)
                session.merge(obj)
            session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def copy_push(url: str, tables: dict[str, list[dict[str, Any]]]) -> float:
    import json

    start = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for name in ("cases", "applicant", "case_material", "audit_entry"):
            cols = list(tables[name][0])
            with cur.copy(f"COPY yc.{name} ({', '.join(cols)}) FROM STDIN") as copy:
                for r in tables[name]:
                    copy.write_row(
                        [json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                         for v in r.values()]
                    )  # fmt: skip
    return time.perf_counter() - start


def bench_push(scratch: Scratch, tmp: Path) -> None:
    store = open_store(f"sqlite:///{tmp / 'push.sqlite3'}")
    make_cases(store, 10_000, "A1", date(2026, 11, 2), days=20)
    tables = _central_rows(store)
    client = scratch.client(store)
    start = time.perf_counter()
    report = client.sync_once()
    ours = time.perf_counter() - start
    assert report.rows == 10_000 and report.pending == 0, report
    figure("sync_push_10k_cases", ours, "s")

    scratch.truncate()
    sample = int(os.environ.get("YICHUANG_BENCH_NAIVE_CASES", "10000"))
    subset = {k: v for k, v in tables.items()}
    if sample < 10_000:
        keep = {r["id"] for r in tables["cases"][:sample]}
        subset = {
            k: [r for r in v if (r.get("case_id") or r["id"]) in keep] for k, v in tables.items()
        }
    naive = naive_orm_push(scratch.url, subset) * (10_000 / sample)
    figure("sync_push_naive_orm_10k_cases", naive, "s")
    figure("sync_push_speedup_vs_naive", naive / ours, "x")

    scratch.truncate()
    copied = copy_push(scratch.url, tables)
    figure("sync_push_copy_10k_cases", copied, "s")
    figure("sync_push_ratio_to_copy", ours / copied, "x")
    store.close()
    scratch.truncate()


def bench_catch_up(scratch: Scratch, tmp: Path) -> None:
    """A workstation pushes its first 1,000 cases, goes offline for 30 days taking 9,000
    more, while the county finishes 1,000 of its cases and publishes 50 new item
    versions; then the link comes back."""
    from dataclasses import replace

    from bench.synthetic import synthetic_items

    store = open_store(f"sqlite:///{tmp / 'catchup.sqlite3'}")
    make_cases(store, 1_000, "B1", date(2026, 10, 1), seed=2)
    client = scratch.client(store, "B1")
    client.sync_once()
    with psycopg.connect(scratch.url) as conn:
        conn.execute(
            "SELECT yc_api.set_case_status_v1(case_no, '已办结', '县民政局') FROM yc.cases"
            " WHERE workstation = 'B1'"
        )
    admin.publish_items(scratch.url, [replace(i, version="2") for i in synthetic_items(50, seed=3)])
    make_cases(store, 9_000, "B1", date(2026, 10, 2), days=30, seed=3)
    start = time.perf_counter()
    report = client.sync_once()
    elapsed = time.perf_counter() - start
    assert report.rows == 9_000 and report.pulled >= 1_050, report
    figure("sync_catch_up_30_days_9k", elapsed, "s")
    store.close()


def bench_first_start(scratch: Scratch, tmp: Path) -> None:
    from bench.synthetic import synthetic_items
    from db.catalog_repo import count_items, search_entries
    from db.sync.client import first_sync

    admin.publish_items(scratch.url, synthetic_items(5_000, seed=11))
    store = open_store(f"sqlite:///{tmp / 'fresh.sqlite3'}")
    steps: list[int] = []
    start = time.perf_counter()
    first_sync(store, scratch.client(store, "C1"), lambda done, total, msg: steps.append(done))
    with store.session() as s:
        items = count_items(s)
        from app.core.search import ItemIndex

        ItemIndex(search_entries(s))
    elapsed = time.perf_counter() - start
    assert items >= 5_000, items
    figure("sync_first_start_5k_items", elapsed, "s")
    store.close()


def main() -> None:
    try:
        scratch = Scratch()
    except (psycopg.OperationalError, admin.CentralAdminError) as exc:
        print(f"PostgreSQL not reachable ({exc}); sync figures skipped", file=sys.stderr)
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench_push(scratch, Path(tmp))
            bench_catch_up(scratch, Path(tmp))
            bench_first_start(scratch, Path(tmp))
    finally:
        scratch.close()


if __name__ == "__main__":
    main()
