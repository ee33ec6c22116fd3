"""Chinese line breaking (禁则), in one place for the PDF paragraphs and the thermal
printer's text.

The rules, as Chinese typesetting (and GB/T 15834's punctuation usage) has them:

- closing punctuation (，。、；：？！）》」』】〕…— and their ASCII cousins) never starts
  a line: it stays with the character before it;
- an opening bracket or quotation mark (（《「『【〔“) never ends a line: it goes down
  with what it opens;
- a date (2025年3月24日), a number with its unit (10个工作日, 12个月, 2025.1版), a
  document number (文号: 民发〔2021〕57号, 国务院令第649号, 第十一条), a code or an
  ASCII word (0538-1234567, SF0101-20250317-0042) is kept whole;
- a few words that documents print again and again (签字, 委托书 …) are kept whole;
- the last line of a paragraph is not a single character left alone (孤字): the
  line before gives it a companion.

Text is first cut into *units* (:func:`units`) that must not be split; lines are
then filled greedily with units (:func:`break_units`). A unit wider than a whole
line is cut between characters, still never putting closing punctuation first.
Measuring is left to the caller: points of a font in a PDF, columns on a printer.
This module imports nothing else of ours, and no reportlab.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

CLOSING = "，。、；：？！）》」』】〕］｝〉’”…—％‰,.;:?!)]}%"
"""Punctuation that never starts a line."""
OPENING = "（《「『【〔［｛〈‘“([{"
"""Brackets and quotation marks that never end a line."""
_CLOSING_SET = frozenset(CLOSING)
_OPENING_SET = frozenset(OPENING)

# Words kept whole: the nouns and verbs a notice prints in almost every line.
TERMS = (
    "签字", "盖章", "签名", "手印", "委托书", "申请书", "承诺书", "告知书", "通知书", "证明",
    "身份证", "户口簿", "营业执照", "工作日", "原件", "复印件",
)  # fmt: skip

_CJK = r"[\u3400-\u9fff]"
_NUM = r"\d+(?:\.\d+)*"
_UNITS = (
    "个工作日|个自然日|工作日|自然日|个月|个|日|天|份|元|年|月|号|条|款|项|页|人|次|分钟|小时|"
    "周岁|岁|版|组|栋|室|楼|层|米|平方米|亩|%|％"
)
_WHOLE = re.compile(
    "|".join(
        (
            # 文号: 民发〔2021〕57号, 鲁政办字[2020]3号
            _CJK + r"{1,5}[〔\[［]\d{4}[〕\]］]第?\d+号",
            # 国务院令第649号, 第十一条第一款, 第3号
            r"(?:国务院|" + _CJK + r"{1,3}[部委局])?令第\d+号",
            r"第[\d一二三四五六七八九十百千零〇]+[条款项号章节页次批](?:第[\d一二三四五六七八九十]+[款项])?",
            # dates and times
            r"\d{4}年\d{1,2}月(?:\d{1,2}日)?",
            r"\d{1,2}月\d{1,2}日",
            r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?",
            r"\d{1,2}:\d{2}(?:[—–~～-]{1,2}\d{1,2}:\d{2})?",  # 9:00—12:00 too
            # a number with its unit
            _NUM + "(?:" + _UNITS + ")",
            # codes, numbers, versions, phone numbers, URLs, ASCII words
            r"[A-Za-z0-9][A-Za-z0-9._:/@#?=&+\-]*",
            *TERMS,
        )
    )
)


def units(text: str) -> list[str]:
    """``text`` cut into the pieces a line may not break inside. Joined, they give
    ``text`` back exactly. Spaces stay at the end of the piece before them."""
    atoms: list[str] = []
    pos = 0
    for m in _WHOLE.finditer(text):
        atoms.extend(text[pos : m.start()])
        atoms.append(m.group())
        pos = m.end()
    atoms.extend(text[pos:])
    out: list[str] = []
    opening = ""  # opening marks waiting for what they open
    for atom in atoms:
        if atom in OPENING:
            if not opening and out and out[-1][-1:] in OPENING:  # “（ etc.: already waiting
                opening = out.pop()
            opening += atom
            continue
        if opening:
            out.append(opening + atom)
            opening = ""
            continue
        if out and (atom[0] in CLOSING or atom.isspace()):
            out[-1] += atom
            continue
        out.append(atom)
    if opening:
        out.append(opening)
    return out


def break_units(
    widths: Sequence[float],
    limit: Callable[[int], float],
    *,
    texts: Sequence[str] | None = None,
    char_widths: Callable[[int], Sequence[float]] | None = None,
    hang: bool = True,
    slack: float = 1e-6,
) -> list[list[tuple[int, int, int]]]:
    """Fill lines with units of the given ``widths``; ``limit(n)`` is the width of
    line ``n`` (from 0). Returns the lines, each a list of ``(unit, start, stop)``:
    unit index and the character range of it on that line (a unit is split only
    when it is wider than a whole line; ``char_widths(unit)`` then gives its
    characters' widths and ``texts`` its characters, so that closing punctuation
    still hangs at the end of a line rather than starting the next one; with
    ``hang=False``, for a printer that cannot print past its width, the cut moves
    back a character instead)."""
    lines: list[list[tuple[int, int, int]]] = []
    line: list[tuple[int, int, int]] = []
    used = 0.0

    def close() -> None:
        nonlocal line, used
        lines.append(line)
        line, used = [], 0.0

    for i, w in enumerate(widths):
        room = limit(len(lines))
        if used + w <= room + slack:
            line.append((i, 0, -1))
            used += w
            continue
        if line and w <= limit(len(lines) + 1) + slack:
            close()
            line.append((i, 0, -1))
            used = w
            continue
        # wider than a line: cut it between characters
        if char_widths is None:
            if line:
                close()
            line.append((i, 0, -1))
            used = w
            continue
        cw = list(char_widths(i))
        chars = texts[i] if texts is not None else ""
        start = 0
        while start < len(cw):
            room = limit(len(lines))
            stop, width = start, 0.0
            while stop < len(cw) and used + width + cw[stop] <= room + slack:
                width += cw[stop]
                stop += 1
            while stop < len(cw) and stop > start and chars[stop : stop + 1] in _CLOSING_SET:
                if hang:  # hang closing punctuation in the margin
                    width += cw[stop]
                    stop += 1
                elif stop - start > 1:  # or take a character down with it
                    stop -= 1
                    width -= cw[stop]
                else:
                    break
            while start < stop < len(cw) and chars[stop - 1 : stop] in _OPENING_SET:
                stop -= 1  # an opening mark goes down with what it opens
                width -= cw[stop]
            if stop == start:
                if line:
                    close()
                    continue
                width, stop = cw[start], start + 1  # not even one fits: it goes alone
            line.append((i, start, stop))
            used += width
            start = stop
            if start < len(cw):
                close()
    if line or not lines:
        lines.append(line)
    _no_lone_last_character(lines, widths, limit, texts)
    return lines


def _no_lone_last_character(
    lines: list[list[tuple[int, int, int]]],
    widths: Sequence[float],
    limit: Callable[[int], float],
    texts: Sequence[str] | None,
) -> None:
    """A paragraph's last line holding one character (and its punctuation) takes
    the last unit of the line before along, when that line keeps three units."""
    if texts is None or len(lines) < 2:
        return
    last, before = lines[-1], lines[-2]
    if len(last) != 1 or last[0][2] != -1 or len(before) < 3 or before[-1][2] != -1:
        return
    core = texts[last[0][0]].strip().strip(CLOSING + OPENING)
    if len(core) != 1 or core.isascii():
        return
    moved = before[-1]
    if widths[moved[0]] + widths[last[0][0]] > limit(len(lines) - 1):
        return
    before.pop()
    last.insert(0, moved)


def wrap(
    text: str,
    measure: Callable[[str], float],
    limit: Callable[[int], float],
    *,
    hang: bool = True,
) -> list[str]:
    """``text`` (one paragraph, no newlines) as lines no wider than ``limit(n)``
    (except hanging punctuation), by the rules above. Trailing spaces are dropped."""
    parts = units(text)
    widths = [measure(u) for u in parts]
    lines = break_units(
        widths,
        limit,
        texts=parts,
        char_widths=lambda i: [measure(ch) for ch in parts[i]],
        hang=hang,
    )
    out = []
    for line in lines:
        pieces = [parts[i] if stop == -1 else parts[i][start:stop] for i, start, stop in line]
        out.append("".join(pieces).rstrip())
    return out
