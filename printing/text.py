"""Formatting shared by PDF and ESC/POS documents: masks, dates, column widths."""

from __future__ import annotations

import re
from datetime import date, datetime

from app.core.privacy import mask_id_no
from app.core.privacy import mask_phone as privacy_mask_phone
from printing import linebreak
from printing.model import ApplicantInfo

CREDIT_CODE_LABEL = "统一社会信用代码"


def mask_id(number: str) -> str:
    """Hide the middle of an identity number: 370982********1234 (the one rule:
    app/core/privacy.mask_id_no)."""
    return mask_id_no(number)


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; landlines (with a dash) are public and shown."""
    return privacy_mask_phone(phone, landline=False)


def applicant_id_text(applicant: ApplicantInfo, *, mask: bool = True) -> tuple[str, str]:
    """(label, value) of the number that identifies the applicant on a document.

    An organisation's credit code is public and never masked."""
    if applicant.is_org:
        return CREDIT_CODE_LABEL, applicant.credit_code or applicant.id_number
    value = mask_id(applicant.id_number) if mask else applicant.id_number
    return applicant.id_type.value, value


def window_label(window_no: str) -> str:
    """“3” → “3号窗口”; labels that already say 窗口 are kept."""
    text = window_no.strip()
    return text if "窗口" in text else f"{text}号窗口"


def fmt_date(d: date | None) -> str:
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_datetime(dt: datetime) -> str:
    return f"{fmt_date(dt)} {dt.hour:02d}:{dt.minute:02d}"


def fmt_datetime_short(dt: datetime) -> str:
    """ASCII date and time for narrow thermal paper."""
    return dt.strftime("%Y-%m-%d %H:%M")


def char_columns(ch: str) -> int:
    """Half-width columns a character takes on a thermal printer.

    In Hanzi mode every multi-byte GB18030 character prints as a full-width cell
    (24 dots), including punctuation such as “×” or “—”; ASCII takes one column."""
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    return sum(char_columns(ch) for ch in text)


NO_LINE_START = linebreak.CLOSING
"""Punctuation that Chinese typesetting never puts at the start of a line."""
_SPACE_BEFORE_MARK = re.compile(" +(?=[" + re.escape(NO_LINE_START) + "])")


def wrap_columns(text: str, width: int, indent: int = 0) -> list[str]:
    """Split ``text`` into lines of at most ``width`` columns, continuation lines
    indented by ``indent`` spaces, by the Chinese line-breaking rules of
    :mod:`printing.linebreak` (the same as the PDFs'): no closing punctuation first,
    no opening bracket last, dates, numbers, 文号 and ASCII words kept whole when
    they fit on a line. Nothing ever goes past ``width``: a thermal printer would
    wrap it itself."""
    if width <= indent:
        raise ValueError("width must exceed indent")
    lines: list[str] = []
    for raw in text.split("\n"):
        para = _SPACE_BEFORE_MARK.sub("", raw)  # a space must not strand a mark
        wrapped = linebreak.wrap(
            para,
            text_columns,
            lambda n: width if n == 0 else width - indent,
            hang=False,
        )
        lines.append(wrapped[0])
        lines.extend(" " * indent + line for line in wrapped[1:])
    return lines
