"""The counter program against a real county database: a new workstation's first
start pulls catalogue and clerks with a progress dialog before anyone signs in, the
window then shows the county online, and a case saved at the counter goes up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.context import open_context
from app.core.check import Decision
from app.services.credentials import MemoryKeyring, account_for
from app.ui.first_start import needs_first_start, run_first_start
from app.ui.intake import Operator
from app.ui.main_window import MainWindow
from db.central import admin
from tests.app.conftest import show_window
from tests.factories import demo_intake
from tests.sync.conftest import CENTRE_A, Central
from tests.sync.helpers import admin_count, demo_items

pytestmark = pytest.mark.gui


def test_first_start_then_online_at_the_counter(
    qtbot: QtBot, central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.services.credentials

    admin.publish_items(central.admin_url, demo_items())
    admin.upsert_clerk(central.admin_url, CENTRE_A, "wangfang", "王芳", "s3cret", window_no="1")
    central.register(CENTRE_A, "A1")  # the county registers the workstation
    url = central.centre_url(CENTRE_A)
    (tmp_path / "settings.json").write_text(
        json.dumps({"central_url": url, "centre_code": CENTRE_A, "workstation": "A1",
                    "central_sslmode": "disable", "sync_interval_s": 3600}),
        encoding="utf-8",
    )  # fmt: skip
    keyring = MemoryKeyring()  # the OS keyring of this machine, in a test
    keyring.set_password("yichuang-central", account_for(url), central.logins[CENTRE_A].password)
    monkeypatch.setattr(app.services.credentials, "secure_backend", lambda: keyring)

    context = open_context(data_dir=str(tmp_path))
    assert needs_first_start(context)  # no demo catalogue on a county workstation
    assert run_first_start(context)  # the progress dialog runs until the pull is done
    assert not needs_first_start(context)
    assert len(context.item_index()) == len(demo_items())

    window = show_window(qtbot, MainWindow(context, Operator("wangfang", "王芳", "1")))
    try:
        window.store_opened(offer_draft=False)
        assert window.sync is not None
        qtbot.waitUntil(lambda: window.sync.status.online is True, timeout=30_000)
        state = window.connection_state()
        assert state.level == "ok" and "在线" in state.text

        intake = demo_intake(context.store, Decision.ACCEPT)  # type: ignore[arg-type]
        saved = window.service.save_intake(intake)
        window.sync.sync_now()
        sql = "SELECT count(*) FROM yc.cases WHERE case_no = %s"
        qtbot.waitUntil(
            lambda: admin_count(central.admin_url, sql, [saved.case_no]) == 1, timeout=30_000
        )
        qtbot.waitUntil(lambda: window.sync.refresh().pending == 0, timeout=10_000)
    finally:
        window.sync.stop(timeout=5) if window.sync is not None else None
        window.runner.shutdown()
        context.close()
