"""Issue 23 item 5: the audit chain's hash is the county's choice, SM3 (国密, the
default) or SHA-256; each chain records the algorithm it began with and keeps it, and
verify reads it from there. Tampering is found under either. The fast path of verify
(SQLite builds the canonical texts) escapes exactly as the ordinary one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from json.encoder import encode_basestring

import pytest
from sqlalchemy import select, text

from app.core.audit_chain import EntryFields, entry_text
from db import audit
from db.audit import choose_algorithm_for_new_chains
from db.models import AuditChainRow, AuditRow
from db.store import Store
from tests.db.test_audit_chain import _cases, _one_break, _sql, verify_store


@pytest.fixture
def algorithm_choice() -> Iterator[None]:
    yield
    choose_algorithm_for_new_chains("sm3")


def _recomputed(store: Store, algorithm: str) -> tuple[list[str], list[str]]:
    """Each entry's stored hash, and the hash of its canonical text under ``algorithm``."""
    stored, ours = [], []
    with store.session() as s:
        for e in s.scalars(select(AuditRow).where(AuditRow.seq.is_not(None)).order_by(AuditRow.seq)):
            fields = EntryFields.of({"id": e.id, "case_id": e.case_id, "at": e.at, "actor": e.actor,
                                     "action": e.action, "detail": e.detail})  # fmt: skip
            body = entry_text(e.seq or 0, e.prev_hash or "", fields, e.row_hash or "").encode()
            stored.append(e.entry_hash or "")
            ours.append(hashlib.new(algorithm, body).hexdigest())
    return stored, ours


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_a_chain_hashes_with_the_countys_choice_and_records_it(
    sqlite_store: Store, algorithm: str, algorithm_choice: None
) -> None:
    choose_algorithm_for_new_chains(algorithm)
    _cases(sqlite_store, 3)
    with sqlite_store.session() as s:
        head = s.get(AuditChainRow, 1)
        assert head is not None and head.algorithm == algorithm
        assert audit.chain_algorithm(s) == algorithm
    stored, ours = _recomputed(sqlite_store, algorithm)
    assert stored == ours and len(stored) == 3
    other = "sha256" if algorithm == "sm3" else "sm3"
    assert _recomputed(sqlite_store, other)[1] != stored  # not the other algorithm's
    assert verify_store(sqlite_store).ok


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_tampering_is_found_under_either_algorithm(
    sqlite_store: Store, algorithm: str, algorithm_choice: None
) -> None:
    choose_algorithm_for_new_chains(algorithm)
    numbers = _cases(sqlite_store, 3)
    _sql(sqlite_store, "UPDATE audit_entry SET detail = :d WHERE seq = 2",
         d=json.dumps({"edited": "改过"}, ensure_ascii=False))  # fmt: skip
    found = _one_break(sqlite_store)
    assert (found.kind, found.seq) == ("content", 2)
    _sql(sqlite_store, "UPDATE cases SET promised_date = '2027-01-01' WHERE case_no = :n",
         n=numbers[2])  # fmt: skip
    with sqlite_store.session() as s:
        kinds = [b.kind for b in audit.verify(s).breaks]
    assert kinds == ["content", "row"]


def test_a_chain_keeps_its_algorithm_when_the_choice_changes(
    sqlite_store: Store, algorithm_choice: None
) -> None:
    choose_algorithm_for_new_chains("sha256")
    _cases(sqlite_store, 2)
    choose_algorithm_for_new_chains("sm3")  # the county changed its mind later
    _cases(sqlite_store, 2)
    stored, ours = _recomputed(sqlite_store, "sha256")
    assert stored == ours and len(stored) == 4
    assert verify_store(sqlite_store).ok


def test_a_chain_whose_recorded_algorithm_is_changed_does_not_verify(
    sqlite_store: Store, algorithm_choice: None
) -> None:
    _cases(sqlite_store, 2)
    _sql(sqlite_store, "UPDATE audit_chain SET algorithm = 'sha256' WHERE id = 1")
    with sqlite_store.session() as s:
        assert not audit.verify(s).ok


def test_an_unknown_algorithm_is_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="审计链的哈希算法应为 sm3 或 sha256"):
        choose_algorithm_for_new_chains("md5")


def test_sqlite_json_quote_escapes_as_the_canonical_form_does(sqlite_store: Store) -> None:
    """The fast path's texts come from json_quote: every code point of the BMP and a
    sample above it, control characters, quotes and backslashes, the same as
    encode_basestring (which the county's jsonb text matches)."""
    points = [*range(1, 0xD800), *range(0xE000, 0x10000), 0x1F600, 0x20000, 0x10FFFF]
    samples = ["".join(map(chr, points[i : i + 64])) for i in range(0, len(points), 64)]
    samples += ['a"b\\c', "\x00x", "\u2028\u2029", "张三\n\t\r\b\f"]
    with sqlite_store.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE q (s TEXT)")
        conn.execute(text("INSERT INTO q VALUES (:s)"), [{"s": v} for v in samples])
        got = [r[0] for r in conn.exec_driver_sql("SELECT json_quote(s) FROM q ORDER BY rowid")]
    assert got == [encode_basestring(v) for v in samples]
