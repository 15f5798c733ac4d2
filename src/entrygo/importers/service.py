"""Importers of record: create one, change one (a merge patch), and which one is the account's
default (the account's ``default_importer_id``, the one place it is kept). Services never
commit."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from entrygo.accounts import service as account_service
from entrygo.accounts.schemas import stored_address
from entrygo.api.validation import issues_from
from entrygo.db.repository import AccountScope
from entrygo.importers.models import Importer
from entrygo.importers.repository import ImporterRepository
from entrygo.importers.schemas import GROUPS, ImporterCreate, ImporterIn, ImporterOut, ImporterPatch
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import not_found, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.patch import merge_patch

FIELDS = ("name", "number", "address", "bond")
"""An importer's own stored fields (wire names too)."""


def fields_of(item: ImporterIn) -> dict[str, Any]:
    """The stored form of a validated importer: address and bond as their wire JSON."""
    return {"name": item.name, "number": item.number, "address": stored_address(item.address),
            "bond": None if item.bond is None else item.bond.model_dump(mode="json",
                                                                       by_alias=True)}


def importer_out(row: Importer, default_id: str | None) -> ImporterOut:
    return ImporterOut.model_validate({
        "id": row.id, "name": row.name, "number": row.number, "address": row.address,
        "bond": row.bond, "is_default": row.id == default_id, "created_at": row.created_at,
        "updated_at": row.updated_at})


def create_importer(session: Session, account_id: str, body: ImporterCreate) -> ImporterOut:
    """A new importer of the account; with ``isDefault`` it becomes the account's default in
    the same transaction."""
    now = utcnow()
    row = ImporterRepository(session, AccountScope(account_id)).add(Importer(
        id=new_id("imp"), account_id=account_id, created_at=now, updated_at=now,
        **fields_of(body)))
    if body.is_default:
        default_id = account_service.point_default(session, account_id, row.id, True)
    else:
        default_id = account_service.default_importer_id(session, account_id)
    return importer_out(row, default_id)


def update_importer(session: Session, account_id: str, importer_id: str, patch: ImporterPatch
                    ) -> ImporterOut:
    """Merge ``patch`` into the stored importer (locked until the commit), validate the result
    as an ``ImporterIn`` (issue paths are the patch's own: ``bond.suretyCode``) and store it,
    or nothing when nothing differs (``updatedAt`` stays). ``isDefault`` moves the account's
    default (the account's ``updatedAt``, not the importer's)."""
    importers = ImporterRepository(session, AccountScope(account_id))
    row = importers.for_update(importer_id)
    if row is None:
        raise not_found(importers.what)
    document = {name: getattr(row, name) for name in FIELDS}
    try:
        item = ImporterIn.model_validate(
            merge_patch(document, patch.changes(), GROUPS))
    except ValidationError as exc:
        raise validation_error(issues_from(exc)) from None
    changed = {name: value for name, value in fields_of(item).items()
               if getattr(row, name) != value}
    if changed:
        importers.update(row, {**changed, "updated_at": utcnow()})
    if "is_default" in patch.model_fields_set:
        default_id = account_service.point_default(session, account_id, row.id,
                                                   bool(patch.is_default))
    else:
        default_id = account_service.default_importer_id(session, account_id)
    return importer_out(row, default_id)
