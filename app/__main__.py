"""Command line entry point: `yichuang` / `python -m app`.

With no sub-command the program window starts. Each package that offers commands
exposes ``add_cli(subparsers)``; its handlers return a process exit code.
"""

from __future__ import annotations

import sys

from app.cli import main as _main


def main(argv: list[str] | None = None) -> int:
    return _main(argv)


if __name__ == "__main__":
    sys.exit(main())
