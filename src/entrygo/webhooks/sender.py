"""Delivering webhooks: the same outbox as the emails (``delivery``), over HTTPS.

A delivery row commits with its event (``events.service``). Right after that commit the
serving process attempts it in the background (``committed``, hooked into ``Database.write``);
``entrygo worker`` (``deliver_due``) retries what failed, with exponential backoff, and takes
over what a crashed process left leased. Each attempt claims its row with a lease, checks the
URL again and connects to the address it checked (``webhooks.urls``), POSTs the event signed
per Standard Webhooks (``webhooks.signing``), and records the outcome: ``sent`` on a 2xx,
otherwise ``retrying`` with the next attempt's time, or ``failed`` after the last attempt.

A crash between sending and recording leaves the lease behind: the delivery is attempted again
with the same ``webhook-id`` (at least once; receivers deduplicate by that id). An endpoint
whose deliveries have all failed for ``disable_after`` is disabled, with a
``WEBHOOK_ENDPOINT_DISABLED`` event.
"""

from __future__ import annotations

import logging
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as WaitedTooLong
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from entrygo.api.wire import json_bytes
from entrygo.db.database import Database
from entrygo.delivery import repository as outbox
from entrygo.delivery.service import Policy
from entrygo.events import service as events
from entrygo.events.schemas import event_document
from entrygo.kit.clock import iso, utcnow
from entrygo.kit.process import holder_id, holder_is_gone
from entrygo.webhooks import repository as repo
from entrygo.webhooks.models import WebhookDelivery, WebhookEndpoint
from entrygo.webhooks.signing import signed_headers
from entrygo.webhooks.urls import Resolver, UnsafeUrl, UrlRules, check, resolve

