"""Importers of record, as the caller may see them (account-wide: a warehouse-scoped key
sees every importer of its account)."""

from __future__ import annotations

from typing import Any

from entrygo.db.repository import Repository
from entrygo.importers.models import Importer


class ImporterRepository(Repository[Importer]):
    model = Importer
    what = "Importer"

    def for_update(self, importer_id: str) -> Importer | None:
        """One of the scope's importers, its row locked until the transaction ends (a patch
        reads, merges and writes it back)."""
        return self.session.scalars(
            self.readable().where(Importer.id == importer_id).with_for_update()
            .execution_options(populate_existing=True)).one_or_none()

    def exists(self, importer_id: str) -> bool:
        """Whether the scope has this importer (any other id is an unknown reference)."""
        return self.session.scalars(self.readable().with_only_columns(Importer.id)
                                    .where(Importer.id == importer_id)).first() is not None

    def update(self, row: Importer, values: dict[str, Any]) -> None:
        """Write these column values (attribute names) of an importer this scope read."""
        if row.account_id != self.scope.account_id:
            raise ValueError("a repository updates rows of its own account only")
        for name, value in values.items():
            setattr(row, name, value)
        self.session.flush()
