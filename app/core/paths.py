"""Where shipped resources live: next to the packages in a checkout, or inside a
PyInstaller bundle (sys._MEIPASS) when frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


CJK_FONT_FILE = "fonts/wqy-microhei.ttc"
"""WenQuanYi Micro Hei (Apache-2.0), a TrueType collection: reportlab and Qt both read
its glyf outlines, so Chinese shows and prints on machines without any CJK font."""

FALLBACK_FONT_FILES = ("fonts/hanazono-ext-a.ttf", "fonts/hanazono-ext-b.ttf")
"""Rare Han characters Micro Hei lacks, in its order of precedence: CJK Extension A and
the newest unified ideographs (A), CJK Extensions B–F (B). Subsets of HanaMin
(Hanazono Font License) made by scripts/make_fallback_fonts.py; TrueType, so reportlab
embeds them in PDFs as it does Micro Hei."""
