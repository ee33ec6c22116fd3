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
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.application import CaseNotice, NoticeEntry, merge_notices
from app.core.bundles import identities
from app.core.case_records import CaseDetail, PrintedInfo
from app.core.check import Decision
from app.core.clock import Clock, SystemClock
from app.core.identity import normalise
from app.core.ids import uuid7
from app.core.intake import IdType
from app.core.items import Item, Material, Medium, ServiceType
from app.core.lifecycle import State
from app.core.workdays import LimitUnit, estimate_sentence, estimated_years_in
from app.settings import Settings
from db import cipher
from db.application_repo import application_case_ids
from db.case_query import case_detail
from db.catalog_repo import item_version
from db.print_log import PrintLogEntry, decision_of, printed, record_print
from db.store import LocalStore
from printing.application_docs import (
    ApplicationDoc,
    ApplicationNoticeLine,
    render_application_notice,
    render_application_receipt,
    render_application_receipt_roll,
)
from printing.dispatch import PrintDispatcher, default_dispatcher
from printing.documents import (
    DocKind,
    PageImage,
    RenderResult,
    render_guide,
    render_notice,
    render_pages,
    render_promise,
    render_receipt,
    render_refusal,
)
from printing.model import ApplicantInfo, CaseDoc, ReceivedMaterial, notice_line
from printing.outcome import PrintOutcome
from printing.settings import HallSettings

log = logging.getLogger("yichuang.printing")

_KIND_NAMES = {k.value: k for k in DocKind}
_LIKE = {
    DocKind.APPLICATION_RECEIPT: DocKind.RECEIPT,
    DocKind.APPLICATION_RECEIPT_ROLL: DocKind.RECEIPT_ROLL,
    DocKind.APPLICATION_NOTICE: DocKind.NOTICE,
}
_APPLICATION_RECEIPTS = {
    DocKind.APPLICATION_RECEIPT: render_application_receipt,
    DocKind.APPLICATION_RECEIPT_ROLL: render_application_receipt_roll,
}


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


def application_reprint_kind(name: str, roll_receipt: bool) -> DocKind | None:
    """The visit's combined document a 补打 of ``name`` (as the print log names it)
    gives: its receipt in the hall's format, like a single case's 受理回执; None for a
    name that is not a combined document."""
    if name == DocKind.APPLICATION_RECEIPT_ROLL.value:
        return DocKind.APPLICATION_RECEIPT_ROLL if roll_receipt else DocKind.APPLICATION_RECEIPT
    if name in (DocKind.APPLICATION_RECEIPT.value, DocKind.APPLICATION_NOTICE.value):
        return DocKind(name)
    return None


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
        if detail.promised_date or detail.status == State.WAITING_EARLIER.value
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


