"""How every `yichuang central …` command reaches the county's database as its
administrator: the URL (``--url`` or YICHUANG_CENTRAL_ADMIN_URL) and the one way a
refusal is told. Its own module because the central commands live in more than one
command module (sync's and audit's), and those must not import each other."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

ADMIN_URL_ENV = "YICHUANG_CENTRAL_ADMIN_URL"


def admin_url(args: argparse.Namespace) -> str | None:
    url = args.url or os.environ.get(ADMIN_URL_ENV, "")
    if not url:
        print(
            f"请用 --url 给出县中心数据库的管理员连接地址（或设置环境变量 {ADMIN_URL_ENV}）",
            file=sys.stderr,
        )
    return url or None


def admin_call(args: argparse.Namespace, action: Callable[[str], int]) -> int:
    """Run ``action(url)``; a CentralAdminError is printed and exits 1, no URL exits 2."""
    from db.central.admin import CentralAdminError

    url = admin_url(args)
    if url is None:
        return 2
    try:
        return action(url)
    except CentralAdminError as exc:
        print(str(exc), file=sys.stderr)
        return 1
