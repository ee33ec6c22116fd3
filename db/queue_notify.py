"""Being woken when the hall queue changes, instead of waiting for the next poll.

Every queue write on PostgreSQL ends with ``pg_notify('yichuang_queue', <event no>)``
in its last statement (db/queue/base.py, commit_events), delivered when it commits. A QueueWaker
LISTENs on a connection of its own, on a thread of its own, and calls ``on_change``
for each notification; the listener (the device bridge, a screen's watcher) then
reads the log as it does after a poll. On a SQLite file there is no server to
notify: the waker looks at the database and WAL files' size and time every
``stat_interval_s`` (a stat, no query), which moves with every commit.

The poll stays: a waker only makes a listener look sooner. A notification
connection that is lost (the server restarted, a network cut, the backend killed)
is reported by ``state``, and the waker wakes the listener (so it looks now, and
polls while ``active`` is false) and reconnects with a growing pause (0.5 s to
10 s); after reconnecting it wakes the listener once more, since a change may have
been missed meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from db.queue import NOTIFY_CHANNEL

log = logging.getLogger("yichuang.queue.notify")

LISTENING = "listening"  # PostgreSQL: LISTEN on a live connection
WATCHING = "watching"  # SQLite: the files' size and time
LOST = "lost"  # the notification connection is gone: polling only, reconnecting
STOPPED = "stopped"
WAIT_S = 0.25  # PostgreSQL: the longest wait for a notification before looking at stop


def file_signature(database: str) -> Callable[[], object]:
    """A cheap signature (size and time of a SQLite database and its WAL) that moves
    when anyone commits."""
    files = (Path(database), Path(database + "-wal"))

    def signature() -> object:
        out: list[tuple[int, int] | None] = []
        for path in files:
            try:
                st = os.stat(path)
            except OSError:
                out.append(None)
            else:
                out.append((st.st_mtime_ns, st.st_size))
        return tuple(out)

    return signature


class QueueWaker:
    """Calls ``on_change()`` (on the waker's thread: it must only post a message)
    soon after any process commits a queue change. ``start()`` / ``close()``."""

    def __init__(
        self,
        url: str,
        on_change: Callable[[], None],
        *,
        stat_interval_s: float = 0.02,
        retry_s: tuple[float, float] = (0.5, 10.0),
    ) -> None:
        self.url = url
        self.on_change = on_change
        self.stat_interval_s = stat_interval_s
        self.retry_s = retry_s
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self.database = parsed.database or ""
        self.state = STOPPED
        self.reconnects = 0  # connections made after the first one (for tests, logs)
        self.wakes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None  # the psycopg connection that LISTENs
        self._raw: Any = None  # its pool wrapper
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether a listener can count on being woken now (else it polls)."""
        return self.state in (LISTENING, WATCHING)

    def start(self) -> QueueWaker:
        if self._thread is not None:
            return self
        if self.sqlite and (not self.database or self.database == ":memory:"):
            return self  # nothing to watch: the poll alone
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="queue-waker", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop (within WAIT_S: the thread looks at the stop flag that often)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self._disconnect()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self.state = STOPPED

    def _wake(self) -> None:
        self.wakes += 1
        try:
            self.on_change()
        except RuntimeError as exc:  # the listener is gone (a Qt object deleted at exit)
            log.debug("queue waker: the listener is gone (%s); stopping", exc)
            self._stop.set()
        except Exception:  # the listener's bug must not stop the waker
            log.exception("queue waker: on_change failed")

    # ------------------------------------------------------------ the thread

    def _run(self) -> None:
        if self.sqlite:
            self._watch_files()
        else:
            self._listen()

    def _watch_files(self) -> None:
        signature = file_signature(self.database)
        seen = signature()
        self.state = WATCHING
        while not self._stop.wait(self.stat_interval_s):
            now = signature()
            if now != seen:
                seen = now
                self._wake()

    def _listen(self) -> None:
        pause = self.retry_s[0]
        first = True
        while not self._stop.is_set():
            try:
                self._connect()
            except Exception as exc:
                self.state = LOST
                log.warning("queue waker: cannot LISTEN (%s); polling until it can", exc)
                if self._stop.wait(pause):
                    return
                pause = min(pause * 2, self.retry_s[1])
                continue
            if not first:
                self.reconnects += 1
                log.info("queue waker: listening again")
            first = False
            pause = self.retry_s[0]
            self.state = LISTENING
            # a change may have come before LISTEN took hold (or while it was down)
            self._wake()
            try:
                conn = self._conn
                while not self._stop.is_set():
                    # a short wait at a time, so close() is never kept waiting long
                    for _ in conn.notifies(timeout=WAIT_S, stop_after=1):
                        self._wake()
                self._disconnect()
                return
            except Exception as exc:
                if self._stop.is_set():
                    return
                self.state = LOST
                log.warning("queue waker: notification connection lost (%s); polling", exc)
                self._disconnect()
                self._wake()  # the listener looks now, and polls while this is down
                if self._stop.wait(pause):
                    return

    def _connect(self) -> None:
        if self._engine is None:
            self._engine = create_engine(self.url, poolclass=NullPool)
        raw = self._engine.raw_connection()
        conn = raw.driver_connection
        conn.autocommit = True
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        with self._lock:
            self._raw = raw
            self._conn = conn

    def _disconnect(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            raw, self._raw = self._raw, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("queue waker: closing the connection", exc_info=True)
        if raw is not None:
            try:
                raw.invalidate()
            except Exception:
                log.debug("queue waker: invalidating the connection", exc_info=True)

    def backend_pid(self) -> int | None:
        """The server process of the LISTEN connection (tests cut it)."""
        conn = self._conn
        return None if conn is None else int(conn.info.backend_pid)
