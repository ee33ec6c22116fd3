"""Shared libraries that `strip` broke (build.spec, after PyInstaller's COLLECT).

PyInstaller's ``strip=True`` runs binutils' strip over every collected library. On
libraries whose segments patchelf moved (the FFmpeg libraries PySide6's wheels ship
for the camera plugin) strip writes a loadable segment whose file offset and address
no longer agree modulo the page size, and the dynamic loader then refuses the
library ("ELF load command address/offset not page-aligned"): the camera's FFmpeg
plugin did not load from the bundle, silently. :func:`misaligned` finds such files;
build.spec puts the unstripped original back for each.

    python packaging/elf_check.py dist/yichuang     # lists broken libraries, exit 1
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

PT_LOAD = 1


def misaligned(path: Path) -> list[tuple[int, int, int]]:
    """(offset, address, alignment) of each loadable segment of the ELF file at
    ``path`` whose offset and address differ modulo its alignment; [] for a sound
    file or a file that is not ELF."""
    with path.open("rb") as f:
        ident = f.read(16)
        if len(ident) < 16 or ident[:4] != b"\x7fELF":
            return []
        wide = ident[4] == 2  # ELFCLASS64
        order = "<" if ident[5] == 1 else ">"
        if wide:
            head = f.read(48)
            if len(head) < 48:
                return []
            phoff = struct.unpack_from(order + "Q", head, 16)[0]
            phentsize, phnum = struct.unpack_from(order + "HH", head, 38)
        else:
            head = f.read(36)
            if len(head) < 36:
                return []
            phoff = struct.unpack_from(order + "I", head, 12)[0]
            phentsize, phnum = struct.unpack_from(order + "HH", head, 26)
        bad = []
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            entry = f.read(phentsize)
            if wide:
                kind, _flags, offset, vaddr, _paddr, _fsz, _msz, align = struct.unpack_from(
                    order + "IIQQQQQQ", entry
                )
            else:
                kind, offset, vaddr, _paddr, _fsz, _msz, _flags, align = struct.unpack_from(
                    order + "IIIIIIII", entry
                )
            if kind == PT_LOAD and align > 1 and offset % align != vaddr % align:
                bad.append((offset, vaddr, align))
        return bad


def broken_libraries(root: Path) -> list[Path]:
    """Every ELF file under ``root`` with a misaligned loadable segment."""
    return [
        p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink() and misaligned(p)
    ]


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else "dist/yichuang")
    broken = broken_libraries(root)
    for p in broken:
        print(f"misaligned: {p.relative_to(root)} {misaligned(p)}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
