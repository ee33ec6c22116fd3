"""The daily start of a counter, before SQLAlchemy is loaded.

A workstation's ordinary morning start opens a local SQLite file that is already at
the program's schema revision and holds a catalogue and clerk accounts. For that
case the sign-in dialog and the window are built from a few rows read with the
standard library's sqlite3 (the clerk list and the item-search entries), and the ORM
store — SQLAlchemy with the models takes more than half a second to import — opens
on the worker thread as soon as the window is shown. Anything that needs the store
before then simply waits for it on the thread that asked.

Every other case takes the ordinary path through ``open_context``: a new data
folder, a migration due, a damaged file, or a PostgreSQL URL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.context import AppContext, with_pulled_calendar
from app.core.accounts import Clerk
from app.core.clock import clock_from_env
from app.core.search import ItemIndex
from app.core.workdays import shipped_calendar
from app.settings import Settings
from db.location import database_url, default_data_dir, head_by_reading_scripts, sqlite_file
from db.quick_read import read_first_window

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from db.store import Store

log = logging.getLogger("yichuang.app")

# Loaded with the store, off the GUI thread, so that the first save, case list or
# sign-in check after start-up finds them imported.
_WARM_MODULES = (
    "db.case_repo",
    "db.case_query",
    "db.catalog_repo",
    "db.clerk_repo",
    "db.draft_repo",
)


class DeferredStore:
    """The local store, opened on first use by whichever thread asks first; the
    others wait. Offers the part of Store's interface that callers use."""

    def __init__(
        self,
        url: str,
        settings: Settings | None = None,
        on_open: Callable[[Store], None] | None = None,
    ) -> None:
        """``settings``: the audit chain's algorithm for a new chain (audit_hash);
        ``on_open``: run on the store once it is open, before anyone uses it (the
        audit key, app/services/audit_key.py)."""
        self._url = url
        self._settings = settings
        self._on_open = on_open
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._store is not None

    def get(self) -> Store:
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                import importlib

                from db.store import open_store

                opened = open_store(self._url)
                if self._settings is not None:
                    from app.context import use_audit_hash

                    use_audit_hash(self._settings)
                if self._on_open is not None:
                    self._on_open(opened)
                for name in _WARM_MODULES:
                    importlib.import_module(name)
                self._store = opened
            return self._store

    def session(self) -> Session:
        return self.get().session()

    @property
    def engine(self) -> Engine:
        return self.get().engine

    @property
    def url(self) -> str:
        return self.get().url

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()


def open_in_background(store: object) -> None:
    """Open a deferred store on a lane of the shared pool (app/background.py), ahead of
    need (while the clerk types the password); a failure is reported by whoever needs
    the store next."""
    if not isinstance(store, DeferredStore) or store.ready:
        return

    def open_quietly() -> None:
        try:
            store.get()
        except Exception as exc:  # reported again where it matters
            log.warning("opening the local store failed: %s", exc)

    from app.background import Lane

    Lane("store-open").submit(open_quietly)


@dataclass(frozen=True)
class QuickStart:
    context: AppContext
    clerks: list[Clerk]


def quick_context(db: str | None, data_dir: str | None) -> QuickStart | None:
    """The context of an ordinary daily start without loading SQLAlchemy, or None
    when this start needs the ordinary path."""
    folder = Path(data_dir) if data_dir else default_data_dir()
    url = database_url(db, folder)
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    first = read_first_window(path, head_by_reading_scripts())
    if first is None:
        return None
    settings = Settings.load(folder / "settings.json")
    calendar = with_pulled_calendar(shipped_calendar(), first.calendar_docs)

    def keyed(opened: Store) -> None:
        from app.services.audit_key import attach_audit_key

        attach_audit_key(opened, settings)

    store = DeferredStore(url, settings, on_open=keyed)
    context = AppContext(
        folder,
        store,
        settings,
        calendar,
        ItemIndex(first.entries),
        clock=clock_from_env(),
    )
    return QuickStart(context, first.clerks)
