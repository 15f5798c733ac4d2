"""Wire shapes of the account (docs/api/contract.md §5.2), and the postal address it shares
with importers of record."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from pydantic import Field
from pydantic.json_schema import JsonDict, SkipJsonSchema

from entrygo.api.fields import CountryCode, Id, IdempotencyKeyField, OptionalText, trimmed
from entrygo.api.validation import RequestModel
from entrygo.api.wire import LiveMode, PublicAccountId, Timestamp, WireModel, shaped_as

ReadinessPolicy = Literal["standard", "strict"]


def not_null(schema: JsonDict) -> None:
    """The published schema of a patch field that may be left out but not sent as null."""
    options = cast(list[JsonDict], schema.pop("anyOf"))
    schema.update(next(o for o in options if o.get("type") != "null"))
    schema.pop("default", None)


class Address(RequestModel):
    """A postal address: the account's (the seller's, on the commercial invoice) or an
    importer of record's."""

    address1: Annotated[str, trimmed(200, 1)]
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, trimmed(100, 1)]
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    country: CountryCode


class AddressPatch(RequestModel):
    """``address`` in a patch: the keys of ``Address``, each optional, merged key by key into
    the stored address (a null clears that key); the result must be a whole ``Address``."""

    address1: Annotated[str, trimmed(200, 1)] | None = None
    address2: Annotated[str, OptionalText(200)] | None = None
    city: Annotated[str, trimmed(100, 1)] | None = None
    region: Annotated[str, OptionalText(100)] | None = None
    postal_code: Annotated[str, OptionalText(20)] | None = None
    country: CountryCode | None = None


def stored_address(address: Address | None) -> dict[str, Any] | None:
    """An address as stored and answered: its wire JSON, every key present."""
    return None if address is None else address.model_dump(mode="json", by_alias=True)


class AccountSettings(RequestModel):
    """What ``PATCH /api/account`` may change, as a whole: a stored account merged with a
    patch is validated as one of these (``accounts.service.update_account``)."""

    legal_name: Annotated[str, OptionalText(200)] | None = None
    address: Address | None = None
    default_importer_id: Id | None = None
    require_review_acknowledgement: bool = False
    readiness_policy: ReadinessPolicy = "standard"


class AccountPatch(RequestModel):
    """A partial update of the account (JSON merge patch): a field left out stays as stored,
    ``null`` clears it (back to its default), ``address`` merges key by key. ``name`` is the
    account's internal name and is not changed here."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    name: SkipJsonSchema[Any] = None
    legal_name: Annotated[str, OptionalText(200)] | None = Field(
        None, description="The seller on the commercial invoice; null: the account's `name` "
        "is printed.")
    address: AddressPatch | None = Field(
        None, description="The seller's address; merged key by key, null removes it.")
    default_importer_id: Id | None = Field(
        None, description="An importer of record of this account (`imp_…`), used by a plan "
        "that names none; null: no default.")
    require_review_acknowledgement: bool | None = Field(
        None, description="When true, a REVIEW_REQUIRED batch executes only with every "
        "warning code of its plan in `acknowledgedCodes`. null: back to false.")
    readiness_policy: ReadinessPolicy | None = Field(
        None, description="`strict`: a warning whose rule leaves a required entry field "
        "empty is blocking. null: back to `standard`.")

    def changes(self) -> dict[str, Any]:
        """The settings this patch sends, as the JSON of their validated values (a null kept
        as ``None``, ``address`` with only the keys it sends)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True,
                               exclude={"account_id", "idempotency_key", "name"})


class AccountOut(WireModel):
    id: PublicAccountId
    livemode: LiveMode
    name: str = Field(description="The account's internal name (set from the command line).")
    legal_name: str | None = Field(description="The seller on the commercial invoice; null: "
                                   "`name` is printed.")
    address: Annotated[dict[str, Any], shaped_as(Address)] | None
    default_importer_id: str | None
    require_review_acknowledgement: bool
    readiness_policy: ReadinessPolicy
    created_at: Timestamp
    updated_at: Timestamp | None = Field(description="null until a setting or the default "
                                         "importer first changes.")

    @classmethod
    def of(cls, row: Any) -> AccountOut:
        return cls.model_validate(row, from_attributes=True)
