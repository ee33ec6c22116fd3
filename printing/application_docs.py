"""The documents of one visit for a bundle of items (联办): one combined 受理通知书
listing every accepted case with its number, barcode and promised date, and one
combined 一次性告知书 listing everything wanting across the items, a material shared
by several items once, with the items that need it.

The per-case documents that carry a signature or a decision of their own stay per
case (容缺受理承诺书, 不予受理通知书: printing/documents.py). Pure, like
printing/documents.py: plain data in, PDF bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from app.core.check import Decision
from app.core.items import ServiceType
from printing.barcode128 import BarcodeFlowable, Code128Pattern, code128
from printing.documents import (
    _WHERE,
    A4_WIDTH,
    NO_MORE_MATERIALS,
    DocKind,
    RenderResult,
    _applicant_rows,
    _applicant_signers,
    _boxed,
    _Doc,
    _salutation,
)
from printing.layout import ROLL_WIDTH, build_a4, build_roll
from printing.model import (
    ApplicantInfo,
    CaseDoc,
    DocumentError,
    promised_words,
    uncovered_materials,
)
from printing.settings import HallSettings
from printing.text import applicant_id_text, fmt_date, fmt_datetime, mask_phone, window_label

_ACCEPTED = (Decision.ACCEPT, Decision.ACCEPT_DEFERRED)


@dataclass(frozen=True, slots=True)
class ApplicationNoticeLine:
    """A material wanting in one or more items: once, with the items that need it."""

    material: str
    problem: str  # 缺少 / 有误：… (the items' distinct problems joined)
    requirement: str
    items: tuple[str, ...]  # item names
    deferrable: bool  # 容缺 in every item listing it, and those items accepted
    supply_by: date | None = None  # 容缺: the date the applicant promised


@dataclass(frozen=True, slots=True)
class ApplicationDoc:
    """One visit as its combined documents show it: the bundle, the applicant and
    each item's case (in the bundle's order), and the merged notice lines."""

    bundle_name: str
    applicant: ApplicantInfo
    clerk_name: str
    window_no: str
    accepted_at: datetime
    cases: tuple[CaseDoc, ...]
    notice: tuple[ApplicationNoticeLine, ...] = ()

    @property
    def accepted(self) -> tuple[CaseDoc, ...]:
        return tuple(c for c in self.cases if c.decision in _ACCEPTED)

    @property
    def with_notice(self) -> tuple[CaseDoc, ...]:
        return tuple(
            c
            for c in self.cases
            if c.decision in (Decision.CORRECTION, Decision.ACCEPT_DEFERRED) and c.notice_lines
        )

    @property
    def reference(self) -> str:
        """The number the visit's documents carry: its first case's."""
        return self.cases[0].case_no


def _require_whole(doc: ApplicationDoc, kind: DocKind) -> None:
    """一次性告知 across the visit: every case's documents say all that is wanting."""
    if not doc.cases:
        raise DocumentError(f"联办申请没有办件，不能打印{kind.value}")
    for case in doc.cases:
        if case.decision is Decision.REFUSE:
            continue
        left = uncovered_materials(case)
        if left:
            raise DocumentError(
                f"“{case.item_name}”尚未收齐的申请材料未列入告知：{'、'.join(left)}。"
                "请在材料核验中逐项标记后重新生成，不能打印不完整的文书"
            )
    listed = {line.material for line in doc.notice}
    for case in doc.with_notice:
        for line in case.notice_lines:
            if line.material not in listed:
                raise DocumentError(
                    f"“{case.item_name}”的告知材料“{line.material}”未列入联办告知书"
                )


def _case_barcode(d: _Doc, case_no: str) -> tuple[list[Flowable], Code128Pattern]:
    pattern = code128(case_no)
    return [
        BarcodeFlowable(pattern, height=8 * mm, max_width=64 * mm),
        d.w.p(case_no, "受理编号", d.w.s.center),
    ], pattern


