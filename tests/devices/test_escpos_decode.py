"""The ESC/POS decoder turns the bytes a ticket printer receives back into paper:
lines with their styles, barcodes and cuts, whatever the read boundaries."""

from __future__ import annotations

from datetime import datetime

from devices.escpos_decode import PaperLine, PaperMark, PaperRollDecoder
from printing.escpos import EscPos, build_ticket
from printing.model import TicketDoc

TICKET = TicketDoc(
    number="A015",
    category="社会救助",
    people_ahead=3,
    issued_at=datetime(2026, 3, 2, 9, 5),
    hall_name="城关镇便民服务中心",
)


def test_paper_decoder_survives_any_split_and_reads_barcodes() -> None:
    job = EscPos().init()
    assert job.barcode128("370999101-A1-20261129-0007", module=1)
    data = build_ticket(TICKET).data + job.cut().finish().data
    whole = PaperRollDecoder().feed(data)
    decoder = PaperRollDecoder()
    split = [item for b in data for item in decoder.feed(bytes([b]))]
    assert split == whole
    lines = [item for item in whole if isinstance(item, PaperLine)]
    number = next(line for line in lines if line.text == "A015")
    assert number.align == 1 and number.runs[0].bold and number.runs[0].height == 4
    assert PaperMark("barcode", "370999101-A1-20261129-0007") in whole
    assert whole.count(PaperMark("cut")) == 2
