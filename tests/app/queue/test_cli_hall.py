"""`yichuang demo hall` starts the roles as separate processes on one store and stops
them all; `queue seed-demo|stats|close-day` work on the same store."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from app.cli import main
from app.services.queue import QueueService, queue_url
from app.ui.queue.roles import resolve_role

ROOT = Path(__file__).resolve().parents[3]


def test_queue_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path)
    assert main(["--data-dir", data, "queue", "seed-demo"]) == 0
    assert "已写入演示大厅配置：4 个业务类别，4 个窗口" in capsys.readouterr().out
    assert main(["--data-dir", data, "queue", "seed-demo"]) == 0
    assert "已有业务类别，未作改动" in capsys.readouterr().out
    service = QueueService(queue_url("", tmp_path))
    try:
        service.issue("ZH")
        service.issue("ZH")
        service.call_next("1", clerk="wangfang")
        service.finish("1", clerk="wangfang")
    finally:
        service.close()
    assert main(["--data-dir", data, "queue", "stats"]) == 0
    out = capsys.readouterr().out
    assert f"业务日 {date.today().isoformat()} 排队统计" in out
    assert "全部\t取号 2\t叫号 1\t办结 1\t过号 0" in out
    assert "类别 综合受理\t取号 2" in out and "人员 wangfang" in out
    assert main(["--data-dir", data, "queue", "stats", "--day", "2026-13-01"]) == 2
    assert "不是有效日期" in capsys.readouterr().err
    assert main(["--data-dir", data, "queue", "close-day"]) == 0
    assert "日终清号完成：0 个" in capsys.readouterr().out


def test_an_unreachable_queue_store_is_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    url = f"sqlite:///{blocker}/sub/queue.sqlite3"  # a folder inside a file
    assert main(["queue", "stats", "--queue-url", url]) == 1
    assert "无法" in capsys.readouterr().err


def test_the_role_comes_from_the_command_line_or_the_settings(tmp_path: Path) -> None:
    import argparse

    assert resolve_role(argparse.Namespace(role="kiosk", data_dir=str(tmp_path))) == "kiosk"
    assert resolve_role(argparse.Namespace(role=None, data_dir=str(tmp_path))) == "counter"
    (tmp_path / "settings.json").write_text('{"role": "display"}', encoding="utf-8")
    assert resolve_role(argparse.Namespace(role=None, data_dir=str(tmp_path))) == "display"
    (tmp_path / "settings.json").write_text('{"role": "toaster"}', encoding="utf-8")
    assert resolve_role(argparse.Namespace(role=None, data_dir=str(tmp_path))) == "counter"


@pytest.mark.slow
def test_demo_hall_starts_every_role_and_stops_them_all(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICHUANG_NO_CRASH_DIALOG="1")
    result = subprocess.run(
        [sys.executable, "-m", "app", "demo", "hall", "--data-dir", str(tmp_path),
         "--with-manager", "--quit-after", "4"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for role in ("kiosk ready", "display ready", "manager ready"):
        assert role in out, out
    assert out.count("counter ready") == 2, out  # the counter windows, signed in
    assert "演示大厅已关闭" in out
    assert "Traceback" not in result.stderr, result.stderr
    # the simulated ID-card reader is in the hall's devices, for window 1's counter
    import json

    devices = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))["devices"]
    readers = [d for d in devices if d["kind"] == "id_reader"]
    assert [r["window"] for r in readers] == ["1"], devices
    service = QueueService(queue_url("", tmp_path))
    try:
        assert [c.prefix for c in service.snapshot().categories] == ["A", "B", "C", "D"]
    finally:
        service.close()
