"""Child of tests/db/test_cipher_convert.py: convert a plain store in place, and stop
dead (waiting to be killed) at the named step, or run through when none is named."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from db import cipher


def main() -> None:
    path, stop_at = Path(sys.argv[1]), sys.argv[2]

    def pause(step: str) -> None:
        print(step, flush=True)
        if step == stop_at:
            print("AT", flush=True)
            time.sleep(600)

    print("READY", flush=True)
    cipher.convert(path, cipher.store_key(create=True), _pause=pause)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
