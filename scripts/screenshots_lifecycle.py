"""Screenshots of the case view moving a case on (issue 16): a case reviewed and in a
特别程序 (clock stopped) at the clerk's counter, and one approved by the chief and
done, in the main window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_lifecycle.py docs/screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.context import open_context  # noqa: E402
from app.core.accounts import Clerk  # noqa: E402
from app.core.check import Decision, MaterialOutcome, Status  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.core.intake import Applicant, Intake  # noqa: E402
from app.core.lifecycle import Outcome, StopKind  # noqa: E402
from app.services.lifecycle import LifecycleService  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from app.ui.intake import Operator  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from db.catalog_repo import current_version  # noqa: E402
from scripts.screenshots import SIZE, shoot  # noqa: E402


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    QCoreApplication.setOrganizationName("YiChuangScreenshots")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_font(app)
    clock = FixedClock("2026-09-21T09:10")
    with tempfile.TemporaryDirectory() as data:
        ctx = open_context(data_dir=data, clock=clock)
        ctx.settings.set("print_after_save", False)
        window = MainWindow(ctx, Operator("wangfang", "王芳", "1"))
        window.resize(*SIZE)
        window.show()
        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        numbers = []
        for name in ("张三", "李四"):
            numbers.append(
                window.service.save_intake(
                    Intake(
                        item=item, item_version_id=vid, answers=item.default_answers(),
                        outcomes={m.seq: MaterialOutcome(Status.RECEIVED, m.copies)
                                  for m in item.materials},
                        applicant=Applicant(name=name, id_no="11010519491231002X",
                                            phone="13800138000"),
                        decision=Decision.ACCEPT, clerk="wangfang", clerk_name="王芳",
                        window_no="1",
                    )
                ).case_no
            )  # fmt: skip
        wang = LifecycleService(ctx.store, ctx.calendar, clock, Clerk("wangfang", "王芳", "1"))
        chief = LifecycleService(
            ctx.store, ctx.calendar, clock, Clerk("zhaoshouxi", "赵首席", role="chief")
        )
        first, second = numbers
        clock.set("2026-09-22T10:00")
        life = wang.review(first, 1, "家庭收入低于保障标准，材料齐全", Outcome.GRANT)
        clock.set("2026-09-23T15:30")
        life = wang.start_stop(
            first, life.row_version, StopKind.PUBLICITY, "低保对象村（居）公示", 7
        )
        life = wang.review(second, 1, "符合条件", Outcome.GRANT)
        clock.set("2026-09-24T09:00")
        life = chief.approve(second, life.row_version, "同意")
        clock.set("2026-09-24T10:30")
        life = wang.complete(second, life.row_version, Outcome.GRANT, result_name="最低生活保障",
                             decision_doc="示民低〔2026〕118号")  # fmt: skip
        clock.set("2026-10-12T09:00")
        window.tabs.setCurrentIndex(1)
        window.case_list.refresh()
        for number, name in ((first, "case-view-clock-stopped-window.png"),
                             (second, "case-view-completed-window.png")):  # fmt: skip
            window.case_view.show_case(number)
            shoot(window, out / name)
        window.runner.shutdown()
        ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