def with_signature(session: Session, doc: CaseDoc, store_url: str) -> CaseDoc:
    """The case's document data with the applicant's signature (taken on the pad or
    the screen with the intake, db/page_repo.py), when there is one."""
    from app.core.pages import SIGNATURE_SEQ
    from db.page_repo import PageFileError, PageFiles, pages_folder, pages_of_case

    for record in pages_of_case(session, doc.case_no):
        if record.material_seq == SIGNATURE_SEQ:
            try:
                png = PageFiles(pages_folder(store_url)).read(record.sha256)
            except PageFileError as exc:
                log.error("signature of %s not printed: %s", doc.case_no, exc)
                return doc
            return replace(doc, applicant_signature=png)
    return doc


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
        """The printer set for the kind; a combined 联办 document goes where its
        single-case kind goes unless it has a printer of its own."""
        printers = self.settings.get("printers")
        like = _LIKE.get(kind)
        return str(
            printers.get(kind.value, "")
            or (printers.get(like.value, "") if like else "")
            or printers.get("*", "")
        )

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
            doc = with_signature(s, doc_from_detail(detail, found[1]), self.store.url)
        case_id = detail.case_id
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
            doc = with_signature(s, case_doc(s, case_no), self.store.url)
        folder = preview_folder() / case_no
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for kind in kinds or self.kinds_for_case(case_no):
            path = folder / f"预览-{kind.value}.pdf"
            render(kind, doc, hall).write(path)
            paths.append(path)
        return paths

    # ------------------------------------------------------------ 联办

    def application_doc(self, application_id: uuid.UUID) -> ApplicationDoc:
        """The visit as its combined documents print it, from the stored cases."""
        with self.store.session() as s:
            return application_doc(s, application_id)

    def produce_application(
        self,
        application_id: uuid.UUID,
        *,
        who: str,
        copies: int = 1,
        send: bool = True,
        kinds: Sequence[DocKind] | None = None,
    ) -> list[PrintReport]:
        """The visit's documents: one combined 受理通知书 (any item accepted; on the 80 mm
        roll, 联办受理回执, when the hall's receipts are 80 mm), one combined 一次性告知书
        (anything wanting; A4 either way: it is long), and each case's own 容缺受理承诺书
        or 不予受理通知书. ``kinds`` (a reprint) picks some of them, the receipt in
        either format. Each print is logged with every case it covers."""
        hall = hall_settings(self.settings)
        doc = self.application_doc(application_id)
        jobs: list[tuple[DocKind, Callable[[], RenderResult], tuple[CaseDoc, ...], str]] = []
        folder = f"联办-{doc.reference}"
        if doc.accepted:
            roll = self.settings.get("receipt_format") == "80mm"
            receipts = [DocKind.APPLICATION_RECEIPT_ROLL if roll else DocKind.APPLICATION_RECEIPT]
            if kinds is not None:
                receipts = [k for k in kinds if k in _APPLICATION_RECEIPTS]
            for kind in receipts:
                jobs.append((kind, partial(_APPLICATION_RECEIPTS[kind], doc, hall),
                             doc.accepted, folder))  # fmt: skip
        if doc.notice:
            covered = doc.with_notice
            jobs.append((DocKind.APPLICATION_NOTICE, partial(render_application_notice, doc, hall),
                         covered, folder))  # fmt: skip
        for case in doc.cases:
            if case.decision is Decision.ACCEPT_DEFERRED:
                jobs.append((DocKind.PROMISE, partial(render_promise, case, hall), (case,),
                             case.case_no))  # fmt: skip
            if case.decision is Decision.REFUSE:
                jobs.append((DocKind.REFUSAL, partial(render_refusal, case, hall), (case,),
                             case.case_no))  # fmt: skip
        with self.store.session() as s:
            ids = application_case_ids(s, application_id)
        if kinds is not None:  # a reprint of some of them
            jobs = [job for job in jobs if job[0] in kinds]
        rendered = [(kind, make(), cases, sub) for kind, make, cases, sub in jobs]
        reports = []
        for kind, result, cases, sub in rendered:
            path = self.folder / sub / f"{kind.value}.pdf{cipher.SEALED_SUFFIX}"
            path.parent.mkdir(parents=True, exist_ok=True)
            cipher.write_sealed(path, result.pdf, sealed_name(self.folder, path))
            printer = self.printer_for(kind)
            ref = cases[0].case_no
            outcome = None
            if printer and send:
                outcome = self.dispatcher.print_pdf(
                    result.pdf, printer, copies=copies, title=f"{ref} {kind.value}"
                )
            missing = tuple(
                f"{m.char}（{m.codepoint}，{'、'.join(m.places)}）" for m in result.missing
            )
            reports.append(PrintReport(kind, ref, path, printer, outcome, missing))
            with self.store.session() as s, s.begin():
                for case in cases:  # the print is in every covered case's log
                    record_print(
                        s,
                        PrintLogEntry(
                            id=uuid7(), case_id=ids.get(case.case_no), ref=case.case_no,
                            what=kind.value, at=self.clock.now(), who=who, copies=copies,
                            printer=printer, success=outcome.ok if outcome else False,
                            message=outcome.user_text() if outcome else "未设置打印机，已保存为PDF",
                            job_id=outcome.job_id if outcome else "", file=str(path),
                        ),
                    )  # fmt: skip
            log.info("document %s of %s: %s", kind.value, ref, reports[-1].text())
        return reports

    def reprint_application(
        self, case_no: str, kinds: Sequence[DocKind], *, who: str
    ) -> list[PrintReport]:
        """补打 a combined document of the visit a case belongs to."""
        from db.application_repo import application_of_case

        with self.store.session() as s:
            application_id = application_of_case(s, case_no)
        if application_id is None:
            raise LookupError(f"办件 {case_no} 不属于联办申请")
        return self.produce_application(application_id, who=who, kinds=kinds)

    def pages_document(self, case_no: str, *, who: str, send: bool = True) -> PrintReport:
        """材料影像 on request: every page image of the case (not the signature), one
        per A4 page, kept as PDF, sent to the printer set for 材料影像 (or for all),
        and logged like any document."""
        from app.core.pages import SIGNATURE_SEQ
        from db.page_repo import PageFiles, pages_folder, pages_of_case

        hall = hall_settings(self.settings)
        with self.store.session() as s:
            detail = case_detail(s, case_no)
            if detail is None:
                raise LookupError(f"找不到办件 {case_no}")
            records = [r for r in pages_of_case(s, case_no) if r.material_seq != SIGNATURE_SEQ]
        names = {m.seq: m.name for m in detail.materials}
        files = PageFiles(pages_folder(self.store.url))
        counts: dict[int, int] = {}
        for r in records:
            counts[r.material_seq] = counts.get(r.material_seq, 0) + 1
        pages = [
            PageImage(
                names.get(r.material_seq, f"材料{r.material_seq}"),
                r.page,
                counts[r.material_seq],
                files.read(r.sha256),
            )
            for r in records
        ]
        result = render_pages(case_no, detail.item_name, pages, hall)
        folder = self.folder / case_no
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{DocKind.PAGES.value}.pdf{cipher.SEALED_SUFFIX}"
        cipher.write_sealed(path, result.pdf, sealed_name(self.folder, path))
        printer = self.printer_for(DocKind.PAGES)
        outcome = None
        if printer and send:
            outcome = self.dispatcher.print_pdf(result.pdf, printer, title=f"{case_no} 材料影像")
        entry = PrintLogEntry(
            id=uuid7(), case_id=detail.case_id, ref=case_no, what=DocKind.PAGES.value,
            at=self.clock.now(), who=who, copies=1, printer=printer,
            success=outcome.ok if outcome else False,
            message=outcome.user_text() if outcome else "未设置打印机，已保存为PDF",
            job_id=outcome.job_id if outcome else "", file=str(path),
        )  # fmt: skip
        with self.store.session() as s, s.begin():
            record_print(s, entry)
        return PrintReport(DocKind.PAGES, case_no, path, printer, outcome)

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


