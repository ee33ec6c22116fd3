"""The hall queue store: every queue operation is one transaction, logged with who,
when and why, behind a SQLAlchemy URL.

- SQLite (the embedded default: kiosk, counters, display and manager on one machine,
  several processes on one file): every write is ``BEGIN IMMEDIATE``, so writers
  queue for the file lock up front instead of deadlocking on a read-to-write upgrade.
- PostgreSQL (a hall): READ COMMITTED with row locks. ``call_next`` reads the first
  ticket of each of its lanes in one statement (one snapshot), lets the policy
  choose, then claims only the chosen ticket — ``UPDATE … WHERE id = (SELECT …
  FOR UPDATE SKIP LOCKED)``. A ticket another counter is claiming at that moment is
  left out and the policy chooses again. So two counters never call one ticket,
  never wait for each other, and a ticket is passed over only when the policy says.
- The ``queue_hall`` row is updated as the last statement of every write: the issue
  sequence (a ticket's place) and the event number come from it, so both follow
  commit order. A counter never sees a later place before an earlier one, and a
  screen that polls ``events_after(n)`` never misses an event committed late.

Listeners (hall display, counter panel, manager view) poll ``last_event_no()`` — one
row, one column — and read ``events_after(n)`` or a fresh snapshot when it moves; on
PostgreSQL every write also NOTIFYs ``NOTIFY_CHANNEL`` as it commits, so a listener
with a QueueWaker (db/queue_notify.py) looks at once instead of at its next poll.
Times are passed in (``now``) so tests and replays are exact; the default is the
local clock, which is recorded but never used to order the queue.

The hot paths (issue, call, finish, the hall row and the log) run hand-written SQL on
the DBAPI cursor of the transaction — the same SQL on both databases apart from the
row-lock clauses — because SQLAlchemy's per-statement overhead was most of their
cost; the rest uses SQLAlchemy Core.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core.caseno import CaseNumber, CaseNumberError
from app.core.ids import uuid7
from app.core.queue_policy import (
    GREEN_REASONS,
    Ahead,
    CallOutcome,
    Candidate,
    CategorySpec,
    Choice,
    CounterSpec,
    CounterState,
    Evaluation,
    HallCounter,
    Presence,
    QueuePolicy,
    QueueRuleError,
    Rule,
    Staleness,
    TicketKind,
    TicketStatus,
    Waiting,
    after_manual_call,
    ahead_of,
    business_day,
    call_staleness,
    choose_next,
    evaluation_problems,
    hours_text,
    issuing_open,
)
from app.core.queue_records import (
    Action,
    CounterInfo,
    DayStats,
    Durations,
    GroupStats,
    QueueError,
    QueueEvent,
    RecallResult,
    StaleCall,
    TicketInfo,
    WaitEstimate,
)
from db.queue_models import (
    HALL_ROW,
    WAITING_SQL,
    QueueCallRow,
    QueueCategoryRow,
    QueueCounterCategoryRow,
    QueueCounterRow,
    QueueDayCounterRow,
    QueueEvaluationRow,
    QueueEventRow,
    QueueHallRow,
    QueueTicketRow,
    QueueWindowPresenceRow,
)
from db.store import StoreError, create_store_engine, migrate

log = logging.getLogger("yichuang.queue")

HALL = cast(Table, QueueHallRow.__table__)
CAT = cast(Table, QueueCategoryRow.__table__)
DAYC = cast(Table, QueueDayCounterRow.__table__)
CTR = cast(Table, QueueCounterRow.__table__)
CC = cast(Table, QueueCounterCategoryRow.__table__)
TKT = cast(Table, QueueTicketRow.__table__)
CALL = cast(Table, QueueCallRow.__table__)
EVAL = cast(Table, QueueEvaluationRow.__table__)
EVT = cast(Table, QueueEventRow.__table__)
PRES = cast(Table, QueueWindowPresenceRow.__table__)

WAITING = TicketStatus.WAITING.value
CALLED = TicketStatus.CALLED.value
DONE = TicketStatus.DONE.value
SKIPPED = TicketStatus.SKIPPED.value
DONE_CALL = CallOutcome.DONE.value
SKIPPED_CALL = CallOutcome.SKIPPED.value
TRANSFERRED_CALL = CallOutcome.TRANSFERRED.value


class _Placeholder:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# in a ``then`` step of _issue: replaced by the new ticket's id / display number
TICKET_ID = _Placeholder("TICKET_ID")
TICKET_DISPLAY = _Placeholder("TICKET_DISPLAY")


# ---------------------------------------------------------------- config cache


@dataclass(frozen=True, slots=True)
class _Category:
    id: uuid.UUID
    spec: CategorySpec


@dataclass(frozen=True, slots=True)
class _Counter:
    id: uuid.UUID
    window_no: str
    name: str
    weights: dict[str, int]  # category code → weight


@dataclass(slots=True)
class _Config:
    version: int
    policy: QueuePolicy
    by_id: dict[uuid.UUID, _Category] = field(default_factory=dict)
    by_code: dict[str, _Category] = field(default_factory=dict)
    counters: dict[str, _Counter] = field(default_factory=dict)  # window_no →
    counter_by_id: dict[uuid.UUID, _Counter] = field(default_factory=dict)
    lanes: dict[tuple[str, int], str] = field(default_factory=dict)  # SQL per counter

    def category(self, code: str) -> _Category:
        found = self.by_code.get(code)
        if found is None:
            raise QueueError(f"业务类别“{code}”不存在")
        return found

    def counter(self, window_no: str) -> _Counter:
        found = self.counters.get(window_no)
        if found is None:
            raise QueueError(f"{window_no}号窗口未设置")
        return found


def _spec_from_row(row: Any) -> CategorySpec:
    return CategorySpec(
        code=row.code,
        name=row.name,
        prefix=row.prefix,
        number_start=row.number_start,
        number_end=row.number_end,
        daily_cap=row.daily_cap,
        issue_hours=tuple(
            (time.fromisoformat(a), time.fromisoformat(b)) for a, b in row.issue_hours
        ),
        reset_time=time.fromisoformat(row.reset_time),
        carry_over=row.carry_over,
        item_codes=tuple(row.item_codes),
        active=row.active,
    )


# ---------------------------------------------------------------- hot SQL

TICKET_COLS = (
    "id", "seq", "day", "category_id", "issued_category_id", "number", "display", "kind",
    "priority", "note", "status", "issued_at", "issued_by", "enqueued_at", "target_counter_id",
    "counter_id", "current_call_id", "called_at", "clerk", "call_rule", "recalls", "case_nos",
    "finished_at", "live_at", "downtime_s",
)  # fmt: skip
PRESENCE_COLS = ("program", "since", "seen_at", "lapsed_at")
_UUIDS = {
    "id", "category_id", "issued_category_id", "target_counter_id", "counter_id",
    "current_call_id", "ticket_id", "current_ticket_id",
}  # fmt: skip
_MOMENTS = {
    "issued_at", "enqueued_at", "called_at", "finished_at", "ended_at", "at", "live_at", "since",
    "seen_at", "lapsed_at",
}  # fmt: skip
_T = ", ".join(TICKET_COLS)
LANE_COLS = ("id", "seq", "category_id", "priority", "target_counter_id")
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
LANE_DEPTH = 4  # tickets read per lane: room for fallbacks when others claim the first
RANKED = 8  # the policy's choices tried in one claim (PostgreSQL)
CHECKPOINT_EVERY = 200  # SQLite: a process's writes between its WAL checkpoints
NOTIFY_CHANNEL = "yichuang_queue"  # PostgreSQL: NOTIFY with the event number, per write


class _Raw:
    """The hot statements as SQL text, and the values as each driver stores them
    (SQLite: UUID as 32 hex digits, ISO dates and times, JSON text — as SQLAlchemy
    writes them, so Core reads them back unchanged)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        lock = "" if sqlite else " FOR UPDATE"
        self.lock_counter = self.sql(
            "SELECT c.id, c.active, c.paused, c.pause_reason, c.current_ticket_id, c.state, "
            "h.config_version FROM queue_counter c JOIN queue_hall h ON h.id = 1 "
            "WHERE c.window_no = :w" + ("" if sqlite else " FOR UPDATE OF c")
        )
        # the same, with the ticket being served. After waiting for the lock (the same
        # window's key pressed twice) PostgreSQL re-checks only the locked row: the
        # joined ticket may be the one it served before, or none at all (issue 20:
        # the second "next" then stranded the first one's ticket). call_next then
        # reads it again with current_ticket; a ticket no longer being served is
        # not finished (see finish_and_record)
        self.lock_counter_current = self.sql(
            "SELECT c.id, c.active, c.paused, c.pause_reason, c.current_ticket_id, c.state, "
            "h.config_version, "
            + ", ".join(f"t.{col}" for col in TICKET_COLS)
            + ", "
            + ", ".join(f"p.{col}" for col in PRESENCE_COLS)
            + " FROM queue_counter c JOIN queue_hall h ON h.id = 1 "
            "LEFT JOIN queue_ticket t ON t.id = c.current_ticket_id "
            "LEFT JOIN queue_window_presence p ON p.window_no = c.window_no "
            "WHERE c.window_no = :w" + ("" if sqlite else " FOR UPDATE OF c")
        )
        self.presence = self.sql(
            "SELECT program, since, seen_at, lapsed_at FROM queue_window_presence "
            "WHERE window_no = :w"
        )
        self.config_version = self.sql("SELECT config_version FROM queue_hall WHERE id = 1")
        self.ticket = self.sql(f"SELECT {_T} FROM queue_ticket WHERE id = :t")
        self.lock_ticket = self.sql(f"SELECT {_T} FROM queue_ticket WHERE id = :t{lock}")
        # read after the counter's lock is held, in a statement of its own, so it
        # sees what a concurrent press of the same window's key left
        self.current_ticket = self.sql(
            f"SELECT {_T} FROM queue_ticket WHERE id = "
            "(SELECT current_ticket_id FROM queue_counter WHERE window_no = :w)"
        )
        self.finish_current = self.sql(
            "UPDATE queue_ticket SET status = :done, finished_at = :now "
            f"WHERE id = :t AND status = :called RETURNING {_T}"
        )
        # PostgreSQL: finish the ticket being served and write its call, in one
        # statement; nothing is written if it is no longer being served
        self.finish_and_record = self.sql(
            "WITH d AS (UPDATE queue_ticket SET status = :done, finished_at = :now "
            "WHERE id = :t AND status = :called RETURNING *), "
            "i AS (INSERT INTO queue_call (id, ticket_id, counter_id, window_no, clerk, "
            "category_id, priority, day, enqueued_at, called_at, ended_at, outcome, recalls, "
            "rule, downtime_s) SELECT COALESCE(d.current_call_id, CAST(:call AS uuid)), d.id, d.counter_id, "
            ":window_no, d.clerk, d.category_id, d.priority, CAST(:day AS date), d.enqueued_at, "
            "d.called_at, d.finished_at, :outcome, d.recalls, d.call_rule, d.downtime_s FROM d) "
            "SELECT id, display FROM d"
        )
        # claim a waiting ticket unless another counter is claiming it at this moment;
        # on PostgreSQL the first free one of the policy's ranked choices, in one go
        set_called = (
            "UPDATE queue_ticket SET status = :called, counter_id = :ctr, current_call_id = :call, "
            "called_at = :now, live_at = :now, downtime_s = 0, clerk = :clerk, recalls = 0, "
        )
        self.claim = self.sql(
            f"{set_called}call_rule = :rule WHERE id = (SELECT id FROM queue_ticket "
            f"WHERE id = :t AND status = :waiting{'' if sqlite else ' FOR UPDATE SKIP LOCKED'}) "
            f"RETURNING {_T}"
        )
        self.claim_ranked = self.sql(
            f"{set_called}call_rule = (CAST(:rules AS text[]))"
            "[array_position(CAST(:ids AS uuid[]), queue_ticket.id)] "
            "WHERE id = (SELECT id FROM queue_ticket WHERE id = ANY(CAST(:ids AS uuid[])) "
            "AND status = :waiting ORDER BY array_position(CAST(:ids AS uuid[]), id) LIMIT 1 "
            f"FOR UPDATE SKIP LOCKED) RETURNING {_T}"
        )
        self.save_counter = self.sql(
            "UPDATE queue_counter SET current_ticket_id = :cur, state = :state WHERE id = :c"
        )
        self.lock_presence = self.sql(
            "SELECT program, since, seen_at, lapsed_at FROM queue_window_presence "
            "WHERE window_no = :w" + lock
        )
        self.insert_presence = self.sql(
            "INSERT INTO queue_window_presence (window_no, program, since, seen_at) "
            "VALUES (:w, :program, :now, :now) ON CONFLICT (window_no) DO NOTHING"
        )
        self.seen = self.sql(
            "UPDATE queue_window_presence SET seen_at = :now WHERE window_no = :w AND seen_at < :now"
        )
        self.new_run = self.sql(
            "UPDATE queue_window_presence SET program = :program, since = :now, seen_at = :now, "
            "lapsed_at = seen_at WHERE window_no = :w"
        )
        self.clear_counter = self.sql(
            "UPDATE queue_counter SET current_ticket_id = NULL WHERE id = :c"
        )
        self.ticks = {
            (seq, config): self.sql(
                "UPDATE queue_hall SET last_event = last_event + :n"
                + (", last_seq = last_seq + 1" if seq else "")
                + (", config_version = config_version + 1" if config else "")
                + " WHERE id = 1 RETURNING last_event, last_seq"
            )
            for seq in (False, True)
            for config in (False, True)
        }
        self.log = self.sql(
            "INSERT INTO queue_event (no, at, actor, action, window_no, ticket_id, ticket, "
            "reason, detail) VALUES (:no, :at, :actor, :action, :window_no, :ticket_id, :ticket, "
            ":reason, :detail)"
        )
        self._tick_and_log: dict[tuple[int, bool, bool, bool], str] = {}

        self.insert_call = self.sql(
            "INSERT INTO queue_call (id, ticket_id, counter_id, window_no, clerk, category_id, "
            "priority, day, enqueued_at, called_at, ended_at, outcome, recalls, rule, downtime_s) "
            "VALUES (:id, :ticket_id, :counter_id, :window_no, :clerk, :category_id, :priority, "
            ":day, :enqueued_at, :called_at, :ended_at, :outcome, :recalls, :rule, :downtime_s)"
        )
        self.day_counter = self.sql(
            "INSERT INTO queue_day_counter (category_id, day, last_no, issued) "
            "VALUES (:c, :d, 1, :w) ON CONFLICT (category_id, day) DO UPDATE SET "
            "last_no = queue_day_counter.last_no + 1, "
            "issued = queue_day_counter.issued + :w RETURNING last_no, issued"
        )
        self.insert_ticket = self.sql(
            f"INSERT INTO queue_ticket ({_T}) VALUES ("
            + ", ".join(
                "(SELECT last_seq FROM queue_hall WHERE id = 1)" if c == "seq" else ":" + c
                for c in TICKET_COLS
            )
            + ")"
        )
        # back in the queue (transfer, reactivation): at the end, or keeping the place
        self.requeue = self.sql(
            "UPDATE queue_ticket SET status = :waiting, enqueued_at = :now, recalls = 0, "
            "current_call_id = NULL, category_id = :cat, target_counter_id = :target, "
            "seq = CASE WHEN :to_end = 1 THEN (SELECT last_seq FROM queue_hall WHERE id = 1) "
            "ELSE seq END WHERE id = :t"
        )
        self.ahead = self.sql(
            f"SELECT count(*) FROM queue_ticket WHERE {WAITING_SQL} AND category_id = :c"
        )

    def tick_and_log(self, events: int, seq: bool, config: bool, counter: bool = False) -> str:
        """PostgreSQL: the hall row and the events — and the calling counter's row when
        ``counter`` (``c``, ``cur``, ``state``) — in one statement, so the hot row is
        held for one statement and the commit. Event parameters ``<field><i>``."""
        key = (events, seq, config, counter)
        found = self._tick_and_log.get(key)
        if found is None:
            rows = ", ".join(
                f"({i}, CAST(:at{i} AS timestamp), :actor{i}, :action{i}, :window_no{i}, "
                f"CAST(:ticket_id{i} AS uuid), :ticket{i}, :reason{i}, CAST(:detail{i} AS json))"
                for i in range(events)
            )
            save = (
                "c AS (UPDATE queue_counter SET current_ticket_id = CAST(:cur AS uuid), "
                "state = CAST(:state AS json) WHERE id = CAST(:c AS uuid)), "
                if counter
                else ""
            )
            found = self._tick_and_log[key] = self.sql(
                f"WITH {save}h AS ("
                + self.ticks[(seq, config)].replace("%(n)s", str(events))
                + "), e AS (INSERT INTO queue_event (no, at, actor, action, window_no, ticket_id, "
                f"ticket, reason, detail) SELECT h.last_event - {events - 1} + v.i, v.at, "
                "v.actor, v.action, v.window_no, v.ticket_id, v.ticket, v.reason, v.detail "
                f"FROM h, (VALUES {rows}) AS v(i, at, actor, action, window_no, ticket_id, ticket, "
                "reason, detail)) SELECT last_event, last_seq FROM h, "
                # wakes every listener (db/queue_notify.py) when this commits
                f"LATERAL pg_notify('{NOTIFY_CHANNEL}', h.last_event::text) AS n"
            )
        return found

    def sql(self, text: str) -> str:
        """``:name`` parameters in the driver's style."""
        return text if self.sqlite else _PARAM.sub(r"%(\1)s", text)

    def lanes(self, cfg: _Config, counter: _Counter, busy: int) -> str:
        """The first waiting tickets of each of a counter's lanes — category × class,
        and the tickets transferred to it — in one statement, so in one snapshot.
        Parameters: ``d_<i>`` day bounds, ``b<j>`` tickets being claimed elsewhere."""
        key = (counter.window_no, busy)
        found = cfg.lanes.get(key)
        if found is not None:
            return found
        not_busy = f" AND id NOT IN ({', '.join(f':b{j}' for j in range(busy))})" if busy else ""
        branches = []
        for i, code in enumerate(counter.weights):
            cat = cfg.by_code[code]
            # without carry-over only today's tickets can be called (older ones wait
            # for the daily reset to expire them): day equality keeps the lane
            # index ordered by place
            day = "" if cat.spec.carry_over else f" AND day = :d_{i}"
            for prio in (False, True):
                branches.append(
                    f"category_id = {self.literal_uuid(cat.id)} AND target_counter_id IS NULL"
                    f" AND priority = {self.literal_bool(prio)}{day}"
                )
        for prio in (False, True):
            branches.append(
                f"target_counter_id = {self.literal_uuid(counter.id)}"
                f" AND priority = {self.literal_bool(prio)}"
            )
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT id, seq, category_id, priority, target_counter_id "
            f"FROM queue_ticket WHERE {WAITING_SQL} AND {cond}{not_busy} "
            f"ORDER BY seq LIMIT {LANE_DEPTH}) AS lane{n}"
            for n, cond in enumerate(branches)
        )
        cfg.lanes[key] = found = self.sql(sql)
        return found

    def literal_uuid(self, value: uuid.UUID) -> str:
        return f"'{value.hex}'" if self.sqlite else f"'{value}'::uuid"

    def literal_bool(self, value: bool) -> str:
        return ("1" if value else "0") if self.sqlite else ("true" if value else "false")

    # values in

    def uid(self, value: uuid.UUID | None) -> Any:
        return value.hex if self.sqlite and value is not None else value

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def moment(self, value: datetime | None) -> Any:
        if self.sqlite and value is not None:
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    @staticmethod
    def json(value: Any) -> str:
        return json.dumps(value)

    # values out

    def row(self, names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
        out = dict(zip(names, values, strict=True))
        if self.sqlite:
            for name, value in out.items():
                if value is None:
                    continue
                if name in _UUIDS:
                    out[name] = uuid.UUID(hex=value)
                elif name in _MOMENTS:
                    out[name] = datetime.fromisoformat(value)
                elif name == "day":
                    out[name] = date.fromisoformat(value)
                elif name == "priority":
                    out[name] = bool(value)
        if "case_nos" in out and isinstance(out["case_nos"], str):
            out["case_nos"] = json.loads(out["case_nos"])
        if "state" in out and isinstance(out["state"], str):
            out["state"] = json.loads(out["state"])
        return out

    def ticket_row(self, values: Sequence[Any] | None) -> dict[str, Any] | None:
        return None if values is None else self.row(TICKET_COLS, values)

    def ticket_params(self, t: Mapping[str, Any]) -> dict[str, Any]:
        p = dict(t)
        for name in _UUIDS & p.keys():
            p[name] = self.uid(p[name])
        for name in _MOMENTS & p.keys():
            p[name] = self.moment(p[name])
        p["day"] = self.day(p["day"])
        p["case_nos"] = self.json(p["case_nos"])
        return p


Step = tuple[str, Mapping[str, Any]]


@dataclass(slots=True)
class _Tx:
    """One write transaction: the Core connection, its DBAPI cursor, and (on
    PostgreSQL) spare cursors for pipelines, kept with the connection."""

    conn: Connection
    cur: Any
    raw: _Raw
    spare: list[Any]

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        self.cur.execute(sql, params or {})
        return self.cur.fetchone()

    def run(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        self.cur.execute(sql, params or {})
        return int(self.cur.rowcount)

    def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        self.cur.execute(sql, params or {})
        return list(self.cur.fetchall())

    def batch(self, steps: Sequence[Step], *, commit: bool = False) -> list[list[Any]]:
        """Statements in order, with the rows each returned. On PostgreSQL they go in
        one pipeline — one round trip, the transaction's BEGIN included — and with
        the COMMIT when ``commit``, so a client that loses the CPU then cannot keep
        the others waiting on its locks (on SQLite the transaction commits when the
        operation ends)."""
        if self.raw.sqlite:
            out = []
            for sql, params in steps:
                self.cur.execute(sql, params)
                out.append(_rows(self.cur))
            return out
        pg = self.cur.connection
        while len(self.spare) < len(steps):
            self.spare.append(pg.cursor())
        cursors = self.spare[: len(steps)]
        with pg.pipeline():
            for cursor, (sql, params) in zip(cursors, steps, strict=True):
                cursor.execute(sql, params)
            if commit:
                pg.commit()
        return [_rows(c) for c in cursors]


def _rows(cursor: Any) -> list[Any]:
    """The rows a statement returned; [] when it returns none (without building a
    description, which costs psycopg a column object per column)."""
    result = getattr(cursor, "pgresult", None)
    if result is not None:  # psycopg: 2 = TUPLES_OK
        return list(cursor.fetchall()) if result.status == 2 else []
    return list(cursor.fetchall()) if cursor.description else []


# ---------------------------------------------------------------- SQLite writers' turn


class _WriterTurn:
    """Processes writing one SQLite file take turns on an OS file lock beside it
    (``flock`` on POSIX, ``LockFileEx`` on Windows) before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler makes a waiting writer sleep 1, 2, 5, 10 … ms between
    tries, so with fifteen counters the lock often sits free while everyone sleeps:
    calls took 7 ms each instead of 1.3 and the slowest waited seconds. The OS wakes
    a waiter as soon as the lock is released. Correctness never depends on this
    lock (BEGIN IMMEDIATE still decides); if it cannot be used, writers fall back to
    SQLite's busy handler."""

    def __init__(self, database: str) -> None:
        self._fd: int | None = None
        self._lock: Any = None
        self._unlock: Any = None
        try:
            self._fd = os.open(database + "-queue.lock", os.O_RDWR | os.O_CREAT, 0o666)
            if sys.platform == "win32":
                self._lock, self._unlock = _windows_lock(self._fd)
            else:
                import fcntl

                fd = self._fd
                self._lock = lambda: fcntl.flock(fd, fcntl.LOCK_EX)
                self._unlock = lambda: fcntl.flock(fd, fcntl.LOCK_UN)
        except (OSError, ImportError, AttributeError) as exc:
            log.warning("queue writer lock unavailable (%s): using SQLite's busy wait", exc)
            self.close()

    @contextmanager
    def turn(self) -> Iterator[None]:
        locked = False
        if self._lock is not None:
            try:
                self._lock()
                locked = True
            except OSError as exc:
                log.warning("queue writer lock failed (%s): using SQLite's busy wait", exc)
        try:
            yield
        finally:
            if locked:
                with suppress(OSError):
                    self._unlock()

    def close(self) -> None:
        self._lock = self._unlock = None
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def _windows_lock(fd: int) -> tuple[Any, Any]:
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class Overlapped(ctypes.Structure):
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle = msvcrt.get_osfhandle(fd)  # type: ignore[attr-defined]
    exclusive = 0x2  # LOCKFILE_EXCLUSIVE_LOCK; blocking

    def lock() -> None:
        if not kernel32.LockFileEx(handle, exclusive, 0, 1, 0, ctypes.byref(Overlapped())):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]

    def unlock() -> None:
        if not kernel32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(Overlapped())):
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]

    return lock, unlock


