"""Page layout for the PDF documents: styles, A4 pages numbered 第 N 页 共 M 页, and
80 mm roll pages whose height fits their content."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    LayoutError,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph

from printing import linebreak
from printing.fonts import FONT_NAME, GlyphCheck, cjk_font, title_font


def _split_text(
    word: str, max_widths: Any, font_name: str, font_size: float, encoding: str = "utf8"
) -> list[list[Any]]:
    """reportlab's ``wordSplit`` (one-style CJK paragraphs), by our rules:
    returns ``[[extra space, line text], ...]``."""
    widths = max_widths if isinstance(max_widths, list | tuple) else [max_widths]

    def limit(n: int) -> float:
        return float(widths[min(n, len(widths) - 1)])

    def measure(text: str) -> float:
        return float(stringWidth(text, font_name, font_size))

    lines = linebreak.wrap(word, measure, limit)
    return [[limit(n) - measure(text), text] for n, text in enumerate(lines)]


def _split_frags(frags: Any, max_widths: Any, calc_bounds: bool, encoding: str = "utf8") -> Any:
    """reportlab's ``cjkFragSplit`` (mixed-style CJK paragraphs), by our rules."""
    widths = max_widths if isinstance(max_widths, list | tuple) else [max_widths]
    glyphs: list[Any] = []
    for f in frags:
        text = f.text.decode(encoding) if isinstance(f.text, bytes) else f.text
        if text:
            glyphs.extend(rl_paragraph.cjkU(t, f, encoding) for t in text)
        else:
            glyphs.append(rl_paragraph.cjkU(text, f, encoding))
    # hard line breaks (<br/>) cut the paragraph into runs laid out one by one
    runs: list[tuple[list[Any], bool]] = []
    run: list[Any] = []
    for g in glyphs:
        run.append(g)
        if hasattr(g.frag, "lineBreak"):
            runs.append((run, True))
            run = []
    if run or not runs:
        runs.append((run, False))
    lines: list[Any] = []

    def limit(n: int) -> float:
        return float(widths[min(len(lines) + n, len(widths) - 1)])

    for run, hard in runs:
        parts = linebreak.units("".join(run))
        if not parts:  # only a line break (or empty glyphs): an empty line
            used = sum(_width(g) for g in run)
            lines.append(
                rl_paragraph.makeCJKParaLine(
                    run, limit(0), used, limit(0) - used, hard, calc_bounds
                )
            )
            continue
        owner = [gi for gi, g in enumerate(run) for _ in range(len(g))]
        bounds, offset = [0], 0
        for part in parts[:-1]:
            offset += len(part)
            bounds.append(owner[offset])
        bounds.append(len(run))
        # a unit's glyphs; empty glyphs (a <br/>, an empty fragment) go with the unit before
        unit_glyphs = [run[bounds[k] : bounds[k + 1]] for k in range(len(parts))]
        broken = linebreak.break_units(
            [sum(_width(g) for g in ug) for ug in unit_glyphs],
            limit,
            texts=parts,
            char_widths=_char_widths(unit_glyphs),
        )
        for n, line in enumerate(broken):
            picked: list[Any] = []
            for k, start, stop in line:
                ug = unit_glyphs[k]
                if stop == -1:
                    picked.extend(ug)
                    continue
                chars = [i for i, g in enumerate(ug) if len(g)]
                first = 0 if start == 0 else chars[start]
                end = len(ug) if stop >= len(chars) else chars[stop]
                picked.extend(ug[first:end])
            used = sum(_width(g) for g in picked)
            max_w = limit(0)
            last = n == len(broken) - 1
            lines.append(
                rl_paragraph.makeCJKParaLine(
                    picked, max_w, used, max_w - used, hard and last, calc_bounds
                )
            )
    return rl_paragraph.ParaLines(kind=1, lines=lines)


def _width(glyph: Any) -> float:
    return float(glyph.width)


