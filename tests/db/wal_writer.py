"""Child of tests/db/test_cipher_convert.py: an older version's writer that dies with
rows only in the WAL (never checkpointed into the plain file)."""

from __future__ import annotations

import os
import sqlite3
import sys

con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(200):
    con.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?)", (f"wal-only-{i}", "张三 110101199003077777")
    )
con.commit()
os._exit(0)  # no close, no checkpoint: the rows live in the WAL alone
