"""The benchmarks open encrypted stores (db/cipher.py) like the program; on a machine
without a system keyring they use a key file of their own, made once (mode 600) in
the temporary folder, as an unattended machine is set up (docs/encryption.md)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def use_bench_key() -> None:
    if os.environ.get("YICHUANG_STORE_KEY_FILE"):
        return
    path = Path(tempfile.gettempdir()) / f"yichuang-bench-{os.getuid()}.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    os.environ["YICHUANG_STORE_KEY_FILE"] = str(path)
