"""The county checks each workstation's audit chain with the algorithm that chain uses
(SM3 or SHA-256, issue 23 item 5; c0014): the algorithm is fixed at the county by
the chain's first entry whose hash it can check, so a workstation that begins with
SHA-256 syncs whole, tampering is found under either algorithm, and an entry hashed
with the other algorithm later in the chain is reported (a client cannot switch
algorithms mid-chain to make a rewritten part pass). Against a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from app.core.audit_chain import GENESIS, EntryFields, entry_hash
from db.audit import choose_algorithm_for_new_chains, verify
from db.central import admin
from db.central.admin import libpq_url
from db.models import AuditChainRow, SyncOutboxRow
from db.store import Store
from tests.sync.conftest import CENTRE_A, Central, client
from tests.sync.helpers import admin_count, load_demo, save_cases

pytestmark = pytest.mark.pg

WS = f"{CENTRE_A}-A1"
OTHER = {"sm3": "sha256", "sha256": "sm3"}


@pytest.fixture
def choose() -> Iterator[Callable[[str], None]]:
    yield choose_algorithm_for_new_chains
    choose_algorithm_for_new_chains("sm3")  # the process-wide default, for the next test


@pytest.fixture
def ws(workstation: Callable[..., Store]) -> Store:
    store = workstation("a")
    load_demo(store)
    return store


def _chain(central: Central, ws_code: str = "A1") -> dict[str, Any]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        cur = conn.execute(
            "SELECT * FROM yc.audit_chain WHERE centre_code = %s AND workstation = %s",
            [CENTRE_A, ws_code],
        )
        row = cur.fetchone()
        assert row is not None and cur.description is not None
        return dict(zip([d.name for d in cur.description], row, strict=True))


def _quarantined(central: Central) -> list[tuple[str, str]]:
    with psycopg.connect(libpq_url(central.admin_url)) as conn:
        return [
            (r[0], r[1]) for r in conn.execute(
                "SELECT row_key, reason FROM yc.quarantine WHERE tbl = 'audit_entry' ORDER BY id"
            )
        ]  # fmt: skip


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


def _local_algorithm(store: Store) -> str:
    with store.session() as s:
        head = s.get(AuditChainRow, 1)
        assert head is not None
        return str(head.algorithm)


def test_a_sha256_workstation_syncs_and_its_chain_is_whole(
    central: Central, ws: Store, choose: Callable[[str], None]
) -> None:
    choose("sha256")
    save_cases(ws, 3)
    assert _local_algorithm(ws) == "sha256"
    c = client(ws, central)
    report = c.sync_once()
    assert _quarantined(central) == []
    chain = _chain(central)
    assert (chain["seq"], chain["entries"], chain["broken_seq"], chain["breaks"]) == (3, 3, None, 0)
    assert (chain["algorithm"], chain["algorithm_seq"]) == ("sha256", 1)
    assert admin.audit_breaks(central.admin_url, include_acked=True) == []
    assert not report.warnings, report.warnings
    # later batches go on under the same algorithm; the county's step comes down and
    # its receipt (hashed with SHA-256 as well) goes up into the chain
    more = save_cases(ws, 2, tag="b")
    c.sync_once()
    admin.set_case_status(central.admin_url, more[0], "已办结", "县民政局")
    c.sync_once()
    c.sync_once()
    chain = _chain(central)
    assert (chain["seq"], chain["breaks"], chain["algorithm"]) == (6, 0, "sha256")
    assert _quarantined(central) == []
    assert admin.audit_breaks(central.admin_url, include_acked=True) == []
    assert admin_count(
        central.admin_url, "SELECT count(*) FROM yc.audit_entry WHERE seq IS NOT NULL"
    ) == 6  # fmt: skip
    with ws.session() as s:
        assert verify(s).ok


def test_an_sm3_workstation_is_fixed_to_sm3(central: Central, ws: Store) -> None:
    save_cases(ws, 2)
    client(ws, central).sync_once()
    chain = _chain(central)
    assert (chain["algorithm"], chain["algorithm_seq"], chain["breaks"]) == ("sm3", 1, 0)


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_an_edited_entry_is_found_under_either_algorithm(
    central: Central, ws: Store, choose: Callable[[str], None], algorithm: str
) -> None:
    choose(algorithm)
    save_cases(ws, 3)
    (_, _a1), (out2, a2), _ = _outbox_audit(ws)

    def edit(p: dict[str, Any]) -> None:
        p["audit_entry"][0]["detail"] = {**p["audit_entry"][0]["detail"], "reason": "改过"}

    _set_payload(ws, out2, edit)
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a2["id"] and WS in reason and "第 2 条" in reason and "被改动" in reason
    chain = _chain(central)
    assert (chain["broken_seq"], chain["breaks"], chain["algorithm"]) == (2, 1, algorithm)


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_a_deleted_entry_is_found_under_either_algorithm(
    central: Central, ws: Store, choose: Callable[[str], None], algorithm: str
) -> None:
    choose(algorithm)
    save_cases(ws, 3)
    _, (out2, _a2), (_, a3) = _outbox_audit(ws)
    _set_payload(ws, out2, lambda p: p.update(audit_entry=[]))
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a3["id"] and WS in reason and "第 2 条审计记录缺失" in reason
    assert (_chain(central)["broken_seq"], _chain(central)["algorithm"]) == (3, algorithm)


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_an_entry_inserted_out_of_place_is_found_under_either_algorithm(
    central: Central, ws: Store, choose: Callable[[str], None], algorithm: str
) -> None:
    choose(algorithm)
    save_cases(ws, 2)
    client(ws, central).sync_once()
    save_cases(ws, 1, tag="c")
    [(out3, a3)] = _outbox_audit(ws)
    # a forged entry claiming seq 3 after the genesis, its own hash made correctly
    # with the chain's algorithm: only its place is wrong
    forged = dict(a3, id=str(uuid.uuid4()), action="撤回", prev_hash=GENESIS)
    fields = EntryFields.of(dict(forged, id=uuid.UUID(forged["id"]),
                                 case_id=uuid.UUID(forged["case_id"]),
                                 at=datetime.fromisoformat(forged["at"])))  # fmt: skip
    forged["entry_hash"] = entry_hash(3, GENESIS, fields, forged["row_hash"], algorithm)
    _set_payload(ws, out3, lambda p: p.update(audit_entry=[forged]))
    client(ws, central).sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == forged["id"] and WS in reason and "前一条哈希" in reason
    assert "被改动" not in reason  # its hash holds under the chain's algorithm
    assert (_chain(central)["broken_seq"], _chain(central)["algorithm"]) == (3, algorithm)


@pytest.mark.parametrize("first", ["sm3", "sha256"])
def test_switching_the_algorithm_mid_chain_is_reported(
    central: Central, ws: Store, choose: Callable[[str], None], first: str
) -> None:
    """The attack: a chain the county holds under one algorithm goes on with entries
    hashed (correctly, and correctly linked) under the other. Each such entry's hash
    holds under *some* algorithm, so a county that tried both per entry would take
    them; the chain's algorithm is fixed, and they are reported."""
    choose(first)
    save_cases(ws, 2)
    c = client(ws, central)
    c.sync_once()
    assert _chain(central)["algorithm"] == first
    switched = OTHER[first]
    with ws.engine.begin() as conn:  # the workstation's store told to go on in the other
        conn.execute(text("UPDATE audit_chain SET algorithm = :a"), {"a": switched})
    save_cases(ws, 1, tag="s")
    [(_, a3)] = _outbox_audit(ws)
    fields = EntryFields.of(dict(a3, id=uuid.UUID(a3["id"]), case_id=uuid.UUID(a3["case_id"]),
                                 at=datetime.fromisoformat(a3["at"])))  # fmt: skip
    # well formed: linked to entry 2, its hash right under the switched algorithm
    assert a3["entry_hash"] == entry_hash(3, a3["prev_hash"], fields, a3["row_hash"], switched)
    c.sync_once()
    [(key, reason)] = _quarantined(central)
    assert key == a3["id"] and WS in reason
    assert f"第 3 条审计记录的哈希用的是 {switched}" in reason
    assert f"自第 1 条起用 {first}" in reason and "中途不能更换" in reason
    chain = _chain(central)
    assert (chain["broken_seq"], chain["breaks"], chain["algorithm"]) == (3, 1, first)
    assert [(b["kind"], b["seq"]) for b in admin.audit_breaks(central.admin_url)] == [
        ("arrival", 3)
    ]


