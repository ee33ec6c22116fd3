"""Child process for the SIGKILL test: saves cases and pushes them in small batches,
back to back, until it is killed."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from db.store import open_store
from db.sync.client import CentralConfig, SyncClient, SyncError
from tests.sync.helpers import save_cases


def main(store_url: str, central_url: str, password: str, centre: str, seed: str) -> None:
    store = open_store(store_url, upgrade=False)
    config = CentralConfig(central_url, password, centre, "A1", sslmode="disable", batch_rows=2)
    client = SyncClient(store, config)
    rnd = random.Random(seed)
    print("READY", flush=True)
    n = 0
    while True:
        n += 1
        save_cases(store, rnd.randint(1, 3), centre=centre, tag=f"{seed}-{n}-")
        print("SYNC", flush=True)
        try:
            client.sync_once()
            print("DONE", flush=True)
        except SyncError as exc:
            print("ERROR", exc.kind, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
