"""The window's documents as PDF: 受理通知书 (A4 and 80 mm roll), 一次性告知书,
容缺受理承诺书, 不予受理通知书 and 办事指南.

Each ``render_*`` function takes plain data (``printing.model``, ``app.core.items``)
and returns a :class:`RenderResult`; nothing is printed or written here. They are
pure and may run on a worker thread (one document at a time per thread).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from app.core.check import Decision
from app.core.items import Item, Material, ServiceType
from app.core.lifecycle import DEFERRAL_UNDERTAKINGS
from app.core.workdays import LimitUnit, limit_text
from printing.barcode128 import BarcodeFlowable, Code128Pattern, code128
from printing.fonts import FONT_NAME, GlyphCheck
from printing.layout import (
    A4_MARGIN_X,
    ROLL_WIDTH,
    Writer,
    build_a4,
    build_roll,
    make_styles,
)
from printing.model import (
    ApplicantInfo,
    CaseDoc,
    DocumentError,
    MissingChar,
    NoticeLine,
    uncovered_materials,
)
from printing.qr import QrFlowable
from printing.settings import HallSettings, SettingsError
from printing.text import (
    applicant_id_text,
    fmt_date,
    fmt_datetime,
    mask_id,
    mask_phone,
    window_label,
)

A4_WIDTH = 210 * mm - 2 * A4_MARGIN_X  # 170 mm of text width
SEAL_COLUMN = 72 * mm  # the right part of a closing block: issuer, date, room for the seal

NO_MORE_MATERIALS = (
    "本告知书已一次性告知全部需补正的材料，申请人按本告知书补齐后，"
    "窗口不再要求提交告知书以外的材料。"
)


def remedies_text(review_body: str, court: str) -> str:
    """The remedies sentence of a decision, naming to whom each goes."""
    return (
        f"如不服本决定，可以自收到本通知书之日起60日内向{review_body}申请行政复议，"
        f"或者自收到本通知书之日起6个月内向{court}提起行政诉讼。"
    )


class DocKind(StrEnum):
    """What was printed, as the print log names it."""

    RECEIPT = "受理通知书"
    RECEIPT_ROLL = "受理回执"
    NOTICE = "一次性告知书"
    PROMISE = "容缺受理承诺书"
    REFUSAL = "不予受理通知书"
    GUIDE = "办事指南"
    TEST_PAGE = "打印测试页"
    APPLICATION_RECEIPT = "联办受理通知书"  # one visit, several items (application_docs.py)
    APPLICATION_NOTICE = "联办一次性告知书"
    APPLICATION_RECEIPT_ROLL = "联办受理回执"  # the visit on the 80 mm roll (application_docs.py)
    PAGES = "材料影像"  # the case's photographed pages, printed on request


@dataclass(frozen=True, slots=True)
class RenderResult:
    kind: DocKind
    pdf: bytes
    pages: int
    missing: tuple[MissingChar, ...] = ()  # characters printed as 〔U+XXXX〕 markers
    warnings: tuple[str, ...] = ()  # e.g. a logo file that could not be read
    barcode: Code128Pattern | None = None  # the case number's bars as drawn

    @property
    def ok(self) -> bool:
        """True when the document shows every character of its data."""
        return not self.missing

    def write(self, path: Path) -> None:
        path.write_bytes(self.pdf)


# ---------------------------------------------------------------- shared pieces


class _Doc:
    """One document being built: its writer, glyph check and warnings."""

    def __init__(self, hall: HallSettings, *, roll: bool = False) -> None:
        self.hall = hall
        self.roll = roll
        self.check = GlyphCheck()
        self.w = Writer(make_styles(9.5 if roll else 10.5), self.check)
        self.warnings: list[str] = []

    def header(
        self, title: str, case_no: str | None, *, issuer: str = ""
    ) -> tuple[list[Flowable], Code128Pattern | None]:
        """Issuer (the hall unless said, with its logo) left, case barcode right, then
        the title."""
        w = self.w
        left: list[Flowable] = []
        logo = self._logo(14 * mm)
        if issuer:
            name = w.p(issuer, "作出决定的机关", w.s.heading)
        else:
            name = w.p(self.hall.hall_name, "服务中心名称", w.s.heading)
        if logo is not None:
            inner = Table([[logo, name]], colWidths=[17 * mm, None])
            inner.setStyle(_plain())
            left.append(inner)
        else:
            left.append(name)
        pattern = None
        right: list[Flowable] = []
        if case_no:
            pattern = code128(case_no)
            right = [
                BarcodeFlowable(pattern, height=10 * mm, max_width=72 * mm),
                w.p(case_no, "受理编号", w.s.center),
            ]
        top = Table([[left, right]], colWidths=[A4_WIDTH - 75 * mm, 75 * mm])
        top.setStyle(_plain(valign="MIDDLE"))
        return [top, Spacer(1, 2 * mm), w.title(title, 3 * mm)], pattern

    def _logo(self, size: float) -> Flowable | None:
        path = self.hall.logo_path
        if path is None:
            return None
        try:
            reader = ImageReader(str(path))
            iw, ih = reader.getSize()
        except Exception as exc:
            self.warnings.append(f"徽标图片无法读取，已省略：{path}（{exc}）")
            return None
        scale = size / max(iw, ih)
        return Image(str(path), width=iw * scale, height=ih * scale)

    def qr(self, case: CaseDoc, size: float) -> Flowable | None:
        try:
            text = self.hall.qr_text(case.case_no, case.item_code)
        except SettingsError as exc:
            self.warnings.append(f"{exc}，已省略二维码")
            return None
        if text is None:
            return None
        return QrFlowable(text, size)

    def footnote(self) -> list[Flowable]:
        note = self.check.footnote()
        if note is None:
            return []
        return [Spacer(1, 3 * mm), self.w.raw(self.w.markup(note, "脚注"), self.w.s.small)]

    def footer_text(self, text: str) -> str:
        return self.check.clean(text, "页脚")

    def kv_table(self, rows: list[tuple[str, ...]], where: dict[str, str] | None = None) -> Table:
        return self.w.kv_table(rows, A4_WIDTH, where=where)

    def signature(
        self, png: bytes | None, width: float, height: float, what: str = "申请人签名"
    ) -> Flowable | None:
        """A signature image scaled into ``width`` × ``height``; None (and a warning)
        when there is none or it does not read."""
        if not png:
            return None
        try:
            reader = ImageReader(io.BytesIO(png))
            iw, ih = reader.getSize()
        except Exception as exc:
            self.warnings.append(f"{what}图片无法读取，已省略（{exc}）")
            return None
        scale = min(width / iw, height / ih)
        return Image(io.BytesIO(png), width=iw * scale, height=ih * scale, hAlign="LEFT")

    def signature_block(
        self, lines: list[str], signed: Mapping[int, bytes | None] | None = None,
        when: datetime | None = None,
    ) -> Table:  # fmt: skip
        """Signature lines: a label, a blank to sign on and a blank date. A line in
        ``signed`` shows its signature image instead of the blank, dated ``when``."""
        w = self.w
        rows: list[list[Flowable | str]] = []
        for i, label in enumerate(lines):
            image = self.signature((signed or {}).get(i), 48 * mm, 14 * mm)
            if image is not None and when is not None:
                rows.append([w.p(label, "签字栏"), image, w.p(f"日期：{fmt_date(when.date())}")])
            else:
                rows.append(
                    [w.p(label, "签字栏"), w.p("____________________"),
                     w.p("日期：______年____月____日")]
                )  # fmt: skip
        table = Table(rows, colWidths=[58 * mm, 52 * mm, 60 * mm])
        table.setStyle(_plain(valign="BOTTOM", bottom=8))
        return table

    def signed_and_sealed(
        self, lines: list[str], when: datetime, issuer: str = "",
        signed: Mapping[int, bytes | None] | None = None,
    ) -> Flowable:  # fmt: skip
        """Signature lines on the left (each with its date under it), the seal's area
        on the right, kept together on one page. A line in ``signed`` shows its
        signature image, dated ``when``."""
        w = self.w
        rows: list[list[Flowable | str]] = []
        for i, label in enumerate(lines):
            image = self.signature((signed or {}).get(i), 40 * mm, 12 * mm)
            if image is not None:
                rows.append([w.p(label, "签字栏"), image])
                rows.append(["", w.p(f"日期：{fmt_date(when.date())}", style=w.s.small)])
                continue
            rows.append([w.p(label, "签字栏"), w.p("________________")])
            rows.append(["", w.p("日期：_____年___月___日", style=w.s.small)])
        signs = Table(rows, colWidths=[56 * mm, A4_WIDTH - SEAL_COLUMN - 56 * mm])
        signs.setStyle(_plain(valign="BOTTOM", bottom=3))
        block = Table(
            [[signs, self.seal_and_date(when, issuer)]],
            colWidths=[A4_WIDTH - SEAL_COLUMN, SEAL_COLUMN],
        )
        block.setStyle(_plain(valign="MIDDLE"))
        return KeepTogether([Spacer(1, 3 * mm), block])

    def seal_and_date(self, when: datetime, issuer: str = "") -> list[Flowable]:
        """The issuer's name and the date, with the seal's area kept clear."""
        return [self.w.seal_area(f"{issuer or self.hall.hall_name}（盖章）", fmt_date(when.date()))]


def _boxed(style: ParagraphStyle) -> ParagraphStyle:
    """A framed paragraph, for the sentence a document exists to say."""
    return ParagraphStyle(
        "boxed",
        parent=style,
        borderWidth=0.6,
        borderColor=(0, 0, 0),
        borderPadding=(3, 5, 4, 5),
        spaceBefore=4,
        spaceAfter=4,
    )


def _plain(valign: str = "TOP", bottom: float = 0) -> TableStyle:
    return TableStyle(
        [
            # Tables set a font for every cell even when it holds flowables; without
            # this the page would reference (unembedded) Helvetica.
            ("FONT", (0, 0), (-1, -1), FONT_NAME, 10),
            ("VALIGN", (0, 0), (-1, -1), valign),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), bottom),
        ]
    )


def _salutation(applicant: ApplicantInfo) -> str:
    return f"{applicant.name}："


def _applicant_rows(a: ApplicantInfo, mask: bool) -> list[tuple[str, ...]]:
    id_label, id_value = applicant_id_text(a, mask=mask)
    rows: list[tuple[str, ...]] = [
        ("申请单位" if a.is_org else "申请人", a.name, id_label, id_value),
    ]
    second: tuple[str, ...] = ("联系电话", mask_phone(a.phone) if mask else a.phone)
    if a.is_org:
        second += ("法定代表人", a.legal_rep or "—")
    elif a.agent_name:
        second += ("代办人", a.agent_name)
    else:
        second += ("办理方式", "本人办理")
    rows.append(second)
    if a.agent_name and (a.is_org or a.agent_id_number):
        agent_id = mask_id(a.agent_id_number) if mask else a.agent_id_number
        if a.is_org:
            rows.append(("经办人", a.agent_name, "经办人证件号码", agent_id or "—"))
        else:
            rows.append(("代办人证件号码", agent_id or "—"))
    return rows


_WHERE = {
    "申请人": "申请人姓名",
    "申请单位": "申请单位名称",
    "代办人": "代办人姓名",
    "经办人": "经办人姓名",
    "法定代表人": "法定代表人",
}


def _promise_text(case: CaseDoc) -> str:
    if case.service_type is ServiceType.ON_THE_SPOT:
        return "本事项为即办件，当场办结。"
    if case.promised_date is None:
        raise DocumentError("承诺件缺少承诺办结日期，不能打印受理通知书")
    days = (
        f"（承诺时限{limit_text(case.promised_days, case.promised_unit)}）"
        if case.promised_days
        else ""
    )
    return f"本事项承诺于{fmt_date(case.promised_date)}前办结{days}。{case.promised_note}"


def _require(case: CaseDoc, decisions: tuple[Decision, ...], doc: DocKind) -> None:
    if case.decision not in decisions:
        raise DocumentError(f"该办件的决定为“{case.decision.value}”，不能打印{doc.value}")


def _require_covered(case: CaseDoc, doc: DocKind) -> None:
    """一次性告知: the documents of a case say everything at once. A material the
    standard requires in the case's situation that was neither received nor listed
    would send the applicant away a second time: refuse to print."""
    left = uncovered_materials(case)
    if left:
        raise DocumentError(
            f"{doc.value}未列出以下尚未收齐的申请材料：{'、'.join(left)}。"
            "请在材料核验中逐项标记后重新生成，不能打印不完整的文书"
        )


def _applicant_signers(a: ApplicantInfo, mark: str) -> list[str]:
    """Who signs for the applicant's side: the applicant (an organisation seals),
    and the agent, if any, on a line of their own as 代办人 / 经办人."""
    lines = [f"申请单位：{a.name}（盖章）" if a.is_org else f"申请人：{a.name}{mark}"]
    if a.agent_name:
        lines.append(f"{'经办人' if a.is_org else '代办人'}：{a.agent_name}{mark}")
    return lines


# ---------------------------------------------------------------- 受理通知书


def render_receipt(
    case: CaseDoc, hall: HallSettings, *, roll: bool = False, mask: bool = True
) -> RenderResult:
    """受理通知书 on A4, or 受理回执 on an 80 mm roll (``roll=True``)."""
    kind = DocKind.RECEIPT_ROLL if roll else DocKind.RECEIPT
    _require(case, (Decision.ACCEPT, Decision.ACCEPT_DEFERRED), kind)
    _require_accepted_materials(case, kind)
    if roll:
        return _receipt_roll(case, hall, mask)
    d = _Doc(hall)
    footer = d.footer_text(hall.hall_name)
    w = d.w
    story, pattern = d.header(DocKind.RECEIPT.value, case.case_no)
    a = case.applicant
    if case.decision is Decision.ACCEPT_DEFERRED:
        decision = (
            "经审查，主要申请材料齐全、符合法定形式，部分材料暂缺，"
            "根据容缺受理制度，决定予以容缺受理。请按下列期限补交容缺材料。"
        )
    else:
        decision = "经审查，申请材料齐全、符合法定形式，决定予以受理。"
    story += [
        w.p(_salutation(a), "申请人姓名"),
        w.raw(
            w.markup(f"您于{fmt_date(case.accepted_at.date())}申请办理的“", "文书")
            + w.markup(case.item_name, "事项名称")
            + w.markup(f"”事项，{decision}{_promise_text(case)}", "文书"),
            w.s.para,
        ),
        Spacer(1, 3 * mm),
        *w.heading("一、事项信息"),
        d.kv_table(
            [
                ("受理编号", case.case_no, "受理时间", fmt_datetime(case.accepted_at)),
                ("事项名称", case.item_name),
                ("事项编码", case.item_code, "标准版本", case.item_version),
                ("实施部门", case.department, "办件类型", case.service_type.value),
                ("承诺办结", _promised_short(case)),
                ("结果送达", hall.delivery_of(case.standard)),
                ("受理窗口", window_label(case.window_no), "受理人", case.clerk_name),
            ]
        ),
        *w.heading("二、申请人信息"),
        d.kv_table(_applicant_rows(a, mask), _WHERE),
        *w.heading("三、已收取材料"),
    ]
    story.append(_materials_table(d, case))
    if case.decision is Decision.ACCEPT_DEFERRED:
        story += [*w.heading("四、容缺材料（须按期补交）"), _deferred_table(d, case)]
    closing = _closing_block(d, case)
    story += [*d.footnote(), closing]
    pdf, pages = build_a4(
        story,
        title=f"{DocKind.RECEIPT.value} {case.case_no}",
        footer_left=footer,
        footer_right=f"受理编号：{case.case_no}",
    )
    return RenderResult(kind, pdf, pages, d.check.missing, tuple(d.warnings), pattern)


def _require_accepted_materials(case: CaseDoc, doc: DocKind) -> None:
    """An accepted case has every material in hand, but the 容缺 ones it lists."""
    _require_covered(case, doc)
    if case.standard is None:
        return
    if case.decision is Decision.ACCEPT and case.notice_lines:
        names = "、".join(line.material for line in case.notice_lines)
        raise DocumentError(f"材料未收齐（{names}），不能按“受理”打印{doc.value}")
    blocking = [line.material for line in case.notice_lines if not line.deferrable]
    if blocking:
        raise DocumentError(f"非容缺材料未收齐（{'、'.join(blocking)}），不能打印{doc.value}")


def _promised_short(case: CaseDoc) -> str:
    if case.service_type is ServiceType.ON_THE_SPOT:
        return "即办件，当场办结"
    days = f"（{limit_text(case.promised_days, case.promised_unit)}）" if case.promised_days else ""
    estimated = "（估算）" if case.promised_note else ""
    return f"{fmt_date(case.promised_date)}前{days}{estimated}"


def _materials_table(d: _Doc, case: CaseDoc) -> Flowable:
    if not case.materials:
        return d.w.p("（无）")
    rows = [
        (str(i), m.name, m.medium.value, str(m.copies), m.note)
        for i, m in enumerate(case.materials, start=1)
    ]
    return d.w.grid(
        ("序号", "材料名称", "收取方式", "份数", "备注"),
        rows,
        (12 * mm, 84 * mm, 28 * mm, 14 * mm, 32 * mm),
        where=("序号", "材料名称", "收取方式", "份数", "材料备注"),
        center_cols=(0, 2, 3),
    )


def _deferred_table(d: _Doc, case: CaseDoc) -> Flowable:
    lines = case.deferred_lines
    if not lines:
        raise DocumentError("容缺受理须列出容缺材料及补交期限")
    rows = []
    for i, line in enumerate(lines, start=1):
        when = case.supply_date(line)
        if when is None:
            raise DocumentError(f"容缺材料“{line.material}”缺少补交期限")
        rows.append((str(i), line.material, line.requirement or "—", f"{fmt_date(when)}前"))
    return d.w.grid(
        ("序号", "容缺材料", "补交要求", "补交期限"),
        rows,
        (12 * mm, 58 * mm, 65 * mm, 35 * mm),
        where=("序号", "容缺材料名称", "补交要求", "补交期限"),
        center_cols=(0,),
    )


def _closing_block(d: _Doc, case: CaseDoc) -> Flowable:
    """Phones, where and when to ask, and the QR code on the left; the seal's area
    (name, date, room for the seal) on the right, clear of the code."""
    w = d.w
    text: list[Flowable] = [
        w.p(f"咨询查询电话：{d.hall.phone}", "电话"),
        w.p(f"监督电话：{d.hall.supervision_phone}", "电话"),
        w.p(d.hall.query_note, "查询说明", w.s.small),
        w.p(f"办理地点：{d.hall.address}", "地址", w.s.small),
    ]
    if d.hall.office_hours:
        text.append(w.p(f"办公时间：{d.hall.office_hours}", "办公时间", w.s.small))
    left: list[Flowable] | Table = text
    qr = d.qr(case, 22 * mm)
    if qr is not None:
        left = Table(
            [[[qr, w.p("扫码查询进度", style=w.s.small)], text]],
            colWidths=[26 * mm, A4_WIDTH - SEAL_COLUMN - 26 * mm],
        )
        left.setStyle(_plain(valign="BOTTOM"))
    block = Table(
        [[left, d.seal_and_date(case.accepted_at)]],
        colWidths=[A4_WIDTH - SEAL_COLUMN, SEAL_COLUMN],
    )
    block.setStyle(_plain(valign="BOTTOM"))
    return KeepTogether([Spacer(1, 4 * mm), block])


def _roll_story(
    d: _Doc, case: CaseDoc, hall: HallSettings, mask: bool, pattern: Code128Pattern
) -> list[Flowable]:
    w = d.w
    s = w.s
    a = case.applicant
    id_label, id_value = applicant_id_text(a, mask=mask)
    story: list[Flowable] = [
        w.p(hall.hall_name, "服务中心名称", s.center),
        w.title(DocKind.RECEIPT_ROLL.value, 1 * mm),
        BarcodeFlowable(pattern, height=11 * mm, max_module=0.3 * mm, min_module=0.2 * mm),
        w.p(case.case_no, "受理编号", s.center),
        Spacer(1, 1.5 * mm),
    ]

    def line(label: str, value: str, where: str) -> None:
        story.append(w.raw(w.markup(f"{label}：", "文书") + w.markup(value, where), s.small))

    line("事项名称", case.item_name, "事项名称")
    line("事项编码", f"{case.item_code}（{case.item_version}版）", "事项编码")
    line("实施部门", case.department, "实施部门")
    line("申请单位" if a.is_org else "申请人", a.name, "申请人姓名")
    line(id_label, id_value, "证件号码")
    if a.phone:
        line("联系电话", mask_phone(a.phone) if mask else a.phone, "联系电话")
    if a.agent_name:
        line("经办人" if a.is_org else "代办人", a.agent_name, "代办人姓名")
    line("受理结果", case.decision.value, "受理结果")
    line("受理时间", fmt_datetime(case.accepted_at), "受理时间")
    line("受理窗口", f"{window_label(case.window_no)}　受理人：{case.clerk_name}", "受理人")
    line("承诺办结", _promised_short(case), "承诺办结")
    line("结果送达", hall.delivery_of(case.standard), "结果送达")
    story.append(w.p("已收取材料：", style=s.small))
    for i, m in enumerate(case.materials, start=1):
        story.append(
            w.raw(
                f"{i}. "
                + w.markup(m.name, "材料名称")
                + w.markup(f"（{m.medium.value}×{m.copies}）", "文书"),
                s.small,
            )
        )
    if case.decision is Decision.ACCEPT_DEFERRED:
        story.append(w.p("容缺材料（须按期补交）：", style=s.small))
        lines = case.deferred_lines
        if not lines:
            raise DocumentError("容缺受理须列出容缺材料及补交期限")
        for i, nl in enumerate(lines, start=1):
            when = case.supply_date(nl)
            if when is None:
                raise DocumentError(f"容缺材料“{nl.material}”缺少补交期限")
            story.append(
                w.raw(
                    f"{i}. "
                    + w.markup(nl.material, "容缺材料名称")
                    + w.markup(f"，{fmt_date(when)}前补交", "文书"),
                    s.small,
                )
            )
    story += [
        Spacer(1, 1.5 * mm),
        w.p(f"咨询电话：{hall.phone}", "电话", s.small),
        w.p(f"监督电话：{hall.supervision_phone}", "电话", s.small),
    ]
    if hall.office_hours:
        story.append(w.p(f"办公时间：{hall.office_hours}", "办公时间", s.small))
    qr = d.qr(case, 26 * mm)
    if qr is not None:
        story += [Spacer(1, 1.5 * mm), qr, w.p("扫码查询办理进度", style=s.center)]
    story += [w.p("请妥善保管本回执，凭受理编号查询、领取结果。", style=s.small)]
    story += d.footnote()
    return story


def _receipt_roll(case: CaseDoc, hall: HallSettings, mask: bool) -> RenderResult:
    d = _Doc(hall, roll=True)
    pattern = code128(case.case_no)
    pdf = build_roll(
        lambda: _roll_story(d, case, hall, mask, pattern),
        title=f"{DocKind.RECEIPT_ROLL.value} {case.case_no}",
        width=ROLL_WIDTH,
    )
    return RenderResult(DocKind.RECEIPT_ROLL, pdf, 1, d.check.missing, tuple(d.warnings), pattern)


# ---------------------------------------------------------------- 一次性告知书


def render_notice(case: CaseDoc, hall: HallSettings) -> RenderResult:
    """一次性告知书: every missing or defective material, in one notice."""
    if case.decision is Decision.REFUSE:
        raise DocumentError("该办件的决定为“不予受理”，应打印不予受理通知书")
    if case.standard is None:
        raise DocumentError("缺少事项标准，无法核对告知内容是否完整，不能打印一次性告知书")
    _require_covered(case, DocKind.NOTICE)
    if not case.notice_lines:
        raise DocumentError("没有需要补正的材料，无需打印一次性告知书")
    d = _Doc(hall)
    footer = d.footer_text(hall.hall_name)
    w = d.w
    story, pattern = d.header(DocKind.NOTICE.value, case.case_no)
    a = case.applicant
    story += [
        w.p(_salutation(a), "申请人姓名"),
        w.raw(
            w.markup(f"您于{fmt_date(case.accepted_at.date())}申请办理的“", "文书")
            + w.markup(case.item_name, "事项名称")
            + w.markup(f"”事项（事项编码：{case.item_code}），经审查，申请材料尚需补正。", "文书")
            + "根据一次性告知制度，现将需要补正的全部材料及要求告知如下：",
            w.s.para,
        ),
        Spacer(1, 2 * mm),
    ]
    rows = []
    for i, line in enumerate(case.notice_lines, start=1):
        rows.append(
            (
                str(i),
                line.material,
                line.problem.value,
                line.reason or "—",
                line.requirement or "—",
                _deadline_cell(case, line),
            )
        )
    story.append(
        w.grid(
            ("序号", "材料名称", "问题", "具体原因", "补正要求", "补交期限"),
            rows,
            (10 * mm, 42 * mm, 13 * mm, 38 * mm, 40 * mm, 27 * mm),
            where=("序号", "材料名称", "问题", "告知原因", "补正要求", "补交期限"),
            center_cols=(0, 2),
        )
    )
    story += [*w.heading("本告知所依据的办理情形：")]
    if case.answers:
        story.append(
            w.grid(
                ("办理情形", "申请人选择"),
                list(case.answers),
                (85 * mm, 85 * mm),
                where=("办理情形", "情形选择"),
            )
        )
    else:
        story.append(w.p("（本事项不区分办理情形）"))
    story += [
        Spacer(1, 3 * mm),
        w.p(NO_MORE_MATERIALS, style=_boxed(w.s.body)),
        Spacer(1, 2 * mm),
        w.p(
            f"请补齐材料后到{hall.hall_name}{window_label(case.window_no)}办理。"
            f"咨询电话：{hall.phone}；如对告知内容有异议，可拨打监督电话：{hall.supervision_phone}。",
            "电话",
        ),
    ]
    story += d.footnote()
    story.append(
        d.signed_and_sealed(
            [f"窗口工作人员：{case.clerk_name}（签字）", *_applicant_signers(a, "（签字）")],
            case.accepted_at,
            signed={1: case.applicant_signature},  # the applicant's own line
        )
    )
    pdf, pages = build_a4(
        story,
        title=f"{DocKind.NOTICE.value} {case.case_no}",
        footer_left=footer,
        footer_right=f"编号：{case.case_no}",
    )
    return RenderResult(DocKind.NOTICE, pdf, pages, d.check.missing, tuple(d.warnings), pattern)


def _deadline_cell(case: CaseDoc, line: NoticeLine) -> str:
    # A 补正 decision accepts nothing: a 容缺 material missing in it is one more
    # thing to bring before the case is taken, never with a date. Only a case
    # accepted under 容缺 gives its deferred materials a date.
    if not line.deferrable or case.decision is not Decision.ACCEPT_DEFERRED:
        return "补齐后办理"
    when = case.supply_date(line)
    if when is None:
        raise DocumentError(f"容缺材料“{line.material}”缺少补交期限")
    return f"容缺，{fmt_date(when)}前补交"


# ---------------------------------------------------------------- 容缺受理承诺书


def render_promise(case: CaseDoc, hall: HallSettings, *, mask: bool = False) -> RenderResult:
    """容缺受理承诺书: the applicant promises to supply the deferred materials by a date.

    A promise carries legal liability: the identity numbers print whole (``mask``
    is for a copy shown on screen)."""
    _require(case, (Decision.ACCEPT_DEFERRED,), DocKind.PROMISE)
    _require_accepted_materials(case, DocKind.PROMISE)
    d = _Doc(hall)
    footer = d.footer_text(hall.hall_name)
    w = d.w
    a = case.applicant
    story, pattern = d.header(DocKind.PROMISE.value, case.case_no)
    rows = _applicant_rows(a, mask)
    rows[0] = ("承诺人", *rows[0][1:])
    story += [
        d.kv_table(
            [
                *rows,
                ("申请事项", case.item_name),
                ("事项编码", case.item_code, "受理编号", case.case_no),
                ("受理窗口", window_label(case.window_no), "受理人", case.clerk_name),
                ("受理时间", fmt_datetime(case.accepted_at)),
            ],
            {**_WHERE, "承诺人": "申请人姓名"},
        ),
        Spacer(1, 3 * mm),
        w.p(
            "本人（本单位）申请办理上述事项，因下列材料暂时无法提供，申请容缺受理，并郑重承诺：",
            style=w.s.para,
        ),
        *(w.p(line, style=w.s.para) for line in DEFERRAL_UNDERTAKINGS),
        Spacer(1, 2 * mm),
        _deferred_table(d, case),
        Spacer(1, 6 * mm),
    ]
    signers = [f"承诺人：{a.name}（{'盖章' if a.is_org else '签字'}）"]
    if a.agent_name:
        signers.append(f"{'经办人' if a.is_org else '代办人'}：{a.agent_name}（签字）")
    signers.append(f"窗口工作人员：{case.clerk_name}（签字）")
    story.append(
        KeepTogether([d.signature_block(signers, {0: case.applicant_signature}, case.accepted_at)])
    )
    story += d.footnote()
    pdf, pages = build_a4(
        story,
        title=f"{DocKind.PROMISE.value} {case.case_no}",
        footer_left=footer,
        footer_right=f"受理编号：{case.case_no}",
    )
    return RenderResult(DocKind.PROMISE, pdf, pages, d.check.missing, tuple(d.warnings), pattern)


# ---------------------------------------------------------------- 不予受理通知书


def render_refusal(case: CaseDoc, hall: HallSettings) -> RenderResult:
    """不予受理通知书: the reason, its legal basis and the applicant's remedies."""
    _require(case, (Decision.REFUSE,), DocKind.REFUSAL)
    if not case.refusal_reason.strip():
        raise DocumentError("不予受理须写明理由")
    if not case.refusal_basis.strip():
        raise DocumentError("不予受理须写明法律依据")
    d = _Doc(hall)
    footer = d.footer_text(hall.hall_name)
    w = d.w
    a = case.applicant
    # The decision is the administrative body's that holds the power (the item's
    # 实施主体); the hall's window received the application and hands this over.
    body = case.department.strip()
    if not body:
        raise DocumentError("事项标准未写明实施主体，不能以其名义作出不予受理决定")
    review_body, court = hall.remedies_of(case.standard)
    if not review_body.strip() or not court.strip():
        raise DocumentError(
            "不予受理通知书须写明行政复议机关和行政诉讼管辖法院：请在事项标准"
            "（复议机关、管辖法院）或大厅设置中填写"
        )
    story, pattern = d.header(DocKind.REFUSAL.value, case.case_no, issuer=body)
    story += [
        w.p(_salutation(a), "申请人姓名"),
        w.raw(
            w.markup(f"您于{fmt_date(case.accepted_at.date())}向", "文书")
            + w.markup(hall.hall_name, "服务中心名称")
            + w.markup(f"{window_label(case.window_no)}申请办理的“", "文书")
            + w.markup(case.item_name, "事项名称")
            + w.markup(
                f"”事项（事项编码：{case.item_code}），经审查，本机关决定不予受理。", "文书"
            ),
            w.s.para,
        ),
        w.raw("<b>不予受理的理由：</b>" + w.markup(case.refusal_reason, "不予受理理由"), w.s.para),
        w.raw("<b>法律依据：</b>" + w.markup(case.refusal_basis, "法律依据"), w.s.para),
        w.p(remedies_text(review_body, court), "救济途径", w.s.para),
        w.p(f"咨询电话：{hall.phone}；监督电话：{hall.supervision_phone}。", "电话", w.s.para),
    ]
    story += d.footnote()
    story.append(
        d.signed_and_sealed(
            [
                f"经办人：{case.clerk_name}（{window_label(case.window_no)}）",
                *(line.replace("：", "签收：", 1) for line in _applicant_signers(a, "")),
            ],
            case.accepted_at,
            issuer=body,
        )
    )
    pdf, pages = build_a4(
        story,
        title=f"{DocKind.REFUSAL.value} {case.case_no}",
        footer_left=footer,
        footer_right=f"编号：{case.case_no}",
    )
    return RenderResult(DocKind.REFUSAL, pdf, pages, d.check.missing, tuple(d.warnings), pattern)


