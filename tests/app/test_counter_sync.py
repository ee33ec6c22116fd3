"""The counter window with central sync set up but the county unreachable: it says
so in the top bar, keeps accepting cases, and counts what waits to go up."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.core.check import Decision
from app.ui.main_window import MainWindow
from tests.factories import demo_intake

pytestmark = pytest.mark.gui


def test_without_sync_the_top_bar_says_standalone(window: MainWindow) -> None:
    window.start_sync()
    assert window.sync is None
    state = window.connection_state()
    assert state.level == "off" and "未配置县中心同步" in state.text


def test_offline_the_counter_works_and_counts_what_waits(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.services.credentials
    import app.ui.sync_view
    from app.services.credentials import MemoryKeyring

    asked: list[str] = []
    monkeypatch.setattr(app.services.credentials, "secure_backend", MemoryKeyring)
    monkeypatch.setattr(
        app.ui.sync_view, "ask_password", lambda _parent, prompt: asked.append(prompt) or "pw"
    )
    settings = window.context.settings
    settings.set("central_url", "postgresql://yc_370999101@127.0.0.1:9/yichuang")  # nobody there
    settings.set("sync_interval_s", 3600)
    window.start_sync()
    try:
        assert asked and "yc_370999101@127.0.0.1:9/yichuang" in asked[0]
        assert window.sync is not None
        qtbot.waitUntil(lambda: window.sync.status.online is False, timeout=20_000)
        state = window.connection_state()
        assert state.level == "error" and "离线" in state.text and "照常受理" in state.text
        assert state.detail  # the last error, for the tooltip

        intake = demo_intake(window.context.store, Decision.ACCEPT)  # type: ignore[arg-type]
        saved = window.service.save_intake(intake)
        assert saved.case_no
        status = window.sync.refresh()
        assert status.pending >= 1  # the case waits in the outbox
        window.watch_state("connection", window.connection_state)
        assert f"待上传 {status.pending}" in window.top.connection.text()
    finally:
        window.sync.stop(timeout=5)
        window.sync = None


def test_conflicts_and_refused_rows_are_listed(qtbot: QtBot, window: MainWindow) -> None:
    from datetime import datetime

    from app.services.sync import read_issues
    from app.ui.sync_view import SyncIssuesDialog
    from db.models import SyncConflictRow, SyncQuarantineRow

    store = window.context.store
    with store.session() as s, s.begin():
        s.add(SyncConflictRow(at=datetime(2026, 3, 2, 9, 0), side="pull", tbl="cases",
                              row_key="370999101-A1-20260302-0001", rule="status_forward_only",
                              message="本机状态已办结，县中心为已受理：保留本机状态", detail={}))  # fmt: skip
        s.add(SyncQuarantineRow(at=datetime(2026, 3, 2, 9, 1), batch_seq=7, tbl="case_material",
                                row_key="x", reason="县中心拒收：材料所属办件不存在", payload={}))  # fmt: skip
    dialog = SyncIssuesDialog(read_issues(store))
    qtbot.addWidget(dialog)
    assert dialog.conflicts.rowCount() == 1 and dialog.refused.rowCount() == 1
    assert dialog.conflicts.item(0, 1).text() == "下载"
    assert "保留本机状态" in dialog.conflicts.item(0, 5).text()
    assert dialog.refused.item(0, 1).text() == "7"
    window.sync = None
    window.show_sync_issues()  # from the 同步 menu
    qtbot.waitUntil(lambda: window.findChild(SyncIssuesDialog, "syncIssues") is not None)
