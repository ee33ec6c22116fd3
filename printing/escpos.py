"""ESC/POS bytes for thermal ticket and receipt printers (58 mm and 80 mm).

Chinese text is sent as GB18030 with the printer's Hanzi mode on (``FS &``) and
switched off again (``FS .``) at the end of the job. Every non-ASCII character is a
full-width cell (two columns) on these printers, which is how lines are wrapped.

Characters outside the two-byte GBK area (GB18030 four-byte codes, e.g. 𠮷 U+20BB7,
䶮 U+4DAE) are missing from the built-in fonts of most thermal printers, which print
garbage for them. Unless a profile says its printer has the full GB18030 font, such
a character is printed as ``〔U+20BB7〕`` and reported in the result, like the PDFs do.

This module imports no reportlab: the kiosk prints tickets without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from app.core.check import Decision
from app.core.items import ServiceType
from app.core.workdays import limit_text
from printing.model import (
    MARKER,
    CaseDoc,
    DocumentError,
    MissingChar,
    TicketDoc,
    missing_footnote,
)
from printing.settings import HallSettings
from printing.text import (
    applicant_id_text,
    fmt_date,
    fmt_datetime,
    mask_phone,
    text_columns,
    window_label,
    wrap_columns,
)

ESC = b"\x1b"
FS = b"\x1c"
GS = b"\x1d"

INIT = ESC + b"@"
HANZI_ON = FS + b"&"
HANZI_OFF = FS + b"."
LF = b"\n"


class Align(IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


@dataclass(frozen=True, slots=True)
class PaperProfile:
    """A printer's paper: columns of half-width characters and dots per line."""

    name: str
    columns: int
    dots: int
    full_gb18030: bool = False  # True if the printer's font has the four-byte area

    @property
    def barcode_module_dots(self) -> int:
        return 2


PAPER_58 = PaperProfile("58mm", 32, 384)
PAPER_80 = PaperProfile("80mm", 48, 576)