# ---------------------------------------------------------------- 办事指南


def render_guide(
    item: Item, hall: HallSettings, *, printed_at: datetime | None = None
) -> RenderResult:
    """办事指南 of one item version, for the applicant to take home."""
    printed_at = printed_at or datetime.now()
    review_body, court = hall.remedies_of(item)
    d = _Doc(hall)
    footer = d.footer_text(f"{item.code}　版本 {item.version}")
    w = d.w
    story, _ = d.header(DocKind.GUIDE.value, None)
    story += [
        w.p(item.name, "事项名称", w.s.subtitle),
        d.kv_table(
            [
                ("事项名称", item.name),
                ("事项编码", item.code, "事项类型", item.kind.value),
                ("实施部门", item.department, "办件类型", item.service_type.value),
                (
                    "法定时限",
                    limit_text(item.statutory_days, item.statutory_unit),
                    "承诺时限",
                    _days(item),
                ),
                ("是否收费", "收费" if item.fee else "不收费", "标准版本", item.version),
                ("办理地点", item.place or hall.address),
                ("办公时间", hall.office_hours or "—"),
                ("结果送达", hall.delivery_of(item)),
                ("咨询电话", item.phone or hall.phone, "监督电话", hall.supervision_phone),
                ("复议机关", review_body or "—", "管辖法院", court or "—"),
            ]
        ),
    ]

    def section(title: str, text: str, where: str) -> None:
        story.extend(w.heading(title))
        story.append(w.p(text.strip() or "无", where))

    section("一、设定依据", item.legal_basis, "设定依据")
    section("二、受理条件", item.conditions, "受理条件")
    story += w.heading("三、办理情形")
    if item.questions:
        story.append(
            w.grid(
                ("情形", "可选项"),
                [(q.text, "／".join(q.options)) for q in item.questions],
                (70 * mm, 100 * mm),
                where=("办理情形", "情形选项"),
            )
        )
    else:
        story.append(w.p("本事项不区分办理情形。"))
    story += w.heading("四、申请材料")
    story.append(_guide_materials(d, item))
    section("五、办理流程", item.procedure, "办理流程")
    section(
        "六、办理时限",
        f"法定办结时限{limit_text(item.statutory_days, item.statutory_unit)}，"
        f"承诺办结时限{_days(item)}{_counting(item)}。",
        "办理时限",
    )
    section(
        "七、收费标准",
        (item.fee_standard or "收费") if item.fee else "不收费。",
        "收费标准",
    )
    section(
        "八、办理地点和咨询监督",
        f"办理地点：{item.place or hall.address}\n"
        + (f"办公时间：{hall.office_hours}\n" if hall.office_hours else "")
        + f"咨询电话：{item.phone or hall.phone}\n监督电话：{hall.supervision_phone}",
        "办理地点",
    )
    if review_body and court:
        section(
            "九、救济途径",
            f"申请人对{item.department}作出的决定不服的，可以自知道该决定之日起60日内向"
            f"{review_body}申请行政复议，或者自知道该决定之日起6个月内向{court}提起行政诉讼。",
            "救济途径",
        )
    story += d.footnote()
    pdf, pages = build_a4(
        story,
        title=f"{DocKind.GUIDE.value} {item.name}",
        footer_left=footer,
        footer_right=f"打印时间：{fmt_datetime(printed_at)}",
    )
    return RenderResult(DocKind.GUIDE, pdf, pages, d.check.missing, tuple(d.warnings), None)


