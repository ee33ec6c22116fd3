"""Save screenshots of the counter's main states into docs/screenshots/ (offscreen).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Runs on a fresh temporary data folder (embedded default: demo catalogue and clerks),
at the counter screen size 1366×768.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.context import open_context  # noqa: E402
from app.core.check import Decision, MaterialOutcome, Status  # noqa: E402
from app.core.intake import Applicant, Intake  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from app.ui.intake import NoticeDialog, Operator  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.signin import SignInDialog  # noqa: E402
from db.catalog_repo import current_version  # noqa: E402
from db.clerk_repo import ensure_demo_clerks  # noqa: E402

SIZE = (1366, 768)


def settle() -> None:
    for _ in range(5):
        QCoreApplication.processEvents()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(path)


def _serving(folder: Path, window: MainWindow) -> None:
    """A few people waiting and one at window 1, so the queue dock shows a real day."""
    from app.services.queue import queue_url, seed_demo
    from db.queue import QueueStore

    store = QueueStore.open(queue_url("", folder))
    try:
        seed_demo(store)
        for code in ("ZH", "ZH", "SB", "ZH"):
            store.issue_ticket(code)
        store.call_next("1", clerk="wangfang")
    finally:
        store.close()
    panel = window.queue_panel
    if panel is not None:
        wait_until(lambda: panel.current is not None and panel.snapshot is not None)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    QCoreApplication.setOrganizationName("YiChuangScreenshots")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_font(app)
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        ctx.settings.set("print_after_save", False)
        with ctx.store.session() as s, s.begin():
            ensure_demo_clerks(s)
        signin = SignInDialog(ctx.store, "1", demo=True)
        signin.resize(460, 260)
        signin.login.setEditText("wangfang")
        signin.show()
        shoot(signin, out / "01-sign-in.png")
        signin.close()

        ctx.settings.set("demo_clerks", True)  # the demo hall's queue in the dock
        window = MainWindow(ctx, Operator("wangfang", "王芳", "1"))
        window.resize(*SIZE)
        window.show()
        window.store_opened(offer_draft=False)  # queue panel, devices, sync states
        _serving(ctx.data_dir, window)
        window.search.edit.setText("gtgsh")
        shoot(window, out / "02-item-search.png")

        # an intake in progress: 个体工商户设立登记, family business, one material defective
        hit = window.search.model.hit(0)
        window.intake.choose_item(int(hit.entry.key), hit.entry.code)  # type: ignore[call-overload]
        combo = window.intake.situations.first_field()
        if combo is not None:
            combo.setCurrentIndex(1)  # type: ignore[attr-defined]
        form = window.intake.applicant
        form.name.setText("刘东成")
        form.id_no.setText("11010519491231002X")
        form.phone.setText("13805381234")
        form.address.setText("示范县城关镇东关街12号")
        model = window.intake.checklist
        model.mark(0, Status.RECEIVED)
        model.mark(1, Status.RECEIVED)
        model.mark(2, Status.DEFECTIVE, "已过有效期")
        model.mark(3, Status.MISSING)
        window.intake.table.select_row(4)
        shoot(window, out / "03-intake-checklist.png")

        result = window.intake.check()
        assert result is not None
        dialog = NoticeDialog(result.notice, window)
        dialog.show()
        shoot(dialog, out / "04-one-time-notice-review.png")
        dialog.close()
        window.intake.clear()

        # a returning applicant whose notice missed a material
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
        outcomes[2] = MaterialOutcome(Status.MISSING)
        earlier = window.service.save_intake(
            Intake(
                item=item,
                item_version_id=vid,
                answers={},
                outcomes=outcomes,
                applicant=Applicant(name="张秀英", id_no="11010519491231002X"),
                decision=Decision.CORRECTION,
                clerk="lijun",
                clerk_name="李军",
                window_no="2",
            ),
            now=datetime(2026, 11, 20, 10, 0),
        )
        window.intake.start_returning(earlier.case_no)
        model.mark(1, Status.RECEIVED)
        model.mark(3, Status.DEFECTIVE, "已过有效期")
        shoot(window, out / "05-returning-applicant.png")
        window.intake.clear()

        for n in range(8):
            outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
            decision = Decision.ACCEPT
            if n % 3 == 1:
                outcomes[2] = MaterialOutcome(Status.MISSING)
                decision = Decision.CORRECTION
            window.service.save_intake(
                Intake(
                    item=item,
                    item_version_id=vid,
                    answers={},
                    outcomes=outcomes,
                    applicant=Applicant(name=f"申请人{n + 1}", id_no="11010519491231002X"),
                    decision=decision,
                    clerk="wangfang",
                    clerk_name="王芳",
                    window_no="1",
                ),
            )
        window.tabs.setCurrentIndex(1)
        case_list = getattr(window, "case_list", None)
        if case_list is not None:
            case_list.refresh()
            window.case_view.show_case(earlier.case_no)
        shoot(window, out / "06-cases.png")

        window.tabs.setCurrentIndex(2)
        window.show_guide(vid, item.code)
        shoot(window, out / "07-item-guide.png")
        window.runner.shutdown()
        window.close()
        ctx.close()
    queue_screens(out)


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the queue screens did not update")
        QCoreApplication.processEvents()
        time.sleep(0.01)


def queue_screens(out: Path) -> None:
    """The hall queue's screens (issue 5) on a demo hall in mid-morning: the kiosk and
    the hall display at 1920×1080, the manager view at 1366×768, a counter panel at
    the width of the counter window's side panel."""
    from app.services.catalogue import materials_lookup
    from app.services.queue import QueueService, demo_traffic, queue_url
    from app.ui.queue.counter_panel import QueuePanel
    from app.ui.queue.hall_display import HallDisplay
    from app.ui.queue.kiosk import KioskWindow
    from app.ui.queue.manager import ManagerWindow

    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data)
        hall = str(ctx.settings.get("hall_name"))
        service = QueueService(queue_url("", data), seed=True)
        demo_traffic(service)

        display = HallDisplay(service, hall)
        display.resize(1920, 1080)
        display.show()
        display.start()
        wait_until(lambda: display.watcher.latest is not None)
        shoot(display, out / "hall-display.png")
        display.stop()
        display.runner.shutdown()
        display.close()

        kiosk = KioskWindow(service, hall, materials=materials_lookup(ctx.store))
        kiosk.resize(1920, 1080)
        kiosk.show()
        kiosk.start()
        wait_until(lambda: kiosk.watcher.latest is not None)
        shoot(kiosk, out / "kiosk.png")
        kiosk.choose("SB")
        wait_until(lambda: kiosk.pages.currentWidget() is kiosk.materials_page)
        shoot(kiosk, out / "kiosk-materials.png")
        kiosk.take_button.click()
        wait_until(lambda: kiosk.pages.currentWidget() is kiosk.ticket_page)
        shoot(kiosk, out / "kiosk-ticket.png")
        kiosk.close()

        manager = ManagerWindow(service, "chenzhuren", hall)
        manager.resize(*SIZE)
        manager.show()
        manager.start()
        wait_until(lambda: manager.snapshot is not None)
        shoot(manager, out / "manager.png")
        manager.close()

        frame = QWidget()
        frame.resize(440, 700)
        panel = QueuePanel(service, "1", "wangfang", frame, clerk_name="王芳")
        panel.resize(440, 700)
        frame.show()
        wait_until(lambda: panel.snapshot is not None)
        shoot(frame, out / "counter-panel.png")
        panel.shutdown()
        frame.close()
        service.close()
        ctx.close()
    queue_config_screens(out)


