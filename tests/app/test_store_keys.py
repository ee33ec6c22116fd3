"""The store key's export and import (issue 23): a reinstalled Windows account or a
wiped keyring must not lose every case on the workstation. And a workstation whose
store key is a key file gets an audit key beside it (issue 16)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.commands import keys as keys_cmd
from app.services import audit_key, store_keys
from app.services.credentials import AUDIT_SERVICE, Credentials, MemoryKeyring
from db import cipher
from db.audit import keyed_since
from db.location import database_url
from db.models import AuditRow, CaseRow
from db.store import StoreError, open_store
from tests.db.test_audit_chain import _cases

GOOD = "Yichuang-县中心-2026!"


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An unattended machine: its store key in a key file of its own (outside the
    data folder), no systemd credential. Yields the key file's path."""
    key = tmp_path / "keys" / "store.key"
    monkeypatch.setenv(cipher.KEY_FILE_ENV, str(key))
    monkeypatch.delenv(cipher.AUDIT_KEY_FILE_ENV, raising=False)  # beside the store key
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setattr(store_keys, "SCRYPT_N", 2**14)  # the tests' speed; the file says n
    cipher.forget_cached_key()
    yield key
    cipher.forget_cached_key()


def _answers(monkeypatch: pytest.MonkeyPatch, *said: str) -> list[str]:
    asked: list[str] = []
    queue = list(said)

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(keys_cmd, "ASK", ask)
    return asked


def _station(folder: Path, n: int = 2) -> list[str]:
    """A workstation's store with ``n`` cases, opened as the program opens it."""
    from app.context import open_context

    ctx = open_context(data_dir=str(folder), demo=False)
    try:
        return _cases(ctx.store, n)  # type: ignore[arg-type]
    finally:
        ctx.close()


def _count_cases(folder: Path) -> int:
    store = open_store(database_url(None, folder))
    try:
        with store.session() as s:
            return int(s.scalar(select(func.count()).select_from(CaseRow)) or 0)
    finally:
        store.close()


def _forms(key: bytes) -> list[bytes]:
    return [key, key.hex().encode(), key.hex().upper().encode(), base64.b64encode(key),
            base64.urlsafe_b64encode(key)]  # fmt: skip


def test_a_key_file_machine_gets_an_audit_key_beside_its_store_key(machine: Path) -> None:
    folder = machine.parent.parent / "data"
    _station(folder)
    beside = machine.with_name("store.key.audit")
    assert beside.is_file() and beside.stat().st_mode & 0o777 == 0o600
    kept = bytes.fromhex(beside.read_text())
    assert len(kept) == 32 and kept != bytes.fromhex(machine.read_text())
    store = open_store(database_url(None, folder))
    try:
        with store.session() as s:
            assert keyed_since(s) == 1  # keyed from the first entry
            assert all(s.scalars(select(AuditRow.entry_mac)))
    finally:
        store.close()
    _station(folder, 1)  # the next start: the same key, not a new one
    assert bytes.fromhex(beside.read_text()) == kept
    assert main(["--data-dir", str(folder), "audit", "verify", "--jobs", "1"]) == 0