def _require_accepted(doc: ApplicationDoc, kind: DocKind) -> tuple[CaseDoc, ...]:
    """The accepted cases of a visit whose receipt can print: each with its promised
    date (or waiting for an earlier stage) and every material but the 容缺 ones."""
    _require_whole(doc, kind)
    accepted = doc.accepted
    if not accepted:
        raise DocumentError(f"联办申请中没有受理的事项，不能打印{kind.value}")
    for case in accepted:
        if (
            case.service_type is not ServiceType.ON_THE_SPOT
            and case.promised_date is None
            and not case.waits_for  # 串联: counted from when the earlier items are done
        ):
            raise DocumentError(f"“{case.item_name}”缺少承诺办结日期，不能打印{kind.value}")
        blocking = [line.material for line in case.notice_lines if not line.deferrable]
        if blocking:
            raise DocumentError(
                f"“{case.item_name}”非容缺材料未收齐（{'、'.join(blocking)}），不能按受理打印"
            )
    return accepted


def _deferred_of(accepted: tuple[CaseDoc, ...]) -> list[tuple[CaseDoc, str, date]]:
    """(case, 容缺 material, supply date) of the accepted cases, in their order."""
    found = []
    for c in accepted:
        if c.decision is not Decision.ACCEPT_DEFERRED:
            continue
        for line in c.deferred_lines:
            when = c.supply_date(line)
            if when is None:
                raise DocumentError(f"容缺材料“{line.material}”缺少补交期限")
            found.append((c, line.material, when))
    return found


def _how_worked(accepted: tuple[CaseDoc, ...]) -> str:
    """How the accepted items are worked, after "决定予以受理": side by side, each by
    its promised date; or — 串联 — which begin now and which once earlier items are
    办结 (their dates are not known yet)."""
    waiting: dict[tuple[str, ...], list[str]] = {}
    for case in accepted:
        if case.waits_for:
            waiting.setdefault(case.waits_for, []).append(case.item_name)
    if not waiting:
        return "，由各实施部门并联办理，各自按承诺日期办结；全部办结后可一并领取结果。"

    def quoted(names: Sequence[str]) -> str:
        return "、".join(f"“{name}”" for name in names)

    now = [c.item_name for c in accepted if not c.waits_for]
    parts = [f"{quoted(now)}自即日起办理"] if now else []
    parts += [f"{quoted(names)}在{quoted(earlier)}办结后开始办理"
              for earlier, names in waiting.items()]  # fmt: skip
    return "：" + "；".join(parts) + "；各事项按下表所列期限办结，全部办结后可一并领取结果。"


def _status_words(case: CaseDoc) -> str:
    if case.decision is Decision.CORRECTION:
        return "须补正后受理（见一次性告知书）"
    if case.decision is Decision.REFUSE:
        return "不予受理（见不予受理通知书）"
    return case.decision.value


# ---------------------------------------------------------------- 联办受理通知书


