"""The HTTP edge of a real server process, as clients other than httpx meet it: every client
reads the 413 envelope, malformed HTTP gets the envelope too, the response headers a browser and
a proxy rely on, and a client that hangs up mid-body is a client event in the log, not an error.

Nothing here depends on the storage backend, so one server runs on SQLite only.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import time
import urllib.error
import urllib.request

import httpx
import pytest

from entrygo.config import Settings
from entrygo.db.database import Database
from tests.support import TEST_SECRET, ServerProcess, World

LIMIT = 1024 * 1024  # the server below refuses bodies over 1 MiB


@pytest.fixture(scope="module")
def server(sqlite_url, tmp_path_factory):
    """One server for the module (starting one takes seconds)."""
    folder = tmp_path_factory.mktemp("edge")
    settings = Settings(database_url=sqlite_url, data_dir=folder / "data",
                        secret_key=TEST_SECRET, auto_migrate=False)
    process = ServerProcess(settings, folder / "server.log", {
        "ENTRYGO_MAX_BODY_BYTES": str(LIMIT), "ENTRYGO_LOG_LEVEL": "info"})
    process.start()
    yield process
    process.stop()


@pytest.fixture
def auth(server, sqlite_url):
    """A fresh account's key (other modules' tests may wipe the database between ours)."""
    db = Database(sqlite_url)
    try:
        world = World(db, server.settings)
        return {"authorization": f"Bearer {world.key(world.account())}"}
    finally:
        db.dispose()


def _envelope(status: int, headers: object, body: bytes, code: str) -> dict:
    envelope = json.loads(body)
    assert status // 100 == 4 and envelope["errorCode"] == code, (status, body[:300])
    assert envelope["requestId"] == headers.get("x-request-id")  # type: ignore[attr-defined]
    return envelope


@pytest.mark.parametrize("megabytes", [2, 50])
def test_urllib_reads_the_413_for_a_declared_length(server, auth, megabytes):
    """urllib writes its whole body before it reads: it must still get the answer."""
    request = urllib.request.Request(
        f"{server.base_url}/api/orders/sync", data=b"x" * (megabytes * 1024 * 1024),
        method="POST", headers={**auth, "content-type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    answer = refused.value
    _envelope(answer.code, answer.headers, answer.read(), "PAYLOAD_TOO_LARGE")
    assert answer.headers["connection"] == "close"


def test_a_client_that_asks_first_gets_the_413_before_sending(server, auth):
    """``Expect: 100-continue`` (curl's way with large bodies): the answer comes at once, and
    nothing of the body needs to be sent."""
    status, headers, body = _raw(server.port, (
        b"POST /api/orders/sync HTTP/1.1\r\nHost: x\r\nAuthorization: " +
        auth["authorization"].encode() + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: 52428800\r\nExpect: 100-continue\r\n\r\n"))
    _envelope(status, headers, body, "PAYLOAD_TOO_LARGE")
    assert headers["connection"] == "close"


def test_a_chunked_body_over_the_limit_gets_the_413_too(server, auth):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    chunks = (b"[" + b"0," * (64 * 1024) for _ in range(40))  # about 5 MiB, no length
    conn.request("POST", "/api/orders/sync", body=chunks, encode_chunked=True,
                 headers={**auth, "content-type": "application/json"})
    answer = conn.getresponse()
    _envelope(answer.status, answer.headers, answer.read(), "PAYLOAD_TOO_LARGE")
    conn.close()


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines)}
    return int(status_line.split()[1]), headers, body


MALFORMED = {
    "bare CR in a header": b"GET /api/system/live HTTP/1.1\r\nHost: x\rInjected: y\r\n\r\n",
    "space in the path": b"GET /api/system live HTTP/1.1\r\nHost: x\r\n\r\n",
    "space in a header name": b"GET /api/system/live HTTP/1.1\r\nHost: x\r\nBad Header: y"
                              b"\r\n\r\n",
    "conflicting Content-Length": b"POST /api/orders/sync HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Length: 5\r\nContent-Length: 9\r\n\r\n{}",
    "no HTTP version": b"NOT-HTTP\r\n\r\n",
}


def test_malformed_http_gets_the_envelope(server):
    for name, request_bytes in MALFORMED.items():
        status, headers, body = _raw(server.port, request_bytes)
        assert status == 400, name
        assert headers["content-type"] == "application/json", name
        envelope = _envelope(status, headers, body, "INVALID_REQUEST")
        assert envelope["requestId"].startswith("req_"), name
        assert headers["x-content-type-options"] == "nosniff", name
        assert "server" not in headers, name


def test_response_headers_over_real_http(server, auth):
    live = httpx.get(f"{server.base_url}/api/system/live")
    health = httpx.get(f"{server.base_url}/api/system/health", headers=auth)
    missing = httpx.get(f"{server.base_url}/api/orders/ord_nope", headers=auth)
    docs = httpx.get(f"{server.base_url}/docs")
    for response in (live, health, missing, docs):
        assert "server" not in response.headers, response.url
        assert response.headers["x-content-type-options"] == "nosniff", response.url
    for response in (live, health, missing):
        assert response.headers["cache-control"] == "no-store", response.url
    assert docs.headers["content-type"].startswith("text/html")


def test_a_client_that_hangs_up_mid_body_is_one_info_line(server, auth):
    request_id = f"hangup-{secrets.token_hex(4)}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /api/orders/sync HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                     auth["authorization"].encode() + b"\r\nX-Request-Id: " +
                     request_id.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n{\"accountId\": ")
        time.sleep(0.5)  # the request is authenticated and reading its body
    deadline = time.monotonic() + 10
    mine: list[dict] = []
    while time.monotonic() < deadline:
        entries = [json.loads(line) for line in server.log_path.read_text().splitlines()
                   if line.startswith("{")]
        mine = [e for e in entries if request_id in json.dumps(e)]
        if any(e.get("logger") == "entrygo.access" for e in mine):
            break
        time.sleep(0.1)
    assert [(e["logger"], e["level"]) for e in mine] == [
        ("entrygo", "info"), ("entrygo.access", "info")], mine
    assert "disconnected" in mine[0]["message"]
    assert mine[1]["status"] == 499 and mine[1]["route"] == "/api/orders/sync"
    # nothing anywhere in this server's log was an error (the module's other requests included)
    assert [e for e in entries if e["level"] in ("error", "critical")] == []
