"""A photographed or scanned page → the JPEG the case keeps (issue 22 item 2).

A document camera (高拍仪) sees the page on a darker desk pad, usually a little
turned. This finds the page as the bright region of the frame (Otsu threshold on a
small grey copy), measures its turn from the corners of that region, turns the
full frame back, crops to the page and stores it as a JPEG with its long side at
most ``LONG_SIDE`` pixels. A scan that is all page (no desk around it) is kept whole.

Pillow does the pixel work: it is already in the bundle (reportlab reads images with
it), so no new dependency and no numpy. Pure functions of bytes and pixels: the
camera widget, the file import and the tests all go through ``process_page``.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from app.core.pages import PageImageError

LONG_SIDE = 2000  # enough to read a 小四 character on an A4 page at 240 dpi
QUALITY = 80
THUMB_SIDE = 160
ANALYSIS_SIDE = 400  # the grey copy the page and its turn are found on
MIN_SKEW_DEG = 0.3  # below this a turn is not worth a resample
MAX_SKEW_DEG = 20.0  # beyond this the "corners" are not a page's: leave it as it is
MIN_PAGE_SHARE = 0.15  # a bright region smaller than this share of the frame is no page
MAX_INPUT_PIXELS = 60_000_000  # a 60-megapixel file is a mistake or an attack


__all__ = ["Page", "PageImageError", "process_file", "process_page"]


@dataclass(frozen=True, slots=True)
class Page:
    jpeg: bytes
    sha256: str
    width: int
    height: int
    thumbnail: bytes  # a small JPEG for the checklist row and the case view
    skew_deg: float  # the turn that was taken out (0 when none)
    cropped: bool


def open_image(data: bytes) -> Image.Image:
    """Decode a file's bytes (JPEG, PNG, BMP, TIFF...), its EXIF turn applied."""
    Image.MAX_IMAGE_PIXELS = MAX_INPUT_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise PageImageError("文件不是可识别的图片（支持 JPG、PNG、BMP、TIFF）。") from exc
    return ImageOps.exif_transpose(image)


def from_rgb(width: int, height: int, rgb: bytes, stride: int = 0) -> Image.Image:
    """A camera frame's RGB888 pixels (rows ``stride`` bytes apart) as an image."""
    return Image.frombuffer("RGB", (width, height), rgb, "raw", "RGB", stride or width * 3, 1)


def otsu(histogram: list[int]) -> int:
    """The grey level that best splits a 256-bin histogram into two classes."""
    total = sum(histogram)
    if total == 0:
        return 128
    sum_all = sum(i * h for i, h in enumerate(histogram))
    weight_b = 0
    sum_b = 0.0
    best, best_var = 128, -1.0
    for level, count in enumerate(histogram):
        weight_b += count
        if weight_b == 0:
            continue
        weight_f = total - weight_b
        if weight_f == 0:
            break
        sum_b += level * count
        mean_b = sum_b / weight_b
        mean_f = (sum_all - sum_b) / weight_f
        var = weight_b * weight_f * (mean_b - mean_f) ** 2
        if var > best_var:
            best, best_var = level, var
    return best


