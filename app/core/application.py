"""One visit, several items (联办 / 一件事一次办): the application and its cases.

An application is what one applicant brought to one window in one visit for a bundle
of items. Each item becomes its own case (its own decision, number, department and
deadline: 并联推进); the application ties them together, is saved in one transaction
with them, and tells the applicant when the combined result is ready: when the last of
its cases is done.

Pure domain: no Qt, no SQL. The store (db/application_repo.py) writes an
``ApplicationRecord`` and reads back ``ApplicationCase`` rows; the printing turns the
merged notice lines into one one-time notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from app.core.errors import IntakeRejected
from app.core.intake import AuditNote, CaseRecord, CaseStatus, Intake, record_intake
from app.core.items import material_key
from app.core.lifecycle import IN_PROGRESS, State
from app.core.search import BundleKey as BundleKey  # its home is the search index
from app.core.stages import Gate, StagedCase, gate_of, waits_at_intake
from app.core.workdays import WorkCalendar

# A case id of an application item is derived from the application's own intake id
# and the item code: a retry of the same visit finds the very same case ids.
_CASE_NAMESPACE = uuid.UUID("6f2b0c1e-5a53-4c0e-9d53-0a1e7c4b2d11")


def case_intake_id(application_intake_id: uuid.UUID, item_code: str) -> uuid.UUID:
    """The intake id of one item's case within an application (stable, unique)."""
    return uuid.uuid5(_CASE_NAMESPACE, f"{application_intake_id}/{item_code}")


@dataclass(frozen=True, slots=True)
class ApplicationIntake:
    """Everything the clerk collected for a bundle: one intake per item, each with
    its own decision, and the bundle they were taken under."""

    intake_id: uuid.UUID  # made when the clerk starts the visit: saving twice gives one
    bundle_code: str
    bundle_name: str
    bundle_version: str
    intakes: tuple[Intake, ...]
    # item code → the item's stage in the bundle (串联); an item not listed: stage 1
    stages: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        codes = [i.item.code for i in self.intakes]
        if len(set(codes)) != len(codes):
            raise ValueError("an application holds each item once")

    def with_case_ids(self) -> ApplicationIntake:
        """Each item's intake carries its derived intake id (see ``case_intake_id``)."""
        return replace(
            self,
            intakes=tuple(
                replace(i, intake_id=case_intake_id(self.intake_id, i.item.code))
                for i in self.intakes
            ),
        )


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    """A checked application: its cases' records, ready to be written together."""

    intake_id: uuid.UUID
    bundle_code: str
    bundle_name: str
    bundle_version: str
    accepted_at: datetime
    cases: tuple[CaseRecord, ...]

    @property
    def first(self) -> Intake:
        return self.cases[0].intake


def record_application(
    application: ApplicationIntake, calendar: WorkCalendar, now: datetime
) -> ApplicationRecord:
    """Check every item's intake and decide its case. Raises IntakeRejected with every
    problem of every item (each named by its item) when any breaks a rule: an
    application is saved whole or not at all."""
    if not application.intakes:
        raise IntakeRejected(["联办申请至少包含一个事项"])
    application = application.with_case_ids()
    names = [i.item.name for i in application.intakes]
    detail = {
        "application": {
            "intake_id": str(application.intake_id),
            "bundle_code": application.bundle_code,
            "bundle_name": application.bundle_name,
            "bundle_version": application.bundle_version,
            "items": names,
        }
    }
    problems: list[str] = []
    records: list[CaseRecord] = []
    for intake in application.intakes:
        try:
            records.append(
                record_intake(replace(intake, extra={**intake.extra, **detail}), calendar, now)
            )
        except IntakeRejected as exc:
            problems.extend(f"【{intake.item.name}】{p}" for p in exc.problems)
    if problems:
        raise IntakeRejected(problems)
    return ApplicationRecord(
        application.intake_id,
        application.bundle_code,
        application.bundle_name,
        application.bundle_version,
        now,
        _later_stages_wait(records, application.stages),
    )


_BEGINS = (CaseStatus.ACCEPTED, CaseStatus.ACCEPTED_DEFERRED, CaseStatus.COMPLETED)


