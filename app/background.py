"""The one place background work runs: lanes on one shared, bounded pool of threads.

A ``Lane`` runs its jobs one after another, in the order they were submitted — the
database writes of one window never race each other — but it owns no thread: when
it has work it borrows a worker of the process's ``Pool`` for one job, then gives it
back (queued again behind the other lanes), so a busy lane never starves another.
A job that raises is reported to ``threading.excepthook`` (app/crash.py: the crash
log and one dialog) and the lane goes on with its next job; one lane's failure never
touches another lane.

``shared_pool()`` is created once per process, on first use, with ``WORKERS``
threads at most (started as work arrives, daemon threads, so a job stuck on a dead
device never keeps the program from exiting). Why four: a program has at most three
lanes that may hold a worker for long at the same time (the counter's window, its
queue panel and a print or sign-in job; the kiosk's queue and its printer), and a
lane holds at most one worker, so a fourth keeps short jobs flowing.

Qt-free on purpose: the start-up code and the services use it directly
(app/quick_start.py opens the store ahead of need, app/services/backup.py runs the
daily backup); widgets use app/ui/tasks.TaskRunner, a lane whose results come back
on the GUI thread. ``Pool.run_after`` waits for a delayed job on the pool's own idle
workers, so a periodic job needs no thread that sleeps for it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("yichuang.background")

WORKERS = 4

Task = Callable[[], object]


def report_uncaught(where: str) -> None:
    """Hand the exception being handled to ``threading.excepthook`` (the crash log)."""
    kind, value, tb = sys.exc_info()
    if kind is None or value is None:
        return
    try:
        threading.excepthook(
            threading.ExceptHookArgs((kind, value, tb, threading.current_thread()))
        )
    except Exception:  # the hook itself failed: the log still has it
        log.exception("uncaught in %s", where)


class Pool:
    """At most ``workers`` daemon threads running tasks first come, first served;
    ``run_after`` holds a task until its time (monotonic) without a thread of its own."""

    def __init__(self, workers: int = WORKERS, name: str = "yichuang-pool") -> None:
        if workers < 1:
            raise ValueError("a pool needs at least one worker")
        self.workers = workers
        self.name = name
        self._cond = threading.Condition()
        self._ready: deque[Task] = deque()
        self._timed: list[tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._idle = 0  # workers waiting for a task
        self._closed = False

    @property
    def threads(self) -> int:
        """How many worker threads were started (never more than ``workers``)."""
        with self._cond:
            return len(self._threads)

    def run(self, task: Task, *, yielding: bool = False) -> None:
        """Queue ``task``. ``yielding``: called by a worker at the very end of its
        task (a lane's next step): that worker takes it if nobody else does first, so
        no worker is started for it."""
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed")
            self._ready.append(task)
            self._kick(spawn=not yielding)

    def run_after(self, delay_s: float, task: Task) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed")
            heapq.heappush(self._timed, (time.monotonic() + delay_s, next(self._seq), task))
            self._kick()

    def close(self) -> None:
        """Let the workers end once nothing is ready (tests; the shared pool lives
        as long as the process). Delayed tasks not yet due are dropped."""
        with self._cond:
            self._closed = True
            self._timed.clear()
            self._cond.notify_all()

    def _kick(self, spawn: bool = True) -> None:
        # under the lock: a worker for the work waiting, started if none is idle
        if (
            spawn
            and (len(self._ready) > self._idle or (self._timed and not self._idle))
            and len(self._threads) < self.workers
        ):
            n = len(self._threads) + 1
            thread = threading.Thread(target=self._work, name=f"{self.name}-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()
        self._cond.notify_all()  # idle workers look again (a ready task, an earlier time)

    def _next(self) -> Task | None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._timed and self._timed[0][0] <= now:
                    self._ready.append(heapq.heappop(self._timed)[2])
                if self._ready:
                    task = self._ready.popleft()
                    if self._ready:
                        self._kick()  # more is ready: another worker takes it
                    return task
                if self._closed:
                    return None
                self._idle += 1
                try:
                    self._cond.wait(self._timed[0][0] - now if self._timed else None)
                finally:
                    self._idle -= 1

    def _work(self) -> None:
        me = threading.current_thread()
        own_name = me.name
        while (task := self._next()) is not None:
            try:
                task()
            except BaseException:  # a task is a lane step, which reports its own
                report_uncaught(own_name)
            finally:
                me.name = own_name
        with self._cond:
            self._threads.remove(me)


_shared: list[Pool] = []
_shared_lock = threading.Lock()


def shared_pool() -> Pool:
    """The process's pool, created on first use."""
    with _shared_lock:
        if not _shared:
            _shared.append(Pool(WORKERS))
        return _shared[0]


class Lane:
    """Jobs run one at a time, in order, on a pool's workers (the shared one unless
    given). ``close()`` finishes the jobs already submitted and refuses new ones."""

    def __init__(self, name: str, pool: Pool | None = None) -> None:
        self.name = name
        self._pool = pool
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._jobs: deque[Task] = deque()
        self._count = 0  # submitted and not yet finished
        self._scheduled = False  # a step is on the pool or running
        self._closed = False
        self._in_step: threading.Thread | None = None

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            self._pool = shared_pool()
        return self._pool

    @property
    def pending(self) -> int:
        """Jobs submitted and not finished (the one running included)."""
        with self._lock:
            return self._count

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, job: Task) -> bool:
        """Queue ``job``; False (and nothing runs) when the lane is closed."""
        with self._lock:
            if self._closed:
                log.warning("lane %s is closed: a job was not run", self.name)
                return False
            self._jobs.append(job)
            self._count += 1
            if self._scheduled:
                return True
            self._scheduled = True
        self.pool.run(self._step)
        return True

    def submit_after(self, delay_s: float, job: Task) -> None:
        """Queue ``job`` on this lane after ``delay_s`` seconds (dropped if the lane
        is closed by then)."""
        self.pool.run_after(delay_s, lambda: self._submit_late(job))

    def _submit_late(self, job: Task) -> None:
        if not self._closed:
            self.submit(job)

    def _step(self) -> None:
        me = threading.current_thread()
        with self._lock:
            job = self._jobs.popleft()
            self._in_step = me
        me.name = f"{me.name}:{self.name}"  # in the log and a crash log; the pool puts it back
        try:
            job()
        except BaseException:  # the lane goes on; the crash log has it
            report_uncaught(self.name)
        finally:
            with self._lock:
                self._in_step = None
                self._count -= 1
                again = bool(self._jobs)
                if not again:
                    self._scheduled = False
                    self._settled.notify_all()
            if again:  # behind the other lanes' work: no lane starves another
                self.pool.run(self._step, yielding=True)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Refuse new jobs and wait up to ``timeout`` seconds (None: as long as it
        takes) for the submitted ones to finish — a save in flight is never
        abandoned, it only may finish after this returns. True when all finished.
        A job closing its own lane does not wait for itself."""
        with self._lock:
            self._closed = True
            if self._in_step is threading.current_thread():
                return self._count == 1
            return self._settled.wait_for(lambda: self._count == 0, timeout)
