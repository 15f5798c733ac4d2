"""The workflow commands run as a user runs them: the installed ``entrygo`` executable in its
own process, against a live server process over real HTTP (on SQLite and on PostgreSQL,
through the ``backend`` parameter under ``http_server``), with a real SMTP server for the
broker email. Every run gets its own home and config folder, and no ``ENTRYGO_*`` variable of
the surrounding environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import World, product

ENTRYGO = Path(sys.executable).parent / "entrygo"
"""The console script the package installs (``[project.scripts]``)."""


@dataclass(repr=False)
class Run:
    """One finished ``entrygo`` process."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:  # what a failed assertion shows: the whole run
        return (f"entrygo {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")


@dataclass
class Cli:
    """``entrygo`` with a home of its own; ``env`` is added to every run."""

    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return self.home / "xdg" / "entrygo" / "config.toml"

    def environment(self, env: dict[str, str] | None = None) -> dict[str, str]:
        full = {k: v for k, v in os.environ.items() if not k.startswith("ENTRYGO_")}
        full.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / "xdg"), **self.env,
                    **(env or {}))
        return full

    def __call__(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 120) -> Run:
        """Run to the end, stdin at end of file (no terminal: as in a script)."""
        done = subprocess.run([str(ENTRYGO), *args], env=self.environment(env), text=True,
                              capture_output=True, stdin=subprocess.DEVNULL, cwd=self.home,
                              timeout=timeout)
        return Run(args, done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start, for a test that reads the output while the command runs."""
        return subprocess.Popen([str(ENTRYGO), *args], env=self.environment(env), text=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.home)


@dataclass
class Merchant:
    """An account on the live server with what the guide's step 1 lists: a key, a warehouse,
    a broker, and products (one complete, one without an HTS code, which blocks a plan)."""

    base_url: str
    key: str
    account_id: str
    warehouse_id: str
    broker_id: str
    product_id: str
    hatless_product_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}"}

    def get(self, path: str) -> Any:
        """A read straight from the API, to compare with what the command printed."""
        response = httpx.get(f"{self.base_url}{path}", headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        response = httpx.request(method, f"{self.base_url}{path}", headers=self.headers,
                                 json={"accountId": self.account_id, **body}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def order(self, external_id: str, product_id: str | None = None) -> dict[str, Any]:
        """The guide's order synced straight through the API (for tests about later steps)."""
        rows = guide_rows(self, external_id)
        return self.send("POST", "/api/orders/sync", {"items": [{
            "externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
            "destinationPostalCode": "94105",
            "consignee": {"name": "Ada Lovelace", "address1": "1 Market St",
                          "city": "San Francisco"},
            "parcels": [{"trackingNumber": rows[0]["parcels"].split(":")[0],
                         "grossWeightKg": 0.6}],
            "items": [{"productId": product_id or self.product_id, "quantity": 1,
                       "unitValueUsd": 110}]}]})["data"][0]

    def planned(self, external_id: str) -> dict[str, Any]:
        """The guide's order synced and planned through the API: the plan."""
        order = self.order(external_id)
        return self.send("POST", "/api/exports/plan", {
            "warehouseId": self.warehouse_id, "brokerId": self.broker_id,
            "orderIds": [order["id"]]})

    def plan_options(self) -> tuple[str, ...]:
        return ("--warehouse", self.warehouse_id, "--broker", self.broker_id)


@pytest.fixture
def server(http_server: Any, smtp: Any) -> str:
    return str(http_server(ENTRYGO_SMTP_URL=smtp.url))


@pytest.fixture
def merchant(server: str, world: World) -> Merchant:
    account = world.account()
    key = world.key(account)
    m = Merchant(server, key, account, world.warehouse(account), world.broker(account), "", "")
    synced = m.send("POST", "/api/products/sync", {"items": [
        product("SAUCEPAN-1L"), product("TOQUE-WOOL", htsCode=None)]})["data"]
    m.product_id, m.hatless_product_id = synced[0]["id"], synced[1]["id"]
    return m


@pytest.fixture
def bare_cli(tmp_path: Path) -> Cli:
    """``entrygo`` with no server or key configured."""
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)


@pytest.fixture
def cli(bare_cli: Cli, merchant: Merchant) -> Cli:
    """``entrygo`` pointed at the merchant through ENTRYGO_BASE_URL and ENTRYGO_API_KEY."""
    bare_cli.env.update(ENTRYGO_BASE_URL=merchant.base_url, ENTRYGO_API_KEY=merchant.key)
    return bare_cli


@pytest.fixture
def spec(server: str) -> Any:
    """The published OpenAPI document, as the live server serves it."""
    return httpx.get(f"{server}/docs/api/openapi", timeout=30).json()


def orders_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """An orders CSV with the columns the rows use, in the order they first appear."""
    import csv

    columns = list(dict.fromkeys(c for row in rows for c in row))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def guide_rows(m: Merchant, external_id: str = "ord-ext-1001") -> list[dict[str, Any]]:
    """The guide's order (step 3) as CSV rows, with a consignee and a parcel."""
    return [{"externalId": external_id, "destinationCountry": "US", "destinationRegion": "CA",
             "destinationPostalCode": "94105", "consignee.name": "Ada Lovelace",
             "consignee.address1": "1 Market St", "consignee.city": "San Francisco",
             "parcels": "1Z999AA10123456784:0.6", "productId": m.product_id, "quantity": 1,
             "unitValueUsd": 110}]
