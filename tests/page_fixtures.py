"""Pictures of pages for the capture tests: a page with lines of "print" on a dark
desk, turned by a known angle, as a document camera would see it."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

from PIL import Image, ImageDraw

from app.core.check import Decision, MaterialOutcome, Status
from app.core.clock import FixedClock
from app.core.intake import Applicant, Intake
from app.services.counter import CounterService
from db.catalog_repo import current_version
from db.store import Store

DESK = (58, 60, 66)
PAPER = (246, 245, 240)


def page_on_desk(
    turn_deg: float = 0.0,
    frame: tuple[int, int] = (2592, 1944),
    page: tuple[int, int] = (1100, 1500),
) -> Image.Image:
    desk = Image.new("RGB", frame, DESK)
    sheet = Image.new("RGB", page, PAPER)
    draw = ImageDraw.Draw(sheet)
    for y in range(120, page[1] - 120, 55):
        draw.rectangle((100, y, page[0] - 100, y + 18), fill=(25, 25, 25))
    turned = sheet.rotate(turn_deg, Image.Resampling.BILINEAR, expand=True, fillcolor=DESK)
    desk.paste(turned, ((frame[0] - turned.width) // 2, (frame[1] - turned.height) // 2))
    return desk


def file_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def save_intake(store: Store, intake_id: uuid.UUID, clock: FixedClock, code: str) -> str:
    """The intake saved as an accepted case (every material received); its number."""
    with store.session() as s:
        found = current_version(s, code)
    assert found is not None
    vid, item = found
    from app.core.workdays import shipped_calendar

    service = CounterService(store, shipped_calendar(), "370999101", "A1", clock)
    intake = Intake(
        item=item, item_version_id=vid, answers={},
        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials},
        applicant=Applicant(name="张三", id_no="11010519491231002X"),
        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
        intake_id=intake_id,
    )  # fmt: skip
    return service.save_intake(intake, now=datetime(2026, 12, 7, 10, 0)).case_no
