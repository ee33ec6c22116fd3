"""The hall's queue hardware driven by the hall queue: strips, hall displays and the
voice follow the queue's event log; keypads and evaluators become queue operations.

No Qt. One HallDeviceBridge per program that has queue hardware (settings `devices`
and/or `voice`); `build_bridge()` makes it from the settings.

Threads, and why nothing waits on a device:
- The bridge's own thread ("hall-devices") owns its QueueStore (a QueueStore is for
  one thread at a time, so the bridge never shares the UI's). It follows the log
  (`last_event_no()`, then `events_after()` when it moved) and runs the keypad and
  evaluator actions, one at a time, in the order they came.
- Device callbacks (a key, a score, a status change) arrive on the transports'
  threads and only put a message in the bridge's inbox or build a status snapshot.
- The bridge keeps a thread of its own instead of a lane of the shared pool
  (app/background.py): it waits on its inbox all day with a deadline (the next
  poll, a file check every 20 ms, a notice to take down, the status heartbeat of
  ``publish_status``), which would hold one of the pool's few workers for good.
- What the bridge sends goes through the transports' queues (display texts,
  evaluation requests) and the announcer's queue (voice): a display that is unplugged
  or slow holds up nothing, and a failure is logged and shown in the status, never
  raised into the queue or the caller.

How soon a call reaches the strip: an operation made in this process can `wake()`
the bridge at once; on PostgreSQL every queue write NOTIFYs and the bridge's
QueueWaker (db/queue_notify.py), LISTENing on a connection of its own, wakes it as
the write commits; on a SQLite store the bridge looks at the database files' size
and time every `hint_interval_s` (0.02 s) — a stat, no query — so a call from
another counter shows within a few tens of milliseconds. Polling `last_event_no()`
stays as the fallback: every `poll_interval_s` (0.15 s) while there is no live
notification connection — the waker wakes the bridge when it loses it, and
reconnects — and every `listen_poll_s` (2 s) as a safety net while there is.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from app.core.clock import Clock, clock_from_env
from app.core.listeners import Listeners
from app.core.queue_records import Action, CounterInfo, QueueError, QueueEvent
from db.queue import QueueStore
from db.queue_notify import QueueWaker, file_signature
from devices.displays import FramedDisplay
from devices.errors import DeviceError
from devices.events import EvaluationResult, Key, KeyEvent
from devices.hub import DeviceHub
from devices.inputs import GenericEvaluator, GenericKeypad
from devices.kinds import Voice
from devices.settings import DeviceKind, DeviceSettings, device_from_mapping, voice_from_mapping
from devices.transport import LinkState, StatusEvent, StatusReason

log = logging.getLogger("yichuang.hall_devices")

SKIP_REASON = "过号（呼叫器）"
PAUSE_REASON = "暂停服务（呼叫器）"
RESUME_REASON = "恢复服务（呼叫器）"

_CALLS = frozenset({Action.CALL, Action.CALL_TICKET, Action.RECALL})
_ENDS = frozenset({Action.FINISH, Action.SKIP, Action.AUTO_SKIP, Action.TRANSFER})
_EVENT_PAGE = 500
HEARTBEAT_S = 5.0  # publish_status(): the bridge rewrites its status file this often


@dataclass(frozen=True)
class StripTexts:
    """What a window's strip shows besides a call (the call itself follows the
    display's own template, DeviceSettings.template)."""

    idle: str = "欢迎光临"
    paused: str = "暂停服务"
    sign_in: str = "请先登录"  # a key pressed with nobody signed in at the window
    nobody_waiting: str = "暂无等候"
    busy: str = "系统忙，请稍候"  # the queue store cannot be reached
    no_evaluator: str = "本窗口未配置评价器"
    nothing_to_evaluate: str = "没有可评价的号"
    evaluation_prompt: str = "请对{ticket}号的服务作出评价"
    notice_s: float = 3.0  # how long such a message stays before the strip goes back


# --- status ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceHealth:
    """One device as the top bar shows it."""

    name: str
    kind: DeviceKind
    window: str | None
    url: str
    state: LinkState
    error: str | None
    last_frame_at: float | None  # time.time(): sent to a display/printer, read from an input

    @property
    def ok(self) -> bool:
        return self.state is LinkState.CONNECTED

    @property
    def failing(self) -> bool:
        return self.state is LinkState.ERROR

    @property
    def message(self) -> str:
        if self.failing and self.error:
            return f"{self.name}：{self.error}"
        return f"{self.name}：{self.state.label}"


