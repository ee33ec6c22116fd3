"""The local SQLite files encrypted at rest: SQLCipher 4 (AES-256 pages with an
HMAC-SHA512 on each page) through the ``sqlcipher3`` wheel, which bundles SQLCipher
and its crypto (manylinux x86_64 and aarch64, win_amd64; see docs/encryption.md).

The key is 256 random bits, given to SQLCipher as a raw key (``x'…'``: no PBKDF2 at
each connection, which would cost a tenth of a second per open). It lives outside the
data folder (``store_key``): the OS keyring, or for an unattended machine a key file
the county IT person places (``YICHUANG_STORE_KEY_FILE`` or the systemd credential
``yichuang-store``). Nothing here writes the key to a log or a message.

A plain store of an older version is converted in place (``ensure_encrypted``): the
WAL is folded into the file, an encrypted copy is written beside it with
``sqlcipher_export``, checked, flushed and renamed over the plain file in one step.
A kill at any moment leaves either the plain file (done again at the next start) or
the encrypted one, never half of one (tests/db/test_cipher_convert.py kills it).

Standard library only at import (the quick start reads through here before
SQLAlchemy is loaded); ``sqlcipher3`` and ``keyring`` load on first use.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import StoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger("yichuang.db")

KEY_FILE_ENV = "YICHUANG_STORE_KEY_FILE"
SYSTEMD_CREDENTIAL = "yichuang-store"
SERVICE = "yichuang-store"
ACCOUNT = "local-store"
PLAIN_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32

_lock = threading.Lock()
_cached: bytes | None = None
_backend_override: list[KeyringBackend | None] = []  # tests: use_backend()


class StoreKeyError(StoreError):
    """The store's key is missing, unreadable or wrong; the message is Chinese and
    says what to do. Nothing was changed."""


# ---------------------------------------------------------------- the key


def use_backend(backend: KeyringBackend | None) -> None:
    """Tests and embedding: the keyring to use instead of the operating system's
    (None: no keyring). Forgets any key already read."""
    global _cached
    with _lock:
        _backend_override[:] = [backend]
        _cached = None


def forget_cached_key() -> None:
    global _cached
    with _lock:
        _cached = None


@contextlib.contextmanager
def ephemeral_key() -> Iterator[None]:
    """A throwaway key for this process while inside (the installation's self-check
    makes a temporary store: it must not need, nor touch, the machine's key)."""
    global _cached
    with _lock:
        before, _cached = _cached, secrets.token_bytes(KEY_BYTES)
    try:
        yield
    finally:
        with _lock:
            _cached = before


def key_file() -> Path | None:
    """The key file named by the environment or the systemd credential, if any."""
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    if named:
        return Path(named)
    directory = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if directory and (Path(directory) / SYSTEMD_CREDENTIAL).exists():
        return Path(directory) / SYSTEMD_CREDENTIAL
    return None


def _parse(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreKeyError(
            f"{where}中的数据库密钥格式不对（应为 64 位十六进制数）。数据库未改动；"
            "请联系县中心技术人员恢复原密钥。"
        )
    return key


def _read_key_file(path: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreKeyError(
            f"无法读取数据库密钥文件 {path}（{exc.strerror}）。数据库未改动。"
        ) from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise StoreKeyError(f"数据库密钥文件 {path} 不是普通文件，已拒绝使用。数据库未改动。")
        if sys.platform != "win32" and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            raise StoreKeyError(
                f"数据库密钥文件 {path} 须属于运行本程序的用户且权限为 600（现为 "
                f"{oct(info.st_mode & 0o777)}），已拒绝使用。数据库未改动；请运行 chmod 600 {path}"
            )
        raw = fh.read(4096)
    return _parse(raw.decode("ascii", "replace"), f"密钥文件 {path} ")


def _write_key_file(path: Path, key: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _create_key_file(path: Path, key: bytes) -> None:
    """A new key file with its whole content, or FileExistsError: written beside it
    first and linked into place, so a program starting at the same moment never reads
    it empty (it finds either no file or the whole key)."""
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.unlink(missing_ok=True)
    _write_key_file(tmp, key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT): created in place, as before
        _write_key_file(path, key)
    finally:
        tmp.unlink(missing_ok=True)


def secure_backend() -> KeyringBackend | None:
    """The operating system's keyring (as app/services/credentials.py chooses it for
    the sync password), or None when this machine has none."""
    if _backend_override:
        return _backend_override[0]

    def usable(backend_class: Any) -> KeyringBackend | None:
        try:
            backend_class.priority  # noqa: B018  (raises when it cannot work here)
            made: KeyringBackend = backend_class()
            return made
        except Exception as exc:  # each backend fails in its own way
            log.info("keyring backend %s not usable: %s", backend_class.__module__, exc)
            return None

    if sys.platform == "win32":
        from keyring.backends import Windows

        return usable(Windows.WinVaultKeyring)
    if sys.platform == "darwin":
        from keyring.backends import macOS

        return usable(macOS.Keyring)
    try:
        from keyring.backends import SecretService
    except ImportError:
        return None
    return usable(SecretService.Keyring)


_NO_KEYRING = (
    "本机没有可用的系统钥匙串（Windows 凭据管理器 / Secret Service），无法保管数据库密钥。"
    f"无人值守的机器请由县中心技术人员设置环境变量 {KEY_FILE_ENV} 指向数据目录以外的密钥文件"
    f"（或 systemd 凭据 {SYSTEMD_CREDENTIAL}），见 docs/encryption.md。数据库未改动。"
)


def store_key(*, create: bool) -> bytes:
    """The key of this machine's local stores. ``create``: make one (256 random bits)
    when none is kept yet — only for a new or still plain store; an encrypted store
    without its key is refused (a new key would not open it)."""
    global _cached
    with _lock:
        if _cached is not None:
            return _cached
        path = key_file()
        if path is not None:
            key = _read_key_file(path)
            if key is None and create:
                key = secrets.token_bytes(KEY_BYTES)
                try:
                    _create_key_file(path, key)
                except FileExistsError:  # another process made it meanwhile
                    key = _read_key_file(path)
                except OSError as exc:
                    raise StoreKeyError(
                        f"无法写入数据库密钥文件 {path}（{exc.strerror}）。数据库未改动。"
                    ) from exc
                log.info("store key created in the key file")
            if key is None:
                raise StoreKeyError(
                    f"数据库已加密，但密钥文件 {path} 不存在。数据库未改动；"
                    "请放回原密钥文件（或联系县中心技术人员）。"
                )
            _cached = key
            return key
        from keyring.errors import KeyringError

        backend = secure_backend()
        if backend is None:
            raise StoreKeyError(_NO_KEYRING)
        try:
            text = backend.get_password(SERVICE, ACCOUNT)
            if text is None and create:
                with _creation_turn():  # two programs starting at once make one key
                    text = backend.get_password(SERVICE, ACCOUNT)
                    if text is None:
                        backend.set_password(SERVICE, ACCOUNT, secrets.token_bytes(KEY_BYTES).hex())
                        text = backend.get_password(SERVICE, ACCOUNT)
                        log.info("store key created in the system keyring")
        except KeyringError as exc:
            raise StoreKeyError(f"读取系统钥匙串失败（{exc}）。数据库未改动。") from exc
        if text is None:
            raise StoreKeyError(
                "数据库已加密，但本机的系统钥匙串中没有它的密钥（可能换了 Windows 账户或重装了系统）。"
                "数据库未改动；请用原账户登录，或联系县中心技术人员从备份恢复。"
            )
        _cached = _parse(text, "系统钥匙串")
        return _cached


@contextlib.contextmanager
def _creation_turn() -> Iterator[None]:
    """An OS file lock (this user's, in the temporary folder) around making the key:
    the window and the kiosk started together on a new machine must not each make
    one (the second would overwrite the first in the keyring, and the file made with
    the first would never open again)."""
    import tempfile

    from db.queue.writer_lock import WriterTurn

    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    turn = WriterTurn(str(Path(tempfile.gettempdir()) / f"yichuang-store-key-{user}"))
    try:
        with turn.turn():
            yield
    finally:
        turn.close()


# ---------------------------------------------------------------- the audit key beside it

AUDIT_CREDENTIAL = "yichuang-audit"
AUDIT_SUFFIX = ".audit"
AUDIT_KEY_FILE_ENV = "YICHUANG_AUDIT_KEY_FILE"  # another place for it than beside the key


def audit_key_path() -> Path | None:
    """Where the workstation's audit key (db/audit.use_audit_key) is kept on a machine
    whose store key is in a key file: beside it (``<key file>.audit``, made the first
    time), or the systemd credential ``yichuang-audit`` (placed by the county IT
    person, as the store's credential is). None: the store key is in the keyring, and
    the audit key with it (app/services/credentials.py). ``YICHUANG_AUDIT_KEY_FILE``
    names another place (the tests give each test its own)."""
    own = os.environ.get(AUDIT_KEY_FILE_ENV, "").strip()
    if own:
        return Path(own)
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    if named:
        path = Path(named)
        return path.with_name(path.name + AUDIT_SUFFIX)
    directory = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if directory and (Path(directory) / SYSTEMD_CREDENTIAL).exists():
        return Path(directory) / AUDIT_CREDENTIAL
    return None


def file_audit_key(path: Path, *, create: bool) -> bytes | None:
    """The audit key in ``path`` (checked as the store key file is: a regular file of
    this user, mode 600, no link); made there (256 random bits) when it does not exist
    and ``create``. None when there is none and none may be made."""
    key = _read_key_file(path)
    credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if credentials and path.parent == Path(credentials):
        return key  # a systemd credential is placed by the IT person, never made here
    if key is not None or not create:
        return key
    made = secrets.token_bytes(KEY_BYTES)
    try:
        _create_key_file(path, made)
    except FileExistsError:  # another program made it meanwhile
        return _read_key_file(path)
    except OSError as exc:
        raise StoreKeyError(f"无法写入审计密钥文件 {path}（{exc.strerror}）。") from exc
    log.info("audit key created beside the store key file")
    return made


def replace_key_file(path: Path, key: bytes, stamp: str) -> Path | None:
    """``key`` written to ``path`` (mode 600, flushed, renamed into place); a file
    already there is kept as ``<path>.replaced-<stamp>`` (returned). For the key
    import (app/services/store_keys.py): nothing is ever lost by it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".importing")
    tmp.unlink(missing_ok=True)
    _write_key_file(tmp, key)
    kept = None
    if path.exists():
        kept = path.with_name(f"{path.name}.replaced-{stamp}")
        os.replace(path, kept)  # (a kill here leaves both keys on disk: the new in .importing)
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return kept


# ---------------------------------------------------------------- files


def is_plain(path: Path) -> bool:
    """True for an unencrypted SQLite file (its header is readable text)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == PLAIN_HEADER
    except OSError:
        return False


def is_new(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def pragma_key(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def dbapi() -> Any:
    import sqlcipher3.dbapi2

    return sqlcipher3.dbapi2


def connect(path: Path | str, *, read_only: bool = False, timeout: float = 5.0) -> Any:
    """A DB-API connection to an encrypted store file (the key set first). A wrong
    key shows at the first read (``check``)."""
    key = store_key(create=False)
    target = f"file:{Path(path)}?mode=ro" if read_only else str(path)
    con = dbapi().connect(target, uri=read_only, timeout=timeout)
    con.execute(pragma_key(key))
    return con


def check(con: Any, path: Path | str) -> None:
    """Read the schema once: a wrong key fails here, with the Chinese message."""
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi().DatabaseError as exc:
        if "not a database" in str(exc):
            raise StoreKeyError(
                f"数据库 {path} 无法用本机保管的密钥解开（密钥不对，或文件已损坏）。数据库未改动；"
                "请确认使用的是原来的 Windows 账户 / 密钥文件，或联系县中心技术人员。"
            ) from exc
        raise


def ensure_encrypted(path: Path) -> None:
    """Make ``path`` ready to open encrypted: a new file needs the key made, a plain
    file of an older version is converted in place, an encrypted one needs its key
    (a wrong key raises StoreKeyError; nothing is touched)."""
    _quiet_cipher_log()
    leftover = path.with_name(path.name + ".encrypting")
    if is_new(path):
        store_key(create=True)
        return
    if not is_plain(path):
        store_key(create=False)
        with contextlib.closing(connect(path)) as con:
            check(con, path)
        for stale in (leftover, Path(f"{leftover}-journal")):
            stale.unlink(missing_ok=True)
        return
    convert(path, store_key(create=True))


def _quiet_cipher_log() -> None:
    """SQLCipher writes a line to stderr for every page it cannot decrypt."""
    with contextlib.suppress(Exception):
        c = dbapi().connect(":memory:")
        c.execute("PRAGMA cipher_log_level = NONE")
        c.close()


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con: Any, schema: str) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: con.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}


def convert(path: Path, key: bytes, *, _pause: Any = None) -> None:
    """Convert a plain store in place (see the module text). ``_pause(step)`` is
    called between the steps (tests kill the process there)."""

    def pause(step: str) -> None:
        if _pause is not None:
            _pause(step)

    tmp = path.with_name(path.name + ".encrypting")
    for stale in (tmp, Path(f"{tmp}-journal")):
        stale.unlink(missing_ok=True)
    log.info("encrypting the plain store %s in place", path)
    mod = dbapi()
    try:
        con = mod.connect(str(path), timeout=10)
        try:
            # fold the WAL into the file and leave no WAL behind (a plain WAL beside
            # the encrypted file would be read as its pages)
            mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise StoreError(
                    f"数据库 {path} 正被其他程序使用，无法加密。请关闭所有一窗通窗口（含叫号、"
                    "取号机）后再启动。数据库未改动。"
                )
            pause("folded")
            version = con.execute("PRAGMA user_version").fetchone()[0]
            con.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(tmp), f"x'{key.hex()}'"))
            con.execute("SELECT sqlcipher_export('encrypted')")
            con.execute(f"PRAGMA encrypted.user_version = {int(version)}")
            pause("exported")
            if _tables(con, "main") != _tables(con, "encrypted"):
                raise StoreError(f"数据库 {path} 加密后的行数与原文件不符，已放弃加密，原文件未改动。")
            con.execute("DETACH DATABASE encrypted")
        finally:
            con.close()
        with contextlib.closing(mod.connect(str(tmp))) as enc:
            enc.execute(pragma_key(key))
            ok = enc.execute("PRAGMA quick_check").fetchone()[0]
            if ok != "ok":
                raise StoreError(f"数据库 {path} 加密后的副本校验失败（{ok}），原文件未改动。")
            enc.execute("PRAGMA journal_mode=WAL")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        pause("checked")
        for stale in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if stale.exists() and stale.stat().st_size and stale.name.endswith("journal"):
                raise StoreError(f"数据库 {path} 有未完成的事务日志，无法加密。数据库未改动。")
            stale.unlink(missing_ok=True)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        pause("replaced")
    except mod.Error as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"加密数据库 {path} 失败：{exc}。原文件未改动。") from exc
    log.info("store %s encrypted", path)


def open_file(path: Path | str, *, read_only: bool = False, timeout: float = 5.0) -> Any:
    """A connection to a store file as it is: keyed when encrypted, plain when it is a
    plain file (a backup made by an older version, read to be restored)."""
    if is_plain(Path(path)):
        target = f"file:{Path(path)}?mode=ro" if read_only else str(path)
        return dbapi().connect(target, uri=read_only, timeout=timeout)
    con = connect(path, read_only=read_only, timeout=timeout)
    check(con, path)
    return con


def error_class() -> type[Exception]:
    """sqlcipher3's base error (its own, not sqlite3.Error)."""
    err: type[Exception] = dbapi().Error
    return err


# ---------------------------------------------------------------- kept documents

SEALED_MAGIC = b"YCSEAL1\x00"  # then a 12-byte nonce, then AES-256-GCM ciphertext + tag
SEALED_SUFFIX = ".enc"
_DOC_INFO = b"yichuang kept documents v1"


def _document_key() -> bytes:
    """A key of its own for the documents, derived from the store key (HKDF-SHA256):
    the store key itself is never used twice."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=_DOC_INFO).derive(
        store_key(create=True)
    )


def seal(data: bytes, name: str) -> bytes:
    """``data`` encrypted and authenticated; ``name`` (the file's place under the
    documents folder) is bound to it, so a file moved to another case does not open."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return SEALED_MAGIC + nonce + AESGCM(_document_key()).encrypt(nonce, data, name.encode())


def unseal(blob: bytes, name: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not blob.startswith(SEALED_MAGIC) or len(blob) < len(SEALED_MAGIC) + 12 + 16:
        raise StoreKeyError(f"文书文件 {name} 不是一窗通加密保存的文件。")
    nonce = blob[len(SEALED_MAGIC) : len(SEALED_MAGIC) + 12]
    try:
        return AESGCM(_document_key()).decrypt(nonce, blob[len(SEALED_MAGIC) + 12 :], name.encode())
    except InvalidTag as exc:
        raise StoreKeyError(
            f"文书文件 {name} 无法用本机保管的密钥解开（密钥不对，或文件被改动）。"
        ) from exc


def write_sealed(path: Path, data: bytes, name: str) -> None:
    """The sealed document written beside ``path`` first and renamed into place."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(seal(data, name))
    os.replace(tmp, path)


def read_sealed(path: Path, name: str) -> bytes:
    return unseal(path.read_bytes(), name)
