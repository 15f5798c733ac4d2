"""The safe retry rules of the first-export guide, as one policy both clients follow.

Every write carries an ``Idempotency-Key`` that stays the same on every attempt, so a retry can
only replay or complete the original request, never make a second one. What is retried: no
answer at all (connection refused, cut or timed out), ``429`` and ``409
IDEMPOTENCY_IN_PROGRESS`` after their ``Retry-After``, and ``500``/``502``/``503``/``504`` with
exponential backoff and jitter. Everything else is an answer to act on, not to repeat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from entrygo.client.errors import APIConnectionError, EntryGoError

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, and how long apart, a request is sent again.

    ``max_retries`` retries follow the first attempt. Without ``Retry-After`` the n-th retry
    waits between half and all of ``initial_delay * 2**n`` (at most ``max_delay``): the jitter
    spreads out clients that failed together. A ``Retry-After`` is waited exactly; one longer
    than ``max_retry_after`` is not waited at all: the error is raised for the caller to
    schedule.
    """

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("retry counts and delays cannot be negative")

    def delay(self, retry: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry number ``retry`` (0 for the first), or None when the
        server asks for a longer wait than this policy accepts."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_delay, self.initial_delay * 2 ** retry)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def is_retryable(error: EntryGoError) -> bool:
    """Whether the same request (same key) may be sent again after this error."""
    if isinstance(error, APIConnectionError):
        return True
    if error.code == "IDEMPOTENCY_IN_PROGRESS":
        return True
    return error.status in RETRIED_STATUSES


def leaves_outcome_unknown(error: EntryGoError) -> bool:
    """Whether a write that ended with this error may nevertheless have happened: no answer,
    a server fault (after the commit is possible), or the first attempt still running. A
    ``429`` is refused before any work, so it is not among them."""
    if isinstance(error, APIConnectionError) or error.code == "IDEMPOTENCY_IN_PROGRESS":
        return True
    return error.status is not None and error.status >= 500
