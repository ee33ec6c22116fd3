"""`yichuang selftest` (issue 19): one line per check, exit status 1 on any failure;
the same command runs in the bundle (`./yc build`, CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("fonts", "rare-font", "pdf", "qt-printing", "database", "translations", "icu", "serial", "keyring",
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
    assert failed == {"fonts", "rare-font", "pdf", "qt-printing", "calendar"}, r.stdout
    assert "字体文件不存在" in r.stdout and "生僻字字体不存在" in r.stdout
    assert r.stdout.splitlines()[-1] == "selftest: 5 failed"
    assert "Traceback" not in r.stdout + r.stderr


def _bundle_resources(tmp_path: Path, ext_b_packed: bytes) -> Path:
    """A frozen root whose resources are this checkout's, but with the Ext-B font
    shipped as the bundle ships it: packed (``ext_b_packed`` as its .xz)."""
    src = ROOT / "resources"
    res = tmp_path / "bundle" / "resources"
    (res / "fonts").mkdir(parents=True)
    for entry in src.iterdir():
        if entry.name != "fonts":
            (res / entry.name).symlink_to(entry)
    for font in (src / "fonts").iterdir():
        if font.name != "hanazono-ext-b.ttf":
            (res / "fonts" / font.name).symlink_to(font)
    (res / "fonts" / "hanazono-ext-b.ttf.xz").write_bytes(ext_b_packed)
    return res.parent


def test_a_broken_packed_rare_font_fails_its_line_alone(tmp_path: Path) -> None:
    import lzma

    whole = lzma.compress((ROOT / "resources/fonts/hanazono-ext-a.ttf").read_bytes()[:400_000])
    root = _bundle_resources(tmp_path, whole[: len(whole) // 2])  # cut short
    code = (
        f"import sys; sys._MEIPASS = {str(root)!r}; "
        "from app.cli import main; sys.exit(main(['selftest']))"
    )
    r = _run(code, YICHUANG_CLOCK="2026-12-28T10:00", YICHUANG_CACHE_DIR=str(tmp_path / "cache"))
    assert r.returncode == 1, r.stdout
    failed = [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL")]
    assert len(failed) == 1 and " rare-font:" in failed[0], r.stdout
    assert not (tmp_path / "cache").exists()  # the user's cache is left alone
    assert "Traceback" not in r.stdout + r.stderr


def test_the_camera_line_fails_when_the_ffmpeg_plugin_does_not_load() -> None:
    """As from the bundle whose stripped FFmpeg libraries the loader refused: Qt finds
    no multimedia plugin (here: no plugin folder at all)."""
    code = (
        "from PySide6.QtCore import QCoreApplication\n"
        "from app.commands.selftest import check_camera, CheckFailed, _qt_app\n"
        "_qt_app(); QCoreApplication.setLibraryPaths([])\n"
        "try:\n    print('ok', check_camera())\n"
        "except CheckFailed as exc:\n    print('FAIL', exc)"
    )
    r = _run(code)
    assert r.stdout.startswith("FAIL") and "FFmpeg 插件未能加载" in r.stdout, r.stdout + r.stderr
    r = _run(code.replace("QCoreApplication.setLibraryPaths([])", "pass"))
    assert r.stdout.startswith("ok") and "FFmpeg 插件已加载" in r.stdout, r.stdout + r.stderr