def _days(item: Item) -> str:
    if item.service_type is ServiceType.ON_THE_SPOT:
        return "即办（当场办结）"
    return limit_text(item.promised_days, item.promised_unit)


def _counting(item: Item) -> str:
    """How the limits are counted, in the words a guide uses."""
    units = {item.statutory_unit, item.promised_unit}
    parts = []
    if LimitUnit.WORKING in units:
        parts.append("工作日不含法定节假日和休息日")
    if LimitUnit.NATURAL in units:
        parts.append("以“日”计的时限按自然日计算，期满日为法定节假日的顺延至节后第一个工作日")
    return "（" + "；".join(parts) + "）"


def _situation_text(item: Item, m: Material) -> str:
    if not m.conditions:
        return "全部情形"
    parts = []
    for c in m.conditions:
        q = item.question(c.question)
        label = q.text if q is not None else c.question
        options = [o for o in (q.options if q else ()) if o in c.options] or sorted(c.options)
        # the options on a line of their own: a narrow column then breaks between
        # the question and its answers, not inside an answer (已/婚)
        parts.append(f"{label}：\n{'／'.join(options)}")
    return "；\n".join(parts)


def _guide_materials(d: _Doc, item: Item) -> Flowable:
    w = d.w
    rows: list[tuple[str | Flowable, ...]] = []
    for m in sorted(item.materials, key=lambda x: x.seq):
        extra = [
            f"{label}：{value}"
            for label, value in (
                ("来源", m.source),
                ("空白表格", m.blank_form),
                ("示例样表", m.sample),
            )
            if value
        ]
        name = w.markup(m.name, "材料名称")
        if extra:
            name += '<br/><font size="7.5">' + w.markup("；".join(extra), "材料说明") + "</font>"
        rows.append(
            (
                str(m.seq),
                w.raw(name, w.s.cell),
                m.medium.value,
                str(m.copies),
                m.necessity.value,
                m.standard or "—",
                _situation_text(item, m),
            )
        )
    if not rows:
        return w.p("本事项无需提交申请材料。")
    return w.grid(
        ("序号", "材料名称", "介质", "份数", "必要性", "受理标准", "适用情形"),
        rows,
        (10 * mm, 42 * mm, 17 * mm, 10 * mm, 13 * mm, 44 * mm, 34 * mm),
        where=("序号", "材料名称", "介质", "份数", "必要性", "受理标准", "适用情形"),
        center_cols=(0, 2, 3, 4),
    )


