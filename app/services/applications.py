"""联办 at the counter, without Qt: save a visit's application (one case per item, one
transaction) and read back the state of all its cases.

The database modules load inside the methods (see app/services/counter.py)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from app.core.application import (
    ApplicationIntake,
    ApplicationState,
    SavedApplication,
    record_application,
)
from app.core.bundles import Bundle
from app.core.clock import Clock
from app.core.errors import StoreError
from app.core.items import Item
from app.core.workdays import WorkCalendar

if TYPE_CHECKING:
    from db.store import LocalStore

log = logging.getLogger("yichuang.applications")


@dataclass(frozen=True, slots=True)
class BundleStart:
    """What the counter needs to open a bundle's intake: the bundle and the current
    version (id, item) of each of its items, in the bundle's (stage) order."""

    version_id: int
    bundle: Bundle
    items: dict[str, tuple[int, Item]]

    @property
    def catalogue(self) -> dict[str, Item]:
        return {code: item for code, (_, item) in self.items.items()}


class ApplicationService:
    def __init__(
        self, store: LocalStore, calendar: WorkCalendar, centre: str, workstation: str, clock: Clock
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.centre = centre
        self.workstation = workstation
        self.clock = clock

    def open_bundle(self, code: str) -> BundleStart:
        """The current version of a bundle with its items. Raises LookupError with a
        message for the clerk when the bundle or one of its items is not current."""
        from db.catalog_repo import bundle_with_items

        with self.store.session() as s:
            found = bundle_with_items(s, code)
        if found is None:
            raise LookupError(f"一件事“{code}”已不在事项目录中，请重新检索")
        vid, bundle, items = found
        missing = [c for c in bundle.item_codes if c not in items]
        if missing:
            raise LookupError(
                f"一件事“{bundle.name}”的事项{'、'.join(missing)}已不在事项目录中，无法联办"
            )
        return BundleStart(vid, bundle, {c: items[c] for c in bundle.item_codes})

    def save(
        self,
        application: ApplicationIntake,
        *,
        draft_key: str | None = None,
        now: datetime | None = None,
    ) -> SavedApplication:
        """One transaction: the application, every case of it, their audit and
        outbox rows, and the draft removed. Raises IntakeRejected (every problem,
        each named by its item) and writes nothing when any item breaks a rule. A
        retry of a visit already saved gives that application, whatever changed."""
        from sqlalchemy.exc import IntegrityError

        from db.application_repo import application_for_intake, bundle_stages, save_application
        from db.draft_repo import delete_draft

        try:
            with self.store.session() as s, s.begin():
                saved = application_for_intake(s, application.intake_id)
                if saved is None:
                    if not application.stages:  # 串联: the bundle version's stages
                        application = replace(
                            application,
                            stages=bundle_stages(
                                s, application.bundle_code, application.bundle_version
                            ),
                        )
                    record = record_application(application, self.calendar, now or self.clock.now())
                    saved = save_application(
                        s, record, centre=self.centre, workstation=self.workstation
                    )
                    if draft_key:
                        delete_draft(s, draft_key)
        except IntegrityError:
            # another save of this very visit (a second process, a retry) won the race
            with self.store.session() as s:
                winner = application_for_intake(s, application.intake_id)
            if winner is None:
                raise
            saved = winner
        if saved.already_saved:
            log.warning("application %s was already saved", application.intake_id)
        else:
            log.info("application saved: %s", " ".join(saved.case_nos))
        return saved

    def state(self, application_id: uuid.UUID) -> ApplicationState | None:
        from sqlalchemy.exc import SQLAlchemyError

        from db.application_repo import application_state

        try:
            with self.store.session() as s:
                return application_state(s, application_id)
        except SQLAlchemyError as exc:
            log.warning("application %s could not be read: %s", application_id, exc)
            raise StoreError(str(getattr(exc, "orig", None) or exc)) from exc

    def state_of_case(self, case_no: str) -> ApplicationState | None:
        """The application a case is one item of (None: a case on its own)."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.application_repo import application_of_case, application_state

        try:
            with self.store.session() as s:
                app_id = application_of_case(s, case_no)
                return application_state(s, app_id) if app_id else None
        except SQLAlchemyError as exc:
            log.warning("application of %s could not be read: %s", case_no, exc)
            raise StoreError(str(getattr(exc, "orig", None) or exc)) from exc
