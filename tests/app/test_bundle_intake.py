"""A bundle (一件事) at the counter, keystrokes only: picked in the pinyin search like an
item, situations answered once, one merged checklist, a decision per item, saved as
one application and its combined documents printed (kept as PDF)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.ui.main_window import MainWindow
from db.models import ApplicationRow, CaseRow, PrintLogRow
from tests.app.conftest import Keyboard, flush_ui, focused, show_case
from tests.app.test_intake import fill_person

pytestmark = pytest.mark.gui

KEY = Qt.Key
SHOTS = Path(os.environ.get("YC_SHOTS", "")) if os.environ.get("YC_SHOTS") else None


def _shot(window: MainWindow, qtbot: QtBot, name: str) -> None:
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    flush_ui(qtbot)
    window.grab().save(str(SHOTS / name))


def test_a_bundle_taken_with_keystrokes_only(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    from app.ui.fonts import install_font

    install_font(QApplication.instance())  # type: ignore[arg-type]  (the screenshot's CJK font)
    kb = keyboard
    window.context.rebuild_index()  # as the window does once the store is open
    window.resize(1366, 768)
    kb.press(KEY.Key_F2)
    kb.type("wykfd")  # 我要开饭店 by its initials, like an item
    assert window.search.model.data(window.search.model.index(0, 0)).startswith(
        "【一件事】我要开饭店"
    )
    kb.press(KEY.Key_Return)
    intake = window.intake
    assert intake.bundle_mode
    bundle = intake.bundle
    assert (
        "我要开饭店" in bundle.header.text()
        and "3个事项分2个阶段办理：① → ②③" in bundle.header.text()
    )
    # the shared questions once, then the one item question no shared one covers
    assert [k for k in bundle.situations.answers()] == ["S1", "S2", "370999-SJ-001::Q3"]
    fill_person(kb, name="李四")
    kb.press(KEY.Key_F4)
    assert focused() is bundle.table
    model = bundle.checklist
    assert model.rowCount() == 11  # 居民身份证 and the premises' proof once for three items
    names = [model.merged(r).name for r in range(model.rowCount())]
    id_row = names.index("居民身份证")
    assert model.data(model.index(id_row, 1)) == "①②③  居民身份证"
    missing = names.index("食品安全管理制度文本")
    for row in range(model.rowCount()):
        kb.press(KEY.Key_2 if row == missing else KEY.Key_Space)
    decisions = bundle.decision_model
    assert [d.value if d else None for d in decisions.decisions().values()] == [
        "受理", "补正", "受理",
    ]  # fmt: skip
    kb.press(KEY.Key_F3)
    assert focused() is bundle.decisions
    _shot(window, qtbot, "bundle-intake-1366x768.png")
    # F5 on the food licence (its materials are not all in): refused, said why
    kb.press(KEY.Key_Down)
    kb.press(KEY.Key_F5)
    assert "不能受理" in window.message.text()
    assert decisions.decision("370999-SJ-003").value == "补正"  # type: ignore[union-attr]
    kb.press(KEY.Key_S, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    summary = QApplication.activeModalWidget().findChild(object, "applicationSummary")  # type: ignore[union-attr]
    assert "食品经营许可（餐饮服务）" in summary.text() and "补正" in summary.text()  # type: ignore[union-attr]
    # the combined notice shown for review: the food licence's one material, with its item
    assert "一次性告知书将列明" in summary.text()  # type: ignore[union-attr]
    assert "1. 食品安全管理制度文本（②）：缺少" in summary.text()  # type: ignore[union-attr]
    with qtbot.waitSignal(intake.application_saved, timeout=10_000) as saved:
        kb.press(KEY.Key_Return)
    application = saved.args[0]
    assert not intake.bundle_mode  # ready for the next applicant
    with window.context.store.session() as s:
        cases = s.scalars(select(CaseRow).order_by(CaseRow.case_no)).all()
        assert [(c.item_code, c.decision, c.application_id) for c in cases] == [
            ("370999-SJ-001", "受理", application.id),
            ("370999-SJ-003", "补正", application.id),
            ("370999-ZH-001", "受理", application.id),
        ]
        assert [n.material for n in cases[1].notice_lines] == ["食品安全管理制度文本"]
        assert s.get(ApplicationRow, application.id).bundle_name == "我要开饭店"  # type: ignore[union-attr]

    # the combined documents come out (kept as PDF: no printer set)
    def printed() -> list[tuple[str, str]]:
        with window.context.store.session() as s:
            return sorted(
                (r[0], r[1]) for r in s.execute(select(PrintLogRow.ref, PrintLogRow.what))
            )

    qtbot.waitUntil(lambda: len(printed()) == 3, timeout=20_000)
    assert printed() == sorted(
        [(cases[0].case_no, "联办受理通知书"), (cases[2].case_no, "联办受理通知书"),
         (cases[1].case_no, "联办一次性告知书")]
    )  # fmt: skip
    # the case view shows the visit: every case's state, the combined result not ready
    # (the offscreen platform gives the activation back to no window after a dialog)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search.edit)
    kb.press(KEY.Key_2, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window._case_view is not None)
    view = window._case_view
    assert view is not None
    assert show_case(qtbot, view, cases[1].case_no)  # read in the background
    box = view.application_box
    qtbot.waitUntil(view.isVisible)
    assert box.isVisible() and box.title() == "联办：我要开饭店（3件）"
    # the business licence is 即办件: done on the spot; the signboard permit runs
    assert box.summary.text().startswith("办理中：1/3件已办结，1件待申请人补正，预计")
    assert box.cases.item(0).text().startswith("已办结  个体工商户设立登记")
    assert box.cases.item(2).text().startswith("已受理（办理中）  户外招牌设置审批")
    assert [box.cases.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)] == [
        c.case_no for c in cases
    ]
    assert box.cases.item(1).text().startswith("待补正（待申请人补正）  食品经营许可（餐饮服务）")
    _shot(window, qtbot, "bundle-case-view-1366x768.png")
    # 补打 of the combined notice from the 补正 case's print log (Enter on it)
    view.documents.setFocus()
    view.documents.setCurrentRow(0)
    before = window.last_print
    kb.press(KEY.Key_Return)
    qtbot.waitUntil(lambda: len(printed()) == 4, timeout=20_000)
    # the window has the reprint's reports and has asked the view for the case again
    qtbot.waitUntil(lambda: window.last_print is not before, timeout=20_000)
    assert printed().count((cases[1].case_no, "联办一次性告知书")) == 2
    # Enter on another case of the visit opens it (once the reload after the reprint,
    # read in the background, is on screen)
    qtbot.waitUntil(lambda: not view.loading)
    box.cases.setFocus()
    box.cases.setCurrentRow(2)
    kb.press(KEY.Key_Return)
    qtbot.waitUntil(lambda: view.case_no == cases[2].case_no)  # read in the background


def test_a_half_finished_bundle_comes_back_after_a_crash_and_saves_once(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    """The visit is kept as a draft as the clerk works (with its own intake id); after
    a crash it comes back as it was, and saving it then is one application, the
    draft gone in the same transaction."""
    from app.core.check import Status
    from db.models import DraftRow

    kb = keyboard
    window.context.rebuild_index()
    kb.press(KEY.Key_F2)
    kb.type("wykfd")
    kb.press(KEY.Key_Return)
    fill_person(kb, name="王五")
    kb.press(KEY.Key_F4)
    model = window.intake.bundle.checklist
    names = [model.merged(r).name for r in range(model.rowCount())]
    kb.press(KEY.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)  # all received
    kb.press(KEY.Key_Up, times=model.rowCount())
    for _ in range(names.index("从业人员健康证明")):
        kb.press(KEY.Key_Down)
    kb.press(KEY.Key_2)  # missing (a 容缺 material of the food licence)
    kb.press(KEY.Key_F3)
    kb.press(KEY.Key_Down)
    kb.press(KEY.Key_6)  # the food licence: 容缺受理
    intake_id = window.intake.bundle.intake_id

    def draft():  # type: ignore[no-untyped-def]
        with window.context.store.session() as s:
            row = s.get(DraftRow, window.intake.draft_key)
            return dict(row.state) if row else None

    qtbot.waitUntil(
        lambda: (d := draft()) is not None and "从业人员健康证明" in str(d), timeout=5000
    )
    qtbot.waitUntil(lambda: bool(draft()["decisions"]), timeout=5000)
    state = draft()
    assert state["kind"] == "bundle" and state["intake_id"] == str(intake_id)
    # the crash: everything on screen is gone; the draft comes back
    window.intake.bundle.clear()
    window.intake.clear()
    assert window.intake.restore(state)
    bundle = window.intake.bundle
    assert window.intake.bundle_mode and bundle.intake_id == intake_id
    assert bundle.applicant.applicant().name == "王五"
    row = [model.merged(r).name for r in range(model.rowCount())].index("从业人员健康证明")
    assert model.outcome(row).status is Status.MISSING
    assert [d.value if d else None for d in bundle.decision_model.decisions().values()] == [
        "受理", "容缺受理", "受理",
    ]  # fmt: skip
    kb.press(KEY.Key_S, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    with qtbot.waitSignal(window.intake.application_saved, timeout=10_000) as saved:
        kb.press(KEY.Key_Return)  # the 容缺 date proposed: Enter takes it
    with window.context.store.session() as s:
        (app,) = s.scalars(select(ApplicationRow)).all()
        assert app.intake_id == intake_id and app.id == saved.args[0].id
        assert s.get(DraftRow, window.intake.draft_key) is None
        food = s.scalars(select(CaseRow).where(CaseRow.item_code == "370999-SJ-003")).one()
        assert (food.decision, food.supply_by is not None) == ("容缺受理", True)


@pytest.mark.parametrize("large", [False, True])
def test_a_refused_item_in_a_four_item_bundle(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, large: bool
) -> None:
    """企业开办一件事 (4 items in 2 stages), the large font too: one item refused with
    its reason and legal basis asked in the confirmation (not saved without them),
    the others accepted; the refusal prints its own notice."""
    from app.ui.fonts import install_font

    qapp = QApplication.instance()
    before = qapp.font()  # type: ignore[union-attr]
    install_font(qapp)  # type: ignore[arg-type]
    kb = keyboard
    window.context.rebuild_index()
    window.resize(1366, 768)
    window._toggle_font(large)
    try:
        kb.press(KEY.Key_F2)
        kb.type("qykb")
        kb.press(KEY.Key_Return)
        bundle = window.intake.bundle
        assert window.intake.bundle_mode and "4个事项分2个阶段办理" in bundle.header.text()
        fill_person(kb, name="赵六")
        kb.press(KEY.Key_F4)
        kb.press(KEY.Key_Return, modifier=Qt.KeyboardModifier.ControlModifier)  # all received
        table = bundle.table
        qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
        kb.press(KEY.Key_F3)
        kb.press(KEY.Key_Down, times=3)
        kb.press(KEY.Key_F8)  # the last item: 不予受理
        decisions = [d.value if d else None for d in bundle.decision_model.decisions().values()]
        assert decisions[-1] == "不予受理" and decisions[:-1] == ["受理"] * 3
        _shot(window, qtbot, f"bundle-four-items-{'large' if large else 'normal'}-1366x768.png")
        kb.press(KEY.Key_S, modifier=Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
        dialog = QApplication.activeModalWidget()
        kb.press(KEY.Key_Return)  # no reason yet: stays open, says why
        assert dialog.isVisible() and "理由和法律依据都必须填写" in dialog.hint.text()  # type: ignore[union-attr]
        kb.type("申请人不具备申请资格")
        kb.press(KEY.Key_Tab)
        focused().selectAll()  # type: ignore[attr-defined]
        kb.type("《市场主体登记管理条例》第十九条")
        with qtbot.waitSignal(window.intake.application_saved, timeout=10_000) as saved:
            kb.press(KEY.Key_Return)
    finally:
        window._toggle_font(False)
        qapp.setFont(before)  # type: ignore[union-attr]
    with window.context.store.session() as s:
        cases = s.scalars(
            select(CaseRow)
            .where(CaseRow.application_id == saved.args[0].id)
            .order_by(CaseRow.case_no)
        ).all()
        assert [c.decision for c in cases] == ["受理", "受理", "受理", "不予受理"]
        assert (cases[3].decision_reason, cases[3].legal_basis) == (
            "申请人不具备申请资格", "《市场主体登记管理条例》第十九条",
        )  # fmt: skip
        refused = cases[3].case_no

    def printed() -> list[str]:
        with window.context.store.session() as s:
            return list(s.scalars(select(PrintLogRow.what).where(PrintLogRow.ref == refused)))

    qtbot.waitUntil(lambda: printed() == ["不予受理通知书"], timeout=20_000)


def test_bundles_join_the_search_once_the_store_is_open(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    """As app/ui/main.py starts the window: the first index has the items only (read
    without pypinyin); the bundles join it, read on the worker, after the store opens."""
    window.search.edit.setText("wykfd")
    assert window.search.model.rowCount() == 0
    window.open_store(then=lambda: window.store_opened(offer_draft=False))
    qtbot.waitUntil(lambda: window.search.model.rowCount() == 1, timeout=10_000)
    assert window.search.model.data(window.search.model.index(0, 0)).startswith("【一件事】")


def test_the_capture_strip_follows_the_merged_row_and_keeps_a_page_per_case(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard, tmp_path: Path
) -> None:
    """The document camera's strip on the bundle's page: it follows the merged row;
    a page taken (Ctrl+G, here a file: no camera on this machine) of a material three
    items need is kept for each of the three cases, and after saving each case lists it."""
    from app.core.application import case_intake_id
    from app.ui.checklist import PAGES_COLUMN
    from app.ui.fonts import install_font
    from tests.page_fixtures import file_bytes, page_on_desk

    install_font(QApplication.instance())  # type: ignore[arg-type]
    kb = keyboard
    window.context.rebuild_index()
    window.resize(1366, 768)
    kb.press(KEY.Key_F2)
    kb.type("wykfd")
    kb.press(KEY.Key_Return)
    intake = window.intake
    bundle = intake.bundle
    capture = bundle.capture
    assert capture is not None and capture is not intake.capture
    fill_person(kb, name="李四")
    kb.press(KEY.Key_F4)
    model = bundle.checklist
    names = [model.merged(r).name for r in range(model.rowCount())]
    id_row = names.index("居民身份证")
    bundle.table.setCurrentIndex(model.index(id_row, 1))
    assert "居民身份证" in capture.title.text()
    scan = tmp_path / "身份证.png"
    scan.write_bytes(file_bytes(page_on_desk(1.0, frame=(900, 700), page=(600, 400))))
    capture.file_dialog = lambda: str(scan)
    with qtbot.waitSignal(capture.page_shown, timeout=10_000):
        kb.press(KEY.Key_G, modifier=Qt.KeyboardModifier.ControlModifier)  # the bundle's
    assert model.index(id_row, PAGES_COLUMN).data() == "1页"
    assert capture.strip.count() == 1 and intake.capture is not None
    assert intake.capture.strip.count() == 0  # the one-item page's strip took nothing
    visit = bundle.intake_id
    assert visit is not None
    pages = window.intake.pages
    assert pages is not None
    needs = model.merged(id_row).needs
    assert len(needs) == 3
    shas = {
        n.item: [(r.material_seq, r.sha256) for r in pages.pages(case_intake_id(visit, n.item))]
        for n in needs
    }
    assert {code: [seq for seq, _ in got] for code, got in shas.items()} == {
        n.item: [n.material.seq] for n in needs
    }
    assert len({sha for got in shas.values() for _, sha in got}) == 1  # one image, kept once
    # the strip follows the row: another material has no pages
    bundle.table.setCurrentIndex(model.index(0 if id_row else 1, 1))
    assert capture.strip.count() == 0
    _shot(window, qtbot, "bundle-capture-1366x768.png")
    bundle.table.setCurrentIndex(model.index(0, 1))
    for _ in range(model.rowCount()):
        kb.press(KEY.Key_Space)
    kb.press(KEY.Key_S, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    with qtbot.waitSignal(intake.application_saved, timeout=10_000):
        kb.press(KEY.Key_Return)
    with window.context.store.session() as s:
        cases = {c.item_code: c.case_no for c in s.scalars(select(CaseRow))}
    for n in needs:
        listed = pages.pages_of_case(cases[n.item])
        assert [(r.material_seq, r.page) for r in listed] == [(n.material.seq, 1)]


def test_an_80mm_hall_prints_the_visit_on_the_roll_after_save_and_on_reprint(
    qtbot: QtBot, window: MainWindow
) -> None:
    """receipt_format 80mm: the bundle's save prints 联办受理回执 (the roll), not the A4
    联办受理通知书; 补打 from the case view gives the roll again."""
    from app.core.clock import FixedClock
    from app.services.applications import ApplicationService
    from tests.db.applications import NOW, mixed_application, store_bundle

    ctx = window.context
    ctx.settings.set("receipt_format", "80mm")
    stored = store_bundle(ctx.store)
    service = ApplicationService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation,
                                 FixedClock(NOW))  # fmt: skip
    saved = service.save(mixed_application(stored))
    food, fire, sign = saved.case_nos

    def printed() -> list[tuple[str, str]]:
        with ctx.store.session() as s:
            rows = s.execute(select(PrintLogRow.ref, PrintLogRow.what)).all()
        return sorted((r[0], r[1]) for r in rows)

    window._application_saved(saved)  # what the bundle intake's save signal does
    qtbot.waitUntil(lambda: len(printed()) == 3, timeout=20_000)
    assert printed() == sorted(
        [(fire, "联办受理回执"), (sign, "联办受理回执"), (food, "联办一次性告知书")]
    )
    window._reprint(sign, "联办受理回执")  # the print log's entry, activated
    qtbot.waitUntil(lambda: len(printed()) == 5, timeout=20_000)
    assert printed().count((fire, "联办受理回执")) == 2
    assert "联办受理通知书" not in {what for _, what in printed()}

    def looks() -> list[str]:  # a reprint shows the applicant: a look, logged
        from app.core.privacy import REPRINT
        from db.models import AuditRow

        with ctx.store.session() as s:
            return list(s.scalars(select(AuditRow.action).where(AuditRow.action == REPRINT)))

    qtbot.waitUntil(lambda: len(looks()) == 1, timeout=20_000)
