"""The counter's documents: which ones a decision needs, built from the stored case,
kept beside the data, sent to the printer chosen for that kind, and logged.

A kept document carries the applicant's name and ID number: it is sealed with
AES-256-GCM under a key derived from the store's key (db/cipher.py), as
``documents/<case>/<kind>.pdf.enc``. The printer gets the PDF's bytes; a preview is
written in clear to a private temporary folder outside the data folder (the viewer
needs a file) and removed at the next preview. Plain PDFs left by an older version
are sealed the first time the service starts (``seal_old_documents``).

No Qt here: the window runs these on its task runner and shows the outcomes.
A printer that is off or out of paper never touches the case: it is saved first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.case_records import CaseDetail, PrintedInfo
from app.core.check import Decision
from app.core.clock import Clock, SystemClock
from app.core.identity import normalise
from app.core.ids import uuid7
from app.core.intake import IdType
from app.core.items import Item, Medium, ServiceType
from app.core.workdays import LimitUnit, estimate_sentence, estimated_years_in
from app.settings import Settings
from db import cipher
from db.case_query import case_detail
from db.catalog_repo import item_version
from db.print_log import PrintLogEntry, decision_of, printed, record_print
from db.store import LocalStore
from printing.dispatch import PrintDispatcher, default_dispatcher
from printing.documents import (
    DocKind,
    RenderResult,
    render_guide,
    render_notice,
    render_promise,
    render_receipt,
    render_refusal,
)
from printing.model import ApplicantInfo, CaseDoc, ReceivedMaterial, notice_line
from printing.outcome import PrintOutcome
from printing.settings import HallSettings

log = logging.getLogger("yichuang.printing")

_KIND_NAMES = {k.value: k for k in DocKind}


def kinds_for(decision: Decision | str, roll_receipt: bool = False) -> tuple[DocKind, ...]:
    """The documents a decision produces at the counter (none for an unknown one)."""
    receipt = DocKind.RECEIPT_ROLL if roll_receipt else DocKind.RECEIPT
    try:
        known = Decision(decision)
    except ValueError:
        return ()
    return {
        Decision.ACCEPT: (receipt,),
        Decision.ACCEPT_DEFERRED: (receipt, DocKind.PROMISE),
        Decision.CORRECTION: (DocKind.NOTICE,),
        Decision.REFUSE: (DocKind.REFUSAL,),
    }[known]


@dataclass(frozen=True, slots=True)
class PrintReport:
    """One document of one case: where its PDF is, and what the printer did."""

    kind: DocKind
    case_no: str
    file: Path
    printer: str  # "" when no printer is set for this kind
    outcome: PrintOutcome | None  # None when not sent (no printer set)
    missing: tuple[str, ...] = ()  # characters printed as markers, with their places

    @property
    def ok(self) -> bool:
        return self.outcome is None or self.outcome.ok

    def text(self) -> str:
        if self.outcome is None:
            return f"{self.kind.value}：未设置打印机，已保存为 {self.file}"
        if self.outcome.ok:
            return f"{self.kind.value}：已发送到打印机 {self.printer}"
        return f"{self.kind.value}：{self.outcome.user_text()}"


def hall_settings(settings: Settings) -> HallSettings:
    template = str(settings.get("qr_template")) or None
    return HallSettings(
        hall_name=str(settings.get("hall_name")),
        address=str(settings.get("hall_address")),
        phone=str(settings.get("hall_phone")),
        supervision_phone=str(settings.get("supervision_phone")),
        qr_template=template,
        review_body=str(settings.get("review_body")),
        court=str(settings.get("court")),
        delivery=str(settings.get("result_delivery")),
        office_hours=str(settings.get("office_hours")),
    )


def _id_type(value: str) -> IdType:
    try:
        return IdType(value)
    except ValueError:
        return IdType.OTHER


def case_doc(session: Session, case_no: str) -> CaseDoc:
    """The case as its documents print it, with the item standard it was taken under."""
    detail = case_detail(session, case_no)
    if detail is None or detail.applicant is None:
        raise LookupError(f"找不到办件 {case_no}")
    found = item_version(session, detail.item_version_id)
    assert found is not None  # a case's item version is never deleted
    return doc_from_detail(detail, found[1])


def doc_from_detail(detail: CaseDetail, item: Item) -> CaseDoc:
    a = detail.applicant
    assert a is not None
    org = a.kind == "单位"
    applicant = ApplicantInfo(
        name=a.name,
        id_type=IdType.RESIDENT_ID if org else _id_type(a.id_type),  # org: its credit code
        id_number="" if org else a.id_no,
        phone=a.phone,
        is_org=org,
        credit_code=a.id_no if org else "",
        legal_rep=a.legal_rep,
        agent_name=a.agent_name,
        agent_id_type=_id_type(a.agent_id_type) if a.agent_id_type else IdType.RESIDENT_ID,
        agent_id_number=a.agent_id_no,
        agent_phone=a.agent_phone,
        address=a.address,
    )
    received = tuple(
        ReceivedMaterial(m.name, Medium(m.medium), m.copies, m.reason)
        for m in detail.materials
        if m.status == "收到"
    )
    lines = tuple(
        notice_line(n.material, n.problem, n.requirement, n.deferrable) for n in detail.notice
    )
    return CaseDoc(
        case_no=detail.case_no,
        item_code=item.code,
        item_name=item.name,
        item_version=item.version,
        department=item.department,
        service_type=ServiceType(item.service_type),
        applicant=applicant,
        clerk_name=detail.clerk_name,
        window_no=detail.window_no,
        accepted_at=detail.accepted_at,
        decision=Decision(detail.decision),
        answers=tuple((ans.question, ans.answer) for ans in detail.answers),
        materials=received,
        notice_lines=lines,
        promised_date=detail.promised_date,
        promised_days=(detail.limit_days if detail.limit_days is not None else item.promised_days)
        if detail.promised_date
        else None,
        promised_unit=LimitUnit(detail.limit_unit),
        promised_note=estimate_sentence(estimated_years_in(detail.calendar_basis))
        if detail.promised_estimated
        else "",
        refusal_reason=detail.reason,
        refusal_basis=detail.legal_basis,
        deferred_supply_date=detail.supply_by,
        standard=item,
    )


def render(kind: DocKind, doc: CaseDoc, hall: HallSettings) -> RenderResult:
    if kind is DocKind.RECEIPT:
        return render_receipt(doc, hall)
    if kind is DocKind.RECEIPT_ROLL:
        return render_receipt(doc, hall, roll=True)
    if kind is DocKind.NOTICE:
        return render_notice(doc, hall)
    if kind is DocKind.PROMISE:
        return render_promise(doc, hall)
    if kind is DocKind.REFUSAL:
        return render_refusal(doc, hall)
    raise ValueError(f"not a case document: {kind}")


class DocumentService:
    def __init__(
        self,
        store: LocalStore,
        settings: Settings,
        data_dir: Path,
        dispatcher: PrintDispatcher | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.settings = settings
        self.folder = data_dir / "documents"
        self._dispatcher = dispatcher
        seal_old_documents(self.folder)

    @property
    def dispatcher(self) -> PrintDispatcher:
        if self._dispatcher is None:
            self._dispatcher = default_dispatcher()
        return self._dispatcher

    def printer_for(self, kind: DocKind) -> str:
        printers = self.settings.get("printers")
        return str(printers.get(kind.value, "") or printers.get("*", ""))

    def kinds_for_case(self, case_no: str) -> tuple[DocKind, ...]:
        with self.store.session() as s:
            decision = decision_of(s, case_no)
        roll = self.settings.get("receipt_format") == "80mm"
        return kinds_for(decision or "", roll)

    def produce(
        self,
        case_no: str,
        kinds: Sequence[DocKind] | None = None,
        *,
        who: str,
        copies: int = 1,
        send: bool = True,
    ) -> list[PrintReport]:
        """Render each document, keep its PDF, send it to its printer (when one is set
        and ``send``), and log every attempt. Never raises for a printer problem."""
        hall = hall_settings(self.settings)
        with self.store.session() as s:
            detail = case_detail(s, case_no)
            if detail is None or detail.applicant is None:
                raise LookupError(f"找不到办件 {case_no}")
            found = item_version(s, detail.item_version_id)
        assert found is not None  # a case's item version is never deleted
        doc, case_id = doc_from_detail(detail, found[1]), detail.case_id
        reports = []
        for kind in kinds or self.kinds_for_case(case_no):
            result = render(kind, doc, hall)
            folder = self.folder / case_no
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{kind.value}.pdf{cipher.SEALED_SUFFIX}"
            cipher.write_sealed(path, result.pdf, sealed_name(self.folder, path))
            printer = self.printer_for(kind)
            outcome = None
            if printer and send:
                outcome = self.dispatcher.print_pdf(
                    result.pdf, printer, copies=copies, title=f"{case_no} {kind.value}"
                )
            missing = tuple(
                f"{m.char}（{m.codepoint}，{'、'.join(m.places)}）" for m in result.missing
            )
            reports.append(PrintReport(kind, case_no, path, printer, outcome, missing))
            entry = PrintLogEntry(
                id=uuid7(),
                case_id=case_id,
                ref=case_no,
                what=kind.value,
                at=self.clock.now(),
                who=who,
                copies=copies,
                printer=printer,
                success=outcome.ok if outcome else False,
                message=outcome.user_text() if outcome else "未设置打印机，已保存为PDF",
                job_id=outcome.job_id if outcome else "",
                file=str(path),
            )
            with self.store.session() as s, s.begin():
                record_print(s, entry)  # with the row that takes it to the county
            log.info("document %s of %s: %s", kind.value, case_no, reports[-1].text())
        return reports

    def preview(self, case_no: str, kinds: Sequence[DocKind] | None = None) -> list[Path]:
        """Render a case's documents for a look on screen: nothing is printed or
        logged; the files, named 预览-…, are in clear in this user's private temporary
        folder (the viewer needs a file), never in the data folder; the previous
        previews are removed first."""
        hall = hall_settings(self.settings)
        with self.store.session() as s:
            doc = case_doc(s, case_no)
        folder = preview_folder() / case_no
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for kind in kinds or self.kinds_for_case(case_no):
            path = folder / f"预览-{kind.value}.pdf"
            render(kind, doc, hall).write(path)
            paths.append(path)
        return paths

    def kept(self, path: Path) -> bytes:
        """The PDF of a kept (sealed) document."""
        return cipher.read_sealed(path, sealed_name(self.folder, path))

    def print_log(self, case_no: str) -> list[PrintedInfo]:
        with self.store.session() as s:
            return printed(s, case_no)

    def guide_pdf(self, version_id: int) -> Path:
        with self.store.session() as s:
            found = item_version(s, version_id)
        if found is None:
            raise LookupError("事项不存在")
        item = found[1]
        result = render_guide(item, hall_settings(self.settings))
        path = self.folder / "guides" / f"{normalise(item.code)}-{item.version}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        result.write(path)
        return path


def sealed_name(folder: Path, path: Path) -> str:
    """What a sealed document is bound to: its place under the documents folder."""
    return path.relative_to(folder).as_posix()


def preview_folder() -> Path:
    """This user's private folder for previews (mode 700), emptied of older ones."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    folder = Path(tempfile.gettempdir()) / f"yichuang-preview-{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(folder, 0o700)
    for old in folder.glob("*/预览-*.pdf"):
        old.unlink(missing_ok=True)
    return folder


SEALED_MARK = ".sealed"  # in the documents folder: the older version's PDFs are sealed


def seal_old_documents(folder: Path) -> int:
    """Seal the plain PDFs an older version kept (and drop its plain previews); once
    per data folder (a mark file says it is done). Returns how many were sealed."""
    mark = folder / SEALED_MARK
    if mark.exists() or not folder.is_dir():
        return 0
    count = 0
    for plain in sorted(folder.glob("*/*.pdf")):
        if plain.name.startswith("预览-"):
            plain.unlink(missing_ok=True)
            continue
        sealed = plain.with_name(plain.name + cipher.SEALED_SUFFIX)
        cipher.write_sealed(sealed, plain.read_bytes(), sealed_name(folder, sealed))
        plain.unlink()
        count += 1
    mark.write_text("documents sealed (db/cipher.py)\n", encoding="utf-8")
    log.info("sealed %d documents kept in clear by an older version", count)
    return count


def document_kind(name: str) -> DocKind:
    return _KIND_NAMES[name]