def _char_widths(unit_glyphs: list[list[Any]]) -> Callable[[int], list[float]]:
    def widths(k: int) -> list[float]:
        return [_width(g) for g in unit_glyphs[k] if len(g)]

    return widths


def _teach_cjk_line_breaking() -> None:
    """Chinese line breaking for every CJK paragraph: reportlab's own cuts between
    any two characters (hanging one closing mark at most); ours keeps dates,
    numbers, 文号 and brackets whole (``printing.linebreak``). Idempotent."""
    rl_paragraph.wordSplit = _split_text
    rl_paragraph.cjkFragSplit = _split_frags


_teach_cjk_line_breaking()

# Plain binary streams: ASCII85 wrapping costs time (in pure Python without the
# optional rl_accel extension) and makes files a quarter larger, for no gain today.
rl_config.useA85 = 0

ROLL_WIDTH = 80 * mm
ROLL_MARGIN = 4 * mm  # 80 mm printers print 72 mm (576 dots at 203 dpi)
A4_MARGIN_X = 20 * mm
A4_MARGIN_TOP = 18 * mm
A4_MARGIN_BOTTOM = 18 * mm
CELL_PAD = 3
_HEAD_GREY = colors.Color(0.9, 0.9, 0.9)
_LABEL_GREY = colors.Color(0.94, 0.94, 0.94)


@dataclass(frozen=True, slots=True)
class Styles:
    body: ParagraphStyle
    para: ParagraphStyle  # body text with the customary two-character first-line indent
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    heading: ParagraphStyle
    right: ParagraphStyle
    center: ParagraphStyle
    subtitle: ParagraphStyle
    title_size: float


def make_styles(base: float) -> Styles:
    """Paragraph styles at body size ``base`` points (A4: 10.5 = 五号; roll: 8.5)."""
    common: dict[str, Any] = {"fontName": FONT_NAME, "wordWrap": "CJK"}
    body = ParagraphStyle(
        "body",
        fontSize=base,
        leading=base * 1.5,
        alignment=TA_JUSTIFY,
        **common,
    )
    return Styles(
        body=body,
        para=ParagraphStyle("para", parent=body, firstLineIndent=base * 2),
        small=ParagraphStyle("small", fontSize=base - 1.5, leading=(base - 1.5) * 1.45, **common),
        cell=ParagraphStyle("cell", fontSize=base - 1, leading=(base - 1) * 1.4, **common),
        cell_head=ParagraphStyle(
            "cell_head",
            fontSize=base - 1,
            leading=(base - 1) * 1.4,
            alignment=TA_CENTER,
            **common,
        ),
        heading=ParagraphStyle(
            "heading",
            fontSize=base + 1,
            leading=(base + 1) * 1.4,
            spaceBefore=base * 0.4,
            spaceAfter=base * 0.2,
            **common,
        ),
        right=ParagraphStyle(
            "right", fontSize=base, leading=base * 1.6, alignment=TA_RIGHT, **common
        ),
        center=ParagraphStyle(
            "center", fontSize=base, leading=base * 1.6, alignment=TA_CENTER, **common
        ),
        subtitle=ParagraphStyle(
            "subtitle",
            fontSize=base + 4,
            leading=(base + 4) * 1.4,
            alignment=TA_CENTER,
            spaceAfter=base,
            **common,
        ),
        # GB/T 9704: the title in 2号 (22 pt) on A4; the roll keeps it smaller
        title_size=22.0 if base >= 10 else base * 1.5,
    )


