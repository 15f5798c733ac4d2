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
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]  # 10 bits -> 2 characters
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0
_last_time_text = ""

PREFIXES = frozenset(
    ["acc", "key", "wh", "br", "imp", "prod", "ord", "batch", "unit", "cp", "art", "bs", "ntf",
     "evt", "whk", "whd", "req"]
)


def _encode(value: int, length: int) -> str:
    """``value`` as ``length`` (even) base32 characters, most significant first."""
    return "".join(_PAIRS[(value >> shift) & 1023] for shift in range(5 * length - 10, -1, -10))


def new_id(prefix: str) -> str:
    """A fresh id with the contract's type prefix."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    global _last_ms, _last_rand, _last_time_text
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last_ms:
            _last_rand = (_last_rand + 1) & ((1 << 80) - 1)
        else:
            _last_ms = now
            _last_time_text = _encode(now, 10)
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1  # room to increment
        rand, time_text = _last_rand, _last_time_text
    return f"{prefix}_{time_text}{_encode(rand, 16)}"
