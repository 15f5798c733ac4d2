"""Schema changes only through migrations: ``entrygo db upgrade`` and the server's start-up."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from entrygo.db.database import sqlite_path
from entrygo.kit.files import private_sqlite_file

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    sqlite_file = sqlite_path(url)
    if sqlite_file is not None:
        private_sqlite_file(sqlite_file)
    command.upgrade(alembic_config(url), revision)