class Title(Flowable):  # type: ignore[misc]
    """A centred document title in the Song title face (see ``fonts.title_font``),
    emboldened by stroking the glyph outlines (the bundled fonts have one weight)."""

    def __init__(self, text: str, size: float, space_after: float = 0.0) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.spaceAfter = space_after
        self.font = FONT_NAME

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.font = title_font(self.text)
        natural = stringWidth(self.text, self.font, self.size)
        if natural > avail_width:  # shrink rather than run off the page
            self.size *= avail_width / natural
        self.height = self.size * 1.5
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        text = canv.beginText()
        text.setTextRenderMode(2)  # fill and stroke: a faux bold
        # a light Song stroked thicker reads as 标宋; the Hei needs less
        canv.setLineWidth(self.size / (24 if self.font != FONT_NAME else 40))
        text.setFont(self.font, self.size)
        width = canv.stringWidth(self.text, self.font, self.size)
        text.setTextOrigin((self.width - width) / 2, self.size * 0.35)
        text.textOut(self.text)
        canv.drawText(text)
        canv.restoreState()


HEADING_ROOM = 30 * mm
SEAL_DIAMETER = 42 * mm
"""The largest round seal a hall uses (公章 of a county body: 42 mm); the area kept
clear for it is this wide and tall, centred on the date as GB/T 9704 places it."""


class SealArea(Flowable):  # type: ignore[misc]
    """The issuer's name over the date, with room for the seal and nothing else.

    The date is right-aligned four characters in from the right edge (GB/T 9704:
    成文日期右空四字), the name is centred over the date, and a square of
    ``SEAL_DIAMETER`` centred on the date lies inside this flowable, which is never
    split: no code, table or text of the document can come under the seal.
    ``seal_centre`` (points from the flowable's lower left) says where it goes."""

    def __init__(self, issuer: str, date_text: str, size: float) -> None:
        super().__init__()
        self.issuer = issuer
        self.date_text = date_text
        self.size = size
        self.seal_centre = (0.0, 0.0)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = SEAL_DIAMETER + 2 * mm
        return self.width, self.height

    def draw(self) -> None:
        canv, size = self.canv, self.size
        date_w = stringWidth(self.date_text, FONT_NAME, size)
        right = self.width - 4 * size
        if right - date_w < SEAL_DIAMETER / 2 - date_w / 2:  # a narrow column: less indent
            right = self.width
        cx = right - date_w / 2
        cy = self.height / 2
        self.seal_centre = (cx, cy)
        canv.saveState()
        canv.setFont(FONT_NAME, size)
        canv.drawCentredString(cx, cy - size * 0.35, self.date_text)
        issuer_w = stringWidth(self.issuer, FONT_NAME, size)
        ix = min(cx, self.width - issuer_w / 2)  # centred over the date, never past the edge
        canv.drawCentredString(ix, cy - size * 0.35 + size * 1.8, self.issuer)
        canv.restoreState()