def _mask(image: Image.Image) -> tuple[Image.Image, float]:
    """A small black/white copy (page white) and the scale from it to ``image``."""
    factor = max(1, max(image.size) // ANALYSIS_SIDE)
    grey = (image.reduce(factor) if factor > 1 else image).convert("L")
    scale = image.width / grey.width
    level = otsu(grey.histogram())
    mask = grey.point(lambda v: 255 if v > level else 0)
    # specks of light on the desk and dark print on the page go away
    mask = mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    return mask, scale


def find_skew(mask: Image.Image) -> float | None:
    """The page's turn in degrees (counter-clockwise positive, as Pillow rotates), from
    the bright region's corners: the top and bottom edges' mean slope. None when no
    page-like region is there."""
    w, h = mask.size
    data = mask.tobytes()
    tl = tr = bl = br = None
    tl_v = bl_v = math.inf  # smallest x+y, smallest x-y
    br_v = tr_v = -math.inf  # largest x+y, largest x-y
    count = 0
    for y in range(h):
        row = data[y * w : (y + 1) * w]
        first = row.find(b"\xff")
        if first < 0:
            continue
        last = row.rfind(b"\xff")
        count += row.count(b"\xff")
        for x in (first, last):
            s, d = x + y, x - y
            if s < tl_v:
                tl_v, tl = s, (x, y)
            if s > br_v:
                br_v, br = s, (x, y)
            if d > tr_v:
                tr_v, tr = d, (x, y)
            if d < bl_v:
                bl_v, bl = d, (x, y)
    if count < MIN_PAGE_SHARE * w * h or None in (tl, tr, bl, br):
        return None
    assert tl and tr and bl and br
    top = math.degrees(math.atan2(tr[1] - tl[1], tr[0] - tl[0]))
    bottom = math.degrees(math.atan2(br[1] - bl[1], br[0] - bl[0]))
    if abs(top - bottom) > 5:  # not a rectangle's parallel edges
        return None
    return (top + bottom) / 2


def _page_box(
    mask: Image.Image, scale: float, size: tuple[int, int], *, scan_ok: bool = True
) -> tuple[int, int, int, int] | None:
    """The bright region's bounding box in the full image, or None when there is no
    page-sized region or the page fills the frame (a scan: nothing to crop)."""
    box = mask.getbbox()
    if box is None:
        return None
    x0, y0, x1, y1 = box
    if (x1 - x0) * (y1 - y0) < MIN_PAGE_SHARE * mask.width * mask.height:
        return None
    if scan_ok and (x1 - x0) >= mask.width - 2 and (y1 - y0) >= mask.height - 2:
        return None
    return (
        max(0, math.floor(x0 * scale)),
        max(0, math.floor(y0 * scale)),
        min(size[0], math.ceil(x1 * scale)),
        min(size[1], math.ceil(y1 * scale)),
    )


def straighten(image: Image.Image) -> tuple[Image.Image, float, bool]:
    """The page turned upright and cropped out of the frame: (page, turn taken out,
    cropped?). The frame is cut down to the page's region before the turn, so only
    the page's pixels are resampled; the page's edges after the turn are found on the
    small black-and-white copy turned the same way, not on the full picture again."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    mask, scale = _mask(image)
    skew = find_skew(mask) or 0.0
    if abs(skew) < MIN_SKEW_DEG or abs(skew) > MAX_SKEW_DEG:
        skew = 0.0
    box = _page_box(mask, scale, image.size)
    if box is not None:
        image = image.crop(box)
        mask = mask.crop(
            (
                math.floor(box[0] / scale),
                math.floor(box[1] / scale),
                math.ceil(box[2] / scale),
                math.ceil(box[3] / scale),
            )
        )
    if skew:
        # the corners the turn uncovers take the desk's colour (black), so the page's
        # own edges are found again
        image = image.rotate(skew, Image.Resampling.BILINEAR, expand=True, fillcolor=(0, 0, 0))
        mask = mask.rotate(skew, Image.Resampling.NEAREST, expand=True, fillcolor=0)
        mask = mask.filter(ImageFilter.MinFilter(3))  # the turned edge's stair-steps
        inner = _page_box(mask, image.width / mask.width, image.size, scan_ok=False)
        if inner is not None:
            image = image.crop(inner)
    return image, skew, box is not None


def encode(image: Image.Image, long_side: int, quality: int) -> tuple[bytes, int, int]:
    """JPEG bytes and the size they have."""
    if max(image.size) > long_side:
        image = image.copy()
        image.thumbnail((long_side, long_side), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue(), image.width, image.height


def process_page(image: Image.Image, *, long_side: int = LONG_SIDE, quality: int = QUALITY) -> Page:
    page, skew, cropped = straighten(image)
    jpeg, width, height = encode(page, long_side, quality)
    thumb, _w, _h = encode(page, THUMB_SIDE, 75)
    return Page(jpeg, hashlib.sha256(jpeg).hexdigest(), width, height, thumb, skew, cropped)


def process_file(data: bytes) -> Page:
    return process_page(open_image(data))
