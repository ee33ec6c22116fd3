"""Document camera / scanner capture (issue 22 item 2) without a camera: frames and
files go through the same path (devices.page_image → PageService → files + rows)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from app.core.clock import FixedClock
from app.services.page_images import PageImageError, PageService
from db.page_repo import PageFileError, pages_folder
from db.store import Store
from devices.page_image import LONG_SIDE, find_skew, process_page, straighten
from tests.page_fixtures import file_bytes, page_on_desk, save_intake
from tests.sync.helpers import DEMO_CODE, load_demo

CLOCK = FixedClock(datetime(2026, 12, 7, 9, 30))


@pytest.mark.parametrize("turn", [-7.0, -3.0, 0.0, 2.0, 6.0])
def test_the_page_is_found_turned_back_and_cropped(turn: float) -> None:
    frame = page_on_desk(turn)
    page, skew, cropped = straighten(frame)
    assert cropped
    # turned back by (about) the turn it had: Pillow's angle, counter-clockwise positive
    assert skew == pytest.approx(-turn, abs=0.8)
    # cropped to the page: its size, within the analysis copy's step and the residual turn
    assert page.width == pytest.approx(1100, rel=0.06)
    assert page.height == pytest.approx(1500, rel=0.06)
    # the desk is gone: the crop's edges are paper
    grey = page.convert("L")
    for xy in ((page.width // 2, 6), (6, page.height // 2), (page.width // 2, page.height - 7)):
        assert grey.getpixel(xy) > 150, xy


def test_a_scan_that_is_all_page_is_kept_whole() -> None:
    scan = Image.new("RGB", (1240, 1754), (250, 250, 250))
    page, skew, cropped = straighten(scan)
    assert (page.size, skew, cropped) == ((1240, 1754), 0.0, False)


def test_a_blank_desk_has_no_skew() -> None:
    from devices.page_image import _mask

    mask, _ = _mask(Image.new("RGB", (800, 600), (60, 60, 60)))
    assert find_skew(mask) is None


def test_the_jpeg_has_a_sane_size_and_its_hash_is_its_name() -> None:
    big = page_on_desk(0, frame=(5000, 4000), page=(3000, 3900))
    page = process_page(big)
    assert max(page.width, page.height) == LONG_SIDE
    assert Image.open(__import__("io").BytesIO(page.jpeg)).format == "JPEG"
    assert page.sha256 == hashlib.sha256(page.jpeg).hexdigest()
    assert len(page.jpeg) < 1_500_000


@pytest.fixture
def service(sqlite_store: Store) -> PageService:
    load_demo(sqlite_store)
    return PageService(sqlite_store, CLOCK)


def test_frames_and_files_are_stored_as_files_named_by_hash(
    service: PageService, sqlite_store: Store, tmp_path: Path
) -> None:
    intake = uuid.uuid4()
    frame = page_on_desk(3.0).convert("RGB")
    first = service.capture_frame(intake, 2, frame.width, frame.height, frame.tobytes())
    photo = tmp_path / "扫描件.png"
    photo.write_bytes(file_bytes(page_on_desk(-2.0)))
    second = service.import_file(intake, 2, photo)
    third = service.import_file(intake, 3, photo)
    assert [(p.material_seq, p.page, p.source) for p in service.pages(intake)] == [
        (2, 1, "高拍仪"), (2, 2, "文件"), (3, 1, "文件"),
    ]  # fmt: skip
    # the same file twice: one file on disk, two rows
    assert second.record.sha256 == third.record.sha256 != first.record.sha256
    folder = pages_folder(sqlite_store.url)
    assert folder.parent == Path(sqlite_store.url.removeprefix("sqlite:///")).parent
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert len(files) == 2
    for f in files:  # sealed on disk (personal data), named by the image's own hash
        assert hashlib.sha256(f.read_bytes()).hexdigest() != f.name
        assert hashlib.sha256(service.image(f.name)).hexdigest() == f.name
        assert not f.read_bytes().startswith(b"\xff\xd8")  # no JPEG in clear
    # not in the SQLite file: the database stays small
    db_file = Path(sqlite_store.url.removeprefix("sqlite:///"))
    assert db_file.read_bytes().find(service.image(first.record.sha256)[:64]) < 0
    assert Image.open(__import__("io").BytesIO(first.thumbnail)).size[1] <= 160


def test_a_file_that_is_no_image_gets_a_chinese_message_and_nothing_is_kept(
    service: PageService, tmp_path: Path
) -> None:
    intake = uuid.uuid4()
    bad = tmp_path / "合同.pdf"
    bad.write_bytes(b"%PDF-1.4 not an image")
    with pytest.raises(PageImageError, match="不是可识别的图片"):
        service.import_file(intake, 1, bad)
    with pytest.raises(PageImageError, match="无法读取文件"):
        service.import_file(intake, 1, tmp_path / "不存在.jpg")
    assert service.pages(intake) == []


def test_removing_a_page_moves_the_later_ones_up_until_the_case_is_saved(
    service: PageService, sqlite_store: Store
) -> None:
    intake = uuid.uuid4()
    frame = page_on_desk(0).convert("RGB")
    for turn in (0.0, 2.0, 4.0):
        f = page_on_desk(turn).convert("RGB")
        service.capture_frame(intake, 1, f.width, f.height, f.tobytes())
    shas = [p.sha256 for p in service.pages(intake)]
    service.remove(intake, 1, 2)
    assert [(p.page, p.sha256) for p in service.pages(intake)] == [(1, shas[0]), (2, shas[2])]
    case_no = save_intake(sqlite_store, intake, CLOCK, DEMO_CODE)
    assert [p.sha256 for p in service.pages_of_case(case_no)] == [shas[0], shas[2]]
    with pytest.raises(PermissionError, match="已保存"):
        service.remove(intake, 1, 1)
    assert len(service.pages(intake)) == 2
    del frame


def test_a_damaged_file_is_noticed_on_reading(service: PageService) -> None:
    intake = uuid.uuid4()
    f = page_on_desk(1.0).convert("RGB")
    got = service.capture_frame(intake, 1, f.width, f.height, f.tobytes())
    path = service.files.path(got.record.sha256)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(PageFileError, match="damaged"):
        service.image(got.record.sha256)