# ---------------------------------------------------------------- 打印测试页


@dataclass(frozen=True, slots=True)
class PageImage:
    """One photographed page to print: which material, which page, the JPEG."""

    material: str
    page: int
    of: int
    jpeg: bytes


def render_pages(
    case_no: str, item_name: str, pages: Sequence[PageImage], hall: HallSettings
) -> RenderResult:
    """材料影像: each page image on an A4 page of its own, scaled to fit, headed by the
    material's name; the case number and barcode on the first page."""
    if not pages:
        raise DocumentError("该办件没有材料影像")
    d = _Doc(hall)
    w = d.w
    story, pattern = d.header(DocKind.PAGES.value, case_no)
    story.append(w.p(item_name, "事项名称"))
    room_h = 297 * mm - 2 * 25 * mm - 40 * mm
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.append(
            w.p(f"{page.material}（第{page.page}页，共{page.of}页）", "材料名称", w.s.heading)
        )
        story.append(Spacer(1, 2 * mm))
        image = d.signature(
            page.jpeg, A4_WIDTH, room_h - (25 * mm if i == 0 else 0), f"{page.material}影像"
        )
        if image is None:
            story.append(w.p("（影像无法读取）"))
        else:
            image.hAlign = "CENTER"
            story.append(image)
    pdf, count = build_a4(
        story,
        title=f"{DocKind.PAGES.value} {case_no}",
        footer_left=d.footer_text(hall.hall_name),
        footer_right=f"受理编号：{case_no}",
    )
    return RenderResult(DocKind.PAGES, pdf, count, d.check.missing, tuple(d.warnings), pattern)


