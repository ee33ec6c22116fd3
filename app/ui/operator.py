"""Who is at the counter: read at sign-in, before the intake's modules are loaded
(app/ui/intake.py re-exports it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operator:
    """Who is at the counter."""

    login: str
    name: str
    window_no: str
    on_behalf_of: str = ""
    role: str = "clerk"  # the account's role (clerk / chief / manager)
