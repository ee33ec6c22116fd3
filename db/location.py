"""Where the local store lives and which schema revision the program expects.

Standard library only (and platformdirs): the window reads these before SQLAlchemy
and Alembic are loaded, which together cost more than half a second at start-up.
"""

from __future__ import annotations

import re
from pathlib import Path

from platformdirs import user_data_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
APP_NAME = "YiChuang"

_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def database_url(db: str | None, data_dir: str | Path | None = None) -> str:
    """A SQLAlchemy URL from a URL, a file path, or nothing (the user's data folder)."""
    if db and "://" in db:
        return db
    if db:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    folder = Path(data_dir) if data_dir else default_data_dir()
    return f"sqlite:///{(folder / 'yichuang.sqlite3').resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything else."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url == prefix:
        return None
    return Path(url[len(prefix) :])


def head_by_reading_scripts() -> str | None:
    """The newest revision, read from the migration files without loading Alembic
    (which costs a quarter of a second at every start)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev = _REVISION.search(source)
        if rev:
            revisions.add(rev.group(1))
        down = _DOWN.search(source)
        if down:
            downs.add(down.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None
