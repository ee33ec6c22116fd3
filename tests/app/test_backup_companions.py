"""The hall's queue store (queue.sqlite3 in the data folder) and settings.json go into
every backup beside the database and come back with `yichuang restore` — real files,
a real queue store with tickets issued while the backup runs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from app.cli import main
from app.core.clock import FixedClock
from app.services.queue import QueueService, queue_url
from app.settings import Settings
from tests.app.test_operations import ROOT, _saved_cases
from tests.rawdb import raw

CLOCK = FixedClock(datetime(2026, 6, 1, 9, 0))


def _tickets(queue_file: Path) -> int:
    with raw(queue_file) as c:
        return int(c.execute("SELECT count(*) FROM queue_ticket").fetchone()[0])


def _hall(folder: Path, tickets: int) -> QueueService:
    queue = QueueService(queue_url("", folder), seed=True, clock=CLOCK.now)
    for _ in range(tickets):
        queue.issue("ZH")
    return queue


def _set(folder: Path, **values: object) -> None:
    s = Settings.load(folder / "settings.json")
    s.update(values)
    s.save()


def _backup(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    assert main(["--data-dir", str(folder), "backup", *extra]) == 0
    out = capsys.readouterr().out
    return Path(out.split("已备份到 ")[1].split("（")[0])


def test_backup_takes_the_queue_store_and_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_cases(tmp_path, 1, CLOCK)
    _set(tmp_path, hall_name="城关镇便民服务中心", printers={"*": "HP_LaserJet_A4"})
    queue = _hall(tmp_path, 3)
    stop = threading.Event()
    issued: list[int] = []

    def kiosk() -> None:  # the kiosk goes on issuing tickets during the backup
        while not stop.is_set():
            queue.issue("SB")
            issued.append(1)

    t = threading.Thread(target=kiosk)
    t.start()
    try:
        made = [_backup(tmp_path, capsys) for _ in range(2)]
    finally:
        stop.set()
        t.join()
        queue.close()
    assert issued
    for backup_file in made:
        copy = backup_file.with_name(backup_file.name.replace(".sqlite3", ".queue.sqlite3"))
        with raw(copy) as c:
            assert c.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
        assert _tickets(copy) >= 3
        settings_copy = backup_file.with_name(
            backup_file.name.replace(".sqlite3", ".settings.json")
        )
        assert json.loads(settings_copy.read_text(encoding="utf-8"))["printers"] == {
            "*": "HP_LaserJet_A4"
        }
    assert main(["--data-dir", str(tmp_path), "backup", "--list"]) == 0
    listing = capsys.readouterr().out
    assert listing.count(" + queue + settings") == 2


def test_restore_puts_the_queue_store_and_the_settings_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_cases(tmp_path, 1, CLOCK)
    _set(tmp_path, hall_name="城关镇便民服务中心")
    _hall(tmp_path, 2).close()
    backup_file = _backup(tmp_path, capsys)
    # after the backup: more tickets, a changed setting
    _hall(tmp_path, 5).close()
    _set(tmp_path, hall_name="改错了的名称")
    assert _tickets(tmp_path / "queue.sqlite3") == 7

    assert main(["--data-dir", str(tmp_path), "restore", str(backup_file), "--discard-unsent"]) == 0
    out = capsys.readouterr().out
    assert f"已从备份恢复 {tmp_path / 'queue.sqlite3'}" in out
    assert f"已从备份恢复 {tmp_path / 'settings.json'}" in out
    assert _tickets(tmp_path / "queue.sqlite3") == 2
    assert Settings.load(tmp_path / "settings.json").get("hall_name") == "城关镇便民服务中心"
    # what was replaced is kept, as the database is
    replaced_queue = list((tmp_path / "backups").glob("replaced-*.queue.sqlite3"))
    replaced_settings = list((tmp_path / "backups").glob("replaced-*.settings.json"))
    assert len(replaced_queue) == 1 and _tickets(replaced_queue[0]) == 7
    assert (
        json.loads(replaced_settings[0].read_text(encoding="utf-8"))["hall_name"] == "改错了的名称"
    )
    # the restored queue store opens and goes on
    queue = QueueService(queue_url("", tmp_path), clock=CLOCK.now)
    try:
        assert queue.issue("ZH").display
    finally:
        queue.close()


def test_only_database_leaves_the_queue_and_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_cases(tmp_path, 1, CLOCK)
    _hall(tmp_path, 2).close()
    backup_file = _backup(tmp_path, capsys)
    _hall(tmp_path, 1).close()
    _set(tmp_path, hall_name="新名称")
    args = ["--data-dir", str(tmp_path), "restore", str(backup_file), "--discard-unsent"]
    assert main([*args, "--only-database"]) == 0
    assert "已从备份恢复" not in capsys.readouterr().out.replace(f"已从 {backup_file}", "")
    assert _tickets(tmp_path / "queue.sqlite3") == 3
    assert Settings.load(tmp_path / "settings.json").get("hall_name") == "新名称"


def test_a_broken_queue_copy_stops_the_restore_before_anything_is_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_cases(tmp_path, 1, CLOCK)
    _hall(tmp_path, 2).close()
    backup_file = _backup(tmp_path, capsys)
    copy = backup_file.with_name(backup_file.name.replace(".sqlite3", ".queue.sqlite3"))
    copy.write_bytes(b"not a database" * 100)
    _hall(tmp_path, 1).close()
    db_before = (tmp_path / "yichuang.sqlite3").read_bytes()
    args = ["--data-dir", str(tmp_path), "restore", str(backup_file), "--discard-unsent"]
    assert main(args) == 1
    assert copy.name in capsys.readouterr().err
    assert (tmp_path / "yichuang.sqlite3").read_bytes() == db_before
    assert _tickets(tmp_path / "queue.sqlite3") == 3


def test_restore_is_refused_while_a_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _saved_cases(tmp_path, 1, CLOCK)
    _hall(tmp_path, 2).close()
    backup_file = _backup(tmp_path, capsys)
    _hall(tmp_path, 1).close()
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; sys.path.insert(0, sys.argv[2]); from pathlib import Path;"
         "from app.data_lock import hold_running; l = hold_running(Path(sys.argv[1]));"
         "print('held', flush=True); sys.stdin.read()", str(tmp_path), str(ROOT)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        args = ["--data-dir", str(tmp_path), "restore", str(backup_file), "--discard-unsent"]
        assert main(args) == 1
        assert "正在运行" in capsys.readouterr().err
        assert _tickets(tmp_path / "queue.sqlite3") == 3
    finally:
        child.kill()
        child.communicate()


def test_daily_backups_take_them_too_and_retention_removes_them(tmp_path: Path) -> None:
    from app.services.backup import backup_now_if_due
    from db.backup import list_backups

    _saved_cases(tmp_path, 1, CLOCK)
    _set(tmp_path, backup_keep=2)
    _hall(tmp_path, 1).close()
    clock = FixedClock(datetime(2026, 6, 1, 9, 0))
    for day in (1, 2, 3):
        clock.set(datetime(2026, 6, day, 9, 0))
        assert backup_now_if_due(tmp_path / "yichuang.sqlite3", tmp_path, clock) is not None
    kept = list_backups(tmp_path / "backups")
    assert [b.taken.day for b in kept] == [3, 2]
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert names == [
        "auto-20260602-090000.queue.sqlite3",
        "auto-20260602-090000.settings.json",
        "auto-20260602-090000.sqlite3",
        "auto-20260603-090000.queue.sqlite3",
        "auto-20260603-090000.settings.json",
        "auto-20260603-090000.sqlite3",
    ]


def test_a_queue_store_elsewhere_or_on_postgresql(tmp_path: Path) -> None:
    from app.services.backup import companions

    assert companions(tmp_path) == {
        "settings": tmp_path / "settings.json",
        "queue": tmp_path / "queue.sqlite3",
    }
    _set(tmp_path, queue_url=f"sqlite:///{tmp_path / 'hall' / 'q.sqlite3'}")
    assert companions(tmp_path)["queue"] == tmp_path / "hall" / "q.sqlite3"
    _set(tmp_path, queue_url="postgresql://queue@10.1.2.3/hall")
    assert companions(tmp_path) == {"settings": tmp_path / "settings.json"}  # pg_dump's job
