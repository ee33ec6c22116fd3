"""What a running program stands on: data folder, local store, settings, calendar.

Built once at start-up and passed to windows through their constructors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.clock import Clock, SystemClock, clock_from_env
from app.core.paths import resource
from app.core.search import ItemIndex, Readings, load_readings, readings_with
from app.core.workdays import (
    WorkCalendar,
    shipped_calendar,
    with_stored_years,
)
from app.settings import Settings

# re-exported: windows and commands find the data folder and the store URL here
from db.location import database_url as database_url
from db.location import default_data_dir as default_data_dir

if TYPE_CHECKING:  # SQLAlchemy loads after the window is up (see app/quick_start.py)
    from db.store import LocalStore

log = logging.getLogger("yichuang.app")

DEMO_CATALOG = "catalog/demo-catalog.xlsx"
DEMO_READINGS = "catalog/demo-catalog.readings.json"  # scripts/build_demo_catalog.py


@dataclass
class AppContext:
    data_dir: Path
    store: LocalStore  # an open Store, or a quick start's DeferredStore
    settings: Settings
    calendar: WorkCalendar
    _index: ItemIndex | None = field(default=None, repr=False)
    clock: Clock = field(default_factory=SystemClock)  # the program's one clock

    @property
    def centre(self) -> str:
        return str(self.settings.get("centre_code"))

    @property
    def workstation(self) -> str:
        return str(self.settings.get("workstation"))

    def item_index(self) -> ItemIndex:
        if self._index is None:
            from db.catalog_repo import search_entries

            with self.store.session() as s:
                self._index = ItemIndex(search_entries(s))
        return self._index

    def rebuild_index(self) -> None:
        """Items and bundles (一件事) for the search, with the pinyin stored at import,
        read again on a worker once the store is open (the quick start's index, read
        before it, already has both)."""
        from db.application_repo import bundle_search_entries
        from db.catalog_repo import search_entries

        with self.store.session() as s:
            self._index = ItemIndex([*search_entries(s), *bundle_search_entries(s)])

    def catalogue_changed(self) -> None:
        self._index = None

    def close(self) -> None:
        self.store.close()


def open_context(
    db: str | None = None,
    data_dir: str | None = None,
    *,
    demo: bool = True,
    clock: Clock | None = None,
) -> AppContext:
    """Open (creating if needed) the local store; on an empty store in the embedded
    default, load the demo catalogue so a new workstation is usable at once."""
    from db.store import open_store

    folder = Path(data_dir) if data_dir else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(database_url(db, folder))
    settings = Settings.load(folder / "settings.json")
    use_audit_hash(settings)
    from app.services.audit_key import attach_audit_key

    attach_audit_key(store, settings)
    from db.calendar_repo import stored_years

    with store.session() as s:
        docs = stored_years(s)
    calendar = with_pulled_calendar(shipped_calendar(), docs)
    context = AppContext(folder, store, settings, calendar, clock=clock or clock_from_env())
    if demo and not str(settings.get("central_url")).strip():  # else it comes from the county
        ensure_demo_catalogue(context)
    return context


def use_audit_hash(settings: Settings) -> None:
    """The county's choice of the audit chain's hash, for a chain that begins here."""
    from db.audit import choose_algorithm_for_new_chains

    choose_algorithm_for_new_chains(str(settings.get("audit_hash")))


def with_pulled_calendar(calendar: WorkCalendar, docs: list[tuple[object, str]]) -> WorkCalendar:
    """The shipped calendar with the years pulled from the county (or imported here)
    over it; a year that does not read is reported and the shipped data kept."""

    def report(origin: str, exc: Exception) -> None:
        log.error("stored calendar year unreadable (%s), left out: %s", origin, exc)

    return with_stored_years(calendar, docs, report)


def demo_readings() -> Callable[[str], Readings]:
    """The pinyin of the demo items and bundles, computed when the catalogue was built (any name
    not in the file is computed now)."""
    import json

    try:
        data = json.loads(resource(DEMO_READINGS).read_text(encoding="utf-8"))
        known = load_readings(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("demo readings unreadable, computing them: %s", exc)
        known = {}
    return readings_with(known)


def ensure_demo_catalogue(context: AppContext) -> int:
    """Import the shipped demo catalogue when the store has no items. Returns how many
    items were added."""
    from app.services.catalog_files import read_catalog
    from db.catalog_repo import has_any_item, import_bundles, import_items

    with context.store.session() as s:
        if has_any_item(s):
            return 0
    parsed = read_catalog(resource(DEMO_CATALOG))
    if not parsed.ok:  # a broken build, not a user error
        raise RuntimeError("demo catalogue invalid: " + "; ".join(map(str, parsed.problems)))
    readings_of = demo_readings()
    with context.store.session() as s, s.begin():
        import_items(s, parsed.items, source="demo-catalog.xlsx", readings_of=readings_of)
        import_bundles(s, parsed.bundles, source="demo-catalog.xlsx", readings_of=readings_of)
    context.catalogue_changed()
    log.info("demo catalogue loaded: %d items", len(parsed.items))
    return len(parsed.items)
