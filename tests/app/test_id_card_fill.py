"""The ID-card reader at the intake: a read fills the applicant (or the agent), never
overwrites a different person silently, and keyboard-type readers' bursts land whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.ui.id_card_fill import IdCardFiller
from app.ui.main_window import MainWindow
from devices.id_simulator import SAMPLE_CARDS, SamCardResponder
from devices.idcard import IdCardFailed, IdCardRead, card_problems
from devices.simulate import PtySimulator
from tests.app.conftest import Keyboard, focused

pytestmark = pytest.mark.gui

KEY = Qt.Key
ZHANG, WANG, JI, AYGUL, YANG = SAMPLE_CARDS
TODAY = date(2026, 12, 7)


def read(card: object) -> IdCardRead:
    assert card in SAMPLE_CARDS
    c = SAMPLE_CARDS[SAMPLE_CARDS.index(card)]  # type: ignore[arg-type]
    return IdCardRead("身份证阅读器", c, card_problems(c, TODAY), c.expired(TODAY))


def pick_item(window: MainWindow, kb: Keyboard) -> None:
    kb.press(KEY.Key_F2)
    kb.type("zdshbz")  # 最低生活保障申请
    kb.press(KEY.Key_Return)
    assert window.intake.item is not None


def filler(window: MainWindow) -> IdCardFiller:
    if window.id_reader is None:
        window.start_id_reader()  # as store_opened does (no reader configured here)
    assert window.id_reader.service is None
    return window.id_reader.filler  # type: ignore[no-any-return]


def deliver(qtbot: QtBot, window: MainWindow, event: object) -> None:
    """As the reader's thread does: emit, and let the queued signal arrive."""
    f = filler(window)
    with qtbot.waitSignal(window.intake.message, timeout=5000):
        f.arrived.emit(event)


def question(qtbot: QtBot) -> QMessageBox:
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox) and box.objectName() == "idCardQuestion"
    return box


