"""The code style and typing gates run with the tests, so CI enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in the test environment (pip install -e .[dev])")
    return found


def test_ruff() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_domain() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


# Reading the machine's clock outside the one clock (app/core/clock.py). What is left
# is listed with the reason it may stay for now; nothing new may join it.
_CLOCK_READS = ("date.today()", "datetime.now()", "QDate.currentDate()",
                "QDateTime.currentDateTime()", "datetime.today()")  # fmt: skip
_CLOCK_LEFT = {
    "app/core/clock.py": "the clock itself",
    "app/ui/device_simulators.py": "simulated hardware logs its own wall time",
    "app/services/queue.py": "seed_demo's default when no time is given",
    "app/services/sync.py": "time of the last sync error, for display",
}


def test_the_program_reads_the_time_from_one_clock() -> None:
    found = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        hits = [call for call in _CLOCK_READS if call in text]
        if hits and rel not in _CLOCK_LEFT:
            found[rel] = hits
    assert not found, f"read the time from the context's clock instead: {found}"


# ------------------------------------------------------------------ the one-way rule


def _import_statements(path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each import of a file, at any depth (lazy imports inside functions count;
    TYPE_CHECKING-only imports count too: a type from the store is still the store's):
    the module, and the names taken from it (none for ``import a.b``)."""
    import ast

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, tuple(alias.name for alias in node.names)


def _imports(path: Path) -> set[str]:
    """Every module a file imports (see _import_statements)."""
    return {module for module, _names in _import_statements(path)}


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _breaches(
    folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        bad = sorted(m for m in _imports(path) if _under(m, *forbidden) and not _under(m, *allowed))
        if bad:
            found[path.relative_to(ROOT).as_posix()] = bad
    return found


def test_the_domain_imports_no_qt_no_sql_and_nothing_above_it() -> None:
    assert not _breaches(
        "app/core",
        ("PySide6", "sqlalchemy", "sqlite3", "alembic", "psycopg", "db", "printing", "devices",
         "app"),
        allowed=("app.core",),
    )  # fmt: skip


def test_storage_printing_and_devices_know_only_the_domain_of_app() -> None:
    for folder in ("db", "printing", "devices"):
        assert not _breaches(folder, ("app",), allowed=("app.core",)), folder


# Widgets ask services; they never reach the store (nor SQLAlchemy, nor sqlite3).
def test_widgets_never_touch_the_store() -> None:
    found = _breaches("app/ui", ("db", "sqlalchemy", "sqlite3", "alembic", "psycopg"))
    assert not found, f"call a service (app/services) instead: {found}"


# Services call db/ for every query: no ORM rows, no SQL of their own (SQLAlchemy's
# exception types and the Session type for a signature are all they may name).
def test_services_leave_queries_to_the_store() -> None:
    found = _breaches(
        "app/services", ("db.models", "db.queue_models", "db.booking_models", "sqlalchemy"),
        allowed=("sqlalchemy.exc", "sqlalchemy.orm", "sqlalchemy.engine"),
    )  # fmt: skip
    assert not found, f"put the query in db/ and call it: {found}"


# ------------------------------------------------------------------ no import circles

_OWN_PACKAGES = ("app", "db", "printing", "devices")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the project's modules it imports (at any depth, TYPE_CHECKING too:
    a circle of types is still a circle, and a lazy import is still an arrow).
    ``from a.b import c`` points at the module ``a.b.c`` when there is one, else at
    ``a.b``; the packages a name passes through are not arrows of their own."""
    files = {_module_of(p): p for pkg in _OWN_PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        found: set[str] = set()
        for imported, names in _import_statements(path):
            subs = {f"{imported}.{name}" for name in names}
            found.update(subs & files.keys())
            if not names or subs - files.keys():
                found.add(imported)
        graph[module] = {m for m in found if m in files and m != module}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups)


def test_the_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_round_a_circle() -> None:
    """Two modules that import each other (even lazily, even for types only) are one
    module cut in two: move what both need to where the arrows point (toward app/core)."""
    circles = _circles(_import_graph())
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)
