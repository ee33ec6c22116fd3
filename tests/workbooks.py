"""Write catalogue workbooks cell by cell, the way a county clerk's file may look."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from app.core.catalog import ITEM_COLUMNS, MATERIAL_COLUMNS, QUESTION_COLUMNS

ITEM_ROW = {
    "事项编码": "MZ-001", "事项名称": "最低生活保障申请", "事项类型": "公共服务",
    "实施主体": "示范县民政局", "办件类型": "承诺件", "法定时限": 30, "承诺时限": 15,
    "是否收费": "否", "收费标准": "", "设定依据": "《社会救助暂行办法》", "受理条件": "家庭收入低于标准",
    "办理流程": "受理、审查、决定", "办理地点": "便民服务中心1号窗口", "咨询电话": "0538-1234567",
    "版本": "2026.1",
}  # fmt: skip
QUESTION_ROWS = [
    {"事项编码": "MZ-001", "情形编码": "Q1", "问题": "申请人类型", "选项": "个人;企业"},
    {"事项编码": "MZ-001", "情形编码": "Q2", "问题": "是否委托代办", "选项": "否；是"},
]
MATERIAL_ROWS = [
    {"事项编码": "MZ-001", "序号": 1, "材料名称": "申请表", "材料形式": "原件收取", "份数": 1,
     "必要性": "必需", "适用情形": "", "受理标准": "签字确认"},
    {"事项编码": "MZ-001", "序号": 2, "材料名称": "居民身份证", "材料形式": "原件核验", "份数": 1,
     "必要性": "必需", "适用情形": ""},
    {"事项编码": "MZ-001", "序号": 3, "材料名称": "授权委托书", "材料形式": "原件收取", "份数": 1,
     "必要性": "必需", "适用情形": "是否委托代办=是"},
    {"事项编码": "MZ-001", "序号": 4, "材料名称": "营业执照", "材料形式": "复印件", "份数": 2,
     "必要性": "容缺", "适用情形": "Q1=企业;是否委托代办=否|是"},
]  # fmt: skip


def write_book(
    path: Path,
    items: list[dict[str, object]] | None = None,
    questions: list[dict[str, object]] | None = None,
    materials: list[dict[str, object]] | None = None,
    *,
    columns: dict[str, tuple[str, ...]] | None = None,
    omit_sheets: tuple[str, ...] = (),
    blank_rows: bool = False,
) -> Path:
    cols = {"事项": ITEM_COLUMNS, "情形": QUESTION_COLUMNS, "材料": MATERIAL_COLUMNS}
    cols.update(columns or {})
    data = {
        "事项": [ITEM_ROW] if items is None else items,
        "情形": QUESTION_ROWS if questions is None else questions,
        "材料": MATERIAL_ROWS if materials is None else materials,
    }
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    for name, header in cols.items():
        if name in omit_sheets:
            continue
        ws = wb.create_sheet(name)
        ws.append(list(header))
        for row in data[name]:
            ws.append([row.get(c) for c in header])
            if blank_rows:
                ws.append([None] * len(header))
                ws.append(["　", " "])
    wb.save(path)
    return path
