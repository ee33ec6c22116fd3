"""The hall's set-up: queue categories, windows (counters) and their category
weights, and the queue rules; each change is logged and moves config_version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

from app.core.ids import uuid7
from app.core.queue_policy import CategorySpec, CounterSpec, QueuePolicy, QueueRuleError
from app.core.queue_records import Action, QueueError
from db.queue.base import QueueBase
from db.queue.config import checked_spec
from db.queue.sql import CAT, CC, CTR, HALL
from db.queue_models import HALL_ROW


class SetupOps(QueueBase):
    """Categories, windows and rules."""

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
        spec = checked_spec(spec)
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
        with self.write_tx() as tx:
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
            self.commit_events(
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
        with self.write_tx() as tx:
            cfg = self.hall_config(tx)
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
            self.commit_events(
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
        with self.write_tx() as tx:
            tx.conn.execute(
                update(HALL).where(HALL.c.id == HALL_ROW).values(policy=policy.to_dict())
            )
            self.commit_events(
                tx,
                [{"at": now, "actor": actor, "action": Action.SET_POLICY, "reason": reason,
                  "detail": policy.to_dict()}],
                config=True,
            )  # fmt: skip

    def policy(self) -> QueuePolicy:
        with self.read_tx() as conn:
            return self.hall_config(conn).policy

    def categories(self) -> list[CategorySpec]:
        with self.read_tx() as conn:
            return [c.spec for c in self.hall_config(conn).by_code.values()]

    def category_for_item(self, item_code: str) -> CategorySpec | None:
        """The category an item (事项编码) is served under, for the kiosk and counter."""
        return next((s for s in self.categories() if item_code in s.item_codes), None)
