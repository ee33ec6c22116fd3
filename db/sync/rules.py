"""Written conflict rules shared by the push (central side, in SQL) and the pull
(here). docs/sync.md explains each one for the hall manager and county IT."""

from __future__ import annotations

from app.core.lifecycle import reachable

# Case status moves forward only: a status is forward of another when the lifecycle's
# steps lead there (app/core/lifecycle.MOVES; the county's copy is the migration
# c0004's STATUS_FORWARD, checked against it by tests/sync/test_lifecycle_sync.py).


def forward(current: str, new: str) -> bool:
    """May a case in ``current`` move to ``new``?"""
    return reachable(current, new)


def takes(current: str, current_version: int, new: str, new_version: int) -> bool:
    """Is the other side's status (``new`` at ``new_version``) to be taken over this
    one? Forward moves are; in the one loop (已退回 ⇄ 待核准: returned and reviewed
    again) both ways are forward, and the later change — the higher version — wins."""
    if not forward(current, new):
        return False
    return not forward(new, current) or new_version > current_version