def _later_stages_wait(
    records: Sequence[CaseRecord], stages: Mapping[str, int]
) -> tuple[CaseRecord, ...]:
    """串联: a case accepted at the visit whose earlier stages are not all 办结 waits
    (等待前序环节) with no dates: its clock starts when they are (app/core/stages.py)."""

    def stage(r: CaseRecord) -> int:
        return stages.get(r.intake.item.code, 1)

    at_intake = [(stage(r), r.status.value) for r in records]
    result: list[CaseRecord] = []
    for r in records:
        if r.status not in _BEGINS or not waits_at_intake(stage(r), at_intake):
            result.append(r)
            continue
        earlier = [o.intake.item.name for o in records if stage(o) < stage(r)]
        first, *rest = r.audit
        detail = {k: v for k, v in first.detail.items() if k != "promised"}
        detail.update(status=CaseStatus.WAITING_EARLIER.value, waiting_for=earlier)
        # an 即办件 of a later stage is not 办结 on the spot either: it is 受理'd
        action = r.intake.decision.value
        result.append(
            replace(
                r,
                status=CaseStatus.WAITING_EARLIER,
                due=None,
                statutory_date=None,
                completed_at=None,
                audit=(AuditNote(action, detail), *rest),
            )
        )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class SavedApplication:
    id: uuid.UUID
    case_nos: tuple[str, ...]  # in the bundle's order
    already_saved: bool = False  # the visit had been saved before: these are its cases


# ---------------------------------------------------------------- the combined notice


@dataclass(frozen=True, slots=True)
class CaseNotice:
    """One case's notice lines, as the combined notice collects them."""

    item_code: str
    item_name: str
    case_no: str
    decision: str  # 补正 / 容缺受理
    lines: tuple[NoticeEntry, ...]


@dataclass(frozen=True, slots=True)
class NoticeEntry:
    """A stored notice line: ``seq`` is the material's seq in the item standard."""

    seq: int
    material: str
    problem: str
    requirement: str
    deferrable: bool


@dataclass(frozen=True, slots=True)
class MergedNoticeLine:
    """A material wanting in one or more items of the visit: said once, with every
    item that needs it."""

    material: str
    problem: str
    requirement: str
    items: tuple[str, ...]  # item names, in the bundle's order
    cases: tuple[str, ...]  # the case numbers whose notice lists it
    deferrable: bool  # 容缺 in every item that lists it (else it blocks)
    decisions: tuple[str, ...]  # each listing case's decision (补正 / 容缺受理)


def name_identity(item_code: str, seq: int, name: str) -> str:
    """A material's identity by its name alone (``material_key``)."""
    return material_key(name)


def merge_notices(
    notices: Sequence[CaseNotice],
    identity: Callable[[str, int, str], str] = name_identity,
) -> tuple[MergedNoticeLine, ...]:
    """The union of the cases' notice lines with a shared material said once.

    ``identity(item code, material seq, name)`` names a material across items: the
    bundle's identities (app/core/bundles.identities: shared material code, else
    name) when the standards are at hand, the name-based ``material_key`` otherwise.
    Problems and requirements that differ between items are all kept, each once; a
    material is 容缺 only if it is in every item that lists it."""
    order: list[str] = []
    by_key: dict[str, list[tuple[CaseNotice, NoticeEntry]]] = {}
    for notice in notices:
        for line in notice.lines:
            key = identity(notice.item_code, line.seq, line.material)
            if key not in by_key:
                by_key[key] = []
                order.append(key)
            by_key[key].append((notice, line))
    merged: list[MergedNoticeLine] = []
    for key in order:
        entries = by_key[key]
        merged.append(
            MergedNoticeLine(
                material=entries[0][1].material,
                problem="；".join(_unique(line.problem for _, line in entries if line.problem)),
                requirement="；".join(
                    _unique(line.requirement for _, line in entries if line.requirement)
                ),
                items=_unique(n.item_name for n, _ in entries),
                cases=_unique(n.case_no for n, _ in entries),
                deferrable=all(line.deferrable for _, line in entries),
                decisions=tuple(n.decision for n, _ in entries),
            )
        )
    return tuple(merged)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


# ---------------------------------------------------------------- the state of a visit


class Standing(StrEnum):
    """Where one case of an application stands, for the applicant."""

    RUNNING = "办理中"
    WAITING_APPLICANT = "待申请人补正"
    DONE = "已办结"  # the result exists (办结, or already handed out)
    CLOSED = "已终止"  # refused, withdrawn, or the 补正 notice ran out: no result
    CONTINUED = "已补正"  # a later case of the same application carries it on
    # running, but a case of an earlier stage of the bundle (串联: e.g. the business
    # licence before the seal and the tax registration) is not done yet
    WAITING_EARLIER = "待前置事项办结"
    # waiting (等待前序环节), but a case of an earlier stage ended without a grant: the
    # office settles it with the applicant (app/core/stages.py)
    BLOCKED_EARLIER = "前置事项未准予"


