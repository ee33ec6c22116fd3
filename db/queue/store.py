"""QueueStore: the queue operations of one hall, put together from the package's
rooms (see db/queue/__init__.py for which holds what)."""

from __future__ import annotations

from db.queue.call_ops import CallOps
from db.queue.day_reset import DayResetOps
from db.queue.issue_ops import IssueOps
from db.queue.read_ops import ReadOps
from db.queue.serve_ops import ServeOps
from db.queue.setup_ops import SetupOps


class QueueStore(SetupOps, IssueOps, CallOps, ServeOps, DayResetOps, ReadOps):
    """The queue operations of one hall. Several processes may use one store at once,
    each with its own QueueStore; a QueueStore is for one thread at a time."""
