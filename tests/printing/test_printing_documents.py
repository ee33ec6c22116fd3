"""PDF documents: their text read back with pypdf, checked against the data."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from barcode.codex import Code128
from printing_support import need_tool, pdf_pages_text, pdf_text, squash
from pypdf import PdfReader

from app.core.check import Decision
from app.core.items import Medium, ServiceType
from printing.barcode128 import QUIET_MODULES, BarcodeInputError, code128
from printing.documents import (
    NO_MORE_MATERIALS,
    DocKind,
    remedies_text,
    render_guide,
    render_notice,
    render_promise,
    render_receipt,
    render_refusal,
    render_test_page,
)
from printing.model import CaseDoc, DocumentError, ReceivedMaterial
from printing.samples import many_materials_item, sample_case, sample_item
from printing.settings import HallSettings
from printing.text import fmt_date, mask_id, mask_phone

A4_POINTS = (595.2756, 841.8898)


def _page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def _assert_common(text: str, case: CaseDoc, hall: HallSettings) -> None:
    assert case.case_no in text
    assert squash(case.item_name) in text
    assert squash(case.applicant.name) in text
    assert squash(hall.hall_name) in text
    assert squash(fmt_date(case.accepted_at.date())) in text


# ------------------------------------------------------------------ 受理通知书


def test_receipt_a4_shows_the_case(accepted: CaseDoc, hall: HallSettings) -> None:
    result = render_receipt(accepted, hall)
    assert result.kind is DocKind.RECEIPT
    assert result.pages == 1 and result.ok and result.warnings == ()
    assert _page_sizes(result.pdf) == [pytest.approx(A4_POINTS, abs=0.1)]
    text = pdf_text(result.pdf)
    _assert_common(text, accepted, hall)
    a = accepted.applicant
    assert mask_id(a.id_number) == "370982********1241"
    assert "370982********1241" in text
    assert a.id_number not in text  # the full number is never printed
    assert mask_phone(a.phone) in text and a.phone not in text
    assert accepted.item_code in text and accepted.department in text
    for m in accepted.materials:
        assert squash(m.name) in text
        assert m.medium.value in text
    assert "2025年3月31日前" in text and "10个工作日" in text  # promised completion
    assert "王丽" in text and "3号窗口" in text  # clerk, window
    assert "2025年3月17日10:24" in text  # accepted at
    assert hall.phone in text and hall.supervision_phone in text
    assert "第1页共1页" in text
    # how the result reaches the applicant, and when the hall is open
    assert squash(f"结果送达{hall.delivery}") in text
    assert squash(f"办公时间：{hall.office_hours}") in text


def test_receipt_materials_table_lists_medium_and_copies(
    accepted: CaseDoc, hall: HallSettings
) -> None:
    case = replace(
        accepted,
        materials=(
            *accepted.materials,
            ReceivedMaterial("独一无二的证明材料", Medium.COPY, 7, "加盖公章"),
        ),
    )
    text = pdf_text(render_receipt(case, hall).pdf)
    assert "独一无二的证明材料复印件7加盖公章" in text


def test_receipt_of_deferred_acceptance_lists_what_to_supply(
    deferred: CaseDoc, hall: HallSettings
) -> None:
    text = pdf_text(render_receipt(deferred, hall).pdf)
    assert "容缺受理" in text
    for line in deferred.deferred_lines:
        assert squash(line.material) in text
    assert "2025年3月24日前" in text


def test_receipt_on_the_spot_item_says_so(accepted: CaseDoc, hall: HallSettings) -> None:
    case = replace(accepted, service_type=ServiceType.ON_THE_SPOT, promised_date=None)
    assert "即办件，当场办结" in pdf_text(render_receipt(case, hall).pdf)


def test_receipt_for_an_organisation_shows_its_credit_code_unmasked(
    accepted: CaseDoc, hall: HallSettings
) -> None:
    org = replace(
        accepted.applicant,
        name="示范县幸福养老服务有限公司",
        is_org=True,
        credit_code="91370982MA3C4XYZ1Q",
        legal_rep="赵卫东",
    )
    text = pdf_text(render_receipt(replace(accepted, applicant=org), hall).pdf)
    assert "91370982MA3C4XYZ1Q" in text and "赵卫东" in text and "统一社会信用代码" in text


def test_receipt_roll_is_80mm_wide_and_fits_its_content(
    deferred: CaseDoc, hall: HallSettings
) -> None:
    result = render_receipt(deferred, hall, roll=True)
    assert result.kind is DocKind.RECEIPT_ROLL
    (width, height), *rest = _page_sizes(result.pdf)
    assert rest == []
    assert width == pytest.approx(80 / 25.4 * 72, abs=0.1)
    assert 100 < height / 72 * 25.4 < 250  # millimetres: as long as the content, no more
    text = pdf_text(result.pdf)
    _assert_common(text, deferred, hall)
    assert "370982********1241" in text
    for m in deferred.materials:
        assert squash(m.name) + f"（{m.medium.value}×{m.copies}）" in text
    assert "2025年3月24日前补交" in text


def test_roll_grows_with_the_number_of_materials(accepted: CaseDoc, hall: HallSettings) -> None:
    many = replace(
        accepted,
        materials=(
            *accepted.materials,
            *(ReceivedMaterial(f"材料{i}", Medium.COPY, 1) for i in range(1, 41)),
        ),
    )
    short_h = _page_sizes(render_receipt(accepted, hall, roll=True).pdf)[0][1]
    long_result = render_receipt(many, hall, roll=True)
    assert long_result.pages == 1
    assert _page_sizes(long_result.pdf)[0][1] > short_h + 40 * 8  # ~ a line per material
    assert "材料40（复印件×1）" in pdf_text(long_result.pdf)


@pytest.mark.parametrize("decision", [Decision.CORRECTION, Decision.REFUSE])
def test_receipt_needs_an_acceptance(
    decision: Decision, accepted: CaseDoc, hall: HallSettings
) -> None:
    with pytest.raises(DocumentError, match="不能打印受理通知书"):
        render_receipt(replace(accepted, decision=decision), hall)


def test_promised_item_needs_a_promised_date(accepted: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="承诺办结日期"):
        render_receipt(replace(accepted, promised_date=None), hall)


# ------------------------------------------------------------------ barcode


def _barcode_modules_from_pdf(pdf: bytes, page: int = 0) -> tuple[str, float]:
    """The bar pattern drawn in the page's /YCBarcode section, and the module width
    in millimetres, read from the page's drawing commands."""
    content = PdfReader(io.BytesIO(pdf)).pages[page].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    head, _, rest = stream.partition("/YCBarcode BMC")
    section, _, _ = rest.partition("EMC")
    assert section, "no barcode section on the page"
    scale = re.findall(r"([\d.]+) 0 0 ([\d.]+) 0 0 cm", head)[-1]
    module_mm = float(scale[0]) / 72 * 25.4
    bars = [(int(x), int(w)) for x, w in re.findall(r"(\d+) 0 (\d+) 1 re", section)]
    end = max(x + w for x, w in bars)
    cells = ["0"] * end
    for x, w in bars:
        cells[x : x + w] = ["1"] * w
    return "".join(cells)[QUIET_MODULES:], module_mm


