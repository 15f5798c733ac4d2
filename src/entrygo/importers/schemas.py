"""Wire shapes of importers of record (docs/api/contract.md §5.2), and the importer number.

The importer number (IOR number) is the one CBP identifies the importer of record by on every
entry. Its formats, as CBP's Importer ID Input Record (CBP Form 5106, issued under 19 CFR 24.5)
asks for them (block 2: "2A. I.R.S. Number", "2B. Social Security Number", "2D. CBP-Assigned
Number"), and as ABI software vendors list what CBP validates (BMSI, "CF5106 Information",
https://www.bmsi.com/bmsi/doc/bildh/cf5106.html: "NN-NNNNNNNXX - IRS Number, NNN-NN-NNNN -
Social Security Number, YYDDPP-NNNNN - Customs Assigned Number", N a digit, X alphanumeric, YY
the last two digits of the year the number was assigned, DDPP the district/port code where it
was; "If the importer number is in IRS format, the last two-position suffix (XX) cannot be the
letters O, I and/or Z"):

- an IRS employer identification number, ``NN-NNNNNNN``, optionally followed by its
  2-character suffix (``NN-NNNNNNNXX``);
- a CBP-assigned number, ``YYDDPP-NNNNN`` (19 CFR 24.5 and Form 5106: for an importer with
  neither an IRS number nor a Social Security number, e.g. one not resident in the U.S.).

A Social Security number (``NNN-NN-NNNN``) is a valid importer number for CBP, but EntryGo
keeps no individual's SSN: it is refused with a message saying what to use instead. Numbers
are stored normalised: ``NN-NNNNNNN``/``NN-NNNNNNNXX`` (the suffix upper-cased, without a
hyphen before it) or ``YYDDPP-NNNNN``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from entrygo.accounts.schemas import Address, AddressPatch, not_null
from entrygo.api.fields import Id, IdempotencyKeyField, trimmed
from entrygo.api.validation import RequestModel, refuse_null
from entrygo.api.wire import COMPONENT_REF, LiveMode, Page, Timestamp, WireModel, shaped_as

_SSN = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
_EIN = re.compile(r"(?P<prefix>[0-9]{2})(?P<h1>-?)(?P<serial>[0-9]{7})"
                  r"(?:(?P<h2>-?)(?P<suffix>[0-9A-Z]{2}))?")
_CBP_ASSIGNED = re.compile(r"(?P<assigned>[0-9]{6})-(?P<serial>[0-9]{5})")
_SUFFIX_EXCLUDED = frozenset("OIZ")
IMPORTER_NUMBER_PATTERN = (r"^([0-9]{2}-?[0-9]{7}(-?[0-9A-HJ-NP-Ya-hj-np-y]{2})?"
                           r"|[0-9]{6}-[0-9]{5})$")
"""What the published contract says an importer number looks like (surrounding white space
is trimmed; a suffix is upper-cased)."""

SSN_REFUSED = ("An SSN is not accepted as an importer number here: use the EIN or the "
               "CBP-assigned number")
FORMATS = ("an EIN (NN-NNNNNNN), an EIN with its 2-character suffix (NN-NNNNNNNXX) or a "
           "CBP-assigned number (YYDDPP-NNNNN)")


def importer_number(value: str) -> str:
    """The importer number normalised (module docstring), or an ``invalid_format`` issue."""
    text = value.strip().upper()
    if _SSN.fullmatch(text):
        raise PydanticCustomError("invalid_format", SSN_REFUSED)
    cbp = _CBP_ASSIGNED.fullmatch(text)
    if cbp:
        return f"{cbp['assigned']}-{cbp['serial']}"
    ein = _EIN.fullmatch(text)
    if ein is None:
        raise PydanticCustomError("invalid_format", f"Expected {FORMATS}")
    suffix = ein["suffix"] or ""
    if suffix.isdigit() and not (ein["h1"] or ein["h2"]):
        # 11 digits: an EIN with a numeric suffix and a CBP-assigned number look the same
        raise PydanticCustomError(
            "invalid_format", "11 digits without hyphens may be an EIN with its suffix or a "
            "CBP-assigned number: write the hyphen (NN-NNNNNNNXX or YYDDPP-NNNNN)")
    if _SUFFIX_EXCLUDED & set(suffix):
        raise PydanticCustomError("invalid_format", "The 2-character suffix of an EIN cannot "
                                  "contain the letters O, I or Z")
    return f"{ein['prefix']}-{ein['serial']}{suffix}"


ImporterNumber = Annotated[str, AfterValidator(importer_number), WithJsonSchema({
    "type": "string", "pattern": IMPORTER_NUMBER_PATTERN,
    "examples": ["12-3456789", "12-3456789A1", "261101-01234"],
    "description": "The importer of record number: an IRS EIN, NN-NNNNNNN, optionally with "
    "its 2-character suffix (NN-NNNNNNNXX; the suffix cannot contain O, I or Z), or a "
    "CBP-assigned number, YYDDPP-NNNNN. Hyphens may be left out (9 digits are an EIN). "
    "Stored as NN-NNNNNNN[XX] or YYDDPP-NNNNN. A Social Security number (NNN-NN-NNNN) is "
    "refused."})]

BondType = Literal["continuous", "single"]
SuretyCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{3}$")]


class Bond(RequestModel):
    """The customs bond the importer's entries are filed under."""

    type: BondType = Field(description="`continuous` or `single` (single transaction).")
    surety_code: SuretyCode = Field(description="The surety company's 3-digit code.")
    number: Annotated[str, trimmed(40, 1)] = Field(description="The bond's number.")


