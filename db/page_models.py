"""The page images of a case's materials (issue 22 item 2): which page of which
material of which intake is which image. The images themselves are files named by
their SHA-256 under the data folder (db/page_repo.py), never rows of this store: a
case with thirty pages would otherwise add megabytes to every backup and every WAL
checkpoint.

Rows are keyed by the intake (``cases.intake_id``): pages are taken while the clerk
goes down the checklist, before the case exists; the case finds them by its intake.
``uploaded_at`` is set when the county confirmed it holds the image under the same
hash (db/sync/pages.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base


class CasePageRow(Base):
    __tablename__ = "case_page"
    __table_args__ = (Index("ix_case_page_pending", "uploaded_at"),)

    intake_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    material_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, 2, ... per material
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # 高拍仪 / 文件 / 签名
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