log = logging.getLogger("entrygo.webhooks")


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    during its overlap after a rotation."""
    valid = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and \
            endpoint.previous_secret_expires_at > now:
        valid.append(endpoint.previous_secret)
    return valid


class WebhookSender:
    def __init__(self, db: Database, policy: Policy, rules: UrlRules, *,
                 timeout_seconds: float = 10.0, disable_after: timedelta = timedelta(days=3),
                 resolver: Resolver = resolve, workers: int = 8) -> None:
        self.db = db
        self.policy = policy
        self.rules = rules
        self.timeout = timeout_seconds
        self.disable_after = disable_after
        self.resolver = resolver
        self._tls = ssl.create_default_context()
        self._background = ThreadPoolExecutor(max_workers=workers,
                                              thread_name_prefix="entrygo-webhooks")

    def close(self) -> None:
        """Stop taking background work (an attempt under way finishes or its lease expires)."""
        self._background.shutdown(wait=False, cancel_futures=True)

    # --- after a commit ----------------------------------------------------------------------

    def committed(self, info: dict[str, Any]) -> None:
        """``Database.write``'s after-commit hook: attempt the deliveries the transaction made,
        in the background (the request does not wait for receivers)."""
        for delivery_id in info.pop(events.DELIVERIES, []):
            try:
                self._background.submit(self._attempt_logged, delivery_id)
            except RuntimeError:  # shutting down: the worker or the next start delivers it
                return

    def _attempt_logged(self, delivery_id: str, **options: Any) -> bool:
        try:
            return self.deliver(delivery_id, **options)
        except Exception:
            log.exception("webhook delivery %s failed; the worker retries it", delivery_id)
            return False

    # --- one attempt --------------------------------------------------------------------------

    def deliver(self, delivery_id: str, *, force: bool = False,
                take_over: str | None = None) -> bool:
        """One attempt, if the delivery is due (or ``force``), its endpoint enabled, and nobody
        else holds it. Returns whether an attempt was made."""
        now = utcnow()
        with self.db.write() as s:
            if not outbox.claim(s, WebhookDelivery, delivery_id, force=force,
                                take_over=take_over, now=now,
                                lease_until=now + timedelta(seconds=self.policy.lease_seconds),
                                holder=holder_id()):
                return False
        with self.db.read() as s:
            delivery, endpoint, event = repo.attempt_of(s, delivery_id)
        if endpoint.deleted_at is not None or endpoint.status != repo.ENABLED:
            with self.db.write() as s:
                outbox.record(s, WebhookDelivery, delivery_id)  # the lease back, nothing sent
            return False
        sent_at = utcnow()
        body = json_bytes(event_document(event))
        headers = signed_headers(delivery.message_id, sent_at, body,
                                 signing_secrets(endpoint, sent_at))
        started = time.perf_counter()
        status, error = self._post(endpoint.url, body, headers,
                                   self.rules.for_mode(endpoint.livemode))
        duration_ms = round((time.perf_counter() - started) * 1000)
        if error is not None:
            log.warning("webhook delivery %s to %s failed: %s", delivery_id, endpoint.id, error)
        with self.db.write() as s:
            self._record(s, delivery, endpoint, sent_at, status, duration_ms, error)
        return True

    def _post(self, url: str, body: bytes, headers: dict[str, str], rules: UrlRules
              ) -> tuple[int | None, str | None]:
        """POST to the checked address: the response status, and what went wrong (None: a
        2xx). The response body is never read."""
        try:
            target = check(url, rules, self.resolver)
        except UnsafeUrl as exc:
            return None, f"refused: {exc}"
        extensions = {"sni_hostname": target.server_name} if target.server_name else {}
        try:
            with httpx.Client(verify=self._tls, trust_env=False, follow_redirects=False,
                              timeout=self.timeout) as client, \
                    client.stream("POST", target.url, content=body,
                                  headers={**headers, "host": target.host_header},
                                  extensions=extensions) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= status < 300:
            return status, None
        return status, f"HTTP {status}" + (" (redirects are not followed)"
                                            if 300 <= status < 400 else "")

    def _record(self, s: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint,
                now: datetime, status: int | None, duration_ms: int,
                error: str | None) -> None:
        attempts = delivery.attempts + 1
        values = self.policy.outcome(attempts, error, now)
        outbox.record(s, WebhookDelivery, delivery.id, attempts=attempts,
                      transport=endpoint.url.partition(":")[0], updated_at=now,
                      last_attempt_at=now, response_status=status, duration_ms=duration_ms,
                      **values)
        if error is None:
            repo.endpoint_succeeded(s, endpoint.id)
            return
        disabled = repo.endpoint_failed(s, endpoint.id, now, self.disable_after)
        if disabled is not None:
            log.warning("webhook endpoint %s disabled: failing since %s", endpoint.id,
                        iso(disabled.failing_since))
            events.record(s, account_id=endpoint.account_id, request_id=None, events=[
                ("WEBHOOK_ENDPOINT_DISABLED", {
                    "endpointId": endpoint.id, "url": endpoint.url, "reason": "failing",
                    "failingSince": iso(disabled.failing_since), "lastError": error})])

    # --- waiting and sweeping ------------------------------------------------------------------

    def deliver_within(self, delivery_id: str, seconds: float | None = None,
                       **options: Any) -> bool:
        """``deliver`` for a request that is waiting, at most ``seconds`` (default
        ``Policy.wait_seconds``); past that the attempt goes on in the background."""
        future = self._background.submit(self._attempt_logged, delivery_id, **options)
        try:
            future.result(timeout=self.policy.wait_seconds if seconds is None else seconds)
        except WaitedTooLong:
            return False
        return True

    def deliver_due(self, limit: int = 100) -> int:
        """One sweep over the deliveries due (queued, or retrying past their backoff) to
        enabled endpoints, taking over the leases of holders that are gone."""
        now = utcnow()
        with self.db.read() as s:
            due = repo.due(s, now, limit)
        attempted = 0
        for delivery_id, lease_until, owner in due:
            if lease_until is None or lease_until < now:
                attempted += self.deliver(delivery_id)
            elif holder_is_gone(owner):
                attempted += self.deliver(delivery_id, take_over=owner)
        return attempted
