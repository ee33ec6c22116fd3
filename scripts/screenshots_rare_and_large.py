"""Screenshots for issue 14: rare characters of names on screen, and the counter at
1366×768 with the large font (Ctrl+Shift+L). Offscreen, on a fresh data folder.

    .venv/bin/python scripts/screenshots_rare_and_large.py [OUT_DIR]
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
from app.core.check import Decision, MaterialOutcome, Status  # noqa: E402
from app.core.intake import Applicant, Intake  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from app.ui.intake import Operator  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from db.catalog_repo import current_version  # noqa: E402
from db.clerk_repo import ensure_demo_clerks  # noqa: E402
from scripts.screenshots import SIZE, shoot  # noqa: E402

RARE_NAME = "吉\U00020bb7"  # 吉𠮷
RARE_AGENT = "刘\u4dae"  # 刘䶮


def _intake(window: MainWindow, name: str, agent: str = "") -> None:
    """个体工商户设立登记 half done: the applicant typed, some materials marked."""
    window.search.edit.setText("gtgsh")
    hit = next(
        h
        for h in (window.search.model.hit(i) for i in range(window.search.model.rowCount()))
        if h.entry.name.startswith("个体工商户设立")
    )
    window.intake.choose_item(int(hit.entry.key), hit.entry.code)  # type: ignore[call-overload]
    combo = window.intake.situations.first_field()
    if combo is not None:
        combo.setCurrentIndex(1)  # type: ignore[attr-defined]  # a family business
    form = window.intake.applicant
    form.name.setText(name)
    form.id_no.setText("11010519491231002X")
    form.phone.setText("13805381234")
    form.address.setText("示范县城关镇东关街12号")
    if agent:
        form.agent_name.setText(agent)
    model = window.intake.checklist
    model.mark(0, Status.RECEIVED)
    model.mark(1, Status.RECEIVED)
    model.mark(2, Status.DEFECTIVE, "已过有效期")
    model.mark(3, Status.MISSING)
    window.intake.table.select_row(2)


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
        window = MainWindow(ctx, Operator("wangfang", "王芳", "1"))
        window.resize(*SIZE)
        window.show()
        window.store_opened(offer_draft=False)

        _intake(window, RARE_NAME, RARE_AGENT)
        shoot(window, out / "rare-characters-intake.png")
        window.intake.clear()

        with ctx.store.session() as s:
            found = current_version(s, "370999-MZ-001")
        assert found
        vid, item = found
        saved = []
        for name in (RARE_NAME, "张秀英", RARE_AGENT + "华", "王\U0002c029"):  # 王𬀩
            outcomes = {m.seq: MaterialOutcome(Status.RECEIVED, m.copies) for m in item.materials}
            saved.append(
                window.service.save_intake(
                    Intake(
                        item=item,
                        item_version_id=vid,
                        answers={},
                        outcomes=outcomes,
                        applicant=Applicant(name=name, id_no="11010519491231002X"),
                        decision=Decision.ACCEPT,
                        clerk="wangfang",
                        clerk_name="王芳",
                        window_no="1",
                    )
                )
            )
        window.tabs.setCurrentIndex(1)
        window.case_list.refresh()
        window.case_view.show_case(saved[0].case_no)
        shoot(window, out / "rare-characters-cases.png")

        window._toggle_font(True)  # what Ctrl+Shift+L does
        window.tabs.setCurrentIndex(0)
        _intake(window, "张秀英")
        shoot(window, out / "large-font-intake.png")
        window.intake.clear()
        window.tabs.setCurrentIndex(1)
        window.case_view.show_case(saved[1].case_no)
        shoot(window, out / "large-font-cases.png")
        window._toggle_font(False)
        window.runner.shutdown()
        window.close()
        ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
