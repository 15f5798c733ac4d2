"""Rules of the code's shape that a reviewer should not have to remember: each is one source of
truth that a stray copy would silently fork."""

from __future__ import annotations

import ast
from pathlib import Path

import entrygo
from entrygo.exports.states import ExportState

SRC = Path(entrygo.__file__).resolve().parent


def _python_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def test_export_states_are_spelled_only_in_the_state_machine():
    names = {state.value for state in ExportState}
    home = SRC / "exports" / "states.py"
    found = []
    for path in _python_files():
        if path == home:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    assert found == [], "use entrygo.exports.states.ExportState:\n" + "\n".join(found)


SQL_CALLS = {"select", "insert", "update", "delete", "text", "bindparam"}
SESSION_QUERIES = {"execute", "scalars", "scalar", "get", "get_one", "add", "add_all",
                   "merge"}


def _sql_in(path: Path) -> list[str]:
    """Lines of ``path`` that build SQL or send it through a session."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlalchemy.sql"):
            names = {alias.name for alias in node.names} & SQL_CALLS
            if names:
                found.append(f"{node.lineno}: imports {', '.join(sorted(names))}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in SESSION_QUERIES and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("s", "session")):
            found.append(f"{node.lineno}: {node.func.value.id}.{node.func.attr}(…)")
    return found


def test_sql_lives_in_repositories_and_the_storage_layer():
    """Queries are written in a domain's repository.py (whose reads take the caller's scope) or
    in db/; services, routes and the rest call them."""
    offenders = {}
    for path in _python_files():
        relative = path.relative_to(SRC)
        if path.name == "repository.py" or relative.parts[0] == "db":
            continue
        lines = _sql_in(path)
        if lines:
            offenders[str(relative)] = lines
    assert offenders == {}, "SQL outside a repository:\n" + "\n".join(
        f"{p}: {lines}" for p, lines in offenders.items())
