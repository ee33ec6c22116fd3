"""The province platform's file as the service reads it (CSV in UTF-8 or GBK, an
xlsx workbook with Excel dates and numbers) and the command line's import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest

from app.cli import main
from app.core.booking import BookingSource, day_slots
from app.core.clock import FixedClock
from app.services.bookings import BookingService, ImportRefused, read_import_table
from app.services.queue import QueueService, queue_url

DAY = date(2026, 12, 8)
HEADER = ["预约号", "业务类别", "预约日期", "开始时间", "结束时间", "姓名", "身份证号", "手机号"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[BookingService]:
    clock = FixedClock(datetime(2026, 12, 7, 16, 0))
    queue = QueueService(queue_url("", tmp_path / "data"), seed=True, clock=clock.now)
    svc = BookingService(queue)
    svc.save_slots(day_slots("ZH", DAY, time(9), time(10), 30, 3), actor="chen")
    yield svc
    queue.close()


def test_an_xlsx_with_excel_dates_and_numbers(service: BookingService, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["备注", *HEADER])  # an extra column, in front
    ws.append(["", "SD0001", "ZH", datetime(2026, 12, 8), time(9, 0), time(9, 30), "张三", "",
               13912345678])  # fmt: skip
    path = tmp_path / "省平台.xlsx"
    wb.save(path)
    result = service.import_file(path, actor="chen")
    assert (result.added, result.already) == (1, 0)
    (booked,) = service.day(DAY).bookings
    assert (booked.booking_no, booked.phone_masked, booked.source) == (
        "SD0001", "139****5678", BookingSource.PROVINCE,
    )  # fmt: skip


def test_a_gbk_csv_and_files_that_cannot_be_read(service: BookingService, tmp_path: Path) -> None:
    path = tmp_path / "预约.csv"
    path.write_text(",".join(HEADER) + "\nSD0002,综合受理,2026/12/8,9:30,10:00,李四,,13912345678\n",
                    encoding="gbk")  # fmt: skip
    assert service.import_file(path, actor="chen").added == 1
    (tmp_path / "a.xls").write_bytes(b"old")
    with pytest.raises(ImportRefused, match=r"不支持的文件类型“\.xls”"):
        service.import_file(tmp_path / "a.xls", actor="chen")
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a workbook")
    why = read_import_table(broken)[1] or ""
    assert why.startswith("无法打开工作簿") and why.endswith("文件可能已损坏或不是 Excel 文件")
    assert "无法读取文件" in (read_import_table(tmp_path / "none.csv")[1] or "")


def test_the_command_line_imports_or_lists_every_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YICHUANG_CLOCK", "2026-12-07T16:00")
    data = str(tmp_path / "data")
    queue = QueueService(queue_url("", data), seed=True)
    BookingService(queue).save_slots(day_slots("ZH", DAY, time(9), time(10), 30, 3), actor="c")
    queue.close()
    path = tmp_path / "预约.csv"
    path.write_text(",".join(HEADER) + "\nSD0003,综合受理,2026-12-08,9:00,9:30,王五,,139\n"
                    "SD4,户籍,2026-12-08,9:00,9:30,赵六,,13912345678\n", encoding="utf-8")  # fmt: skip
    assert main(["--data-dir", data, "queue", "import-bookings", str(path)]) == 1
    err = capsys.readouterr().err
    assert "预约.csv 未导入（没有写入任何预约）" in err
    assert "第2行：手机号“139”不是有效的电话号码" in err
    path.write_text(",".join(HEADER) + "\nSD0003,综合受理,2026-12-08,9:00,9:30,王五,,13912345678\n",
                    encoding="utf-8")  # fmt: skip
    assert main(["--data-dir", data, "queue", "import-bookings", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "已导入 1 条预约"
    assert main(["--data-dir", data, "queue", "stats", "--day", "2026-12-08"]) == 0
    assert "预约\t预约 1\t已签到 0\t爽约 0\t待签到 1\t已取消 0" in capsys.readouterr().out