def application_doc(session: Session, application_id: uuid.UUID) -> ApplicationDoc:
    """An application's combined documents' data: its cases in order (as each case's
    documents print it) and the merged notice, a material shared by items once (by
    the bundle's material identity over the standards the cases were taken under)."""
    from db.application_repo import application_state

    state = application_state(session, application_id)
    if state is None:
        raise LookupError("找不到联办申请")
    docs: list[CaseDoc] = []
    notices: list[CaseNotice] = []
    pairs: list[tuple[str, Material]] = []
    for c in state.cases:
        if c.accepted_at != state.accepted_at:
            continue  # a returning applicant's later case: not of this visit's documents
        detail = case_detail(session, c.case_no)
        if detail is None or detail.applicant is None:
            raise LookupError(f"找不到办件 {c.case_no}")
        found = item_version(session, detail.item_version_id)
        assert found is not None  # a case's item version is never deleted
        item = found[1]
        doc = doc_from_detail(detail, item)
        if detail.status == State.WAITING_EARLIER.value:  # 串联: begins after these
            earlier = dict.fromkeys(e.item_name for e in state.cases if e.stage < c.stage)
            doc = replace(doc, waits_for=tuple(earlier))
        docs.append(doc)
        pairs.extend((item.code, m) for m in item.materials)
        if detail.decision in (Decision.CORRECTION.value, Decision.ACCEPT_DEFERRED.value):
            notices.append(
                CaseNotice(
                    item.code, item.name, detail.case_no, detail.decision,
                    tuple(NoticeEntry(n.seq, n.material, n.problem, n.requirement, n.deferrable)
                          for n in detail.notice),
                )
            )  # fmt: skip
    ident = identities(pairs)
    merged = merge_notices(notices, lambda code, seq, name: ident.get((code, seq), f"name:{name}"))
    supply = {d.case_no: d.deferred_supply_date for d in docs}
    lines = []
    for m in merged:
        deferred = m.deferrable and all(d == Decision.ACCEPT_DEFERRED.value for d in m.decisions)
        dates = [supply[no] for no in m.cases if supply.get(no)]
        lines.append(
            ApplicationNoticeLine(
                material=m.material, problem=m.problem, requirement=m.requirement,
                items=m.items, deferrable=deferred,
                supply_by=min(d for d in dates if d) if deferred and dates else None,
            )
        )  # fmt: skip
    first = docs[0]
    return ApplicationDoc(
        bundle_name=state.bundle_name,
        applicant=first.applicant,
        clerk_name=first.clerk_name,
        window_no=first.window_no,
        accepted_at=state.accepted_at,
        cases=tuple(docs),
        notice=tuple(lines),
    )


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