def test_export_wipe_import_and_the_store_opens_with_its_cases(
    machine: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = machine.parent.parent / "data"
    _station(folder, 3)
    store_key = bytes.fromhex(machine.read_text())
    audit = machine.with_name("store.key.audit")
    audit_key_bytes = bytes.fromhex(audit.read_text())
    out = machine.parent.parent / "usb" / "A1.yckey"
    out.parent.mkdir()
    asked = _answers(monkeypatch, GOOD, GOOD)
    assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 0
    printed = capsys.readouterr()
    assert len(asked) == 2 and "已导出数据库密钥和审计密钥" in printed.out
    assert GOOD not in printed.out + printed.err
    blob = out.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o600
    for form in _forms(store_key) + _forms(audit_key_bytes):
        assert form not in blob  # neither key in clear, in any spelling
    assert GOOD.encode() not in blob

    # the keyring is wiped (here: the key files are gone)
    machine.unlink()
    audit.unlink()
    cipher.forget_cached_key()
    with pytest.raises(StoreError):
        open_store(database_url(None, folder))

    # a wrong passphrase: a clear message, nothing touched
    _answers(monkeypatch, GOOD + "x")
    assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 1
    err = capsys.readouterr().err
    assert "口令不对" in err and "未改动任何内容" in err
    assert not machine.exists() and not audit.exists()

    _answers(monkeypatch, GOOD)
    assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 0
    said = capsys.readouterr().out
    assert "3 件办件" in said and "审计密钥已写入" in said and "不符" not in said
    assert bytes.fromhex(machine.read_text()) == store_key
    assert bytes.fromhex(audit.read_text()) == audit_key_bytes
    assert machine.stat().st_mode & 0o777 == 0o600
    assert _count_cases(folder) == 3
    assert main(["--data-dir", str(folder), "audit", "verify", "--jobs", "1"]) == 0
    assert "含本机密钥校验" in capsys.readouterr().out  # the audit key is the chain's


def test_a_file_exported_from_another_store_is_refused(
    machine: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = machine.parent.parent / "ours"
    _station(ours, 1)
    our_key = machine.read_text()
    # another workstation, with its own key file
    other_key = machine.parent.parent / "other-keys" / "store.key"
    monkeypatch.setenv(cipher.KEY_FILE_ENV, str(other_key))
    cipher.forget_cached_key()
    other = machine.parent.parent / "other"
    _station(other, 1)
    out = machine.parent.parent / "other.yckey"
    _answers(monkeypatch, GOOD, GOOD)
    assert main(["--data-dir", str(other), "key", "export", str(out)]) == 0
    # back on ours, its key file damaged: the other store's key must not go in
    monkeypatch.setenv(cipher.KEY_FILE_ENV, str(machine))
    cipher.forget_cached_key()
    machine.write_text("0" * 64 + "\n")
    capsys.readouterr()
    _answers(monkeypatch, GOOD)
    assert main(["--data-dir", str(ours), "key", "import", str(out)]) == 1
    err = capsys.readouterr().err
    assert "打不开本机数据库" in err and "另一个数据库" in err and "未改动任何内容" in err
    assert machine.read_text() == "0" * 64 + "\n"  # untouched
    assert not list(machine.parent.glob("*.replaced-*"))
    # and with our own export, the damaged key is replaced (and kept aside)
    machine.write_text(our_key)
    cipher.forget_cached_key()
    mine = machine.parent.parent / "ours.yckey"
    _answers(monkeypatch, GOOD, GOOD)
    assert main(["--data-dir", str(ours), "key", "export", str(mine)]) == 0
    machine.write_text("0" * 64 + "\n")
    cipher.forget_cached_key()
    _answers(monkeypatch, GOOD)
    assert main(["--data-dir", str(ours), "key", "import", str(mine)]) == 0
    assert machine.read_text() == our_key
    [aside] = machine.parent.glob("store.key.replaced-*")
    assert aside.read_text() == "0" * 64 + "\n"
    assert _count_cases(ours) == 1


def test_weak_or_mismatched_passphrases_are_refused(
    machine: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = machine.parent.parent / "data"
    _station(folder, 1)
    out = machine.parent.parent / "k.yckey"
    for weak in ("short1A!", "alllowercaseletters", "aaaaaaaaaaaA1!", "Password1234"[:11]):
        _answers(monkeypatch, weak, weak)
        assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 2
        assert "口令" in capsys.readouterr().err
        assert not out.exists()
    _answers(monkeypatch, GOOD, GOOD + "!")
    assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 2
    assert "不一致" in capsys.readouterr().err and not out.exists()


def test_import_is_refused_while_the_program_runs(
    machine: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = machine.parent.parent / "data"
    _station(folder, 1)
    out = machine.parent.parent / "k.yckey"
    _answers(monkeypatch, GOOD, GOOD)
    assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 0
    before = machine.read_text()
    code = (
        "import sys, time; from pathlib import Path; from app.data_lock import hold_running;"
        "lock = hold_running(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
    )
    running = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    try:
        assert running.stdout is not None and running.stdout.readline().strip() == "held"
        capsys.readouterr()
        _answers(monkeypatch, GOOD)
        assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 1
        err = capsys.readouterr().err
        assert "一窗通正在运行" in err and "不能导入密钥" in err
        assert machine.read_text() == before
    finally:
        running.kill()
        running.wait()
        if running.stdout is not None:
            running.stdout.close()
    # the lock is the OS's: gone with the process
    _answers(monkeypatch, GOOD)
    assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 0


def test_keyring_machine_export_and_import_into_a_wiped_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Windows case: the store key in the OS keyring (here an in-memory one), the
    audit key beside it; the account reinstalled, its keyring empty."""
    monkeypatch.delenv(cipher.KEY_FILE_ENV, raising=False)
    monkeypatch.delenv(cipher.AUDIT_KEY_FILE_ENV, raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.setattr(store_keys, "SCRYPT_N", 2**14)
    ring = MemoryKeyring()
    monkeypatch.setattr(audit_key, "CREDENTIALS_FACTORY", lambda: Credentials(ring))
    cipher.use_backend(ring)
    try:
        folder = tmp_path / "data"
        _station(folder, 2)
        stored = ring.get_password(cipher.SERVICE, cipher.ACCOUNT)
        [(service, account)] = [k for k in ring._store if k[0] == AUDIT_SERVICE]
        audit_hex = ring.get_password(service, account)
        assert stored and audit_hex
        out = tmp_path / "k.yckey"
        _answers(monkeypatch, GOOD, GOOD)
        assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 0
        blob = out.read_bytes()
        for form in _forms(bytes.fromhex(stored)) + _forms(bytes.fromhex(audit_hex)):
            assert form not in blob

        wiped = MemoryKeyring()
        cipher.use_backend(wiped)
        monkeypatch.setattr(audit_key, "CREDENTIALS_FACTORY", lambda: Credentials(wiped))
        with pytest.raises(StoreError, match="钥匙串中没有它的密钥"):
            open_store(database_url(None, folder))
        _answers(monkeypatch, GOOD)
        assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 0
        assert "系统钥匙串" in capsys.readouterr().out
        assert wiped.get_password(cipher.SERVICE, cipher.ACCOUNT) == stored
        assert wiped.get_password(AUDIT_SERVICE, account) == audit_hex
        assert _count_cases(folder) == 2
        assert main(["--data-dir", str(folder), "audit", "verify", "--jobs", "1"]) == 0
        assert "含本机密钥校验" in capsys.readouterr().out
    finally:
        cipher._backend_override.clear()
        cipher.forget_cached_key()


def test_a_systemd_machine_reads_its_audit_credential_and_never_makes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = tmp_path / "credentials"
    creds.mkdir()
    store_cred = creds / cipher.SYSTEMD_CREDENTIAL
    store_cred.write_text("11" * 32 + "\n")
    store_cred.chmod(0o600)
    monkeypatch.delenv(cipher.KEY_FILE_ENV, raising=False)
    monkeypatch.delenv(cipher.AUDIT_KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    where = cipher.audit_key_path()
    assert where == creds / cipher.AUDIT_CREDENTIAL
    assert cipher.file_audit_key(where, create=True) is None  # read-only: not made
    assert not where.exists()
    where.write_text("22" * 32 + "\n")
    where.chmod(0o600)
    assert cipher.file_audit_key(where, create=True) == bytes.fromhex("22" * 32)
    keeper = audit_key._system()
    assert keeper.audit_key("370982101-A1", create=False) == bytes.fromhex("22" * 32)


def test_an_audit_key_that_does_not_sign_the_chain_is_told(
    machine: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An export carrying another audit key than the one the chain was keyed with (made
    before the key changed): the store key goes in, and the import says what it found."""
    folder = machine.parent.parent / "data"
    _station(folder, 1)
    audit = machine.with_name("store.key.audit")
    audit.write_text("33" * 32 + "\n")  # the key the export will carry is not the chain's
    out = machine.parent.parent / "k.yckey"
    _answers(monkeypatch, GOOD, GOOD)
    assert main(["--data-dir", str(folder), "key", "export", str(out)]) == 0
    capsys.readouterr()
    _answers(monkeypatch, GOOD)
    assert main(["--data-dir", str(folder), "key", "import", str(out)]) == 0
    said = capsys.readouterr().out
    assert "审计链链头的校验值不符" in said and "yichuang audit verify" in said


def test_programs_starting_together_make_one_audit_key(tmp_path: Path) -> None:
    """The window, the kiosk and the hall display started at once on a new key-file
    machine: each gets the same audit key, none reads a half-written file."""
    import threading

    for attempt in range(30):
        path = tmp_path / f"store.key.{attempt}.audit"
        got: list[object] = []
        start = threading.Barrier(6)

        def make(
            path: Path = path, got: list[object] = got, start: threading.Barrier = start
        ) -> None:
            start.wait()
            try:
                got.append(cipher.file_audit_key(path, create=True))
            except cipher.StoreKeyError as exc:  # an empty file read: the race lost
                got.append(exc)

        threads = [threading.Thread(target=make) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(map(repr, got))) == 1 and isinstance(got[0], bytes), got
        assert not list(tmp_path.glob("*.new-*"))