def test_a_read_fills_the_applicant_and_says_so(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    pick_item(window, keyboard)
    deliver(qtbot, window, read(JI))
    form = window.intake.applicant
    assert form.name.text() == "吉𠮷"
    assert form.id_type.currentText() == "居民身份证"
    assert form.id_no.text() == "13032319860911446X"
    assert form.address.text() == JI.address
    assert window.message.text() == "已读取身份证：吉𠮷，已填入申请人"
    assert not {"name", "id_no"} & set(form.problems())
    # the same card again changes nothing and asks nothing
    deliver(qtbot, window, read(JI))
    assert QApplication.activeModalWidget() is None and form.name.text() == "吉𠮷"


def test_an_expired_card_fills_and_is_reported(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    pick_item(window, keyboard)
    deliver(qtbot, window, read(AYGUL))
    assert window.intake.applicant.name.text() == "阿依古丽·买买提"
    assert "证件已于 2020-01-01 过期" in window.message.text()


def test_a_second_card_asks_whether_it_is_the_agents(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    pick_item(window, keyboard)
    deliver(qtbot, window, read(ZHANG))
    filler(window).arrived.emit(read(WANG))
    box = question(qtbot)
    assert "申请人已填写为 张伟（110101********1233）" in box.text()
    assert "王芳（440304********5623）是代办人的身份证吗" in box.text()
    keyboard.press(KEY.Key_Return)  # the default: 填为代办人
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    form = window.intake.applicant
    assert (form.name.text(), form.id_no.text()) == ("张伟", ZHANG.id_number)
    assert form.has_agent.isChecked()
    assert (form.agent_name.text(), form.agent_id_no.text()) == ("王芳", WANG.id_number)
    assert window.message.text() == "已读取身份证：王芳，已填入代办人"
    # a third card while both are filled: replacing the agent is asked, Esc keeps it
    filler(window).arrived.emit(read(YANG))
    box = question(qtbot)
    assert "代办人已填写为 王芳" in box.text()
    keyboard.press(KEY.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert form.agent_name.text() == "王芳"
    assert window.message.text() == "身份证 杨建国 未填入"


def test_replacing_the_applicant_is_a_choice(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    pick_item(window, keyboard)
    keyboard.tab_to("applicantName")
    keyboard.type("李四")  # typed by the clerk, no number yet
    filler(window).arrived.emit(read(ZHANG))
    box = question(qtbot)
    assert "申请人已填写为 李四。" in box.text()
    replace = next(b for b in box.buttons() if b.text() == "替换申请人")
    replace.click()
    qtbot.waitUntil(lambda: window.intake.applicant.name.text() == "张伟")
    assert not window.intake.applicant.has_agent.isChecked()


def test_the_applicants_own_card_with_the_agent_box_checked(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    pick_item(window, keyboard)
    deliver(qtbot, window, read(ZHANG))
    window.intake.applicant.has_agent.setChecked(True)
    deliver(qtbot, window, read(ZHANG))
    assert window.intake.applicant.agent_name.text() == ""
    assert window.message.text() == "这是申请人本人的身份证，代办人未填写"
    deliver(qtbot, window, read(WANG))  # the agent box checked: straight to the agent
    assert window.intake.applicant.agent_name.text() == "王芳"


def test_a_card_read_before_the_item_waits_for_it(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    assert window.intake.item is None
    deliver(qtbot, window, read(YANG))
    assert window.message.text() == "已读取身份证：杨建国，选定事项后自动填入"
    pick_item(window, keyboard)  # choosing the item clears the form, then the card fills it
    assert window.intake.applicant.name.text() == "杨建国"


def test_a_failed_read_is_said(qtbot: QtBot, window: MainWindow) -> None:
    deliver(qtbot, window, IdCardFailed("身份证阅读器", "读卡失败：读证/卡操作失败"))
    assert window.message.text() == "身份证阅读器：读卡失败：读证/卡操作失败"


def test_a_keyboard_type_reader_burst_lands_whole(
    qtbot: QtBot, window: MainWindow, keyboard: Keyboard
) -> None:
    """A wedge reader types the number and Enter in one burst into the focused field."""
    pick_item(window, keyboard)
    keyboard.tab_to("applicantIdNo")
    count = window.intake.checklist.rowCount()
    qtbot.keyClicks(focused(), ZHANG.id_number, delay=0)
    qtbot.keyClick(focused(), KEY.Key_Return)
    form = window.intake.applicant
    assert form.id_no.text() == ZHANG.id_number
    assert "id_no" not in form.show_problems(final=True)
    assert QApplication.activeModalWidget() is None  # Enter decided nothing
    assert window.intake.checklist.rowCount() == count
    # a lower-case x from a reader is taken as X
    form.id_no.clear()
    form.id_no.setFocus()
    qtbot.keyClicks(focused(), JI.id_number.lower(), delay=0)
    qtbot.keyClick(focused(), KEY.Key_Enter)
    assert form.applicant().id_no == JI.id_number


# --- the real reader on a pty, through the settings ------------------------------------------


@pytest.fixture
def reader_sim() -> Iterator[tuple[PtySimulator, SamCardResponder]]:
    responder = SamCardResponder()
    sim = PtySimulator(None, responder=responder, name="身份证阅读器")
    sim.start()
    yield sim, responder
    sim.close()


def test_a_card_on_the_simulated_reader_fills_the_applicant(
    qtbot: QtBot,
    window: MainWindow,
    keyboard: Keyboard,
    reader_sim: tuple[PtySimulator, SamCardResponder],
    tmp_path: Path,
) -> None:
    sim, responder = reader_sim
    window.context.settings.set(
        "devices",
        [
            {
                "kind": "id_reader",
                "name": "身份证阅读器",
                "port": {"url": sim.path, "poll_interval_s": 0.05},
            }
        ],
    )
    assert window.id_reader is None
    window.start_id_reader()
    assert window.id_reader.service is not None
    pick_item(window, keyboard)
    responder.place(WANG)
    qtbot.waitUntil(lambda: window.intake.applicant.name.text() == "王芳", timeout=10_000)
    assert window.intake.applicant.id_no.text() == WANG.id_number
    assert window.message.text() == "已读取身份证：王芳，已填入申请人"


# --- the reader's link in the top bar, and the demo hall's reader (issue 22 leftovers) -------


def test_the_top_bar_shows_the_readers_link(
    qtbot: QtBot, window: MainWindow, reader_sim: tuple[PtySimulator, SamCardResponder]
) -> None:
    sim, _responder = reader_sim
    window.context.settings.set(
        "devices",
        [{"kind": "id_reader", "name": "身份证阅读器", "window": window.operator.window_no,
          "port": {"url": sim.path, "poll_interval_s": 0.05}}],
    )  # fmt: skip
    window.start_id_reader()
    assert window.id_reader.service is not None
    qtbot.waitUntil(lambda: window.device_state().level == "ok", timeout=10_000)
    state = window.device_state()
    assert "阅读器正常" in state.text and sim.path in state.detail
    window.watch_state("devices", window.device_state)
    qtbot.waitUntil(lambda: "阅读器正常" in window.top.devices.text(), timeout=5000)
    sim.vanish()  # unplugged
    qtbot.waitUntil(lambda: window.device_state().level == "error", timeout=10_000)
    assert "阅读器未连接" in window.device_state().text
    qtbot.waitUntil(lambda: "阅读器未连接" in window.top.devices.text(), timeout=5000)


def test_a_reader_for_another_window_is_not_opened_here(window: MainWindow) -> None:
    window.context.settings.set(
        "devices",
        [{"kind": "id_reader", "name": "9号窗口身份证阅读器", "window": "9",
          "port": {"url": "/dev/null-reader"}}],
    )  # fmt: skip
    window.start_id_reader()
    assert window.id_reader.service is None
    assert "阅读器" not in window.device_state().text


def test_the_demo_halls_devices_include_a_reader_on_the_first_window() -> None:
    from app.services.id_reader import reader_settings
    from devices.settings import DeviceKind, device_from_mapping
    from devices.simulate import demo_device_mappings

    mappings = demo_device_mappings(
        {"pinganlihe": "/dev/pts/7", "yichuang": "COM4", "printer": "COM5", "idcard": "COM6"}
    )
    reader = device_from_mapping(mappings[-1])
    assert (reader.kind, reader.window, reader.port.url) == (DeviceKind.ID_READER, "1", "COM6")
    assert reader.port.baudrate == 115200
    found = reader_settings(mappings, "1")
    assert found is not None and found.port.url == "COM6"
    assert reader_settings(mappings, "2") is None