def render_test_page(
    hall: HallSettings, printer: str, *, when: datetime | None = None
) -> RenderResult:
    """A page to check a printer: Chinese text, the embedded font, a barcode, a frame."""
    when = when or datetime.now()
    d = _Doc(hall)
    w = d.w
    story, pattern = d.header("打印测试页", "YC-TEST-0001")
    story += [
        d.kv_table(
            [
                ("打印机", printer),
                ("打印时间", fmt_datetime(when)),
                (
                    "内嵌字体",
                    "文泉驿微米黑（WenQuanYi Micro Hei）；标题：文鼎PL简报宋"
                    "（AR PL SungtiL GB）。无需在本机安装中文字体",
                ),
                ("测试文字", "一窗受理 一次告知 限时办结 容缺受理 0123456789 ABCDEFG abcdefg"),
            ]
        ),
        Spacer(1, 4 * mm),
        w.p(
            "如能清晰看到本页的中文、表格线和上方条码，说明打印机工作正常；"
            "如中文显示为方框或空白，请联系管理员。",
            style=w.s.para,
        ),
    ]
    pdf, pages = build_a4(story, title="打印测试页", footer_left=d.footer_text(hall.hall_name))
    return RenderResult(DocKind.TEST_PAGE, pdf, pages, d.check.missing, tuple(d.warnings), pattern)
