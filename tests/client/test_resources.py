"""The setup resources through the SDK: the account, importers of record and webhook endpoints
(creates, merge patches, a DELETE with its key, a secret rotation), against a live server."""

from __future__ import annotations

from typing import Any

import pytest

from entrygo.client import NotFound
from tests.support.sdk import tenant


def test_account_importers_and_webhook_endpoints(http_server: Any, world: Any) -> None:
    base = http_server(ENTRYGO_WEBHOOKS_ALLOW_HTTP_LOOPBACK="true")
    with tenant(world, base).client() as sdk:
        account = sdk.account.update(legal_name="Maple Goods Inc.")
        assert account.legal_name == "Maple Goods Inc." and sdk.account.get() == account
        assert sdk.account.update(legal_name=None).legal_name is None  # null clears

        importer = sdk.importers.create(
            name="Northwind Trading LLC", number="12-3456789", is_default=True,
            address={"address1": "100 Harbor Way", "city": "Buffalo", "region": "NY",
                     "postalCode": "14203", "country": "US"})
        assert importer.is_default and sdk.account.get().default_importer_id == importer.id
        bonded = sdk.importers.update(importer.id, bond={
            "type": "continuous", "suretyCode": "457", "number": "GB2026001"})
        assert bonded.bond == {"type": "continuous", "suretyCode": "457", "number": "GB2026001"}
        assert sdk.importers.get(importer.id) == bonded
        assert importer.id in {i.id for i in sdk.importers.list(limit=1)}

        hook = sdk.webhook_endpoints.create(url="http://127.0.0.1:9/entrygo/webhooks",
                                            enabled_events=["EXPORT_EXECUTED"],
                                            idempotency_key="hook-1")
        assert hook.secret.startswith("whsec_") and hook.status == "enabled"
        again = sdk.webhook_endpoints.create(url="http://127.0.0.1:9/entrygo/webhooks",
                                             enabled_events=["EXPORT_EXECUTED"],
                                             idempotency_key="hook-1")
        assert again == hook  # replayed: one endpoint, the same secret
        assert [h.id for h in sdk.webhook_endpoints.list()] == [hook.id]
        changed = sdk.webhook_endpoints.update(hook.id, description="WMS dispatch board",
                                               enabled_events=["*"])
        assert changed.description == "WMS dispatch board" and changed.enabled_events == ["*"]
        rotated = sdk.webhook_endpoints.rotate_secret(hook.id, overlap_seconds=0)
        assert rotated.secret != hook.secret
        assert list(sdk.webhook_endpoints.deliveries(hook.id)) == []
        deleted = sdk.webhook_endpoints.delete(hook.id)
        assert deleted.id == hook.id and deleted.deleted is True
        with pytest.raises(NotFound):
            sdk.webhook_endpoints.get(hook.id)
