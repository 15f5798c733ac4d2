"""``entrygo mcp``: the MCP server on stdio (for a client that starts it) or on streamable
HTTP (for clients that connect to it)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_BASE_URL = "http://localhost:3000"
EXAMPLE = """Examples:

  ENTRYGO_BASE_URL=http://localhost:3000 ENTRYGO_API_KEY=shpbndl_test_... \\
    entrygo mcp --policy agent-policy.toml

  entrygo mcp --transport http --port 8765 --policy agent-policy.toml

The policy file (TOML or JSON, docs/guides/automation-agents.md) says what the agent """ \
    """may do. Without one it may read, sync and plan, and never execute."""


def mcp(
    transport: Annotated[str, typer.Option(
        help="stdio (the client starts this command) or http (streamable HTTP at /mcp).")
    ] = "stdio",
    port: Annotated[int, typer.Option(help="Port for --transport http.")] = 8000,
    host: Annotated[str, typer.Option(
        help="Address for --transport http. Anything but loopback needs --http-token.")
    ] = "127.0.0.1",
    policy: Annotated[Path | None, typer.Option(
        help="The operator's policy file, TOML or JSON [ENTRYGO_MCP_POLICY].",
        envvar="ENTRYGO_MCP_POLICY", show_envvar=False)] = None,
    base_url: Annotated[str | None, typer.Option(
        help="The EntryGo server [ENTRYGO_BASE_URL, else http://localhost:3000].",
        envvar="ENTRYGO_BASE_URL", show_envvar=False)] = None,
    api_key: Annotated[str | None, typer.Option(
        help="The API key the agent acts with [ENTRYGO_API_KEY].", envvar="ENTRYGO_API_KEY",
        show_envvar=False)] = None,
    agent_id: Annotated[str | None, typer.Option(
        help="The operator's name for the agent, recorded with its refusals and executions "
        "(over the policy's agent_id and ENTRYGO_MCP_AGENT_ID).")] = None,
    http_token: Annotated[str | None, typer.Option(
        help="A bearer token HTTP clients must send [ENTRYGO_MCP_HTTP_TOKEN].",
        envvar="ENTRYGO_MCP_HTTP_TOKEN", show_envvar=False)] = None,
) -> None:
    """Serve EntryGo's export control loop to AI agents over MCP, behind a policy guard."""
    from entrygo.mcp.policy import PolicyError, load_policy

    if transport not in ("stdio", "http"):
        raise _usage("--transport must be stdio or http")
    if not api_key:
        raise _usage("no API key: set ENTRYGO_API_KEY or pass --api-key")
    try:
        rules = load_policy(policy)
        if agent_id:
            rules = rules.model_copy(update={"agent_id": agent_id})
    except PolicyError as exc:
        raise _usage(str(exc)) from exc
    if transport == "http" and not http_token and not _loopback(host):
        raise _usage(f"--host {host} is reachable from other machines: set --http-token "
                     "(ENTRYGO_MCP_HTTP_TOKEN), so that only your MCP clients may act with "
                     "the API key")

    from entrygo.mcp.server import Config, build_server

    url = (base_url or DEFAULT_BASE_URL).rstrip("/")
    server = build_server(Config(url, api_key, rules), host=host, port=port)
    if transport == "stdio":
        server.run("stdio")
        return
    import anyio
    import uvicorn

    app: ASGIApp = server.streamable_http_app()
    if http_token:
        app = BearerToken(app, http_token)
    typer.echo(f"EntryGo MCP server at http://{host}:{port}/mcp (EntryGo: {url})", err=True)
    anyio.run(uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                            access_log=False)).serve)


def _usage(message: str) -> typer.Exit:
    sys.stderr.write(f"error: {message}\n")
    return typer.Exit(2)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BearerToken:
    """Lets through only HTTP requests that carry the token (the MCP server acts with an
    EntryGo key: whoever reaches it acts as that key, within the policy)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(sent, self.expected):
                body = json.dumps({"error": "unauthorized",
                                   "message": "Send Authorization: Bearer <token>."}).encode()
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


mcp.__doc__ = f"{mcp.__doc__}\n\n{EXAMPLE}"