def render_application_receipt(
    doc: ApplicationDoc, hall: HallSettings, *, mask: bool = True
) -> RenderResult:
    """One 受理通知书 for the visit: each accepted item's case number, barcode and
    promised date; the items not accepted named with where to look."""
    kind = DocKind.APPLICATION_RECEIPT
    accepted = _require_accepted(doc, kind)
    d = _Doc(hall)
    w = d.w
    story, _ = d.header(kind.value, None)
    a = doc.applicant
    others = [c for c in doc.cases if c.decision not in _ACCEPTED]
    lead = (
        f"您于{fmt_date(doc.accepted_at.date())}申请办理的“{doc.bundle_name}”"
        f"（共{len(doc.cases)}个事项），经审查，下列{len(accepted)}个事项决定予以受理"
        f"{_how_worked(accepted)}"
    )
    story += [
        w.p(_salutation(a), "申请人姓名"),
        w.p(lead, "文书", w.s.para),
        Spacer(1, 2 * mm),
    ]
    sections = iter("一二三四五")

    def heading(text: str) -> list[Flowable]:
        return w.heading(f"{next(sections)}、{text}")

    story += [
        *heading("受理的事项"),
    ]
    rows: list[list[str | Flowable]] = []
    for i, case in enumerate(accepted, start=1):
        bars, _ = _case_barcode(d, case.case_no)
        promise = promised_words(case)
        if case.decision is Decision.ACCEPT_DEFERRED:
            promise += "；容缺受理"
        rows.append(
            [str(i), d.w.p(f"{case.item_name}（{case.department}）", "事项名称"), bars, promise]
        )
    story.append(
        w.grid(
            ("序号", "事项名称（实施部门）", "受理编号", "承诺办结"),
            rows,
            (10 * mm, 58 * mm, 66 * mm, 36 * mm),
            where=("序号", "事项名称", "受理编号", "承诺办结"),
            center_cols=(0,),
        )
    )
    if others:
        story += [*heading("本次未受理的事项")]
        story.append(
            w.grid(
                ("序号", "事项名称", "编号", "结果"),
                [
                    (str(i), c.item_name, c.case_no, _status_words(c))
                    for i, c in enumerate(others, start=1)
                ],
                (10 * mm, 62 * mm, 48 * mm, 50 * mm),
                where=("序号", "事项名称", "编号", "结果"),
                center_cols=(0,),
            )
        )
    deferred = _deferred_of(accepted)
    if deferred:
        story += [*heading("容缺材料（须按期补交）")]
        drows = [
            (str(i), material, c.item_name, f"{fmt_date(when)}前")
            for i, (c, material, when) in enumerate(deferred, start=1)
        ]
        story.append(
            w.grid(
                ("序号", "容缺材料", "所属事项", "补交期限"),
                drows,
                (10 * mm, 60 * mm, 65 * mm, 35 * mm),
                where=("序号", "容缺材料名称", "事项名称", "补交期限"),
                center_cols=(0,),
            )
        )
    story += [
        *heading("申请人信息"),
        d.kv_table(_applicant_rows(a, mask), _WHERE),
        d.kv_table(
            [
                (
                    "受理时间",
                    fmt_datetime(doc.accepted_at),
                    "受理窗口",
                    window_label(doc.window_no),
                ),
                ("受理人", doc.clerk_name),
            ]
        ),
        Spacer(1, 3 * mm),
        w.p(
            f"请妥善保管本通知书，凭各事项受理编号查询进度、领取结果。咨询电话：{hall.phone}；"
            f"监督电话：{hall.supervision_phone}。",
            "电话",
        ),
        *d.footnote(),
        Spacer(1, 4 * mm),
        *d.seal_and_date(doc.accepted_at),
    ]
    pdf, pages = build_a4(
        story,
        title=f"{kind.value} {doc.reference}",
        footer_left=d.footer_text(hall.hall_name),
        footer_right=f"联办：{d.footer_text(doc.bundle_name)}",
    )
    return RenderResult(kind, pdf, pages, d.check.missing, tuple(d.warnings), None)


# ---------------------------------------------------------------- 联办受理回执 (80 mm roll)


def render_application_receipt_roll(
    doc: ApplicationDoc, hall: HallSettings, *, mask: bool = True
) -> RenderResult:
    """The visit's 受理回执 on an 80 mm roll, for a hall whose receipts are 80 mm
    (``receipt_format``), like the single case's 受理回执: each accepted item with its
    case number, barcode and promised date (or the earlier items it waits for); the
    items not accepted named with where to look. One barcode per case, not one for
    the visit: each item is worked, queried and collected by its own number."""
    kind = DocKind.APPLICATION_RECEIPT_ROLL
    accepted = _require_accepted(doc, kind)
    d = _Doc(hall, roll=True)
    pdf = build_roll(
        lambda: _application_roll_story(d, doc, accepted, hall, mask),
        title=f"{kind.value} {doc.reference}",
        width=ROLL_WIDTH,
    )
    return RenderResult(kind, pdf, 1, d.check.missing, tuple(d.warnings), None)


