"""The hall's set-up as the queue store caches it (categories, counters and their
weights, the queue rules), read from the tables in one go; the store keeps it
until the hall's config_version moves."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from app.core.queue_policy import CategorySpec, QueuePolicy, QueueRuleError
from app.core.queue_records import QueueError
from db.queue.sql import CAT, CC, CTR, HALL, LANE_DEPTH
from db.queue_models import WAITING_SQL

if TYPE_CHECKING:
    from db.queue.sql import RawSql


@dataclass(frozen=True, slots=True)
class ConfigCategory:
    id: uuid.UUID
    spec: CategorySpec


@dataclass(frozen=True, slots=True)
class ConfigCounter:
    id: uuid.UUID
    window_no: str
    name: str
    weights: dict[str, int]  # category code → weight


@dataclass(slots=True)
class HallConfig:
    version: int
    policy: QueuePolicy
    by_id: dict[uuid.UUID, ConfigCategory] = field(default_factory=dict)
    by_code: dict[str, ConfigCategory] = field(default_factory=dict)
    counters: dict[str, ConfigCounter] = field(default_factory=dict)  # window_no →
    counter_by_id: dict[uuid.UUID, ConfigCounter] = field(default_factory=dict)
    lanes: dict[tuple[str, int], str] = field(default_factory=dict)  # SQL per counter

    def category(self, code: str) -> ConfigCategory:
        found = self.by_code.get(code)
        if found is None:
            raise QueueError(f"业务类别“{code}”不存在")
        return found

    def counter(self, window_no: str) -> ConfigCounter:
        found = self.counters.get(window_no)
        if found is None:
            raise QueueError(f"{window_no}号窗口未设置")
        return found

    def lane_sql(self, raw: RawSql, counter: ConfigCounter, busy: int) -> str:
        """The first waiting tickets of each of a counter's lanes — category × class,
        and the tickets transferred to it — in one statement, so in one snapshot.
        Parameters: ``d_<i>`` day bounds, ``b<j>`` tickets being claimed elsewhere.
        Built from this set-up in ``raw``'s SQL and kept with it (per counter and busy)."""
        key = (counter.window_no, busy)
        found = self.lanes.get(key)
        if found is not None:
            return found
        not_busy = f" AND id NOT IN ({', '.join(f':b{j}' for j in range(busy))})" if busy else ""
        branches = []
        for i, code in enumerate(counter.weights):
            cat = self.by_code[code]
            # without carry-over only today's tickets can be called (older ones wait
            # for the daily reset to expire them): day equality keeps the lane
            # index ordered by place
            day = "" if cat.spec.carry_over else f" AND day = :d_{i}"
            for prio in (False, True):
                branches.append(
                    f"category_id = {raw.literal_uuid(cat.id)} AND target_counter_id IS NULL"
                    f" AND priority = {raw.literal_bool(prio)}{day}"
                )
        for prio in (False, True):
            branches.append(
                f"target_counter_id = {raw.literal_uuid(counter.id)}"
                f" AND priority = {raw.literal_bool(prio)}"
            )
        sql = " UNION ALL ".join(
            f"SELECT * FROM (SELECT id, seq, category_id, priority, target_counter_id "
            f"FROM queue_ticket WHERE {WAITING_SQL} AND {cond}{not_busy} "
            f"ORDER BY seq LIMIT {LANE_DEPTH}) AS lane{n}"
            for n, cond in enumerate(branches)
        )
        self.lanes[key] = found = raw.sql(sql)
        return found


def spec_from_row(row: Any) -> CategorySpec:
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


def load_config(conn: Connection) -> HallConfig:
    """The set-up (categories, counters, rules) as it is now."""
    hall = conn.execute(select(HALL.c.config_version, HALL.c.policy)).one()
    cfg = HallConfig(hall.config_version, QueuePolicy.from_dict(hall.policy or {}))
    for row in conn.execute(select(CAT).order_by(CAT.c.ord, CAT.c.code)):
        c = ConfigCategory(row.id, spec_from_row(row))
        cfg.by_id[row.id] = c
        cfg.by_code[row.code] = c
    weights: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for row in conn.execute(select(CC)):
        weights[row.counter_id][cfg.by_id[row.category_id].spec.code] = row.weight
    for row in conn.execute(select(CTR.c.id, CTR.c.window_no, CTR.c.name, CTR.c.active)):
        counter = ConfigCounter(row.id, row.window_no, row.name, weights[row.id])
        cfg.counter_by_id[row.id] = counter
        if row.active:
            cfg.counters[row.window_no] = counter
    return cfg


def checked_spec(spec: CategorySpec) -> CategorySpec:
    try:
        return spec.checked()
    except QueueRuleError as exc:
        raise QueueError(str(exc)) from None