class Writer:
    """Builds paragraphs and tables, passing every string through one GlyphCheck."""

    def __init__(self, styles: Styles, check: GlyphCheck) -> None:
        self.s = styles
        self.check = check

    def markup(self, text: str, where: str) -> str:
        """Escaped paragraph markup for ``text`` (newlines become line breaks)."""
        return escape(self.check.clean(text, where)).replace("\n", "<br/>")

    def p(self, text: str, where: str = "文书", style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(self.markup(text, where), style or self.s.body)

    def raw(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph from markup already built with :meth:`markup`."""
        return Paragraph(markup, style or self.s.body)

    def title(self, text: str, space_after: float = 0.0) -> Title:
        return Title(self.check.clean(text, "标题"), self.s.title_size, space_after)

    def heading(self, text: str) -> list[Flowable]:
        """A section heading that never ends a page: what follows needs room for a
        few lines, or the heading goes to the next page with it. (keepWithNext
        would move a whole table that could have started here.)"""
        return [CondPageBreak(HEADING_ROOM), self.p(text, "标题", self.s.heading)]

    def seal_area(self, issuer: str, date_text: str) -> SealArea:
        return SealArea(self.check.clean(issuer, "盖章单位"), date_text, self.s.body.fontSize)

    def cell(self, text: str, where: str, width: float, *, head: bool = False) -> str | Flowable:
        """A table cell: a plain string when it fits on one line (much faster to lay
        out), otherwise a wrapping paragraph."""
        clean = self.check.clean(text, where)
        style = self.s.cell_head if head else self.s.cell
        if "\n" not in clean and (
            stringWidth(clean, FONT_NAME, style.fontSize) <= width - 2 * CELL_PAD - 0.5
        ):
            return clean
        return Paragraph(escape(clean).replace("\n", "<br/>"), style)

    def table(
        self,
        data: Sequence[Sequence[str | Flowable]],
        widths: Sequence[float],
        *,
        header: bool = False,
        spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
        shade_cols: Sequence[int] = (),
        center_cols: Sequence[int] = (),
    ) -> Table:
        """A ruled table of cells made by :meth:`cell`. A header row is shaded and
        repeated on every page the table spans."""
        table = Table(
            [list(row) for row in data], colWidths=list(widths), repeatRows=1 if header else 0
        )
        size = self.s.cell.fontSize
        style: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), FONT_NAME, size, self.s.cell.leading),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD_GREY))
            style.append(("ALIGN", (0, 0), (-1, 0), "CENTER"))
            # keep rows with their neighbours: never the header with one row alone at
            # a page's foot, never the last row alone on a new page
            rows = len(data)
            style.append(("NOSPLIT", (0, 0), (-1, min(2, rows - 1))))
            if rows > 4:
                style.append(("NOSPLIT", (0, rows - 2), (-1, rows - 1)))
        for col in shade_cols:
            style.append(("BACKGROUND", (col, 0), (col, -1), _LABEL_GREY))
        for col in center_cols:
            style.append(("ALIGN", (col, 0), (col, -1), "CENTER"))
        for start, stop in spans:
            style.append(("SPAN", start, stop))
            style.append(("BACKGROUND", start, stop, colors.white))
        table.setStyle(TableStyle(style))
        return table

    def grid(
        self,
        header: Sequence[str] | None,
        rows: Sequence[Sequence[str | Flowable]],
        widths: Sequence[float],
        *,
        where: Sequence[str] | None = None,
        center_cols: Sequence[int] = (),
    ) -> Table:
        """A ruled table of rows, the header (if any) repeated on every page. ``where``
        names each column for missing-character reports."""
        data: list[list[str | Flowable]] = []
        if header is not None:
            pairs = zip(header, widths, strict=True)
            data.append([self.cell(h, "表头", w, head=True) for h, w in pairs])
        for row in rows:
            cells: list[str | Flowable] = []
            for i, value in enumerate(row):
                if isinstance(value, str):
                    place = where[i] if where is not None and i < len(where) else "表格"
                    cells.append(self.cell(value, place, widths[i]))
                else:
                    cells.append(value)
            data.append(cells)
        return self.table(data, widths, header=header is not None, center_cols=center_cols)

    def kv_table(
        self,
        rows: Sequence[tuple[str, ...]],
        width: float,
        *,
        label_width: float = 28 * mm,
        where: dict[str, str] | None = None,
    ) -> Table:
        """Label/value rows of four cells, or of two cells where the value spans the
        rest of the row. A value's place for missing characters is ``where[label]``
        or the label itself."""
        value_w = width / 2 - label_width
        widths = (label_width, value_w, label_width, value_w)
        data: list[list[str | Flowable]] = []
        spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        for r, row in enumerate(rows):
            cells: list[str | Flowable] = []
            for i, text in enumerate(row):
                if i % 2 == 0:
                    cells.append(self.cell(text, "表头", label_width, head=True))
                else:
                    span = len(row) == 2
                    cell_w = width - label_width if span else value_w
                    place = (where or {}).get(row[i - 1], row[i - 1])
                    cells.append(self.cell(text, place, cell_w))
            if len(row) == 2:
                cells += ["", ""]
                spans.append(((1, r), (3, r)))
            data.append(cells)
        return self.table(data, widths, spans=spans, shade_cols=(0, 2), center_cols=(0, 2))


def _numbered_canvas(footer_left: str, footer_right: str) -> type[Canvas]:
    """A canvas class that holds its pages until the end so each can print the
    total page count (第 N 页 共 M 页) in its footer."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _footer(self, number: int, total: int) -> None:
            width, _ = self._pagesize
            self.saveState()
            self.setFont(FONT_NAME, 8)
            self.setFillColorRGB(0.25, 0.25, 0.25)
            y = A4_MARGIN_BOTTOM - 8 * mm
            self.drawCentredString(width / 2, y, f"第 {number} 页 共 {total} 页")
            if footer_left:
                self.drawString(A4_MARGIN_X, y, footer_left)
            if footer_right:
                self.drawRightString(width - A4_MARGIN_X, y, footer_right)
            self.restoreState()

    return NumberedCanvas


def _doc_meta(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "author": "一窗通",
        "creator": "一窗通 YiChuang",
        "subject": title,
        "invariant": 1,  # reproducible bytes for the same input
        "initialFontName": FONT_NAME,  # no unembedded Helvetica in the page resources
        "pageCompression": 1,
    }


def build_a4(
    story: list[Flowable],
    *,
    title: str,
    footer_left: str = "",
    footer_right: str = "",
    on_page: Callable[[Canvas, BaseDocTemplate], None] | None = None,
) -> tuple[bytes, int]:
    """Render an A4 story; returns (PDF bytes, page count). Footer strings must
    already be checked against the font (they are drawn directly)."""
    cjk_font()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=A4_MARGIN_X,
        rightMargin=A4_MARGIN_X,
        topMargin=A4_MARGIN_TOP,
        bottomMargin=A4_MARGIN_BOTTOM,
        **_doc_meta(title),
    )
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", showBoundary=0
    )
    template = PageTemplate(id="a4", frames=[frame])
    if on_page is not None:
        template.onPage = on_page
    doc.addPageTemplates([template])
    doc.build(story, canvasmaker=_numbered_canvas(footer_left, footer_right))
    return buf.getvalue(), doc.page


