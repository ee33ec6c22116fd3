"""The local store encrypted at rest (issue 23 item 1, db/cipher.py): an older
version's plain store is converted in place at the first start, and a SIGKILL at
any moment of the conversion loses nothing; a wrong or missing key is refused with a
Chinese message and the file is left as it was."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3  # the old version wrote plain files with it
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db import cipher
from tests.rawdb import raw

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "data" / "upgrade" / "yichuang-0005.sqlite3"
STEPS = ("folded", "exported", "checked", "replaced")


def _digest(con: object) -> dict[str, str]:
    """Every table's rows, hashed in a fixed order: the store's content."""
    names = [
        r[0]
        for r in con.execute(  # type: ignore[attr-defined]
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    out = {}
    for name in sorted(names):
        rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{name}"'))  # type: ignore[attr-defined]
        out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def _plain_with_wal(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The old version's store, with rows that live only in its WAL (a writer killed
    before any checkpoint), and what the whole of it holds."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "yichuang.sqlite3"
    shutil.copyfile(OLD, path)
    subprocess.run([sys.executable, str(ROOT / "tests" / "db" / "wal_writer.py"), str(path)],
                   check=True, timeout=60)  # fmt: skip
    assert Path(f"{path}-wal").stat().st_size > 0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        expected = _digest(con)
        assert con.execute("SELECT count(*) FROM sync_state WHERE key LIKE 'wal-only-%'").fetchone()[0] == 200
    finally:
        con.close()
    return path, expected


def _child(path: Path, stop_at: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "db" / "convert_child.py"), str(path), stop_at],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "READY", child.stderr.read() if child.stderr else ""
    return child


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("stop_at", [*STEPS, "random-1", "random-2", "random-3", "random-4"])
def test_a_kill_at_any_moment_of_the_conversion_loses_nothing(tmp_path: Path, stop_at: str) -> None:
    path, expected = _plain_with_wal(tmp_path)
    child = _child(path, stop_at)
    assert child.stdout is not None
    if stop_at.startswith("random"):
        # somewhere inside the export (which takes a few tens of milliseconds here)
        time.sleep(random.Random(stop_at).uniform(0.0, 0.08))
    else:
        seen = []
        while (line := child.stdout.readline().strip()) != "AT":
            assert line, child.stderr.read() if child.stderr else ""
            seen.append(line)
        assert seen[-1] == stop_at
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    # killed after the rename: encrypted already; before it: still plain and whole
    if stop_at == "replaced":
        assert not cipher.is_plain(path)
    if stop_at in ("folded", "exported", "checked"):
        assert cipher.is_plain(path)
    # the next start finishes the work (or finds it done), and every row is there
    cipher.ensure_encrypted(path)
    assert not cipher.is_plain(path)
    assert not path.with_name(path.name + ".encrypting").exists()
    with raw(path) as con:
        assert _digest(con) == expected
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" not in path.read_bytes()  # 张三, in UTF-8


def test_the_first_start_of_the_new_version_encrypts_and_migrates(tmp_path: Path) -> None:
    from db.store import current_revision, head_revision, open_store

    path, _ = _plain_with_wal(tmp_path)
    store = open_store(f"sqlite:///{path}")
    try:
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()
    with raw(path) as con:  # the rows that lived only in the old version's WAL are there
        assert con.execute(
            "SELECT count(*) FROM sync_state WHERE key LIKE 'wal-only-%'"
        ).fetchone()[0] == 200
    assert not cipher.is_plain(path)
    for name in (path.name, f"{path.name}-wal"):
        f = path.parent / name
        if f.exists():
            assert b"110101199003077777" not in f.read_bytes()
    # the copy kept before migrating is encrypted too
    (kept,) = (path.parent / "backups").glob("premigrate-*.sqlite3")
    assert not cipher.is_plain(kept)
    assert "张三".encode() not in kept.read_bytes()


def test_a_wrong_key_is_refused_in_chinese_and_touches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.store import StoreError, open_store

    path = tmp_path / "yichuang.sqlite3"
    open_store(f"sqlite:///{path}").close()
    before = path.read_bytes()
    other = tmp_path / "other.key"
    fd = os.open(other, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, (os.urandom(32).hex() + "\n").encode())
    os.close(fd)
    monkeypatch.setenv(cipher.KEY_FILE_ENV, str(other))
    cipher.forget_cached_key()
    try:
        with pytest.raises(StoreError, match="无法用本机保管的密钥解开"):
            open_store(f"sqlite:///{path}")
    finally:
        cipher.forget_cached_key()
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_a_missing_key_is_refused_and_no_new_key_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.store import StoreError, open_store

    path = tmp_path / "yichuang.sqlite3"
    open_store(f"sqlite:///{path}").close()
    before = path.read_bytes()
    gone = tmp_path / "gone.key"
    monkeypatch.setenv(cipher.KEY_FILE_ENV, str(gone))
    cipher.forget_cached_key()
    try:
        with pytest.raises(StoreError, match="数据库已加密，但密钥文件"):
            open_store(f"sqlite:///{path}")
        assert not gone.exists()  # a new key would never open it
        # no key file and no keyring at all: told how to set one up
        monkeypatch.delenv(cipher.KEY_FILE_ENV)
        cipher.use_backend(None)
        with pytest.raises(StoreError, match="没有可用的系统钥匙串"):
            open_store(f"sqlite:///{path}")
    finally:
        cipher._backend_override.clear()
        cipher.forget_cached_key()
    assert path.read_bytes() == before


def test_the_key_is_made_in_the_keyring_and_not_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.credentials import MemoryKeyring
    from db.store import open_store

    ring = MemoryKeyring()
    monkeypatch.delenv(cipher.KEY_FILE_ENV)
    cipher.use_backend(ring)
    try:
        path = tmp_path / "data" / "yichuang.sqlite3"
        open_store(f"sqlite:///{path}").close()
        key = ring.get_password(cipher.SERVICE, cipher.ACCOUNT)
        assert key is not None and len(bytes.fromhex(key)) == 32
        for f in (tmp_path / "data").rglob("*"):
            if f.is_file():
                assert key.encode() not in f.read_bytes()
                assert bytes.fromhex(key) not in f.read_bytes()
        cipher.forget_cached_key()
        open_store(f"sqlite:///{path}").close()  # the kept key opens it again
    finally:
        cipher._backend_override.clear()
        cipher.forget_cached_key()


def test_programs_starting_together_on_a_new_machine_make_one_key(tmp_path: Path) -> None:
    """Without the lock around making it, each would write its own key and the file
    made with the overwritten one would never open again."""
    ring = tmp_path / "keyring.json"
    start = time.time() + 2.0
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    command = [sys.executable, str(ROOT / "tests" / "db" / "key_child.py"), str(ring), str(start)]
    children = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(3)
    ]
    keys = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        keys.append(out.strip())
    import json

    kept = json.loads(ring.read_text())[f"{cipher.SERVICE}/{cipher.ACCOUNT}"]
    assert keys == [kept] * 3
