"""The applicant's signature (issue 22 item 3): strokes from a signature pad or from
the screen, drawn as a PNG for the documents. No Qt: the on-screen pad
(app/ui/signature.py) hands its strokes here, as a pad device does.

A pad is a device that delivers strokes (lists of points in its own coordinates,
with its size); ``SimulatedSignaturePad`` is one that signs a fixed flourish after a
short wait, for the demo hall and the tests.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
Stroke = Sequence[Point]

INK = (16, 32, 96, 255)  # blue-black, as a pen
OUT_WIDTH = 720  # pixels across the pad's width in the PNG (about 300 dpi at 60 mm)
MIN_POINTS = 8  # fewer points in all is a tap, not a signature


class SignatureError(ValueError):
    """No signature to keep (empty pad); the message is for the clerk."""


@dataclass(frozen=True, slots=True)
class Signature:
    strokes: tuple[tuple[Point, ...], ...]
    width: float  # the pad's (or widget's) size the points are in
    height: float

    @property
    def points(self) -> int:
        return sum(len(s) for s in self.strokes)


def render_png(signature: Signature, out_width: int = OUT_WIDTH, pen: float = 0.006) -> bytes:
    """The strokes as a PNG on transparency, cut to the ink with a small margin. ``pen``
    is the line width as a share of the pad's width."""
    if signature.points < MIN_POINTS or signature.width <= 0 or signature.height <= 0:
        raise SignatureError("没有签名（请申请人在签名区内书写）。")
    scale = out_width / signature.width
    size = (out_width, max(1, round(signature.height * scale)))
    from PIL import Image, ImageDraw  # when a signature is drawn, not when a pad is made

    image = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    line = max(2, round(pen * out_width))
    for stroke in signature.strokes:
        pts = [(x * scale, y * scale) for x, y in stroke]
        if len(pts) == 1:
            x, y = pts[0]
            draw.ellipse((x - line / 2, y - line / 2, x + line / 2, y + line / 2), fill=INK)
            continue
        draw.line(pts, fill=INK, width=line, joint="curve")
    box = image.getbbox()
    if box is None:
        raise SignatureError("没有签名（请申请人在签名区内书写）。")
    margin = line * 3
    x0, y0, x1, y1 = box
    image = image.crop(
        (max(0, x0 - margin), max(0, y0 - margin), min(size[0], x1 + margin),
         min(size[1], y1 + margin))
    )  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


class SimulatedSignaturePad:
    """A pad that "signs" a flourish: the demo hall's pad and the tests' (a real pad's
    adapter delivers the same ``Signature`` from its vendor's SDK or serial frames)."""

    name = "签名板（模拟）"

    def __init__(self, delay_s: float = 0.3) -> None:
        self.delay_s = delay_s

    def request(self, prompt: str = "") -> Signature:
        """Blocks like a real pad until the applicant has signed: call it off the GUI
        thread."""
        del prompt
        if self.delay_s:
            time.sleep(self.delay_s)
        strokes: list[tuple[Point, ...]] = []
        for k in range(3):  # three "characters", each a loop and a tail
            x0 = 60 + k * 170
            strokes.append(
                tuple(
                    (x0 + 60 * math.sin(t / 6) + t * 1.6, 110 + 55 * math.cos(t / 5) * (1 - t / 90))
                    for t in range(0, 90, 2)
                )
            )
            strokes.append(((x0 + 20, 60.0), (x0 + 80, 70.0), (x0 + 140, 62.0)))
        return Signature(tuple(strokes), 600, 220)
