"""Rare characters print with their real glyph from the fallback fonts; characters
no bundled font has are never dropped silently."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from printing_support import need_tool, pdf_text

from printing.documents import render_guide, render_notice, render_receipt
from printing.fonts import (
    FALLBACK_NAMES,
    FONT_NAME,
    GlyphCheck,
    cjk_font,
    fallback_fonts,
    font_cmap,
    font_name_for,
    markup,
    missing_chars,
    runs,
)
from printing.layout import Writer, build_a4, make_styles
from printing.model import MARKER, CaseDoc, missing_footnote
from printing.samples import sample_item
from printing.settings import HallSettings

JI = "\U00020bb7"  # 𠮷, CJK Extension B
YAN = "\u4dae"  # 䶮, CJK Extension A
WEI = "\U0002c029"  # 𬀩, CJK Extension E (通用规范汉字表)
KUN = "\u5803"  # 堃
G1 = "\U00030000"  # 𰀀, CJK Extension G: no bundled font has it
H1 = "\U00031350"  # CJK Extension H: nor this
ROOT = Path(__file__).resolve().parents[2]


def test_bundled_font_is_registered_once() -> None:
    assert cjk_font() is cjk_font()
    assert cjk_font().fontName == FONT_NAME
    assert fallback_fonts() is fallback_fonts()
    assert [f.fontName for f in fallback_fonts()] == list(FALLBACK_NAMES)


def test_which_font_draws_which_character() -> None:
    cmap = font_cmap()
    assert ord(KUN) in cmap  # 堃 is in Micro Hei
    assert ord(JI) not in cmap and ord(YAN) not in cmap  # Micro Hei stops at the BMP
    assert font_name_for(ord(KUN)) == FONT_NAME
    assert font_name_for(ord(YAN)) == "YCHanExtA"
    assert font_name_for(ord(JI)) == "YCHanExtB"
    assert font_name_for(ord(WEI)) == "YCHanExtB"
    assert font_name_for(ord(G1)) is None
    assert missing_chars(f"王{KUN}、吉{JI}、刘{YAN}、{G1}{H1}{G1}") == [G1, H1]


def test_fallbacks_cover_extensions_a_to_f() -> None:
    """Every code point of CJK Extensions A–F, bar the few dozen at the ends of the
    blocks that Unicode encoded after HanaMin's last version (2017)."""
    blocks = [(0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF)]
    codes = [c for a, b in blocks for c in range(a, b + 1)]
    lacking = [c for c in codes if font_name_for(c) is None]
    assert len(codes) == 66_960
    assert len(lacking) <= 70, [hex(c) for c in lacking]


def test_runs_and_markup() -> None:
    assert runs("张秀英") == [(FONT_NAME, "张秀英")]
    assert runs("") == []
    assert runs(f"吉{JI}{JI}祥{YAN}") == [
        (FONT_NAME, "吉"),
        ("YCHanExtB", JI + JI),
        (FONT_NAME, "祥"),
        ("YCHanExtA", YAN),
    ]
    assert markup(f"<{JI}&") == f'&lt;<font face="YCHanExtB">{JI}</font>&amp;'


def test_glyph_check_keeps_what_a_font_has_and_marks_the_rest() -> None:
    check = GlyphCheck()
    assert check.clean("张秀英", "申请人姓名") == "张秀英"
    assert check.clean(f"吉{JI}祥{YAN}", "申请人姓名") == f"吉{JI}祥{YAN}"
    assert check.clean(f"吉{G1}祥", "申请人姓名") == "吉〔U+30000〕祥"
    assert check.clean(f"{G1}{H1}", "代办人姓名") == "〔U+30000〕〔U+31350〕"
    assert check.clean("a\x07b\tc\nd", "备注") == "a b c\nd"
    (g, h) = check.missing
    assert (g.char, g.codepoint, g.places) == (G1, "U+30000", ("申请人姓名", "代办人姓名"))
    assert (h.codepoint, h.places) == ("U+31350", ("代办人姓名",))
    note = check.footnote()
    assert note is not None
    assert "〔U+30000〕（申请人姓名、代办人姓名）" in note and "〔U+31350〕（代办人姓名）" in note


