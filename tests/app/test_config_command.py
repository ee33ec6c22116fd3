"""`yichuang config` as the county IT person runs it: a real subprocess on a real data
folder, wrong values named with their field and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, hall: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", YICHUANG_HALL_FILE=str(hall or ""))
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )


def test_check_names_every_wrong_field_of_a_hall_file(tmp_path: Path) -> None:
    hall = tmp_path / "hall.json"
    hall.write_text(
        json.dumps({
            "_说明": "城关镇，县信息中心 2026-12",
            "centre_code": "370982101",
            "workstation": "B7",
            "central_url": "postgresql://yc_370982101:secret@10.1.2.3/yichuang",
            "receipt_format": "58mm",
        }, ensure_ascii=False),
        encoding="utf-8",
    )  # fmt: skip
    result = run("--data-dir", str(tmp_path / "data"), "config", "check", str(hall))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{hall}：县中心数据库地址：不能含密码")
    assert "yichuang sync set-up" in lines[0] and "secret" not in result.stderr
    assert lines[1].startswith(f"{hall}：受理回执纸张：只能是 A4")
    hall.write_text('{"centre_code": "370982101", "workstation": "b7"}', encoding="utf-8")
    ok = run("--data-dir", str(tmp_path / "data"), "config", "check", str(hall))
    assert ok.returncode == 0, ok.stderr
    assert f"{hall}：2 项设置，无误" in ok.stdout
    missing = run("--data-dir", str(tmp_path / "data"), "config", "check", str(tmp_path / "x.json"))
    assert missing.returncode == 2 and "无法读取" in missing.stderr


def test_first_start_seeds_then_set_show_and_check(tmp_path: Path) -> None:
    data = tmp_path / "data"
    hall = tmp_path / "hall.json"
    hall.write_text(
        '{"centre_code": "370982101", "workstation": "B7", "hall_name": "城关镇便民服务中心"}',
        encoding="utf-8",
    )
    shown = run("--data-dir", str(data), "config", "show", hall=hall)
    assert shown.returncode == 0, shown.stderr
    assert f"大厅配置文件：{hall}" in shown.stdout
    line = next(x for x in shown.stdout.splitlines() if x.startswith("workstation "))
    assert "B7" in line and "（大厅文件；" in line
    line = next(x for x in shown.stdout.splitlines() if x.startswith("court "))
    assert "示范县人民法院" in line and "（默认；" in line

    bad = run("--data-dir", str(data), "config", "set", "sync_interval_s", "2", hall=hall)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "自动同步间隔：应在5至3600秒之间，现在是2秒"
    bad = run("--data-dir", str(data), "config", "set", "centre", "1", hall=hall)
    assert bad.returncode == 2 and "未知的设置项“centre”" in bad.stderr
    good = run(
        "--data-dir", str(data), "config", "set", "hall_name", "城关镇政务服务中心", hall=hall
    )
    assert good.returncode == 0, good.stderr
    ws = run("--data-dir", str(data), "config", "set", "workstation", "c2", hall=hall)
    assert ws.returncode == 0 and "已保存 workstation = C2" in ws.stdout
    assert "此项在下次启动程序时生效" in ws.stdout

    # the IT person's hall file comes again (a reinstall): the changes made here stay
    stored = json.loads((data / "settings.json").read_text(encoding="utf-8"))
    assert stored["hall_name"] == "城关镇政务服务中心" and stored["workstation"] == "C2"
    again = run("--data-dir", str(data), "config", "show", "--json", hall=hall)
    values = json.loads(again.stdout)
    assert values["hall_name"] == "城关镇政务服务中心"
    assert values["workstation"] == "C2"
    assert values["centre_code"] == "370982101"

    # a value broken by hand in settings.json is found by check and show
    stored["court"] = "示范县人民政府"
    (data / "settings.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    checked = run("--data-dir", str(data), "config", "check", hall=hall)
    assert checked.returncode == 2
    assert f"{data / 'settings.json'}：行政诉讼管辖法院：应为法院的全称" in checked.stderr
    assert f"{hall}：3 项设置，无误" in checked.stdout
    shown = run("--data-dir", str(data), "config", "show", hall=hall)
    assert shown.returncode == 2 and "← 行政诉讼管辖法院：" in shown.stdout


def test_check_touches_no_data_folder(tmp_path: Path) -> None:
    """The .deb's postinst runs `config check` as root: it must not seed a data folder
    nor hold it (its log goes there, as every command's does)."""
    hall = tmp_path / "hall.json"
    hall.write_text('{"workstation": "B7"}', encoding="utf-8")
    data = tmp_path / "data"
    result = run("--data-dir", str(data), "config", "check", str(hall), hall=hall)
    assert result.returncode == 0, result.stderr
    assert not (data / "settings.json").exists()
    assert not (data / "running").exists()
