"""Background work: lanes on one shared, bounded pool (app/background.py) and the
TaskRunner that brings their results back to the GUI thread (app/ui/tasks.py).

No test waits on time: every wait is on an event or a condition (qtbot.waitUntil),
and what must not happen yet is held by a gate the test opens itself."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QThread
from pytestqt.qtbot import QtBot

from app.background import Lane, Pool, shared_pool
from app.ui.tasks import TaskRunner

WAIT = 10.0  # seconds a gate waits at most: a hang fails the test instead of the run


@pytest.fixture
def pool() -> Iterator[Pool]:
    p = Pool(3, name="test-pool")
    yield p
    p.close()


def _gate() -> threading.Event:
    return threading.Event()


# ------------------------------------------------------------------ lanes, Qt-free


def test_a_lane_runs_its_jobs_in_order_and_never_two_at_once(pool: Pool) -> None:
    lanes = [Lane(f"lane-{n}", pool) for n in range(5)]
    done: dict[str, list[int]] = {lane.name: [] for lane in lanes}
    inside: dict[str, int] = {lane.name: 0 for lane in lanes}
    overlaps: list[str] = []
    lock = threading.Lock()

    def job(lane: str, i: int) -> Callable[[], None]:
        def run() -> None:
            with lock:
                inside[lane] += 1
                if inside[lane] > 1:
                    overlaps.append(lane)
            sum(range(2000))  # some work, so lanes interleave on the three workers
            with lock:
                inside[lane] -= 1
                done[lane].append(i)

        return run

    for i in range(200):
        for lane in lanes:
            lane.submit(job(lane.name, i))
    for lane in lanes:
        assert lane.close(WAIT)
    assert overlaps == []
    assert all(order == list(range(200)) for order in done.values())
    assert pool.threads <= 3


def test_a_blocked_lane_holds_up_no_other_lane(pool: Pool) -> None:
    slow, fast = Lane("slow", pool), Lane("fast", pool)
    release, started = _gate(), _gate()
    after: list[str] = []
    slow.submit(lambda: (started.set(), release.wait(WAIT)))
    slow.submit(lambda: after.append("slow 2"))
    assert started.wait(WAIT)
    finished = _gate()
    for i in range(20):
        fast.submit(lambda i=i: after.append(f"fast {i}"))
    fast.submit(finished.set)
    assert finished.wait(WAIT)  # all of fast ran while slow's first job was held
    assert "slow 2" not in after and slow.pending == 2
    release.set()
    assert slow.close(WAIT)
    assert after[-1] == "slow 2"


def test_a_failing_job_is_reported_and_its_lane_and_the_others_go_on(
    pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[tuple[type[BaseException], str]] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda a: reported.append((a.exc_type, a.thread.name))
    )
    bad, good = Lane("bad", pool), Lane("good", pool)
    ran: list[str] = []
    bad.submit(lambda: 1 / 0)
    bad.submit(lambda: ran.append("bad 2"))
    good.submit(lambda: ran.append("good"))
    assert bad.close(WAIT) and good.close(WAIT)
    assert sorted(ran) == ["bad 2", "good"]
    assert len(reported) == 1 and reported[0][0] is ZeroDivisionError
    assert reported[0][1].endswith(":bad")  # the lane is named where it crashed


def test_the_pool_never_grows_past_its_bound(pool: Pool) -> None:
    release = _gate()
    lanes = [Lane(f"l{n}", pool) for n in range(8)]
    running = threading.Semaphore(0)
    for lane in lanes:
        lane.submit(lambda: (running.release(), release.wait(WAIT)))
    for _ in range(3):  # three start at once (one per worker) ...
        assert running.acquire(timeout=WAIT)
    assert not running.acquire(blocking=False)  # ... and no fourth is running
    assert pool.threads == 3
    release.set()
    assert all(lane.close(WAIT) for lane in lanes)
    assert pool.threads == 3


def test_one_busy_lane_borrows_one_worker_not_the_whole_pool(pool: Pool) -> None:
    lane = Lane("alone", pool)
    release = _gate()
    lane.submit(lambda: release.wait(WAIT))  # the lane stays busy until all are queued
    for _ in range(100):
        lane.submit(lambda: sum(range(1000)))
    release.set()
    assert lane.close(WAIT)
    assert pool.threads == 1  # each next step is taken by the worker that yielded it


def test_close_waits_for_the_queued_jobs_then_refuses_new_ones(pool: Pool) -> None:
    lane = Lane("saves", pool)
    started, release = _gate(), _gate()
    saved: list[int] = []
    lane.submit(lambda: (started.set(), release.wait(WAIT), saved.append(0)))
    for i in range(1, 5):
        lane.submit(lambda i=i: saved.append(i))
    assert started.wait(WAIT)
    assert not lane.close(0)  # still running: close(0) does not wait ...
    assert lane.submit(lambda: saved.append(99)) is False  # ... but takes nothing new
    threading.Thread(target=release.set).start()  # opened while close() below waits
    assert lane.close(WAIT)
    assert saved == [0, 1, 2, 3, 4]


def test_a_job_may_close_its_own_lane_without_waiting_for_itself(pool: Pool) -> None:
    lane = Lane("self", pool)
    result: list[bool] = []
    done = _gate()
    lane.submit(lambda: (result.append(lane.close(None)), done.set()))
    assert done.wait(WAIT)  # close(None) waiting for itself would hang here
    assert result == [True] and lane.close(WAIT)


def test_a_delayed_job_waits_on_the_pools_own_workers(pool: Pool) -> None:
    lane = Lane("later", pool)
    ran = _gate()
    order: list[str] = []
    lane.submit_after(0.05, lambda: (order.append("late"), ran.set()))
    lane.submit(lambda: order.append("now"))
    assert ran.wait(WAIT)
    assert order == ["now", "late"]
    assert pool.threads <= 3  # nothing started a timer thread of its own


def test_a_closed_lane_drops_its_delayed_jobs() -> None:
    one = Pool(1, name="one")  # one worker: what falls due first runs first
    try:
        lane = Lane("stopped", one)
        ran: list[int] = []
        lane.submit_after(0.01, lambda: ran.append(1))
        lane.close(0)
        done = _gate()
        Lane("probe", one).submit_after(0.05, done.set)  # due after the dropped one
        assert done.wait(WAIT)
        assert ran == []
    finally:
        one.close()


def test_the_shared_pool_is_made_once() -> None:
    assert shared_pool() is shared_pool()
    assert shared_pool().workers == 4


# ------------------------------------------------------------------ TaskRunner (Qt)


def test_results_come_back_on_the_gui_thread_in_order(qtbot: QtBot, pool: Pool) -> None:
    runner = TaskRunner(name="gui", pool=pool)
    got: list[tuple[int, bool, bool]] = []
    worker_threads: set[str] = set()
    gui = QCoreApplication.instance().thread()  # type: ignore[union-attr]

    def job(i: int) -> int:
        worker_threads.add(threading.current_thread().name)
        return i

    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    for i in range(30):
        runner.submit(
            lambda i=i: job(i),
            lambda v: got.append(
                (
                    v,
                    QThread.currentThread() == gui,
                    threading.current_thread() is threading.main_thread(),
                )
            ),
        )
    assert runner.pending == 30
    qtbot.waitUntil(lambda: len(got) == 30)
    assert [v for v, _, _ in got] == list(range(30))
    assert all(on_gui and main for _, on_gui, main in got)
    assert all(name.startswith("test-pool") for name in worker_threads)
    assert runner.pending == 0 and busy == [True, False]
    runner.shutdown()


def test_two_runners_are_independent(qtbot: QtBot, pool: Pool) -> None:
    a, b = TaskRunner(name="a", pool=pool), TaskRunner(name="b", pool=pool)
    release, started = _gate(), _gate()
    got: list[str] = []
    a.submit(lambda: (started.set(), release.wait(WAIT)), lambda _: got.append("a"))
    assert started.wait(WAIT)
    b.submit(lambda: 1 / 0, on_error=lambda exc: got.append(type(exc).__name__))
    b.submit(lambda: "b", got.append)
    qtbot.waitUntil(lambda: got == ["ZeroDivisionError", "b"])  # a still held
    release.set()
    qtbot.waitUntil(lambda: got[-1:] == ["a"])
    a.shutdown()
    b.shutdown()


def test_shutdown_finishes_the_queued_saves_and_their_results_still_arrive(
    qtbot: QtBot, pool: Pool
) -> None:
    runner = TaskRunner(name="saves", pool=pool)
    started, release = _gate(), _gate()
    written: list[int] = []
    results: list[int] = []
    runner.submit(lambda: (started.set(), release.wait(WAIT), written.append(0))[-1])
    for i in range(1, 4):
        runner.submit(lambda i=i: written.append(i), lambda _, i=i: results.append(i))
    assert started.wait(WAIT)
    threading.Thread(target=release.set).start()
    runner.shutdown(WAIT)  # blocks the GUI thread until the lane is empty
    assert written == [0, 1, 2, 3]
    runner.submit(lambda: written.append(99))  # a closing window takes no new work
    assert runner.pending == 4
    qtbot.waitUntil(lambda: results == [1, 2, 3])
    assert written == [0, 1, 2, 3] and runner.pending == 0


def test_a_result_for_a_window_closed_meanwhile_is_dropped_quietly(
    qtbot: QtBot, pool: Pool
) -> None:
    from PySide6.QtCore import QObject

    owner = QObject()
    runner = TaskRunner(owner, name="closing", pool=pool)
    lane = runner._lane
    started, release = _gate(), _gate()
    got: list[object] = []
    runner.submit(lambda: (started.set(), release.wait(WAIT))[0], got.append)
    assert started.wait(WAIT)
    destroyed = _gate()
    owner.destroyed.connect(destroyed.set)
    owner.deleteLater()  # the window goes, its runner with it
    qtbot.waitUntil(destroyed.is_set)
    release.set()
    assert lane.close(WAIT)  # the job finished; its result has nowhere to go
    from tests.app.conftest import flush_ui

    flush_ui(qtbot)  # a delivery to the deleted runner would raise here (pytest-qt)
    assert got == []


def test_an_error_without_a_handler_goes_to_failed(qtbot: QtBot, pool: Pool) -> None:
    runner = TaskRunner(name="failing", pool=pool)
    with qtbot.waitSignal(runner.failed) as signal:
        runner.submit(lambda: (_ for _ in ()).throw(OSError("磁盘已满")))
    assert signal.args == ["磁盘已满"]
    runner.shutdown()


# ------------------------------------------------------------------ crashes: log and one dialog


@pytest.fixture
def crashes(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[object, list[object]]]:
    from datetime import datetime

    from app import crash
    from app.core.clock import FixedClock
    from app.ui.crash_dialog import CrashNotifier

    notifier = CrashNotifier()
    handler = crash.install(tmp_path, FixedClock(datetime(2026, 6, 1, 10, 0)), notifier)
    try:
        yield handler, notifier.shown  # type: ignore[misc]
    finally:
        crash.uninstall()
        for box in notifier.shown:
            box.close()  # type: ignore[attr-defined]


@pytest.mark.qt_no_exception_capture
def test_every_kind_of_uncaught_error_reaches_the_crash_log_and_one_dialog(
    qtbot: QtBot, pool: Pool, tmp_path: Path, crashes: tuple[object, list[object]]
) -> None:
    import sys

    from PySide6.QtCore import QTimer

    handler, shown = crashes
    runner = TaskRunner(name="crashing", pool=pool)
    # 1. a lane job nobody handles (no on_error, nobody on `failed`)
    runner.submit(lambda: {}["missing"])
    qtbot.waitUntil(lambda: handler.crashes == 1)  # type: ignore[attr-defined]
    # 2. an on_done that raises: an error in a Qt slot
    runner.submit(lambda: 1, lambda _: [][1])
    qtbot.waitUntil(lambda: handler.crashes == 2)  # type: ignore[attr-defined]
    # 3. a plain Qt slot (a timer)
    QTimer.singleShot(0, lambda: int("x"))
    qtbot.waitUntil(lambda: handler.crashes == 3)  # type: ignore[attr-defined]
    # 4. a raw thread
    thread = threading.Thread(target=lambda: 1 / 0, name="raw")
    thread.start()
    thread.join(WAIT)
    # 5. a Qt-free lane job (start-up, services)
    lane = Lane("plain", pool)
    lane.submit(lambda: None.missing)  # type: ignore[attr-defined]
    lane.close(WAIT)
    # 6. the main thread itself
    try:
        raise RuntimeError("main")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    assert handler.crashes == 6  # type: ignore[attr-defined]
    logs = sorted((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 6
    bodies = "\n".join(p.read_text(encoding="utf-8") for p in logs)
    for kind in ("KeyError", "IndexError", "ValueError", "ZeroDivisionError",
                 "AttributeError", "RuntimeError"):  # fmt: skip
        assert kind in bodies
    assert "thread: raw" in bodies and ":plain" in bodies
    assert "background job of crashing, nobody handled its error" in bodies
    qtbot.waitUntil(lambda: len(shown) >= 1)
    from tests.app.conftest import flush_ui

    flush_ui(qtbot)
    assert len(shown) == 1  # one dialog for the burst, not six
    runner.shutdown()


# ------------------------------------------------------------------ the whole program


def _new_threads(before: set[int | None]) -> list[str]:
    return [t.name for t in threading.enumerate() if t.ident not in before]


def test_the_daily_backup_looks_on_a_lane_and_starts_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import backup

    looked: list[str] = []
    monkeypatch.setattr(
        backup, "backup_now_if_due", lambda *a: looked.append(threading.current_thread().name)
    )
    before = {t.ident for t in threading.enumerate()}
    stop = backup.start_daily_backups(tmp_path / "x.sqlite3", tmp_path, None, 0, 0.01)
    try:
        for n in (1, 2, 3):  # first at once, then again and again
            done = threading.Event()
            for _ in range(int(WAIT / 0.01)):
                if len(looked) >= n:
                    break
                done.wait(0.01)
            assert len(looked) >= n
    finally:
        stop.set()
    assert all(name.endswith(":daily-backup") for name in looked), looked
    assert all(name.startswith("yichuang-pool") for name in _new_threads(before))


def test_the_store_opens_ahead_of_need_on_a_lane(tmp_path: Path) -> None:
    from app.quick_start import DeferredStore, open_in_background

    store = DeferredStore(f"sqlite:///{tmp_path / 'yichuang.sqlite3'}")
    before = {t.ident for t in threading.enumerate()}
    open_in_background(store)
    done = threading.Event()
    for _ in range(int(30 / 0.01)):
        if store.ready:
            break
        done.wait(0.01)
    assert store.ready
    assert all(name.startswith("yichuang-pool") for name in _new_threads(before))
    store.close()


def test_the_counter_and_the_queue_roles_share_the_pool_instead_of_a_thread_each(
    qtbot: QtBot, tmp_path: Path, app_context: object
) -> None:
    """The counter window with its queue panel, and a kiosk, a hall display and a
    manager open in the same process: eight runners and more, and no thread for any
    of them — only the pool's (four at most). Before the pool, each runner started
    a thread of its own when it was made."""
    from app.background import WORKERS
    from app.services.queue import QueueService, queue_url
    from app.ui.main_window import MainWindow
    from app.ui.queue.hall_display import HallDisplay
    from app.ui.queue.kiosk import KioskWindow
    from app.ui.queue.manager import ManagerWindow
    from tests.app.conftest import CLERK, show_window

    before = {t.ident for t in threading.enumerate()}
    window = show_window(qtbot, MainWindow(app_context, CLERK))  # type: ignore[arg-type]
    window.context.settings.set("demo_clerks", True)
    window.context.settings.set("print_after_save", False)
    window.start_queue()
    panel = window.queue_panel
    assert panel is not None
    service = QueueService(queue_url("", window.context.data_dir), seed=True)
    roles = [
        KioskWindow(service, "大厅", interval_ms=100),
        HallDisplay(service, "大厅", interval_ms=100),
        ManagerWindow(service, "chenzhuren", "大厅", interval_ms=100),
    ]
    try:
        for role in roles:
            qtbot.addWidget(role)
            role.start()
        qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=10_000)
        runners = [r for w in (window, *roles) for r in w.findChildren(TaskRunner)]
        for role in roles:
            qtbot.waitUntil(lambda role=role: role.runner.pending == 0, timeout=10_000)
        assert len(runners) >= 6, [r.name for r in runners]
        new = [t for t in threading.enumerate() if t.ident not in before]
        names = {r.name for r in runners}
        assert not [t.name for t in new if t.name in names]  # no thread of a runner's
        pool_threads = [t for t in threading.enumerate() if t.name.startswith("yichuang-pool")]
        assert 1 <= len(pool_threads) <= WORKERS
        others = [t.name for t in new if not t.name.startswith("yichuang-pool")]
        # each queue screen's QueueWaker (db/queue_notify.py) blocks on LISTEN (or
        # stats the SQLite files): a loop of its own by design; nothing else
        assert set(others) <= {"queue-waker"} and len(others) <= 4, others
    finally:
        for role in roles:
            role.close()  # the roles' closeEvent shuts their runners down
        window.runner.shutdown()
        service.close()
