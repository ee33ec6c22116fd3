"""Code 128 barcodes drawn as vector bars in reportlab.

python-barcode computes the module pattern (start code, code-set switching to the
compact numeric set C, checksum, stop); we draw the bars ourselves so the PDF stays
vector and needs no image writer.
"""

from __future__ import annotations

from dataclasses import dataclass

from barcode.codex import Code128
from barcode.errors import BarcodeError
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

QUIET_MODULES = 10
"""Quiet zone each side, in modules (the standard asks for at least 10)."""


class BarcodeInputError(ValueError):
    """The text cannot be a Code 128 barcode; ``str()`` is a Chinese message."""


@dataclass(frozen=True, slots=True)
class Code128Pattern:
    text: str
    modules: str  # "1" = bar module, "0" = space module; no quiet zone

    def bars(self) -> list[tuple[int, int]]:
        """(first module, width in modules) of every bar, left to right."""
        out: list[tuple[int, int]] = []
        start = -1
        for i, m in enumerate(self.modules + "0"):
            if m == "1" and start < 0:
                start = i
            elif m == "0" and start >= 0:
                out.append((start, i - start))
                start = -1
        return out

    @property
    def width_modules(self) -> int:
        return len(self.modules) + 2 * QUIET_MODULES


def code128(text: str) -> Code128Pattern:
    """The Code 128 module pattern of ``text`` (printable ASCII only)."""
    if not text or not all(" " <= ch <= "~" for ch in text):
        raise BarcodeInputError(f"编号“{text}”含有不能编入条码的字符（只允许英文字母、数字和符号）")
    try:
        modules = Code128(text).build()[0]
    except BarcodeError as exc:  # pragma: no cover - guarded by the check above
        raise BarcodeInputError(f"编号“{text}”无法生成条码：{exc}") from exc
    return Code128Pattern(text, modules)


class BarcodeFlowable(Flowable):  # type: ignore[misc]
    """Bars of a Code 128 pattern, as wide as fits up to ``max_module`` per module.

    ``module_width`` is known after ``wrap``; each bar is one rectangle in a
    marked-content section, so a test can read the pattern back from the page."""

    def __init__(
        self,
        pattern: Code128Pattern,
        *,
        height: float = 12 * mm,
        max_module: float = 0.33 * mm,
        min_module: float = 0.19 * mm,
        max_width: float | None = None,
    ) -> None:
        super().__init__()
        self.pattern = pattern
        self.bar_height = height
        self.max_module = max_module
        self.min_module = min_module
        self.max_width = max_width
        self.module_width = max_module
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        limit = min(avail_width, self.max_width or avail_width)
        self.module_width = max(
            self.min_module, min(self.max_module, limit / self.pattern.width_modules)
        )
        self.width = self.module_width * self.pattern.width_modules
        self.height = self.bar_height
        return self.width, self.height

    def draw(self) -> None:
        # In module units: x and width are whole modules, the bar height is 1. The
        # bars sit in a marked-content section /YCBarcode so a test can find them.
        bars = "\n".join(
            f"{QUIET_MODULES + start} 0 {width} 1 re" for start, width in self.pattern.bars()
        )
        canv = self.canv
        canv.saveState()
        canv.scale(self.module_width, self.bar_height)
        canv.addLiteral("/YCBarcode BMC 0 g\n" + bars + "\nf EMC")
        canv.restoreState()
