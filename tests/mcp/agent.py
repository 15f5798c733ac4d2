"""An AI agent's side of the MCP server, for the tests: the ``mcp`` SDK's own client, talking to
``entrygo mcp`` over stdio (the client spawns the command) or over streamable HTTP (the command
runs as a server process), in front of a live EntryGo server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, Implementation, TextResourceContents

from entrygo.client import EntryGo, RetryPolicy
from tests.support.world import DEFAULT_SHIPMENT, World, product

T = TypeVar("T")
CLIENT = Implementation(name="night-agent-tests", version="2.5.0")
"""What the agent's MCP client announces when it connects (the identity refusals carry)."""
AGENT_ID = "wms-night-agent"
QUICK = RetryPolicy(max_retries=2, initial_delay=0.05, max_delay=0.2)


@dataclass
class Shop:
    """A merchant on a live EntryGo server: its key, warehouse, broker and one product with
    complete customs data, set up through the Python SDK."""

    base_url: str
    key: str
    account_id: str
    warehouse_id: str
    broker_id: str
    product_id: str

    def sdk(self) -> EntryGo:
        return EntryGo(self.base_url, self.key, retry=QUICK)

    def order(self, external_id: str = "ord-ext-1001", product_id: str | None = None,
              **extra: Any) -> dict[str, Any]:
        """Step 3 of the first-export guide: the order exactly as the guide sends it."""
        return {"externalId": external_id, "destinationCountry": "US",
                "destinationRegion": "CA", "destinationPostalCode": "94105",
                "items": [{"productId": product_id or self.product_id, "quantity": 1,
                           "unitValueUsd": 110}],
                "metadata": {"source": "first-export-guide"}, **extra}


def open_shop(world: World, base_url: str) -> Shop:
    account = world.account()
    key = world.key(account)
    with EntryGo(base_url, key, retry=QUICK) as sdk:
        warehouse = sdk.warehouses.create(name="Toronto 3PL", country="CA",
                                          notify_email="dock@example.com",
                                          default_shipment=DEFAULT_SHIPMENT)
        broker = sdk.brokers.create(name="Border Brokers", email="broker@example.com")
        [made] = sdk.products.sync([product("SKU-1")])
    return Shop(base_url, key, account, warehouse.id, broker.id, made.id)


# --- the agent --------------------------------------------------------------------------------

class Agent:
    """One MCP session, as an agent's client holds it."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return await self.session.call_tool(tool, arguments)

    async def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """A successful call's structured answer."""
        result = await self.call(tool, **arguments)
        assert not result.isError, (tool, _text(result))
        assert result.structuredContent is not None, tool
        return result.structuredContent

    async def refused(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The structured refusal of a call the policy does not allow."""
        result = await self.call(tool, **arguments)
        assert result.isError, (tool, result.structuredContent)
        body = result.structuredContent
        assert body is not None and body.get("refused") is True, (tool, _text(result))
        assert json.loads(_text(result)) == body  # the same for clients that read text only
        return body

    async def failed(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The structured failure of a call EntryGo answered with an error."""
        result = await self.call(tool, **arguments)
        assert result.isError and result.structuredContent is not None, (tool, _text(result))
        assert result.structuredContent.get("error") is True, result.structuredContent
        return result.structuredContent

    async def read(self, uri: str) -> str:
        contents = (await self.session.read_resource(uri)).contents  # type: ignore[arg-type]
        assert isinstance(contents[0], TextResourceContents)
        return contents[0].text


def _text(result: CallToolResult) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


# --- running `entrygo mcp` --------------------------------------------------------------------

@dataclass
class McpServer:
    """How to reach ``entrygo mcp`` for one shop and one policy, on one transport."""

    transport: str
    shop: Shop
    policy: Path | None
    folder: Path
    extra_env: dict[str, str] | None = None

    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items()
                     if not k.startswith(("ENTRYGO_", "FASTMCP_"))}
        env = {**inherited, "ENTRYGO_BASE_URL": self.shop.base_url,
               "ENTRYGO_API_KEY": self.shop.key, **(self.extra_env or {})}
        if self.policy is not None:
            env["ENTRYGO_MCP_POLICY"] = str(self.policy)
        return env

    def run(self, script: Callable[[Agent], Awaitable[T]]) -> T:
        """Connect an agent, run ``script`` in its session, disconnect."""

        async def main() -> T:
            async with self.connect() as agent:
                return await script(agent)

        return anyio.run(main)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Agent]:
        if self.transport == "stdio":
            async with self._stdio() as agent:
                yield agent
        else:
            async with self._http() as agent:
                yield agent

    @asynccontextmanager
    async def _stdio(self) -> AsyncIterator[Agent]:
        params = StdioServerParameters(command=sys.executable,
                                       args=["-m", "entrygo", "mcp", "--agent-id", AGENT_ID],
                                       env=self.env())
        with (self.folder / "mcp-stdio.log").open("a") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), \
                    ClientSession(read, write, client_info=CLIENT) as session:
                await session.initialize()
                yield Agent(session)

    @asynccontextmanager
    async def _http(self) -> AsyncIterator[Agent]:
        process = HttpMcp(self.env(), self.folder / "mcp-http.log").start()
        try:
            headers = {"authorization": f"Bearer {process.token}"}
            async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(60, read=300)
                                         ) as http, \
                    streamable_http_client(process.url, http_client=http) as (read, write, _), \
                    ClientSession(read, write, client_info=CLIENT) as session:
                await session.initialize()
                yield Agent(session)
        finally:
            process.stop()


class HttpMcp:
    """``entrygo mcp --transport http`` as its own process on a free loopback port."""

    token = "mcp-test-token"

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.env = {**env, "ENTRYGO_MCP_HTTP_TOKEN": self.token}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> HttpMcp:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrygo", "mcp", "--transport", "http", "--port",
             str(self.port), "--agent-id", AGENT_ID], env=self.env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"entrygo mcp exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"entrygo mcp did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def toml(settings: dict[str, Any]) -> str:
    """A flat policy file in TOML."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)
    return "".join(f"{k} = {value(v)}\n" for k, v in settings.items())
