"""The document camera (高拍仪) at the checklist (issue 22 item 2).

Under the checklist, a strip follows the material the cursor is on: the camera's live
picture (QtMultimedia; a document camera is a UVC webcam to the system), that
material's pages as thumbnails, and the keys: Ctrl+G takes a page (without a camera it
opens a file, as Ctrl+I does), Delete in the strip takes the chosen page out.

A frame leaves the GUI thread at once (QImage is implicitly shared and may be read on
another thread): its pixels are copied out and the page is found, straightened,
cropped, stored and thumbnailed on the pages' own task runner (app/services/page_images.py), so the clerk goes on marking materials
while it runs, and a slow disk never delays the intake's saves.

QtMultimedia is loaded when the first intake begins (not at start-up), and its library probes
(hardware video decoders this program never uses) are kept out of the log.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLoggingCategory, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.pages import PageRecord
from app.services.page_images import CapturedPage, PageImageError, PageService
from app.ui.checklist import ChecklistModel
from app.ui.tasks import TaskRunner

log = logging.getLogger("yichuang.ui.capture")

# hardware decoders' and PipeWire's library probes, FFmpeg's version line: nothing we use
MULTIMEDIA_QUIET = "qt.multimedia.symbolsresolver=false\nqt.multimedia.ffmpeg.info=false"
IMAGE_FILTER = "图片 (*.jpg *.jpeg *.png *.bmp *.tif *.tiff);;所有文件 (*)"
PREVIEW = QSize(160, 120)
STRIP_ICON = QSize(48, 64)


def frame_pixels(image: QImage) -> tuple[int, int, bytes, int]:
    """(width, height, RGB888 bytes, bytes per line) copied out of a frame (on the
    pages' worker thread)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return rgb.width(), rgb.height(), bytes(rgb.constBits()), rgb.bytesPerLine()


def pixmap_of(data: bytes) -> QPixmap:
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    return pixmap


class DocumentCamera(QObject):
    """The first video input, if any: preview into a video widget, capture a still.
    ``available`` is False where there is no camera (or no QtMultimedia)."""

    captured = Signal(QImage)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = False
        self.name = ""
        self._camera: Any = None
        self._session: Any = None
        self._still: Any = None
        QLoggingCategory.setFilterRules(MULTIMEDIA_QUIET)
        try:
            from PySide6.QtMultimedia import QMediaDevices
        except ImportError:  # PySide6-Addons missing: file import only
            log.info("QtMultimedia not installed: pages come from files")
            return
        inputs = QMediaDevices.videoInputs()
        if not inputs:
            return
        self.available = True
        self.name = inputs[0].description()
        self._device = inputs[0]

    def attach(self, video_widget: QWidget) -> None:
        from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession

        self._camera = QCamera(self._device, self)
        self._session = QMediaCaptureSession(self)
        self._session.setCamera(self._camera)
        self._still = QImageCapture(self)
        self._session.setImageCapture(self._still)
        self._session.setVideoOutput(video_widget)
        self._still.imageCaptured.connect(lambda _id, image: self.captured.emit(image))
        self._still.errorOccurred.connect(lambda _id, _err, text: self.failed.emit(text))
        self._camera.errorOccurred.connect(lambda _err, text: self.failed.emit(text))
        self._camera.start()

    def capture(self) -> bool:
        if self._still is None or not self._still.isReadyForCapture():
            return False
        self._still.capture()
        return True

    def close(self) -> None:
        if self._camera is not None:
            self._camera.stop()


class CapturePane(QWidget):
    """The strip under the checklist. Emits ``message`` for the status bar."""

    message = Signal(str)
    page_shown = Signal(object)  # PageRecord, once its thumbnail is in the row

    def __init__(
        self,
        model: ChecklistModel,
        current_row: Callable[[], int],
        intake_id: Callable[[], uuid.UUID | None],
        pages: PageService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("capturePane")
        self.model = model
        self.current_row = current_row
        self.intake_id = intake_id
        self.pages = pages
        self.runner = TaskRunner(self, name="yichuang-pages")
        self.camera: DocumentCamera | None = None
        self.file_dialog: Callable[[], str] = self._ask_file  # replaceable in tests
        self._seq: int | None = None
        self._started: dict[uuid.UUID, float] = {}
        # 联办: where else a page of the row's material is kept — one (intake, seq) per
        # case that needs it (app/ui/bundle_intake); None: only under the row itself
        self.also: Callable[[int], list[tuple[uuid.UUID, int]]] | None = None

        self.title = QLabel(self.tr("材料影像"), self)
        self.title.setObjectName("captureTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.hint = QLabel(
            self.tr("（未检测到高拍仪：Ctrl+G 或 Ctrl+I 从文件导入扫描件或照片）"), self
        )
        self.hint.setStyleSheet("color: #666;")
        # the live picture: only where there is a camera (the strip stays one line high
        # without one, so the checklist keeps its rows on a 768-pixel screen)
        self.preview_box = QWidget(self)
        self.preview_box.setFixedSize(PREVIEW)
        self.preview_box.setStyleSheet("background: #2b2b2b;")
        QVBoxLayout(self.preview_box).setContentsMargins(0, 0, 0, 0)
        self.preview_box.hide()
        self.strip = QListWidget(self)
        self.strip.setObjectName("pageStrip")
        self.strip.setViewMode(QListWidget.ViewMode.IconMode)
        self.strip.setFlow(QListWidget.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(STRIP_ICON)
        self.strip.setFixedHeight(STRIP_ICON.height() + 32)
        self.strip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.strip.installEventFilter(self)
        self.strip.hide()  # shown while the material has pages
        self.take = QPushButton(self.tr("拍摄 (Ctrl+G)"), self)
        self.take.setObjectName("captureButton")
        self.take.clicked.connect(self.capture)
        self.import_button = QPushButton(self.tr("导入 (Ctrl+I)"), self)
        self.import_button.clicked.connect(self.import_file)
        self.remove_button = QPushButton(self.tr("删除所选页 (Del)"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.hint, 1)
        head.addWidget(self.take)
        head.addWidget(self.import_button)
        head.addWidget(self.remove_button)
        right = QVBoxLayout()
        right.setSpacing(2)
        right.addLayout(head)
        right.addWidget(self.strip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.preview_box)
        layout.addLayout(right, 1)

        model.pages_changed.connect(self._pages_changed)
        model.modelReset.connect(self.follow)

    # ------------------------------------------------------------ the camera

    def start_camera(self) -> None:
        """Probe for a camera (once) and start its preview; without one the strip
        offers file import."""
        if self.camera is not None:
            return
        self.camera = DocumentCamera(self)
        if not self.camera.available:
            return
        from PySide6.QtMultimediaWidgets import QVideoWidget

        self.hint.hide()
        self.preview_box.show()
        video = QVideoWidget(self.preview_box)
        video.setObjectName("cameraPreview")
        layout = self.preview_box.layout()
        assert layout is not None
        layout.addWidget(video)
        self.camera.captured.connect(self.take_image)
        self.camera.failed.connect(
            lambda text: self.message.emit(self.tr("高拍仪出错：%1").replace("%1", text))
        )
        self.camera.attach(video)
        self.message.emit(self.tr("高拍仪已连接：%1").replace("%1", self.camera.name))

    # ------------------------------------------------------------ taking pages

    def _target(self) -> tuple[uuid.UUID, int, str] | None:
        intake = self.intake_id()
        row = self.current_row()
        if intake is None or row < 0 or row >= self.model.rowCount():
            self.message.emit(self.tr("请先选定事项，并在材料清单中选中要拍摄的材料"))
            return None
        material = self.model.material(row)
        return intake, material.seq, material.name

    def capture(self) -> None:
        """Ctrl+G: a still from the camera; without a camera, a file."""
        if self.camera is None:
            self.start_camera()
        if self.camera is None or not self.camera.available:
            self.import_file()
            return
        if self._target() is None:
            return
        if not self.camera.capture():
            self.message.emit(self.tr("高拍仪尚未就绪，请稍候再拍"))

    def take_image(self, image: QImage) -> None:
        """A frame (from the camera, or a test's QImage) as the current material's
        next page. Only the pixel copy happens here; the rest on the pages' runner."""
        target = self._target()
        if target is None or image.isNull():
            return
        intake, seq, _name = target
        started = time.perf_counter()
        pages = self.pages
        frame = QImage(image)  # a shallow copy: QImage may be read on another thread

        also = self.also(seq) if self.also else []

        def job() -> CapturedPage:
            width, height, rgb, stride = frame_pixels(frame)
            got = pages.capture_frame(intake, seq, width, height, rgb, stride)
            for other, other_seq in also:
                pages.share(got.record, other, other_seq)
            return got

        self.runner.submit(job, lambda got: self._kept(got, started), self._failed)

    def import_file(self) -> None:
        target = self._target()
        if target is None:
            return
        name = self.file_dialog()
        if not name:
            return
        self.import_path(Path(name))

    def import_path(self, path: Path) -> None:
        target = self._target()
        if target is None:
            return
        intake, seq, _name = target
        started = time.perf_counter()
        pages = self.pages
        also = self.also(seq) if self.also else []

        def job() -> CapturedPage:
            got = pages.import_file(intake, seq, path)
            for other, other_seq in also:
                pages.share(got.record, other, other_seq)
            return got

        self.runner.submit(job, lambda got: self._kept(got, started), self._failed)

    def _ask_file(self) -> str:
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("导入材料影像（扫描件或照片）"), "", self.tr(IMAGE_FILTER)
        )
        return name

    def _kept(self, got: CapturedPage, started: float) -> None:
        if got.record.intake_id != self.intake_id():
            return  # the clerk moved on to another intake meanwhile: it is kept with its own
        self.model.add_page(got.record, pixmap_of(got.thumbnail))
        ms = (time.perf_counter() - started) * 1000
        log.debug("page %d of material %d shown after %.0f ms", got.record.page,
                  got.record.material_seq, ms)  # fmt: skip
        turned = (
            self.tr("，已纠正倾斜 %1°").replace("%1", f"{got.skew_deg:.1f}") if got.skew_deg else ""
        )
        self.message.emit(
            self.tr("已保存第 %1 页%2").replace("%1", str(got.record.page)).replace("%2", turned)
        )
        self.page_shown.emit(got.record)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, PageImageError):
            self.message.emit(str(exc))
            return
        if isinstance(exc, OSError):
            self.message.emit(self.tr("材料影像未能保存：%1").replace("%1", str(exc)))
            return
        raise exc

    # ------------------------------------------------------------ pages of a draft

    def load(self, intake: uuid.UUID) -> None:
        """The pages an intake already has (a draft restored after a restart)."""
        pages = self.pages

        def read() -> tuple[list[PageRecord], dict[str, bytes]]:
            records = [r for r in pages.pages(intake) if r.material_seq != 0]
            return records, pages.thumbnails(records)

        def show(got: tuple[list[PageRecord], dict[str, bytes]]) -> None:
            if self.intake_id() != intake:
                return
            records, thumbs = got
            self.model.set_pages(
                [(r, pixmap_of(thumbs[r.sha256])) for r in records if r.sha256 in thumbs]
            )

        self.runner.submit(read, show, self._failed)

    # ------------------------------------------------------------ the strip

    def follow(self) -> None:
        """Show the pages of the material the cursor is on."""
        if self.camera is None and self.model.rowCount() > 0:
            # the first intake of the session: QtMultimedia loads now, not at start-up
            QTimer.singleShot(0, self.start_camera)
        row = self.current_row()
        if row < 0 or row >= self.model.rowCount():
            self._seq = None
            self.title.setText(self.tr("材料影像"))
            self.strip.clear()
            self.strip.hide()
            self.remove_button.hide()
            return
        material = self.model.material(row)
        self._seq = material.seq
        self.title.setText(self.tr("材料影像 · %1").replace("%1", material.name))
        self._fill()

    def _pages_changed(self, seq: int) -> None:
        if seq == self._seq:
            self._fill()

    def _fill(self) -> None:
        self.strip.clear()
        has = self._seq is not None and bool(self.model.pages_of(self._seq))
        self.strip.setVisible(has)
        self.remove_button.setVisible(has)
        self.hint.setVisible(not has and not (self.camera and self.camera.available))
        if self._seq is None:
            return
        for record, thumb in self.model.pages_of(self._seq):
            item = QListWidgetItem(QIcon(thumb), self.tr("第%1页").replace("%1", str(record.page)))
            item.setData(Qt.ItemDataRole.UserRole, record.page)
            item.setToolTip(f"{record.source} · {record.width}×{record.height}")
            self.strip.addItem(item)
        if self.strip.count():
            self.strip.setCurrentRow(self.strip.count() - 1)
            self.strip.scrollToItem(self.strip.item(self.strip.count() - 1))

    def remove_selected(self) -> None:
        item = self.strip.currentItem()
        intake = self.intake_id()
        if item is None or intake is None or self._seq is None:
            return
        page = int(item.data(Qt.ItemDataRole.UserRole))
        seq = self._seq
        pages = self.pages

        def done(_: object) -> None:
            self.model.remove_page(seq, page)
            self.message.emit(self.tr("已删除第 %1 页").replace("%1", str(page)))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, PermissionError):
                self.message.emit(str(exc))
                return
            self._failed(exc)

        also = self.also(seq) if self.also else []

        def remove() -> None:
            pages.remove(intake, seq, page)
            for other, other_seq in also:  # added with it, so at the same page number
                pages.remove(other, other_seq, page)

        self.runner.submit(remove, done, failed)

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        if (
            watched is self.strip
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete
        ):
            self.remove_selected()
            return True
        return super().eventFilter(watched, event)

    def close_camera(self) -> None:
        if self.camera is not None:
            self.camera.close()
        self.runner.shutdown()
