"""Recording a refusal in the account's event feed: ``POST /api/agent-events``.

The SDK has no call for this endpoint yet, so the request is made here, under the same safe
retry rules (one idempotency key made before the first attempt and sent on every retry, so a
refusal is recorded once however often the answer is lost).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx

from entrygo import __version__
from entrygo.client import RetryPolicy, new_idempotency_key
from entrygo.events.schemas import AgentCallRefusedEvent

log = logging.getLogger("entrygo.mcp")
RETRIED = frozenset({429, 500, 502, 503, 504})
PATH = "/api/agent-events"


class Recorder:
    """Posts AGENT_CALL_REFUSED events for one API key."""

    def __init__(self, base_url: str, api_key: str, *, retry: RetryPolicy | None = None,
                 timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
                 ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, transport=transport,
            headers={"authorization": f"Bearer {api_key}",
                     "user-agent": f"entrygo-mcp/{__version__}"})

    async def aclose(self) -> None:
        await self._http.aclose()

    async def record(self, body: dict[str, Any]) -> str:
        """The recorded event's id. Raises ``RecordFailed`` when EntryGo refused the report
        or never answered."""
        headers = {"idempotency-key": new_idempotency_key(), "content-type": "application/json"}
        retry = 0
        while True:
            try:
                answer = await self._http.post(PATH, json=body, headers=headers)
            except httpx.TransportError as exc:
                problem = f"no answer ({type(exc).__name__})"
                status = None
            else:
                if answer.status_code == 201:
                    return AgentCallRefusedEvent.model_validate_json(answer.content).id
                problem = f"HTTP {answer.status_code}: {answer.text[:300]}"
                status = answer.status_code
            in_progress = status == 409 and b"IDEMPOTENCY_IN_PROGRESS" in answer.content
            if retry >= self.retry.max_retries or not (
                    status is None or status in RETRIED or in_progress):
                raise RecordFailed(problem)
            delay = self.retry.delay(retry, _retry_after(answer) if status else None)
            if delay is None:
                raise RecordFailed(problem)
            log.info("recording a refusal: %s; retrying in %.2f s", problem, delay)
            await anyio.sleep(delay)
            retry += 1


class RecordFailed(Exception):
    """The refusal stands, but is not in the feed."""


def _retry_after(answer: httpx.Response) -> float | None:
    value = answer.headers.get("retry-after")
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None