_DONE = frozenset({State.COMPLETED, State.DELIVERED})
_CLOSED = frozenset({State.REFUSED, State.WITHDRAWN, State.CORRECTION_EXPIRED})


def standing(status: str) -> Standing:
    try:
        state = State(status)
    except ValueError:
        return Standing.RUNNING  # a status this program does not know yet: not done
    if state in _DONE:
        return Standing.DONE
    if state in _CLOSED:
        return Standing.CLOSED
    if state is State.CORRECTED:
        return Standing.CONTINUED
    if state is State.AWAITING_CORRECTION:
        return Standing.WAITING_APPLICANT
    if state is State.WAITING_EARLIER:
        return Standing.WAITING_EARLIER
    assert state in IN_PROGRESS
    return Standing.RUNNING


@dataclass(frozen=True, slots=True)
class ApplicationCase:
    """One case of an application as its view shows it."""

    case_no: str
    item_code: str
    item_name: str
    department: str
    decision: str
    status: str
    due_date: date | None
    completed_at: datetime | None
    accepted_at: datetime
    stage: int = 1  # the item's stage in the bundle: stages run one after another
    outcome: str = ""  # 办结's outcome (准予 / 不予), "" while not 办结

    @property
    def standing(self) -> Standing:
        return standing(self.status)


@dataclass(frozen=True, slots=True)
class ApplicationState:
    """An application with all its cases, and whether the combined result is ready."""

    id: uuid.UUID
    bundle_name: str
    applicant_name: str
    accepted_at: datetime
    cases: tuple[ApplicationCase, ...]

    @property
    def current(self) -> tuple[ApplicationCase, ...]:
        """The cases that count: one continued by a later case (已补正) is left out."""
        return tuple(c for c in self.cases if c.standing is not Standing.CONTINUED)

    @property
    def open_cases(self) -> tuple[ApplicationCase, ...]:
        return tuple(
            c
            for c in self.current
            if c.standing
            in (Standing.RUNNING, Standing.WAITING_APPLICANT, Standing.WAITING_EARLIER)
        )

    def standing_of(self, case: ApplicationCase) -> Standing:
        """The case's standing within the visit: a running case waits while a case of
        an earlier stage is still open."""
        own = case.standing
        if own is Standing.WAITING_EARLIER:
            if gate_of(_staged(case), map(_staged, self.current)).gate is Gate.BLOCKED:
                return Standing.BLOCKED_EARLIER
            return own
        if own is Standing.RUNNING and any(
            c.stage < case.stage for c in self.open_cases if c is not case
        ):
            return Standing.WAITING_EARLIER
        return own

    @property
    def result_ready(self) -> bool:
        """The combined result is ready when the last case is done: no case still
        running or waiting for the applicant, and at least one with a result."""
        current = self.current
        return not self.open_cases and any(c.standing is Standing.DONE for c in current)

    @property
    def last_due(self) -> date | None:
        """When the combined result is promised: the latest due date of a running case."""
        dues = [c.due_date for c in self.open_cases if c.due_date is not None]
        return max(dues) if dues else None

    def summary(self) -> str:
        """One line in Chinese for the clerk and the applicant."""
        current = self.current
        done = sum(1 for c in current if c.standing is Standing.DONE)
        if self.result_ready:
            return f"全部办结，可一并领取结果（{done}/{len(current)}件有结果）"
        waiting = sum(1 for c in current if c.standing is Standing.WAITING_APPLICANT)
        text = f"办理中：{done}/{len(current)}件已办结"
        if waiting:
            text += f"，{waiting}件待申请人补正"
        earlier = sum(1 for c in current if self.standing_of(c) is Standing.WAITING_EARLIER)
        if earlier:
            text += f"，{earlier}件待前置事项办结"
        blocked = sum(1 for c in current if self.standing_of(c) is Standing.BLOCKED_EARLIER)
        if blocked:
            text += f"，{blocked}件因前置事项未准予待处理"
        if self.last_due is not None:
            text += f"，预计{self.last_due.isoformat()}前全部办结"
        return text


def _staged(case: ApplicationCase) -> StagedCase:
    return StagedCase(
        case.case_no,
        case.item_name,
        case.stage,
        case.status,
        case.outcome,
        case.completed_at.date() if case.completed_at else None,
    )
