"""Formatting shared by PDF and ESC/POS documents: masks, dates, column widths."""

from __future__ import annotations

import re
from datetime import date, datetime

from printing.model import ApplicantInfo, IdType


def mask_id(number: str) -> str:
    """Hide the middle of an identity number: 370982********1234.

    An 18-character resident ID keeps its region (6) and last 4; other numbers keep
    roughly their first and last quarter so the applicant can recognise their own."""
    n = number.strip()
    if len(n) <= 4:
        return "*" * len(n)
    if len(n) in (15, 18):
        head, tail = 6, 4
    else:
        head, tail = max(1, len(n) // 4), max(1, len(n) // 4)
    return n[:head] + "*" * (len(n) - head - tail) + n[-tail:]


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; landlines (with a dash) are public and shown."""
    p = phone.strip()
    if len(p) == 11 and p.isdigit():
        return p[:3] + "****" + p[7:]
    return p


def applicant_id_text(applicant: ApplicantInfo, *, mask: bool = True) -> tuple[str, str]:
    """(label, value) of the number that identifies the applicant on a document.

    An organisation's credit code is public and never masked."""
    if applicant.is_org:
        return IdType.CREDIT_CODE.value, applicant.credit_code or applicant.id_number
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


NO_LINE_START = "，。、；：？！）》」』】〕…—％,.;:?!)]}"
"""Punctuation that Chinese typesetting never puts at the start of a line."""
_SPACE_BEFORE_MARK = re.compile(" +(?=[" + re.escape(NO_LINE_START) + "])")


def wrap_columns(text: str, width: int, indent: int = 0) -> list[str]:
    """Split ``text`` into lines of at most ``width`` columns, continuation lines
    indented by ``indent`` spaces. Breaks between any two Chinese characters, keeps
    a run of ASCII letters/digits together when it fits on a line, and never starts
    a line with closing punctuation (the character before it moves down with it)."""
    if width <= indent:
        raise ValueError("width must exceed indent")
    lines: list[str] = []
    for raw in text.split("\n"):
        para = _SPACE_BEFORE_MARK.sub("", raw)  # a space must not strand a mark
        line: list[str] = []
        used = 0
        for tok in _tokens(para):
            cols = text_columns(tok)
            if used + cols > width and line:
                carry = _carry(line, tok, width - indent - cols, 1 if indent and lines else 0)
                lines.append("".join(line).rstrip())
                line = [" " * indent, *carry] if indent else carry
                used = indent + sum(text_columns(t) for t in carry)
                if tok == " ":
                    continue
            while cols > width - used:  # a token longer than a whole line: cut it
                cut, ccols = _cut(tok, width - used)
                if not cut:  # not even one character fits: put it alone
                    cut, ccols = tok[0], char_columns(tok[0])
                lines.append(("".join(line) + cut).rstrip())
                tok, cols = tok[len(cut) :], cols - ccols
                line, used = ([" " * indent] if indent else []), indent
            line.append(tok)
            used += cols
        lines.append("".join(line).rstrip())
    return lines


def _carry(line: list[str], tok: str, room: int, first: int) -> list[str]:
    """Tokens to move from the end of ``line`` to the next line so that ``tok``, a
    closing punctuation mark, does not start it: the trailing run of such marks and
    the character before them (splitting a word if it is the line's only one).
    Nothing moves if the line would be left empty or the moved part would not fit in
    ``room`` columns."""
    if tok[0] not in NO_LINE_START:
        return []
    k = len(line) - 1
    while k > first and (line[k] in NO_LINE_START or not line[k].strip()):
        k -= 1
    if k < first or not line[k].strip() or line[k] in NO_LINE_START:
        return []
    too_wide = sum(text_columns(t) for t in line[k:]) > room
    if k == first or too_wide:  # take only the last character of the word
        if len(line[k]) < 2:
            return []
        word = line[k]
        line[k : k + 1] = [word[:-1], word[-1]]
        k += 1
    carry = line[k:]
    if sum(text_columns(t) for t in carry) > room:
        return []
    del line[k:]
    return carry


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if (ch.isascii() and ch.isalnum()) or (word and ch in "-_./:@"):
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


def _cut(token: str, cols: int) -> tuple[str, int]:
    taken, used = "", 0
    for ch in token:
        c = char_columns(ch)
        if used + c > cols:
            break
        taken += ch
        used += c
    return taken, used
