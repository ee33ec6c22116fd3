"""Text for displays: GBK checking and configurable call templates."""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass

from devices.errors import TemplateError, UnencodableTextError

DEFAULT_CALL_TEMPLATE = "请{ticket}号到{window}号窗口"
TEMPLATE_FIELDS = ("ticket", "window")


def encode_gbk(text: str, *, printable_only: bool = False) -> bytes:
    """Encode for a GBK display, or raise UnencodableTextError naming every bad character.

    printable_only also refuses ASCII control characters, for framings that use them
    as markers.
    """
    bad: list[str] = []
    for ch in text:
        if ch in bad:
            continue
        if printable_only and (ord(ch) < 0x20 or ch == "\x7f"):
            bad.append(ch)
            continue
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            bad.append(ch)
    if bad:
        raise UnencodableTextError(text, "".join(bad))
    return text.encode("gbk")


@dataclass(frozen=True)
class TemplatePart:
    """A literal run of text, or a field (ticket / window) to fill in."""

    literal: str = ""
    field: str | None = None


@dataclass(frozen=True)
class CallTemplate:
    """A call text such as 请{ticket}号到{window}号窗口, checked when made.

    Displays render it to text; the voice reads the same parts, so what is shown and
    what is said never drift apart.
    """

    pattern: str = DEFAULT_CALL_TEMPLATE

    def __post_init__(self) -> None:
        list(self.parts())  # raises TemplateError early

    def parts(self) -> Iterator[TemplatePart]:
        try:
            parsed = list(string.Formatter().parse(self.pattern))
        except ValueError as exc:
            raise TemplateError(f"叫号模板“{self.pattern}”格式有误（花括号不成对）") from exc
        for literal, field, spec, conversion in parsed:
            if literal:
                yield TemplatePart(literal=literal)
            if field is None:
                continue
            if field not in TEMPLATE_FIELDS or spec or conversion:
                raise TemplateError(
                    f"叫号模板“{self.pattern}”中有无法识别的占位符“{{{field}}}”，"
                    "只能使用 {ticket}（票号）和 {window}（窗口号）"
                )
            yield TemplatePart(field=field)

    def render(self, ticket: str, window: int | str) -> str:
        return self.pattern.format(ticket=ticket, window=window)
