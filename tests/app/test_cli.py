"""The `yichuang` command as installers and scripts use it: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_CATALOG
from tests.workbooks import ITEM_ROW, write_book


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_deadline_prints_the_due_date_on_its_last_line() -> None:
    result = run("deadline", "--from", "2026-02-12", "--days", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2026-02-26"


def test_deadline_in_a_year_without_its_calendar_is_estimated_and_says_so() -> None:
    result = run("deadline", "--from", "2027-03-01", "--days", "5", "--today", "2027-03-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "2027-03-08"
    assert any(line.startswith("2027年日历：估算") for line in lines)
    assert "该日期在国务院公布2027年节假日安排之前计算" in result.stdout


def test_deadline_bad_date() -> None:
    result = run("deadline", "--from", "2026-13-01", "--days", "5")
    assert result.returncode == 2 and "不是有效日期" in result.stderr


def test_catalog_check_good_and_broken(tmp_path: Path) -> None:
    ok = run("catalog", "check", str(DEMO_CATALOG))
    assert ok.returncode == 0 and "检查通过" in ok.stdout
    broken = write_book(tmp_path / "b.xlsx", [dict(ITEM_ROW, 事项名称="", 承诺时限=-1)])
    bad = run("catalog", "check", str(broken))
    assert bad.returncode == 2
    assert "工作表“事项”第2行“事项名称”列：不能为空" in bad.stderr
    assert "工作表“事项”第2行“承诺时限”列：不能小于0" in bad.stderr


def test_catalog_import_writes_nothing_when_anything_is_wrong(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    broken = write_book(tmp_path / "b.xlsx", omit_sheets=("材料",))
    result = run("catalog", "import", str(broken), "--db", str(db))
    assert result.returncode == 2 and "缺少此工作表" in result.stderr
    assert not db.exists()  # nothing opened, nothing written

    first = run("catalog", "import", str(DEMO_CATALOG), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "新增版本 27 个" in first.stdout and "一件事：新增版本 4 个" in first.stdout
    again = run("catalog", "import", str(DEMO_CATALOG), "--db", str(db))
    assert again.returncode == 0 and "新增版本 0 个，未变化 27 个" in again.stdout

    out = tmp_path / "export.json"
    exported = run("catalog", "export", str(out), "--db", str(db))
    assert exported.returncode == 0 and out.exists()
    round_trip = run("catalog", "check", str(out))
    assert round_trip.returncode == 0 and "27 个事项" in round_trip.stdout
    assert "4 个一件事" in round_trip.stdout  # the export carries the bundles


def test_a_broken_bundle_is_named_and_the_items_are_imported(tmp_path: Path) -> None:
    import json

    db = tmp_path / "c.sqlite3"
    out = tmp_path / "demo.json"
    assert run("catalog", "import", str(DEMO_CATALOG), "--db", str(db)).returncode == 0
    assert run("catalog", "export", str(out), "--db", str(tmp_path / "c.sqlite3")).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    data["一件事事项"][0]["事项编码"] = "370999-XX-404"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    fresh = tmp_path / "fresh.sqlite3"
    result = run("catalog", "import", str(out), "--db", str(fresh))
    assert result.returncode == 0, result.stderr
    assert "新增版本 27 个" in result.stdout and "一件事：新增版本 3 个" in result.stdout
    assert "工作表“一件事事项”第1条“事项编码”列：事项“370999-XX-404”不在“事项”工作表中" in (
        result.stderr
    )


def test_catalog_import_refuses_a_changed_published_version(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    assert (
        run("catalog", "import", str(write_book(tmp_path / "a.xlsx")), "--db", str(db)).returncode
        == 0
    )
    changed = write_book(tmp_path / "b.xlsx", [dict(ITEM_ROW, 承诺时限=1)])
    result = run("catalog", "import", str(changed), "--db", str(db))
    assert result.returncode == 2 and "提高版本号" in result.stderr


def test_idcheck() -> None:
    assert run("idcheck", "11010519491231002X").returncode == 0
    bad = run("idcheck", "110105194912310021")
    assert bad.returncode == 2 and "校验位不符" in bad.stderr
