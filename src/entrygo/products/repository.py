"""Products, as the caller may see them, and the statements of product sync and patch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, update

from entrygo.db.database import chunked
from entrygo.db.repository import Repository
from entrygo.products.models import Product


class ProductRepository(Repository[Product]):
    model = Product
    what = "Product"

    def records_by_external_id(self, columns: Sequence[Any], external_ids: list[str]
                               ) -> list[dict[str, Any]]:
        """The given columns of the scope's products with these external ids, as plain
        mappings (one statement, no ORM objects: a sync reads up to 1,000)."""
        stmt = self.readable().with_only_columns(*columns).where(
            Product.external_id.in_(sorted(set(external_ids))))
        return [dict(row) for row in self.session.execute(stmt).mappings()]

    def record_for_update(self, columns: Sequence[Any], product_id: str
                          ) -> dict[str, Any] | None:
        """The given columns of one of the scope's products as a plain mapping, the row
        locked until the transaction ends (a patch reads, merges and writes it back)."""
        stmt = self.readable().with_only_columns(*columns).where(
            Product.id == product_id).with_for_update()
        row = self.session.execute(stmt).mappings().one_or_none()
        return None if row is None else dict(row)

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of these product ids the scope has (the others are unknown references)."""
        found: set[str] = set()
        for chunk in chunked(ids):
            found.update(self.session.scalars(self.readable().with_only_columns(Product.id)
                                              .where(Product.id.in_(chunk))))
        return found

    def insert_many(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._check_account(rows)
            self.session.execute(insert(Product), rows)

    def update_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk UPDATE by primary key (rows carry ``id``), of rows this scope read."""
        if rows:
            self.session.execute(update(Product), rows)

    def _check_account(self, rows: list[dict[str, Any]]) -> None:
        if any(row["account_id"] != self.scope.account_id for row in rows):
            raise ValueError("a repository adds rows of its own account only")
