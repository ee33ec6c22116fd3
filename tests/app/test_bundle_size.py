"""The bundle's size (issue 19, ≤ 150 MB on Linux): the size report's breakdown,
the check that finds the libraries strip broke (the camera's FFmpeg libraries, which
the loader then refused), and the packing of the rare-character font."""

from __future__ import annotations

import importlib.util
import lzma
import struct
import sys
from pathlib import Path
from types import ModuleType

from app.core import paths

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


size_report = _load("size_report")
elf_check = _load("elf_check")
pack_resources = _load("pack_resources")


def _elf64(loads: list[tuple[int, int]], align: int = 0x1000) -> bytes:
    """A little-endian ELF64 header and program headers: one PT_LOAD per (offset,
    address), then a PT_NOTE that is never checked."""
    phnum = len(loads) + 1
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    head = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    table = b"".join(struct.pack("<IIQQQQQQ", 1, 5, o, a, a, 16, 16, align) for o, a in loads)
    table += struct.pack("<IIQQQQQQ", 4, 4, 0x123, 0x456, 0x456, 4, 4, 0x1000)
    return head + table


def test_a_segment_whose_offset_and_address_disagree_is_found(tmp_path: Path) -> None:
    sound = tmp_path / "libsound.so"
    sound.write_bytes(_elf64([(0, 0), (0x3B000, 0x3B000), (0x25AD90, 0x25AD90)]))
    broken = tmp_path / "libbroken.so"  # as strip left libavformat.so.61
    broken.write_bytes(_elf64([(0, 0), (0x290540, 0x294000)]))
    (tmp_path / "notes.txt").write_text("not an ELF file")
    (tmp_path / "short").write_bytes(b"\x7fELF")
    assert elf_check.misaligned(sound) == []
    assert elf_check.misaligned(broken) == [(0x290540, 0x294000, 0x1000)]
    assert elf_check.broken_libraries(tmp_path) == [broken]
    assert elf_check.main([str(tmp_path)]) == 1


def _tree(root: Path, files: dict[str, int]) -> None:
    for rel, size in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes([len(rel) % 251]) * size)


def test_the_report_sorts_components_and_finds_libraries_shipped_twice(tmp_path: Path) -> None:
    _tree(tmp_path, {
        "yichuang": 3_000_000,
        "_internal/resources/fonts/hanazono-ext-b.ttf.xz": 12_800_000,
        "_internal/resources/fonts/wqy-microhei.ttc": 5_200_000,
        "_internal/PySide6/Qt/lib/libavcodec.so.61": 14_900_000,
        "_internal/PySide6/Qt/lib/libQt6Quick.so.6": 8_300_000,
        "_internal/PySide6/Qt/lib/libQt6Gui.so.6": 11_500_000,
        "_internal/libcrypto.so.3": 4_700_000,
        "_internal/psycopg_binary.libs/libcrypto-3a0647ea.so.3": 5_900_000,
        "_internal/somepkg/data.bin": 100,
    })  # fmt: skip
    (tmp_path / "_internal" / "libQt6Gui.so.6").symlink_to("PySide6/Qt/lib/libQt6Gui.so.6")
    lines, total = size_report.report(tmp_path)
    assert round(total, 1) == 66.3  # the link is not counted
    rows = [ln for ln in lines if ln.startswith("  ") and " MB " in ln and "%" in ln]
    assert rows[0].split("%", 1)[1].strip().startswith("camera: FFmpeg")
    names = [r.split("%", 1)[1].strip() for r in rows]
    assert "font: HanaMin Ext-B (rare characters, B-F) (1 files)" in names
    assert "camera: Qt Quick/Qml (linked by the FFmpeg plugin) (1 files)" in names
    assert "Qt: core libraries (Core, Gui, Widgets, ...) (1 files)" in names
    assert "Python code (PYZ in the executable) (1 files)" in names
    assert "psycopg (libpq, its OpenSSL, Kerberos) (1 files)" in names
    assert "system libraries from the build machine (1 files)" in names
    assert any(n.startswith(size_report.OTHER) for n in names)
    assert any(ln.strip().startswith("libcrypto: ") for ln in lines)
    assert size_report.main([str(tmp_path)]) == 0


def test_the_report_prints_the_figure(tmp_path: Path, capsys: object) -> None:
    _tree(tmp_path, {"yichuang": 1_500_000})
    assert size_report.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.splitlines()[-1] == "figure bundle_size_mb 1.5 MB"
    assert size_report.main([str(tmp_path / "none")]) == 2


def test_the_packed_font_unpacks_to_the_same_bytes_and_is_built_once(
    tmp_path: Path, monkeypatch: object
) -> None:
    source = tmp_path / "hanazono-ext-b.ttf"
    source.write_bytes(bytes(range(256)) * 2000)
    packed = pack_resources.pack(source, tmp_path / "out")
    assert packed.name == "hanazono-ext-b.ttf.xz"
    assert lzma.decompress(packed.read_bytes()) == source.read_bytes()
    stamp = packed.stat().st_mtime_ns
    assert pack_resources.pack(source, tmp_path / "out") == packed  # kept by digest
    assert packed.stat().st_mtime_ns == stamp
    assert pack_resources.SUFFIX == paths.PACKED_SUFFIX
    assert "fonts/hanazono-ext-b.ttf" in pack_resources.PACKED
    assert "fonts/hanazono-ext-b.ttf" in paths.FALLBACK_FONT_FILES
