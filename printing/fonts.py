"""The bundled CJK fonts for PDFs, and the check of every printed character against them.

The font is WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``, face 0). Parsing
the 5 MB collection takes about a quarter of a second, so it is done once per process,
lazily, and the parsed ``TTFont`` is kept (reportlab keeps per-document subset state in a
weak dictionary, so one font object serves any number of documents).

Rare characters
---------------
Micro Hei stops at the Basic Multilingual Plane and lacks CJK Extension A there. Two
fallback fonts (``FALLBACK_FONT_FILES``: Extension A and the newest ideographs; Extensions
B–F) print such characters of names, 刘䶮 or 吉𠮷, with their real glyph, embedded like
Micro Hei. They are parsed only when a document first needs one of their characters
(about 0.1 s), so ordinary documents never pay for them. Text drawn
from several fonts goes through :func:`runs`, :func:`markup` (paragraphs),
:func:`text_width` and :func:`draw_text` (the canvas).

Missing characters policy
-------------------------
reportlab silently draws nothing (or .notdef) for a character the font lacks, so a
name with a character no bundled font has (CJK Extension G, say) would print wrong —
a wrong name on an official document. Instead every string passes through
:class:`GlyphCheck`: a character no font has is replaced by a visible marker
``〔U+30000〕`` and recorded with where it occurred. The document then prints a
footnote asking the clerk to write the character by hand, and the render result lists
the characters so the application can warn before printing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.core.paths import CJK_FONT_FILE, FALLBACK_FONT_FILES, resource, resource_file
from printing.model import MARKER, MissingChar, missing_footnote

FONT_NAME = "YCHei"
FALLBACK_NAMES = ("YCHanExtA", "YCHanExtB")  # the order of FALLBACK_FONT_FILES

_lock = threading.Lock()
_font: TTFont | None = None
_fallbacks: tuple[TTFont, ...] | None = None


def _astral_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map of an embedded subset, with characters beyond the BMP
    written as UTF-16 as PDF requires: reportlab writes 𠮷 as ``<20BB7>``, which a PDF
    reader takes for U+20BB and a 7, so copying or searching the name finds "₻"."""
    lines = _reportlab_to_unicode_cmap(fontname, subset).split("\n")
    wrong_to_right = {
        f"<{i:02X}> <{v:04X}>": f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>"
        for i, v in enumerate(subset)
        if v > 0xFFFF
    }
    return "\n".join(wrong_to_right.get(line, line) for line in lines)


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
if getattr(_reportlab_to_unicode_cmap, "__name__", "") != _astral_to_unicode_cmap.__name__:
    ttfonts.makeToUnicodeCMap = _astral_to_unicode_cmap


def _register(name: str, font: TTFont) -> None:
    pdfmetrics.registerFont(font)
    # one weight each: <b> in paragraphs maps to the same face
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)


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
                _register(FONT_NAME, font)
                _font = font
    return _font


def fallback_fonts() -> tuple[TTFont, ...]:
    """The registered fallback fonts, parsed on first use. A missing file is left
    out: its characters then print as markers, as before there were fallbacks. The
    bundle ships the Ext-B font packed: the first use unpacks it into the data
    folder's cache (about a second, once per installation; :func:`warm_up` does it
    after the window is up, off the GUI thread)."""
    global _fallbacks
    if _fallbacks is None:
        with _lock:
            if _fallbacks is None:
                fonts = []
                for name, file in zip(FALLBACK_NAMES, FALLBACK_FONT_FILES, strict=True):
                    path = resource_file(file)
                    if path is not None:
                        font = TTFont(name, str(path))
                        _register(name, font)
                        fonts.append(font)
                _fallbacks = tuple(fonts)
    return _fallbacks


def font_name_for(code: int) -> str | None:
    """The registered font that draws code point ``code``: Micro Hei when it can, else
    the first fallback that can; None when none can."""
    if code in cjk_font().face.charToGlyph:
        return FONT_NAME
    for font in fallback_fonts():
        if code in font.face.charToGlyph:
            return str(font.fontName)
    return None


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` (as :meth:`GlyphCheck.clean` left it) cut into (font name, piece) runs."""
    cmap = font_cmap()
    if all(ord(ch) in cmap or ch == "\n" for ch in text):  # the common case, fast
        return [(FONT_NAME, text)] if text else []
    out: list[tuple[str, str]] = []
    for ch in text:
        code = ord(ch)
        name = FONT_NAME if code in cmap or code < 0x20 else font_name_for(code) or FONT_NAME
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def markup(text: str) -> str:
    """Escaped paragraph markup for ``text``, with a ``<font face>`` around each piece
    that a fallback font draws."""
    return "".join(
        escape(piece) if name == FONT_NAME else f'<font face="{name}">{escape(piece)}</font>'
        for name, piece in runs(text)
    )


def text_width(text: str, size: float) -> float:
    """The width of ``text`` drawn by :func:`draw_text` at ``size`` points."""
    return float(sum(pdfmetrics.stringWidth(piece, name, size) for name, piece in runs(text)))


def draw_text(
    canv: Canvas, x: float, y: float, text: str, size: float, *, render_mode: int = 0
) -> None:
    """Draw ``text`` from ``x`` on the baseline ``y``, each run in its font, in the
    canvas's fill colour (``render_mode`` 2 strokes the outlines too)."""
    obj = canv.beginText(x, y)
    obj.setTextRenderMode(render_mode)
    for name, piece in runs(text):
        obj.setFont(name, size)
        obj.textOut(piece)
    canv.drawText(obj)


def font_cmap() -> Mapping[int, int]:
    """Unicode code point → glyph index of the bundled font."""
    cmap: Mapping[int, int] = cjk_font().face.charToGlyph
    return cmap


def missing_chars(text: str) -> list[str]:
    """Characters of ``text`` that no bundled font can draw (in order, no repeats)."""
    cmap = font_cmap()
    seen: list[str] = []
    for ch in text:
        if (
            ch not in "\n\t"
            and ord(ch) not in cmap
            and ch not in seen
            and font_name_for(ord(ch)) is None
        ):
            seen.append(ch)
    return seen


class GlyphCheck:
    """Collects the characters a document's text needs that no bundled font has."""

    def __init__(self) -> None:
        self._cmap = font_cmap()
        self._places: dict[str, list[str]] = {}

    def clean(self, text: str, where: str) -> str:
        """``text`` ready to draw: characters no font has become markers, control
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
            elif code in self._cmap or font_name_for(code) is not None:
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
    """Parse the fonts now (about 0.3 s), and the first time in a bundle unpack the
    Ext-B font (lzma lets go of the GIL meanwhile). The application calls this on a
    worker thread at start-up so that the first document printed at the counter is
    fast."""
    cjk_font()
    title_font("")
    for file in FALLBACK_FONT_FILES:  # unpacked, not parsed (they are rarely needed)
        resource_file(file)
