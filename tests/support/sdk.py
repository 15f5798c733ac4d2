"""A tenant of a live server driven through the Python SDK: what the SDK tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from entrygo.client import EntryGo, RetryPolicy
from tests.support.world import DEFAULT_SHIPMENT, World, product

QUICK_RETRIES = RetryPolicy(max_retries=3, initial_delay=0.05, max_delay=0.2)
"""The SDK's retry rules with short backoff, so tests do not sleep for long (a server's
``Retry-After`` is still waited in full)."""


@dataclass
class Tenant:
    """An account and a live key on a running server (made as the command line makes them)."""

    base_url: str
    key: str
    account_id: str

    def client(self, base_url: str | None = None, **options: Any) -> EntryGo:
        options.setdefault("retry", QUICK_RETRIES)
        return EntryGo(base_url or self.base_url, self.key, **options)


@dataclass
class Setup:
    warehouse_id: str
    broker_id: str
    product_id: str


def tenant(world: World, base_url: str) -> Tenant:
    account = world.account()
    return Tenant(base_url, world.key(account), account)


def set_up(client: EntryGo) -> Setup:
    """A warehouse, a broker and one product with complete customs data, through the SDK."""
    warehouse = client.warehouses.create(name="Toronto 3PL", country="CA",
                                         notify_email="dock@example.com",
                                         default_shipment=DEFAULT_SHIPMENT)
    broker = client.brokers.create(name="Border Brokers", email="broker@example.com")
    products = client.products.sync([product("SKU-1")])
    return Setup(warehouse.id, broker.id, products[0].id)


def guide_order(product_id: str, external_id: str = "ord-ext-1001", **extra: Any
                ) -> dict[str, Any]:
    """Step 3 of the first-export guide: the order exactly as the guide sends it."""
    return {"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "items": [{"productId": product_id, "quantity": 1, "unitValueUsd": 110}],
            "metadata": {"source": "first-export-guide"}, **extra}


def planned(client: EntryGo, setup: Setup, external_id: str = "ord-ext-1001"
            ) -> tuple[str, str]:
    """The guide's order synced and planned: the batch id and its planHash."""
    order = client.orders.sync([guide_order(setup.product_id, external_id)])[0]
    plan = client.exports.plan(warehouse_id=setup.warehouse_id, broker_id=setup.broker_id,
                               order_ids=[order.id])
    return plan.export_id, plan.plan_hash