# ---------------------------------------------------------------- the store


class QueueStore:
    """The queue operations of one hall. Several processes may use one store at once,
    each with its own QueueStore; a QueueStore is for one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._raw = _Raw(self._sqlite)
        dbapi = engine.dialect.loaded_dbapi
        self._db_errors: tuple[type[Exception], ...] = (OperationalError, dbapi.OperationalError)
        self._cfg: _Config | None = None
        self._conn: Connection | None = None
        self._spare: list[Any] = []  # PostgreSQL: cursors for pipelines
        self._writes = 0
        database = engine.url.database
        self._turn = (
            _WriterTurn(database) if self._sqlite and database and database != ":memory:" else None
        )
        self._ensure_hall()

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> QueueStore:
        """Open (and by default migrate) the queue store at a SQLAlchemy URL."""
        engine = create_store_engine(url)
        try:
            if upgrade:
                migrate(engine)
            return cls(engine)
        except OperationalError as exc:
            engine.dispose()
            raise StoreError(f"无法打开排队数据库：{exc.orig}") from exc
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        if self._sqlite and self._conn is not None:
            self._checkpoint()
        if self._conn is not None:
            with suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._turn is not None:
            self._turn.close()
        self.engine.dispose()

    # ------------------------------------------------------------ transactions

    def _connection(self) -> Connection:
        """The store's one connection, kept between operations: a pool checkout
        (and its liveness ping) per operation would cost a round trip each."""
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self.engine.connect()
            self._spare = []
            if self._sqlite:  # see _checkpoint
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
                conn.commit()
        return conn

    def _lost(self, exc: Exception) -> StoreError:
        """The database failed us: drop the connection (the next operation opens a
        new one) and say so in words a clerk can act on."""
        if self._conn is not None:
            with suppress(Exception):
                self._conn.invalidate()
            self._conn = None
        return StoreError(f"排队数据库暂时不可用，请稍后重试：{getattr(exc, 'orig', None) or exc}")

    @contextmanager
    def _write(self) -> Iterator[_Tx]:
        """One write transaction: BEGIN IMMEDIATE on SQLite (after the writers' turn),
        READ COMMITTED on PostgreSQL."""
        with self._turn.turn() if self._turn is not None else nullcontext():
            try:
                conn = self._connection()
                conn.begin()
                cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    if self._sqlite:
                        cur.execute("BEGIN IMMEDIATE")
                    yield _Tx(conn, cur, self._raw, self._spare)
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
                finally:
                    cur.close()
            except self._db_errors as exc:
                raise self._lost(exc) from exc
        if self._sqlite:
            self._writes += 1
            if self._writes % CHECKPOINT_EVERY == 0:
                self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file, outside the writers' turn: SQLite's
        automatic checkpoint runs inside a commit — holding everyone up while it
        copies and syncs — so the queue's connections turn it off and each process
        does this every CHECKPOINT_EVERY of its writes (PASSIVE: it waits for nobody,
        and writers go on meanwhile)."""
        with suppress(*self._db_errors):
            conn = self._connection()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            conn.commit()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """Reads that see one state."""
        try:
            conn = self._connection()
            conn.exec_driver_sql(
                "BEGIN" if self._sqlite else "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
            )
            try:
                yield conn
            finally:
                conn.rollback()
        except self._db_errors as exc:
            raise self._lost(exc) from exc

    def _ensure_hall(self) -> None:
        with self._write() as tx:
            tx.run(
                self._raw.sql(
                    "INSERT INTO queue_hall (id, last_seq, last_event, config_version, policy) "
                    "VALUES (1, 0, 0, 0, :policy) ON CONFLICT (id) DO NOTHING"
                ),
                {"policy": json.dumps(QueuePolicy().to_dict())},
            )

    def _config(self, tx: _Tx | Connection, version: int | None = None) -> _Config:
        """The set-up (categories, counters, rules), cached until its version moves."""
        conn = tx.conn if isinstance(tx, _Tx) else tx
        if version is None:
            version = conn.execute(select(HALL.c.config_version)).scalar_one()
        if self._cfg is not None and self._cfg.version == version:
            return self._cfg
        hall = conn.execute(select(HALL.c.config_version, HALL.c.policy)).one()
        cfg = _Config(hall.config_version, QueuePolicy.from_dict(hall.policy or {}))
        for row in conn.execute(select(CAT).order_by(CAT.c.ord, CAT.c.code)):
            c = _Category(row.id, _spec_from_row(row))
            cfg.by_id[row.id] = c
            cfg.by_code[row.code] = c
        weights: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
        for row in conn.execute(select(CC)):
            weights[row.counter_id][cfg.by_id[row.category_id].spec.code] = row.weight
        for row in conn.execute(select(CTR.c.id, CTR.c.window_no, CTR.c.name, CTR.c.active)):
            counter = _Counter(row.id, row.window_no, row.name, weights[row.id])
            cfg.counter_by_id[row.id] = counter
            if row.active:
                cfg.counters[row.window_no] = counter
        self._cfg = cfg
        return cfg

    def _commit_events(
        self,
        tx: _Tx,
        events: list[dict[str, Any]],
        *,
        seq: bool = False,
        config: bool = False,
        before: Sequence[Step] = (),
        then: Sequence[Step] = (),
        counter: tuple[uuid.UUID, uuid.UUID | None, CounterState] | None = None,
    ) -> int:
        """Number and write the operation's events, take a place in the queue when
        ``seq`` (returned; later statements read it as ``SELECT last_seq FROM
        queue_hall``), with ``before`` and ``then`` around and the calling
        ``counter``'s row (id, current ticket, state), and end the writing: the hall row is the store's
        one hot spot, so it is taken last. On PostgreSQL these statements and the
        COMMIT go in one pipeline — one round trip, and a client that loses the CPU
        just then does not keep everyone else waiting on the row. Only reads may
        follow."""
        raw = self._raw
        rows = [
            {"at": raw.moment(e["at"]), "actor": e["actor"], "action": e["action"],
             "window_no": e.get("window_no", ""), "ticket_id": raw.uid(e.get("ticket_id")),
             "ticket": e.get("ticket", ""), "reason": e.get("reason", ""),
             "detail": raw.json(e.get("detail", {}))}
            for e in events
        ]  # fmt: skip
        if not self._sqlite:
            params = {f"{k}{i}": v for i, row in enumerate(rows) for k, v in row.items()}
            if counter is not None:
                params |= {
                    "c": counter[0],
                    "cur": counter[1],
                    "state": raw.json(counter[2].to_dict()),
                }
            hall = [(raw.tick_and_log(len(rows), seq, config, counter is not None), params)]
            results = tx.batch([*before, *hall, *then], commit=True)
            return int(results[len(before)][0][1])
        if counter is not None:
            before = [*before, self._save_counter_step(*counter)]
        for sql, p in before:
            tx.run(sql, p)
        last_event, last_seq = tx.one(raw.ticks[(seq, config)], {"n": len(rows)})
        first = int(last_event) - len(rows) + 1
        tx.cur.executemany(raw.log, [row | {"no": first + i} for i, row in enumerate(rows)])
        for sql, p in then:
            tx.run(sql, p)
        return int(last_seq)

    # ------------------------------------------------------------ set-up

    def save_category(
        self,
        spec: CategorySpec,
        *,
        actor: str,
        now: datetime | None = None,
        ord: int = 0,
        reason: str = "",
    ) -> None:
        """Create or change a category (by its code); ``reason`` goes to the log."""
        spec = _checked(spec)
        now = now or datetime.now()
        values = {
            "name": spec.name,
            "prefix": spec.prefix,
            "number_start": spec.number_start,
            "number_end": spec.number_end,
            "daily_cap": spec.daily_cap,
            "issue_hours": [
                [a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in spec.issue_hours
            ],
            "reset_time": spec.reset_time.strftime("%H:%M"),
            "carry_over": spec.carry_over,
            "item_codes": list(spec.item_codes),
            "active": spec.active,
            "ord": ord,
        }
        with self._write() as tx:
            clash = tx.conn.execute(
                select(CAT.c.code).where(CAT.c.prefix == spec.prefix, CAT.c.code != spec.code)
            ).scalar()
            if clash:
                raise QueueError(f"号码前缀“{spec.prefix}”已被类别“{clash}”使用")
            existing = tx.conn.execute(select(CAT.c.id).where(CAT.c.code == spec.code)).scalar()
            if existing is None:
                tx.conn.execute(insert(CAT).values(id=uuid7(), code=spec.code, **values))
            else:
                tx.conn.execute(update(CAT).where(CAT.c.id == existing).values(**values))
            self._commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.SET_CATEGORY, "reason": reason,
                  "detail": {"code": spec.code, **values}}],
                config=True,
            )  # fmt: skip

    def save_counter(
        self, spec: CounterSpec, *, actor: str, now: datetime | None = None, reason: str = ""
    ) -> None:
        """Create or change a counter (by its window number) and its category weights;
        ``reason`` goes to the log."""
        now = now or datetime.now()
        with self._write() as tx:
            cfg = self._config(tx)
            try:
                spec.checked(cfg.by_code)
            except QueueRuleError as exc:
                raise QueueError(str(exc)) from None
            conn = tx.conn
            counter_id = conn.execute(
                select(CTR.c.id).where(CTR.c.window_no == spec.window_no)
            ).scalar()
            if counter_id is None:
                counter_id = uuid7()
                conn.execute(
                    insert(CTR).values(
                        id=counter_id, window_no=spec.window_no, name=spec.name, active=True,
                        paused=False, pause_reason="", state={},
                    )
                )  # fmt: skip
            else:
                conn.execute(
                    update(CTR).where(CTR.c.id == counter_id).values(name=spec.name, active=True)
                )
                conn.execute(CC.delete().where(CC.c.counter_id == counter_id))
            conn.execute(
                insert(CC),
                [
                    {"counter_id": counter_id, "category_id": cfg.by_code[code].id, "weight": w}
                    for code, w in spec.weights.items()
                ],
            )
            self._commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.SET_COUNTER, "reason": reason,
                  "window_no": spec.window_no, "detail": {"weights": dict(spec.weights)}}],
                config=True,
            )  # fmt: skip

    def set_policy(
        self, policy: QueuePolicy, *, actor: str, reason: str = "", now: datetime | None = None
    ) -> None:
        """Change the hall's queue rules; every counter follows them from its next call."""
        try:
            policy.checked()
        except QueueRuleError as exc:
            raise QueueError(str(exc)) from None
        now = now or datetime.now()
        with self._write() as tx:
            tx.conn.execute(
                update(HALL).where(HALL.c.id == HALL_ROW).values(policy=policy.to_dict())
            )
            self._commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.SET_POLICY, "reason": reason,
                  "detail": policy.to_dict()}],
                config=True,
            )  # fmt: skip

    def policy(self) -> QueuePolicy:
        with self._read() as conn:
            return self._config(conn).policy

    def categories(self) -> list[CategorySpec]:
        with self._read() as conn:
            return [c.spec for c in self._config(conn).by_code.values()]

    def category_for_item(self, item_code: str) -> CategorySpec | None:
        """The category an item (事项编码) is served under, for the kiosk and counter."""
        return next((s for s in self.categories() if item_code in s.item_codes), None)

    # ------------------------------------------------------------ issuing

    def issue_ticket(
        self,
        category: str,
        *,
        kind: TicketKind = TicketKind.NORMAL,
        note: str = "",
        actor: str = "kiosk",
        now: datetime | None = None,
    ) -> TicketInfo:
        """Take a number (取号). A green-channel ticket needs its reason in ``note``
        (老年人, 残疾人, 孕妇 …), an appointment its booking number. Appointments are
        not counted against the daily cap: their capacity was booked."""
        now = now or datetime.now()
        with self._write() as tx:
            return self._issue(tx, category, kind=kind, note=note, actor=actor, now=now)

    def _issue(
        self,
        tx: _Tx,
        category: str,
        *,
        kind: TicketKind,
        note: str,
        actor: str,
        now: datetime,
        then: Sequence[Step] = (),
        detail: Mapping[str, Any] | None = None,
        one_a_day: bool = True,
    ) -> TicketInfo:
        """Issue inside the caller's write transaction, as its last writes; ``then``
        runs after the ticket's row is in (db/booking_store.py marks the booking
        checked in with it). ``one_a_day``: an appointment number gives one ticket
        a day (a caller that holds the booking's row lock knows better)."""
        kind = TicketKind(kind)
        note = note.strip()
        if kind is TicketKind.GREEN and not note:
            raise QueueError(f"绿色通道号须注明原因（{'、'.join(GREEN_REASONS)}）")
        if kind is TicketKind.APPOINTMENT and not note:
            raise QueueError("预约号须填写预约编号")
        raw = self._raw
        cfg = self._config(tx, tx.one(raw.config_version)[0])
        if kind is TicketKind.APPOINTMENT and one_a_day:  # one booking, one ticket a day
            if not self._sqlite:  # two kiosks checking in one booking: one waits
                tx.conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                    {"k": f"yichuang-booking:{note}"},
                )
            earlier = self._appointment(tx.conn, cfg, note, now)
            if earlier is not None:
                raise QueueError(f"此预约号今日已签到，号码为 {earlier.display}")
        cat = cfg.category(category)
        spec = cat.spec
        if not spec.active:
            raise QueueError(f"{spec.name}暂停取号")
        if not issuing_open(now, spec.issue_hours):
            raise QueueError(
                f"现在不在{spec.name}的取号时间（{hours_text(spec.issue_hours)}），请在取号时间内取号"
            )
        day = business_day(now, spec.reset_time)
        walk_in = 0 if kind is TicketKind.APPOINTMENT else 1
        last_no, issued = tx.one(
            raw.day_counter, {"c": raw.uid(cat.id), "d": raw.day(day), "w": walk_in}
        )
        if walk_in and spec.daily_cap is not None and issued > spec.daily_cap:
            raise QueueError(f"{spec.name}今日的号已取完（每日上限{spec.daily_cap}个），请改日再来")
        number = spec.number_start + last_no - 1
        if spec.carry_over:
            number = self._skip_carried(tx, cat, day, number)
        if number > spec.number_end:
            raise QueueError(
                f"{spec.name}今日号段已用完（{spec.display(spec.number_start)}至{spec.display(spec.number_end)}）"
            )
        display = spec.display(number)
        row: dict[str, Any] = {
            "id": uuid7(), "seq": 0, "day": day, "category_id": cat.id,
            "issued_category_id": cat.id, "number": number,
            "display": display, "kind": kind.value, "priority": kind.priority, "note": note,
            "status": WAITING, "issued_at": now, "issued_by": actor, "enqueued_at": now,
            "target_counter_id": None, "counter_id": None, "current_call_id": None,
            "called_at": None, "clerk": "", "call_rule": "", "recalls": 0, "case_nos": [],
            "finished_at": None, "live_at": None, "downtime_s": 0.0,
        }  # fmt: skip
        ahead = tx.one(raw.ahead, {"waiting": WAITING, "c": raw.uid(cat.id)})[0]
        after = [
            (raw.insert_ticket, raw.ticket_params(row)),
            *((sql, {k: (raw.uid(row["id"]) if v is TICKET_ID else
                         display if v is TICKET_DISPLAY else v) for k, v in p.items()})
              for sql, p in then),
        ]  # fmt: skip
        # the ticket takes its place from the hall row, in the same last step
        row["seq"] = self._commit_events(
            tx,
            [{"at": now, "actor": actor, "action": Action.ISSUE, "ticket_id": row["id"],
              "ticket": display, "reason": note,
              "detail": {"kind": kind.value, **(detail or {})}}],
            seq=True,
            then=after,
        )  # fmt: skip
        return replace(self._info(cfg, row), waiting_ahead=int(ahead))

    def _skip_carried(self, tx: _Tx, cat: _Category, day: date, number: int) -> int:
        """With carry-over, earlier days' unserved tickets keep their numbers: today's
        numbering steps over the ones still in the queue, so no number is called
        for two people."""
        held = set(
            tx.conn.execute(
                select(TKT.c.number).where(
                    TKT.c.issued_category_id == cat.id,
                    TKT.c.day < day,
                    TKT.c.status.in_([WAITING, CALLED, SKIPPED]),
                )
            ).scalars()
        )
        start = number
        while number in held:
            number += 1
        if number != start:
            tx.conn.execute(
                update(DAYC)
                .where(DAYC.c.category_id == cat.id, DAYC.c.day == day)
                .values(last_no=number - cat.spec.number_start + 1)
            )
        return number

    # ------------------------------------------------------------ calling

    def call_next(
        self,
        window_no: str,
        *,
        clerk: str,
        now: datetime | None = None,
        finish_current: bool = True,
    ) -> TicketInfo | None:
        """Call the next ticket at this counter by the hall's rules (叫下一位); None
        when nobody it serves is waiting. The ticket being served is finished first
        (``finish_current``), as the caller keypad's "next" key does; without it, a
        ticket still being served is an error.

        Three round trips on PostgreSQL: (the counter's lock, its current ticket,
        the lanes), (finish the current one, claim the choice), (the counter, the
        log, COMMIT)."""
        now = now or datetime.now()
        raw = self._raw
        with self._write() as tx:
            cfg, ctr = self._cfg, self._cfg.counters.get(window_no) if self._cfg else None
            steps: list[Step] = [(raw.lock_counter_current, {"w": window_no})]
            if cfg is not None and ctr is not None:  # the lanes too, if the set-up is current
                steps.append((raw.lanes(cfg, ctr, 0), self._lane_params(cfg, ctr, now)))
            first = tx.batch(steps)
            row = self._counter_row([r[:7] for r in first[0]], window_no)
            joined = first[0][0]
            n = 7 + len(TICKET_COLS)
            if cfg is None or ctr is None or cfg.version != row["config_version"]:
                cfg = self._config(tx, row["config_version"])
                ctr = cfg.counter(window_no)
                lanes = tx.all(raw.lanes(cfg, ctr, 0), self._lane_params(cfg, ctr, now))
            else:
                lanes = first[1]
            if row["paused"]:
                raise QueueError(
                    f"{window_no}号窗口已暂停服务（{row['pause_reason']}），请先恢复服务"
                )
            state = CounterState.from_dict(row["state"])
            current = raw.ticket_row(joined[7:n]) if joined[7] is not None else None
            if row["current_ticket_id"] is not None and (
                current is None or current["id"] != row["current_ticket_id"]
            ):
                # PostgreSQL, after waiting for the lock while another press of this
                # window's key committed: the locking read re-checked only the counter's
                # row and joined nothing; read the ticket it now serves on its own
                current = raw.ticket_row(tx.one(raw.current_ticket, {"w": window_no}))
            pending: list[Step] = []  # sent with the claim: finish the one being served
            if current is not None and current["status"] == CALLED:
                if not finish_current:
                    raise QueueError(f"{current['display']}还在办理，请先办结、过号或转移")
                presence = self._presence(joined[n:])
                self._refuse_stale(cfg, current, presence, now)
                pending = self._finish_steps(cfg, ctr, current, now)
            finished = False
            busy: list[uuid.UUID] = []  # tried, but another counter had it at that moment
            while True:
                ranked = self._ranked(cfg, ctr, [raw.row(LANE_COLS, v) for v in lanes], state)
                results = tx.batch([*pending, *self._claim_steps(ranked, ctr, clerk, now)])
                if pending:
                    finished, pending = bool(results[0]), []
                claimed = results[-1] if ranked else []
                if claimed or not ranked:
                    break
                busy += [uuid.UUID(c.candidate.ref) for c in ranked]
                params = self._lane_params(cfg, ctr, now)
                params |= {f"b{i}": raw.uid(b) for i, b in enumerate(busy)}
                lanes = tx.all(raw.lanes(cfg, ctr, len(busy)), params)
            events: list[dict[str, Any]] = []
            if finished:
                assert current is not None
                events.append(
                    {"at": now, "actor": clerk, "action": Action.FINISH, "window_no": window_no,
                     "ticket_id": current["id"], "ticket": current["display"],
                     "reason": "叫下一位"}
                )  # fmt: skip
            if not claimed:  # nobody waiting; the finish of the one being served stands
                if events:
                    self._commit_events(tx, events, counter=(ctr.id, None, state))
                return None
            ticket = raw.ticket_row(claimed[0])
            assert ticket is not None
            won = next(i for i, c in enumerate(ranked) if c.candidate.ref == str(ticket["id"]))
            busy += [uuid.UUID(c.candidate.ref) for c in ranked[:won]]
            choice = ranked[won]
            detail: dict[str, Any] = {"rule": choice.rule.value, "seq": ticket["seq"]}
            if busy:
                detail["busy"] = [str(b) for b in busy]
            events.append(
                {"at": now, "actor": clerk, "action": Action.CALL, "window_no": window_no,
                 "ticket_id": ticket["id"], "ticket": ticket["display"],
                 "reason": choice.rule.value, "detail": detail}
            )  # fmt: skip
            self._commit_events(tx, events, counter=(ctr.id, ticket["id"], choice.state))
            return self._info(cfg, ticket)

    def _finish_steps(
        self, cfg: _Config, ctr: _Counter, current: Mapping[str, Any], now: datetime
    ) -> list[Step]:
        """Finish the ticket being served and write its call row. The first step
        returns a row only if it was still being served."""
        raw = self._raw
        finish = {
            "done": DONE,
            "called": CALLED,
            "now": raw.moment(now),
            "t": raw.uid(current["id"]),
        }
        if self._sqlite:  # serialised: what was read is what is there
            return [
                (raw.finish_current, finish),
                self._call_row(cfg, current, CallOutcome.DONE, now),
            ]
        spec = cfg.by_id[current["category_id"]].spec
        return [
            (raw.finish_and_record, finish | {
                "call": uuid7(), "window_no": ctr.window_no, "outcome": CallOutcome.DONE.value,
                "day": business_day(current["called_at"], spec.reset_time),
            })
        ]  # fmt: skip

    def _lane_params(self, cfg: _Config, ctr: _Counter, now: datetime) -> dict[str, Any]:
        params: dict[str, Any] = {"waiting": WAITING}
        for i, code in enumerate(ctr.weights):
            spec = cfg.by_code[code].spec
            if not spec.carry_over:
                params[f"d_{i}"] = self._raw.day(business_day(now, spec.reset_time))
        return params

    def _save_counter_step(
        self, counter_id: uuid.UUID, current: uuid.UUID | None, state: CounterState
    ) -> Step:
        raw = self._raw
        return raw.save_counter, {
            "c": raw.uid(counter_id), "cur": raw.uid(current), "state": raw.json(state.to_dict())
        }  # fmt: skip

    def _ranked(
        self, cfg: _Config, ctr: _Counter, rows: list[dict[str, Any]], state: CounterState
    ) -> list[Choice]:
        """The policy's choice, then its choice were that one taken, and so on: the
        order in which to try to claim (SQLite, where nobody else can hold a ticket,
        needs only the first). Stops before a lane whose unread tickets might count."""
        candidates = [self._candidate(cfg, r, ctr) for r in rows]
        if self._sqlite:
            first = choose_next(candidates, ctr.weights, state, cfg.policy)
            return [] if first is None else [first]
        lane_of = {
            c.ref: (c.direct, "" if c.direct else c.category, c.priority) for c in candidates
        }
        left: dict[tuple[bool, str, bool], int] = defaultdict(int)
        for lane in lane_of.values():
            left[lane] += 1
        out: list[Choice] = []
        while len(out) < RANKED:
            choice = choose_next(candidates, ctr.weights, state, cfg.policy)
            if choice is None:
                break
            out.append(choice)
            lane = lane_of[choice.candidate.ref]
            left[lane] -= 1
            if left[lane] == 0 and sum(1 for v in lane_of.values() if v == lane) >= LANE_DEPTH:
                break  # that lane may hold more tickets than were read
            candidates = [c for c in candidates if c.ref != choice.candidate.ref]
        return out

    def _claim_steps(
        self, ranked: list[Choice], ctr: _Counter, clerk: str, now: datetime
    ) -> list[Step]:
        """Claim the first of the ranked choices that no other counter holds."""
        if not ranked:
            return []
        raw = self._raw
        params = {"called": CALLED, "waiting": WAITING, "ctr": raw.uid(ctr.id),
                  "call": raw.uid(uuid7()), "now": raw.moment(now), "clerk": clerk}  # fmt: skip
        if len(ranked) == 1:
            first = ranked[0]
            params |= {"t": raw.uid(uuid.UUID(first.candidate.ref)), "rule": first.rule.value}
            return [(raw.claim, params)]
        params |= {"ids": [uuid.UUID(c.candidate.ref) for c in ranked],
                   "rules": [c.rule.value for c in ranked]}  # fmt: skip
        return [(raw.claim_ranked, params)]

    def call_ticket(
        self,
        window_no: str,
        ticket_id: uuid.UUID,
        *,
        clerk: str,
        reason: str = "",
        now: datetime | None = None,
        finish_current: bool = True,
    ) -> TicketInfo:
        """Call one waiting ticket by its number, outside the order (指定叫号)."""
        now = now or datetime.now()
        with self._write() as tx:
            cfg, ctr, row = self._counter_for_call(tx, window_no)
            events = self._finish_current(tx, cfg, ctr, row, clerk, now, finish_current)
            current = self._raw.ticket_row(
                tx.one(self._raw.lock_ticket, {"t": self._raw.uid(ticket_id)})
            )
            if current is None:
                raise QueueError("没有这个号")
            self._expect_status(cfg, current, TicketStatus.WAITING)
            ticket = self._claim(tx, ticket_id, ctr, clerk, now, Rule.MANUAL)
            assert ticket is not None  # we hold its lock and it is waiting
            state = after_manual_call(
                CounterState.from_dict(row["state"]), self._candidate(cfg, ticket, ctr)
            )
            detail = {"rule": Rule.MANUAL.value, "seq": ticket["seq"]}
            return self._called(tx, cfg, ctr, ticket, state, events, detail, reason)

    def _counter_for_call(
        self, tx: _Tx, window_no: str
    ) -> tuple[_Config, _Counter, dict[str, Any]]:
        row = self._lock_counter(tx, window_no)
        cfg = self._config(tx, row["config_version"])
        if row["paused"]:
            raise QueueError(f"{window_no}号窗口已暂停服务（{row['pause_reason']}），请先恢复服务")
        return cfg, cfg.counter(window_no), row

    def _lock_counter(self, tx: _Tx, window_no: str) -> dict[str, Any]:
        return self._counter_row(tx.all(self._raw.lock_counter, {"w": window_no}), window_no)

    def _counter_row(self, rows: list[Any], window_no: str) -> dict[str, Any]:
        if not rows or not rows[0][1]:
            raise QueueError(f"{window_no}号窗口未设置")
        return self._raw.row(
            ("id", "active", "paused", "pause_reason", "current_ticket_id", "state",
             "config_version"),
            rows[0],
        )  # fmt: skip

    def _finish_current(
        self,
        tx: _Tx,
        cfg: _Config,
        ctr: _Counter,
        row: Mapping[str, Any],
        clerk: str,
        now: datetime,
        finish_current: bool,
    ) -> list[dict[str, Any]]:
        raw = self._raw
        current = row["current_ticket_id"]
        if current is None:
            return []
        if not finish_current:
            ticket = raw.ticket_row(tx.one(raw.ticket, {"t": raw.uid(current)}))
            if ticket is not None and ticket["status"] == CALLED:
                raise QueueError(f"{ticket['display']}还在办理，请先办结、过号或转移")
            return []
        ticket = raw.ticket_row(tx.one(raw.ticket, {"t": raw.uid(current)}))
        if ticket is not None and ticket["status"] == CALLED:
            presence = self._presence(tx.one(raw.presence, {"w": ctr.window_no}))
            self._refuse_stale(cfg, ticket, presence, now)
        done = raw.ticket_row(
            tx.one(
                raw.finish_current,
                {"done": DONE, "called": CALLED, "now": raw.moment(now), "t": raw.uid(current)},
            )
        )
        if done is None:
            return []
        self._insert_call(tx, cfg, done, CallOutcome.DONE, now)
        return [{"at": now, "actor": clerk, "action": Action.FINISH, "window_no": ctr.window_no,
                 "ticket_id": done["id"], "ticket": done["display"], "reason": "叫下一位"}]  # fmt: skip

    def _claim(
        self, tx: _Tx, ticket_id: uuid.UUID, ctr: _Counter, clerk: str, now: datetime,
        rule: Rule,
    ) -> dict[str, Any] | None:  # fmt: skip
        """The ticket, now called to this counter; None when another counter holds it."""
        raw = self._raw
        params = {"called": CALLED, "waiting": WAITING, "t": raw.uid(ticket_id),
                  "ctr": raw.uid(ctr.id), "call": raw.uid(uuid7()), "now": raw.moment(now),
                  "clerk": clerk, "rule": rule.value}  # fmt: skip
        return raw.ticket_row(tx.one(raw.claim, params))

    def _called(
        self,
        tx: _Tx,
        cfg: _Config,
        ctr: _Counter,
        ticket: dict[str, Any],
        state: CounterState,
        events: list[dict[str, Any]],
        detail: dict[str, Any],
        reason: str,
    ) -> TicketInfo:
        events.append(
            {"at": ticket["called_at"], "actor": ticket["clerk"], "action": Action.CALL_TICKET,
             "window_no": ctr.window_no, "ticket_id": ticket["id"], "ticket": ticket["display"],
             "reason": reason or Rule.MANUAL.value, "detail": detail}
        )  # fmt: skip
        self._commit_events(tx, events, counter=(ctr.id, ticket["id"], state))
        return self._info(cfg, ticket)

    def _insert_call(
        self, tx: _Tx, cfg: _Config, ticket: Mapping[str, Any], outcome: CallOutcome,
        now: datetime, stale: Staleness | None = None,
    ) -> None:  # fmt: skip
        tx.run(*self._call_row(cfg, ticket, outcome, now, stale))

    def _call_row(
        self, cfg: _Config, ticket: Mapping[str, Any], outcome: CallOutcome, now: datetime,
        stale: Staleness | None = None,
    ) -> Step:  # fmt: skip
        """The row of the ticket's call that just ended (its fields are on the ticket);
        a ``stale`` call was down from its ``since``."""
        raw = self._raw
        spec = cfg.by_id[ticket["category_id"]].spec
        return raw.insert_call, {
            "id": raw.uid(ticket["current_call_id"] or uuid7()),
            "ticket_id": raw.uid(ticket["id"]), "counter_id": raw.uid(ticket["counter_id"]),
            "window_no": cfg.counter_by_id[ticket["counter_id"]].window_no,
            "clerk": ticket["clerk"], "category_id": raw.uid(ticket["category_id"]),
            "priority": ticket["priority"],
            "day": raw.day(business_day(ticket["called_at"], spec.reset_time)),
            "enqueued_at": raw.moment(ticket["enqueued_at"]),
            "called_at": raw.moment(ticket["called_at"]), "ended_at": raw.moment(now),
            "outcome": outcome.value, "recalls": ticket["recalls"], "rule": ticket["call_rule"],
            "downtime_s": _downtime(ticket, stale, now),
        }  # fmt: skip

    def _current(
        self, tx: _Tx, window_no: str, now: datetime
    ) -> tuple[_Config, dict[str, Any], dict[str, Any], Staleness | None]:
        """The counter and the ticket it is serving, both locked, and whether that
        call is stale."""
        row = self._lock_counter(tx, window_no)
        cfg = self._config(tx, row["config_version"])
        ticket = None
        if row["current_ticket_id"] is not None:
            ticket = self._raw.ticket_row(
                tx.one(self._raw.lock_ticket, {"t": self._raw.uid(row["current_ticket_id"])})
            )
        if ticket is None or ticket["status"] != CALLED:
            raise QueueError(f"{window_no}号窗口当前没有正在办理的号")
        presence = self._presence(tx.one(self._raw.presence, {"w": window_no}))
        return cfg, row, ticket, self._staleness(cfg, ticket, presence, now)

    def _presence(self, values: Sequence[Any] | None) -> Presence | None:
        if values is None or values[0] is None:
            return None
        p = self._raw.row(PRESENCE_COLS, values)
        return Presence(p["program"], p["since"], p["seen_at"], p["lapsed_at"])

    @staticmethod
    def _staleness(
        cfg: _Config, ticket: Mapping[str, Any], presence: Presence | None, now: datetime
    ) -> Staleness | None:
        live = ticket["live_at"] or ticket["called_at"]
        return None if live is None else call_staleness(live, presence, cfg.policy, now)

    def _refuse_stale(
        self, cfg: _Config, ticket: Mapping[str, Any], presence: Presence | None, now: datetime
    ) -> None:
        """A "next" never ends a stale call behind the clerk's back."""
        stale = self._staleness(cfg, ticket, presence, now)
        if stale is not None:
            raise QueueError(
                f"{ticket['display']}的呼叫已中断（{stale.why}），请先重呼、过号或办结"
            )

    def _end(
        self,
        tx: _Tx,
        cfg: _Config,
        counter_row: Mapping[str, Any],
        ticket: Mapping[str, Any],
        outcome: CallOutcome,
        now: datetime,
        values: dict[str, Any],
        stale: Staleness | None = None,
    ) -> None:
        """End the current call: the call row, the ticket, the counter."""
        self._insert_call(tx, cfg, ticket, outcome, now, stale)
        tx.conn.execute(
            update(TKT).where(TKT.c.id == ticket["id"]).values(current_call_id=None, **values)
        )
        tx.run(self._raw.clear_counter, {"c": self._raw.uid(counter_row["id"])})

    def recall(self, window_no: str, *, clerk: str, now: datetime | None = None) -> RecallResult:
        """Call the current ticket again (重呼). Past the hall's recall limit the
        ticket is marked 过号 instead, and the log says why."""
        now = now or datetime.now()
        with self._write() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            limit = cfg.policy.recall_limit
            if ticket["recalls"] >= limit:
                self._end(tx, cfg, counter_row, ticket, CallOutcome.SKIPPED, now,
                          {"status": SKIPPED}, stale)  # fmt: skip
                action, skipped, recalls = Action.AUTO_SKIP, True, ticket["recalls"]
                reason = f"重呼{limit}次未到，自动过号"
            else:  # live again from now; a stale call's downtime is set apart
                recalls = ticket["recalls"] + 1
                tx.conn.execute(
                    update(TKT)
                    .where(TKT.c.id == ticket["id"])
                    .values(recalls=recalls, live_at=now, downtime_s=_downtime(ticket, stale, now))
                )
                action, skipped, reason = Action.RECALL, False, f"第{recalls}次重呼"
                if stale is not None:
                    reason += f"（呼叫中断后：{stale.why}）"
            self._commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": action, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"], "reason": reason,
                  "detail": {"recalls": recalls}}],
            )  # fmt: skip
            info = self._ticket_info(tx.conn, cfg, ticket["id"])
        return RecallResult(info, recalls, skipped)

    def skip(
        self, window_no: str, *, clerk: str, reason: str = "叫号未到", now: datetime | None = None
    ) -> TicketInfo:
        """Mark the current ticket as a no-show (过号), with the reason."""
        now = now or datetime.now()
        if not reason.strip():
            raise QueueError("请填写过号原因")
        with self._write() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            self._end(
                tx, cfg, counter_row, ticket, CallOutcome.SKIPPED, now, {"status": SKIPPED}, stale
            )
            self._commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.SKIP, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"],
                  "reason": reason.strip()}],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def finish(
        self,
        window_no: str,
        *,
        clerk: str,
        case_nos: Sequence[str] = (),
        now: datetime | None = None,
    ) -> TicketInfo:
        """The current ticket is served (办结), linked to the case(s) made for it."""
        now = now or datetime.now()
        cases = []
        for text_ in case_nos:
            try:
                cases.append(str(CaseNumber.parse(text_)))
            except CaseNumberError as exc:
                raise QueueError(str(exc)) from None
        with self._write() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            self._end(tx, cfg, counter_row, ticket, CallOutcome.DONE, now,
                      {"status": DONE, "finished_at": now, "case_nos": cases}, stale)  # fmt: skip
            detail: dict[str, Any] = {"case_nos": cases}
            if stale is not None:
                detail |= {"stale_since": stale.since.isoformat(), "stale": stale.why,
                           "downtime_s": _downtime(ticket, stale, now)}  # fmt: skip
            self._commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.FINISH, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"],
                  "reason": "呼叫中断后办结" if stale else "", "detail": detail}],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def transfer(
        self,
        window_no: str,
        *,
        clerk: str,
        to_category: str | None = None,
        to_window: str | None = None,
        keep_place: bool | None = None,
        reason: str = "",
        now: datetime | None = None,
    ) -> TicketInfo:
        """Send the current ticket to another category or another window (转移). It
        keeps its place or goes to the end by the hall's rule, unless ``keep_place``
        says otherwise."""
        now = now or datetime.now()
        if (to_category is None) == (to_window is None):
            raise QueueError("请选择转到的业务类别或窗口（只选一个）")
        with self._write() as tx:
            cfg, counter_row, ticket, stale = self._current(tx, window_no, now)
            category, target = ticket["category_id"], None
            detail: dict[str, Any] = {}
            if to_category is not None:
                moved_to = cfg.category(to_category)
                if not moved_to.spec.active:
                    raise QueueError(f"{moved_to.spec.name}已停用，不能转入")
                category = moved_to.id
                detail |= {"from_category": cfg.by_id[ticket["category_id"]].spec.code,
                           "to_category": to_category}  # fmt: skip
            else:
                assert to_window is not None
                if to_window == window_no:
                    raise QueueError("不能转到本窗口")
                target = cfg.counter(to_window).id
                detail["to_window"] = to_window
            keep = cfg.policy.transfer_keeps_place if keep_place is None else keep_place
            detail["keep_place"] = keep
            self._insert_call(tx, cfg, ticket, CallOutcome.TRANSFERRED, now, stale)
            tx.run(self._raw.clear_counter, {"c": self._raw.uid(counter_row["id"])})
            self._commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.TRANSFER, "window_no": window_no,
                  "ticket_id": ticket["id"], "ticket": ticket["display"], "reason": reason,
                  "detail": detail}],
                seq=not keep,
                then=[self._requeue(ticket, now, keep, category=category, target=target)],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket["id"])

    def reactivate(
        self,
        ticket_id: uuid.UUID,
        *,
        actor: str,
        reason: str = "",
        keep_place: bool | None = None,
        now: datetime | None = None,
    ) -> TicketInfo:
        """Put a no-show ticket back in the queue (过号恢复): at its old place or at the
        end by the hall's rule, unless ``keep_place`` says otherwise. Only tickets of
        the current queue day (or of a category with carry-over)."""
        now = now or datetime.now()
        with self._write() as tx:
            cfg = self._config(tx)
            ticket = self._raw.ticket_row(
                tx.one(self._raw.lock_ticket, {"t": self._raw.uid(ticket_id)})
            )
            if ticket is None:
                raise QueueError("没有这个号")
            self._expect_status(cfg, ticket, TicketStatus.SKIPPED)
            spec = cfg.by_id[ticket["category_id"]].spec
            if not spec.carry_over and ticket["day"] < business_day(now, spec.reset_time):
                raise QueueError(
                    f"{ticket['display']}是{ticket['day']:%Y-%m-%d}的号，已过期，不能恢复，请重新取号"
                )
            keep = cfg.policy.reactivate_keeps_place if keep_place is None else keep_place
            self._commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.REACTIVATE, "ticket_id": ticket_id,
                  "ticket": ticket["display"], "reason": reason, "detail": {"keep_place": keep}}],
                seq=not keep,
                then=[self._requeue(ticket, now, keep, category=ticket["category_id"])],
            )  # fmt: skip
            return self._ticket_info(tx.conn, cfg, ticket_id)

    def _requeue(
        self,
        ticket: Mapping[str, Any],
        now: datetime,
        keep_place: bool,
        *,
        category: uuid.UUID,
        target: uuid.UUID | None = None,
    ) -> tuple[str, dict[str, Any]]:
        raw = self._raw
        return raw.requeue, {
            "waiting": WAITING, "now": raw.moment(now), "cat": raw.uid(category),
            "target": raw.uid(target), "to_end": 0 if keep_place else 1,
            "t": raw.uid(ticket["id"]),
        }  # fmt: skip

    def pause(
        self, window_no: str, *, clerk: str, reason: str, now: datetime | None = None
    ) -> None:
        """Pause the window (暂停服务): it calls nobody until it resumes."""
        if not reason.strip():
            raise QueueError("请填写暂停原因")
        self._set_paused(window_no, True, clerk, reason.strip(), now or datetime.now())

    def resume(
        self, window_no: str, *, clerk: str, reason: str = "", now: datetime | None = None
    ) -> None:
        self._set_paused(window_no, False, clerk, reason.strip(), now or datetime.now())

    def _set_paused(
        self, window_no: str, paused: bool, clerk: str, reason: str, now: datetime
    ) -> None:
        with self._write() as tx:
            row = self._lock_counter(tx, window_no)
            if row["paused"] == paused:
                raise QueueError(f"{window_no}号窗口{'已经暂停服务' if paused else '没有暂停服务'}")
            tx.conn.execute(
                update(CTR)
                .where(CTR.c.id == row["id"])
                .values(paused=paused, pause_reason=reason if paused else "")
            )
            self._commit_events(
                tx,
                [{"at": now, "actor": clerk, "action": Action.PAUSE if paused else Action.RESUME,
                  "window_no": window_no, "reason": reason}],
            )  # fmt: skip

    def heartbeat(self, window_no: str, *, program: str, now: datetime | None = None) -> bool:
        """The window's program is alive (send it every third of the hall's
        ``window_lease_s``); ``program`` is an id each start of the program makes.
        True when this begins a new run after an earlier one (another ``program``:
        the same one back after its lease ran out, say a cut link, goes on with its
        run and its calls are live again). A call an earlier run left open is
        then logged (呼叫中断), so the manager's and the counter's screens hear of
        it; it stays 已呼叫 until the clerk recalls, skips or finishes it. Nothing
        is logged otherwise: heartbeats move no event number."""
        now = now or datetime.now()
        raw = self._raw
        with self._write() as tx:
            cfg = self._config(tx)
            key = {"w": window_no, "program": program, "now": raw.moment(now)}
            if tx.run(raw.insert_presence, key):
                return False  # the window's first heartbeat ever
            was = self._presence(tx.one(raw.lock_presence, {"w": window_no}))
            assert was is not None
            if was.program == program:  # back after a lapse (a cut link) is the same run
                tx.run(raw.seen, key)
                return False
            tx.run(raw.new_run, key)
            ticket = raw.ticket_row(tx.one(raw.current_ticket, {"w": window_no}))
            if ticket is not None and ticket["status"] == CALLED:
                stale = self._staleness(cfg, ticket, Presence(program, now, now, was.seen_at), now)
                if stale is not None:
                    self._commit_events(
                        tx,
                        [{"at": now, "actor": program, "action": Action.INTERRUPTED,
                          "window_no": window_no, "ticket_id": ticket["id"],
                          "ticket": ticket["display"], "reason": stale.why,
                          "detail": {"since": stale.since.isoformat()}}],
                    )  # fmt: skip
            return True

    def evaluate(
        self,
        ticket_id: uuid.UUID,
        level: Evaluation | int | str,
        *,
        dimensions: Mapping[str, int] | None = None,
        comment: str = "",
        actor: str = "evaluator",
        now: datetime | None = None,
    ) -> None:
        """The applicant's evaluation (好差评) of a finished ticket: one per ticket."""
        now = now or datetime.now()
        try:
            value = Evaluation.parse(level)
        except QueueRuleError as exc:
            raise QueueError(str(exc)) from None
        dims = dict(dimensions or {})
        problems = evaluation_problems(dims)
        if problems:
            raise QueueError("；".join(problems))
        try:
            with self._write() as tx:
                cfg = self._config(tx)
                ticket = self._raw.ticket_row(
                    tx.one(self._raw.lock_ticket, {"t": self._raw.uid(ticket_id)})
                )
                if ticket is None:
                    raise QueueError("没有这个号")
                if ticket["status"] != DONE:
                    raise QueueError(f"{ticket['display']}还没有办结，办结后才能评价")
                conn = tx.conn
                if conn.execute(
                    select(EVAL.c.ticket_id).where(EVAL.c.ticket_id == ticket_id)
                ).first():
                    raise QueueError(f"{ticket['display']}已经评价过，每个号只能评价一次")
                call = conn.execute(
                    select(CALL.c.id, CALL.c.window_no, CALL.c.clerk)
                    .where(CALL.c.ticket_id == ticket_id, CALL.c.outcome == CallOutcome.DONE.value)
                    .order_by(CALL.c.ended_at.desc())
                    .limit(1)
                ).first()
                spec = cfg.by_id[ticket["category_id"]].spec
                window = call.window_no if call else ""
                conn.execute(
                    insert(EVAL).values(
                        ticket_id=ticket_id, call_id=call.id if call else None, window_no=window,
                        clerk=call.clerk if call else "", day=business_day(now, spec.reset_time),
                        level=int(value), label=value.label, dimensions=dims,
                        comment=comment.strip(), at=now,
                    )
                )  # fmt: skip
                self._commit_events(
                    tx,
                    [{"at": now, "actor": actor, "action": Action.EVALUATE, "ticket_id": ticket_id,
                      "ticket": ticket["display"], "window_no": window, "reason": comment.strip(),
                      "detail": {"level": int(value), "label": value.label,
                                 "dimensions": dims}}],
                )  # fmt: skip
        except IntegrityError:  # two evaluators at once: the second one loses
            raise QueueError("这个号已经评价过，每个号只能评价一次") from None

    def close_day(self, *, actor: str = "system", now: datetime | None = None) -> int:
        """The daily reset (日终清号): waiting tickets of an earlier queue day expire in
        categories without carry-over. Safe to run at any time, from any process, as
        often as wished: the queue never calls such tickets even before it runs
        (tickets transferred to a window excepted, so run it at the reset)."""
        now = now or datetime.now()
        expired = 0
        with self._write() as tx:
            cfg = self._config(tx)
            events = []
            for cat in cfg.by_code.values():
                if cat.spec.carry_over:
                    continue
                count = tx.conn.execute(
                    update(TKT)
                    .where(
                        text(WAITING_SQL),
                        TKT.c.category_id == cat.id,
                        TKT.c.day < business_day(now, cat.spec.reset_time),
                    )
                    .values(status=TicketStatus.EXPIRED.value)
                ).rowcount
                if count:
                    expired += count
                    events.append(
                        {"at": now, "actor": actor, "action": Action.EXPIRE,
                         "reason": f"{cat.spec.name}日终清号",
                         "detail": {"category": cat.spec.code, "expired": count}}
                    )  # fmt: skip
            if events:
                self._commit_events(tx, events)
        return expired

    # ------------------------------------------------------------ reading

    def last_event_no(self) -> int:
        """The change counter: it moves with every committed operation."""
        with self._read() as conn:
            return int(
                conn.execute(select(HALL.c.last_event).where(HALL.c.id == HALL_ROW)).scalar_one()
            )

    def events_after(self, no: int, limit: int = 500) -> list[QueueEvent]:
        """Events numbered above ``no``, oldest first: gap-free and in commit order,
        so a screen that remembers the last number it showed misses nothing."""
        with self._read() as conn:
            rows = conn.execute(
                select(EVT).where(EVT.c.no > no).order_by(EVT.c.no).limit(limit)
            ).all()
        return [
            QueueEvent(r.no, r.at, r.actor, r.action, r.window_no, r.ticket_id, r.ticket, r.reason,
                       dict(r.detail or {}))
            for r in rows
        ]  # fmt: skip

    def day_rows(self, since: date, skipped_since: date) -> tuple[list[Any], list[Any], list[Any]]:
        """Raw figures since ``since`` for the screens' counts: (category code, day,
        tickets issued), (window, category code, day, calls ended 办结), and the 过号
        tickets since ``skipped_since`` as (id, category code, day), in number order."""
        with self._read() as conn:
            issued = conn.execute(
                select(CAT.c.code, DAYC.c.day, DAYC.c.issued)
                .select_from(DAYC.join(CAT, CAT.c.id == DAYC.c.category_id))
                .where(DAYC.c.day >= since)
            ).all()
            served = conn.execute(
                select(CALL.c.window_no, CAT.c.code, CALL.c.day, func.count())
                .select_from(CALL.join(CAT, CAT.c.id == CALL.c.category_id))
                .where(CALL.c.day >= since, CALL.c.outcome == DONE_CALL)
                .group_by(CALL.c.window_no, CAT.c.code, CALL.c.day)
            ).all()
            skipped = conn.execute(
                select(TKT.c.id, CAT.c.code, TKT.c.day)
                .select_from(TKT.join(CAT, CAT.c.id == TKT.c.category_id))
                .where(TKT.c.status == SKIPPED, TKT.c.day >= skipped_since)
                .order_by(TKT.c.seq)
            ).all()
        return list(issued), list(served), list(skipped)

    def actors_at_window(self, window_no: str, since: datetime, limit: int = 50) -> list[str]:
        """Who acted at ``window_no`` since ``since``, newest first (a keypad's window
        worked from a counter on another PC)."""
        with self._read() as conn:
            rows = conn.execute(
                select(EVT.c.actor)
                .where(EVT.c.window_no == window_no, EVT.c.at >= since)
                .order_by(EVT.c.no.desc())
                .limit(limit)
            ).all()
        return [str(r.actor) for r in rows]

    def ticket(self, ticket_id: uuid.UUID) -> TicketInfo:
        with self._read() as conn:
            return self._ticket_info(conn, self._config(conn), ticket_id)

    def find_ticket(self, display: str, *, now: datetime | None = None) -> TicketInfo | None:
        """The newest ticket, up to the current queue day, with the number a clerk
        types: ``a15`` finds A015."""
        now = now or datetime.now()
        typed = display.strip().upper()
        prefix = "".join(ch for ch in typed if ch.isalpha())
        digits = "".join(ch for ch in typed if ch.isdigit())
        if not prefix or not digits:
            return None
        with self._read() as conn:
            cfg = self._config(conn)
            cat = next((c for c in cfg.by_code.values() if c.spec.prefix == prefix), None)
            if cat is None:
                return None
            row = conn.execute(
                select(TKT.c.id)
                .where(
                    TKT.c.issued_category_id == cat.id,
                    TKT.c.number == int(digits),
                    TKT.c.day <= business_day(now, cat.spec.reset_time),
                )
                .order_by(TKT.c.day.desc())
                .limit(1)
            ).first()
            return None if row is None else self._ticket_info(conn, cfg, row.id)

    def appointment_ticket(
        self, booking_no: str, *, now: datetime | None = None
    ) -> TicketInfo | None:
        """The ticket a booking number (预约号) was checked in with on the current
        queue day, in any category, whatever has become of it since: one booking
        gives one ticket a day."""
        now = now or datetime.now()
        booking = booking_no.strip()
        if not booking:
            return None
        with self._read() as conn:
            return self._appointment(conn, self._config(conn), booking, now)

    def _appointment(
        self, conn: Connection, cfg: _Config, booking: str, now: datetime
    ) -> TicketInfo | None:
        today = {cid: business_day(now, c.spec.reset_time) for cid, c in cfg.by_id.items()}
        if not today:
            return None
        rows = conn.execute(  # by the (category, day, number) index
            select(TKT)
            .where(
                TKT.c.issued_category_id.in_(list(today)),
                TKT.c.day >= min(today.values()),
                TKT.c.kind == TicketKind.APPOINTMENT.value,
                TKT.c.note == booking,
            )
            .order_by(TKT.c.seq.desc())
        ).all()
        for row in rows:
            if row.day == today[row.issued_category_id]:
                return self._info(cfg, row._mapping)
        return None

    def waiting(self, *, now: datetime | None = None) -> list[TicketInfo]:
        """Every ticket that can still be called, in place order (for the manager
        view and the hall display's "waiting" counts)."""
        now = now or datetime.now()
        with self._read() as conn:
            cfg = self._config(conn)
            rows = conn.execute(select(TKT).where(text(WAITING_SQL)).order_by(TKT.c.seq))
            out = []
            for row in rows:
                spec = cfg.by_id[row.category_id].spec
                if spec.carry_over or row.day >= business_day(now, spec.reset_time):
                    out.append(self._info(cfg, row._mapping))
            return out

    def counters(self) -> list[CounterInfo]:
        with self._read() as conn:
            cfg = self._config(conn)
            rows = conn.execute(
                select(CTR.c.window_no, CTR.c.name, CTR.c.paused, CTR.c.pause_reason, TKT.c.display)
                .select_from(
                    CTR.outerjoin(
                        TKT, and_(TKT.c.id == CTR.c.current_ticket_id, TKT.c.status == CALLED)
                    )
                )
                .where(CTR.c.active.is_(True))
                .order_by(CTR.c.window_no)
            ).all()
        return [
            CounterInfo(r.window_no, r.name, dict(cfg.counters[r.window_no].weights), r.paused,
                        r.pause_reason, r.display)
            for r in rows
        ]  # fmt: skip

    def wait_estimate(
        self, ticket_id: uuid.UUID, *, now: datetime | None = None
    ) -> WaitEstimate | None:
        """How many the hall's rule will call before this waiting ticket at the
        windows that can call it, playing the rule forward from every open window's
        state (``ahead_of``), and the wait from the day's mean service time — of
        the ticket's category, else of the whole hall. None when the ticket is not
        waiting or no open window serves it."""
        now = now or datetime.now()
        with self._read() as conn:
            cfg = self._config(conn)
            mine = conn.execute(
                select(TKT.c.status, TKT.c.category_id).where(TKT.c.id == ticket_id)
            ).first()
            if mine is None or mine.status != WAITING:
                return None
            rows = conn.execute(
                select(TKT.c.id, TKT.c.seq, TKT.c.day, TKT.c.category_id, TKT.c.priority,
                       TKT.c.target_counter_id).where(text(WAITING_SQL))
            ).all()  # fmt: skip
            busy_t = TKT.alias("busy")
            counters = conn.execute(
                select(CTR.c.id, CTR.c.window_no, CTR.c.state, busy_t.c.id.label("serving"))
                .select_from(
                    CTR.outerjoin(
                        busy_t,
                        and_(busy_t.c.id == CTR.c.current_ticket_id, busy_t.c.status == CALLED),
                    )
                )
                .where(CTR.c.active.is_(True), CTR.c.paused.is_(False))
                .order_by(CTR.c.window_no)
            ).all()
        waiting = []
        for r in rows:
            spec = cfg.by_id[r.category_id].spec
            if (
                r.target_counter_id is None
                and not spec.carry_over
                and r.day < business_day(now, spec.reset_time)
            ):
                continue  # never called again (the daily reset expires it)
            target = cfg.counter_by_id.get(r.target_counter_id) if r.target_counter_id else None
            waiting.append(
                Waiting(
                    Candidate(str(r.id), r.seq, spec.code, bool(r.priority)),
                    target.window_no if target else None,
                )
            )
        hall = [
            HallCounter(c.window_no, cfg.counters[c.window_no].weights,
                        CounterState.from_dict(c.state), c.serving is not None)
            for c in counters
            if c.window_no in cfg.counters
        ]  # fmt: skip
        ahead: Ahead | None = ahead_of(str(ticket_id), waiting, hall, cfg.policy)
        if ahead is None:
            return None
        spec = cfg.by_id[mine.category_id].spec
        stats = self.day_stats(business_day(now, spec.reset_time))
        own = stats.by_category.get(spec.code)
        mean = own.service.mean if own is not None and own.service.count else None
        if mean is None:
            mean = stats.total.service.mean
        return WaitEstimate(
            ahead.people, ahead.services, mean, None if mean is None else ahead.services * mean
        )

    def stale_calls(self, *, now: datetime | None = None) -> list[StaleCall]:
        """Calls whose window died or that are older than the hall allows, by window:
        for the manager view and the restarted counter."""
        now = now or datetime.now()
        with self._read() as conn:
            cfg = self._config(conn)
            rows = conn.execute(
                select(CTR.c.window_no.label("window"), TKT,
                       *(PRES.c[c].label(f"p_{c}") for c in PRESENCE_COLS))
                .select_from(
                    CTR.join(TKT, and_(TKT.c.id == CTR.c.current_ticket_id,
                                       TKT.c.status == CALLED))
                    .outerjoin(PRES, PRES.c.window_no == CTR.c.window_no)
                )
                .where(CTR.c.active.is_(True))
                .order_by(CTR.c.window_no)
            ).all()  # fmt: skip
        out = []
        for r in rows:
            m = r._mapping
            presence = (
                Presence(m["p_program"], m["p_since"], m["p_seen_at"], m["p_lapsed_at"])
                if m["p_program"] is not None
                else None
            )
            stale = self._staleness(cfg, cast(Mapping[str, Any], m), presence, now)
            if stale is not None:
                out.append(StaleCall(m["window"], self._info(cfg, m), stale.since, stale.why))
        return out

    def stale_call(self, window_no: str, *, now: datetime | None = None) -> StaleCall | None:
        """This window's call, if it is stale."""
        return next((s for s in self.stale_calls(now=now) if s.window_no == window_no), None)

    def last_finished(self, window_no: str) -> TicketInfo | None:
        """The ticket this window finished last: the one its evaluator rates."""
        with self._read() as conn:
            cfg = self._config(conn)
            row = conn.execute(
                select(CALL.c.ticket_id)
                .where(CALL.c.window_no == window_no, CALL.c.outcome == CallOutcome.DONE.value)
                .order_by(CALL.c.ended_at.desc())
                .limit(1)
            ).first()
            return None if row is None else self._ticket_info(conn, cfg, row.ticket_id)

    def day_stats(self, day: date) -> DayStats:
        """One queue day: tickets issued, wait and service times, no-shows and
        satisfaction, per category and per clerk (calls still open count as calls
        and waits)."""
        with self._read() as conn:
            cfg = self._config(conn)
            issued = conn.execute(
                select(TKT.c.issued_category_id, func.count())
                .where(TKT.c.issued_category_id.in_(list(cfg.by_id)), TKT.c.day == day)
                .group_by(TKT.c.issued_category_id)
            ).all()  # by the (category, day, number) index
            calls = conn.execute(
                select(CALL.c.category_id, CALL.c.clerk, CALL.c.enqueued_at, CALL.c.called_at,
                       CALL.c.ended_at, CALL.c.outcome, CALL.c.downtime_s)
                .where(CALL.c.day == day)
            ).all()  # fmt: skip
            open_calls = conn.execute(  # every ticket being served is a counter's current one
                select(TKT.c.category_id, TKT.c.clerk, TKT.c.enqueued_at, TKT.c.called_at).where(
                    TKT.c.id.in_(select(CTR.c.current_ticket_id)), TKT.c.status == CALLED
                )
            ).all()
            evals = conn.execute(
                select(EVAL.c.clerk, EVAL.c.level, TKT.c.category_id)
                .select_from(EVAL.join(TKT, TKT.c.id == EVAL.c.ticket_id))
                .where(EVAL.c.day == day)
            ).all()

        codes = {cid: c.spec.code for cid, c in cfg.by_id.items()}
        total = _Acc()
        by_cat: dict[str, _Acc] = defaultdict(_Acc)
        by_clerk: dict[str, _Acc] = defaultdict(_Acc)
        for cat_id, clerk, enqueued, called, ended, outcome, down in calls:
            wait = (called - enqueued).total_seconds()
            service = (
                None
                if outcome == SKIPPED_CALL
                else max(0.0, (ended - called).total_seconds() - (down or 0.0))
            )
            for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                acc.add_call(wait, service, outcome)
        for cat_id, clerk, enqueued, called in open_calls:
            if business_day(called, cfg.by_id[cat_id].spec.reset_time) == day:
                wait = (called - enqueued).total_seconds()
                for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                    acc.add_call(wait, None, None)
        for clerk, level, cat_id in evals:
            for acc in (total, by_cat[codes[cat_id]], by_clerk[clerk]):
                acc.levels.append(level)
        for cat_id, count in issued:
            by_cat[codes[cat_id]].issued += count
            total.issued += count
        return DayStats(
            day,
            total.stats("全部"),
            {k: acc.stats(k) for k, acc in by_cat.items()},
            {k: acc.stats(k) for k, acc in by_clerk.items()},
        )

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _candidate(cfg: _Config, row: Mapping[str, Any], ctr: _Counter) -> Candidate:
        return Candidate(
            ref=str(row["id"]),
            seq=row["seq"],
            category=cfg.by_id[row["category_id"]].spec.code,
            priority=row["priority"],
            direct=row["target_counter_id"] == ctr.id,
        )

    @staticmethod
    def _expect_status(cfg: _Config, ticket: Mapping[str, Any], want: TicketStatus) -> None:
        status, display = ticket["status"], ticket["display"]
        if status == want.value:
            return
        where = cfg.counter_by_id.get(ticket["counter_id"]) if ticket["counter_id"] else None
        messages = {
            CALLED: f"{display}已在{where.window_no if where else ''}号窗口呼叫",
            WAITING: f"{display}正在等候，没有过号",
            DONE: f"{display}已办结",
            SKIPPED: f"{display}已过号，请先恢复排队",
            TicketStatus.EXPIRED.value: f"{display}已失效（日终清号），请重新取号",
        }
        raise QueueError(messages.get(status, f"{display}的状态是{status}"))

    def _ticket_info(self, conn: Connection, cfg: _Config, ticket_id: uuid.UUID) -> TicketInfo:
        row = conn.execute(select(TKT).where(TKT.c.id == ticket_id)).one_or_none()
        if row is None:
            raise QueueError("没有这个号")
        return self._info(cfg, row._mapping)

    @staticmethod
    def _info(cfg: _Config, row: Mapping[Any, Any]) -> TicketInfo:
        spec = cfg.by_id[row["category_id"]].spec
        counter = cfg.counter_by_id.get(row["counter_id"]) if row["counter_id"] else None
        target = (
            cfg.counter_by_id.get(row["target_counter_id"]) if row["target_counter_id"] else None
        )
        return TicketInfo(
            id=row["id"], seq=row["seq"], display=row["display"], category=spec.code,
            category_name=spec.name, kind=TicketKind(row["kind"]), note=row["note"],
            status=TicketStatus(row["status"]), day=row["day"], issued_at=row["issued_at"],
            enqueued_at=row["enqueued_at"], window_no=counter.window_no if counter else None,
            clerk=row["clerk"], called_at=row["called_at"],
            target_window=target.window_no if target else None, recalls=row["recalls"],
            case_nos=tuple(row["case_nos"] or ()),
        )  # fmt: skip


