"""Fixtures of the SDK tests: a live server process (on SQLite and on PostgreSQL, through the
``backend`` parameter under ``http_server``) with a real SMTP server, and a tenant on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from entrygo.client import EntryGo
from tests.support.netcut import NetCut
from tests.support.sdk import Tenant, tenant


@pytest.fixture
def server(http_server: Any, smtp: Any) -> str:
    return str(http_server(ENTRYGO_SMTP_URL=smtp.url))


@pytest.fixture
def merchant(server: str, world: Any) -> Tenant:
    return tenant(world, server)


@pytest.fixture
def sdk(merchant: Tenant) -> Iterator[EntryGo]:
    with merchant.client() as client:
        yield client


@pytest.fixture
def netcut(server: str) -> Iterator[NetCut]:
    """A proxy in front of the server that cuts the network where a test says."""
    proxy = NetCut(server)
    proxy.start()
    yield proxy
    proxy.stop()
