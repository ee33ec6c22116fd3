"""Installing a newer program over an older one keeps the data and migrates it
(issue 19). The older database is real: tests/data/upgrade/yichuang-0005.sqlite3 was
written by the program of commit a54f86c (schema 0005) through its own services
(tests/data/upgrade/make_old_database.py says how). The refusal of a newer database
by an older program is tests/db/test_store.py::test_a_newer_database_is_refused_clearly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from app.core.check import Decision
from app.core.clock import FixedClock
from tests.factories import demo_intake
from tests.rawdb import raw

HERE = Path(__file__).resolve().parents[1] / "data" / "upgrade"
ROOT = Path(__file__).resolve().parents[2]


def _old_install(tmp_path: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(HERE / "yichuang-0005.sqlite3", data / "yichuang.sqlite3")
    manifest = json.loads((HERE / "manifest-0005.json").read_text(encoding="utf-8"))
    with raw(data / "yichuang.sqlite3") as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"
    return data, manifest


def test_a_newer_program_migrates_an_older_database_and_keeps_its_data(tmp_path: Path) -> None:
    from app.context import open_context
    from app.services.counter import CounterService
    from app.services.documents import DocumentService
    from db.case_query import case_detail
    from db.clerk_repo import sign_in
    from db.store import current_revision, head_revision
    from db.sync.outbox import pending_count

    data, manifest = _old_install(tmp_path)
    with raw(data / "yichuang.sqlite3") as c:
        old_outbox = c.execute("SELECT count(*) FROM sync_outbox WHERE sent_at IS NULL").fetchone()[
            0
        ]
        old_prints = c.execute("SELECT count(*) FROM print_log").fetchone()[0]
    assert old_outbox >= 4 and old_prints >= 4
    clock = FixedClock(datetime(2026, 3, 4, 9, 0))
    ctx = open_context(None, str(data), clock=clock)
    try:
        assert current_revision(ctx.store.engine) == head_revision() != "0005"
        # a copy as it was, before the migration
        kept = list((data / "backups").glob("premigrate-0005-*.sqlite3"))
        assert len(kept) == 1
        with raw(kept[0]) as c:
            assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"

        with ctx.store.session() as s:
            for case in manifest["cases"]:
                detail = case_detail(s, case["case_no"])
                assert detail is not None, case["case_no"]
                assert detail.status == case["status"]
                promised = date.fromisoformat(case["promised"]) if case["promised"] else None
                assert detail.promised_date == promised
                assert detail.materials and detail.printed  # its checklist and print log
            assert pending_count(s) == old_outbox  # what waited to go up still waits
        with ctx.store.session() as s, s.begin():
            clerk, _, _ = sign_in(s, "wangfang", "123456", "1", now=clock.now())
        assert clerk.name == "王芳"
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        draft = service.load_draft("window-1")
        assert draft is not None and draft[1]["name"] == "王五"
        # the old cases' documents render with the new program
        docs = DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=clock)
        for case in manifest["cases"]:
            assert all(p.stat().st_size > 1000 for p in docs.preview(case["case_no"]))
        # work goes on: a new case on a day the old program used continues its numbers
        saved = service.save_intake(
            demo_intake(ctx.store, Decision.ACCEPT),  # type: ignore[arg-type]
            now=datetime(2026, 3, 2, 16, 0),
        )
        assert saved.case_no == "370999101-A1-20260302-0004"
        assert service.save_intake(demo_intake(ctx.store, Decision.ACCEPT)).case_no.endswith(  # type: ignore[arg-type]
            "-20260304-0001"
        )
    finally:
        ctx.close()


def test_the_installed_program_upgrades_on_its_first_start(tmp_path: Path) -> None:
    """The same through the command an installer runs after copying the new version:
    `yichuang selftest` touches nothing; the first real start (here `yichuang backup`
    then the window) migrates, with the backup made first."""
    import os

    data, manifest = _old_install(tmp_path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               YICHUANG_NO_CRASH_DIALOG="1", YICHUANG_CLOCK="2026-03-04T09:00")  # fmt: skip
    r = subprocess.run(
        [sys.executable, "-m", "app", "run", "--data-dir", str(data), "--as", "wangfang",
         "--quit-after-ready"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    with raw(data / "yichuang.sqlite3") as c:
        from db.store import head_revision

        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        numbers = {row[0] for row in c.execute("SELECT case_no FROM cases")}
    assert numbers == {case["case_no"] for case in manifest["cases"]}
    assert list((data / "backups").glob("premigrate-0005-*.sqlite3"))
    assert "0005" in (data / "logs" / "yichuang.log").read_text(encoding="utf-8")
