"""Which webhook URLs EntryGo sends to, checked at registration and again at every delivery.

An endpoint must be ``https`` and every address its host resolves to must be public: private,
loopback, link-local (cloud metadata services live there), carrier-grade NAT, multicast and
reserved addresses are refused, also when wrapped in IPv6 (IPv4-mapped, NAT64). A delivery
resolves the host again, checks every address, and connects to the address it checked (the TLS
certificate is still checked against the host name), so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot redirect it.

Two settings widen this: ``webhooks_allow_http_loopback`` accepts loopback hosts, over http too
(tests, a receiver on the same machine; test-mode endpoints always may), and
``webhooks_allowed_hosts`` names hosts that may resolve to private addresses (on-premise
receivers; still https).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class UnsafeUrl(ValueError):
    """The URL is not one EntryGo sends to; the message says why, for people."""


def resolve(host: str, port: int) -> list[str]:
    """Every address of ``host`` (the system resolver)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"the host {host} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class UrlRules:
    allow_http_loopback: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def for_mode(self, livemode: bool) -> UrlRules:
        """A test-mode endpoint may also be a receiver on loopback over http (a developer's
        own machine); live endpoints follow the settings. Nothing else widens in test mode."""
        if livemode or self.allow_http_loopback:
            return self
        return UrlRules(True, self.allowed_hosts)


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL with the checked address in place of the host name,
    and the host name for the ``Host`` header and TLS (SNI, certificate check)."""

    url: str
    host_header: str
    server_name: str | None
    address: str


def _unwrap(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _refusal(address: Address, rules: UrlRules) -> str | None:
    """Why an address may not be sent to (None: it may)."""
    plain = _unwrap(address)
    if plain.is_loopback:
        return None if rules.allow_http_loopback else "a loopback address"
    if plain.is_link_local:
        return "a link-local address (such as a cloud metadata service)"
    if plain.is_multicast or plain.is_unspecified or plain.is_reserved:
        return "a reserved address"
    if plain.is_private or not plain.is_global:
        return "a private address"
    return None


def _host(url: str) -> tuple[str, str, int, bool]:
    """Scheme, host (lower case, IPv6 without brackets), port, and whether the host is an IP
    address; refuses what is not an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("the URL is malformed") from exc
    if port == 0:
        raise UnsafeUrl("the URL's port must be 1-65535")
    if parts.scheme not in ("https", "http"):
        raise UnsafeUrl("the URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("the URL must not carry credentials")
    if parts.fragment:
        raise UnsafeUrl("the URL must not have a fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("the URL has no host")
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
        if not all(_LABEL.match(label) for label in host.split(".")):
            raise UnsafeUrl("the URL's host is not a valid host name") from None
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), literal


def check(url: str, rules: UrlRules, resolver: Resolver = resolve) -> Target:
    """The URL as it may be sent to now, or ``UnsafeUrl``: the scheme, then every address the
    host resolves to; the target is pinned to the first of them."""
    scheme, host, port, literal = _host(url)
    if scheme == "http" and not rules.allow_http_loopback:
        raise UnsafeUrl("the URL must start with https://")
    addresses = [host] if literal else resolver(host, port)
    if not addresses:
        raise UnsafeUrl(f"the host {host} does not resolve")
    loopback = all(_unwrap(ipaddress.ip_address(a)).is_loopback for a in addresses)
    if scheme == "http" and not loopback:
        raise UnsafeUrl("the URL must start with https:// (http only for loopback hosts)")
    if host not in rules.allowed_hosts:
        for address in addresses:
            reason = _refusal(ipaddress.ip_address(address), rules)
            if reason is not None:
                raise UnsafeUrl(f"the host {host} resolves to {reason}, which webhooks are "
                                "never sent to")
    return _pinned(url, host, port, literal, addresses[0])


def _pinned(url: str, host: str, port: int, literal: bool, address: str) -> Target:
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    shown = f"[{address}]" if ":" in address else address
    netloc = shown if port == default_port else f"{shown}:{port}"
    host_shown = f"[{host}]" if ":" in host else host
    host_header = host_shown if port == default_port else f"{host_shown}:{port}"
    return Target(url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
                  host_header=host_header,
                  server_name=None if literal or parts.scheme != "https" else host,
                  address=address)
