"""The item standard names 复议机关, 管辖法院 and 送达方式 (optional columns; empty:
the hall's defaults) and uses the national item types: read from a workbook and its
JSON mirror, exported, stored in SQLite and PostgreSQL, carried by sync documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalog import EXPORT_SHEETS, ITEM_COLUMNS
from app.core.items import ItemKind
from app.services.catalog_files import read_catalog, write_catalog
from db.catalog_repo import content_hash, current_items, import_items
from db.store import Store
from db.sync.catalog_docs import doc_to_item, item_to_doc
from tests.workbooks import ITEM_ROW, write_book

REMEDIES = {"复议机关": "示范县人民政府", "管辖法院": "示范县人民法院", "送达方式": "邮寄送达"}
WITH_REMEDIES = (*ITEM_COLUMNS, "复议机关", "管辖法院", "送达方式")


def _book(tmp_path: Path, **row: object) -> Path:
    return write_book(
        tmp_path / "c.xlsx", items=[{**ITEM_ROW, **REMEDIES, **row}],
        columns={"事项": WITH_REMEDIES},
    )  # fmt: skip


def test_remedy_columns_are_read(tmp_path: Path) -> None:
    (item,) = read_catalog(_book(tmp_path)).items
    assert (item.review_body, item.court, item.delivery) == (
        "示范县人民政府", "示范县人民法院", "邮寄送达",
    )  # fmt: skip


def test_a_file_without_them_leaves_them_to_the_hall(tmp_path: Path) -> None:
    (item,) = read_catalog(write_book(tmp_path / "old.xlsx")).items
    assert (item.review_body, item.court, item.delivery) == ("", "", "")


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_export_round_trip(tmp_path: Path, suffix: str) -> None:
    items = read_catalog(_book(tmp_path)).items
    out = tmp_path / f"out{suffix}"
    write_catalog(items, out)
    assert read_catalog(out).items == items
    assert EXPORT_SHEETS["事项"][-3:] == ("复议机关", "管辖法院", "送达方式")


@pytest.mark.parametrize(
    ("written", "kind"),
    [("行政给付", ItemKind.PAYMENT), ("行政确认", ItemKind.CONFIRMATION),
     ("行政许可", ItemKind.LICENSING), ("其他行政权力", ItemKind.OTHER_POWER),
     ("公共服务", ItemKind.PUBLIC_SERVICE), ("其他", ItemKind.OTHER)],
)  # fmt: skip
def test_national_item_types(tmp_path: Path, written: str, kind: ItemKind) -> None:
    (item,) = read_catalog(_book(tmp_path, 事项类型=written)).items
    assert item.kind is kind


def test_an_unknown_type_lists_the_national_ones(tmp_path: Path) -> None:
    parsed = read_catalog(_book(tmp_path, 事项类型="便民服务"))
    (problem,) = parsed.problems
    assert "行政给付" in str(problem) and "行政确认" in str(problem)


def test_sync_documents_carry_them_and_old_documents_still_read(tmp_path: Path) -> None:
    (item,) = read_catalog(_book(tmp_path)).items
    assert doc_to_item(item_to_doc(item)) == item
    old = {
        k: v for k, v in item_to_doc(item).items() if k not in ("review_body", "court", "delivery")
    }
    assert doc_to_item(old).court == ""


def test_hash_of_an_item_without_them_is_unchanged(tmp_path: Path) -> None:
    (plain,) = read_catalog(write_book(tmp_path / "old.xlsx")).items
    (named,) = read_catalog(_book(tmp_path)).items
    assert content_hash(named) != content_hash(plain)
    # the digest this item had before the columns existed: stored versions stay equal
    assert content_hash(plain) == (
        "6fafff04a0408b3cc7533ee91ff5f0d7130148331ae8631ef29ae70934250889"
    )


def _store_round_trip(store: Store, tmp_path: Path) -> None:
    items = read_catalog(_book(tmp_path)).items
    with store.session() as s, s.begin():
        assert import_items(s, items, source="test").ok
    with store.session() as s:
        assert current_items(s) == list(items)


def test_stored_in_sqlite(sqlite_store: Store, tmp_path: Path) -> None:
    _store_round_trip(sqlite_store, tmp_path)


@pytest.mark.pg
def test_stored_in_postgresql(pg_store: Store, tmp_path: Path) -> None:
    _store_round_trip(pg_store, tmp_path)