@pytest.mark.parametrize("roll", [False, True])
def test_barcode_drawn_is_the_code128_of_the_case_number(
    roll: bool, accepted: CaseDoc, hall: HallSettings
) -> None:
    result = render_receipt(accepted, hall, roll=roll)
    drawn, module_mm = _barcode_modules_from_pdf(result.pdf)
    expected = Code128(accepted.case_no).build()[0]
    assert drawn == expected
    assert result.barcode is not None and result.barcode.modules == expected
    assert 0.19 <= module_mm <= 0.34  # scannable at counter scanners' resolution


def test_barcode_of_numeric_case_numbers_uses_the_compact_set(
    accepted: CaseDoc, hall: HallSettings
) -> None:
    case = replace(accepted, case_no="37098201202503170042")
    drawn, _ = _barcode_modules_from_pdf(render_receipt(case, hall).pdf)
    assert drawn == Code128("37098201202503170042").build()[0]
    assert len(drawn) < 11 * 20  # code set C packs two digits per symbol


def test_barcode_rejects_text_a_scanner_cannot_read() -> None:
    with pytest.raises(BarcodeInputError, match="不能编入条码"):
        code128("受理0042")
    with pytest.raises(BarcodeInputError):
        code128("")


def test_every_case_document_carries_the_barcode(
    deferred: CaseDoc, notice_case: CaseDoc, refused: CaseDoc, hall: HallSettings
) -> None:
    for case, result in (
        (notice_case, render_notice(notice_case, hall)),
        (deferred, render_promise(deferred, hall)),
        (refused, render_refusal(refused, hall)),
    ):
        assert _barcode_modules_from_pdf(result.pdf)[0] == Code128(case.case_no).build()[0]