def _application_roll_story(
    d: _Doc, doc: ApplicationDoc, accepted: tuple[CaseDoc, ...], hall: HallSettings, mask: bool
) -> list[Flowable]:
    w = d.w
    s = w.s
    a = doc.applicant
    story: list[Flowable] = [
        w.p(hall.hall_name, "服务中心名称", s.center),
        w.title(DocKind.APPLICATION_RECEIPT_ROLL.value, 1 * mm),
        w.p(f"“{doc.bundle_name}”（共{len(doc.cases)}个事项）", "一件事名称", s.center),
        Spacer(1, 1.5 * mm),
    ]

    def line(label: str, value: str, where: str) -> None:
        story.append(w.raw(w.markup(f"{label}：", "文书") + w.markup(value, where), s.small))

    id_label, id_value = applicant_id_text(a, mask=mask)
    line("申请单位" if a.is_org else "申请人", a.name, "申请人姓名")
    line(id_label, id_value, "证件号码")
    if a.phone:
        line("联系电话", mask_phone(a.phone) if mask else a.phone, "联系电话")
    if a.agent_name:
        line("经办人" if a.is_org else "代办人", a.agent_name, "代办人姓名")
    line("受理时间", fmt_datetime(doc.accepted_at), "受理时间")
    line("受理窗口", f"{window_label(doc.window_no)}　受理人：{doc.clerk_name}", "受理人")
    story += [
        Spacer(1, 1.5 * mm),
        w.p(f"受理的事项（共{len(accepted)}项）：", style=s.small),
    ]
    for i, case in enumerate(accepted, start=1):
        story += [
            Spacer(1, 1 * mm),
            w.raw(f"{i}. " + w.markup(case.item_name, "事项名称"), s.small),
            BarcodeFlowable(
                code128(case.case_no), height=9 * mm, max_module=0.3 * mm, min_module=0.2 * mm
            ),
            w.p(case.case_no, "受理编号", s.center),
        ]
        line("实施部门", case.department, "实施部门")
        line("受理结果", case.decision.value, "受理结果")
        line("承诺办结", promised_words(case), "承诺办结")
    others = [c for c in doc.cases if c.decision not in _ACCEPTED]
    if others:
        story += [Spacer(1, 1.5 * mm), w.p("本次未受理的事项：", style=s.small)]
        for i, case in enumerate(others, start=1):
            story.append(
                w.raw(
                    f"{i}. "
                    + w.markup(case.item_name, "事项名称")
                    + w.markup(f"（{case.case_no}）：{_status_words(case)}", "文书"),
                    s.small,
                )
            )
    deferred = _deferred_of(accepted)
    if deferred:
        story += [Spacer(1, 1.5 * mm), w.p("容缺材料（须按期补交）：", style=s.small)]
        for i, (c, material, when) in enumerate(deferred, start=1):
            story.append(
                w.raw(
                    f"{i}. "
                    + w.markup(material, "容缺材料名称")
                    + w.markup(f"（{c.item_name}），{fmt_date(when)}前补交", "文书"),
                    s.small,
                )
            )
    story += [
        Spacer(1, 1.5 * mm),
        w.p("全部事项办结后，可一并领取结果。", style=s.small),
        w.p(f"咨询电话：{hall.phone}", "电话", s.small),
        w.p(f"监督电话：{hall.supervision_phone}", "电话", s.small),
    ]
    if hall.office_hours:
        story.append(w.p(f"办公时间：{hall.office_hours}", "办公时间", s.small))
    story += [w.p("请妥善保管本回执，凭各事项受理编号查询进度、领取结果。", style=s.small)]
    story += d.footnote()
    return story


# ---------------------------------------------------------------- 联办一次性告知书