@dataclass(frozen=True)
class BridgeStatus:
    """A snapshot: every device, the queue link, the voice, the last thing said."""

    devices: tuple[DeviceHealth, ...]
    queue_error: str | None = None  # the bridge cannot read the queue
    voice_error: str | None = None  # the last announcement failed
    last_message: str = ""  # e.g. "1号窗口评价器：A001已经评价过，每个号只能评价一次"
    running: bool = False

    @property
    def failing(self) -> int:
        return sum(d.failing for d in self.devices)

    @property
    def all_ok(self) -> bool:
        return (
            all(d.ok for d in self.devices)
            and self.queue_error is None
            and self.voice_error is None
        )

    @property
    def summary(self) -> str:
        """One short line for the top bar."""
        if self.queue_error is not None:
            return "排队设备：排队数据库不可用"
        if self.failing:
            return f"{self.failing} 台排队设备异常"
        if not all(d.ok for d in self.devices):
            return "正在连接排队设备"
        if self.voice_error is not None:
            return "语音播报失败"
        return f"排队设备正常（{len(self.devices)} 台）" if self.devices else "语音播报正常"

    @property
    def problems(self) -> tuple[str, ...]:
        """The lines behind the summary (a tooltip, the log view)."""
        out = [d.message for d in self.devices if not d.ok]
        if self.queue_error is not None:
            out.insert(0, self.queue_error)
        if self.voice_error is not None:
            out.append(self.voice_error)
        return tuple(out)


StatusListener = Callable[[BridgeStatus], None]


# --- messages to the bridge's thread -----------------------------------------------------


@dataclass(frozen=True)
class _KeyPressed:
    window: str
    device: str
    key: Key


@dataclass(frozen=True)
class _Scored:
    window: str
    device: str
    result: EvaluationResult


class _Signal:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_UNSET: Any = object()
_WAKE = _Signal("wake")
_STOP = _Signal("stop")
_Message = _KeyPressed | _Scored | _Signal


@dataclass
class _Window:
    """What the bridge knows of one window: enough to say what its strip shows."""

    serving: str | None = None  # display number being served
    paused: bool = False
    notice_until: float | None = None  # monotonic; a message on the strip until then
    strips: list[FramedDisplay] = field(default_factory=list)
    evaluator: GenericEvaluator | None = None
    awaiting: uuid.UUID | None = None  # the ticket its evaluator was asked to rate


StoreSource = QueueStore | Callable[[], QueueStore] | str
"""A QueueStore for the bridge's thread alone, a function that opens one (called on
that thread; the bridge closes it), or a SQLAlchemy URL."""