def build_roll(
    make_story: Callable[[], list[Flowable]], *, title: str, width: float = ROLL_WIDTH
) -> bytes:
    """Render a story on one page ``width`` wide and as tall as it needs.

    The height is measured by wrapping each flowable; should the frame still need
    more (it never has), the story is made afresh and laid out on a taller page."""
    cjk_font()
    inner = width - 2 * ROLL_MARGIN
    story = make_story()
    height = 2 * ROLL_MARGIN + 3 * mm  # a little slack against rounding in the frame
    for i, flowable in enumerate(story):
        _, h = flowable.wrap(inner, 1e6)
        height += h + flowable.getSpaceAfter()
        if i:
            height += flowable.getSpaceBefore()
    for _attempt in range(3):
        pdf, pages = _build_roll_page(story, title, width, height)
        if pages == 1:
            return pdf
        story = make_story()
        height += pages * 100 * mm
    raise RuntimeError(f"roll document does not fit one page ({pages} pages)")  # pragma: no cover


def _build_roll_page(
    story: list[Flowable], title: str, width: float, height: float
) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=(width, height),
        leftMargin=ROLL_MARGIN,
        rightMargin=ROLL_MARGIN,
        topMargin=ROLL_MARGIN,
        bottomMargin=ROLL_MARGIN,
        **_doc_meta(title),
    )
    frame = Frame(
        ROLL_MARGIN,
        ROLL_MARGIN,
        width - 2 * ROLL_MARGIN,
        height - 2 * ROLL_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="roll",
    )
    doc.addPageTemplates([PageTemplate(id="roll", frames=[frame])])
    try:
        doc.build(story)
    except LayoutError:  # a flowable taller than the page: same as not fitting
        return b"", 2
    return buf.getvalue(), doc.page
