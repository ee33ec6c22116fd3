"""Page images of a case's materials, as records (no Qt, no SQL): what the checklist
row, the case view and the page print show (issue 22 item 2)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

SHA256 = re.compile(r"[0-9a-f]{64}")
SOURCES = ("高拍仪", "文件", "签名")  # where a page came from
SIGNATURE_SEQ = 0  # the applicant's signature is kept as "material 0" of the intake


class PageImageError(ValueError):
    """A file that is no image we can read; the message is for the clerk."""


@dataclass(frozen=True, slots=True)
class PageRecord:
    intake_id: uuid.UUID
    material_seq: int
    page: int
    sha256: str
    width: int
    height: int
    source: str
    taken_at: datetime
    uploaded: bool = False


def is_sha256(text: str) -> bool:
    """A page's name: a lower-case hex SHA-256 and nothing else (``$`` would let a
    trailing newline through into a file name)."""
    return SHA256.fullmatch(text) is not None
