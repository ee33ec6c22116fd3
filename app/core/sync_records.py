"""What the workstation keeps about sync trouble, as plain values: conflicts met and
settled by a written rule, and rows the county refused (docs/sync.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SyncConflict:
    at: datetime
    side: str  # push / pull
    table: str
    row_key: str
    rule: str
    message: str  # Chinese, for the hall manager

    @property
    def direction(self) -> str:
        return "上传" if self.side == "push" else "下载"


@dataclass(frozen=True, slots=True)
class SyncRefusal:
    at: datetime
    batch_seq: int
    table: str
    row_key: str
    reason: str


@dataclass(frozen=True, slots=True)
class SyncIssues:
    conflicts: tuple[SyncConflict, ...]
    refused: tuple[SyncRefusal, ...]
