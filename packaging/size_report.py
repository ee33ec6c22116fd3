"""What the bundle is made of (issue 19: ≤ 150 MB on Linux): its size by component,
the largest files, the same library shipped twice, and the figure.

    python packaging/size_report.py [dist/yichuang] [--top N]

Sizes are the files' own sizes in MB (10^6 bytes), symbolic links not counted;
the last line is ``figure bundle_size_mb N MB`` (bench/ convention). `./yc build` and
.ci/run's bundle job print it after each build.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# (component, pattern on the path under the bundle folder, "/"-separated), first match
# wins. What each is for is said in docs/packaging.md ("What the bundle holds").
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("font: HanaMin Ext-B (rare characters, B-F)", r"resources/fonts/hanazono-ext-b"),
    ("fonts: Micro Hei, Song titles, HanaMin Ext-A", r"resources/fonts/"),
    ("resources: catalogue, calendar, voice, icons", r"resources/"),
    ("Python code (PYZ in the executable)", r"^yichuang(\.exe)?$"),
    (
        "Python runtime and standard library",
        r"(^|/)(libpython[\d.]+\.so|python3\d*\.dll|base_library\.zip)|/lib-dynload/|^_internal/[^/]+\.pyd$",
    ),
    (
        "camera: FFmpeg (libav*, libsw*)",
        r"(^|/)(lib)?(avcodec|avformat|avutil|swscale|swresample|avdevice|avfilter)[-.\d]*\.(so|dll)",
    ),
    (
        "camera: Qt Quick/Qml (linked by the FFmpeg plugin)",
        r"(^|/)(lib)?Qt6(Quick|Qml)\w*\.(so|dll)",
    ),
    (
        "camera: QtMultimedia and its plugin",
        r"(^|/)(lib)?Qt6Multimedia\w*\.(so|dll)|PySide6/QtMultimedia\w*\.|plugins/multimedia/",
    ),
    ("Qt: ICU (collation, codecs; data trimmed)", r"(^|/)lib(icu\w+)\.so|icu\w*\.dll"),
    (
        "Qt: PDF (QtPdf, A4 printing through Qt)",
        r"(^|/)(lib)?Qt6Pdf\w*\.(so|dll)|PySide6/QtPdf\w*\.|plugins/imageformats/(lib)?qpdf",
    ),
    ("Qt: core libraries (Core, Gui, Widgets, ...)", r"(^|/)(lib)?Qt6\w+\.(so|dll)"),
    (
        "PySide6 and shiboken6 bindings",
        r"(^|/)(PySide6/[^/]+\.(so|pyd)|(lib)?pyside6[\w.]*\.(so|dll)|(lib)?shiboken6[\w.]*\.(so|dll)|shiboken6/)",
    ),
    ("Qt: plugins (platforms, printing, images, input)", r"PySide6/Qt/plugins/"),
    ("Qt: translations (zh_CN)", r"/translations/"),
    ("cryptography (Rust, OpenSSL inside)", r"(^|/)cryptography[^/]*/"),
    ("psycopg (libpq, its OpenSSL, Kerberos)", r"(^|/)psycopg[^/]*/"),
    ("sqlcipher3 (SQLCipher, OpenSSL inside)", r"(^|/)sqlcipher3[^/]*/"),
    ("Pillow (PNG/JPEG for reportlab)", r"(^|/)(PIL|pillow\.libs)/"),
    ("python_calamine (workbook reader)", r"(^|/)python_calamine/"),
    ("pypinyin dictionaries", r"(^|/)pypinyin/"),
    ("python-stdnum data", r"(^|/)stdnum/"),
    ("reportlab", r"(^|/)reportlab/"),
    ("migrations", r"(^|/)db/"),
    (
        "system libraries from the build machine",
        r"^_internal/[^/]+\.so(\.\d+)*$|^_internal/[^/]+\.dll$",
    ),
)
_COMPILED = tuple((name, re.compile(rx)) for name, rx in COMPONENTS)
OTHER = "other Python packages' files"


@dataclass(frozen=True)
class Entry:
    path: str  # relative, "/"-separated
    size: int


def files(root: Path) -> list[Entry]:
    """Every regular file under ``root`` (symbolic links left out: they cost nothing)."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or not p.is_file():
            continue
        out.append(Entry(p.relative_to(root).as_posix(), p.stat().st_size))
    return out


def component(path: str) -> str:
    for name, rx in _COMPILED:
        if rx.search(path):
            return name
    return OTHER


def breakdown(entries: list[Entry]) -> list[tuple[str, int, int]]:
    """(component, bytes, files), largest first."""
    size: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for e in entries:
        c = component(e.path)
        size[c] += e.size
        count[c] += 1
    return sorted(((c, size[c], count[c]) for c in size), key=lambda t: (-t[1], t[0]))


_SONAME_BASE = re.compile(r"^(lib[a-zA-Z0-9_+]+?)(-[0-9a-f]{8})?(\.so|[-\d]*\.dll)")


def duplicates(root: Path, entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Libraries shipped more than once: the same content at two paths, or the same
    library name (``libcrypto``) from two wheels or the system."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        m = _SONAME_BASE.match(e.path.rsplit("/", 1)[-1])
        if m and e.size > 100_000:
            groups[m.group(1)].append(e)
    by_hash: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.size > 100_000:
            h = hashlib.sha256((root / e.path).read_bytes()).hexdigest()
            by_hash[h].append(e)
    out: dict[str, list[Entry]] = {}
    for name, group in groups.items():
        if len(group) > 1:
            out[name] = group
    for group in by_hash.values():
        if len(group) > 1:
            out.setdefault(group[0].path.rsplit("/", 1)[-1] + " (same bytes)", group)
    return sorted(out.items(), key=lambda kv: -sum(e.size for e in kv[1]))


def mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def report(root: Path, top: int = 25) -> tuple[list[str], float]:
    entries = files(root)
    total = sum(e.size for e in entries)
    lines = [f"bundle {root}: {mb(total)} MB in {len(entries)} files", "", "by component:"]
    for name, size, count in breakdown(entries):
        lines.append(f"  {mb(size):>6} MB {100 * size / total:5.1f}%  {name} ({count} files)")
    lines += ["", f"largest {top} files:"]
    for e in sorted(entries, key=lambda e: -e.size)[:top]:
        lines.append(f"  {mb(e.size):>6} MB  {e.path}")
    dups = duplicates(root, entries)
    if dups:
        lines += ["", "shipped more than once:"]
        for name, group in dups:
            where = ", ".join(f"{e.path} {mb(e.size)}" for e in group)
            lines.append(f"  {name}: {where}")
    return lines, total / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default="dist/yichuang")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    root = Path(args.bundle)
    if not root.is_dir():
        print(f"size_report: no bundle at {root} (./yc build)", file=sys.stderr)
        return 2
    lines, total = report(root, args.top)
    print("\n".join(lines))
    print(f"figure bundle_size_mb {total:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
