"""The audit chain's key (issue 16): without one, whoever can write the store can
rewrite an entry AND recompute every hash after it and the head, and the chain checks
out. Each entry written with the workstation's key carries an HMAC-SM3 over its hash
and position, and the head one over the keyed part; a rewrite without the key is
found at the first entry it touched. Attacks written first (they passed before the
key existed)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, text

from app.core.audit_chain import EntryFields, entry_hash
from db.audit import keyed_since, use_audit_key, verify
from db.models import AuditChainRow, AuditRow
from db.store import Store
from tests.db.test_audit_chain import _cases, verify_store

KEY = secrets.token_bytes(32)


def rewrite_and_rechain(store: Store, seq: int, actor: str) -> None:
    """The attack: change entry ``seq`` (its actor) and recompute the chain from there
    on and the head, exactly as the program would, with the public algorithm."""
    with store.session() as s, s.begin():
        rows = s.scalars(select(AuditRow).where(AuditRow.seq >= seq).order_by(AuditRow.seq)).all()
        prev = rows[0].prev_hash or ""
        for row in rows:
            if row.seq == seq:
                row.actor = actor
            fields = EntryFields.of({"id": row.id, "case_id": row.case_id, "at": row.at,
                                     "actor": row.actor, "action": row.action,
                                     "detail": row.detail})  # fmt: skip
            assert row.seq is not None and row.row_hash is not None
            row.prev_hash = prev
            row.entry_hash = entry_hash(row.seq, prev, fields, row.row_hash)
            prev = row.entry_hash
        head = s.get(AuditChainRow, 1)
        assert head is not None
        head.entry_hash = prev


def test_without_a_key_a_rechained_rewrite_goes_unnoticed(sqlite_store: Store) -> None:
    """What the key is for: the same attack on a store written without a key."""
    _cases(sqlite_store, 3)
    rewrite_and_rechain(sqlite_store, 2, "li")
    assert verify_store(sqlite_store).ok


def test_a_rechained_rewrite_is_found_with_the_key(sqlite_store: Store) -> None:
    use_audit_key(sqlite_store, KEY)
    _cases(sqlite_store, 3)
    assert verify_store(sqlite_store).ok
    rewrite_and_rechain(sqlite_store, 2, "li")
    found = verify_store(sqlite_store).breaks
    assert [(b.kind, b.seq) for b in found] == [("mac", 2)]
    assert "密钥" in found[0].message and "报告县中心" in found[0].message


def test_keyed_marks_removed_or_the_head_rewound_are_found(sqlite_store: Store) -> None:
    use_audit_key(sqlite_store, KEY)
    _cases(sqlite_store, 3)
    with sqlite_store.session() as s:
        assert keyed_since(s) == 1
    # strip the MACs and the keyed mark: "this store was never keyed"
    with sqlite_store.engine.begin() as c:
        c.execute(text("UPDATE audit_entry SET entry_mac = NULL"))
        c.execute(text("UPDATE audit_chain SET keyed_from = NULL, mac = NULL"))
    found = verify_store(sqlite_store).breaks
    assert [b.kind for b in found] == ["mac"] and "链尾" in found[0].message


def test_an_entry_written_without_the_key_is_named(sqlite_store: Store) -> None:
    """A program that could not read the key writes on without MACs (nothing lost);
    the head's MAC no longer holds and verify names the first entry without one. A
    MAC merely removed hides nothing: the head's MAC still covers the whole chain."""
    use_audit_key(sqlite_store, KEY)
    _cases(sqlite_store, 2)
    with sqlite_store.engine.begin() as c:
        c.execute(text("UPDATE audit_entry SET entry_mac = NULL WHERE seq = 1"))
    assert verify_store(sqlite_store).ok
    info = sqlite_store.sessions.kw["info"]
    sqlite_store.sessions.kw["info"] = {}
    _cases(sqlite_store, 1)  # written without the key
    sqlite_store.sessions.kw["info"] = info
    found = verify_store(sqlite_store).breaks
    assert [(b.kind, b.seq) for b in found] == [("mac", 1)]  # the first without one
    assert "没有本机密钥校验值" in found[0].message


