"""The central database password, kept in the operating system's keyring and nowhere
else: never in settings.json, never in a log line.

The backend is chosen explicitly (a frozen build cannot find backends through entry
points): Windows Credential Manager on Windows, the macOS Keychain on macOS, the
Secret Service (GNOME Keyring, KWallet) on Linux when one answers. Where none is
available the password is asked for at start-up and kept in memory for that session
only; plaintext files (keyrings.alt) are never used.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

log = logging.getLogger("yichuang.credentials")

SERVICE = "yichuang-central"


class MemoryKeyring(KeyringBackend):
    """Passwords in this process only: tests, and the session-only fallback."""

    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
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
