"""The bundle's trimmed ICU data (packaging/trim_icu.py, issue 19: bundle size): what
goes, what stays, and Qt in a real process on the trimmed library still sorts names by
pinyin, splits Chinese text and knows GB18030 — the selftest's ICU check passes on it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("trim_icu", ROOT / "packaging" / "trim_icu.py")
assert spec is not None and spec.loader is not None
trim_icu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trim_icu)


@pytest.mark.parametrize(
    ("item", "goes"),
    [
        ("fr.res", True),
        ("coll/ja.res", True),
        ("coll/es_.res", True),
        ("rbnf/zh_Hant_HK.res", True),
        ("curr/de_CH.res", True),
        ("translit/root.res", True),
        ("ibm-930_P120-1999.cnv", True),
        ("euc-tw-2014.cnv", True),
        ("zh.res", False),
        ("coll/zh.res", False),
        ("coll/zh_Hans.res", False),
        ("coll/root.res", False),
        ("en_US.res", False),
        ("root.res", False),
        ("pool.res", False),
        ("likelySubtags.res", False),
        ("zoneinfo64.res", False),
        ("gb18030.cnv", False),
        ("windows-936-2000.cnv", False),
        ("coll/ucadata.icu", False),
        ("brkitr/cjdict.dict", False),
        ("brkitr/thaidict.dict", False),  # root's break rules name it
        ("uts46.nrm", False),
    ],
)
def test_what_goes_and_what_stays(item: str, goes: bool) -> None:
    assert trim_icu.removable(item) is goes


def _qt_icu_library() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not sys.platform.startswith("linux") or not found:
        pytest.skip("Qt here does not ship ICU (only Linux wheels do)")
    return found[0]


def test_qt_on_the_trimmed_library_passes_the_selftests_icu_check(tmp_path: Path) -> None:
    library = _qt_icu_library()
    missing = [t for t in trim_icu.TOOLS if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} not found: apt-get install icu-devtools gcc binutils")
        pytest.skip(f"{missing} not found")
    out = trim_icu.trim(library, tmp_path)
    assert out.name == library.name
    assert out.stat().st_size < library.stat().st_size / 3
    code = (
        "import sys; from app.commands import selftest;"
        "print(selftest.check_icu());"
        "import ctypes, re;"
        "maps = open('/proc/self/maps').read();"
        "print([l.split()[-1] for l in maps.splitlines() if 'libicudata' in l][0])"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LD_LIBRARY_PATH=str(tmp_path))
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "拼音排序 阿杰、陈七、李四、王五、张三" in lines[0]
    assert lines[1] == str(out)  # Qt really ran on the trimmed data
