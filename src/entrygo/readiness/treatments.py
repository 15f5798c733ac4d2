"""Treatment flags and the Section 232 metals, defined once.

A treatment flag tells the broker which customs treatment applies, and each flag comes with one
finding of the catalogue. The product rules set a flag and report its finding through this table,
the docs page lists it, and the artifacts take the metals' ``metalContent`` keys from it (and
their CBP declaration codes from the scope data), so the rules, the documentation and the files
the broker receives cannot name different things.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metal:
    """A Section 232 metal: the ``metalContent`` keys a product declares it with, and the CBP
    declaration its entry lines carry."""

    name: str
    """As in the Section 232 scope data: ``steel``, ``aluminum`` or ``copper`` (its CBP
    declaration code is the data's too: ``Reference.section232_declarations``)."""
    pct_field: str
    """The metal's share by weight, in percent."""
    melt_pour_field: str | None = None
    smelt_field: str | None = None
    cast_field: str | None = None

    @property
    def flag(self) -> str:
        return f"SECTION_232_{self.name.upper()}"

    @property
    def origin_fields(self) -> tuple[str, ...]:
        """The countries its declaration needs: steel's melt and pour, aluminum's smelt and cast."""
        return tuple(f for f in (self.melt_pour_field, self.smelt_field, self.cast_field) if f)

    @property
    def fields(self) -> tuple[str, ...]:
        """Every ``metalContent`` key of the metal, the share first."""
        return (self.pct_field, *self.origin_fields)


SECTION_232_METALS: tuple[Metal, ...] = (
    Metal("steel", "steelPctWeight", melt_pour_field="steelMeltPourCountry"),
    Metal("aluminum", "aluminumPctWeight", smelt_field="aluminumSmeltCountry",
          cast_field="aluminumCastCountry"),
    Metal("copper", "copperPctWeight"),
)
"""In declaration order: a line with steel and aluminum declares steel first."""
METALS: dict[str, Metal] = {metal.name: metal for metal in SECTION_232_METALS}
METAL_CONTENT_FIELDS: tuple[str, ...] = tuple(
    name for metal in SECTION_232_METALS for name in metal.fields)
"""Every key of a product's ``metalContent``, metal by metal."""


@dataclass(frozen=True)
class Treatment:
    flag: str
    finding: str
    """The catalogue code reported with the flag."""
    applies_to: str
    """What gets the flag, for people (the docs page's "Set for")."""


TREATMENTS: dict[str, Treatment] = {t.flag: t for t in (
    *(Treatment(metal.flag, "METALS_REVIEW_RECOMMENDED",
                f"{metal.name.capitalize()} above the metal threshold, or in the {metal.name} "
                "scope without a declared share.") for metal in SECTION_232_METALS),
    Treatment("SECTION_301_CN", "CN_SECTION_301_REVIEW", "Goods of Chinese origin."),
    Treatment("PGA_FDA", "PGA_FDA_REVIEW",
              "FDA-regulated goods (food, drugs, cosmetics, devices)."),
    Treatment("PGA_CPSC", "PGA_CPSC_REVIEW",
              "Children's products, toys and other CPSC-regulated goods."),
    Treatment("PGA_FCC", "PGA_FCC_REVIEW",
              "Radio-frequency devices (with or without an FCC id)."),
    Treatment("PGA_LACEY", "PGA_LACEY_REVIEW",
              "Wood and other plant products under the Lacey Act declaration requirement."),
    Treatment("DANGEROUS_GOODS", "DANGEROUS_GOODS_REVIEW", "Batteries, lithium cells."),
    Treatment("FORMAL_ENTRY", "FORMAL_ENTRY_REQUIRED",
              "An export unit above the informal entry threshold (order-level flag)."),
    Treatment("UFLPA_SCREENING", "UFLPA_REVIEW",
              "Chinese origin with a high-priority material or HTS chapter."),
)}
"""Flag -> treatment, in the order the contract lists the flags."""
FLAGS: tuple[str, ...] = tuple(TREATMENTS)