def render_application_notice(doc: ApplicationDoc, hall: HallSettings) -> RenderResult:
    """One 一次性告知书 for the visit: every material wanting in any item, once, with
    the items that need it; the cases to continue named by their numbers."""
    kind = DocKind.APPLICATION_NOTICE
    _require_whole(doc, kind)
    if not doc.notice:
        raise DocumentError("没有需要补正的材料，无需打印一次性告知书")
    cases = doc.with_notice
    d = _Doc(hall)
    w = d.w
    first = cases[0].case_no if cases else doc.reference
    story, pattern = d.header(kind.value, first)
    a = doc.applicant
    story += [
        w.p(_salutation(a), "申请人姓名"),
        w.p(
            f"您于{fmt_date(doc.accepted_at.date())}申请办理的“{doc.bundle_name}”"
            f"（共{len(doc.cases)}个事项），经审查，下列材料尚需补正或补交。"
            "根据一次性告知制度，现将各事项需要的全部材料及要求一并告知如下"
            "（多个事项共用的材料只需提交一次，份数按要求）：",
            "文书",
            w.s.para,
        ),
        Spacer(1, 2 * mm),
    ]
    rows = []
    for i, line in enumerate(doc.notice, start=1):
        if line.deferrable and line.supply_by is not None:
            deadline = f"容缺，{fmt_date(line.supply_by)}前补交"
        else:
            deadline = "补齐后办理"
        rows.append(
            (str(i), line.material, line.problem or "—", line.requirement or "—",
             "、".join(line.items), deadline)
        )  # fmt: skip
    story.append(
        w.grid(
            ("序号", "材料名称", "问题", "补正要求", "所需事项", "补交期限"),
            rows,
            (10 * mm, 34 * mm, 28 * mm, 40 * mm, 36 * mm, 22 * mm),
            where=("序号", "材料名称", "问题", "补正要求", "事项名称", "补交期限"),
            center_cols=(0,),
        )
    )
    story += [*w.heading("涉及的事项及办件编号：")]
    story.append(
        w.grid(
            ("事项名称", "编号", "本次结果"),
            [(c.item_name, c.case_no, _status_words(c)) for c in doc.cases],
            (70 * mm, 50 * mm, 50 * mm),
            where=("事项名称", "编号", "结果"),
        )
    )
    answers = list(dict.fromkeys(pair for c in cases for pair in c.answers))
    story += [*w.heading("本告知所依据的办理情形：")]
    if answers:
        story.append(
            w.grid(("办理情形", "申请人选择"), answers, (85 * mm, 85 * mm),
                   where=("办理情形", "情形选择"))
        )  # fmt: skip
    else:
        story.append(w.p("（不区分办理情形）"))
    story += [
        Spacer(1, 3 * mm),
        w.p(NO_MORE_MATERIALS, style=_boxed(w.s.body)),
        Spacer(1, 2 * mm),
        w.p(
            f"请补齐材料后到{hall.hall_name}{window_label(doc.window_no)}办理，"
            "出示本告知书或报各事项编号即可接续办理。"
            f"咨询电话：{hall.phone}；如对告知内容有异议，可拨打监督电话：{hall.supervision_phone}。",
            "电话",
        ),
        *d.footnote(),
        d.signed_and_sealed(
            [f"窗口工作人员：{doc.clerk_name}（签字）", *_applicant_signers(a, "（签字）")],
            doc.accepted_at,
        ),
    ]
    pdf, pages = build_a4(
        story,
        title=f"{kind.value} {first}",
        footer_left=d.footer_text(hall.hall_name),
        footer_right=f"编号：{first}",
    )
    return RenderResult(kind, pdf, pages, d.check.missing, tuple(d.warnings), pattern)


__all__ = [
    "A4_WIDTH",
    "ApplicationDoc",
    "ApplicationNoticeLine",
    "render_application_notice",
    "render_application_receipt",
    "render_application_receipt_roll",
]
