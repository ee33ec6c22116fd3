"""The workstation's sync bookkeeping (table ``sync_state``) and its install id."""

from __future__ import annotations

import hashlib
import sys
import uuid
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.catalog_repo import has_any_item
from db.clerk_repo import has_any_clerk
from db.models import SyncStateRow

INSTALL_ID = "install_id"
MACHINE = "machine"
BATCH_SEQ = "batch_seq"
PULL_XID = "pull_xid"
PULL_SEQ = "pull_seq"
FOLLOW_UP_XID = "follow_up_xid"  # the follow-up feed's cursor (db/sync/follow_ups.py)
FOLLOW_UP_ID = "follow_up_id"
LAST_SUCCESS = "last_success"
LAST_ERROR = "last_error"
LAST_ERROR_AT = "last_error_at"
NOTICE = "notice"
REFUSED_AT = "refused_at"  # when the county last refused a row (held rows wait)


def get(session: Session, key: str, default: str = "") -> str:
    value = session.scalar(select(SyncStateRow.value).where(SyncStateRow.key == key))
    return default if value is None else value


def put(session: Session, key: str, value: str) -> None:
    session.execute(
        text(
            "INSERT INTO sync_state (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"k": key, "v": value},
    )


def has_catalogue_and_clerks(session: Session) -> bool:
    """The store can serve a counter: a catalogue and clerk accounts (a new workstation
    has neither until its first pull)."""
    return has_any_item(session) and has_any_clerk(session)


def lock(session: Session) -> None:
    """Take the local write lock first thing in a transaction, so two processes of one
    workstation (the window and a script) form batches one after the other."""
    put(session, "lock", "1")


def machine_fingerprint() -> str:
    """A short hash of the machine's own id (not secret; tells a copied database)."""
    raw = ""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            raw = Path(path).read_text(encoding="ascii").strip()
            break
        except OSError:
            continue
    if not raw and sys.platform == "win32":
        try:
            import winreg

            with winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography"
            ) as key:
                raw = str(winreg.QueryValueEx(key, "MachineGuid")[0])
        except OSError:
            raw = ""
    if not raw:
        raw = f"node-{uuid.getnode():012x}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def install_id(session: Session) -> str:
    """This installation's id, made on first use. A database carried to another machine
    gets a new id, so the county sees two installs behind one workstation code and
    refuses the second (a cloned disk must be given its own workstation code)."""
    current = get(session, INSTALL_ID)
    machine = machine_fingerprint()
    if current and get(session, MACHINE) == machine:
        return current
    new = str(uuid.uuid4())
    if current:
        put(session, "previous_install_id", current)
        # batches are numbered per install: unsent ones are formed again under the new id
        put(session, BATCH_SEQ, "0")
        session.execute(text("UPDATE sync_outbox SET batch_seq = NULL WHERE sent_at IS NULL"))
    put(session, INSTALL_ID, new)
    put(session, MACHINE, machine)
    return new
