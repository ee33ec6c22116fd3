"""The hall display's program drives the hall's queue hardware from its settings: a
call made at a counter (another process) reaches the strip of that window and the
hall display as the vendor's bytes, and the keypad at window 1 calls the next ticket
for the clerk signed in there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.commands.hall import prepare_demo_hall
from app.context import open_context
from app.services.queue import queue_url
from app.settings import Settings
from db.clerk_repo import sign_in
from db.queue import QueueStore
from devices.events import Key, TextFrame
from devices.simulate import start_demo_hardware

ROOT = Path(__file__).resolve().parents[3]
WAIT = 15.0


def _until(predicate, timeout: float = WAIT) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


@pytest.mark.slow
def test_the_display_program_drives_strips_hall_display_and_keypads(tmp_path: Path) -> None:
    prepare_demo_hall(tmp_path)
    hardware = start_demo_hardware(("1", "2"))
    settings = Settings.load(tmp_path / "settings.json")
    settings.set("devices", hardware.device_mappings)
    settings.set("voice", {})  # no sound card here; the voice has its own tests
    settings.save()
    ctx = open_context(data_dir=str(tmp_path))
    with ctx.store.session() as s, s.begin():  # wangfang works at window 1 today
        sign_in(s, "wangfang", "123456", "1")
    ctx.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", YICHUANG_NO_CRASH_DIALOG="1")
    display = subprocess.Popen(
        [sys.executable, "-m", "app", "run", "--role", "display", "--windowed",
         "--data-dir", str(tmp_path), "--quit-after", "40"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    store = QueueStore.open(queue_url("", tmp_path))
    strips = hardware.simulators["pinganlihe"]
    try:
        first = store.issue_ticket("ZH")
        second = store.issue_ticket("ZH")
        assert _until(lambda: bool(strips.frames)), "the display program drove nothing"
        called = store.call_next("2", clerk="lijun")  # at counter 2, another process
        assert called is not None and called.display == first.display
        text = f"请{first.display}号到2号窗口"
        assert _until(lambda: TextFrame("pinganlihe", 2, text) in strips.frames), strips.frames[-5:]
        assert _until(lambda: any(isinstance(f, TextFrame) and f.address == 128
                                  and first.display in f.text for f in strips.frames))  # fmt: skip

        hardware.simulators["yichuang"].inject_key(1, Key.NEXT)  # the keypad at window 1
        assert _until(lambda: store.ticket(second.id).window_no == "1")
        assert _until(
            lambda: TextFrame("pinganlihe", 1, f"请{second.display}号到1号窗口") in strips.frames
        )
        events = store.events_after(0)
        assert any(e.ticket == second.display and e.actor == "wangfang" for e in events)
    finally:
        store.close()
        display.terminate()
        _out, err = display.communicate(timeout=30)
        hardware.close()
    assert "Traceback" not in err, err
