"""Do the runtime dependencies install on the other platforms a hall uses?

    python scripts/check_wheels.py [win_amd64] [manylinux_2_28_aarch64] ...

For each platform, ``pip download --only-binary=:all:`` of every runtime dependency
in pyproject.toml (with their own dependencies) for Python 3.11 into a temporary
folder: a platform without a wheel for one of them fails here, not at a hall. Prints
one line per platform and exits 1 when any failed. Needs the package index (network);
without one it says so and exits 3.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ("win_amd64", "manylinux_2_39_aarch64")
# Pure-Python packages published as source only (no wheel on PyPI): they install on any
# platform (pip builds the wheel locally with no compiler), so they are fetched as
# source once and left out of the binary-only check.
PURE_SDIST = {"lunar-python"}


def requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def _name(req: str) -> str:
    import re

    return re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def platforms(platform: str) -> list[str]:
    """pip takes --platform literally: manylinux_2_39_aarch64 means a machine with glibc
    2.39, which also runs every older manylinux wheel, so name them all."""
    import re

    m = re.fullmatch(r"manylinux_2_(\d+)_(\w+)", platform)
    if not m:
        return [platform]
    top, arch = int(m.group(1)), m.group(2)
    names = [f"manylinux_2_{minor}_{arch}" for minor in range(top, 16, -1)]
    return [*names, f"manylinux2014_{arch}"]


def check(platform: str, reqs: list[str]) -> tuple[bool, str]:
    pure = [r for r in reqs if _name(r) in PURE_SDIST]
    reqs = [r for r in reqs if _name(r) not in PURE_SDIST]
    with tempfile.TemporaryDirectory() as tmp:
        if pure:
            r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                "--no-binary=:all:", "-d", tmp, *pure],
                               capture_output=True, text=True, timeout=600)  # fmt: skip
            if r.returncode != 0:
                return False, (r.stderr.strip().splitlines() or ["?"])[-1]
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
               "--python-version", "3.11", "--implementation", "cp", "-d", tmp,
               *[a for p in platforms(platform) for a in ("--platform", p)], *reqs]  # fmt: skip
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        wheels = sorted(p.name for p in Path(tmp).glob("*.whl"))
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    if r.returncode != 0:
        err = (r.stderr.strip().splitlines() or ["?"])[-1]
        return False, err
    extra = f" + {', '.join(pure)} (pure Python, source)" if pure else ""
    return True, f"{len(wheels)} wheels{extra}, {size / 1e6:.0f} MB"


def index_reachable() -> bool:
    """pip turns a dead network into "no matching distribution": ask first."""
    r = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "lunar-python"],
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    return r.returncode == 0


def main(argv: list[str]) -> int:
    if not index_reachable():
        print("wheels: no package index reachable from here; not checked")
        return 3
    reqs = requirements()
    failed = 0
    for platform in argv or DEFAULT:
        ok, detail = check(platform, reqs)
        if not ok and any(
            w in detail
            for w in ("NewConnectionError", "Temporary failure", "Network is unreachable")
        ):
            print(f"wheels {platform}: no package index reachable ({detail})")
            return 3
        failed += not ok
        print(f"wheels {platform}: {'ok' if ok else 'FAIL'} — {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
