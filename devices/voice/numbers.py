"""How the hall reads numbers aloud. Pure functions, no I/O.

Ticket numbers are read digit by digit (A105 → A 一 零 五, as every calling system
does, so 015 keeps its zero); window numbers are read as a quantity (10 → 十,
21 → 二十一, 101 → 一百零一). A 2 before 百, 千 and a bare 万 is read 两, as people
say it (两百, 两千零五, 两万); before 十 and as the last digit it stays 二 (二十,
十二, 二十万). Each returned item is the text of one voice clip.
"""

from __future__ import annotations

from devices.text import CallTemplate

DIGITS = "零一二三四五六七八九"
_UNITS = ("千", "百", "十", "")
LIANG = "两"  # 2 as a count of 百, 千 or 万
LIMIT = 10**8


def _section(n: int, leading: bool) -> list[str]:
    """0 < n < 10000. leading: the first section of the number, where 10–19 drop the 一."""
    digits = (n // 1000, n // 100 % 10, n // 10 % 10, n % 10)
    out: list[str] = []
    started = zero_pending = False
    for digit, unit in zip(digits, _UNITS, strict=True):
        if digit == 0:
            zero_pending = started
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        if digit == 2 and unit in ("千", "百"):
            out.append(LIANG)
        elif not (digit == 1 and unit == "十" and not started and leading):
            out.append(DIGITS[digit])
        if unit:
            out.append(unit)
        started = True
    return out


def read_integer(n: int) -> list[str]:
    """10 → [十]; 21 → [二, 十, 一]; 101 → [一, 百, 零, 一]; 10010 → 一万零一十;
    2005 → [两, 千, 零, 五]; 20000 → 两万."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"数字 {n} 超出可朗读的范围（0–{LIMIT - 1}）")
    if n == 0:
        return ["零"]
    high, low = divmod(n, 10000)
    if not high:
        return _section(low, leading=True)
    out = [LIANG] if high == 2 else _section(high, leading=True)
    out.append("万")
    if low:
        if low < 1000:
            out.append("零")
        out += _section(low, leading=False)
    return out


def read_code(code: str) -> list[str]:
    """Letters by name, digits one by one: A105 → [A, 一, 零, 五]."""
    out: list[str] = []
    for ch in code.strip():
        if ch.isascii() and ch.isdigit():
            out.append(DIGITS[int(ch)])
        elif ch.isascii() and ch.isalpha():
            out.append(ch.upper())
        elif ch in DIGITS:
            out.append(ch)
        else:
            raise ValueError(f"票号“{code}”中有无法朗读的字符“{ch}”")
    if not out:
        raise ValueError("票号为空")
    return out


def read_window(window: int | str) -> list[str]:
    """A window number as a quantity; a window code with letters (B2) like a ticket."""
    if isinstance(window, int):
        return read_integer(window)
    text = window.strip()
    if text.isascii() and text.isdigit():
        return read_integer(int(text))
    return read_code(text)


def announcement_words(template: CallTemplate, ticket: str, window: int | str) -> list[str]:
    """The template's literal runs as they are, the fields read out:
    请{ticket}号到{window}号窗口, A105, 10 → [请, A, 一, 零, 五, 号到, 十, 号窗口]."""
    words: list[str] = []
    for part in template.parts():
        if part.field == "ticket":
            words += read_code(ticket)
        elif part.field == "window":
            words += read_window(window)
        elif part.literal.strip():
            words.append(part.literal.strip())
    return words


def spoken_text(template: CallTemplate, ticket: str, window: int | str) -> str:
    """The same reading as one string, for a TTS engine: 请A一零五号到十号窗口."""
    return "".join(announcement_words(template, ticket, window))
