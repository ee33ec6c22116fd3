"""The counter's services, without Qt: load items, save intakes, find returning
applicants, keep drafts. Windows call these (off the GUI thread where they write).

The database modules are imported inside the methods: the window is built before
SQLAlchemy is loaded (see app/quick_start.py), and every method first takes a session,
which waits until the store is open, so the imports below are then free."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from app.core.check import MaterialOutcome, Status
from app.core.clock import Clock
from app.core.intake import (
    Applicant,
    ApplicantKind,
    EarlierMaterial,
    Intake,
    not_on_earlier_notice,
    prefill_from_earlier,
    record_intake,
)
from app.core.items import Item, material_key
from app.core.workdays import WorkCalendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.case_records import CaseDetail, ReturningCase, SavedCase, UnprintedCase
    from db.store import LocalStore

log = logging.getLogger("yichuang.counter")


@dataclass(frozen=True, slots=True)
class ReturningStart:
    """Everything to open the checklist of a returning applicant."""

    case_no: str
    item_version_id: int
    item: Item
    answers: Mapping[str, str]
    applicant: Applicant
    outcomes: Mapping[int, MaterialOutcome]
    notice_keys: frozenset[str]
    notice: tuple[str, ...] = field(default=())


class CounterService:
    def __init__(
        self, store: LocalStore, calendar: WorkCalendar, centre: str, workstation: str, clock: Clock
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.clock = clock
        self.centre = centre
        self.workstation = workstation

    # ------------------------------------------------------------ items

    def load_item(self, version_id: int) -> tuple[int, Item] | None:
        with self.store.session() as s:
            from db.catalog_repo import item_version

            return item_version(s, version_id)

    # ------------------------------------------------------------ saving

    def save_intake(
        self,
        intake: Intake,
        *,
        draft_key: str | None = None,
        notice_keys: frozenset[str] | None = None,
        now: datetime | None = None,
    ) -> SavedCase:
        """One transaction: case, applicant, answers, outcomes, notice, audit, and the
        draft removed. A returning applicant's materials not on the earlier notice are
        recorded as a broken one-time-notice promise."""
        if notice_keys is not None:
            missed = not_on_earlier_notice(intake.check(), set(notice_keys))
            if missed:
                intake = replace(intake, extra={**intake.extra, "not_on_previous_notice": missed})
        from sqlalchemy.exc import IntegrityError

        from db.case_repo import case_for_intake, save_case
        from db.draft_repo import delete_draft

        try:
            with self.store.session() as s, s.begin():
                # a retry of an intake already saved gives its case, whatever changed since
                saved = case_for_intake(s, intake.intake_id) if intake.intake_id else None
                if saved is None:
                    record = record_intake(intake, self.calendar, now or self.clock.now())
                    saved = save_case(s, record, centre=self.centre, workstation=self.workstation)
                    if intake.previous_case_no:
                        self._continue_visit(s, saved.case_no, record.accepted_at)
                    if draft_key:
                        delete_draft(s, draft_key)
        except IntegrityError:
            if intake.intake_id is None:
                raise
            # another save of this very intake (a second process, a retry) won the race
            with self.store.session() as s:
                winner = case_for_intake(s, intake.intake_id)
            if winner is None:
                raise
            saved = winner
        if saved.already_saved:
            log.warning("intake %s was already saved as %s", intake.intake_id, saved.case_no)
        else:
            log.info("case saved: %s %s", saved.case_no, saved.status)
        return saved

    def _continue_visit(self, session: Session, case_no: str, now: datetime) -> None:
        """A returning applicant's case continues its visit (联办): when it is 办结 at
        the counter (a 即办 item), the visit's later stages may begin now, as after any
        other 办结 of a case of a visit (db/application_repo.release_waiting)."""
        from db.application_repo import continue_visit

        continue_visit(session, case_no, self.calendar, now)

    def unprinted(self, day: date) -> list[UnprintedCase]:
        """This workstation's cases of ``day`` whose documents never came out."""
        with self.store.session() as s:
            from db.case_repo import unprinted_cases

            return unprinted_cases(s, day, self.workstation)

    # ------------------------------------------------------------ returning applicants

    def find_returning(self, query: str, limit: int = 50) -> list[ReturningCase]:
        """补正 cases matching a case number (typed or scanned), ID number or name."""
        text = query.strip()
        if not text:
            return []
        from db.case_query import returning_candidates

        with self.store.session() as s:
            return returning_candidates(s, text, limit)

    def returning_start(self, case_no: str) -> ReturningStart | None:
        from db.case_query import case_detail
        from db.catalog_repo import item_version

        with self.store.session() as s:
            detail = case_detail(s, case_no)
            found = item_version(s, detail.item_version_id) if detail else None
        if detail is None or found is None or detail.applicant is None:
            return None
        return returning_start(detail, *found)

    # ------------------------------------------------------------ drafts

    def save_draft(self, key: str, state: dict[str, Any]) -> None:
        with self.store.session() as s, s.begin():
            from db.draft_repo import save_draft

            save_draft(s, key, state, self.clock.now())

    def load_draft(self, key: str) -> tuple[datetime, dict[str, Any]] | None:
        with self.store.session() as s:
            from db.draft_repo import load_draft

            return load_draft(s, key)

    def discard_draft(self, key: str) -> None:
        with self.store.session() as s, s.begin():
            from db.draft_repo import delete_draft

            delete_draft(s, key)


def returning_start(detail: CaseDetail, version_id: int, item: Item) -> ReturningStart:
    """The checklist of a returning applicant: the earlier case's situation and
    applicant, and what was received then carried over (app.core.intake)."""
    notice_keys = frozenset(material_key(n.material) for n in detail.notice)
    earlier = [
        EarlierMaterial(m.seq, material_key(m.name), m.status, m.copies) for m in detail.materials
    ]
    a = detail.applicant
    assert a is not None
    applicant = Applicant(
        kind=ApplicantKind(a.kind), name=a.name, id_type=a.id_type, id_no=a.id_no,
        phone=a.phone, address=a.address, legal_rep=a.legal_rep, agent_name=a.agent_name,
        agent_id_type=a.agent_id_type or Applicant().agent_id_type, agent_id_no=a.agent_id_no,
        agent_phone=a.agent_phone,
    )  # fmt: skip
    return ReturningStart(
        case_no=detail.case_no,
        item_version_id=version_id,
        item=item,
        answers={ans.code: ans.answer for ans in detail.answers},
        applicant=applicant,
        outcomes=prefill_from_earlier(item, earlier, set(notice_keys)),
        notice_keys=notice_keys,
        notice=tuple(n.material for n in detail.notice),
    )


def outcome_to_json(outcome: MaterialOutcome) -> list[object]:
    return [outcome.status.value, outcome.copies, outcome.reason]


def outcome_from_json(value: Any) -> MaterialOutcome:
    status, copies, reason = value
    return MaterialOutcome(Status(status), int(copies), str(reason))
