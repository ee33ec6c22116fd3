"""Gates for race tests: the test takes the lock two processes will both need, waits
until both wait on it, then lets them go, so the race happens every run rather than
by timing luck. PostgreSQL: a row lock, waiters seen in pg_stat_activity. SQLite: the
writers' turn (the flock beside the file), waiters seen in /proc/locks (Linux;
elsewhere the gate still holds both back, and the test only cannot tell when they
have reached it)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

WAIT = 20.0  # seconds at most for a process to reach the lock (a loaded 2-core machine)


class PgGate:
    def __init__(self, url: str, lock_sql: str, params: dict[str, Any]) -> None:
        """``lock_sql``: a SELECT … FOR UPDATE of the row both processes need."""
        self.engine = create_engine(url)
        self.conn = self.engine.connect()
        self.watch = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.conn.begin()
        self.conn.execute(text(lock_sql), params)

    def waiting(self) -> int:
        return int(
            self.watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )

    def release(self) -> None:
        self.conn.commit()
        self.conn.close()
        self.watch.close()
        self.engine.dispose()


class SqliteGate:
    def __init__(self, database: str) -> None:
        import fcntl

        self.fd = os.open(database + "-queue.lock", os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.inode = os.fstat(self.fd).st_ino

    def waiting(self) -> int:
        try:
            lines = Path("/proc/locks").read_text().splitlines()
        except OSError:
            return 99
        return sum(1 for line in lines if "->" in line and f":{self.inode} " in line)

    def release(self) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def wait_for(gate: PgGate | SqliteGate, waiters: int, message: str) -> None:
    deadline = time.monotonic() + WAIT
    while gate.waiting() < waiters:
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.005)
