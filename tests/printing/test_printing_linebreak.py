"""Chinese line breaking (printing.linebreak) in the PDF paragraphs: the rules
hold for one-style and mixed-style paragraphs, at every width."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from printing.fonts import GlyphCheck
from printing.layout import Writer, make_styles
from printing.linebreak import CLOSING, OPENING, units

UNITS_TABLE = [
    ("2025年3月24日前补交", ["2025年3月24日", "前", "补", "交"]),
    ("（民发〔2021〕57号）。", ["（民发〔2021〕57号）。"]),
    ("（国务院令第649号）第九条", ["（国务院令第649号）", "第九条"]),
    ("编码（2025.1版）", ["编", "码", "（2025.1版）"]),
    ("“最低生活保障申请”", ["“最", "低", "生", "活", "保", "障", "申", "请”"]),
    ("电话：0538-1234567。", ["电", "话：", "0538-1234567。"]),
    ("委托书须签字", ["委托书", "须", "签字"]),
    ("近12个月", ["近", "12个月"]),
    ("09:05 到", ["09:05 ", "到"]),
]


@pytest.mark.parametrize(("text", "expected"), UNITS_TABLE)
def test_units(text: str, expected: list[str]) -> None:
    assert units(text) == expected
    assert "".join(units(text)) == text


KEPT_WHOLE = ("2025年3月24日", "民发〔2021〕57号", "2025.1版", "10个工作日", "国务院令第649号")
SENTENCES = (
    "请于2025年3月24日前补交容缺材料，逾期未补交的，终止办理。",
    "《最低生活保障审核确认办法》（民发〔2021〕57号）第十一条。",
    "事项编码：11370982MB1527465X4000117001（2025.1版），承诺时限10个工作日。",
    "《社会救助暂行办法》（国务院令第649号）第九条至第十三条；委托书缺少申请人签字。",
)


def _lines(para: Paragraph, width: float) -> list[str]:
    para.wrap(width, 10_000)
    bl = para.blPara
    if bl.kind == 0:
        return ["".join(words) for _, words in bl.lines]
    return ["".join(f.text for f in line.words) for line in bl.lines]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SENTENCES),
    st.integers(min_value=4, max_value=30),
    st.booleans(),
)
def test_pdf_paragraph_lines_follow_the_rules(text: str, chars: int, mixed: bool) -> None:
    styles = make_styles(10.5)
    w = Writer(styles, GlyphCheck())
    if mixed:  # several fragments: reportlab's cjkFragSplit path
        half = len(text) // 3
        para = w.raw("<b>" + w.markup(text[:half], "t") + "</b>" + w.markup(text[half:], "t"))
    else:
        para = w.p(text)
    width = chars * 10.5
    lines = _lines(para, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for n, line in enumerate(lines):
        if n:
            assert line[:1] not in CLOSING, lines
        if n < len(lines) - 1:
            assert line[-1:] not in OPENING, lines
    for whole in KEPT_WHOLE:
        if whole in text and len(whole) <= chars * 0.8:
            assert any(whole in line for line in lines), (whole, lines)


def test_pdf_paragraph_keeps_hard_breaks() -> None:
    w = Writer(make_styles(10.5), GlyphCheck())
    para = w.raw("<b>第一行</b>" + w.markup("办理地点：示范县\n咨询电话：0538-1234567", "t"))
    lines = _lines(para, 400)
    assert lines == ["第一行办理地点：示范县", "咨询电话：0538-1234567"]


def test_no_page_holds_a_lone_table_row() -> None:
    """Guides of 6 to 30 materials: the materials table never leaves one row alone
    at a page's foot or top (the rows keep their neighbours)."""
    from printing_support import pdf_pages_text, squash

    from printing.documents import render_guide
    from printing.samples import many_materials_item, sample_hall

    for count in range(6, 31, 2):
        item = many_materials_item(count)
        pages = [squash(t) for t in pdf_pages_text(render_guide(item, sample_hall()).pdf)]
        rows = [sum(f"第{i}项证明材料（示例）" in t for i in range(1, count + 1)) for t in pages]
        assert sum(rows) == count
        assert all(n == 0 or n >= 2 for n in rows), (count, rows)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="受理材料年月日号第条AB12.-〔〕（）《》“”，。：； \n", max_size=120),
    st.integers(min_value=1, max_value=40),
    st.booleans(),
)
def test_pdf_lines_lose_nothing_whatever_the_text(text: str, chars: int, mixed: bool) -> None:
    w = Writer(make_styles(10.5), GlyphCheck())
    half = len(text) // 2
    if mixed:
        para = w.raw("<b>" + w.markup(text[:half], "t") + "</b>" + w.markup(text[half:], "t"))
    else:
        para = w.p(text)
    lines = _lines(para, chars * 10.5)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
