"""The workstation's audit key put to use: read (or made, the first time) from where
the store key is kept and handed to the store, whose audit chain is then written and
verified with it (db/audit.use_audit_key). With the store key in the OS keyring, the
audit key is there too, beside the sync password (app/services/credentials.py); on an
unattended machine whose store key is a key file or a systemd credential, the audit
key is a file beside it (db/cipher.audit_key_path).

What the key guards against, and what it does not, is in docs/audit.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.services.credentials import Credentials

if TYPE_CHECKING:
    from app.settings import Settings
    from db.store import Store

log = logging.getLogger("yichuang.audit")


class AuditKeyKeeper(Protocol):
    def audit_key(self, account: str, *, create: bool = True) -> bytes | None: ...


class FileKeeper:
    """The audit key in a file beside the store's key file (one workstation per
    machine: the account is not part of it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def audit_key(self, account: str, *, create: bool = True) -> bytes | None:
        from db.cipher import file_audit_key

        return file_audit_key(self.path, create=create)


def _system() -> AuditKeyKeeper:
    from db.cipher import audit_key_path

    path = audit_key_path()
    if path is not None:
        return FileKeeper(path)
    return Credentials.from_system()


# Where the key is looked for (tests put an in-memory keyring here)
CREDENTIALS_FACTORY: Callable[[], AuditKeyKeeper] = _system


def current_audit_key(settings: Settings) -> bytes | None:
    """This workstation's audit key as kept now, never made (None: none kept)."""
    return CREDENTIALS_FACTORY().audit_key(account_of(settings), create=False)


def account_of(settings: Settings) -> str:
    """The keyring account of this workstation's audit key: centre and workstation."""
    return f"{settings.get('centre_code')}-{settings.get('workstation')}"


def attach_audit_key(store: Store, settings: Settings, *, writing: bool = True) -> bool:
    """Use this workstation's audit key with ``store``; False (logged) when there is no
    secure place to keep one: the chain is then kept unkeyed, as before. Not
    ``writing`` (``audit verify``): an existing key only, and the store is not marked."""
    try:
        key = CREDENTIALS_FACTORY().audit_key(account_of(settings), create=writing)
    except Exception as exc:  # a keyring fails in its own ways; the counter still works
        log.warning("audit key not available: %s", exc)
        return False
    if key is None:
        log.info("no audit key kept on this machine: the audit chain is not keyed")
        return False
    from db.audit import use_audit_key

    use_audit_key(store, key, mark=writing)
    return True
