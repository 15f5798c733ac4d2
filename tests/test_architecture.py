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
