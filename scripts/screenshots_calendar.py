"""Screenshots of the estimated calendar at the counter (issue 12): the 估算 mark in
the accept dialog, and the manager's calendar dialog after the official year arrived.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_calendar.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.context import open_context  # noqa: E402
from app.core.check import Decision, MaterialOutcome, Status  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.core.intake import Applicant, Intake  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from app.ui.intake import AcceptDialog, Operator  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from db.catalog_repo import current_version  # noqa: E402
from scripts.screenshots import SIZE, shoot, wait_until  # noqa: E402

SAMPLE_2027 = ROOT / "tests" / "data" / "cn-2027-sample.json"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    QCoreApplication.setOrganizationName("YiChuangScreenshots")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_font(app)
    clock = FixedClock("2026-12-20T10:00")
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data, clock=clock)
        ctx.settings.set("print_after_save", False)
        window = MainWindow(ctx, Operator("chenzhuren", "陈主任", "1", role="manager"))
        window.resize(*SIZE)
        window.show()
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        due = ctx.calendar.due(date(2026, 12, 20), item.promised_days, item.promised_unit)
        dialog = AcceptDialog(item, due, False, window)
        dialog.resize(620, 240)
        dialog.show()
        shoot(dialog, out / "estimated-date-accept.png")
        dialog.close()

        for when, name in (("2026-12-20T10:00", "张三"), ("2027-01-25T09:00", "李四")):
            clock.set(when)
            window.service.save_intake(
                Intake(
                    item=item, item_version_id=vid, answers=item.default_answers(),
                    outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies)
                              for m in item.materials},
                    applicant=Applicant(name=name, id_no="11010519491231002X",
                                        phone="13800138000", address="示范县城关镇人民路1号"),
                    decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳", window_no="1",
                )
            )  # fmt: skip
        calendar_dialog = window.show_calendar()
        calendar_dialog.import_path(SAMPLE_2027)
        wait_until(lambda: "已导入" in calendar_dialog.status.text())
        shoot(calendar_dialog, out / "calendar-official-year-imported.png")
        window.runner.shutdown()
        ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
