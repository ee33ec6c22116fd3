"""Page images of an intake's materials (issue 22 item 2) and the applicant's
signature (item 3), without Qt. Every method here does file or database work: the
screens call them through a TaskRunner, never on the GUI thread.

A camera frame arrives as RGB888 pixels (the widget copies them out of its QImage), a
file import as the file's bytes; both go through devices.page_image.process_page
(page found, turn taken out, cropped, JPEG) and are stored the same way.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.clock import Clock
from app.core.pages import SIGNATURE_SEQ, PageImageError, PageRecord

if TYPE_CHECKING:
    from db.page_repo import PageFiles
    from db.store import LocalStore
    from devices.page_image import Page

# devices.page_image (Pillow) is imported in the methods: the window that builds this
# service is up before Pillow has loaded

log = logging.getLogger("yichuang.pages")

MAX_FILE_BYTES = 40 * 1024 * 1024

__all__ = ["CapturedPage", "PageImageError", "PageService"]


@dataclass(frozen=True, slots=True)
class CapturedPage:
    record: PageRecord
    thumbnail: bytes  # JPEG, long side THUMB_SIDE
    skew_deg: float = 0.0
    cropped: bool = False


class PageService:
    def __init__(self, store: LocalStore, clock: Clock, data_dir: Path | None = None) -> None:
        self.store = store
        self.clock = clock
        self.data_dir = data_dir
        self._files: PageFiles | None = None

    @property
    def files(self) -> PageFiles:
        if self._files is None:
            from db.page_repo import PageFiles, pages_folder

            self._files = PageFiles(pages_folder(self.store.url, self.data_dir))
        return self._files

    # ------------------------------------------------------------ taking pages

    def capture_frame(
        self, intake_id: uuid.UUID, material_seq: int, width: int, height: int, rgb: bytes,
        stride: int = 0,
    ) -> CapturedPage:  # fmt: skip
        """A document camera's frame (RGB888) as the material's next page."""
        from devices.page_image import from_rgb, process_page

        page = process_page(from_rgb(width, height, rgb, stride))
        return self._keep(intake_id, material_seq, page, "高拍仪")

    def import_file(self, intake_id: uuid.UUID, material_seq: int, path: Path) -> CapturedPage:
        """A scanned or photographed file as the material's next page: the same path
        as a camera frame. A file that is no image: PageImageError (Chinese)."""
        from devices.page_image import open_image, process_page

        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise PageImageError(
                    f"文件过大（{size // (1024 * 1024)} MB），请选择 40 MB 以内的图片。"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise PageImageError(f"无法读取文件：{path.name}（{exc.strerror or exc}）") from exc
        page = process_page(open_image(data))
        return self._keep(intake_id, material_seq, page, "文件")

    def _keep(
        self, intake_id: uuid.UUID, material_seq: int, page: Page, source: str,
        *, replace_page: int | None = None,
    ) -> CapturedPage:  # fmt: skip
        from db.page_repo import add_page

        sha = self.files.put(page.jpeg)  # the file first: a row never names a missing file
        with self.store.session() as s, s.begin():
            record = add_page(
                s, intake_id, material_seq, sha256=sha, size=len(page.jpeg), width=page.width,
                height=page.height, source=source, now=self.clock.now(), page=replace_page,
            )  # fmt: skip
        log.info("page %s/%d/%d kept: %s", intake_id, material_seq, record.page, sha[:12])
        return CapturedPage(record, page.thumbnail, page.skew_deg, page.cropped)

    def share(self, record: PageRecord, intake_id: uuid.UUID, material_seq: int) -> PageRecord:
        """The same page (its image is kept once, by its hash) as the next page of
        another intake's material: 联办, a material one showing serves several cases."""
        from db.page_repo import share_page

        with self.store.session() as s, s.begin():
            return share_page(s, record, intake_id, material_seq, now=self.clock.now())

    def remove(self, intake_id: uuid.UUID, material_seq: int, page: int) -> None:
        from db.page_repo import remove_page

        with self.store.session() as s, s.begin():
            remove_page(s, intake_id, material_seq, page)

    # ------------------------------------------------------------ the signature

    def save_signature(self, intake_id: uuid.UUID, png: bytes) -> PageRecord:
        """The applicant's signature (a PNG with transparency, from the pad or the
        screen) kept with the intake as material 0, page 1; signing again replaces it.
        Kept as PNG bytes (lines on transparency; a JPEG would blur them)."""
        from db.page_repo import add_page
        from devices.page_image import open_image

        image = open_image(png)
        sha = self.files.put(png)
        with self.store.session() as s, s.begin():
            return add_page(
                s, intake_id, SIGNATURE_SEQ, sha256=sha, size=len(png), width=image.width,
                height=image.height, source="签名", now=self.clock.now(), page=1,
            )  # fmt: skip

    def signature(self, intake_id: uuid.UUID) -> bytes | None:
        for record in self.pages(intake_id):
            if record.material_seq == SIGNATURE_SEQ:
                return self.files.read(record.sha256)
        return None

    # ------------------------------------------------------------ reading

    def pages(self, intake_id: uuid.UUID) -> list[PageRecord]:
        from db.page_repo import pages_of_intake

        with self.store.session() as s:
            return pages_of_intake(s, intake_id)

    def pages_of_case(self, case_no: str) -> list[PageRecord]:
        from db.page_repo import pages_of_case

        with self.store.session() as s:
            return pages_of_case(s, case_no)

    def image(self, sha256: str) -> bytes:
        return self.files.read(sha256)

    def thumbnail(self, sha256: str) -> bytes:
        from devices.page_image import THUMB_SIDE, encode, open_image

        thumb, _w, _h = encode(open_image(self.files.read(sha256)).convert("RGB"), THUMB_SIDE, 75)
        return thumb

    def thumbnails(self, records: list[PageRecord]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for r in records:
            if r.sha256 not in out:
                try:
                    out[r.sha256] = self.thumbnail(r.sha256)
                except (OSError, PageImageError) as exc:
                    log.warning("no thumbnail for %s: %s", r.sha256[:12], exc)
        return out
