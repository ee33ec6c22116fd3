"""Save screenshots of appointments (预约) into docs/screenshots/ (offscreen, 1366×768):
the kiosk's check-in with its refusals, the clerk's booking dialog, and the
manager's bookings tab and a refused import.

    .venv/bin/python scripts/screenshots_bookings.py [OUT_DIR]

Runs on a demo hall in a temporary folder with the program's clock at 09:20 on
8 December 2026.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.core.booking import BookingInput, BookingSource, day_slots  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from scripts.screenshots import SIZE, shoot, wait_until  # noqa: E402

DAY = date(2026, 12, 8)
BEFORE = datetime(2026, 12, 7, 16, 0)
HALL = "示范县城关镇便民服务中心"
PEOPLE = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞")


def main(out: Path) -> None:
    from app.services.bookings import BookingService
    from app.services.queue import QueueService, queue_url
    from app.ui.queue.booking_dialog import BookingDialog
    from app.ui.queue.kiosk import KioskWindow
    from app.ui.queue.manager import ManagerWindow
    from app.ui.tasks import TaskRunner
    from db.booking_store import BookingStore
    from db.queue import QueueStore

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_font(app)
    clock = FixedClock(datetime(2026, 12, 8, 9, 20))
    with tempfile.TemporaryDirectory() as data:
        url = queue_url("", data)
        service = QueueService(url, seed=True, clock=clock.now)
        service.snapshot()
        q = QueueStore.open(url)
        b = BookingStore(q)
        for code in ("ZH", "SB", "BH"):
            b.save_slots(day_slots(code, DAY, time(8, 30), time(11, 30), 30, 3), actor="chen",
                         now=BEFORE)  # fmt: skip
        numbers = []
        for i, name in enumerate(PEOPLE):
            code = ("ZH", "SB", "BH")[i % 3]
            start = (time(8, 30), time(9), time(9, 30), time(10))[i % 4]
            end = (time(9), time(9, 30), time(10), time(10, 30))[i % 4]
            numbers.append(
                b.book(
                    BookingInput("", code, DAY, start, end, name,
                                 "110101199003074477" if i == 1 else "",
                                 f"139{i:04d}{5678 + i:04d}",
                                 (BookingSource.PHONE, BookingSource.COUNTER)[i % 2]),
                    actor="wangfang", now=BEFORE,
                ).booking_no
            )  # fmt: skip
        b.check_in(numbers[4], proof=f"{5682:04d}", actor="kiosk", now=datetime(2026, 12, 8, 8, 35))
        b.check_in(numbers[5], proof=f"{5683:04d}", actor="kiosk", now=datetime(2026, 12, 8, 8, 50))

        kiosk = KioskWindow(service, HALL)
        kiosk.resize(*SIZE)
        kiosk.show()
        kiosk.start()
        wait_until(lambda: len(kiosk.buttons) == 4)
        kiosk.open_appointment()
        wait_until(lambda: kiosk.booking_day is not None)
        kiosk.booking_input.setText(numbers[0])  # 08:30–09:00: closed at 09:15
        kiosk.proof_input.setText("5678")
        kiosk.check_in()
        wait_until(lambda: "签到时间已过" in kiosk.booking_hint.text())
        shoot(kiosk, out / "kiosk-check-in-too-late.png")
        kiosk.booking_input.setText(numbers[3])
        kiosk.proof_input.setText("0000")
        kiosk.check_in()
        wait_until(lambda: "没有找到" in kiosk.booking_hint.text())
        shoot(kiosk, out / "kiosk-check-in-not-found.png")
        kiosk.booking_input.setText(numbers[2])  # 09:30–10:00: open from 09:00
        kiosk.proof_input.setText("5680")
        kiosk.check_in()
        wait_until(lambda: kiosk.pages.currentWidget() is kiosk.ticket_page)
        shoot(kiosk, out / "kiosk-check-in-ticket.png")
        kiosk.close()

        runner = TaskRunner(None, name="booking-shots")
        dialog = BookingDialog(BookingService(service), runner, "wangfang",
                               [("ZH", "综合受理"), ("SB", "社保医保"), ("BH", "不动产/户籍")])  # fmt: skip
        dialog.resize(860, 560)
        dialog.show()
        dialog.start()
        wait_until(lambda: dialog.slot.count() > 0)
        dialog.sources[BookingSource.PHONE].setChecked(True)
        dialog.slot.setCurrentIndex(4)
        dialog.name.setText("孙丽")
        dialog.phone.setText("13800001234")
        dialog.book()
        wait_until(lambda: dialog.last_booking is not None)
        shoot(dialog, out / "booking-dialog.png")
        dialog.start(1)
        wait_until(lambda: dialog.model.rowCount() > 0)
        dialog.find.setText(numbers[0])
        dialog.check_in_typed()
        wait_until(lambda: "签到时间已过" in dialog.day_hint.text())
        shoot(dialog, out / "booking-dialog-check-in.png")
        dialog.close()
        runner.shutdown()

        manager = ManagerWindow(service, "chenzhuren", HALL)
        manager.resize(*SIZE)
        manager.show()
        manager.start()
        wait_until(lambda: manager.booking_day is not None)
        manager.tabs.setCurrentWidget(manager.bookings_page)
        shoot(manager, out / "manager-bookings.png")
        bad = Path(data) / "省平台预约-20261208.csv"
        bad.write_text(
            "预约号,业务类别,预约日期,开始时间,结束时间,姓名,身份证号,手机号\n"
            "SD20261208001,综合受理,2026-12-08,10:30,11:00,孙明,,13900000001\n"
            "SD20261208002,户籍,2026-12-08,10:30,11:00,冯刚,,13900000002\n"
            "SD20261208003,社保医保,2026-12-08,12:00,12:30,陈红,,13900000003\n",
            encoding="gbk",
        )
        manager.import_bookings(str(bad))
        wait_until(lambda: manager.dialog is not None and manager.dialog.isVisible())
        shoot(manager.dialog, out / "manager-import-refused.png")
        manager.dialog.close()
        manager.close()
        q.close()
        service.close()
    QCoreApplication.processEvents()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
