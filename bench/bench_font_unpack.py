"""The packed Ext-B font (issue 19, the bundle's size): how long its unpacking takes
the first time (on a worker, after the window is up) and what a later start pays to
find the unpacked copy (on the start path).

Uses the packed file of the last `./yc build` when there is one, else packs the font
as the build does (packaging/pack_resources.py). Run under `flock /tmp/bench.lock`.
Prints ``figure NAME VALUE UNIT`` lines and the machine's load.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core import paths  # noqa: E402

FILE = "fonts/hanazono-ext-b.ttf"


def _packer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "yc_pack_resources", ROOT / "packaging" / "pack_resources.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figure(name: str, value: float, unit: str) -> None:
    print(f"figure {name} {value:.3f} {unit}", flush=True)


def main() -> int:
    source = paths.resource(FILE)
    packed = _packer().pack(source, ROOT / "build" / "pyinstaller" / "build" / "packed")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "resources"
        (root / "fonts").mkdir(parents=True)
        (root / (FILE + paths.PACKED_SUFFIX)).symlink_to(packed)
        paths.resources_dir = lambda: root  # type: ignore[assignment]
        unpack = []
        for i in range(5):
            cache = Path(tmp) / f"cache{i}"
            started = time.perf_counter()
            got = paths.resource_file(FILE, cache)
            unpack.append(time.perf_counter() - started)
            assert got is not None and got.stat().st_size == source.stat().st_size
        find = []
        for _ in range(50):
            started = time.perf_counter()
            assert paths.unpacked_if_ready(FILE, Path(tmp) / "cache0") is not None
            find.append(time.perf_counter() - started)
    figure("font_packed_mb", packed.stat().st_size / 1e6, "MB")
    figure("font_plain_mb", source.stat().st_size / 1e6, "MB")
    figure("font_unpack_first_start_median", statistics.median(unpack), "s")
    figure("font_find_unpacked_later_start_median", statistics.median(find) * 1000, "ms")
    print(
        "load", Path("/proc/loadavg").read_text().strip() if Path("/proc/loadavg").exists() else "?"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
