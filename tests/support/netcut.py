"""A proxy on loopback that cuts the network where a test says so.

``NetCut`` sits between a client and a live server and relays HTTP/1.1 exchanges one at a
time, recording each. A rule can pick requests (by method and path prefix) for one of three
fates:

- ``drop``: the request reaches the server and is answered, but the answer is swallowed and
  the client's connection closed: the client never learns what happened (a network cut
  between request and response);
- ``refuse``: the connection is closed before the request is forwarded (it never arrives);
- ``corrupt``: the answer is relayed with one byte of its body changed.

Threads, blocking sockets, no dependencies: it only needs to be exact, not fast.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Fate = str  # "relayed", "dropped", "refused", "corrupted"


@dataclass
class Exchange:
    """One request through the proxy, and the answer the server gave (also when it was not
    passed on)."""

    request_head: bytes
    request_body: bytes
    response_head: bytes | None = None
    response_body: bytes | None = None
    fate: Fate = "relayed"
    at: float = field(default_factory=time.monotonic)
    """When the request had arrived whole (``time.monotonic``)."""

    @property
    def method(self) -> str:
        return self.request_head.split(b" ", 1)[0].decode()

    @property
    def path(self) -> str:
        return self.request_head.split(b" ", 2)[1].decode()

    def header(self, name: str) -> str | None:
        return _header(self.request_head, name)

    @property
    def status(self) -> int | None:
        if self.response_head is None:
            return None
        return int(self.response_head.split(b" ", 2)[1])

    def response_header(self, name: str) -> str | None:
        return None if self.response_head is None else _header(self.response_head, name)


@dataclass
class Rule:
    method: str
    path_prefix: str
    fate: Fate
    times: int

    def picks(self, method: str, path: str) -> bool:
        return self.times > 0 and method == self.method and path.startswith(self.path_prefix)


@dataclass
class NetCut:
    """``NetCut(server_url).start()`` gives the URL to point the client at."""

    upstream: str
    exchanges: list[Exchange] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    url: str = ""
    """Where the proxy listens, once started."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    # --- rules ------------------------------------------------------------------------------

    def drop_response(self, method: str, path_prefix: str, times: int = 1) -> NetCut:
        return self._rule(method, path_prefix, "dropped", times)

    def refuse(self, method: str, path_prefix: str, times: int = 1) -> NetCut:
        return self._rule(method, path_prefix, "refused", times)

    def corrupt(self, method: str, path_prefix: str, times: int = 1) -> NetCut:
        return self._rule(method, path_prefix, "corrupted", times)

    def _rule(self, method: str, path_prefix: str, fate: Fate, times: int) -> NetCut:
        with self._lock:
            self.rules.append(Rule(method, path_prefix, fate, times))
        return self

    def _fate(self, method: str, path: str) -> Fate:
        with self._lock:
            for rule in reversed(self.rules):  # the rule set last wins
                if rule.picks(method, path):
                    rule.times -= 1
                    return rule.fate
        return "relayed"

    def seen(self, method: str, path_prefix: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges
                    if e.method == method and e.path.startswith(path_prefix)]

    # --- serving ----------------------------------------------------------------------------

    def start(self) -> str:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        return self.url

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                _close(sock)

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(120)
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _serve(self, client: socket.socket) -> None:
        self._track(client)
        upstream: socket.socket | None = None
        from_client, from_server = _Reader(client), None
        try:
            while True:
                request = from_client.message(is_response=False)
                if request is None:
                    return
                exchange = Exchange(*request)
                fate = self._fate(exchange.method, exchange.path)
                with self._lock:
                    self.exchanges.append(exchange)
                if fate == "refused":
                    exchange.fate = fate
                    return
                if upstream is None:
                    upstream = self._track(socket.create_connection(self._target))
                    from_server = _Reader(upstream)
                assert from_server is not None
                upstream.sendall(request[0] + request[1])
                response = from_server.message(is_response=True)
                if response is None:
                    return
                exchange.response_head, exchange.response_body = response
                exchange.fate = fate
                if fate == "dropped":
                    return  # the answer arrived; the client never sees it
                body = response[1]
                if fate == "corrupted" and body:
                    assert _header(response[0], "content-length"), "corrupts sized bodies only"
                    middle = len(body) // 2
                    body = body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]
                client.sendall(response[0] + body)
        except OSError:
            return
        finally:
            _close(client)
            if upstream is not None:
                _close(upstream)


class _Reader:
    """Reads whole HTTP/1.1 messages (head and body) off one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _more(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._more():
                raise OSError("connection closed mid-message")
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._more():
                raise OSError("connection closed mid-message")
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def message(self, *, is_response: bool) -> tuple[bytes, bytes] | None:
        """The next message's head (with its blank line) and body; None at a clean end."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._more():
                if self.buffer:
                    raise OSError("connection closed mid-head")
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        head += b"\r\n\r\n"
        length = _header(head, "content-length")
        if (_header(head, "transfer-encoding") or "").lower() == "chunked":
            return head, self._chunked()
        if length is not None:
            return head, self._take(int(length))
        status = int(head.split(b" ", 2)[1]) if is_response else 0
        if not is_response or status in (204, 304) or 100 <= status < 200:
            return head, b""
        while self._more():  # an answer delimited by the end of the connection
            pass
        body, self.buffer = self.buffer, b""
        return head, body

    def _chunked(self) -> bytes:
        raw = b""
        while True:
            size_line = self._line()
            raw += size_line + b"\r\n"
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                while (trailer := self._line()) != b"":
                    raw += trailer + b"\r\n"
                return raw + b"\r\n"
            raw += self._take(size + 2)


def _header(head: bytes, name: str) -> str | None:
    wanted = name.lower().encode()
    for line in head.split(b"\r\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == wanted:
            return value.strip().decode("latin-1")
    return None


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
