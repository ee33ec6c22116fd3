"""Characters the bundled font lacks are never dropped silently."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from printing_support import pdf_text

from printing.documents import render_guide, render_notice, render_receipt
from printing.fonts import FONT_NAME, GlyphCheck, cjk_font, font_cmap, missing_chars
from printing.model import MARKER, CaseDoc, missing_footnote
from printing.samples import sample_item
from printing.settings import HallSettings

JI = "\U00020bb7"  # 𠮷, CJK Extension B
YAN = "\u4dae"  # 䶮, CJK Extension A
KUN = "\u5803"  # 堃


def test_bundled_font_is_registered_once() -> None:
    assert cjk_font() is cjk_font()
    assert cjk_font().fontName == FONT_NAME


def test_which_rare_characters_the_font_has() -> None:
    cmap = font_cmap()
    assert ord(KUN) in cmap  # 堃 prints
    assert ord(JI) not in cmap  # 𠮷 and 䶮 do not: WenQuanYi Micro Hei stops at the BMP
    assert ord(YAN) not in cmap
    assert missing_chars(f"王{KUN}、吉{JI}、刘{YAN}、吉{JI}") == [JI, YAN]


def test_glyph_check_marks_and_reports() -> None:
    check = GlyphCheck()
    assert check.clean("张秀英", "申请人姓名") == "张秀英"
    assert check.clean(f"吉{JI}祥", "申请人姓名") == "吉〔U+20BB7〕祥"
    assert check.clean(f"{JI}{YAN}", "代办人姓名") == "〔U+20BB7〕〔U+4DAE〕"
    assert check.clean("a\x07b\tc\nd", "备注") == "a b c\nd"
    (ji, yan) = check.missing
    assert (ji.char, ji.codepoint, ji.places) == (JI, "U+20BB7", ("申请人姓名", "代办人姓名"))
    assert (yan.codepoint, yan.places) == ("U+4DAE", ("代办人姓名",))
    note = check.footnote()
    assert note is not None
    assert "〔U+20BB7〕（申请人姓名、代办人姓名）" in note and "〔U+4DAE〕（代办人姓名）" in note


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=30))
def test_glyph_check_output_is_always_printable(text: str) -> None:
    check = GlyphCheck()
    cleaned = check.clean(text, "字段")
    cmap = font_cmap()
    assert all(ch == "\n" or ord(ch) in cmap for ch in cleaned)
    lost = {ch for ch in text if ch not in "\n\t" and ord(ch) >= 0x20 and ord(ch) not in cmap}
    lost -= {chr(c) for c in range(0x7F, 0xA0)}
    assert {m.char for m in check.missing} == lost
    for m in check.missing:
        assert MARKER.format(ord(m.char)) in cleaned


def test_receipt_with_rare_name_prints_marker_and_footnote(
    accepted: CaseDoc, hall: HallSettings
) -> None:
    applicant = replace(accepted.applicant, name=f"吉{JI}", agent_name=f"刘{YAN}{KUN}")
    result = render_receipt(replace(accepted, applicant=applicant), hall)
    assert not result.ok
    by_char = {m.char: m for m in result.missing}
    assert set(by_char) == {JI, YAN}
    assert "申请人姓名" in by_char[JI].places
    assert "代办人姓名" in by_char[YAN].places
    text = pdf_text(result.pdf)
    assert "吉〔U+20BB7〕" in text
    assert f"刘〔U+4DAE〕{KUN}" in text  # 堃 itself prints
    assert "打印字库缺少下列文字" in text and "〔U+20BB7〕（申请人姓名" in text


@pytest.mark.parametrize("roll", [False, True])
def test_roll_receipt_reports_too(roll: bool, accepted: CaseDoc, hall: HallSettings) -> None:
    case = replace(accepted, item_name=f"{JI}字号登记")
    result = render_receipt(case, hall, roll=roll)
    assert [m.char for m in result.missing] == [JI]
    assert "事项名称" in result.missing[0].places
    assert "〔U+20BB7〕字号登记" in pdf_text(result.pdf)


def test_notice_line_reasons_are_checked(notice_case: CaseDoc, hall: HallSettings) -> None:
    first = replace(notice_case.notice_lines[0], reason=f"家庭成员{YAN}未签字")
    case = replace(notice_case, notice_lines=(first, *notice_case.notice_lines[1:]))
    result = render_notice(case, hall)
    assert [(m.char, m.places) for m in result.missing] == [(YAN, ("告知原因",))]


def test_guide_text_is_checked(hall: HallSettings) -> None:
    item = replace(sample_item(), legal_basis=f"《{JI}市条例》第三条")
    result = render_guide(item, hall)
    assert result.missing[0].places == ("设定依据",)
    assert "《〔U+20BB7〕市条例》" in pdf_text(result.pdf)


def test_hall_name_is_checked(accepted: CaseDoc, hall: HallSettings) -> None:
    result = render_receipt(accepted, replace(hall, hall_name=f"{JI}城便民服务中心"))
    assert {p for m in result.missing for p in m.places} >= {"服务中心名称", "页脚"}


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
