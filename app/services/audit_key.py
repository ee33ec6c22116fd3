"""The workstation's audit key put to use: read (or made, the first time) from where
the sync password is kept (app/services/credentials.py) and handed to the store, whose
audit chain is then written and verified with it (db/audit.use_audit_key).

What the key guards against, and what it does not, is in docs/audit.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.services.credentials import Credentials

if TYPE_CHECKING:
    from app.settings import Settings
    from db.store import Store

log = logging.getLogger("yichuang.audit")


def _system() -> Credentials:
    return Credentials.from_system()


# Where the key is looked for (tests put an in-memory keyring here)
CREDENTIALS_FACTORY: Callable[[], Credentials] = _system


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
        log.info("no secure keyring on this machine: the audit chain is not keyed")
        return False
    from db.audit import use_audit_key

    use_audit_key(store, key, mark=writing)
    return True
