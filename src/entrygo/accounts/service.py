"""The account as its API key sees it: read it, change its settings (a merge patch), and the
one place that points it at its default importer of record. Services never commit."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.orm import Session

from entrygo.accounts import repository as accounts
from entrygo.accounts.models import Account
from entrygo.accounts.schemas import AccountOut, AccountPatch, AccountSettings, stored_address
from entrygo.api.validation import issues_from
from entrygo.db.repository import AccountScope
from entrygo.importers.repository import ImporterRepository
from entrygo.kit.clock import utcnow
from entrygo.kit.errors import Issue, not_found, validation_error
from entrygo.kit.patch import merge_patch

SETTINGS = ("legal_name", "address", "default_importer_id", "require_review_acknowledgement",
            "readiness_policy")
"""The account's columns ``PATCH /api/account`` may change."""
_WIRE_NAMES = {name: str(AccountSettings.model_fields[name].alias) for name in SETTINGS}


def _account(session: Session, account_id: str, *, lock: bool = False) -> Account:
    row = (accounts.for_update if lock else accounts.get)(session, account_id)
    if row is None:  # a key's account always exists; this is a key of a removed account
        raise not_found("Account")
    return row


def get_account(session: Session, account_id: str) -> AccountOut:
    return AccountOut.of(_account(session, account_id))


def update_account(session: Session, account_id: str, patch: AccountPatch) -> AccountOut:
    """Merge ``patch`` into the account's settings (the row locked until the commit), validate
    the result as ``AccountSettings`` (issue paths are the patch's own: ``address.city``),
    check that ``defaultImporterId`` names one of the account's importers, and store it, or
    nothing when nothing differs (``updatedAt`` stays)."""
    account = _account(session, account_id, lock=True)
    issues: list[Issue] = []
    sent = patch.model_fields_set
    if "name" in sent and not (isinstance(patch.name, str) and patch.name.strip() == account.name):
        issues.append(Issue("name", "name is the account's internal name and cannot change "
                            "here (the command line names accounts); the seller printed on "
                            "the invoice is legalName", "invalid_value"))
    document = {_WIRE_NAMES[name]: getattr(account, name) for name in SETTINGS}
    settings: AccountSettings | None = None
    try:
        settings = AccountSettings.model_validate(
            merge_patch(document, patch.changes(), ("address",)))
    except ValidationError as exc:
        issues += issues_from(exc)
    wanted = patch.default_importer_id
    if ("default_importer_id" in sent and wanted is not None
            and not ImporterRepository(session, AccountScope(account_id)).exists(wanted)):
        issues.append(Issue("defaultImporterId", "Not an importer of record of this account",
                            "unknown_reference"))
    if issues or settings is None:
        raise validation_error(issues)
    values = {
        "legal_name": settings.legal_name,
        "address": stored_address(settings.address),
        "default_importer_id": settings.default_importer_id,
        "require_review_acknowledgement": settings.require_review_acknowledgement,
        "readiness_policy": settings.readiness_policy,
    }
    changed = {name: value for name, value in values.items() if getattr(account, name) != value}
    if changed:
        accounts.update(session, account, {**changed, "updated_at": utcnow()})
    return AccountOut.of(account)


def default_importer_id(session: Session, account_id: str) -> str | None:
    """The account's default importer of record (what every importer's ``isDefault`` is read
    from)."""
    return _account(session, account_id).default_importer_id


def point_default(session: Session, account_id: str, importer_id: str, default: bool
                  ) -> str | None:
    """Make ``importer_id`` (one of the account's importers, checked by the caller) the
    account's default, or with ``default`` false stop it being the default if it is; the
    account row is locked, so there is one default however many requests race. Returns the
    account's default afterwards."""
    account = _account(session, account_id, lock=True)
    current = account.default_importer_id
    wanted = importer_id if default else (None if current == importer_id else current)
    if wanted != current:
        accounts.update(session, account, {"default_importer_id": wanted,
                                           "updated_at": utcnow()})
    return wanted
