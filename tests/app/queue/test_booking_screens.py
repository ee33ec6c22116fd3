"""Appointments on the screens, on a real SQLite queue file and the program's clock
fixed at 09:05 on 8 December 2026: the kiosk's check-in with the booking number and
the last 4 (and every refusal, in Chinese), the clerk's booking dialog from the
counter's queue panel (Ctrl+Shift+Y) with the check-in at the counter, and the
manager's bookings tab, slots and the province file's import."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.core.booking import BookingInput, BookingSource, day_slots
from app.core.clock import FixedClock
from app.core.queue_policy import TicketKind
from app.core.queue_records import Action
from app.services.queue import QueueService, TicketPrinterLink, queue_url
from app.ui.queue.booking_dialog import BookingDialog
from app.ui.queue.counter_panel import QueuePanel
from app.ui.queue.kiosk import KioskWindow
from app.ui.queue.manager import ManagerWindow
from db.booking_store import BookingAction, BookingStore
from db.queue import QueueStore

pytestmark = pytest.mark.gui

HALL = "示范县城关镇便民服务中心"
DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 8, 9, 5)
BEFORE = datetime(2026, 12, 7, 16, 0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def hall(tmp_path: Path) -> str:
    return queue_url("", tmp_path)


@pytest.fixture
def service(hall: str, clock: FixedClock) -> Iterator[QueueService]:
    svc = QueueService(hall, seed=True, clock=clock.now)
    svc.snapshot()
    yield svc
    svc.close()


@pytest.fixture
def store(service: QueueService, hall: str) -> Iterator[BookingStore]:
    """Another process' connection, with the day's slots: 综合受理 and 社保医保 from
    08:30 to 11:30 in half hours, two places each."""
    q = QueueStore.open(hall)
    b = BookingStore(q)
    for code in ("ZH", "SB"):
        b.save_slots(day_slots(code, DAY, time(8, 30), time(11, 30), 30, 2), actor="chen",
                     now=BEFORE)  # fmt: skip
    yield b
    q.close()


def book(store: BookingStore, start: time, end: time, name: str = "张三", **kw: Any) -> str:
    values: dict[str, Any] = {
        "booking_no": "", "category": "ZH", "day": DAY, "start": start, "end": end,
        "name": name, "id_number": "", "phone": "13912345678", "source": BookingSource.PHONE,
    }  # fmt: skip
    values.update(kw)
    return store.book(BookingInput(**values), actor="wangfang", now=BEFORE).booking_no


def wait_until(qtbot: QtBot, condition: Callable[[], object], timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)


# ---------------------------------------------------------------- the kiosk


def make_kiosk(qtbot: QtBot, service: QueueService, **kw: Any) -> KioskWindow:
    win = KioskWindow(service, HALL, interval_ms=100, **kw)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    wait_until(qtbot, lambda: len(win.buttons) == 4)
    return win


def tap(qtbot: QtBot, kiosk: KioskWindow, keys: str) -> None:
    for ch in keys:
        qtbot.mouseClick(kiosk.keys[ch], Qt.MouseButton.LeftButton)


def check_in(qtbot: QtBot, kiosk: KioskWindow, number: str, proof: str) -> None:
    """Touch the number field, type the number on the on-screen keys, touch the proof
    field, type the last 4."""
    qtbot.mouseClick(kiosk.booking_input, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.keys["clear"], Qt.MouseButton.LeftButton)
    tap(qtbot, kiosk, number)
    qtbot.mouseClick(kiosk.proof_input, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(kiosk.keys["clear"], Qt.MouseButton.LeftButton)
    tap(qtbot, kiosk, proof)
    qtbot.mouseClick(kiosk.check_in_button, Qt.MouseButton.LeftButton)


def test_kiosk_check_in_with_the_booking_number_and_the_last_4(
    qtbot: QtBot, service: QueueService, store: BookingStore, tmp_path: Path
) -> None:
    number = book(store, time(9), time(9, 30))
    paper = tmp_path / "lp0"
    paper.write_bytes(b"")
    printer = TicketPrinterLink(
        [{"kind": "ticket_printer", "vendor": "escpos", "port": {"url": f"file://{paper}"}}],
        HALL,
    )
    win = make_kiosk(qtbot, service, printer=printer)
    qtbot.mouseClick(win.appointment_button, Qt.MouseButton.LeftButton)
    assert win.pages.currentWidget() is win.appointment_page
    # the day's slots, without names: 09:00 has one booking, none checked in yet
    wait_until(qtbot, lambda: "09:00–09:30" in win.day_slots.text())
    assert "<b>0</b>/1" in win.day_slots.text() and "张三" not in win.day_slots.text()
    with qtbot.waitSignal(win.issued, timeout=5000) as issued:
        check_in(qtbot, win, number, "5678")
    ticket = issued.args[0]
    assert (ticket.display, ticket.kind, ticket.note) == ("A001", TicketKind.APPOINTMENT, number)
    assert win.ticket_kind.text() == f"预约 · 优先叫号（预约号 {number}）"
    wait_until(qtbot, lambda: win.ticket_print.text() == "请取走小票，留意叫号", 10_000)
    assert "综合受理（预约）".encode("gb18030") in paper.read_bytes()
    found = store.find(number, now=NOW)
    assert found is not None and found.ticket == "A001"
    qtbot.mouseClick(win.done_button, Qt.MouseButton.LeftButton)
    assert win.booking_input.text() == "" and win.proof_input.text() == ""
    win.close()


def test_kiosk_says_why_a_booking_cannot_be_checked_in(
    qtbot: QtBot, service: QueueService, store: BookingStore, clock: FixedClock
) -> None:
    used = book(store, time(8, 30), time(9), "李四")
    store.check_in(used, proof="5678", actor="kiosk2", now=datetime(2026, 12, 8, 8, 40))
    early = book(store, time(11), time(11, 30), "王五")
    late = book(store, time(8, 30), time(9), "赵六", category="SB")
    clock.set(datetime(2026, 12, 8, 9, 20))  # 08:30–09:00 closed at 09:15
    store.save_slots(day_slots("ZH", date(2026, 12, 9), time(9), time(10), 60, 2), actor="c",
                     now=BEFORE)  # fmt: skip
    tomorrow = book(store, time(9), time(10), "钱七", day=date(2026, 12, 9))
    win = make_kiosk(qtbot, service)
    qtbot.mouseClick(win.appointment_button, Qt.MouseButton.LeftButton)
    cases = [
        ((early, "0000"), "没有找到这个预约：请核对预约号，以及身份证号或手机号的后4位"),
        (("YY1208-ZZZZZZ", "5678"), "没有找到这个预约：请核对预约号，以及身份证号或手机号的后4位"),
        ((used, "5678"), "此预约已于08:40签到过，号码为 A001，一个预约只能签到一次"),
        ((early, "5678"), "您预约的时段是11:00–11:30，还没到签到时间：请于10:30以后签到"),
        ((late, "5678"), "您预约的时段是08:30–09:00，签到时间已过（最晚09:15）：请取普通号"),
        ((tomorrow, "5678"), "您预约的是12月9日 09:00–10:00，不是今天：请在预约当天来签到"),
    ]
    for (number, proof), why in cases:
        check_in(qtbot, win, number, proof)
        wait_until(qtbot, lambda why=why: win.booking_hint.text() == why)
        assert win.pages.currentWidget() is win.appointment_page
        assert win.proof_input.text() == ""  # typed again
        assert win.booking_input.text() == number  # what was typed stays
    # nothing was issued for any of them
    assert [e.action for e in store.queue.events_after(0)].count(Action.ISSUE) == 1
    check_in(qtbot, win, early, "56")
    assert win.booking_hint.text() == "请输入预约时所留身份证号或手机号的后4位"
    check_in(qtbot, win, "AB", "5678")
    assert win.booking_hint.text() == "预约号应为4至32位，请检查后重新输入"
    win.close()


def test_a_scanned_booking_goes_on_to_the_proof(
    qtbot: QtBot, service: QueueService, store: BookingStore
) -> None:
    number = book(store, time(9), time(9, 30))
    win = make_kiosk(qtbot, service)
    win.activateWindow()
    qtbot.keyClicks(win, number[0].lower())  # the scanner types on the main page
    assert win.pages.currentWidget() is win.appointment_page
    qtbot.keyClicks(win.booking_input, number[1:].lower())
    qtbot.keyClick(win.booking_input, Qt.Key.Key_Return)
    assert win.proof_input.hasFocus() and win.booking_hint.text() == ""
    with qtbot.waitSignal(win.issued, timeout=5000) as issued:
        qtbot.keyClicks(win.proof_input, "5678")
        qtbot.keyClick(win.proof_input, Qt.Key.Key_Return)
    assert issued.args[0].note == number
    win.close()


def test_the_kiosk_pauses_check_in_after_numbers_are_tried(
    qtbot: QtBot, service: QueueService, store: BookingStore
) -> None:
    number = book(store, time(9), time(9, 30))
    win = make_kiosk(qtbot, service)
    qtbot.mouseClick(win.appointment_button, Qt.MouseButton.LeftButton)
    pause = "多次没有找到预约，请核对后30秒再试，或到服务台由工作人员为您签到"
    for tried in ("YY1208-AAAAAA", "YY1208-AAAAAB", "YY1208-AAAAAC"):
        check_in(qtbot, win, tried, "5678")
        wait_until(qtbot, lambda: "没有找到" in win.booking_hint.text() or
                   win.booking_hint.text() == pause)  # fmt: skip
    assert win.booking_hint.text() == pause and not win.check_in_button.isEnabled()
    before = store.queue.last_event_no()
    win.booking_input.setText(number)
    win.proof_input.setText("5678")
    win.check_in()  # the scanner's Enter: refused too, without asking the store
    assert win.booking_hint.text() == pause and store.queue.last_event_no() == before
    win._cool.timeout.emit()  # thirty seconds later
    assert win.check_in_button.isEnabled() and win.booking_hint.text() == ""
    with qtbot.waitSignal(win.issued, timeout=5000):
        check_in(qtbot, win, number, "5678")
    win.close()


# ---------------------------------------------------------------- the counter


class Counter(QWidget):
    def __init__(self, service: QueueService) -> None:
        super().__init__()
        self.intake = QLineEdit(self)
        self.panel = QueuePanel(service, "1", "wangfang", self, clerk_name="王芳", interval_ms=100)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intake)
        layout.addWidget(self.panel)


def test_the_clerk_books_by_phone_and_checks_in_at_the_counter(
    qtbot: QtBot, service: QueueService, store: BookingStore, clock: FixedClock
) -> None:
    win = Counter(service)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    win.intake.setFocus()
    wait_until(qtbot, lambda: win.panel.snapshot is not None)
    qtbot.keyClick(win.intake, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    dialog = win.panel.dialog
    assert isinstance(dialog, BookingDialog) and dialog.isVisible()
    dialog.resize(1000, 620)
    # 09:05: the 08:30 slot is over, 09:00 is the first that can be booked
    wait_until(qtbot, lambda: dialog.slot.count() == 6)
    assert dialog.slot.itemText(0) == "08:30–09:00（已过）"
    assert dialog.slot.currentText() == "09:00–09:30（余2）"
    dialog.sources[BookingSource.PHONE].setChecked(True)
    dialog.slot.setCurrentIndex(3)  # 10:00–10:30
    dialog.name.setText("孙八")  # typed through the input method
    qtbot.keyClicks(dialog.id_number, "110101199003074478")  # a wrong check digit
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_until(qtbot, lambda: "校验位不符" in dialog.book_hint.text())
    assert dialog.name.text() == "孙八"  # nothing typed is lost
    dialog.id_number.setText("110101199003074477")
    qtbot.keyClicks(dialog.phone, "13800001234")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    wait_until(qtbot, lambda: dialog.last_booking is not None)
    booked = dialog.last_booking
    assert booked is not None and booked.source is BookingSource.PHONE
    assert dialog.result.text().startswith(f"预约成功：{booked.booking_no}\n12月8日 10:00–10:30")
    wait_until(qtbot, lambda: dialog.slot.itemText(3) == "10:00–10:30（余1）")
    assert store.find(booked.booking_no, now=NOW) is not None

    # at 09:50 the applicant is at the window; the clerk checks the ID card
    clock.set(datetime(2026, 12, 8, 9, 50))
    dialog.start(1)
    wait_until(qtbot, lambda: dialog.model.rowCount() == 1)
    dialog.find.setText("110101199003074477")  # found by the ID number
    qtbot.mouseClick(dialog.check_in_button, Qt.MouseButton.LeftButton)
    wait_until(qtbot, lambda: dialog.day_hint.text().startswith("已签到"))
    assert (
        dialog.day_hint.text()
        == f"已签到：预约 {booked.booking_no} 取得 A001（综合受理），优先叫号"
    )
    event = [e for e in store.queue.events_after(0) if e.action == Action.ISSUE][-1]
    assert (event.actor, event.detail["verified"]) == ("wangfang", "窗口核验")
    dialog.find.setText(booked.booking_no)
    qtbot.keyClick(dialog.find, Qt.Key.Key_Return)
    wait_until(qtbot, lambda: "签到过" in dialog.day_hint.text())
    dialog.accept()
    win.panel.shutdown()


# ---------------------------------------------------------------- the manager


def make_manager(qtbot: QtBot, service: QueueService) -> ManagerWindow:
    win = ManagerWindow(service, "chenzhuren", HALL, interval_ms=100)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.start()
    wait_until(qtbot, lambda: win.snapshot is not None)
    return win


def test_the_manager_sees_the_days_bookings_and_no_shows(
    qtbot: QtBot, service: QueueService, store: BookingStore, clock: FixedClock
) -> None:
    checked = book(store, time(8, 30), time(9), "李四")
    store.check_in(checked, proof="5678", actor="kiosk", now=datetime(2026, 12, 8, 8, 40))
    book(store, time(8, 30), time(9), "赵六", category="SB", id_number="110101199003074477")
    book(store, time(10), time(10, 30), "王五")
    gone = book(store, time(10), time(10, 30), "钱七")
    store.cancel(gone, actor="chen", reason="改期", now=BEFORE)
    clock.set(datetime(2026, 12, 8, 9, 20))
    win = make_manager(qtbot, service)
    win.tabs.setCurrentWidget(win.bookings_page)
    wait_until(qtbot, lambda: win.booking_day is not None)
    assert win.booking_figures.text() == (
        "12月8日预约 3 人 · 已签到 1 · 待签到 1 · 爽约 1 · 已取消 1"
    )
    rows = [win.booking_model.rows[i] for i in range(win.booking_model.rowCount())]
    assert [(r[0], r[1], r[3], r[4], r[7]) for r in rows] == [
        ("08:30–09:00", "综合受理", "李四", "—", "已签到（A001）"),
        ("08:30–09:00", "社保医保", "赵六", "110101********4477", "爽约"),
        ("10:00–10:30", "综合受理", "王五", "—", "已预约"),
        ("10:00–10:30", "综合受理", "钱七", "—", "已取消"),
    ]
    assert win.tabs.tabText(win.tabs.indexOf(win.bookings_page)) == "今日预约（3，爽约 1）"
    assert win.booking_action.shortcut().toString() == "Ctrl+Shift+Y"
    win.close()


HEADER = "预约号,业务类别,预约日期,开始时间,结束时间,姓名,身份证号,手机号\n"


def test_the_manager_imports_the_province_file_all_or_nothing(
    qtbot: QtBot, service: QueueService, store: BookingStore, tmp_path: Path
) -> None:
    win = make_manager(qtbot, service)
    bad = tmp_path / "省平台预约-坏.csv"
    bad.write_text(
        HEADER
        + "SD0001,综合受理,2026-12-08,10:00,10:30,周一,,13900000001\n"
        + "SD0002,综合受理,2026-12-08,10:00,10:30,吴二,,13900000002\n"
        + "SD0003,综合受理,2026-12-08,10:00,10:30,郑三,,13900000003\n"
        + "SD0004,户籍,2026-12-08,10:00,10:30,冯四,,13900000004\n"
        + "SD0005,社保医保,2026-13-01,10:00,10:30,陈五,,12345\n",
        encoding="gbk",
    )
    win.import_bookings(str(bad))
    wait_until(qtbot, lambda: isinstance(win.dialog, QMessageBox))
    box = win.dialog
    assert box.informativeText().split("\n") == [
        "第6行：预约日期“2026-13-01”应写作2026-12-08；手机号“12345”不是有效的电话号码",
    ]  # the file is refused before the hall is asked
    box.close()
    bad.write_text(HEADER + "".join(bad.read_text(encoding="gbk").splitlines(True)[1:5]),
                   encoding="gbk")  # fmt: skip
    win.dialog = None
    win.import_bookings(str(bad))
    wait_until(qtbot, lambda: isinstance(win.dialog, QMessageBox))
    assert win.dialog.informativeText().split("\n") == [
        "第4行：综合受理12月8日 10:00–10:30已约满（2人）",
        "第5行：业务类别“户籍”不存在",
    ]
    assert win.error.text() == "省平台预约-坏.csv 未导入：2 处问题"
    assert store.bookings(DAY, now=NOW) == []
    win.dialog.close()
    good = tmp_path / "省平台预约.csv"
    good.write_text(HEADER + "SD0001,综合受理,2026-12-08,10:00,10:30,周一,,13900000001\n",
                    encoding="utf-8-sig")  # fmt: skip
    win.import_bookings(str(good))
    wait_until(qtbot, lambda: win.message.text() == "已导入 1 条预约")
    assert [b.source for b in store.bookings(DAY, now=NOW)] == [BookingSource.PROVINCE]
    actions = [e.action for e in store.queue.events_after(0)]
    assert actions.count(BookingAction.IMPORT) == 1
    win.close()
    QApplication.processEvents()


def test_the_manager_sees_the_county_bookings_the_hall_could_not_take(
    qtbot: QtBot, service: QueueService, store: BookingStore
) -> None:
    from db.booking_county import CountyBooking, CountyPage

    book(store, time(9), time(9, 30), "本地一")
    book(store, time(9), time(9, 30), "本地二")  # 09:00 is full (2 places)

    def county(no: str, start: time, end: time, name: str) -> CountyBooking:
        return CountyBooking(no, "综合受理", DAY, start, end, name, "", "", "", "139****5678",
                             "5678", cancelled=False, version=1)  # fmt: skip

    done = store.apply_county(
        CountyPage((0, 0), (7, 0), [county("SD0001", time(9), time(9, 30), "省一"),
                                    county("SD0002", time(14), time(14, 30), "省二"),
                                    county("SD0003", time(10), time(10, 30), "省三")]),
        now=BEFORE, puller="370999101-A1",
    )  # fmt: skip
    assert (done.added, len(done.issues)) == (2, 2)
    win = make_manager(qtbot, service)
    win.tabs.setCurrentWidget(win.bookings_page)
    wait_until(qtbot, lambda: win.booking_day is not None)
    assert win.county_issues.isVisible()
    text = win.county_issues.text()
    assert text.startswith("县中心预约需处理 2 条")
    assert (
        "· 时段已约满，仍已排入：县中心预约SD0001（省一，综合受理，12月8日 09:00–09:30）\n" in text
    )
    assert "· 没有此预约时段，暂未排入：县中心预约SD0002" in text
    assert "请设置该日的预约时段" in win.county_issues.toolTip()
    rows = [win.booking_model.rows[i] for i in range(win.booking_model.rowCount())]
    assert {r[3] for r in rows} == {"本地一", "本地二", "省一", "省三"}
    shot = Path(os.environ.get("YC_SHOTS", ""))
    if shot.name:
        win.grab().save(str(shot / "manager-county-issues.png"))
    win.close()
