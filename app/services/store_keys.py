"""Exporting and importing the workstation's keys (issue 23): the county IT person's
procedure for a reinstalled Windows account or a wiped keyring, which would otherwise
lose the store key and with it every case on the workstation (docs/encryption.md).

``yichuang key export FILE`` writes the store key and the audit key wrapped under a
passphrase: scrypt (n = 2^17, r = 8, p = 1, a random 16-byte salt) derives a 256-bit
key, AES-256-GCM seals the keys with it, and the file's clear header (format, centre,
workstation, when, the KDF's parameters) is the associated data, so nothing of it can
be changed without the passphrase noticing. Neither key appears in clear in the file
(hex, base64 or raw), in a message or in the log.

``yichuang key import FILE`` puts them back where this machine keeps its keys (the OS
keyring, or the key file named by ``YICHUANG_STORE_KEY_FILE`` with the audit key
beside it), but only after checking that the store key actually opens this data
folder's store, and only while no program uses the folder (the lock a restore takes,
app/data_lock.py). A wrong passphrase, a damaged file or a file of another store
changes nothing. A key already kept there is not lost: a key file is renamed
``….replaced-<time>``, a keyring entry copied to ``…-replaced-<time>``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger("yichuang.keys")

FORMAT = "yichuang-store-key-1"
SCRYPT_N = 2**17  # ~0.5 s and 128 MB on a hall PC: each guess costs an attacker as much
SCRYPT_R = 8
SCRYPT_P = 1
MAX_SCRYPT_N = 2**20  # a file asking for more is refused (it could exhaust the memory)
SALT_BYTES = 16


class KeyTransferError(RuntimeError):
    """An export or import that cannot be done; the message is Chinese and says what
    to do. Nothing was changed."""


@dataclass(frozen=True)
class Keys:
    store_key: bytes
    audit_key: bytes | None


@dataclass(frozen=True)
class Imported:
    store_key_to: str  # where it went (a file path, or 系统钥匙串)
    audit_key_to: str  # "" when the file carried none
    cases: int  # the store opened with it: its cases
    kept: list[str]  # what was replaced, and where it was kept
    audit_key_matches: bool | None = None  # the chain's head MAC under it (None: unkeyed)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text).encode("ascii"), validate=True)


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def wrap(keys: Keys, passphrase: str, *, centre: str, workstation: str, now: datetime) -> bytes:
    """The export file's bytes (UTF-8 JSON)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(12)
    header = {
        "format": FORMAT, "centre": centre, "workstation": workstation,
        "made_at": now.isoformat(timespec="seconds"),
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "cipher": "AES-256-GCM", "nonce": _b64(nonce),
    }  # fmt: skip
    secret = bytes([1 if keys.audit_key else 0]) + keys.store_key + (keys.audit_key or b"")
    sealed = AESGCM(_derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)).encrypt(
        nonce, secret, _header_bytes(header)
    )
    text = json.dumps({**header, "sealed": _b64(sealed)}, ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def read_header(blob: bytes) -> dict[str, Any]:
    try:
        data = json.loads(blob.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(data.get("format") if isinstance(data, dict) else "")
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyTransferError(
            "这不是一窗通导出的密钥文件（或文件已损坏）。未改动任何内容。"
        ) from exc
    return data


def unwrap(blob: bytes, passphrase: str) -> tuple[Keys, dict[str, Any]]:
    """The keys in an export file, and its clear header. KeyTransferError when the
    passphrase is wrong or the file was changed (the two cannot be told apart)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = read_header(blob)
    try:
        kdf = data["kdf"]
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if kdf.get("name") != "scrypt" or not (2 <= n <= MAX_SCRYPT_N) or r > 32 or p > 16:
            raise ValueError("kdf")
        salt, nonce, sealed = _unb64(kdf["salt"]), _unb64(data["nonce"]), _unb64(data["sealed"])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyTransferError("密钥文件已损坏（格式不对）。未改动任何内容。") from exc
    header = {k: v for k, v in data.items() if k != "sealed"}
    try:
        secret = AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(
            nonce, sealed, _header_bytes(header)
        )
    except (InvalidTag, ValueError) as exc:
        raise KeyTransferError(
            "口令不对（或密钥文件被改动过），无法解开密钥文件。未改动任何内容；请核对口令后再试。"
        ) from exc
    if len(secret) not in (33, 65):
        raise KeyTransferError("密钥文件已损坏（内容长度不对）。未改动任何内容。")
    audit = secret[33:65] if secret[0] == 1 else None
    return Keys(secret[1:33], audit), header


# ---------------------------------------------------------------- the store


def _store_cases(db_file: Path, key: bytes) -> int | None:
    """The number of cases when ``key`` opens the store file, else None."""
    import contextlib

    from db import cipher

    cipher._quiet_cipher_log()
    try:
        with contextlib.closing(
            cipher.dbapi().connect(f"file:{db_file}?mode=ro", uri=True, timeout=10)
        ) as con:
            con.execute(cipher.pragma_key(key))
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            has = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='cases'"
            ).fetchone()[0]
            return int(con.execute("SELECT count(*) FROM cases").fetchone()[0]) if has else 0
    except cipher.error_class():
        return None


def _head_matches(db_file: Path, keys: Keys) -> bool | None:
    """Does the audit key sign this store's chain head (db/audit.use_audit_key)? None
    when it cannot say: no audit key, or a chain that was never keyed."""
    import contextlib

    from app.core.audit_chain import head_mac
    from db import cipher

    if keys.audit_key is None:
        return None
    try:
        with contextlib.closing(
            cipher.dbapi().connect(f"file:{db_file}?mode=ro", uri=True, timeout=10)
        ) as con:
            con.execute(cipher.pragma_key(keys.store_key))
            head = con.execute(
                "SELECT seq, entry_hash, keyed_from, mac FROM audit_chain WHERE id = 1"
            ).fetchone()
    except cipher.error_class():  # an older store without the keyed head
        return None
    if head is None or head[2] is None or not head[3]:
        return None
    return bool(head_mac(keys.audit_key, int(head[2]), int(head[0]), str(head[1])) == head[3])


def _encrypted_store(db_file: Path) -> None:
    from db import cipher

    if not db_file.is_file() or cipher.is_new(db_file):
        raise KeyTransferError(f"找不到本机数据库 {db_file}。请用 --data-dir 指明数据目录。")
    if cipher.is_plain(db_file):
        raise KeyTransferError(
            f"数据库 {db_file} 没有加密（旧版本的数据库），没有密钥可导出或导入。"
        )


def store_file(url: str) -> Path | None:
    """The store's file, whose key an export carries; None when the store is not a
    local SQLite file (no key to export)."""
    from db.location import sqlite_file

    return sqlite_file(url)


def current_keys(db_file: Path, settings: Settings) -> Keys:
    """This machine's keys, checked to open the store (for an export)."""
    from app.services.audit_key import current_audit_key
    from db import cipher

    _encrypted_store(db_file)
    try:
        key = cipher.store_key(create=False)
    except cipher.StoreKeyError as exc:
        raise KeyTransferError(str(exc)) from exc
    if _store_cases(db_file, key) is None:
        raise KeyTransferError(
            f"本机保管的密钥打不开数据库 {db_file}，导出它没有用。未导出任何内容；请联系县中心技术人员。"
        )
    try:
        audit = current_audit_key(settings)
    except Exception as exc:  # a keyring fails in its own ways; the store key still goes
        log.warning("audit key not read for the export: %s", exc)
        audit = None
    return Keys(key, audit)


def export_keys(
    db_file: Path, settings: Settings, target: Path, passphrase: str, now: datetime
) -> Keys:
    """Write the export file (mode 600, never over an existing file). The passphrase
    is checked by the caller (app/core/privacy.passphrase_problem)."""
    from app.core.privacy import passphrase_problem

    problem = passphrase_problem(passphrase)
    if problem:
        raise KeyTransferError(problem)
    keys = current_keys(db_file, settings)
    blob = wrap(keys, passphrase, centre=str(settings.get("centre_code")),
                workstation=str(settings.get("workstation")), now=now)  # fmt: skip
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyTransferError(f"文件 {target} 已存在，未覆盖。请换一个文件名。") from exc
    except OSError as exc:
        raise KeyTransferError(f"无法写入 {target}（{exc.strerror}）。") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    log.info("store key exported (audit key %s) to %s", "with it" if keys.audit_key else "none",
             target)  # fmt: skip
    return keys


def import_keys(
    folder: Path,
    db_file: Path,
    settings: Settings,
    source: Path,
    passphrase: str,
    now: datetime,
) -> Imported:
    """Put the keys of ``source`` where this machine keeps them, after checking that
    its store key opens ``db_file``; refused while any program uses ``folder``."""
    from app.data_lock import FolderBusy, hold_for_restore

    try:
        blob = source.read_bytes()
    except OSError as exc:
        raise KeyTransferError(f"无法读取密钥文件 {source}（{exc.strerror}）。") from exc
    read_header(blob)
    try:
        lock = hold_for_restore(folder, doing="导入密钥", command="yichuang key import")
    except FolderBusy as exc:
        raise KeyTransferError(str(exc)) from exc
    with lock:
        _encrypted_store(db_file)
        keys, header = unwrap(blob, passphrase)
        cases = _store_cases(db_file, keys.store_key)
        if cases is None:
            where = f"{header.get('centre', '')} {header.get('workstation', '')}".strip()
            raise KeyTransferError(
                f"密钥文件中的密钥打不开本机数据库 {db_file}：它是另一个数据库（{where or '未知工作站'}，"
                f"{header.get('made_at', '')} 导出）的密钥。未改动任何内容；请核对密钥文件。"
            )
        matches = _head_matches(db_file, keys)
        done = _put_keys(keys, settings, cases, now)
        return replace(done, audit_key_matches=matches)


def _kept(path: Path) -> bytes | None:
    from db import cipher

    try:
        return cipher._read_key_file(path)
    except cipher.StoreKeyError:  # unreadable or malformed: replaced (and kept aside)
        return None


def _put_keys(keys: Keys, settings: Settings, cases: int, now: datetime) -> Imported:
    from keyring.errors import KeyringError

    from app.services.audit_key import account_of
    from app.services.credentials import AUDIT_SERVICE
    from db import cipher

    stamp = f"{now:%Y%m%d-%H%M%S}"
    kept: list[str] = []
    named = os.environ.get(cipher.KEY_FILE_ENV, "").strip()
    audit_path = cipher.audit_key_path()
    readonly = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if not named and cipher.key_file() is not None:  # a systemd credential: read-only to us
        raise KeyTransferError(
            f"本机的数据库密钥来自 systemd 凭据 {cipher.SYSTEMD_CREDENTIAL}（只读）。请以"
            f"“{cipher.KEY_FILE_ENV}=凭据源文件路径 yichuang key import 文件”导入到凭据的源文件，"
            "见 docs/encryption.md。未改动任何内容。"
        )
    backend = None
    if not named or (keys.audit_key is not None and audit_path is None):
        backend = cipher.secure_backend()
        if backend is None:
            raise KeyTransferError(cipher._NO_KEYRING)

    def to_file(path: Path, key: bytes) -> str:
        if _kept(path) != key:
            replaced = cipher.replace_key_file(path, key, stamp)
            if replaced is not None:
                kept.append(str(replaced))
        return str(path)

    def to_keyring(service: str, account: str, key: bytes) -> str:
        assert backend is not None
        old = backend.get_password(service, account)
        if old and old != key.hex():
            backend.set_password(service, f"{account}-replaced-{stamp}", old)
            kept.append(f"系统钥匙串 {service}/{account}-replaced-{stamp}")
        backend.set_password(service, account, key.hex())
        return "系统钥匙串"

    try:
        if named:
            store_to = to_file(Path(named), keys.store_key)
        else:
            store_to = to_keyring(cipher.SERVICE, cipher.ACCOUNT, keys.store_key)
        audit_to = ""
        if keys.audit_key is not None:
            if audit_path is None:
                audit_to = to_keyring(AUDIT_SERVICE, account_of(settings), keys.audit_key)
            elif not (readonly and audit_path.parent == Path(readonly)):
                audit_to = to_file(audit_path, keys.audit_key)
    except KeyringError as exc:
        raise KeyTransferError(f"写入系统钥匙串失败（{exc}）。") from exc
    cipher.forget_cached_key()
    log.info("store key imported (%d cases open with it)", cases)
    return Imported(store_to, audit_to, cases, kept)


__all__ = ["Imported", "KeyTransferError", "Keys", "export_keys", "import_keys", "unwrap", "wrap"]
