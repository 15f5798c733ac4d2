"""Per-key rate limits (the ``limits`` library): in memory by default, shared through Redis
when ``ENTRYGO_REDIS_URL`` is set (needed as soon as there is more than one process)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse, storage, strategies

from entrygo.kit.errors import ApiError


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        """``RateLimit``/``RateLimit-Policy`` (IETF httpapi-ratelimit-headers, structured)."""
        return {"RateLimit-Policy": f'"default";q={self.limit};w={self.window_seconds}',
                "RateLimit": f'"default";r={self.remaining};t={self.reset_seconds}'}


class RateLimiter:
    def __init__(self, rule: str, redis_url: str | None = None) -> None:
        self.item = parse(rule)
        uri = redis_url or "memory://"
        options = {"key_prefix": "entrygo"} if redis_url else {}
        self.storage = storage.storage_from_string(uri, **options)
        self.strategy = strategies.SlidingWindowCounterRateLimiter(self.storage)
        self.shared = redis_url is not None
        self.window = self.item.get_expiry()

    def hit(self, key_id: str) -> Verdict:
        allowed = self.strategy.hit(self.item, "key", key_id)
        stats = self.strategy.get_window_stats(self.item, "key", key_id)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, self.item.amount, max(stats.remaining, 0), reset, self.window)

    def check(self, key_id: str) -> Verdict:
        """Count a request; 429 ``RATE_LIMITED`` when the key is over its limit."""
        verdict = self.hit(key_id)
        if not verdict.allowed:
            raise ApiError(429, "RATE_LIMITED", f"Too many requests for this API key: the "
                           f"limit is {verdict.limit} per {verdict.window_seconds} s.",
                           headers={"Retry-After": str(verdict.reset_seconds),
                                    **verdict.headers()})
        return verdict

    def reset(self) -> None:
        self.storage.reset()