class HallDeviceBridge:
    """Queue ↔ devices for the windows and hall displays of one DeviceHub.

    clerk_for_window(window_no) names the clerk signed in at a window, or None; it is
    called on the bridge's thread, so it must be safe to call from any thread
    (reading a dict the UI updates is). The hub is started by start() and closed by
    close() (owns_hub); so is the voice when it has a close() (owns_voice).
    """

    def __init__(
        self,
        queue_store: StoreSource,
        hub: DeviceHub,
        voice: Voice | None = None,
        texts: StripTexts | None = None,
        *,
        clerk_for_window: Callable[[str], str | None],
        poll_interval_s: float = 0.15,
        hint_interval_s: float | None = 0.02,
        evaluate_on_finish: bool = False,
        owns_hub: bool = True,
        owns_voice: bool = True,
        listen: bool = True,
        listen_poll_s: float = 2.0,
    ) -> None:
        if isinstance(queue_store, QueueStore):
            given = queue_store
            self._open: Callable[[], QueueStore] = lambda: given
            self._owns_store = False
        elif isinstance(queue_store, str):
            url = queue_store
            self._open = lambda: QueueStore.open(url)
            self._owns_store = True
        else:
            self._open = queue_store
            self._owns_store = True
        self.hub = hub
        self.voice = voice
        self.texts = texts or StripTexts()
        self.clerk_for_window = clerk_for_window
        self.poll_interval_s = poll_interval_s
        self.hint_interval_s = hint_interval_s
        self.evaluate_on_finish = evaluate_on_finish
        self._owns_hub = owns_hub
        self._owns_voice = owns_voice

        self._inbox: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._listeners: Listeners[BridgeStatus] = Listeners("排队设备状态")
        self._status_folder: Path | None = None  # publish_status(): the heartbeat file's
        self._status_lock = threading.Lock()  # writes come from the transports' threads too
        self._beat_s = HEARTBEAT_S
        self._beat_at: float | None = None  # monotonic: the next heartbeat write
        self._status_unsubscribe: Callable[[], None] | None = None
        self._queue_error: str | None = None
        self._voice_error: str | None = None
        self._last_message = ""
        self._last_input: dict[int, float] = {}  # id(device) → time.time()
        self._thread: threading.Thread | None = None
        self._running = False
        self._store: QueueStore | None = None
        self._last_no: int | None = None
        self._hint: Callable[[], object] | None = None
        self._hint_seen: object = None
        self._ready = threading.Event()
        self._deferred: list[tuple[str, str]] = []  # notices to show after following
        self.waker: QueueWaker | None = None  # PostgreSQL: LISTEN for queue changes
        self.listen = listen
        self.listen_poll_s = listen_poll_s  # the poll while LISTEN is live

        self.windows: dict[str, _Window] = {}
        self.hall_displays: list[FramedDisplay] = []
        for settings, device in hub.built:
            self._attach(settings, device)
        hub.subscribe(self._on_transport_status)

    def _attach(self, settings: DeviceSettings, device: object) -> None:
        window = settings.window_no
        if settings.kind is DeviceKind.HALL_DISPLAY and isinstance(device, FramedDisplay):
            self.hall_displays.append(device)
        if window is None:
            return
        state = self.windows.setdefault(window, _Window())
        if isinstance(device, FramedDisplay):
            state.strips.append(device)
        elif isinstance(device, GenericKeypad):
            device.subscribe(functools.partial(self._key_arrived, window, device))
        elif isinstance(device, GenericEvaluator):
            if state.evaluator is None:
                state.evaluator = device
            else:
                log.warning("%s号窗口配置了多个评价器，只使用“%s”", window, state.evaluator.name)
            device.subscribe(functools.partial(self._score_arrived, window, device))

    # --- public API ------------------------------------------------------------------------

    def start(self) -> HallDeviceBridge:
        """Start the devices and the bridge's thread; returns at once."""
        if self._thread is not None:
            return self
        if self._owns_hub:
            self.hub.start()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="hall-devices", daemon=True)
        self._thread.start()
        return self

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the bridge follows the queue (its store is open and the strips
        show where each window is). Calls made before that are not announced."""
        return self._ready.wait(timeout)

    def wake(self) -> None:
        """Look at the queue now: call after a queue operation made in this process,
        so its strip and voice do not wait for the next poll. Never blocks."""
        self._inbox.put(_WAKE)

    def close(self, timeout: float = 5.0) -> None:
        """Stop following the queue; close the devices (and voice, store) it owns."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._inbox.put(_STOP)
            thread.join(timeout)
            if thread.is_alive():
                log.error("排队设备线程未能在 %.1f 秒内结束", timeout)
        self._running = False
        waker, self.waker = self.waker, None
        if waker is not None:
            waker.close()
        if self._owns_hub:
            self.hub.close()
        if self._owns_voice and self.voice is not None:
            close = getattr(self.voice, "close", None)
            if callable(close):
                close()
        self._notify()
        with self._status_lock:
            folder, self._status_folder = self._status_folder, None
        if folder is not None:  # nothing drives the devices now: no status to show
            (folder / STATUS_FILE).unlink(missing_ok=True)

    def __enter__(self) -> HallDeviceBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """listener(BridgeStatus) on every change of a device's state, the queue link,
        the voice or the last message — on the transports' or the bridge's thread:
        the UI moves it to its own. Frames sent do not notify (read snapshot())."""
        return self._listeners.add(listener)

    def publish_status(self, folder: Path, every_s: float = HEARTBEAT_S) -> None:
        """Keep the devices' state in ``folder``/STATUS_FILE for the counter windows
        of this machine (read_status): written now, on every change, and every
        ``every_s`` seconds by the bridge's own loop as a heartbeat — no thread of its
        own, and a bridge whose loop stopped stops beating, so the counters see the
        file go stale. close() removes the file."""
        with self._status_lock:
            self._status_folder = folder
            self._beat_s = every_s
        self._beat_at = time.monotonic() + every_s
        self._write_status(self.snapshot())
        if self._status_unsubscribe is None:
            self._status_unsubscribe = self.subscribe(self._write_status)
        self.wake()  # the loop takes the new heartbeat time into its wait

    def _write_status(self, status: BridgeStatus) -> None:
        with self._status_lock:
            if self._status_folder is not None:
                write_status(self._status_folder, status)

    def _heartbeat(self, now: float) -> None:
        # on the bridge's thread, from its loop
        if self._beat_at is not None and now >= self._beat_at:
            self._beat_at = now + self._beat_s
            self._write_status(self.snapshot())

    def snapshot(self) -> BridgeStatus:
        devices = []
        for settings, device in self.hub.built:
            status = self.hub.transports[settings.port.url].status
            if isinstance(device, GenericKeypad | GenericEvaluator):
                with self._lock:
                    last = self._last_input.get(id(device))
            else:
                last = status.last_frame_at
            devices.append(
                DeviceHealth(
                    settings.display_name,
                    settings.kind,
                    settings.window_no,
                    settings.port.url,
                    status.state,
                    status.error,
                    last,
                )
            )
        with self._lock:
            return BridgeStatus(
                tuple(devices),
                self._queue_error,
                self._voice_error,
                self._last_message,
                self._running,
            )

    def report_voice_error(self, message: str) -> None:
        """The announcer's on_error: shown in the status until the next announcement."""
        log.warning("%s", message)
        self._set(voice_error=message)

    # --- device callbacks (transport threads) ---------------------------------------------

    def _key_arrived(self, window: str, device: object, event: KeyEvent) -> None:
        self._touch_input(device)
        self._inbox.put(_KeyPressed(window, event.device, event.key))

    def _score_arrived(self, window: str, device: object, result: EvaluationResult) -> None:
        if result.score is not None or not result.timed_out:
            self._touch_input(device)
        self._inbox.put(_Scored(window, result.device, result))

    def _touch_input(self, device: object) -> None:
        with self._lock:
            self._last_input[id(device)] = time.time()

    def _on_transport_status(self, event: StatusEvent) -> None:
        if event.reason is not StatusReason.FRAME_SENT:
            self._notify()

    # --- status -------------------------------------------------------------------------------

    def _set(
        self,
        *,
        queue_error: str | None = _UNSET,
        voice_error: str | None = _UNSET,
        message: str | None = None,
    ) -> None:
        changed = False
        with self._lock:
            if queue_error is not _UNSET and queue_error != self._queue_error:
                self._queue_error, changed = queue_error, True
            if voice_error is not _UNSET and voice_error != self._voice_error:
                self._voice_error, changed = voice_error, True
            if message is not None and message != self._last_message:
                self._last_message, changed = message, True
        if changed:
            self._notify()

    def _notify(self) -> None:
        if len(self._listeners):
            self._listeners.publish(self.snapshot())  # one listener's error stops no other

    # --- the bridge's thread -------------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        retry_at = 0.0
        backoff = 0.5
        try:
            while True:
                messages = self._take(self._wait_s(time.monotonic(), next_poll, retry_at))
                if _STOP in messages:
                    return
                self._heartbeat(time.monotonic())
                if self._store is None:
                    if time.monotonic() < retry_at or not self._open_store():
                        if time.monotonic() >= retry_at:
                            retry_at = time.monotonic() + backoff
                            backoff = min(backoff * 2, 10.0)
                        self._refuse_inputs(messages)
                        self._expire_notices(time.monotonic())
                        continue
                    backoff = 0.5
                    next_poll = 0.0
                store = self._store
                assert store is not None
                acted = False
                for message in messages:
                    if isinstance(message, _KeyPressed | _Scored):
                        self._handle(store, message)
                        acted = True
                if (
                    acted
                    or _WAKE in messages
                    or time.monotonic() >= next_poll
                    or self._hint_moved()
                ):
                    self._follow(store)
                    next_poll = time.monotonic() + self._poll_s()
                # a key's message goes up after the events the key itself caused
                deferred, self._deferred = self._deferred, []
                for window, text in deferred:
                    self._notice(window, text)
                self._expire_notices(time.monotonic())
        except Exception:  # a bug: say so loudly; the queue itself goes on without us
            log.exception("排队设备线程意外结束")
            self._set(queue_error="排队设备线程意外结束，请重新启动程序")
        finally:
            self._close_store()

    def _take(self, wait: float) -> list[_Message]:
        """The next messages: waits up to `wait` for the first, then takes the rest."""
        try:
            first = self._inbox.get(timeout=wait) if wait > 0 else self._inbox.get_nowait()
        except queue.Empty:
            return []
        messages = [first]
        while True:
            try:
                messages.append(self._inbox.get_nowait())
            except queue.Empty:
                return messages

    def _poll_s(self) -> float:
        """Polling is the fallback: while notifications arrive (PostgreSQL's LISTEN
        is live) a slow safety-net poll, else every ``poll_interval_s``."""
        waker = self.waker
        if waker is not None and waker.active:
            return max(self.poll_interval_s, self.listen_poll_s)
        return self.poll_interval_s

    def _wait_s(self, now: float, next_poll: float, retry_at: float) -> float:
        """Until the next poll, file check, message to take down, or store retry."""
        if self._store is None:
            deadline = retry_at
        else:
            deadline = next_poll
            if self._hint is not None and self.hint_interval_s is not None:
                deadline = min(deadline, now + self.hint_interval_s)
        for state in self.windows.values():
            if state.notice_until is not None:
                deadline = min(deadline, state.notice_until)
        if self._beat_at is not None:
            deadline = min(deadline, self._beat_at)
        return max(0.0, deadline - now)

    def _handle(self, store: QueueStore, message: _KeyPressed | _Scored) -> None:
        try:
            if isinstance(message, _KeyPressed):
                self._on_key(store, message)
            else:
                self._on_score(store, message)
        except Exception:  # a bug in our handling: the thread goes on
            log.exception("处理排队设备输入时出错：%s", message)

    def _open_store(self) -> bool:
        store: QueueStore | None = None
        try:
            store = self._open()
            last = store.last_event_no()
            counters = store.counters()
        except Exception as exc:
            log.warning("排队设备：无法打开排队数据库：%s", exc)
            self._set(queue_error=f"排队数据库不可用：{exc}")
            if store is not None and self._owns_store:
                try:
                    store.close()
                except Exception:
                    log.debug("关闭排队数据库失败", exc_info=True)
            return False
        self._store = store
        if self.listen and self.waker is None and store.engine.dialect.name == "postgresql":
            url = store.engine.url.render_as_string(hide_password=False)
            self.waker = QueueWaker(url, self.wake).start()
        self._hint = _change_hint(store) if self.hint_interval_s is not None else None
        self._hint_seen = self._hint() if self._hint is not None else None
        if self._last_no is None:  # first start: show where every window is now
            self._last_no = last
            self._sync(counters)
        self._set(queue_error=None)
        self._ready.set()
        log.info("排队设备已接入排队数据库（事件 %d）", last)
        return True

    def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None and self._owns_store:
            try:
                store.close()
            except Exception:
                log.debug("关闭排队数据库失败", exc_info=True)

    def _refuse_inputs(self, messages: Sequence[_Message]) -> None:
        for message in messages:
            if isinstance(message, _KeyPressed):
                self._notice(message.window, self.texts.busy)
            elif isinstance(message, _Scored) and message.result.score is not None:
                self._set(message=f"{message.device}：排队数据库不可用，评价未保存")
                log.warning("%s：排队数据库不可用，评价未保存", message.device)

    def _hint_moved(self) -> bool:
        if self._hint is None:
            return False
        seen = self._hint()
        if seen == self._hint_seen:
            return False
        self._hint_seen = seen
        return True

    # --- following the queue ---------------------------------------------------------------

    def _follow(self, store: QueueStore) -> None:
        try:
            last = store.last_event_no()
            if self._last_no is None or last < self._last_no:  # a new or emptied store
                self._last_no = last
                self._sync(store.counters())
            while last > self._last_no:
                events = store.events_after(self._last_no, _EVENT_PAGE)
                if not events:
                    break
                self._apply(events)
                self._last_no = events[-1].no
        except QueueError as exc:
            log.warning("排队设备：读取排队事件失败：%s", exc)
            return
        except Exception as exc:
            log.warning("排队设备：读取排队事件失败：%s", exc)
            self._set(queue_error=f"排队数据库不可用：{exc}")
            return
        self._set(queue_error=None)

    def _sync(self, counters: Sequence[CounterInfo]) -> None:
        by_window = {c.window_no: c for c in counters}
        for window, state in self.windows.items():
            info = by_window.get(window)
            state.serving = info.current if info else None
            state.paused = info.paused if info else False
            state.notice_until = None
            self._show(window, state)

    def _apply(self, events: Sequence[QueueEvent]) -> None:
        """Update each window once for the whole batch; announce each window's latest
        call only, so a bridge that was cut off does not read a backlog aloud."""
        touched: dict[str, None] = {}
        calls: dict[str, str] = {}
        finished: dict[str, uuid.UUID] = {}
        for event in events:
            window = event.window_no
            if not window:
                continue
            state = self.windows.get(window)
            if event.action in _CALLS:
                calls.pop(window, None)
                calls[window] = event.ticket
                if state is not None:
                    state.serving = event.ticket
            elif event.action in _ENDS:
                if state is not None and state.serving == event.ticket:
                    state.serving = None
                if event.action == Action.FINISH and event.ticket_id is not None:
                    finished[window] = event.ticket_id
            elif event.action in (Action.PAUSE, Action.RESUME):
                if state is not None:
                    state.paused = event.action == Action.PAUSE
            else:
                continue
            if state is not None:
                touched[window] = None
        for window in touched:
            state = self.windows[window]
            state.notice_until = None  # the queue's news replaces a message
            self._show(window, state)
        for window, ticket in calls.items():
            for display in self.hall_displays:
                self._display(display, ticket=ticket, window=window)
            if self.voice is not None:
                self._set(voice_error=None)
                try:
                    self.voice.announce(ticket, window)
                except Exception as exc:
                    log.warning("语音播报未能排队：%s", exc)
                    self._set(voice_error=f"语音播报失败：{exc}")
        if self.evaluate_on_finish:
            for window, ticket_id in finished.items():
                state = self.windows.get(window)
                if state is not None and state.evaluator is not None:
                    self._request_evaluation(window, state, ticket_id, "")

    def _show(self, window: str, state: _Window) -> None:
        """The window's strip(s) show what the queue says."""
        for display in state.strips:
            if state.paused:
                self._display(display, text=self.texts.paused)
            elif state.serving:
                self._display(display, ticket=state.serving, window=window)
            else:
                self._display(display, text=self.texts.idle)

    def _display(
        self, display: FramedDisplay, *, text: str = "", ticket: str = "", window: str = ""
    ) -> None:
        """Queue a text, or a call through the display's template; never raises."""
        try:
            if ticket:
                display.show_call(ticket, window)
            else:
                display.show_text(text)
        except (DeviceError, ValueError) as exc:  # text the display cannot show
            log.warning("%s：未能显示：%s", display.name, exc)
            self._set(message=f"{display.name}：{exc}")

    def _notice(self, window: str, text: str) -> None:
        """A short message on the window's strip; it goes back after notice_s."""
        log.info("%s号窗口：%s", window, text)
        self._set(message=f"{window}号窗口：{text}")
        state = self.windows.get(window)
        if state is None or not state.strips:
            return
        state.notice_until = time.monotonic() + self.texts.notice_s
        for display in state.strips:
            self._display(display, text=text)

    def _defer(self, window: str, text: str) -> None:
        self._deferred.append((window, text))

    def _expire_notices(self, now: float) -> None:
        for window, state in self.windows.items():
            if state.notice_until is not None and now >= state.notice_until:
                state.notice_until = None
                self._show(window, state)

    # --- keypads and evaluators -----------------------------------------------------------------

    def _clerk(self, window: str) -> str | None:
        try:
            clerk = self.clerk_for_window(window)
        except Exception:
            log.exception("查询%s号窗口的登录人员时出错", window)
            return None
        return clerk or None

    def _on_key(self, store: QueueStore, pressed: _KeyPressed) -> None:
        window = pressed.window
        clerk = self._clerk(window)
        if clerk is None:
            log.info("%s：%s号窗口无人登录，拒绝“%s”", pressed.device, window, pressed.key.label)
            self._defer(window, self.texts.sign_in)
            return
        log.info("%s：%s（%s）", pressed.device, pressed.key.label, clerk)
        try:
            if pressed.key is Key.NEXT:
                if store.call_next(window, clerk=clerk) is None:
                    self._defer(window, self.texts.nobody_waiting)
            elif pressed.key is Key.RECALL:
                store.recall(window, clerk=clerk)
            elif pressed.key is Key.SKIP:
                store.skip(window, clerk=clerk, reason=SKIP_REASON)
            elif pressed.key is Key.PAUSE:
                counter = _counter(store, window)
                if counter is not None and counter.paused:
                    store.resume(window, clerk=clerk, reason=RESUME_REASON)
                else:
                    store.pause(window, clerk=clerk, reason=PAUSE_REASON)
            elif pressed.key is Key.EVALUATE:
                self._ask_evaluation(store, window, clerk)
        except QueueError as exc:
            self._defer(window, str(exc))
        except Exception as exc:
            log.warning("%s：%s未完成：%s", pressed.device, pressed.key.label, exc)
            self._set(queue_error=f"排队数据库不可用：{exc}")
            self._defer(window, self.texts.busy)

    def _ask_evaluation(self, store: QueueStore, window: str, clerk: str) -> None:
        """The evaluate key ends the service being given (办结) and lights the window's
        evaluator for that ticket; with nobody being served, for the last one."""
        state = self.windows.get(window)
        if state is None or state.evaluator is None:
            self._defer(window, self.texts.no_evaluator)
            return
        counter = _counter(store, window)
        if counter is not None and counter.current:
            store.finish(window, clerk=clerk)
        ticket = store.last_finished(window)
        if ticket is None:
            self._defer(window, self.texts.nothing_to_evaluate)
            return
        self._request_evaluation(window, state, ticket.id, ticket.display)

    def _request_evaluation(
        self, window: str, state: _Window, ticket_id: uuid.UUID, display: str
    ) -> None:
        evaluator = state.evaluator
        if evaluator is None or state.awaiting == ticket_id:
            return
        state.awaiting = ticket_id
        prompt = self.texts.evaluation_prompt.format(ticket=display) if display else ""
        try:
            evaluator.request_evaluation(prompt=prompt)
        except (DeviceError, ValueError) as exc:
            log.warning("%s：未能请求评价：%s", evaluator.name, exc)
            try:
                evaluator.request_evaluation()
            except (DeviceError, ValueError):
                state.awaiting = None
                self._set(message=f"{evaluator.name}：未能请求评价：{exc}")

    def _on_score(self, store: QueueStore, scored: _Scored) -> None:
        window, result = scored.window, scored.result
        state = self.windows.get(window)
        ticket_id = state.awaiting if state is not None else None
        if state is not None:
            state.awaiting = None
        if result.score is None:
            log.info("%s：评价超时，未评价", scored.device)
            self._set(message=f"{scored.device}：评价超时，未评价")
            return
        if ticket_id is None:  # pressed unasked: it rates the window's last service
            last = store.last_finished(window)
            if last is None:
                log.info("%s：%s号窗口还没有办结的号，评价未保存", scored.device, window)
                self._set(message=f"{scored.device}：还没有办结的号，评价未保存")
                return
            ticket_id = last.id
        try:
            store.evaluate(ticket_id, int(result.score), actor=scored.device)
        except QueueError as exc:  # evaluated already (one per ticket): not a fault
            log.info("%s：评价未保存：%s", scored.device, exc)
            self._set(message=f"{scored.device}：{exc}")
            return
        log.info("%s：%s", scored.device, result.score.label)
        self._set(message=f"{scored.device}：{result.score.label}")


