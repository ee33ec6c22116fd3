"""The shipped demo catalogue is valid, realistic in size, and matches its source script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.core.items import Necessity, ServiceType
from app.services.catalog_files import read_catalog
from tests.conftest import DEMO_CATALOG

ROOT = Path(__file__).resolve().parents[2]


def test_demo_catalogue_is_valid_and_rich_enough() -> None:
    parsed = read_catalog(DEMO_CATALOG)
    assert parsed.ok, [str(p) for p in parsed.problems]
    items = {i.code: i for i in parsed.items}
    assert len(items) >= 15
    names = {i.name for i in parsed.items}
    for required in (
        "最低生活保障申请",
        "残疾人证申领",
        "个体工商户设立登记",
        "生育登记",
        "临时救助申请",
    ):
        assert required in names
    six = items["370999-MZ-001"]
    assert len(six.applicable_materials(six.default_answers())) == 6
    assert any(i.service_type is ServiceType.ON_THE_SPOT for i in parsed.items)
    necessities = {m.necessity for i in parsed.items for m in i.materials}
    assert necessities == set(Necessity)
    assert any(m.conditions for i in parsed.items for m in i.materials)


def test_shipped_workbook_is_what_the_script_builds(tmp_path: Path) -> None:
    out = tmp_path / "demo.xlsx"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_demo_catalog.py"), str(out)],
        check=True,
        capture_output=True,
    )
    assert read_catalog(out).items == read_catalog(DEMO_CATALOG).items
