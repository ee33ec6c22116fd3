"""The bundled CJK font for PDFs, and the check of every printed character against it.

The font is WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``, face 0). Parsing
the 5 MB collection takes about a quarter of a second, so it is done once per process,
lazily, and the parsed ``TTFont`` is kept (reportlab keeps per-document subset state in a
weak dictionary, so one font object serves any number of documents).

Missing characters policy
-------------------------
reportlab silently draws nothing (or .notdef) for a character the font lacks, so a
name such as 吉𠮷 would print as 吉 — a wrong name on an official document. Instead
every string passes through :class:`GlyphCheck`: a character the font lacks is
replaced by a visible marker ``〔U+20BB7〕`` and recorded with where it occurred. The
document then prints a footnote asking the clerk to write the character by hand, and
the render result lists the characters so the application can warn before printing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.core.paths import CJK_FONT_FILE, resource
from printing.model import MARKER, MissingChar, missing_footnote

FONT_NAME = "YCHei"

_lock = threading.Lock()
_font: TTFont | None = None


def cjk_font() -> TTFont:
    """The registered bundled font (parsed on first use, then cached)."""
    global _font
    if _font is None:
        with _lock:
            if _font is None:
                path = resource(CJK_FONT_FILE)
                if not path.is_file():
                    raise FileNotFoundError(f"找不到内置中文字体文件：{path}")
                font = TTFont(FONT_NAME, str(path), subfontIndex=0)
                pdfmetrics.registerFont(font)
                # Micro Hei has one weight: <b> in paragraphs maps to the same face.
                for bold in (0, 1):
                    for italic in (0, 1):
                        addMapping(FONT_NAME, bold, italic, FONT_NAME)
                _font = font
    return _font


def font_cmap() -> Mapping[int, int]:
    """Unicode code point → glyph index of the bundled font."""
    cmap: Mapping[int, int] = cjk_font().face.charToGlyph
    return cmap


def missing_chars(text: str) -> list[str]:
    """Characters of ``text`` that the bundled font cannot draw (in order, no repeats)."""
    cmap = font_cmap()
    seen: list[str] = []
    for ch in text:
        if ch not in "\n\t" and ord(ch) not in cmap and ch not in seen:
            seen.append(ch)
    return seen


class GlyphCheck:
    """Collects the characters a document's text needs that the font lacks."""

    def __init__(self, cmap: Mapping[int, int] | None = None) -> None:
        self._cmap = font_cmap() if cmap is None else cmap
        self._places: dict[str, list[str]] = {}

    def clean(self, text: str, where: str) -> str:
        """``text`` ready to draw: characters the font lacks become markers, control
        characters other than newline become spaces."""
        if all(ord(ch) in self._cmap for ch in text):  # the common case, fast
            return text
        out: list[str] = []
        for ch in text:
            code = ord(ch)
            if ch in "\n\t":
                out.append(ch if ch == "\n" else " ")
            elif code < 0x20 or 0x7F <= code < 0xA0:
                out.append(" ")
            elif code in self._cmap:
                out.append(ch)
            else:
                out.append(MARKER.format(code))
                places = self._places.setdefault(ch, [])
                if where not in places:
                    places.append(where)
        return "".join(out)

    @property
    def missing(self) -> tuple[MissingChar, ...]:
        return tuple(MissingChar(ch, tuple(places)) for ch, places in self._places.items())

    def footnote(self) -> str | None:
        """The sentence printed at the end of a document with missing characters."""
        if not self._places:
            return None
        return missing_footnote(self.missing)


# Titles in a Song face, stroked into a heavy 标宋-like one as 公文 titles are set
# (小标宋): AR PL SungtiL GB (Arphic Public License, GB 2312 coverage). Optional:
# without the file, or for a title with a character it lacks, titles use YCHei.
TITLE_FONT_NAME = "YCSong"
TITLE_FONT_FILE = "fonts/arphic-gbsn00lp.ttf"
_title_font: TTFont | None = None
_title_missing = False


def title_font(text: str) -> str:
    """The font name a title ``text`` is drawn in: the Song face when it is bundled
    and has every character of ``text``, else the body font."""
    global _title_font, _title_missing
    if _title_font is None and not _title_missing:
        with _lock:
            if _title_font is None and not _title_missing:
                path = resource(TITLE_FONT_FILE)
                if path.is_file():
                    font = TTFont(TITLE_FONT_NAME, str(path))
                    pdfmetrics.registerFont(font)
                    _title_font = font
                else:
                    _title_missing = True
    if _title_font is None:
        return FONT_NAME
    cmap = _title_font.face.charToGlyph
    return TITLE_FONT_NAME if all(ord(ch) in cmap for ch in text) else FONT_NAME


def warm_up() -> None:
    """Parse the fonts now (about 0.3 s). The application calls this on a worker
    thread at start-up so that the first document printed at the counter is fast."""
    cjk_font()
    title_font("")
