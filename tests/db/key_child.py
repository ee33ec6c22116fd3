"""Child of tests/db/test_cipher_convert.py: a program starting on a new machine makes
(or finds) the store key in a keyring shared with the other programs starting at the
same moment (a file-backed keyring that is slow to answer "none yet", so that two
starts look before either writes), and prints it."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from keyring.backend import KeyringBackend

from db import cipher


class SlowFileKeyring(KeyringBackend):
    priority = 0

    def __init__(self, path: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.path = path

    def _all(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        found = self._all().get(f"{service}/{username}")
        if found is None:
            time.sleep(0.3)  # the other program looks meanwhile
        return found

    def set_password(self, service: str, username: str, password: str) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({**self._all(), f"{service}/{username}": password}))
        os.replace(tmp, self.path)

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


if __name__ == "__main__":
    os.environ.pop(cipher.KEY_FILE_ENV, None)
    cipher.use_backend(SlowFileKeyring(Path(sys.argv[1])))
    start = float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))  # all begin together
    print(cipher.store_key(create=True).hex(), flush=True)
