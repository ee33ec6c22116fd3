"""Written conflict rules shared by the push (central side, in SQL) and the pull
(here). docs/sync.md explains each one for the hall manager and county IT."""

from __future__ import annotations

# Case status moves forward only. Mirrors db/central/sql.py STATUS_MOVES.
STATUS_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        ("容缺受理", "已受理"),
        ("容缺受理", "已办结"),
        ("已受理", "已办结"),
        ("待补正", "已补正"),
    }
)


def forward(current: str, new: str) -> bool:
    """May a case in ``current`` move to ``new``?"""
    return (current, new) in STATUS_MOVES