def _counter(store: QueueStore, window: str) -> CounterInfo | None:
    return next((c for c in store.counters() if c.window_no == window), None)


def _change_hint(store: QueueStore) -> Callable[[], object] | None:
    """For a SQLite store: a cheap signature (size and time of the database and its
    WAL) that moves when anyone commits. None for other databases."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return file_signature(url.database)


# --- from settings --------------------------------------------------------------------------


class SettingsLike(Protocol):
    def get(self, key: str) -> Any: ...


def build_bridge(
    settings: SettingsLike | Mapping[str, Any],
    queue_store: StoreSource,
    clerk_for_window: Callable[[str], str | None],
    *,
    voice: Voice | None = None,
    texts: StripTexts | None = None,
    evaluate_on_finish: bool = False,
    start: bool = True,
) -> HallDeviceBridge | None:
    """The bridge the settings ask for, started (start=True); None when the settings
    name no device and no voice.

    settings: app.settings.Settings or a mapping, read for `devices` (a list of
    device mappings, see devices.settings.device_from_mapping) and `voice` (see
    devices.settings.voice_from_mapping; empty: no voice on this machine).
    queue_store: give the bridge its own store — a URL or a function that opens one
    is best; a QueueStore passed here must not be used by any other thread.
    voice: overrides the `voice` setting (tests, a custom player).
    Raises SettingsError (a Chinese message for the user) for settings that cannot
    work; a device that is missing or fails later never raises, it shows in the
    status.
    """
    devices = [device_from_mapping(m) for m in settings.get("devices") or []]
    devices = [d for d in devices if d.kind is not DeviceKind.ID_READER]  # the intake's
    voice_settings = voice_from_mapping(settings.get("voice") or {})
    if not devices and voice is None and voice_settings is None:
        return None
    bridge_ref: list[HallDeviceBridge] = []

    def on_voice_error(message: str) -> None:
        if bridge_ref:
            bridge_ref[0].report_voice_error(message)

    if voice is None and voice_settings is not None:
        from devices.voice.announcer import build_announcer

        voice = build_announcer(voice_settings, on_error=on_voice_error)
    try:
        hub = DeviceHub(devices)
    except BaseException:
        close = getattr(voice, "close", None)
        if callable(close):
            close()
        raise
    bridge = HallDeviceBridge(
        queue_store,
        hub,
        voice,
        texts,
        clerk_for_window=clerk_for_window,
        evaluate_on_finish=evaluate_on_finish,
    )
    bridge_ref.append(bridge)
    return bridge.start() if start else bridge


# --- the demo hall ----------------------------------------------------------------------------


def start_demo_devices(
    windows: Sequence[str] = ("1", "2"),
    *,
    tcp: bool | None = None,
    on_frame: Callable[[str, Any], None] | None = None,
) -> Any:
    """Start the demo hall's simulated hardware (see devices.simulate.start_demo_hardware):
    returns a DemoHardware whose `device_mappings` is the `devices` setting to hand
    to build_bridge, and whose close() stops the simulators."""
    from devices.simulate import start_demo_hardware

    return start_demo_hardware(windows, tcp=tcp, on_frame=on_frame)


# --- who is at a window -----------------------------------------------------------------------


def window_clerks(
    local_url: str, queue_url: str, clock: Clock | None = None
) -> Callable[[str], str | None]:
    """``clerk_for_window`` for a bridge: the clerk signed in at that window on this
    machine's store today (open sign-in), else the clerk who last acted at that
    window in the hall's queue today (a counter on another PC), else None — and a
    keypad at a window nobody has worked at today is refused.

    Called on the bridge's thread, which owns the two stores it opens here (on the
    first key press: a bridge nobody presses opens nothing)."""
    from db.clerk_repo import active_logins, signed_in_at
    from db.store import Store, open_store

    the_clock = clock or clock_from_env()

    @functools.cache  # opened once; a failure is not kept, so the next key tries again
    def stores() -> tuple[Store, QueueStore]:
        return open_store(local_url, upgrade=False), QueueStore.open(queue_url, upgrade=False)

    def clerk(window_no: str) -> str | None:
        midnight = datetime.combine(the_clock.today(), datetime.min.time())
        try:
            local, hall = stores()
            with local.session() as s:
                logins = active_logins(s)
                here = signed_in_at(s, window_no, midnight)
            if here is not None:
                return here
            actors = hall.actors_at_window(window_no, midnight)
        except Exception as exc:  # the caller refuses the key with 系统忙
            log.warning("who is at window %s: %s", window_no, exc)
            raise
        return next((a for a in actors if a in logins), None)

    return clerk


# --- the devices' state for the counters' top bars ------------------------------------------

STATUS_FILE = "devices-status.json"
STATUS_STALE_S = 15.0  # no heartbeat for this long: the program driving them is not running


def write_status(folder: Path, status: BridgeStatus, *, now: float | None = None) -> None:
    """The bridge's state as a small file in the data folder (atomic replace), for the
    counter windows of this machine to show; rewritten on change and as a heartbeat."""
    import json

    data = {
        "at": time.time() if now is None else now,
        "summary": status.summary,
        "all_ok": status.all_ok,
        "failing": status.failing,
        "problems": list(status.problems),
    }
    tmp = folder / (STATUS_FILE + ".tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / STATUS_FILE)
    except OSError as exc:
        log.warning("device status not written: %s", exc)


def read_status(folder: Path, *, now: float | None = None) -> tuple[str, str, str] | None:
    """(level, text, detail) for the top bar from the status file of this machine's
    bridge; None when there is none (no devices driven from this machine). A stale
    file means the program that drives the devices has stopped."""
    import json

    path = folder / STATUS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        at = float(data["at"])
        summary = str(data["summary"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (time.time() if now is None else now) - at > STATUS_STALE_S:
        return ("warn", "排队设备：驱动程序未运行", "大厅屏程序（驱动排队设备）已停止或无响应")
    detail = "\n".join(str(p) for p in data.get("problems", []))
    return ("ok" if data.get("all_ok") else "error", summary, detail)
