"""Prefixed, time-sortable ids: ``ord_01jdx3…`` (a lower-case ULID after the prefix).

Hand-rolled rather than taken from a ULID package because we need the monotonic variant: ids
made in the same millisecond by one process still sort in creation order, which keeps
``newest first`` listings and cursors exact.
"""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0

PREFIXES = frozenset(
    ["acc", "key", "wh", "br", "prod", "ord", "batch", "unit", "cp", "art", "bs", "ntf", "evt",
     "whk", "req"]
)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A fresh id with the contract's type prefix."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    global _last_ms, _last_rand
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last_ms:
            now = _last_ms
            _last_rand = (_last_rand + 1) & ((1 << 80) - 1)
        else:
            _last_ms = now
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1  # room to increment
        rand = _last_rand
    return f"{prefix}_{_encode(now, 10)}{_encode(rand, 16)}"


def has_prefix(value: str, prefix: str) -> bool:
    return value.startswith(prefix + "_") and len(value) > len(prefix) + 1
