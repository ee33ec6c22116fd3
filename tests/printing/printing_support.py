"""Helpers shared by the printing tests (imported by plain name: pytest puts this
folder on sys.path, the default "prepend" import mode)."""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

IN_CI = os.environ.get("CI") == "true"
GOLDEN = Path(__file__).parent / "golden"


def unavailable(reason: str) -> None:
    """Skip, except under CI=true where a missing tool or service is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} not installed (apt-get install poppler-utils / cups)")
    assert path is not None
    return path


def pdf_pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Text without any whitespace: table cells and wrapped lines break words apart."""
    return "".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return squash("".join(pdf_pages_text(pdf)))


@dataclass
class Cups:
    """The CUPS set up by the ``cups`` fixture."""

    output_dir: Path  # where cups-pdf writes the PDFs of jobs submitted by this user
    printer: str  # an enabled virtual PDF printer
    offline_printer: str  # a disabled one
