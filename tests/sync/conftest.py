"""A central database per test with its own roles (cluster-wide, so named with a
per-run random prefix and dropped afterwards, also when the test fails), two centres,
and workstation stores that sync with it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from db.central import admin
from db.store import Store, open_store
from db.sync.client import CentralConfig, SyncClient

CENTRE_A = "370999101"
CENTRE_B = "370999102"


@dataclass
class Central:
    admin_url: str  # superuser on the test database
    prefix: str
    revision: str = "head"
    logins: dict[str, admin.CentreLogin] = field(default_factory=dict)
    registered: set[tuple[str, str]] = field(default_factory=set)

    def centre_url(self, code: str) -> str:
        login = self.logins[code]
        return (
            make_url(self.admin_url)
            .set(username=login.role, password=None)
            .render_as_string(hide_password=False)
        )

    def register(self, code: str, workstation: str) -> None:
        """The county registers the workstation (idempotent)."""
        if self.revision in ("c0001", "c0002"):
            return  # before c0003 a workstation registered itself at its first sync
        if (code, workstation) not in self.registered:
            admin.add_workstation(self.admin_url, code, workstation)
            self.registered.add((code, workstation))

    def config(self, code: str, workstation: str = "A1", **kw: object) -> CentralConfig:
        self.register(code, workstation)
        return CentralConfig(
            url=self.centre_url(code),
            password=self.logins[code].password,
            centre=code,
            workstation=workstation,
            sslmode="disable",
            **kw,  # type: ignore[arg-type]
        )


def _make_db(server: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"yc_sync_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_db(server: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def central_factory(pg_server: str) -> Iterator[Callable[..., Central]]:
    made: list[tuple[str, str]] = []

    def make(revision: str = "head", centres: tuple[str, ...] = (CENTRE_A, CENTRE_B)) -> Central:
        prefix = f"yct{uuid.uuid4().hex[:8]}"
        name, url = _make_db(pg_server)
        made.append((name, prefix))
        admin.init_central(url, prefix=prefix, revision=revision)
        central = Central(url, prefix, revision)
        for code in centres:
            central.logins[code] = admin.add_centre(url, code, f"测试中心{code[-3:]}")
        return central

    try:
        yield make
    finally:
        for name, prefix in made:
            _drop_db(pg_server, name)
            admin.drop_roles(pg_server, prefix)


@pytest.fixture
def central(central_factory: Callable[..., Central]) -> Central:
    return central_factory()


@pytest.fixture
def workstation(tmp_path: Path) -> Iterator[Callable[..., Store]]:
    stores: list[Store] = []

    def make(name: str = "ws") -> Store:
        store = open_store(f"sqlite:///{tmp_path / (name + '.sqlite3')}")
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


def client(
    store: Store, central: Central, code: str = CENTRE_A, ws: str = "A1", **kw: object
) -> SyncClient:
    return SyncClient(store, central.config(code, ws, **kw))
