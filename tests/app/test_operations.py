"""The program's own operations: log files, crash log and dialog, backup and restore,
the running lock, the backup before a migration (issue 19)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from app import crash
from app.core.check import Decision
from app.core.clock import FixedClock
from app.logs import LOG_FILE, configure_logging, log_files, read_tail, redact
from tests.factories import demo_intake
from tests.rawdb import raw

ROOT = Path(__file__).resolve().parents[2]
NAME, ID_NO, PHONE = "欧阳明月", "11010519491231002X", "13800138000"


@pytest.fixture
def logs_to(tmp_path: Path):  # type: ignore[no-untyped-def]
    def go(folder: Path, level: int = logging.INFO) -> Path:
        path = configure_logging(folder, level=level)
        assert path is not None
        return path

    yield go
    configure_logging(None)


def _picture(widget, folder: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """A picture of the widget (docs/screenshots/NAME when YICHUANG_SCREENSHOTS=1)."""
    target = ROOT / "docs" / "screenshots" if os.environ.get("YICHUANG_SCREENSHOTS") else folder
    assert widget.grab().save(str(target / name))


def _flush() -> None:
    for h in logging.getLogger().handlers:
        h.flush()


# ------------------------------------------------------------------ logs


def test_each_subsystem_logs_to_the_rotating_file(tmp_path: Path, logs_to) -> None:  # type: ignore[no-untyped-def]
    from app import logs

    path = logs_to(tmp_path)
    for name in ("yichuang.sync", "yichuang.db", "devices.transport"):
        logging.getLogger(name).info("hello from %s", name)
    _flush()
    text = path.read_text(encoding="utf-8")
    for name in ("yichuang.sync", "yichuang.db", "devices.transport"):
        assert f"INFO    {name} " in text and f"hello from {name}" in text
    # rotation: never more than BACKUPS old files of MAX_BYTES
    handler = next(
        h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(path)
    )
    handler.maxBytes = 2000  # type: ignore[attr-defined]
    for i in range(200):
        logging.getLogger("yichuang.app").info("line %d %s", i, "x" * 50)
    _flush()
    names = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert names == [LOG_FILE] + [f"{LOG_FILE}.{i}" for i in range(1, logs.BACKUPS + 1)]
    assert all(p.stat().st_size <= 2200 for p in (tmp_path / "logs").iterdir())
    assert "line 199" in read_tail(path)


def test_redaction_takes_ids_credit_codes_and_phones_not_case_numbers() -> None:
    text = (
        f"id {ID_NO} org 91370982MA3C5XXX1Y old 110105491231002 mob {PHONE} "
        "+86 13912345678 fixed 0531-87654321-8021 case 370982101-A1-20261129-0007 "
        "uuid 0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b seq 12345"
    )
    out = redact(text)
    for secret in (
        ID_NO,
        "91370982MA3C5XXX1Y",
        "110105491231002",
        PHONE,
        "13912345678",
        "87654321",
    ):
        assert secret not in out
    assert "370982101-A1-20261129-0007" in out and "0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b" in out
    assert "seq 12345" in out


def test_no_personal_data_in_the_log_after_an_intake(tmp_path: Path, logs_to) -> None:  # type: ignore[no-untyped-def]
    """An intake saved, its documents produced, a refused one tried, a sync failing:
    the log (at DEBUG, everything) has the case number and none of the applicant's
    name, ID number or phone."""
    from dataclasses import replace

    from app.context import open_context
    from app.core.errors import IntakeRejected
    from app.core.intake import Applicant
    from app.services.counter import CounterService
    from app.services.documents import DocumentService

    path = logs_to(tmp_path, logging.DEBUG)
    clock = FixedClock(datetime(2026, 6, 1, 10, 0))
    ctx = open_context(None, str(tmp_path), clock=clock)
    try:
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        intake = replace(
            demo_intake(ctx.store, Decision.ACCEPT),  # type: ignore[arg-type]
            applicant=Applicant(name=NAME, id_no=ID_NO, phone=PHONE, address="人民路1号"),
        )
        saved = service.save_intake(intake)
        DocumentService(ctx.store, ctx.settings, ctx.data_dir, clock=clock).produce(
            saved.case_no, who="wangfang"
        )
        bad = replace(
            intake,
            applicant=Applicant(name=NAME, id_no="110105194912310021", phone=PHONE),
            intake_id=None,
        )
        with pytest.raises(IntakeRejected):
            service.save_intake(bad)
        logging.getLogger("yichuang.sync").warning("push failed for %s (%s)", saved.case_no, ID_NO)
    finally:
        ctx.close()
    _flush()
    text = path.read_text(encoding="utf-8")
    assert saved.case_no in text  # the intake was logged: the test reads a real log
    for secret in (NAME, ID_NO, PHONE, "1101051949"):
        assert secret not in text, f"{secret} found in the log"


# ------------------------------------------------------------------ crash


def test_an_uncaught_exception_in_a_thread_writes_a_crash_log_and_one_dialog(
    tmp_path: Path,
) -> None:
    shown: list[tuple[str, Path | None]] = []
    clock = FixedClock(datetime(2026, 6, 1, 10, 30, 5))
    handler = crash.install(tmp_path, clock, lambda kind, path: shown.append((kind, path)))
    try:

        def boom() -> None:
            raise ZeroDivisionError(f"while checking {ID_NO}")

        for _ in range(2):
            t = threading.Thread(target=boom, name="worker-x")
            t.start()
            t.join()
    finally:
        crash.uninstall()
    assert handler.crashes == 2
    assert len(shown) == 1 and shown[0][0] == "ZeroDivisionError"  # one dialog per run
    crash_log = shown[0][1]
    assert crash_log is not None and crash_log.name == "crash-20260601-103005.log"
    body = crash_log.read_text(encoding="utf-8")
    assert "worker-x" in body and "ZeroDivisionError" in body and "def boom" not in body
    assert "boom" in body and ID_NO not in body
    assert {p.name for p in log_files(tmp_path)} >= {crash_log.name, "crash-20260601-103005-2.log"}


@pytest.mark.gui
def test_the_crash_dialog_says_what_where_and_that_cases_are_safe(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.crash_dialog import CrashNotifier
    from app.ui.fonts import install_font
    from app.ui.translations import install_qt_translations, remove_qt_translations

    app = QApplication.instance()
    font = app.font()  # type: ignore[union-attr]
    install_font(app)  # type: ignore[arg-type]
    install_qt_translations(app)  # type: ignore[arg-type]
    notifier = CrashNotifier()
    handler = crash.install(tmp_path, FixedClock(datetime(2026, 6, 1, 10, 0)), notifier)
    try:
        try:
            raise KeyError("x")
        except KeyError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: bool(notifier.shown))
    finally:
        crash.uninstall()
    box = notifier.shown[0]
    assert isinstance(box, QMessageBox)
    text = box.text()
    assert "KeyError" in text and str(handler.last_log) in text and "已保存的办件不受影响" in text
    _picture(box, tmp_path, "crash-dialog.png")
    box.close()
    QApplication.processEvents()
    remove_qt_translations(app)  # type: ignore[arg-type]
    app.setFont(font)  # type: ignore[union-attr]


def test_the_program_window_installs_the_hooks_and_holds_the_folder(tmp_path: Path) -> None:
    """`yichuang run` as a subprocess: while its window is up, restore is refused."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               YICHUANG_NO_CRASH_DIALOG="1")  # fmt: skip
    data = tmp_path / "data"
    _saved_cases(data, 1, FixedClock(datetime(2026, 6, 1, 9, 0)))
    r = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data), "backup"], env=env,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "run", "--data-dir", str(data), "--as", "wangfang",
         "--screenshot", str(tmp_path / "shot.png")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "ready …": the window is up, the lock held
        assert line.startswith("ready"), (line, proc.stderr.read() if proc.stderr else "")
        first = data / "backups"
        backup_file = next(first.glob("manual-*.sqlite3"))
        r = subprocess.run(
            [sys.executable, "-m", "app", "--data-dir", str(data), "restore", str(backup_file)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert r.returncode == 1 and "一窗通正在运行" in r.stderr and str(proc.pid) in r.stderr
    finally:
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (data / "logs" / LOG_FILE).is_file()
    assert not list((data / "running").glob("*.lock"))  # released on exit


# ------------------------------------------------------------------ the running lock


def test_restore_and_a_starting_program_exclude_each_other(tmp_path: Path) -> None:
    from app.data_lock import FolderBusy, hold_for_restore, hold_running, running_programs

    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; sys.path.insert(0, sys.argv[2]); from pathlib import Path;"
         "from app.data_lock import hold_running; l = hold_running(Path(sys.argv[1]));"
         "print('held', flush=True); sys.stdin.read()", str(tmp_path), str(ROOT)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert running_programs(tmp_path) == [child.pid]
        with pytest.raises(FolderBusy, match="正在运行"):
            hold_for_restore(tmp_path)
    finally:
        child.kill()
        child.communicate()
    # killed: its lock file is left but no longer held, so it does not count
    assert running_programs(tmp_path) == []
    with hold_for_restore(tmp_path), pytest.raises(FolderBusy, match="正在从备份恢复"):
        hold_running(tmp_path)
    hold_running(tmp_path).release()


# ------------------------------------------------------------------ backup


def _saved_cases(folder: Path, n: int, clock: FixedClock) -> list[str]:
    from app.context import open_context
    from app.services.counter import CounterService

    ctx = open_context(None, str(folder), clock=clock)
    try:
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        return [
            service.save_intake(demo_intake(ctx.store, Decision.ACCEPT)).case_no  # type: ignore[arg-type]
            for _ in range(n)
        ]
    finally:
        ctx.close()


def _count(db: Path, sql: str) -> int:
    with raw(db) as c:
        return int(c.execute(sql).fetchone()[0])


def test_daily_backup_once_a_day_and_retention(tmp_path: Path) -> None:
    from db.backup import daily_backup, list_backups

    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    _saved_cases(tmp_path, 2, clock)
    db = tmp_path / "yichuang.sqlite3"
    made = []
    for day in range(1, 6):
        for hour in (9, 15):  # a second look the same day makes nothing
            made.append(daily_backup(db, datetime(2026, 6, day, hour, 0), keep=3))
    assert [m is not None for m in made] == [True, False] * 5
    kept = list_backups(tmp_path / "backups")
    assert [b.taken.day for b in kept] == [5, 4, 3]
    assert _count(kept[0].path, "SELECT count(*) FROM cases") == 2
    with raw(kept[0].path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file


def test_backup_command_while_cases_are_saved_is_consistent(tmp_path: Path) -> None:
    from app.cli import main

    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    _saved_cases(tmp_path, 1, clock)
    stop = threading.Event()
    saved: list[str] = []

    def keep_saving() -> None:
        from app.context import open_context
        from app.services.counter import CounterService

        ctx = open_context(None, str(tmp_path), clock=clock)
        service = CounterService(ctx.store, ctx.calendar, ctx.centre, ctx.workstation, clock)
        while not stop.is_set():
            saved.append(service.save_intake(demo_intake(ctx.store, Decision.ACCEPT)).case_no)  # type: ignore[arg-type]
        ctx.close()

    t = threading.Thread(target=keep_saving)
    t.start()
    try:
        outs = [tmp_path / f"b{i}.sqlite3" for i in range(3)]
        for out in outs:
            assert main(["--data-dir", str(tmp_path), "backup", "--out", str(out)]) == 0
    finally:
        stop.set()
        t.join()
    assert len(saved) > 3
    for out in outs:  # every case in a backup is whole: its materials and outbox row
        cases = _count(out, "SELECT count(*) FROM cases")
        assert cases >= 1
        assert (
            _count(out, "SELECT count(DISTINCT case_id) FROM sync_outbox WHERE case_id IS NOT NULL")
            == cases
        )
        assert _count(out, "SELECT count(DISTINCT case_id) FROM case_material") == cases


def test_a_migration_on_start_is_preceded_by_a_backup(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from db.store import alembic_config, open_store

    db = tmp_path / "yichuang.sqlite3"
    engine = create_engine(f"sqlite:///{db}")
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    engine.dispose()
    open_store(f"sqlite:///{db}").close()
    made = list((tmp_path / "backups").glob("premigrate-0007-*.sqlite3"))
    assert len(made) == 1
    assert _count(made[0], "SELECT count(*) FROM alembic_version WHERE version_num='0007'") == 1
    open_store(f"sqlite:///{db}").close()  # at head: no migration, no backup
    assert len(list((tmp_path / "backups").iterdir())) == 1


# ------------------------------------------------------------------ the log viewer


@pytest.mark.gui
def test_managers_read_the_log_in_a_read_only_viewer_clerks_have_no_such_menu(  # type: ignore[no-untyped-def]
    qtbot, app_context, logs_to
) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.fonts import install_font
    from app.ui.intake import Operator
    from app.ui.main_window import MainWindow
    from app.ui.translations import install_qt_translations, remove_qt_translations
    from tests.app.conftest import CLERK, show_window

    app = QApplication.instance()
    font = app.font()  # type: ignore[union-attr]
    install_font(app)  # type: ignore[arg-type]  # as at a real counter, for the picture
    install_qt_translations(app)  # type: ignore[arg-type]
    logs_to(app_context.data_dir)
    logging.getLogger("yichuang.sync").error("sync failed: 县中心无法连接")
    logging.getLogger("yichuang.printing").info("document receipt of 370999101-A1-20260601-0001")
    _flush()
    clerk = show_window(qtbot, MainWindow(app_context, CLERK))
    try:
        titles = [a.text() for a in clerk.menuBar().actions()]
        assert "管理(&M)" not in titles
    finally:
        clerk.runner.shutdown()
        clerk.close()
    manager = show_window(
        qtbot, MainWindow(app_context, Operator("chenzhuren", "陈主任", "1", role="manager"))
    )
    try:
        menu = next(a.menu() for a in manager.menuBar().actions() if a.text() == "管理(&M)")
        action = next(a for a in menu.actions() if a.text() == "运行日志……")
        action.trigger()
        from app.ui.log_viewer import LogViewer

        viewer = next(w for w in manager.findChildren(LogViewer))
        qtbot.waitExposed(viewer)
        assert viewer.text.isReadOnly()
        shown = viewer.text.toPlainText()
        assert "sync failed: 县中心无法连接" in shown and "document receipt" in shown
        viewer.level.setCurrentIndex(2)  # errors only
        assert "sync failed" in viewer.text.toPlainText()
        assert "document receipt" not in viewer.text.toPlainText()
        viewer.level.setCurrentIndex(0)
        viewer.find.setText("370999101-A1")
        assert viewer.text.toPlainText().count("\n") == 0 and "receipt" in viewer.text.toPlainText()
        viewer.find.setText("")
        viewer.resize(1000, 360)
        _picture(viewer, app_context.data_dir, "log-viewer.png")
        viewer.close()
    finally:
        manager.runner.shutdown()
        manager.close()
        remove_qt_translations(app)  # type: ignore[arg-type]
        app.setFont(font)  # type: ignore[union-attr]


def test_the_window_program_turns_an_error_in_a_slot_into_a_crash_log(tmp_path: Path) -> None:
    """The real entry point (`yichuang run`) in a subprocess, with a slot that fails
    half a second after the window is up: a crash log, the message on stderr, and the
    program goes on until it is closed."""
    data = tmp_path / "data"
    code = (
        "import sys\n"
        "from app.ui.main_window import MainWindow\n"
        "def broken(self): raise RuntimeError('warm-up failed')\n"
        "MainWindow.warm_up = broken\n"
        "from app.cli import main\n"
        f"sys.exit(main(['run', '--data-dir', {str(data)!r}, '--as', 'wangfang',"
        " '--quit-after', '3']))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               YICHUANG_NO_CRASH_DIALOG="1")  # fmt: skip
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=180)  # fmt: skip
    assert r.returncode == 0, r.stderr
    crashes = list((data / "logs").glob("crash-*.log"))
    assert len(crashes) == 1, r.stderr
    body = crashes[0].read_text(encoding="utf-8")
    assert "RuntimeError: warm-up failed" in body and "thread: MainThread" in body
    assert "一窗通程序错误（RuntimeError）" in r.stderr and str(crashes[0]) in r.stderr
    assert "uncaught RuntimeError" in (data / "logs" / LOG_FILE).read_text(encoding="utf-8")


def test_a_command_running_on_the_folder_holds_off_a_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`yichuang sync` (or any command that writes) holds the folder like a window."""
    import app.commands.calendar as cal
    from app.cli import main
    from app.data_lock import running_programs

    seen: list[list[int]] = []
    real = cal._status

    def spying(args):  # type: ignore[no-untyped-def]
        seen.append(running_programs(tmp_path))
        return real(args)

    monkeypatch.setattr(cal, "_status", spying)
    assert main(["--data-dir", str(tmp_path), "calendar", "status"]) == 0
    assert seen == [[os.getpid()]]  # held while the command ran
    assert running_programs(tmp_path) == []  # and let go after


def test_the_window_programs_backup_thread_makes_the_days_backup(tmp_path: Path) -> None:
    import time

    from app.services.backup import start_daily_backups
    from app.settings import Settings
    from db.backup import list_backups

    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    _saved_cases(tmp_path, 1, clock)
    settings = Settings(tmp_path / "settings.json")
    settings.set("backup_keep", 2)
    settings.save()
    stop = start_daily_backups(tmp_path / "yichuang.sqlite3", tmp_path, clock, 0, 0.02)
    try:
        for day in (1, 2, 3):
            clock.set(datetime(2026, 6, day, 9, 0))
            deadline = time.monotonic() + 20
            while not any(b.taken.day == day for b in list_backups(tmp_path / "backups")):
                assert time.monotonic() < deadline, f"no backup on day {day}"
                time.sleep(0.02)
    finally:
        stop.set()
    time.sleep(0.1)
    assert [b.taken.day for b in list_backups(tmp_path / "backups")] == [3, 2]  # keep 2


def test_restore_refuses_another_workstations_backup(tmp_path: Path) -> None:
    from app.settings import Settings
    from db.backup import BackupError, backup, restore
    from db.store import alembic_config

    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    other = tmp_path / "a2"
    settings = Settings(other / "settings.json")
    settings.set("workstation", "A2")
    settings.save()
    _saved_cases(other, 1, clock)
    theirs = backup(other / "yichuang.sqlite3", clock.now())
    mine = tmp_path / "a1"
    _saved_cases(mine, 1, clock)
    from alembic.script import ScriptDirectory

    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    with pytest.raises(BackupError, match="来自另一个工作站（A2），本机为 A1"):
        restore(theirs, mine / "yichuang.sqlite3", clock.now(), known_revisions=known,
                allow_unsent_loss=True)  # fmt: skip
    assert _count(mine / "yichuang.sqlite3", "SELECT count(*) FROM cases") == 1


def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    first = _saved_cases(tmp_path, 2, clock)
    assert main(["--data-dir", str(tmp_path), "backup"]) == 0
    made = capsys.readouterr().out
    backup_file = Path(made.split("已备份到 ")[1].split("（")[0])
    later = _saved_cases(tmp_path, 1, clock)  # never synced: restore must say so
    assert main(["--data-dir", str(tmp_path), "restore", str(backup_file)]) == 1
    assert "3 条变更尚未上传县中心" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path), "restore", str(tmp_path / "nope.sqlite3")]) == 2
    assert main(["--data-dir", str(tmp_path), "restore", str(backup_file), "--discard-unsent"]) == 0
    out = capsys.readouterr().out
    assert "已从" in out and "原数据库另存为" in out and "提高了 1 个日期的办件编号" in out
    assert _count(tmp_path / "yichuang.sqlite3", "SELECT count(*) FROM cases") == 2
    # the number given after the backup is not given again
    again = _saved_cases(tmp_path, 1, clock)
    assert again[0] not in first + later and again[0].endswith("-0004")
    assert main(["--data-dir", str(tmp_path), "backup", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "manual" in listing and "replaced" in listing
