"""The QR encoder's fast mask selection agrees with reportlab's own symbol layout."""

from __future__ import annotations

import pytest
from reportlab.graphics.barcode import qrencoder

from printing.qr import _bits, _mask_rows, best_mask, penalty, qr_matrix

TEXTS = [
    "https://zwfw.example.gov.cn/q?no=SF0101-20250317-0042",
    "A015",
    "https://zwfw.example.gov.cn/q?no=" + "X" * 150,  # version ≥ 7: version info blocks
]


def _code(text: str) -> qrencoder.QRCode:
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.version = code.calculate_version()
    return code


@pytest.mark.parametrize("text", TEXTS)
def test_row_masking_equals_reportlabs_layout_for_every_mask(text: str) -> None:
    code = _code(text)
    code.makeImpl(True, 0)
    n = code.getModuleCount()
    base = [_bits(row) for row in code.modules]
    data = [0] * n
    for col, row in code.dataPosIterator():
        data[row] |= 1 << (n - 1 - col)
    masks = _mask_rows(n)
    for m in range(8):
        fast = [b ^ ((masks[0][r] ^ masks[m][r]) & data[r]) for r, b in enumerate(base)]
        code.makeImpl(True, m)
        assert fast == [_bits(row) for row in code.modules], m


@pytest.mark.parametrize("text", TEXTS)
def test_chosen_mask_has_the_lowest_penalty(text: str) -> None:
    code = _code(text)
    chosen = best_mask(code)
    n = code.getModuleCount()
    scores = []
    for m in range(8):
        code.makeImpl(True, m)
        scores.append(penalty([_bits(row) for row in code.modules], n))
    assert scores[chosen] == min(scores)


@pytest.mark.parametrize("text", TEXTS)
def test_matrix_is_reportlabs_symbol_with_that_mask(text: str) -> None:
    code = _code(text)
    mask = best_mask(code)
    code.makeImpl(False, mask)
    n = code.getModuleCount()
    assert qr_matrix(text) == tuple(
        tuple(bool(code.isDark(r, c)) for c in range(n)) for r in range(n)
    )


def test_penalty_rules() -> None:
    n = 11
    light = [0] * n
    assert penalty(light, n) > 0  # all light: runs, blocks and imbalance
    checker = [int(("10" * 6)[r % 2 : r % 2 + n], 2) for r in range(n)]
    assert penalty(checker, n) == 0
