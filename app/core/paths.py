"""Where shipped resources live: next to the packages in a checkout, or inside a
PyInstaller bundle (sys._MEIPASS) when frozen."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path


def resources_dir() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


CJK_FONT_FILE = "fonts/wqy-microhei.ttc"
"""WenQuanYi Micro Hei (Apache-2.0), a TrueType collection: reportlab and Qt both read
its glyf outlines, so Chinese shows and prints on machines without any CJK font."""

FALLBACK_FONT_FILES = ("fonts/hanazono-ext-a.ttf", "fonts/hanazono-ext-b.ttf")
"""Rare Han characters Micro Hei lacks, in its order of precedence: CJK Extension A and
the newest unified ideographs (A), CJK Extensions B–F (B). Subsets of HanaMin
(Hanazono Font License) made by scripts/make_fallback_fonts.py; TrueType, so reportlab
embeds them in PDFs as it does Micro Hei."""


PACKED_SUFFIX = ".xz"
"""A shipped file may come packed: ``fonts/hanazono-ext-b.ttf`` as
``fonts/hanazono-ext-b.ttf.xz`` (the bundle: 30.6 MB of outlines become 12.8 MB,
packaging/pack_resources.py). :func:`resource_file` unpacks it on first use."""

APP_FOLDER = "YiChuang"  # the data folder's name (db/location.py's APP_NAME)

_cache_dir: Path | None = None
_unpack_lock = threading.Lock()


def set_cache_dir(folder: Path | None) -> None:
    """Where packed resources are unpacked: the data folder's ``cache`` (set at start
    from the folder the program runs on); None goes back to the default."""
    global _cache_dir
    _cache_dir = folder


def cache_dir() -> Path:
    """The folder packed resources are unpacked into: as set, else
    ``YICHUANG_CACHE_DIR``, else ``cache`` in the user's default data folder."""
    if _cache_dir is not None:
        return _cache_dir
    env = os.environ.get("YICHUANG_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_FOLDER, appauthor=False)) / "cache"


def packed(file: str) -> Path | None:
    """The packed form of a shipped file when that is how it ships (no plain copy)."""
    if resource(file).is_file():
        return None
    path = resource(file + PACKED_SUFFIX)
    return path if path.is_file() else None


def _unpacked_name(file: str, source: Path) -> tuple[str, str]:
    """(stem, name) of the unpacked copy: the name carries a digest of the packed
    file's size and tail, so a newer program never reads an older program's copy. The
    tail of an .xz file holds the check (CRC64) of what it unpacks to and its index,
    so a few kilobytes name the content without reading 13 MB on the start path."""
    import hashlib

    size = source.stat().st_size
    with source.open("rb") as f:
        f.seek(max(0, size - 4096))
        tail = f.read()
    digest = hashlib.sha256(str(size).encode() + tail).hexdigest()[:16]
    base = Path(file).name
    stem, dot, ext = base.partition(".")
    return stem, f"{stem}-{digest}{dot}{ext}"


def unpacked_if_ready(file: str, cache: Path | None = None) -> Path | None:
    """The unpacked copy of a packed shipped file if one is already there (no
    unpacking: cheap enough for the start path), else None."""
    source = packed(file)
    if source is None:
        return None
    target = (cache or cache_dir()) / "resources" / _unpacked_name(file, source)[1]
    return target if target.is_file() else None


def resource_file(file: str, cache: Path | None = None) -> Path | None:
    """A shipped file ready to read: the file itself where it ships plain (a
    checkout), else its packed form unpacked into the cache folder — now, the first
    time (about a second for the Ext-B font: call it off the GUI thread), atomically
    (another process unpacking at the same time is harmless), older programs' copies
    of the same file removed. None when neither form ships."""
    plain = resource(file)
    if plain.is_file():
        return plain
    source = packed(file)
    if source is None:
        return None
    import lzma  # read only when something is unpacked

    folder = (cache or cache_dir()) / "resources"
    stem, name = _unpacked_name(file, source)
    target = folder / name
    with _unpack_lock:
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.part"
        try:
            with lzma.open(source, "rb") as src, part.open("wb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    out.write(block)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        for old in folder.glob(f"{stem}-*"):
            if old != target and not old.name.startswith("."):
                with contextlib.suppress(OSError):  # still open elsewhere (Windows)
                    old.unlink()
        _remove_abandoned_parts(folder, stem, target)
    return target


ABANDONED_PART_SECONDS = 60
"""A partial unpacking untouched this long before ours finished was abandoned (its
program ended mid-way: a first start closed within the second the unpacking takes);
a live one is written to every few milliseconds."""


def _remove_abandoned_parts(folder: Path, stem: str, done: Path) -> None:
    """Remove partial files other programs left, dated against the file just
    written (no clock read)."""
    finished = done.stat().st_mtime
    for part in folder.glob(f".{stem}-*.part"):
        with contextlib.suppress(OSError):  # gone meanwhile, or still open (Windows)
            if finished - part.stat().st_mtime > ABANDONED_PART_SECONDS:
                part.unlink()
