"""The central database password, kept in the operating system's keyring and nowhere
else: never in settings.json, never in a log line.

The backend is chosen explicitly (a frozen build cannot find backends through entry
points): Windows Credential Manager on Windows, the macOS Keychain on macOS, the
Secret Service (GNOME Keyring, KWallet) on Linux when one answers. Where none is
available the password is asked for at start-up and kept in memory for that session
only; plaintext files (keyrings.alt) are never used.

Unattended machines without a keyring (a Linux service, no Secret Service) use a
password file the county IT person writes: setting ``central_password_file``, or a
systemd credential named ``yichuang-central`` (``LoadCredential=``). The program only
reads it, refuses it when anyone but the service user could read it, and never
writes the password to a log or a message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

log = logging.getLogger("yichuang.credentials")

SERVICE = "yichuang-central"
# The workstation's audit key (db/audit.use_audit_key) sits beside the sync password
AUDIT_SERVICE = "yichuang-audit"
SYSTEMD_CREDENTIAL = "yichuang-central"  # name under $CREDENTIALS_DIRECTORY


class CredentialFileError(RuntimeError):
    """The password file cannot be used; the message is Chinese and says what to do
    (it never contains the password)."""


def systemd_credential_path() -> Path | None:
    """The systemd credential ``yichuang-central`` when the service was given one."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY", "")
    if not directory:
        return None
    path = Path(directory) / SYSTEMD_CREDENTIAL
    return path if path.exists() else None


def read_password_file(path: Path) -> str:
    """The password from the first line of ``path``: a regular file owned by this
    user that no other user may read, write or run (mode 600 or 400)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise CredentialFileError(
            f"找不到同步密码文件 {path}。请按 docs/sync.md 建立该文件（chmod 600），"
            "或运行 yichuang sync set-up 重新设置。"
        ) from exc
    except OSError as exc:
        raise CredentialFileError(
            f"无法读取同步密码文件 {path}（{exc.strerror}）。"
            "该文件须是属于运行同步的用户的普通文件（不能是链接），权限 600。"
        ) from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CredentialFileError(f"同步密码文件 {path} 不是普通文件，已拒绝使用。")
        if sys.platform != "win32":
            if info.st_uid != os.geteuid():
                raise CredentialFileError(
                    f"同步密码文件 {path} 不属于运行同步的用户（文件属主 uid {info.st_uid}，"
                    f"当前用户 uid {os.geteuid()}），已拒绝使用。请运行：chown 运行同步的用户 {path}"
                )
            if info.st_mode & 0o077:
                raise CredentialFileError(
                    f"同步密码文件 {path} 的权限过宽（{stat.filemode(info.st_mode)}，"
                    f"{oct(info.st_mode & 0o777)}）：只允许运行同步的用户读取，其他用户不得读写，"
                    f"已拒绝使用。请运行：chmod 600 {path}"
                )
        raw = fh.read(4096)
    try:
        password = raw.decode("utf-8").splitlines()[0].strip() if raw.strip() else ""
    except UnicodeDecodeError as exc:
        raise CredentialFileError(f"同步密码文件 {path} 不是 UTF-8 文本，已拒绝使用。") from exc
    if not password:
        raise CredentialFileError(f"同步密码文件 {path} 是空的：请在第一行写入县中心分配的密码。")
    return password


class MemoryKeyring(KeyringBackend):
    """Passwords in this process only: tests, and the session-only fallback."""

    priority = 0

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's __init__ is unannotated
        self._store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._store.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


def _usable(backend_class: Any) -> KeyringBackend | None:
    try:
        backend_class.priority  # noqa: B018  (raises when the backend cannot work here)
        backend: KeyringBackend = backend_class()
        return backend
    except Exception as exc:  # each backend fails in its own way (D-Bus, locked, absent)
        log.info("keyring backend %s not usable: %s", backend_class.__module__, exc)
        return None


def secure_backend() -> KeyringBackend | None:
    """The operating system's keyring, or None when this machine has none."""
    if sys.platform == "win32":
        from keyring.backends import Windows

        return _usable(Windows.WinVaultKeyring)
    if sys.platform == "darwin":
        from keyring.backends import macOS

        return _usable(macOS.Keyring)
    try:
        from keyring.backends import SecretService
    except ImportError:
        return None
    return _usable(SecretService.Keyring)


def account_for(url: str) -> str:
    """The keyring account name of a central URL: user@host/database, no password."""
    from sqlalchemy.engine import make_url

    u = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return f"{u.username}@{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"


class Credentials:
    """Get and keep the central password. ``ask`` is called (with a Chinese prompt)
    when the password is needed and not stored: a dialog in the window, getpass in a
    terminal; it returns None when the person cancels."""

    def __init__(
        self,
        backend: KeyringBackend | None,
        ask: Callable[[str], str | None] | None = None,
    ) -> None:
        self.backend = backend
        self.ask = ask
        self._session = MemoryKeyring()

    @classmethod
    def from_system(cls, ask: Callable[[str], str | None] | None = None) -> Credentials:
        return cls(secure_backend(), ask)

    @property
    def secure(self) -> bool:
        """True when a password given now will still be known after a restart."""
        return self.backend is not None

    def get(self, account: str) -> str | None:
        password = self._session.get_password(SERVICE, account)
        if password is None and self.backend is not None:
            try:
                password = self.backend.get_password(SERVICE, account)
            except KeyringError as exc:
                log.warning("keyring read failed: %s", exc)
        if password is None and self.ask is not None:
            where = "本次运行" if self.backend is None else "系统钥匙串"
            password = self.ask(f"请输入县中心同步账号 {account} 的密码（保存在{where}）")
            if password:
                self.set(account, password)
        return password

    def set(self, account: str, password: str) -> bool:
        """Keep the password; True when it went to the OS keyring, False when it is
        kept for this session only (no secure keyring on this machine)."""
        self._session.set_password(SERVICE, account, password)
        if self.backend is None:
            return False
        try:
            self.backend.set_password(SERVICE, account, password)
        except KeyringError as exc:
            log.warning("keyring write failed: %s", exc)
            return False
        return True

    def forget(self, account: str) -> None:
        for backend in (self._session, self.backend):
            if backend is None:
                continue
            with contextlib.suppress(PasswordDeleteError, KeyringError):
                backend.delete_password(SERVICE, account)

    def audit_key(self, account: str, *, create: bool = True) -> bytes | None:
        """The workstation's audit key (32 bytes, HMAC-SM3 over its audit chain), kept
        in the OS keyring like the sync password; made the first time it is asked for.
        None when this machine has no secure keyring: a key that would not survive a
        restart would make every earlier entry unverifiable, so none is made."""
        if self.backend is None:
            return None
        try:
            stored = self.backend.get_password(AUDIT_SERVICE, account)
        except KeyringError as exc:
            log.warning("keyring read failed (audit key): %s", exc)
            return None
        if stored:
            try:
                key = bytes.fromhex(stored)
            except ValueError:
                key = b""
            if len(key) != 32:
                log.error("the audit key in the keyring is not 32 bytes of hex; not used")
                return None
            return key
        if not create:
            return None
        key = secrets.token_bytes(32)
        try:
            self.backend.set_password(AUDIT_SERVICE, account, key.hex())
        except KeyringError as exc:
            log.warning("keyring write failed (audit key): %s", exc)
            return None
        log.info("audit key made for %s and kept in the keyring", account)
        return key
