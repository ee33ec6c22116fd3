"""The queue's SQL: its tables, the hot statements as hand-written SQL text for
SQLite and PostgreSQL (RawSql), the values as each driver stores them, and the
constants the statements are built with. No store and no transaction here."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table

from app.core.queue_policy import CallOutcome, TicketStatus
from db.queue_models import (
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


class Placeholder:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# in a ``then`` step of issue_in_tx: replaced by the new ticket's id / display number
TICKET_ID = Placeholder("TICKET_ID")
TICKET_DISPLAY = Placeholder("TICKET_DISPLAY")


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
NOTIFY_CHANNEL = "yichuang_queue"  # PostgreSQL: NOTIFY with the event number, per write


class RawSql:
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
