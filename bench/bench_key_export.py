"""What the key export's passphrase costs (app/services/store_keys.py): wrapping and
unwrapping the keys with scrypt n = 2^17, r = 8, p = 1 — the cost of one guess for
whoever holds the file, and the wait of the IT person at export and import.

    python bench/bench_key_export.py [ROUNDS]
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from datetime import datetime


def main(rounds: int = 5) -> None:
    from app.services.store_keys import SCRYPT_N, Keys, unwrap, wrap

    keys = Keys(secrets.token_bytes(32), secrets.token_bytes(32))
    passphrase = "Yichuang-县中心-2026!"
    took_wrap, took_unwrap = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        blob = wrap(keys, passphrase, centre="370982101", workstation="A1", now=datetime.now())
        took_wrap.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert unwrap(blob, passphrase)[0] == keys
        took_unwrap.append(time.perf_counter() - t)
    print(f"figure key_export_scrypt_n {SCRYPT_N} n")
    print(f"figure key_export_wrap_median {statistics.median(took_wrap):.3f} s")
    print(f"figure key_export_unwrap_median {statistics.median(took_unwrap):.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
