"""`yichuang selftest` (issue 19): one line per check, exit status 1 on any failure;
the same command runs in the bundle (`./yc build`, CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("fonts", "pdf", "qt-printing", "database", "translations", "icu", "serial", "keyring",
          "calendar", "camera")  # fmt: skip


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), **env),
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )  # fmt: skip


def test_selftest_passes_from_source_one_line_per_check() -> None:
    r = _run("import sys; from app.cli import main; sys.exit(main(['selftest']))",
             YICHUANG_CLOCK="2026-12-28T10:00")  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("yichuang selftest (source")
    for name in CHECKS:
        assert [ln for ln in lines if ln.startswith("ok ") and f" {name}:" in ln], name
    assert lines[-1] == "selftest: all passed"
    assert "2026年：正式" in r.stdout  # the calendar by the program's clock
    assert "嵌入 " in r.stdout and "+WenQuanYi" in r.stdout  # the font read back from the PDF


def test_selftest_fails_with_the_resources_missing_and_says_which(tmp_path: Path) -> None:
    """As a bundle built without its resources: the frozen root has nothing."""
    code = (
        f"import sys; sys._MEIPASS = {str(tmp_path)!r}; "
        "from app.cli import main; sys.exit(main(['selftest']))"
    )
    r = _run(code, YICHUANG_CLOCK="2029-03-15T10:00")
    assert r.returncode == 1, r.stdout
    failed = {ln.split()[2].rstrip(":") for ln in r.stdout.splitlines() if ln.startswith("FAIL")}
    assert failed == {"fonts", "pdf", "qt-printing", "calendar"}, r.stdout  # Qt prints that PDF
    assert "字体文件不存在" in r.stdout
    assert r.stdout.splitlines()[-1] == "selftest: 4 failed"
    assert "Traceback" not in r.stdout + r.stderr
