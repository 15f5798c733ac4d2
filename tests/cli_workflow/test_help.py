"""Every workflow command explains itself with an example."""

from __future__ import annotations

from tests.cli_workflow.conftest import Cli

COMMANDS = [("login",), ("orders", "sync"), ("exports", "plan"), ("exports", "execute"),
            ("exports", "inspect"), ("packages", "download")]


def test_every_command_has_help_with_an_example(bare_cli: Cli):
    for command in COMMANDS:
        run = bare_cli(*command, "--help")
        assert run.code == 0, run
        assert "Example:" in run.stdout, run
        assert f"entrygo {' '.join(command)} " in run.stdout, run
        assert "--json" in run.stdout, run
    groups = bare_cli("--help")
    for name in ("login", "orders", "exports", "packages", "products", "serve"):
        assert name in groups.stdout
