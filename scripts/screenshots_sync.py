"""Screenshot of the counter window when the county's connections are full (issue 13):
a real county database whose centre cap is taken, a real sync turned away, the top bar.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_sync.py \
        docs/screenshots/sync-county-busy.png
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.context import open_context  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.services.sync import SyncService  # noqa: E402
from app.ui.fonts import install_font  # noqa: E402
from app.ui.intake import Operator  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from db.central import admin  # noqa: E402
from db.sync.client import CentralConfig, SyncClient  # noqa: E402
from scripts.screenshots import SIZE, settle, shoot  # noqa: E402
from tests.sync.helpers import save_cases  # noqa: E402

SERVER = os.environ.get("YICHUANG_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CENTRE = "370999101"


def main(out: Path) -> None:
    prefix, name = f"ycs{uuid.uuid4().hex[:6]}", f"yc_shot_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(SERVER).set(database=name).render_as_string(False)
    try:
        admin.init_central(url, prefix=prefix)
        login = admin.add_centre(url, CENTRE, "某某镇便民服务中心")
        admin.add_workstation(url, CENTRE, "A1")
        admin.set_connection_limit(url, 1, CENTRE)
        station = make_url(url).set(username=login.role).render_as_string(False)
        held = psycopg.connect(admin.libpq_url(station), password=login.password)  # the cap
        QCoreApplication.setOrganizationName("YiChuangScreenshots")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        install_font(app)
        with tempfile.TemporaryDirectory() as data:
            ctx = open_context(data_dir=data, clock=FixedClock("2026-12-07T10:00"))
            ctx.settings.set("print_after_save", False)
            window = MainWindow(ctx, Operator("wangfang", "王芳", "1"))
            window.resize(*SIZE)
            window.show()
            store = ctx.store.get()
            save_cases(store, 3, centre=CENTRE)
            config = CentralConfig(station, login.password, CENTRE, "A1", sslmode="disable")
            client = SyncClient(store, config, sleep=lambda _s: None)
            service = SyncService(store, lambda: client)
            print(service.run_once().text())
            window.sync = service
            window.watch_state("connection", window.connection_state)
            settle()
            shoot(window, out)
            window.close()
            ctx.close()
        held.close()
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.drop_roles(SERVER, prefix)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/sync-county-busy.png"))
