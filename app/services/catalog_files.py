"""Reading and writing catalogue files: the county's Excel workbook and its JSON mirror.

The JSON form mirrors the workbook: ``{"事项": [{column: value}], "情形": [...],
"材料": [...]}``; problems in it are reported per record (第N条).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from app.core.bundles import Bundle
from app.core.catalog import (
    BUNDLE_SHEETS,
    EXPORT_SHEETS,
    SHEETS,
    CatalogParse,
    Problem,
    Sheet,
    bundle_rows,
    item_rows,
    parse_catalog,
)
from app.core.items import Item, clean_text


def _file_problem(message: str) -> CatalogParse:
    return CatalogParse((), (Problem("", 0, "", message),))


def read_catalog(path: Path) -> CatalogParse:
    """Parse a .xlsx or .json catalogue file; never raises for a bad file."""
    if not path.exists():
        return _file_problem(f"找不到文件 {path}")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls":
        return _file_problem("不支持旧版 .xls 文件，请在 Excel/WPS 中另存为 .xlsx 后再导入")
    return _file_problem(f"不支持的文件类型“{path.suffix}”，应为 .xlsx 或 .json")


def _read_xlsx(path: Path) -> CatalogParse:
    # python-calamine (Rust) reads a 5,000-item workbook ~15x faster than openpyxl.
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
                  for name in wb.sheet_names]  # fmt: skip
    except (CalamineError, OSError, ValueError) as exc:
        return _file_problem(
            f"无法打开工作簿（{type(exc).__name__}），文件可能已损坏或不是 Excel 文件"
        )
    book: dict[str, Sheet] = {}
    for name, table in sheets:
        header_row = table[0] if table else []
        headers = tuple(clean_text(h) for h in header_row)
        data: list[tuple[int, dict[str, object]]] = []
        for number, values in enumerate(table[1:], start=2):
            if all(v is None or clean_text(v) == "" for v in values):
                continue  # blank row
            data.append((number, {h: v for h, v in zip(headers, values, strict=False) if h}))
        book[clean_text(name)] = Sheet(headers, tuple(data))
    return parse_catalog(book)


def _read_json(path: Path) -> CatalogParse:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _file_problem(f"无法读取 JSON 文件：{exc}")
    if not isinstance(data, dict):
        return _file_problem('JSON 文件顶层应为对象：{"事项": [...], "情形": [...], "材料": [...]}')
    book: dict[str, Sheet] = {}
    problems: list[Problem] = []
    for name, records in data.items():
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            problems.append(Problem(str(name), 0, "", "应为对象数组", "条"))
            continue
        headers = tuple(dict.fromkeys(clean_text(k) for r in records for k in r))
        if not records:
            headers = {**SHEETS, **BUNDLE_SHEETS}.get(clean_text(name), ())
        rows = tuple(
            (i, {clean_text(k): v for k, v in r.items()})
            for i, r in enumerate(records, start=1)
            if any(clean_text(v) for v in r.values())
        )
        book[str(name)] = Sheet(headers, rows)
    if problems:
        return CatalogParse((), tuple(problems))
    return parse_catalog(book, unit="条")


def _all_rows(
    items: Sequence[Item], bundles: Sequence[Bundle] = ()
) -> dict[str, list[dict[str, object]]]:
    sheets: dict[str, list[dict[str, object]]] = {name: [] for name in SHEETS}
    names = list(SHEETS)
    for item in items:
        head, questions, materials = item_rows(item)
        sheets[names[0]].append(head)
        sheets[names[1]].extend(questions)
        sheets[names[2]].extend(materials)
    if bundles:
        by_code = {i.code: i for i in items}
        sheets.update({name: [] for name in BUNDLE_SHEETS})
        for bundle in bundles:
            for name, rows in bundle_rows(bundle, by_code).items():
                sheets[name].extend(rows)
    return sheets


def write_catalog(items: Sequence[Item], path: Path, bundles: Sequence[Bundle] = ()) -> None:
    """Write items (and bundles, in the 一件事 sheets) in the import format (.xlsx or
    .json, by the file's suffix)."""
    sheets = _all_rows(items, bundles)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(sheets, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, columns in EXPORT_SHEETS.items():
        if name not in sheets:
            continue  # no bundles: no 一件事 sheets
        ws = wb.create_sheet(name)
        for i, column in enumerate(columns):
            letter = chr(ord("A") + i)
            ws.column_dimensions[letter].width = max(10, min(40, len(column) * 4))
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=column)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheets[name]:
            ws.append([row.get(c, "") for c in columns])
    wb.save(path)