@dataclass(frozen=True, slots=True)
class EscPosResult:
    data: bytes
    missing: tuple[MissingChar, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing


class EscPos:
    """Builds one print job. Methods return ``self`` so a job reads top to bottom."""

    def __init__(self, profile: PaperProfile = PAPER_80) -> None:
        self.profile = profile
        self._buf = bytearray()
        self._hanzi = False
        self._width = 1  # current character width multiplier
        self._places: dict[str, list[str]] = {}

    # -- printer state

    def init(self) -> EscPos:
        """ESC @: clear the printer's modes. Hanzi mode is set again when needed."""
        self._buf += INIT
        self._hanzi = False
        self._width = 1
        return self

    def hanzi(self, on: bool) -> EscPos:
        """FS & / FS .: Chinese (double-byte) character mode on or off."""
        self._buf += HANZI_ON if on else HANZI_OFF
        self._hanzi = on
        return self

    def align(self, align: Align) -> EscPos:
        """ESC a n."""
        self._buf += ESC + b"a" + bytes([align])
        return self

    def bold(self, on: bool = True) -> EscPos:
        """ESC E n."""
        self._buf += ESC + b"E" + bytes([1 if on else 0])
        return self

    def size(self, width: int = 1, height: int = 1) -> EscPos:
        """GS ! n: character width and height multipliers, 1 to 8 each."""
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise ValueError("character size multipliers must be 1..8")
        self._buf += GS + b"!" + bytes([(width - 1) << 4 | (height - 1)])
        self._width = width
        return self

    def feed(self, lines: int = 1) -> EscPos:
        """ESC d n: print and feed ``lines`` lines."""
        if not 0 <= lines <= 255:
            raise ValueError("feed lines must be 0..255")
        self._buf += ESC + b"d" + bytes([lines])
        return self

    def cut(self, partial: bool = True) -> EscPos:
        """GS V m 0: feed to the cutter position, then cut (partial leaves a tab)."""
        self._buf += GS + b"V" + bytes([66 if partial else 65, 0])
        return self

    # -- content

    @property
    def columns(self) -> int:
        """Columns per line at the current character width."""
        return self.profile.columns // self._width

    def text(self, text: str, where: str = "文本") -> EscPos:
        """Text without a line feed (no wrapping)."""
        data = self.encode(text, where)
        if not self._hanzi and any(b >= 0x80 for b in data):
            self.hanzi(True)
        self._buf += data
        return self

    def line(self, text: str = "", where: str = "文本", indent: int = 0) -> EscPos:
        """Text wrapped to the paper width, each line ended by LF. Continuation lines
        are indented by ``indent`` columns."""
        shown = self.shown(text, where)
        for part in wrap_columns(shown, self.columns, indent):
            self.text(part, where)
            self._buf += LF
        return self

    def label(self, label: str, value: str, where: str) -> EscPos:
        """``label：value`` with the value's continuation lines under the value."""
        head = f"{label}："
        indent = text_columns(head)
        if indent > self.columns // 2:
            indent = 2
        return self.line(head + self.shown(value, where), where, indent)

    def pair(self, left: str, right: str, where: str) -> EscPos:
        """``left`` and ``right`` on one line, right aligned; wraps if too long."""
        left_s, right_s = self.shown(left, where), self.shown(right, where)
        gap = self.columns - text_columns(left_s) - text_columns(right_s)
        if gap >= 1:
            return self.line(left_s + " " * gap + right_s, where)
        self.line(left_s, where, 4)
        pad = max(0, self.columns - text_columns(right_s))
        return self.line(" " * pad + right_s, where)

    def rule(self, char: str = "-") -> EscPos:
        return self.line(char * self.columns)

    def barcode128(self, data: str, height: int = 64, module: int = 2) -> bool:
        """GS k 73: a Code 128 barcode with its text printed below: code set B, or —
        only when B would not fit the paper — B with its longer digit runs in code
        set C (two digits a symbol), which fits a 26-character case number on 80 mm.

        Returns False (and prints nothing) when it would not fit the paper."""
        if not data or not all(" " <= ch <= "~" for ch in data):
            raise ValueError(f"条码内容只能是英文字母、数字和符号：{data!r}")
        payload, symbols = b"{B" + data.replace("{", "{{").encode("ascii"), len(data)
        if _modules(symbols) * module > self.profile.dots:
            payload, symbols = _code_bc(data)
        if _modules(symbols) * module > self.profile.dots or len(payload) > 255:
            return False
        self._buf += GS + b"h" + bytes([height])  # bar height in dots
        self._buf += GS + b"w" + bytes([module])  # module width in dots
        self._buf += GS + b"H" + bytes([2])  # human-readable text below the bars
        self._buf += GS + b"k" + bytes([73, len(payload)]) + payload
        self._buf += LF
        return True

    # -- encoding

    def shown(self, text: str, where: str) -> str:
        """``text`` as it will print: unprintable characters become markers."""
        out: list[str] = []
        for ch in text:
            code = ord(ch)
            if ch == "\n":
                out.append(ch)
            elif code < 0x20 or code == 0x7F:
                out.append(" ")
            elif code < 0x80 or self.profile.full_gb18030:
                out.append(ch)
            else:
                try:
                    encoded = ch.encode("gb18030")
                except UnicodeEncodeError:  # lone surrogates
                    encoded = b"\0\0\0\0"
                if len(encoded) == 2:
                    out.append(ch)
                else:
                    out.append(MARKER.format(code))
                    places = self._places.setdefault(ch, [])
                    if where not in places:
                        places.append(where)
        return "".join(out)

    def encode(self, text: str, where: str) -> bytes:
        return self.shown(text, where).replace("\n", " ").encode("gb18030", errors="replace")

    # -- result

    @property
    def missing(self) -> tuple[MissingChar, ...]:
        return tuple(MissingChar(ch, tuple(places)) for ch, places in self._places.items())

    def finish(self) -> EscPosResult:
        """The job's bytes; Hanzi mode is switched off at the end."""
        if self._hanzi:
            self.hanzi(False)
        return EscPosResult(bytes(self._buf), self.missing)


def _modules(symbols: int) -> int:
    """Modules of a Code 128 symbol with ``symbols`` data symbols (code-set switches
    included): start, data, check, stop (13) and the quiet zones (10 each side)."""
    return (symbols + 3) * 11 + 2 + 20


def _code_bc(data: str) -> tuple[bytes, int]:
    """The GS k 73 payload of ``data`` in code set B with each run of four or more
    digits in code set C (an odd run leaves its first digit in B), and its number
    of data symbols."""
    import re

    out, symbols, current = bytearray(), 0, ""
    for run in re.findall(r"\d{4,}|[^\d]+|\d{1,3}", data):
        digits = run.isdigit() and len(run) >= 4
        head, pairs = (run[: len(run) % 2], run[len(run) % 2 :]) if digits else (run, "")
        if head:
            if current != "B":
                out += b"{B"
                symbols += 1 if current else 0
                current = "B"
            out += head.replace("{", "{{").encode("ascii")
            symbols += len(head)
        if pairs:
            if current != "C":
                out += b"{C"
                symbols += 1 if current else 0
                current = "C"
            out += bytes(int(pairs[i : i + 2]) for i in range(0, len(pairs), 2))
            symbols += len(pairs) // 2
    return bytes(out), symbols


def build_ticket(ticket: TicketDoc, profile: PaperProfile = PAPER_80) -> EscPosResult:
    """A queue ticket: hall, category, the number very large, people ahead, time."""
    p = EscPos(profile).init().align(Align.CENTER)
    p.bold().line(ticket.hall_name, "服务中心名称").bold(False)
    p.feed(1)
    p.size(2, 2).line(ticket.category, "业务类别")
    p.size(4, 4).bold().line(ticket.number, "号码").bold(False)
    p.size(1, 1).feed(1)
    p.line(f"您前面还有 {ticket.people_ahead} 人等候", "等候人数")
    if ticket.expected_wait:
        p.line(ticket.expected_wait, "预计等候")
    p.line(f"取号时间：{fmt_datetime(ticket.issued_at)}", "取号时间")
    p.bold().line("本号当日有效", "提示").bold(False)
    p.align(Align.LEFT).rule()
    for hint in ticket.notes:
        p.line(hint, "提示")
    note = missing_footnote(p.missing)
    if note is not None:
        p.line(note, "脚注")
    p.feed(2).cut()
    return p.finish()


def build_receipt_text(
    case: CaseDoc, hall: HallSettings, *, profile: PaperProfile = PAPER_80, mask: bool = True
) -> EscPosResult:
    """受理回执 as ESC/POS text, for a counter with only a thermal printer."""
    if case.decision not in (Decision.ACCEPT, Decision.ACCEPT_DEFERRED):
        raise DocumentError(f"该办件的决定为“{case.decision.value}”，不能打印受理回执")
    a = case.applicant
    p = EscPos(profile).init().align(Align.CENTER)
    p.bold().line(hall.hall_name, "服务中心名称").bold(False)
    p.size(2, 2).line("受理回执").size(1, 1)
    p.feed(1)
    if not p.barcode128(case.case_no):
        p.line(case.case_no, "受理编号")
    p.align(Align.LEFT).rule()
    p.label("受理编号", case.case_no, "受理编号")
    p.label("事项名称", case.item_name, "事项名称")
    p.label("事项编码", f"{case.item_code}（{case.item_version}版）", "事项编码")
    p.label("实施部门", case.department, "实施部门")
    p.label("申请单位" if a.is_org else "申请人", a.name, "申请人姓名")
    id_label, id_value = applicant_id_text(a, mask=mask)
    p.label(id_label, id_value, "证件号码")
    if a.phone:
        p.label("联系电话", mask_phone(a.phone) if mask else a.phone, "联系电话")
    if a.agent_name:
        p.label("经办人" if a.is_org else "代办人", a.agent_name, "代办人姓名")
    p.label("受理结果", case.decision.value, "受理结果")
    p.label("受理时间", fmt_datetime(case.accepted_at), "受理时间")
    p.label("受理窗口", f"{window_label(case.window_no)}  受理人：{case.clerk_name}", "受理人")
    if case.service_type is ServiceType.ON_THE_SPOT:
        p.label("承诺办结", "即办件，当场办结", "承诺办结")
    else:
        days = (
            f"（{limit_text(case.promised_days, case.promised_unit)}）"
            if case.promised_days
            else ""
        )
        p.label("承诺办结", f"{fmt_date(case.promised_date)}前{days}", "承诺办结")
    p.label("结果送达", hall.delivery_of(case.standard), "结果送达")
    p.rule()
    p.line("已收取材料：")
    for i, m in enumerate(case.materials, start=1):
        p.pair(f"{i}.{m.name}", f"{m.medium.value}×{m.copies}", "材料名称")
    if case.decision is Decision.ACCEPT_DEFERRED:
        p.rule()
        p.line("容缺材料（须按期补交）：")
        for i, nl in enumerate(case.deferred_lines, start=1):
            when = case.supply_date(nl)
            if when is None:
                raise DocumentError(f"容缺材料“{nl.material}”缺少补交期限")
            p.line(f"{i}.{nl.material}，{fmt_date(when)}前补交", "容缺材料名称", 2)
    p.rule()
    p.label("咨询电话", hall.phone, "电话")
    p.label("监督电话", hall.supervision_phone, "电话")
    if hall.office_hours:
        p.label("办公时间", hall.office_hours, "办公时间")
    p.line("请妥善保管本回执，凭受理编号查询、领取结果。")
    note = missing_footnote(p.missing)
    if note is not None:
        p.line(note, "脚注")
    p.feed(3).cut()
    return p.finish()
