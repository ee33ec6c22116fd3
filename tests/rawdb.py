"""A store file opened the way the program opens it (db/cipher.py: keyed when
encrypted, as it is when plain), for tests that read or change rows beneath the
program. Closed on leaving (committed when nothing was raised)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from db import cipher


@contextmanager
def raw(path: Path | str) -> Iterator[Any]:
    con = cipher.open_file(path)
    try:
        yield con
        con.commit()
    finally:
        con.close()