def test_a_released_code_starts_a_new_chain_with_its_own_algorithm(
    central: Central, workstation: Callable[..., Store], choose: Callable[[str], None]
) -> None:
    old = workstation("old")
    load_demo(old)
    save_cases(old, 1)
    client(old, central).sync_once()
    assert _chain(central)["algorithm"] == "sm3"
    assert admin.release_workstation(central.admin_url, CENTRE_A, "A1") is True
    assert _chain(central)["algorithm"] is None
    choose("sha256")
    new = workstation("new")
    load_demo(new)
    save_cases(new, 2, tag="n", now=datetime(2030, 1, 2, 9, 0))  # other case numbers
    client(new, central).sync_once()
    chain = _chain(central)
    assert (chain["algorithm"], chain["breaks"]) == ("sha256", 0), _quarantined(central)


def test_the_upgrade_fixes_synced_sm3_chains_and_lets_a_refused_sha256_one_in(
    central_factory: Callable[..., Central],
    workstation: Callable[..., Store],
    choose: Callable[[str], None],
) -> None:
    """Before c0014 the county checked SM3 only: an SM3 chain it holds is fixed to SM3
    at the upgrade; a SHA-256 workstation's entries were all refused, so its chain is
    left open, and once upgraded its refused entries, sent again, are taken."""
    old = central_factory("c0013")
    sm3_ws = workstation("a1")
    load_demo(sm3_ws)
    save_cases(sm3_ws, 2)
    choose("sha256")
    sha_ws = workstation("a2")
    load_demo(sha_ws)
    save_cases(sha_ws, 2, ws="A2")
    client(sm3_ws, old).sync_once()
    client(sha_ws, old, ws="A2").sync_once()
    assert len(_quarantined(old)) == 2  # the SHA-256 entries, refused by c0013
    assert admin.upgrade_central(old.admin_url) == admin.head_revision()
    a1, a2 = _chain(old, "A1"), _chain(old, "A2")
    assert (a1["algorithm"], a1["algorithm_seq"]) == ("sm3", 1)
    assert (a2["algorithm"], a2["seq"]) == (None, 2)
    client(sha_ws, old, ws="A2", retry_refused_s=0).sync_once()
    a2 = _chain(old, "A2")
    assert (a2["algorithm"], a2["algorithm_seq"], a2["seq"]) == ("sha256", 1, 2)
    assert admin_count(
        old.admin_url,
        "SELECT count(*) FROM yc.audit_entry WHERE workstation = 'A2' AND seq IS NOT NULL",
    ) == 2  # fmt: skip