class BondPatch(RequestModel):
    """``bond`` in an importer patch: the keys of ``Bond``, each optional, merged key by key
    into the stored bond; the result must be a whole ``Bond``."""

    type: BondType | None = None
    surety_code: SuretyCode | None = None
    number: Annotated[str, trimmed(40, 1)] | None = None


class ImporterIn(RequestModel):
    """An importer of record's own fields, as stored (a create, or a stored importer merged
    with a patch, validates as one of these)."""

    name: Annotated[str, trimmed(200, 1)]
    number: ImporterNumber
    address: Address
    bond: Bond | None = None


class ImporterCreate(ImporterIn):
    account_id: Id
    is_default: bool = Field(False, description="true: this importer becomes the account's "
                             "default (`defaultImporterId`). The first importer is not made "
                             "the default by itself.")
    idempotency_key: IdempotencyKeyField | None = None


GROUPS = ("address", "bond")
"""The nested objects an importer patch merges into the stored ones key by key."""


class ImporterPatch(RequestModel):
    """A partial update of one importer (JSON merge patch): any field but its id. A field
    left out stays; ``address`` and ``bond`` merge key by key; ``bond: null`` removes the
    bond; ``name``, ``number`` and ``address`` cannot be cleared."""

    account_id: Id | None = None
    idempotency_key: IdempotencyKeyField | None = None
    name: Annotated[str, trimmed(200, 1)] | None = Field(None, json_schema_extra=not_null)
    number: ImporterNumber | None = Field(None, json_schema_extra=not_null)
    address: AddressPatch | None = Field(None, json_schema_extra=not_null)
    bond: BondPatch | None = Field(None, description="Merged key by key; null removes the "
                                   "bond.")
    is_default: bool | None = Field(None, description="true: this importer becomes the "
                                    "account's default; false (or null): if it is the "
                                    "default, the account has none any more.")

    _cannot_be_cleared = field_validator("name", "number", "address", mode="before")(refuse_null)

    def changes(self) -> dict[str, Any]:
        """The importer fields this patch sends, as the JSON of their validated values (a
        null kept as ``None``, ``address`` and ``bond`` with only the keys they send)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True,
                               exclude={"account_id", "idempotency_key", "is_default"})


def _never_null(model: type[RequestModel]) -> WithJsonSchema:
    """``shaped_as`` for a stored group that is never null: the reference wrapped in ``allOf``
    (a bare ``$ref`` beside the field's title makes Pydantic look the component up before
    the request bodies have defined it)."""
    return WithJsonSchema({"allOf": [{"$ref": COMPONENT_REF.format(model=model.__name__)}]})


class ImporterOut(WireModel):
    id: str
    livemode: LiveMode
    name: str
    number: str = Field(description="Normalised: NN-NNNNNNN, NN-NNNNNNNXX or YYDDPP-NNNNN.")
    address: Annotated[dict[str, Any], _never_null(Address)]
    bond: Annotated[dict[str, Any], shaped_as(Bond)] | None
    is_default: bool = Field(description="Whether this is the account's default importer "
                             "(the account's `defaultImporterId`).")
    created_at: Timestamp
    updated_at: Timestamp


class ImporterList(Page[ImporterOut]):
    """A page of importers of record, newest first."""
