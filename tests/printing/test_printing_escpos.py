"""ESC/POS bytes, checked byte for byte against golden files.

Regenerate the golden files after an intended change with
``YC_UPDATE_GOLDEN=1 python -m pytest tests/printing/test_printing_escpos.py`` and
review the diff (``xxd`` both versions)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from printing_support import GOLDEN

from app.core.check import Decision
from printing.escpos import (
    HANZI_OFF,
    HANZI_ON,
    INIT,
    PAPER_58,
    PAPER_80,
    Align,
    EscPos,
    PaperProfile,
    build_receipt_text,
    build_ticket,
)
from printing.model import CaseDoc, DocumentError
from printing.samples import sample_ticket
from printing.settings import HallSettings
from printing.text import text_columns

JI = "\U00020bb7"


def _golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("YC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.is_file(), f"missing golden file {path}; run with YC_UPDATE_GOLDEN=1"
    assert data == path.read_bytes()


@pytest.mark.parametrize("profile", [PAPER_58, PAPER_80])
def test_ticket_golden(profile: PaperProfile) -> None:
    result = build_ticket(sample_ticket(), profile)
    assert result.ok
    _golden(f"ticket_{profile.name}.bin", result.data)


def test_receipt_text_golden(deferred: CaseDoc, hall: HallSettings) -> None:
    result = build_receipt_text(deferred, hall)
    assert result.ok
    _golden("receipt_80mm.bin", result.data)


def test_ticket_structure() -> None:
    data = build_ticket(sample_ticket(), PAPER_58).data
    assert data.startswith(INIT + b"\x1ba\x01")  # ESC @, centred
    assert HANZI_ON in data and data.endswith(b"\x1dVB\x00" + HANZI_OFF)  # cut, Hanzi off
    assert b"\x1d!\x33\x1bE\x01A015\n" in data  # the number at 4x4, bold
    assert "社会救助".encode("gb18030") in data
    assert "您前面还有 6 人等候".encode("gb18030") in data
    assert "2025年3月17日 09:41".encode("gb18030") in data  # dates read as Chinese dates
    assert "本号当日有效".encode("gb18030") in data
    assert data.index(HANZI_ON) < data.index("示范县".encode("gb18030"))
    assert "预计等候".encode("gb18030") not in data  # no figures yet, no estimate
    timed = build_ticket(replace(sample_ticket(), expected_wait="预计等候约 25 分钟")).data
    assert "您前面还有 6 人等候\n预计等候约 25 分钟".encode("gb18030") in timed


def test_receipt_text_content(accepted: CaseDoc, hall: HallSettings) -> None:
    data = build_receipt_text(accepted, hall).data
    text = data.decode("gb18030", errors="replace")
    assert accepted.case_no in text
    assert "370982********1241" in text and "370982196505121241" not in text
    for m in accepted.materials:
        assert m.name in text
    assert "2025年3月31日前" in text and "王丽" in text
    assert b"\x1dkI" in data  # GS k 73: Code 128
    assert b"{BSF0101-20250317-0042" in data


def test_receipt_text_lines_fit_the_paper(deferred: CaseDoc, hall: HallSettings) -> None:
    for profile in (PAPER_58, PAPER_80):
        data = build_receipt_text(deferred, hall, profile=profile).data
        for raw in data.split(b"\n"):
            line = raw.split(b"\x1c&")[-1].split(b"\x1b")[0]
            if line and b"\x1d" not in raw:
                assert text_columns(line.decode("gb18030")) <= profile.columns, line


def test_barcode_skipped_when_too_wide_for_58mm(deferred: CaseDoc, hall: HallSettings) -> None:
    data = build_receipt_text(deferred, hall, profile=PAPER_58).data
    assert b"\x1dkI" not in data  # 20 characters need 550 dots at 2 dots per module
    assert b"SF0101-20250317-0042\n" in data


def test_receipt_needs_acceptance(refused: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError):
        build_receipt_text(refused, hall)


def test_commands() -> None:
    p = EscPos(PAPER_80)
    p.init().align(Align.RIGHT).bold().size(2, 3).feed(4).cut(partial=False)
    assert p.finish().data == (b"\x1b@\x1ba\x02\x1bE\x01\x1d!\x12\x1bd\x04\x1dVA\x00")
    with pytest.raises(ValueError):
        EscPos().size(9, 1)
    with pytest.raises(ValueError):
        EscPos().feed(256)


def test_ascii_only_job_never_enters_hanzi_mode() -> None:
    data = EscPos().init().line("A015").cut().finish().data
    assert HANZI_ON not in data and HANZI_OFF not in data


def test_double_width_halves_the_columns() -> None:
    p = EscPos(PAPER_58).init().size(2, 1)
    assert p.columns == 16
    p.line("一二三四五六七八九十")  # 20 columns at double width: two lines
    assert p.finish().data.count(b"\n") == 2


def test_four_byte_characters_are_marked_and_reported(
    accepted: CaseDoc, hall: HallSettings
) -> None:
    case = replace(accepted, applicant=replace(accepted.applicant, name=f"吉{JI}"))
    result = build_receipt_text(case, hall)
    assert [(m.char, m.places) for m in result.missing] == [(JI, ("申请人姓名",))]
    text = result.data.decode("gb18030")
    assert "吉〔U+20BB7〕" in text and "打印字库缺少下列文字" in text
    assert JI.encode("gb18030") not in result.data


def test_full_gb18030_printer_gets_the_character(accepted: CaseDoc, hall: HallSettings) -> None:
    case = replace(accepted, applicant=replace(accepted.applicant, name=f"吉{JI}"))
    full = replace(PAPER_80, full_gb18030=True)
    result = build_receipt_text(case, hall, profile=full)
    assert result.ok and ("吉" + JI).encode("gb18030") in result.data


def test_golden_dir_is_shipped() -> None:
    assert Path(GOLDEN).is_dir()


def test_decision_deferred_requires_dates(deferred: CaseDoc, hall: HallSettings) -> None:
    with pytest.raises(DocumentError, match="补交期限"):
        build_receipt_text(replace(deferred, deferred_supply_date=None), hall)
    assert Decision.ACCEPT_DEFERRED is deferred.decision


def test_a_26_character_case_number_fits_80mm_in_code_set_c() -> None:
    """Set B alone is too wide at two dots a module; its digit runs go in set C and the
    printer reads back the same number (it was tested with the 联办 slip, now gone)."""
    from devices.escpos_decode import PaperMark, PaperRollDecoder

    number = "370999101-A1-20260310-0002"
    job = EscPos(PAPER_80).init()
    assert job.barcode128(number)
    data = job.finish().data
    assert b"{C" in data
    marks = [i for i in PaperRollDecoder().feed(data) if isinstance(i, PaperMark)]
    assert [(m.kind, m.data) for m in marks] == [("barcode", number)]