def queue_config_screens(out: Path) -> None:
    """The manager's set-up dialogs (issue: hall managers tune fairness without code)
    on the demo hall: the queue rules being changed, and the categories and counters
    with one category deactivated and one with issuing hours."""
    from dataclasses import replace
    from datetime import time as clock
    from typing import Any

    from app.core.queue_policy import parse_hours
    from app.services.queue import QueueService, queue_url
    from app.ui.queue.manager import ManagerWindow

    with tempfile.TemporaryDirectory() as data:
        service = QueueService(queue_url("", data), seed=True)

        def tune(store: Any) -> None:
            specs = {c.code: c for c in store.categories()}
            store.save_category(
                replace(specs["BH"], issue_hours=parse_hours("08:30-12:00,13:30-17:00"),
                        reset_time=clock(6, 0), carry_over=True),
                actor="chenzhuren", ord=2, reason="截图",
            )  # fmt: skip
            store.save_category(
                replace(specs["QY"], active=False), actor="chenzhuren", ord=3, reason="截图"
            )

        service.run(tune)
        manager = ManagerWindow(service, "chenzhuren", "示范县城关镇便民服务中心")
        manager.resize(*SIZE)
        manager.show()
        manager.start()
        wait_until(lambda: manager.snapshot is not None)

        manager.edit_policy()
        rules = manager.dialog
        wait_until(lambda: rules.loaded)
        rules.max_jump.setValue(10)
        rules.normal_run.setValue(3)
        rules.reason.setCurrentText("普通号等候过久")
        rules.adjustSize()
        shoot(rules, out / "queue-rules.png")
        rules.reject()

        manager.edit_categories()
        dialog = manager.dialog
        wait_until(lambda: dialog.config is not None)
        dialog.category_view.selectRow(1)
        shoot(dialog, out / "queue-categories.png")
        dialog.edit_category()
        shoot(dialog.editor, out / "queue-category-editor.png")
        dialog.editor.reject()
        dialog.counter_view.selectRow(0)
        dialog.edit_counter()
        shoot(dialog.editor, out / "queue-counter-editor.png")
        dialog.editor.reject()
        dialog.reject()
        manager.close()
        service.close()
    priority_screens(out)


def priority_screens(out: Path) -> None:
    """Priority tickets on the demo hall: the kiosk's 预约签到 page with a booking
    number being typed, and the manager's 绿色通道取号 dialog before and after."""
    from app.services.queue import QueueService, demo_traffic, queue_url
    from app.ui.queue.kiosk import KioskWindow
    from app.ui.queue.manager import ManagerWindow

    with tempfile.TemporaryDirectory() as data:
        hall = "示范县城关镇便民服务中心"
        service = QueueService(queue_url("", data), seed=True)
        demo_traffic(service)

        kiosk = KioskWindow(service, hall)
        kiosk.resize(1920, 1080)
        kiosk.show()
        kiosk.start()
        wait_until(lambda: len(kiosk.buttons) == 4)
        kiosk.open_appointment()
        for key in "YY1208-K7Q2":
            kiosk.type_key(key)
        shoot(kiosk, out / "kiosk-appointment-typing.png")
        kiosk.close()

        manager = ManagerWindow(service, "chenzhuren", hall)
        manager.resize(*SIZE)
        manager.show()
        manager.start()
        wait_until(lambda: manager.snapshot is not None)
        manager.green_channel()
        dialog = manager.dialog
        dialog.category.setCurrentIndex(dialog.category.findData("SB"))
        dialog.reasons["残疾人"].setChecked(True)
        shoot(dialog, out / "manager-green-channel.png")
        dialog.issue_button.click()
        wait_until(lambda: dialog.ticket is not None)
        shoot(dialog, out / "manager-green-channel-ticket.png")
        dialog.accept()
        manager.close()
        service.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
