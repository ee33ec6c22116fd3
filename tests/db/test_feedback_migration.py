"""Migration 0015 on SQLite and PostgreSQL: down to 0014 keeps the latest evaluation of a
ticket (one per ticket then) and drops the follow-ups and their case-less entries; up
again gives each evaluation its own id and the ticket's cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from app.core.accounts import Clerk
from app.core.clock import FixedClock
from app.core.feedback import Channel, Complaint
from app.core.queue_policy import CategorySpec, CounterSpec
from app.services.feedback import FeedbackService
from db.queue import QueueStore
from tests.db.test_case_repo import CAL

T = datetime(2026, 3, 2, 9, 0)
CASE = "370982101-A1-20260302-0001"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_migration_0015_down_and_up(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from alembic import command

    from db.store import alembic_config, create_store_engine, open_store

    url = (
        f"sqlite:///{tmp_path / 'old.sqlite3'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    store = open_store(url)
    q = QueueStore.open(url)
    q.save_category(CategorySpec("ZH", "综合业务", "A"), actor="chen", now=T)
    q.save_counter(CounterSpec("1", "一号窗口", {"ZH": 1}), actor="chen", now=T)
    q.save_counter(CounterSpec("2", "二号窗口", {"ZH": 1}), actor="chen", now=T)
    t = q.issue_ticket("ZH", now=T)
    q.call_next("1", clerk="wang", now=T + timedelta(minutes=1))
    q.transfer("1", clerk="wang", to_window="2", now=T + timedelta(minutes=2))
    q.evaluate(t.id, 4, now=T + timedelta(minutes=3))  # the first service
    q.call_next("2", clerk="li", now=T + timedelta(minutes=4))
    q.finish("2", clerk="li", case_nos=[CASE], now=T + timedelta(minutes=5))
    q.evaluate(t.id, 1, now=T + timedelta(minutes=6))  # the second: kept going down
    q.close()
    FeedbackService(
        store, CAL, FixedClock(T), Clerk("chen", "陈主任", "", role="manager"),
        workstation="A1", limit_days=lambda: 5,
    ).register_complaint(Complaint(Channel.PHONE, "赵六", "13900001111", "慢", window_no="1"))  # fmt: skip
    store.close()
    engine = create_store_engine(url)
    cfg = alembic_config(engine)
    try:
        command.downgrade(cfg, "0014")
        assert "follow_up" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT level FROM queue_evaluation")).scalars().all() == [1]
            assert conn.execute(
                text("SELECT count(*) FROM audit_entry WHERE case_id IS NULL")
            ).scalar_one() == 0  # fmt: skip
        command.upgrade(cfg, "0015")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT id, case_nos, level FROM queue_evaluation")).one()
        assert row.id is not None and row.level == 1
        assert CASE in str(row.case_nos)
    finally:
        engine.dispose()
