"""Trim ICU's data library for the bundle: keep what a Chinese hall's program needs.

    python packaging/trim_icu.py LIBICUDATA OUT_DIR   -> OUT_DIR/libicudata.so.NN

PySide6's Qt on Linux links ICU, whose data library (libicudata.so.NN, 32 MB) holds
every locale of the world: names of currencies, units, zones, languages and regions in
hundreds of languages, collation rules for each, 200 legacy code pages, transliterators.
Qt asks ICU for collation (QCollator: the pinyin order of names), text boundaries,
case mapping and codecs; the program's own locale data (QLocale) is Qt's, not ICU's.

This keeps ICU's core data whole (normalisation, case mapping, character properties,
break rules and dictionaries, the UCA collation table, likely subtags, time zones,
converter aliases) and, of the locale data, only root, en, en_US and the zh locales;
of the code pages only GB18030, GBK (windows-936), the UTF and ISO-8859 ones; no
transliterators. The result is a library with the same soname exporting the same
``icudtNN_dat`` symbol (16-byte aligned), built with the machine's gcc from the
trimmed package that ``icupkg`` (Debian's icu-devtools) writes.

`yichuang selftest` checks the result in the bundle: the pinyin order of names, Chinese
word boundaries and the GB18030 codec. Needs nm, readelf, icupkg and gcc; without them
it says which is missing and exits 3 (build.spec then keeps the full library).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KEEP_LOCALES = re.compile(
    r"^(root|en|en_US|en_US_POSIX|zh|zh_Hans|zh_Hans_CN|zh_CN|zh_Hant|zh_Hant_TW|zh_TW)$"
)
LOCALE_ITEM = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")  # af, es_, zh_Hant_HK, ...
KEEP_CODEPAGES = re.compile(r"(gb18030|windows-936|ibm-1386|ibm-5478|utf|iso-8859)", re.IGNORECASE)
TOOLS = ("nm", "readelf", "icupkg", "gcc")


def removable(item: str) -> bool:
    """Whether a package item (``coll/fr.res``, ``ibm-930_P120-1999.cnv``) goes."""
    parts = item.split("/")
    name = parts[-1]
    tree = parts[0] if len(parts) > 1 else ""
    if tree == "translit":
        return True
    if name.endswith(".cnv"):
        return not KEEP_CODEPAGES.search(name)
    if name.endswith(".res"):
        stem = name[: -len(".res")]
        return bool(LOCALE_ITEM.match(stem)) and not KEEP_LOCALES.match(stem)
    return False  # .icu, .nrm, .brk, .dict, .spp, .cfu: the core stays


def _run(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def extract(library: Path) -> tuple[str, bytes]:
    """The data symbol's name (``icudt73_dat``) and its bytes (an ICU common data package)."""
    symbols = _run("nm", "-D", "--defined-only", "-S", str(library))
    match = re.search(r"^([0-9a-f]+) ([0-9a-f]+) R (icudt\d+_dat)$", symbols, re.MULTILINE)
    if match is None:
        raise ValueError(f"{library}: no icudtNN_dat symbol")
    address, size, symbol = int(match.group(1), 16), int(match.group(2), 16), match.group(3)
    for line in _run("readelf", "-S", "-W", str(library)).splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 5 and fields[1] == ".rodata":
            section_address, section_offset = int(fields[3], 16), int(fields[4], 16)
            break
    else:
        raise ValueError(f"{library}: no .rodata section")
    start = address - section_address + section_offset
    data = library.read_bytes()[start : start + size]
    if data[2:4] != b"\xda\x27":  # the ICU data header's magic
        raise ValueError(f"{library}: {symbol} is not ICU data")
    return symbol, data


def trim(library: Path, out_dir: Path) -> Path:
    symbol, data = extract(library)
    package = symbol.removesuffix("_dat") + "l"  # icudt73l: little-endian, as shipped
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        dat = folder / f"{package}.dat"
        dat.write_bytes(data)
        items = _run("icupkg", "-l", str(dat)).split()
        (folder / "remove.txt").write_text("\n".join(i for i in items if removable(i)) + "\n")
        subprocess.run(
            ["icupkg", "-r", "remove.txt", dat.name], cwd=folder, capture_output=True, check=True
        )
        (folder / "stub.S").write_text(
            "    .section .rodata\n"
            f"    .globl {symbol}\n"
            f"    .type {symbol}, @object\n"
            "    .balign 16\n"
            f"{symbol}:\n"
            f'    .incbin "{dat.name}"\n'
            f"    .size {symbol}, . - {symbol}\n"
            '    .section .note.GNU-stack,"",@progbits\n'
        )
        out = out_dir / library.name
        subprocess.run(
            [
                "gcc",
                "-shared",
                "-nostdlib",
                "-o",
                str(out),
                "stub.S",
                f"-Wl,-soname,{library.name}",
            ],
            cwd=folder,
            capture_output=True,
            check=True,
        )
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(
            f"trim_icu: {', '.join(missing)} not found (apt-get install icu-devtools gcc binutils)"
        )
        return 3
    library, out_dir = Path(argv[0]), Path(argv[1])
    out = trim(library, out_dir)
    print(
        f"trim_icu: {library.name} {library.stat().st_size / 1e6:.1f} MB -> {out.stat().st_size / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
