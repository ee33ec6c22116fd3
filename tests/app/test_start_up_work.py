"""What the start of the program does and does not do (issue 14, item 6). The speed
itself is measured by bench/bench_counter.py; these tests hold the reasons for it:
the first start of a new workstation loads neither Alembic nor pypinyin, the daily
start not the lunar calendar — and what was spared still comes out right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.context import DEMO_CATALOG, DEMO_READINGS, open_context
from app.core.accounts import DEMO_PASSWORD, verify_password
from app.core.paths import resource
from app.core.search import ItemIndex, readings
from app.core.workdays import load_calendar_dir, shipped_calendar
from app.services.catalog_files import read_catalog
from db.catalog_repo import search_entries
from db.clerk_repo import DEMO_CLERKS, ensure_demo_clerks
from db.models import ClerkRow

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_first_start_loads_neither_alembic_nor_pypinyin(tmp_path: Path) -> None:
    loaded = _modules_after(
        "from app.context import open_context\n"
        "from db.clerk_repo import ensure_demo_clerks\n"
        f"ctx = open_context(data_dir={str(tmp_path)!r})\n"
        "with ctx.store.session() as s, s.begin():\n"
        "    assert ensure_demo_clerks(s)\n"
        "assert len(ctx.item_index()) == 27\n"
        "from db.catalog_repo import current_bundles\n"
        "with ctx.store.session() as s:\n"
        "    assert len(current_bundles(s)) == 4  # the demo bundles (一件事)\n"
    )
    assert "alembic" not in loaded  # the new store is made from the models
    assert "pypinyin" not in loaded  # the demo items' pinyin was computed at build time
    assert "lunar_python" not in loaded  # the shipped calendar was checked by the tests


def test_the_daily_start_does_not_load_the_lunar_calendar(tmp_path: Path) -> None:
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s, s.begin():
        ensure_demo_clerks(s)
    ctx.close()
    loaded = _modules_after(
        "from app.quick_start import quick_context\n"
        f"quick = quick_context(None, {str(tmp_path)!r})\n"
        "assert quick is not None\n"
    )
    assert "lunar_python" not in loaded and "sqlalchemy" not in loaded


def test_the_shipped_readings_are_what_pypinyin_says(tmp_path: Path) -> None:
    """Regenerate with scripts/build_demo_catalog.py when this fails (a changed
    workbook or a new pypinyin)."""
    parsed = read_catalog(resource(DEMO_CATALOG))
    shipped = json.loads(resource(DEMO_READINGS).read_text(encoding="utf-8"))
    names = [item.name for item in parsed.items] + [b.name for b in parsed.bundles]
    assert set(shipped) == set(names)  # the bundles (一件事) are searched by pinyin too
    for name in names:
        full, initials = readings(name)
        assert shipped[name] == {"full": list(full), "initials": list(initials)}, name
    # and the store made at the first start holds them, so the search finds by pinyin
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s:
        index = ItemIndex(search_entries(s))
    assert index.search("zdshbz")[0].entry.name == "最低生活保障申请"
    assert index.search("gtgsh")[0].entry.name.startswith("个体工商户")
    ctx.close()


def test_a_lost_readings_file_only_costs_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import app.context

    monkeypatch.setattr(app.context, "DEMO_READINGS", "catalog/no-such-file.json")
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s:
        index = ItemIndex(search_entries(s))
    assert index.search("zdshbz")[0].entry.name == "最低生活保障申请"
    ctx.close()


def test_the_shipped_calendar_passes_the_whole_check() -> None:
    """At start-up the shipped years are read without the statutory-holiday check
    (it needs the lunar calendar); here they pass it, and read the same."""
    checked = load_calendar_dir(resource("calendar"))  # the full check, or CalendarError
    shipped = shipped_calendar()
    assert shipped.years == checked.years and {2025, 2026} <= set(checked.years)
    assert [shipped.year(y) for y in shipped.years] == [checked.year(y) for y in checked.years]


def test_every_demo_clerk_signs_in_with_the_demo_password(tmp_path: Path) -> None:
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s, s.begin():
        assert ensure_demo_clerks(s)
        assert not ensure_demo_clerks(s)  # once
    with ctx.store.session() as s:
        rows = {r.login: r for r in s.scalars(select(ClerkRow))}
    assert set(rows) == {login for login, *_ in DEMO_CLERKS}
    for row in rows.values():
        assert verify_password(DEMO_PASSWORD, row.password_hash)
        assert not verify_password("654321", row.password_hash)
    ctx.close()
