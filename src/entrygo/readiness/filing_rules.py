"""The filing rules: who files the entries and how the goods arrive (once per plan), and the
parcel and currency data each order owes the invoice.

A broker files an entry from the importer of record (its number and bond), the port of entry,
the mode of transport and the importing carrier (CBP Form 7501 blocks 6, 8 and 9, and its
importer of record): without them a package needs a phone call. The carrier code a mode needs
is the one the manifest is keyed by: the SCAC starts a truck's PAPS shipment control number; by
air and express courier the IATA code (or a SCAC) names the carrier. By sea, rail and post a
missing code is a warning: the broker usually has the manifest.
"""

from __future__ import annotations

from entrygo.readiness.facts import FilingFacts, OrderFacts
from entrygo.readiness.findings import Collector
from entrygo.readiness.reference import Reference

CARRIER_CODES: dict[str, tuple[str, ...]] = {
    "truck": ("scac",), "air": ("iataCode", "scac"), "courier": ("iataCode", "scac"),
    "ocean": ("scac",), "rail": ("scac",), "postal": ("scac", "iataCode", "name"),
}
"""Per mode of transport, the carrier fields any one of which identifies the carrier."""
CARRIER_CODE_REQUIRED = frozenset({"truck", "air", "courier"})
"""The modes whose entries cannot be matched to a manifest without the carrier's code."""


def judge_filing(filing: FilingFacts, plan: Collector, ref: Reference) -> None:
    """Importer of record and shipment, once for the whole plan."""
    if filing.importer is None:
        plan.add("IMPORTER_OF_RECORD_MISSING", "Name the importer of record (importerId), or set "
                 "the account's default importer.")
    shipment = filing.shipment
    mode = shipment.get("modeOfTransport")
    if not mode:
        plan.add("TRANSPORT_MODE_MISSING", "Add shipment.modeOfTransport (or a default on the "
                 "warehouse).")
    port = shipment.get("portOfEntry")
    if not port:
        plan.add("PORT_OF_ENTRY_MISSING", "Add shipment.portOfEntry, the 4-digit CBP port code "
                 "(or a default on the warehouse).")
    elif port not in ref.ports:
        plan.add("PORT_OF_ENTRY_INVALID", f"{port} is not a CBP port code.")
    if mode in CARRIER_CODES:
        carrier = shipment.get("carrier") or {}
        fields = CARRIER_CODES[mode]
        if not any(carrier.get(name) for name in fields):
            plan.add("CARRIER_ID_MISSING", f"By {mode}, add shipment.carrier."
                     f"{' or shipment.carrier.'.join(fields)}.",
                     severity=None if mode in CARRIER_CODE_REQUIRED else "warning")


def judge_order_filing(o: OrderFacts, c: Collector) -> None:
    """What an order owes the invoice and the entry beyond its goods: parcels and the currency
    conversion."""
    if not o.parcels or any(p.get("grossWeightKg") is None for p in o.parcels):
        what = ("no parcels" if not o.parcels else
                "a parcel without grossWeightKg")
        c.add("PARCEL_DATA_MISSING", f"The order has {what}: add its parcels with tracking "
              "number and gross weight.", missing=True)
    if o.currency and o.currency != "USD" and not o.usd_exchange_rate:
        c.add("CURRENCY_CONVERSION_UNDOCUMENTED", f"Sold in {o.currency}: add usdExchangeRate "
              "{rate, date}, how unitValueUsd was converted.", missing=True)