@pytest.mark.slow
def test_barcode_and_qr_decode_with_a_real_scanner_library(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    """zbarimg (zbar-tools) reads the printed page as a counter scanner would."""
    import shutil

    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg not installed (apt-get install zbar-tools)")
    pdftoppm = need_tool("pdftoppm")
    for roll in (False, True):
        pdf = tmp_path / f"receipt-{roll}.pdf"
        pdf.write_bytes(render_receipt(accepted, hall, roll=roll).pdf)
        subprocess.run(
            [pdftoppm, "-r", "200", "-png", str(pdf), str(tmp_path / f"p{roll}")], check=True
        )
        png = next(tmp_path.glob(f"p{roll}*.png"))
        out = subprocess.run(
            ["zbarimg", "-q", str(png)], capture_output=True, text=True, check=False
        ).stdout
        assert f"CODE-128:{accepted.case_no}" in out
        assert f"QR-Code:https://zwfw.example.gov.cn/q?no={accepted.case_no}" in out


# ------------------------------------------------------------------ QR code


def test_qr_code_is_optional(accepted: CaseDoc, hall: HallSettings) -> None:
    with_qr = render_receipt(accepted, hall).pdf
    without = render_receipt(accepted, replace(hall, qr_template=None)).pdf
    assert b"/YCQRCode BMC" in _contents(with_qr)
    assert b"/YCQRCode BMC" not in _contents(without)


def test_bad_qr_template_is_a_warning_not_a_failure(accepted: CaseDoc, hall: HallSettings) -> None:
    result = render_receipt(accepted, replace(hall, qr_template="https://x.cn/q?id={case_id}"))
    assert b"/YCQRCode BMC" not in _contents(result.pdf)
    assert any("{case_id}" in w for w in result.warnings)


def test_unreadable_logo_is_a_warning(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    result = render_receipt(accepted, replace(hall, logo_path=bad))
    assert any("徽标" in w for w in result.warnings)
    assert accepted.case_no in pdf_text(result.pdf)


def test_logo_is_drawn(accepted: CaseDoc, hall: HallSettings, tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (200, 0, 0)).save(logo)
    result = render_receipt(accepted, replace(hall, logo_path=logo))
    assert result.warnings == ()
    page = PdfReader(io.BytesIO(result.pdf)).pages[0]
    assert len(page.images) == 1


def _contents(pdf: bytes) -> bytes:
    data = b""
    for page in PdfReader(io.BytesIO(pdf)).pages:
        content = page.get_contents()
        assert content is not None
        data += content.get_data()
    return data


# ------------------------------------------------------------------ 一次性告知书


def test_notice_lists_every_line_with_reason_and_requirement(
    notice_case: CaseDoc, hall: HallSettings
) -> None:
    result = render_notice(notice_case, hall)
    assert result.kind is DocKind.NOTICE and result.ok
    text = pdf_text(result.pdf)
    _assert_common(text, notice_case, hall)
    for line in notice_case.notice_lines:
        assert squash(line.material) in text
        assert squash(line.reason) in text
        assert squash(line.requirement) in text
    assert text.count("有误") >= 2 and text.count("缺少") >= 2
    # a 补正 notice accepts nothing: every line, 容缺 or not, is brought before the case
    assert any(line.deferrable for line in notice_case.notice_lines)
    assert text.count("补齐后办理") == len(notice_case.notice_lines) == 5
    assert "容缺" not in text and "前补交" not in text
    for question, answer in notice_case.answers:
        assert squash(question) in text and squash(answer) in text
    assert squash(NO_MORE_MATERIALS) in text
    # the applicant signs as the applicant; the agent on a line of their own
    assert "窗口工作人员：王丽（签字）" in text
    assert "申请人：张秀英（签字）" in text and "代办人：李建国（签字）" in text
    assert "申请人：李建国" not in text


def test_notice_with_many_lines_paginates_with_repeated_header(
    notice_case: CaseDoc, hall: HallSettings
) -> None:
    line = notice_case.notice_lines[1]
    extra = tuple(replace(line, material=f"第{i}号缺少的材料") for i in range(1, 41))
    lines = (*notice_case.notice_lines, *extra)
    result = render_notice(replace(notice_case, notice_lines=lines), hall)
    pages = [squash(t) for t in pdf_pages_text(result.pdf)]
    assert result.pages == len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert f"第{n}页共{len(pages)}页" in text
        if "号缺少的材料" in text:
            assert "材料名称问题具体原因补正要求补交期限" in text  # header repeated
    assert sum("号缺少的材料" in text for text in pages) >= 2
    joined = "".join(pages)
    for i in range(1, 41):
        assert f"第{i}号缺少的材料" in joined
    assert squash(NO_MORE_MATERIALS) in pages[-1]


def test_notice_needs_lines(notice_case: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="无需打印一次性告知书"):
        render_notice(replace(sample_case(Decision.ACCEPT), decision=Decision.CORRECTION), hall)


def test_deferrable_line_needs_a_deadline(deferred: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="缺少补交期限"):
        render_notice(replace(deferred, deferred_supply_date=None), hall)


# ------------------------------------------------------------------ 容缺受理承诺书


def test_promise_lists_deferred_materials_and_date(deferred: CaseDoc, hall: HallSettings) -> None:
    result = render_promise(deferred, hall)
    text = pdf_text(result.pdf)
    _assert_common(text, deferred, hall)
    assert "容缺受理承诺书" in text and "郑重承诺" in text
    for line in deferred.deferred_lines:
        assert squash(line.material) in text and squash(line.requirement) in text
    assert text.count("2025年3月24日前") == len(deferred.deferred_lines)
    assert "承诺人：张秀英（签字）" in text and "代办人：李建国（签字）" in text
    # a promise carries legal liability: identity numbers print whole
    assert "370982196505121241" in text and "370982198809230016" in text
    assert "********" not in text


def test_promise_only_for_deferred_acceptance(accepted: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="容缺受理承诺书"):
        render_promise(accepted, hall)


def test_promise_uses_each_lines_own_deadline(deferred: CaseDoc, hall: HallSettings) -> None:
    first, second = deferred.notice_lines
    case = replace(
        deferred, notice_lines=(replace(first, supply_deadline=date(2025, 4, 2)), second)
    )
    text = pdf_text(render_promise(case, hall).pdf)
    assert "2025年4月2日前" in text and "2025年3月24日前" in text


# ------------------------------------------------------------------ 不予受理通知书


def test_refusal_gives_reason_basis_and_remedies(refused: CaseDoc, hall: HallSettings) -> None:
    result = render_refusal(refused, hall)
    text = pdf_text(result.pdf)
    _assert_common(text, refused, hall)
    assert squash(refused.refusal_reason) in text
    assert squash(refused.refusal_basis) in text
    assert "60日内" in text and "6个月内" in text and "行政复议" in text and "行政诉讼" in text
    # to whom: the hall's defaults, the item naming none
    assert squash(remedies_text("示范县人民政府", "示范县人民法院")) in text
    assert "向示范县人民政府申请行政复议" in text and "向示范县人民法院提起行政诉讼" in text
    # "提出的“…申请”申请" said 申请 twice
    assert "申请”申请" not in text and "申请办理的“最低生活保障申请”事项" in text


def test_refusal_is_the_deciding_bodys_and_names_its_addressees(
    refused: CaseDoc, hall: HallSettings
) -> None:
    assert refused.standard is not None
    item = replace(refused.standard, review_body="示范市民政局", court="示范市示范区人民法院")
    text = pdf_text(render_refusal(replace(refused, standard=item), hall).pdf)
    # issued in the name of the body that holds the power, sealed by it
    assert "示范县民政局（盖章）" in text and "本机关决定不予受理" in text
    assert f"{squash(hall.hall_name)}（盖章）" not in text
    assert text.index("示范县民政局") < text.index("不予受理通知书")  # the issuer heads it
    # the item's own addressees win over the hall's
    assert "向示范市民政局申请行政复议" in text and "向示范市示范区人民法院提起行政诉讼" in text
    assert "示范县人民政府" not in text


def test_refusal_without_addressees_is_refused(refused: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="行政复议机关和行政诉讼管辖法院"):
        render_refusal(refused, replace(hall, review_body="", court=""))


def test_refusal_signed_for_by_applicant_and_agent(refused: CaseDoc, hall: HallSettings) -> None:
    alone = pdf_text(render_refusal(refused, hall).pdf)
    assert "申请人签收：张秀英" in alone and "代办人" not in alone
    agent = replace(refused.applicant, agent_name="李建国", agent_id_number="370982198809230016")
    text = pdf_text(render_refusal(replace(refused, applicant=agent), hall).pdf)
    assert "申请人签收：张秀英" in text and "代办人签收：李建国" in text
    assert "申请人签收：李建国" not in text


@pytest.mark.parametrize(
    ("field", "message"), [("refusal_reason", "理由"), ("refusal_basis", "法律依据")]
)
def test_refusal_needs_reason_and_basis(
    field: str, message: str, refused: CaseDoc, hall: HallSettings
) -> None:
    with pytest.raises(DocumentError, match=message):
        blank: dict[str, Any] = {field: "  "}
        render_refusal(replace(refused, **blank), hall)


# ------------------------------------------------------------------ 办事指南


def test_guide_shows_every_element_of_the_standard(hall: HallSettings) -> None:
    item = sample_item()
    result = render_guide(item, hall, printed_at=datetime(2025, 3, 17, 9, 0))
    assert result.kind is DocKind.GUIDE and result.ok
    text = pdf_text(result.pdf)
    for value in (
        item.code,
        item.name,
        item.kind.value,
        item.department,
        item.service_type.value,
        item.version,
        item.legal_basis,
        item.conditions,
        item.procedure,
        item.place,
        item.phone,
        hall.supervision_phone,
        f"法定办结时限{item.statutory_days}个工作日",
        f"承诺办结时限{item.promised_days}个工作日",
        "不收费",
    ):
        assert squash(value) in text, value
    for q in item.questions:
        assert squash(q.text) in text
    for m in item.materials:
        assert squash(m.name) in text
        assert squash(m.standard) in text
        assert m.medium.value in text and m.necessity.value in text
    assert "婚姻状况：已婚／离异或丧偶" in text  # a material's situation, as options
    assert "申请方式：委托代办" in text
    assert "来源：公安机关" in text and "空白表格：窗口领取或网上下载" in text
    assert "打印时间：2025年3月17日09:00" in text
    assert "事项类型行政给付" in text  # a national type, not 其他
    assert "复议机关示范县人民政府" in text and "管辖法院示范县人民法院" in text
    assert "九、救济途径" in text and "向示范县人民政府申请行政复议" in text
    assert squash(f"办公时间{hall.office_hours}") in text
    assert squash(f"结果送达{hall.delivery}") in text


def test_guide_uses_the_items_own_addressees_and_delivery(hall: HallSettings) -> None:
    item = replace(sample_item(), review_body="示范市人民政府", court="示范市中级人民法院",
                   delivery="邮寄送达")  # fmt: skip
    text = pdf_text(render_guide(item, hall).pdf)
    assert "复议机关示范市人民政府" in text and "管辖法院示范市中级人民法院" in text
    assert "结果送达邮寄送达" in text and "示范县人民法院" not in text


def test_guide_with_fees(hall: HallSettings) -> None:
    item = replace(sample_item(), fee=True, fee_standard="工本费每证10元（依据示范文件）")
    text = pdf_text(render_guide(item, hall).pdf)
    assert "工本费每证10元（依据示范文件）" in text and "是否收费收费" in text


def test_guide_of_60_materials_paginates_cleanly(hall: HallSettings) -> None:
    item = many_materials_item(60)
    result = render_guide(item, hall)
    pages = [squash(t) for t in pdf_pages_text(result.pdf)]
    assert result.pages == len(pages) >= 3
    material_pages = [t for t in pages if "第1项证明材料" in t or "项证明材料（示例）" in t]
    assert len(material_pages) >= 2
    for text in material_pages:
        assert "序号材料名称介质份数必要性受理标准适用情形" in text  # header repeated
    for n, text in enumerate(pages, start=1):
        assert f"第{n}页共{len(pages)}页" in text
        assert item.code in text  # footer on every page
    joined = "".join(pages)
    positions = [joined.index(f"第{i}项证明材料（示例）") for i in range(1, 61)]
    assert positions == sorted(positions)  # each once, in order
    assert all(joined.count(f"第{i}项证明材料（示例）") == 1 for i in (1, 30, 60))


# ------------------------------------------------------------------ fonts


def test_test_page(hall: HallSettings) -> None:
    result = render_test_page(hall, "YC-PDF", when=datetime(2025, 3, 17, 9, 0))
    text = pdf_text(result.pdf)
    assert "打印测试页" in text and "YC-PDF" in text and "文泉驿微米黑" in text


def test_font_is_embedded_as_a_subset(
    accepted: CaseDoc, hall: HallSettings, tmp_path: Path
) -> None:
    pdffonts = need_tool("pdffonts")
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(render_receipt(accepted, hall).pdf)
    out = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    names = set()
    for row in rows:
        name, emb, sub, uni = row[0], row[-5], row[-4], row[-3]
        # the body font and the title's Song face, no other (e.g. no Helvetica)
        assert "WenQuanYiMicroHei" in name or "BousungEG-Light-GB" in name, out
        assert re.match(r"^[A-Z]{6}\+", name), out  # subset tag
        assert (emb, sub, uni) == ("yes", "yes", "yes"), out
        names.add(name.split("+")[1])
    assert names == {"WenQuanYiMicroHei-0", "BousungEG-Light-GB"}, out


def test_titles_take_the_song_face_when_it_has_every_character() -> None:
    from printing.fonts import FONT_NAME, TITLE_FONT_NAME, title_font

    assert title_font("不予受理通知书") == TITLE_FONT_NAME
    assert title_font("吉𠮷") == FONT_NAME  # a character the GB 2312 face lacks


def test_pdf_is_reproducible(accepted: CaseDoc, hall: HallSettings) -> None:
    assert render_receipt(accepted, hall).pdf == render_receipt(accepted, hall).pdf


def test_pdf_metadata(accepted: CaseDoc, hall: HallSettings) -> None:
    meta = PdfReader(io.BytesIO(render_receipt(accepted, hall).pdf)).metadata
    assert meta is not None and meta.title == f"受理通知书 {accepted.case_no}"


def test_roll_height_falls_back_when_the_estimate_is_short() -> None:
    from reportlab.platypus import Flowable

    from printing.layout import build_roll

    class Liar(Flowable):  # type: ignore[misc]
        """Claims to be short when measured, is tall when laid out."""

        calls = 0

        def wrap(self, aw: float, ah: float) -> tuple[float, float]:
            Liar.calls += 1
            return aw, (10.0 if Liar.calls == 1 else 400.0)

        def draw(self) -> None:
            self.canv.rect(0, 0, 10, 10)

    pdf = build_roll(lambda: [Liar()], title="t")
    (_, height), *rest = _page_sizes(pdf)
    assert rest == [] and height > 400


def test_an_organisation_seals_and_its_agent_signs_as_jingbanren(
    notice_case: CaseDoc, hall: HallSettings
) -> None:
    org = replace(
        notice_case.applicant, name="示范县某某商贸有限公司", is_org=True,
        credit_code="91370982MA3C4XYZ1Q", legal_rep="赵六", agent_name="钱七",
    )  # fmt: skip
    text = pdf_text(render_notice(replace(notice_case, applicant=org), hall).pdf)
    assert "申请单位：示范县某某商贸有限公司（盖章）" in text
    assert "经办人：钱七（签字）" in text and "申请人：钱七" not in text
