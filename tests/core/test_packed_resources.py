"""Resources the bundle ships packed (issue 19, the bundle's size): the Ext-B font as
.xz, unpacked on first use into the data folder's cache (app/core/paths.py)."""

from __future__ import annotations

import lzma
import threading
from pathlib import Path

import pytest

from app.core import paths

FILE = "fonts/rare.ttf"


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A resources folder of our own (as a bundle's), returned."""
    root = tmp_path / "resources"
    (root / "fonts").mkdir(parents=True)
    monkeypatch.setattr(paths, "resources_dir", lambda: root)
    return root


def pack(root: Path, data: bytes) -> Path:
    out = root / (FILE + paths.PACKED_SUFFIX)
    out.write_bytes(lzma.compress(data, preset=1, check=lzma.CHECK_CRC64))
    return out


def test_a_plain_file_is_read_where_it_ships(shipped: Path, tmp_path: Path) -> None:
    (shipped / FILE).write_bytes(b"plain")
    pack(shipped, b"packed")
    assert paths.packed(FILE) is None
    assert paths.resource_file(FILE, tmp_path / "cache") == shipped / FILE
    assert not (tmp_path / "cache").exists()


def test_a_packed_file_is_unpacked_once_into_the_cache(shipped: Path, tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    pack(shipped, data)
    cache = tmp_path / "cache"
    assert paths.unpacked_if_ready(FILE, cache) is None  # the start path: not yet
    got = paths.resource_file(FILE, cache)
    assert got is not None and got.read_bytes() == data
    assert got.parent == cache / "resources" and got.suffix == ".ttf"
    assert paths.unpacked_if_ready(FILE, cache) == got
    stamp = got.stat().st_mtime_ns
    assert paths.resource_file(FILE, cache) == got and got.stat().st_mtime_ns == stamp
    assert [p.name for p in got.parent.iterdir()] == [got.name]  # no partial file left


def test_a_newer_program_unpacks_its_own_and_removes_the_older_copy(
    shipped: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    pack(shipped, b"version one" * 1000)
    old = paths.resource_file(FILE, cache)
    pack(shipped, b"version two" * 1000)
    new = paths.resource_file(FILE, cache)
    assert old is not None and new is not None and new != old
    assert new.read_bytes() == b"version two" * 1000
    assert not old.exists()


def test_a_broken_pack_fails_and_leaves_nothing_behind(shipped: Path, tmp_path: Path) -> None:
    packed = pack(shipped, bytes(range(256)) * 4000)
    whole = packed.read_bytes()
    packed.write_bytes(whole[: len(whole) // 2])  # cut short
    cache = tmp_path / "cache"
    with pytest.raises(EOFError):
        paths.resource_file(FILE, cache)
    assert list((cache / "resources").iterdir()) == []
    assert paths.unpacked_if_ready(FILE, cache) is None


def test_threads_asking_at_once_get_the_same_whole_file(shipped: Path, tmp_path: Path) -> None:
    data = b"0123456789" * 200_000
    pack(shipped, data)
    cache = tmp_path / "cache"
    got: list[Path | None] = []
    threads = [
        threading.Thread(target=lambda: got.append(paths.resource_file(FILE, cache)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and got[0] is not None and got[0].read_bytes() == data


def test_the_cache_folder_follows_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YICHUANG_CACHE_DIR", str(tmp_path / "env"))
    assert paths.cache_dir() == tmp_path / "env"
    paths.set_cache_dir(tmp_path / "data" / "cache")
    try:
        assert paths.cache_dir() == tmp_path / "data" / "cache"
    finally:
        paths.set_cache_dir(None)
    monkeypatch.delenv("YICHUANG_CACHE_DIR")
    assert paths.cache_dir().parts[-2:] == (paths.APP_FOLDER, "cache")


def test_nothing_shipped_is_none(shipped: Path, tmp_path: Path) -> None:
    assert paths.resource_file(FILE, tmp_path) is None
    assert paths.unpacked_if_ready(FILE, tmp_path) is None


def test_a_partial_file_an_ended_program_left_is_removed_a_live_one_kept(
    shipped: Path, tmp_path: Path
) -> None:
    """A first start closed while it unpacked leaves its .part behind: the next
    unpacking removes it when it is older than a live writer's could be."""
    import os

    pack(shipped, b"font" * 10_000)
    folder = tmp_path / "cache" / "resources"
    folder.mkdir(parents=True)
    abandoned = folder / ".rare-0123456789abcdef.ttf.111.222.part"
    live = folder / ".rare-0123456789abcdef.ttf.333.444.part"
    abandoned.write_bytes(b"half")
    live.write_bytes(b"half")
    got = paths.resource_file(FILE, tmp_path / "cache")
    assert got is not None
    done = got.stat().st_mtime
    os.utime(abandoned, (done - 3600, done - 3600))
    os.utime(live, (done - 5, done - 5))
    got.unlink()  # unpacked again: the cleaning runs after each unpacking
    got = paths.resource_file(FILE, tmp_path / "cache")
    assert got is not None and not abandoned.exists() and live.exists()
