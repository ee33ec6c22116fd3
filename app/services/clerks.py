"""Clerk accounts at a workstation: who may sign in, signing in and out, and the
demo accounts of the embedded default. Widgets and start-up call this, never the
store; times come from the program's clock.

The database modules load inside the methods: the sign-in dialog shows before
SQLAlchemy is imported (see app/quick_start.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.core.accounts import DEMO_PASSWORD, Clerk, Seat, SignInFailed
from app.core.clock import Clock

if TYPE_CHECKING:
    from app.settings import Settings
    from db.store import LocalStore

__all__ = ["ClerkService", "Seat", "SignInFailed"]


class ClerkService:
    def __init__(self, store: LocalStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def accounts(self, settings: Settings | None = None) -> list[Clerk]:
        """Every account. With ``settings`` of a standalone workstation (no county), an
        empty table first gets the demo accounts, and the settings remember that."""
        from db.clerk_repo import ensure_demo_clerks, list_clerks

        with self._store.session() as s, s.begin():
            standalone = settings is not None and not str(settings.get("central_url")).strip()
            if standalone and ensure_demo_clerks(s):
                assert settings is not None
                settings.set("demo_clerks", True)
            return list_clerks(s)

    def ensure_demo_accounts(self) -> bool:
        """The demo accounts on an empty table; True when they were added now."""
        from db.clerk_repo import ensure_demo_clerks

        with self._store.session() as s, s.begin():
            return ensure_demo_clerks(s)

    def sign_in(
        self, login: str, password: str, window_no: str, known: Iterable[Clerk] = ()
    ) -> Seat:
        """Check the password and the seat and record the sign-in. Raises SignInFailed
        (for the clerk) or StoreError (the store cannot be opened). ``known``: the
        accounts the caller has already, to name the post owner when covering."""
        from db.clerk_repo import list_clerks
        from db.clerk_repo import sign_in as record_sign_in

        window = window_no.strip()
        with self._store.session() as s, s.begin():
            clerk, decision, record = record_sign_in(
                s, login.strip(), password, window, now=self._clock.now()
            )
            owners = {c.login: c for c in known} or {c.login: c for c in list_clerks(s)}
        owner = owners.get(decision.on_behalf_of)
        return Seat(clerk, window, decision.on_behalf_of, owner.name if owner else "", record)

    def demo_sign_in(self, login: str, window_no: str = "") -> Seat:
        """``--as LOGIN[@WINDOW]`` for a demo account: the same sign-in as typing the
        demo password, recorded like one, so it opens nothing that typing it would not."""
        clerks = {c.login: c for c in self.accounts()}
        own = clerks[login].window_no if login in clerks else ""
        return self.sign_in(login, DEMO_PASSWORD, window_no or own or "1", clerks.values())

    def sign_out(self, record_id: str) -> None:
        from db.clerk_repo import sign_out

        with self._store.session() as s, s.begin():
            sign_out(s, record_id, now=self._clock.now())
