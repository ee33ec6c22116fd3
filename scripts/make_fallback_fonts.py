"""Build the fallback fonts for rare Han characters from Debian's fonts-hanazono.

WenQuanYi Micro Hei, the bundled font, stops at the Basic Multilingual Plane and even
there lacks CJK Extension A (䶮 U+4DAE) and the newest unified ideographs. Names of
real people use such characters (吉𠮷, 刘䶮, 王𬀩), so two fallback fonts fill the gap,
both subsets of 花園明朝 (HanaMin, GlyphWiki Project, Hanazono Font License):

  resources/fonts/hanazono-ext-a.ttf  Han ideographs of the BMP that Micro Hei lacks
                                      (CJK Extension A, the newest U+9FA6…, compatibility
                                      ideographs) and the CJK Compatibility Ideographs
                                      Supplement, from HanaMinA;
  resources/fonts/hanazono-ext-b.ttf  CJK Extensions B, C, D, E and F, whole, from HanaMinB.

Two files because one TrueType font holds at most 65,535 glyphs and these are 67,000.
The subsets keep every Han outline and drop only what the program never uses: the
vertical metrics, OpenType layout tables (vertical forms), FontForge's timestamp, and
characters Micro Hei already draws. They are renamed "YC Hanazono Ext A/B" so that an
installed HanaMin of another version never competes with them.

Usage (fontTools is a build-time tool only, not a dependency of the program):

    apt-get download fonts-hanazono && dpkg-deb -x fonts-hanazono_*.deb /tmp/hanazono
    python -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python scripts/make_fallback_fonts.py /tmp/hanazono/usr/share/fonts/truetype/hanazono
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parents[1]
FONTS = ROOT / "resources" / "fonts"

BMP_HAN = [
    (0x3400, 0x4DBF),  # CJK Unified Ideographs Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
]
SUPPLEMENT = [(0x2F800, 0x2FA1F)]  # CJK Compatibility Ideographs Supplement
EXT_B_TO_F = [(0x20000, 0x2A6DF), (0x2A700, 0x2EBEF)]  # Extensions B, C, D, E, F

DESCRIPTION = (
    "Subset of {source} (GlyphWiki Project, http://fonts.jp/hanazono/), made for "
    "YiChuang by scripts/make_fallback_fonts.py; Hanazono Font License."
)


def _codes(ranges: list[tuple[int, int]]) -> set[int]:
    return {c for a, b in ranges for c in range(a, b + 1)}


def _rename(font: TTFont, family: str, source: str) -> None:
    postscript = family.replace(" ", "")
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17, 18):
            names.removeNames(nameID=rec.nameID)
    for name_id, text in (
        (1, family),
        (3, f"{postscript}-{source}"),
        (4, family),
        (6, postscript),
        (10, DESCRIPTION.format(source=source)),
    ):
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)


def make(source: Path, codes: set[int], family: str, out: Path) -> None:
    font = TTFont(source)
    codes &= set(font.getBestCmap())
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["vhea", "vmtx", "VORG", "FFTM", "GSUB", "GPOS", "GDEF", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codes))
    subsetter.subset(font)
    _rename(font, family, source.stem)
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {len(codes)} characters, {out.stat().st_size:,} bytes")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    src = Path(argv[1])
    primary = set(TTCollection(str(FONTS / "wqy-microhei.ttc")).fonts[0].getBestCmap())
    make(
        src / "HanaMinA.ttf",
        (_codes(BMP_HAN) - primary) | _codes(SUPPLEMENT),
        "YC Hanazono Ext A",
        FONTS / "hanazono-ext-a.ttf",
    )
    make(
        src / "HanaMinB.ttf", _codes(EXT_B_TO_F), "YC Hanazono Ext B", FONTS / "hanazono-ext-b.ttf"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
