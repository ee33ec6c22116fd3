"""Pack the big resources the bundle rarely reads (build.spec, `./yc build`).

The HanaMin Ext-B subset (resources/fonts/hanazono-ext-b.ttf, 30.6 MB: CJK Extensions
B-F for rare characters in names) is shipped xz-compressed, 13.3 MB; the program
unpacks it into the data folder's cache on first use (app/core/paths.resource_file),
off the GUI thread, in about a second. The packed file is kept in the build folder
under the source's digest, so a rebuild with the same font does not compress again
(about a minute and a half on a quiet CI machine).

    python packaging/pack_resources.py SOURCE OUT_FOLDER   # prints the packed file
"""

from __future__ import annotations

import hashlib
import lzma
import os
import sys
import time
from pathlib import Path

PACKED = ("fonts/hanazono-ext-b.ttf",)
"""Resources shipped packed (paths under resources/). Only rare-character fonts: a
file the start path reads must stay plain."""

SUFFIX = ".xz"  # app/core/paths.PACKED_SUFFIX


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def pack(source: Path, out_folder: Path) -> Path:
    """``out_folder/<digest>/<name>.xz``: the source compressed (xz preset 6, CRC64
    check: its tail then names the content, see app/core/paths._unpacked_name).
    Preset 9e saves 0.6 MB more (12.8 against 13.3 MB) for three times the CPU."""
    target = out_folder / digest(source) / (source.name + SUFFIX)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    with (
        source.open("rb") as src,
        lzma.open(part, "wb", preset=6, check=lzma.CHECK_CRC64) as out,
    ):
        for block in iter(lambda: src.read(1 << 20), b""):
            out.write(block)
    os.replace(part, target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source, folder = Path(argv[0]), Path(argv[1])
    started = time.perf_counter()
    target = pack(source, folder)
    print(
        f"pack_resources: {source.name} {source.stat().st_size / 1e6:.1f} MB -> "
        f"{target.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - started:.1f} s)"
    )
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
