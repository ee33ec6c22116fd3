"""What every queue operation stands on: the store's one connection, its write and
read transactions (Tx), the cached set-up, and the last step of every write
(commit_events: the hall row, the log, NOTIFY). Also the ticket and call rows'
conversions the operations share.

Its unprefixed methods (write_tx, read_tx, hall_config, commit_events) and Tx are
the internal API for stores that write in the queue's transactions
(db/booking_store.py): not for services, which use QueueStore's operations."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

from app.core.ids import uuid7
from app.core.queue_policy import (
    CallOutcome,
    Candidate,
    CounterState,
    Presence,
    QueuePolicy,
    Staleness,
    TicketKind,
    TicketStatus,
    business_day,
    call_staleness,
)
from app.core.queue_records import QueueError, TicketInfo
from db.queue.config import ConfigCounter, HallConfig, load_config
from db.queue.sql import (
    CALLED,
    DONE,
    HALL,
    PRESENCE_COLS,
    SKIPPED,
    TKT,
    WAITING,
    RawSql,
    Step,
)
from db.queue.writer_lock import WriterTurn
from db.store import StoreError, create_store_engine, migrate

CHECKPOINT_EVERY = 200  # SQLite: a process's writes between its WAL checkpoints


@dataclass(slots=True)
class Tx:
    """One write transaction: the Core connection, its DBAPI cursor, and (on
    PostgreSQL) spare cursors for pipelines, kept with the connection."""

    conn: Connection
    cur: Any
    raw: RawSql
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
                out.append(fetched_rows(self.cur))
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
        return [fetched_rows(c) for c in cursors]


def fetched_rows(cursor: Any) -> list[Any]:
    """The rows a statement returned; [] when it returns none (without building a
    description, which costs psycopg a column object per column)."""
    result = getattr(cursor, "pgresult", None)
    if result is not None:  # psycopg: 2 = TUPLES_OK
        return list(cursor.fetchall()) if result.status == 2 else []
    return list(cursor.fetchall()) if cursor.description else []


class QueueBase:
    """The connection, transactions and set-up cache of one queue store; the
    operations (db/queue/*_ops) build on it. See QueueStore."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self.raw = RawSql(self._sqlite)
        dbapi = engine.dialect.loaded_dbapi
        self._db_errors: tuple[type[Exception], ...] = (OperationalError, dbapi.OperationalError)
        self._cfg: HallConfig | None = None
        self._conn: Connection | None = None
        self._spare: list[Any] = []  # PostgreSQL: cursors for pipelines
        self._writes = 0
        database = engine.url.database
        self._turn = (
            WriterTurn(database) if self._sqlite and database and database != ":memory:" else None
        )
        self._ensure_hall()

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Self:
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
    def write_tx(self) -> Iterator[Tx]:
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
                    yield Tx(conn, cur, self.raw, self._spare)
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
    def read_tx(self) -> Iterator[Connection]:
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
        with self.write_tx() as tx:
            tx.run(
                self.raw.sql(
                    "INSERT INTO queue_hall (id, last_seq, last_event, config_version, policy) "
                    "VALUES (1, 0, 0, 0, :policy) ON CONFLICT (id) DO NOTHING"
                ),
                {"policy": json.dumps(QueuePolicy().to_dict())},
            )

    def hall_config(self, tx: Tx | Connection, version: int | None = None) -> HallConfig:
        """The set-up (categories, counters, rules), cached until its version moves."""
        conn = tx.conn if isinstance(tx, Tx) else tx
        if version is None:
            version = conn.execute(select(HALL.c.config_version)).scalar_one()
        if self._cfg is not None and self._cfg.version == version:
            return self._cfg
        self._cfg = load_config(conn)
        return self._cfg

    def commit_events(
        self,
        tx: Tx,
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
        raw = self.raw
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

    # ------------------------------------------------------------ shared by the operations

    def _lock_counter(self, tx: Tx, window_no: str) -> dict[str, Any]:
        return self._counter_row(tx.all(self.raw.lock_counter, {"w": window_no}), window_no)

    def _locked_ticket(self, tx: Tx, ticket_id: uuid.UUID) -> dict[str, Any]:
        """The ticket's row, locked for this transaction; QueueError if there is none."""
        raw = self.raw
        ticket = raw.ticket_row(tx.one(raw.lock_ticket, {"t": raw.uid(ticket_id)}))
        if ticket is None:
            raise QueueError("没有这个号")
        return ticket

    def _counter_row(self, rows: list[Any], window_no: str) -> dict[str, Any]:
        if not rows or not rows[0][1]:
            raise QueueError(f"{window_no}号窗口未设置")
        return self.raw.row(
            ("id", "active", "paused", "pause_reason", "current_ticket_id", "state",
             "config_version"),
            rows[0],
        )  # fmt: skip

    def _save_counter_step(
        self, counter_id: uuid.UUID, current: uuid.UUID | None, state: CounterState
    ) -> Step:
        raw = self.raw
        return raw.save_counter, {
            "c": raw.uid(counter_id), "cur": raw.uid(current), "state": raw.json(state.to_dict())
        }  # fmt: skip

    def _insert_call(
        self, tx: Tx, cfg: HallConfig, ticket: Mapping[str, Any], outcome: CallOutcome,
        now: datetime, stale: Staleness | None = None,
    ) -> None:  # fmt: skip
        tx.run(*self._call_row(cfg, ticket, outcome, now, stale))

    def _call_row(
        self, cfg: HallConfig, ticket: Mapping[str, Any], outcome: CallOutcome, now: datetime,
        stale: Staleness | None = None,
    ) -> Step:  # fmt: skip
        """The row of the ticket's call that just ended (its fields are on the ticket);
        a ``stale`` call was down from its ``since``."""
        raw = self.raw
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
            "downtime_s": call_downtime(ticket, stale, now),
        }  # fmt: skip

    def _presence(self, values: Sequence[Any] | None) -> Presence | None:
        if values is None or values[0] is None:
            return None
        p = self.raw.row(PRESENCE_COLS, values)
        return Presence(p["program"], p["since"], p["seen_at"], p["lapsed_at"])

    @staticmethod
    def _staleness(
        cfg: HallConfig, ticket: Mapping[str, Any], presence: Presence | None, now: datetime
    ) -> Staleness | None:
        live = ticket["live_at"] or ticket["called_at"]
        return None if live is None else call_staleness(live, presence, cfg.policy, now)

    @staticmethod
    def _candidate(cfg: HallConfig, row: Mapping[str, Any], ctr: ConfigCounter) -> Candidate:
        return Candidate(
            ref=str(row["id"]),
            seq=row["seq"],
            category=cfg.by_id[row["category_id"]].spec.code,
            priority=row["priority"],
            direct=row["target_counter_id"] == ctr.id,
        )

    @staticmethod
    def _expect_status(cfg: HallConfig, ticket: Mapping[str, Any], want: TicketStatus) -> None:
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

    def _ticket_info(self, conn: Connection, cfg: HallConfig, ticket_id: uuid.UUID) -> TicketInfo:
        row = conn.execute(select(TKT).where(TKT.c.id == ticket_id)).one_or_none()
        if row is None:
            raise QueueError("没有这个号")
        return self._info(cfg, row._mapping)

    @staticmethod
    def _info(cfg: HallConfig, row: Mapping[Any, Any]) -> TicketInfo:
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


def call_downtime(ticket: Mapping[str, Any], stale: Staleness | None, now: datetime) -> float:
    """Seconds of the ticket's call in progress its window was down, up to ``now``."""
    down = float(ticket.get("downtime_s") or 0.0)
    if stale is not None:
        down += max(0.0, (now - stale.since).total_seconds())
    return down