@settings(max_examples=60, deadline=None)
@given(
    st.text(min_size=0, max_size=30)
    | st.lists(st.sampled_from(["吉", JI, YAN, WEI, G1, H1, "\n", "a"]), max_size=12).map("".join)
)
def test_glyph_check_output_is_always_printable(text: str) -> None:
    check = GlyphCheck()
    cleaned = check.clean(text, "字段")
    assert all(ch == "\n" or font_name_for(ord(ch)) is not None for ch in cleaned)
    lost = {ch for ch in text if ch not in "\n\t" and ord(ch) >= 0x20}
    lost = {ch for ch in lost if font_name_for(ord(ch)) is None}
    lost -= {chr(c) for c in range(0x7F, 0xA0)}
    assert {m.char for m in check.missing} == lost
    for m in check.missing:
        assert MARKER.format(ord(m.char)) in cleaned
    assert "".join(piece for _, piece in runs(cleaned)) == cleaned


def _embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    """pdffonts' rows of the document, each checked to be an embedded subset with a
    ToUnicode map."""
    pdffonts = need_tool("pdffonts")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]
    for row in rows:
        assert re.match(r"^[A-Z]{6}\+", row[0]), out.stdout
        assert (row[-5], row[-4], row[-3]) == ("yes", "yes", "yes"), out.stdout
    return [row[0].split("+", 1)[1] for row in rows]


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    tool = need_tool("pdftotext")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def test_receipt_prints_rare_names_with_their_glyphs(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    applicant = replace(accepted.applicant, name=f"吉{JI}", agent_name=f"刘{YAN}{KUN}")
    result = render_receipt(replace(accepted, applicant=applicant), hall)
    assert result.ok and result.missing == ()
    text = _pdftotext(result.pdf, tmp_path)  # read back as a reader copies it
    assert f"吉{JI}" in text and f"刘{YAN}{KUN}" in text
    assert "〔U+" not in text and "打印字库缺少" not in text
    assert f"吉{JI}" in pdf_text(result.pdf)  # pypdf reads the same
    fonts = _embedded_fonts(result.pdf, tmp_path)
    assert "YCHanazonoExtB" in fonts and "YCHanazonoExtA" in fonts
    # the body face, the fallbacks, and the Song face of the title (issue 15)
    known = ("WenQuanYiMicroHei", "YCHanazonoExt", "BousungEG")
    assert all(f.startswith(known) for f in fonts), fonts


def test_a_character_no_font_has_prints_marker_and_footnote(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    applicant = replace(accepted.applicant, name=f"吉{JI}{G1}", agent_name=f"刘{H1}")
    result = render_receipt(replace(accepted, applicant=applicant), hall)
    assert not result.ok
    by_char = {m.char: m for m in result.missing}
    assert set(by_char) == {G1, H1}
    assert "申请人姓名" in by_char[G1].places
    assert "代办人姓名" in by_char[H1].places
    text = _pdftotext(result.pdf, tmp_path)
    assert f"吉{JI}〔U+30000〕" in text
    assert "刘〔U+31350〕" in text
    assert "打印字库缺少下列文字" in text and "〔U+30000〕（申请人姓名" in text


@pytest.mark.parametrize("roll", [False, True])
def test_roll_receipt_too(roll: bool, accepted: CaseDoc, hall: HallSettings) -> None:
    case = replace(accepted, item_name=f"{JI}字号登记")
    result = render_receipt(case, hall, roll=roll)
    assert result.missing == ()
    assert f"{JI}字号登记" in pdf_text(result.pdf)
    result = render_receipt(replace(case, item_name=f"{G1}{JI}字号登记"), hall, roll=roll)
    assert [m.char for m in result.missing] == [G1]
    assert "事项名称" in result.missing[0].places
    assert f"〔U+30000〕{JI}字号登记" in pdf_text(result.pdf)


def test_notice_line_reasons_are_checked(notice_case: CaseDoc, hall: HallSettings) -> None:
    first = replace(notice_case.notice_lines[0], reason=f"家庭成员{YAN}{G1}未签字")
    case = replace(notice_case, notice_lines=(first, *notice_case.notice_lines[1:]))
    result = render_notice(case, hall)
    assert [(m.char, m.places) for m in result.missing] == [(G1, ("告知原因",))]
    assert f"家庭成员{YAN}〔U+30000〕未签字" in pdf_text(result.pdf)


def test_guide_text_is_checked(hall: HallSettings) -> None:
    item = replace(sample_item(), legal_basis=f"《{G1}{JI}市条例》第三条")
    result = render_guide(item, hall)
    assert result.missing[0].places == ("设定依据",)
    assert f"《〔U+30000〕{JI}市条例》" in pdf_text(result.pdf)


def test_titles_and_footers_draw_rare_characters(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    """The hall's name is drawn on the canvas in the page footer, and a title is a
    flowable of its own: both outside paragraphs."""
    result = render_receipt(accepted, replace(hall, hall_name=f"{JI}城便民服务中心"))
    assert result.missing == ()
    pdftotext = need_tool("pdftotext")
    path = tmp_path / "r.pdf"
    path.write_bytes(result.pdf)
    out = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True
    )
    footer = out.stdout.decode("utf-8").strip().splitlines()[-1]
    assert f"{JI}城便民服务中心" in footer and "第1页共1页" in footer
    check = GlyphCheck()
    writer = Writer(make_styles(10.5), check)
    pdf, _ = build_a4([writer.title(f"{JI}{YAN}字号登记须知")], title="t")
    assert check.missing == ()
    assert f"{JI}{YAN}字号登记须知" in pdf_text(pdf)


def test_hall_name_is_checked(accepted: CaseDoc, hall: HallSettings) -> None:
    result = render_receipt(accepted, replace(hall, hall_name=f"{G1}城便民服务中心"))
    assert {p for m in result.missing for p in m.places} >= {"服务中心名称", "页脚"}


def test_ordinary_documents_never_load_the_fallback_fonts() -> None:
    """The fallbacks (30 MB) are parsed only for a document that needs them: a fresh
    process printing ordinary text has not touched them, and one rare name does."""
    code = (
        "from dataclasses import replace\n"
        "from printing import fonts\n"
        "from printing.documents import render_receipt\n"
        "from printing.samples import sample_case, sample_hall\n"
        "case = sample_case()\n"
        "render_receipt(case, sample_hall())\n"
        "assert fonts.runs('第一行\\n第二行') == [(fonts.FONT_NAME, '第一行\\n第二行')]\n"
        "print(fonts._fallbacks is None)\n"
        "rare = replace(case.applicant, name='吉\\U00020bb7')\n"
        "render_receipt(replace(case, applicant=rare), sample_hall())\n"
        "print(fonts._fallbacks is None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["True", "False"]


def test_all_fixed_wording_is_in_the_font(
    accepted: CaseDoc, deferred: CaseDoc, notice_case: CaseDoc, refused: CaseDoc, hall: HallSettings
) -> None:
    """The documents' own wording never needs a marker (checked through the demo data,
    which every document renders without missing characters)."""
    from printing.documents import render_promise, render_refusal, render_test_page

    results = [
        render_receipt(accepted, hall),
        render_receipt(deferred, hall, roll=True),
        render_notice(notice_case, hall),
        render_promise(deferred, hall),
        render_refusal(refused, hall),
        render_guide(sample_item(), hall),
        render_test_page(hall, "YC-PDF"),
    ]
    assert [r.missing for r in results] == [()] * len(results)


def test_footnote_only_when_needed() -> None:
    assert missing_footnote(()) is None
