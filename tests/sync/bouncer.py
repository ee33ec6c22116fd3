"""A real pgbouncer in transaction mode in front of a county database, for the tests and
bench/bench_sync_county.py: a pool per centre login (so each centre still logs in to
PostgreSQL as itself), the logins' SCRAM verifiers as its auth file (SCRAM
pass-through), on a port of its own. pgbouncer refuses to run as root: under root it
runs as the postgres user, in a folder of its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


def binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def pgbouncer(
    admin_url: str, userlist: str, pool_size: int, port: int | None = None, extra: str = ""
) -> Iterator[int]:
    """Run pgbouncer for the database of ``admin_url`` with ``userlist`` as its auth
    file (``extra``: more lines for its [pgbouncer] section); yields the port."""
    import pwd

    exe = binary()
    assert exe is not None, "pgbouncer is not installed (apt-get install -y pgbouncer)"
    run_as = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="yc-bouncer-"))
    server = make_url(admin_url)
    # the auth file as the county IT person makes it: yichuang central pgbouncer-userlist
    (folder / "userlist.txt").write_text(userlist)
    (folder / "userlist.txt").chmod(0o600)
    port = port or free_port()
    db = server.database
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{db} = host={server.host or "127.0.0.1"} port={server.port or 5432} dbname={db}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 2000
log_connections = 0
log_disconnections = 0
logfile = {folder / "pgbouncer.log"}
pidfile = {folder / "pgbouncer.pid"}
{extra}
"""
    )
    if run_as is not None:
        for path in (folder, *folder.iterdir()):
            os.chown(path, run_as.pw_uid, run_as.pw_gid)
    command = [exe, "--quiet", str(folder / "pgbouncer.ini")]
    if run_as is not None:
        proc = subprocess.Popen(
            command, user=run_as.pw_uid, group=run_as.pw_gid, extra_groups=[], cwd=folder
        )
    else:
        proc = subprocess.Popen(command, cwd=folder)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            log = folder / "pgbouncer.log"
            raise RuntimeError(
                "pgbouncer did not start: " + (log.read_text() if log.exists() else "")
            )
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