def test_a_rewrite_of_an_entry_from_before_the_key_is_found_at_the_head(
    sqlite_store: Store,
) -> None:
    """The head's MAC covers the tail's hash, which covers every entry before it: a
    rechained rewrite of an entry older than the key is found too (at the head)."""
    _cases(sqlite_store, 2)
    use_audit_key(sqlite_store, KEY)
    _cases(sqlite_store, 1)
    rewrite_and_rechain(sqlite_store, 1, "li")
    found = verify_store(sqlite_store).breaks
    assert [b.kind for b in found] == ["mac"]
    assert found[0].seq == 3  # the first keyed entry: its MAC no longer fits its hash


def test_a_store_keyed_after_its_first_entries_checks_from_there(sqlite_store: Store) -> None:
    """Entries written before the key existed (an upgraded workstation) carry no MAC;
    the keyed part starts after them, and a rewrite there is still found."""
    _cases(sqlite_store, 2)
    use_audit_key(sqlite_store, KEY)
    with sqlite_store.session() as s:
        assert keyed_since(s) == 3
    _cases(sqlite_store, 2)
    assert verify_store(sqlite_store).ok
    rewrite_and_rechain(sqlite_store, 4, "li")
    assert [(b.kind, b.seq) for b in verify_store(sqlite_store).breaks] == [("mac", 4)]


def test_verifying_without_the_key_says_the_keyed_part_was_not_checked(sqlite_store: Store) -> None:
    use_audit_key(sqlite_store, KEY)
    _cases(sqlite_store, 2)
    rewrite_and_rechain(sqlite_store, 1, "li")
    sqlite_store.sessions.kw["info"] = {}  # another program, without the key
    with sqlite_store.session() as s:
        result = verify(s)
    assert result.ok and result.unkeyed == 2  # the chain holds; the MACs could not be read


# ---------------------------------------------------------------- where the key lives


def test_the_key_is_kept_where_the_sync_password_is_and_made_once() -> None:
    from app.services.credentials import AUDIT_SERVICE, Credentials, MemoryKeyring

    ring = MemoryKeyring()
    creds = Credentials(ring)
    assert creds.audit_key("370982101-A1", create=False) is None
    key = creds.audit_key("370982101-A1")
    assert key is not None and len(key) == 32
    assert ring.get_password(AUDIT_SERVICE, "370982101-A1") == key.hex()
    assert Credentials(ring).audit_key("370982101-A1") == key  # the next start: the same
    assert Credentials(ring).audit_key("370982101-A2") != key  # one per workstation
    # no secure keyring: no key at all (one kept in memory would not survive a restart)
    assert Credentials(None).audit_key("370982101-A1") is None
    ring.set_password(AUDIT_SERVICE, "370982101-A3", "not hex")
    assert Credentials(ring).audit_key("370982101-A3") is None


def test_the_program_and_the_verify_command_use_the_keyring_key(
    tmp_path,
    monkeypatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    from app import cli
    from app.context import open_context
    from app.services import audit_key
    from app.services.credentials import Credentials, MemoryKeyring

    ring = MemoryKeyring()
    monkeypatch.setattr(audit_key, "CREDENTIALS_FACTORY", lambda: Credentials(ring))
    ctx = open_context(data_dir=str(tmp_path), demo=False)
    try:
        _cases(ctx.store, 2)  # type: ignore[arg-type]
        with ctx.store.session() as s:
            assert keyed_since(s) == 1
            assert all(s.scalars(select(AuditRow.entry_mac)))
    finally:
        ctx.close()
    args = ["--data-dir", str(tmp_path), "audit", "verify", "--jobs", "1"]
    assert cli.main(args) == 0
    assert "含本机密钥校验" in capsys.readouterr().out
    # the attack, on the file, by someone without the key
    from db.location import database_url
    from db.store import open_store

    store = open_store(database_url(None, tmp_path))
    rewrite_and_rechain(store, 1, "li")
    store.close()
    assert cli.main(args) == 3
    assert "本机密钥校验值不符" in capsys.readouterr().err
    # run by another account (no key): the chain holds, and it says what was not checked
    monkeypatch.setattr(audit_key, "CREDENTIALS_FACTORY", lambda: Credentials(MemoryKeyring()))
    assert cli.main(args) == 0
    assert "密钥校验值未能核对" in capsys.readouterr().out