def _downtime(ticket: Mapping[str, Any], stale: Staleness | None, now: datetime) -> float:
    """Seconds of the ticket's call in progress its window was down, up to ``now``."""
    down = float(ticket.get("downtime_s") or 0.0)
    if stale is not None:
        down += max(0.0, (now - stale.since).total_seconds())
    return down


def _checked(spec: CategorySpec) -> CategorySpec:
    try:
        return spec.checked()
    except QueueRuleError as exc:
        raise QueueError(str(exc)) from None


@dataclass(slots=True)
class _Acc:
    issued: int = 0
    calls: int = 0
    served: int = 0
    no_shows: int = 0
    transferred: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)

    def add_call(self, wait: float, service: float | None, outcome: str | None) -> None:
        self.calls += 1
        self.waits.append(wait)
        if outcome == DONE_CALL:
            self.served += 1
        elif outcome == SKIPPED_CALL:
            self.no_shows += 1
        elif outcome == TRANSFERRED_CALL:
            self.transferred += 1
        if service is not None:
            self.services.append(service)

    def stats(self, key: str) -> GroupStats:
        satisfied = sum(1 for v in self.levels if v >= Evaluation.BASICALLY_SATISFIED)
        return GroupStats(
            key, self.issued, self.calls, self.served, self.no_shows, self.transferred,
            Durations.of(self.waits), Durations.of(self.services), len(self.levels),
            satisfied / len(self.levels) if self.levels else None,
        )  # fmt: skip
