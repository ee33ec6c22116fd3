"""The hall queue store (QueueStore): every queue operation is one transaction,
logged with who, when and why, behind a SQLAlchemy URL.

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

Where each thing lives:

- ``sql``: the tables, the hot statements as SQL text for both databases (RawSql),
  the values as each driver stores them.
- ``writer_lock``: the SQLite writers' turn, an OS file lock beside the database.
- ``config``: the hall's set-up as the store caches it (HallConfig).
- ``base``: the connection, the write and read transactions (Tx), the set-up
  cache and ``commit_events``, the last step of every write; the internal API of
  stores that write in the queue's transactions (db/booking_store.py).
- ``setup_ops``: categories, windows, queue rules.
- ``issue_ops``: taking a number; the ticket a booking was checked in with.
- ``call_ops``: call_next (the hot path) and call_ticket.
- ``serve_ops``: recall, skip, finish, transfer, reactivate, pause/resume,
  heartbeat, evaluation.
- ``day_reset``: the daily reset (日终清号).
- ``read_ops``: the event log, tickets, waiting, windows, wait estimate, stale calls.
- ``figures``: day statistics and the day rows the screens count from.
- ``store``: QueueStore, all of the above in one class.
"""

from db.queue.sql import NOTIFY_CHANNEL
from db.queue.store import QueueStore

__all__ = ["NOTIFY_CHANNEL", "QueueStore"]
