"""``EntryGo``: the blocking client (the async one, ``AsyncEntryGo``, has the same surface)."""

from __future__ import annotations

import builtins
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

import httpx
from pydantic import BaseModel

from entrygo.accounts.schemas import AccountOut
from entrygo.api.wire import Page, acting_in
from entrygo.client import _calls as calls
from entrygo.client._core import (
    DEFAULT_TIMEOUT,
    RETRIED_TRANSPORT_ERRORS,
    Call,
    client_headers,
    connection_error,
    describe,
    key_is_live,
    merged,
    next_delay,
    settings_from,
    take_key,
    without_none,
)
from entrygo.client._flows import (
    Condition,
    Digest,
    Until,
    confirmed_execution,
    recorded_digest,
    unconfirmed,
    unreachable,
)
from entrygo.client.errors import EntryGoError, WaitTimeout, error_from_response
from entrygo.client.retries import RetryPolicy, leaves_outcome_unknown
from entrygo.events.schemas import EventOut
from entrygo.exports.schemas import (
    CustomsPackageOut,
    DryRunPlanOut,
    ExecuteOut,
    ExportState,
    ExportSummaryOut,
    InspectOut,
    PlanOut,
)
from entrygo.importers.schemas import ImporterOut
from entrygo.orders.schemas import OrderOut, OrderSynced
from entrygo.products.schemas import ProductOut, ProductReadiness, ProductSynced
from entrygo.setup.schemas import BrokerOut, WarehouseOut
from entrygo.tariff.schemas import TariffLineOut, TariffSearchHit
from entrygo.webhooks.schemas import (
    WebhookDeliveryOut,
    WebhookEndpointDeleted,
    WebhookEndpointOut,
    WebhookEndpointWithSecret,
)

T = TypeVar("T")
Request = Mapping[str, Any] | BaseModel | None
log = logging.getLogger("entrygo.client")


class Pager(Generic[T]):
    """Every item of a list, following ``next_cursor`` page after page. Lazy: nothing is
    fetched until it is iterated, and each page only when the one before is used up."""

    def __init__(self, client: EntryGo, page: calls.PageCall[T]) -> None:
        self._client = client
        self._page = page

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def pages(self) -> Iterator[Page[T]]:
        """The pages themselves (``data``, ``has_more``, ``next_cursor``)."""
        cursor: str | None = None
        while True:
            page = self._client._send(self._page(cursor))
            yield page
            if not page.has_more or page.next_cursor is None:
                return
            cursor = page.next_cursor


class EntryGo:
    """A client of one EntryGo server, as one API key.

    ``base_url`` and ``api_key`` default to ``ENTRYGO_BASE_URL`` and ``ENTRYGO_API_KEY``.
    ``account_id`` (the key's account, which every write body names) is read once from
    ``GET /api/account`` when not given. ``timeout`` is per attempt; ``max_retries`` (or a whole
    ``retry`` policy) bounds the retries of the safe retry rules (``retries``). ``transport``
    replaces httpx's (a proxy, custom TLS).

        with EntryGo("http://localhost:3000", "shpbndl_live_…") as client:
            for order in client.orders.list():
                ...
    """

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *,
                 account_id: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 3,
                 retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        url, key = settings_from(base_url, api_key)
        self.base_url = url
        self.account_id = account_id
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self._live = key_is_live(key)
        self._http = httpx.Client(base_url=url, headers=client_headers(key, headers),
                                  timeout=timeout, transport=transport)
        self.system = System(self)
        self.account = Account(self)
        self.warehouses = Warehouses(self)
        self.brokers = Brokers(self)
        self.importers = Importers(self)
        self.products = Products(self)
        self.orders = Orders(self)
        self.exports = Exports(self)
        self.packages = Packages(self)
        self.events = Events(self)
        self.webhook_endpoints = WebhookEndpoints(self)
        self.tariff = Tariff(self)

    def __repr__(self) -> str:
        return f"EntryGo({self.base_url!r})"

    def __enter__(self) -> EntryGo:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: Call[T]) -> T:
        """Send one operation under the retry rules and read its answer."""
        response = self._exchange(call)
        with acting_in(self._live):
            return call.read(response)

    def resolve_account_id(self) -> str:
        """The key's account: as given, or read once from the server."""
        if self.account_id is None:
            self.account_id = self._send(calls.account_get()).id
        return self.account_id

    def _exchange(self, call: Call[Any]) -> httpx.Response:
        retry = 0
        while True:
            try:
                response = self._http.request(call.method, call.path, params=list(call.params),
                                              content=call.content, headers=call.headers())
            except RETRIED_TRANSPORT_ERRORS as exc:
                error: EntryGoError = connection_error(exc, call)
            except httpx.TransportError as exc:
                raise connection_error(exc, call) from exc
            else:
                if response.is_success:
                    return response
                error = error_from_response(response.status_code, response.content,
                                            response.headers)
            delay = next_delay(self.retry, error, retry)
            if delay is None:
                raise error
            log.info("retrying %s %s in %.2f s after %s", call.method, call.path, delay,
                     describe(error))
            time.sleep(delay)
            retry += 1

    def _download(self, path: str, digest: Digest, sink: IO[bytes] | None) -> str | None:
        """Stream a download into ``digest`` (and ``sink``), from the start again after a
        failed attempt; the answer's request id."""
        call: Call[None] = Call("GET", path, lambda r: None)
        retry = 0
        while True:
            digest.reset()
            if sink is not None:
                sink.seek(0)
                sink.truncate()
            try:
                with self._http.stream("GET", path) as response:
                    if response.is_success:
                        for chunk in response.iter_bytes():
                            digest.add(chunk)
                            if sink is not None:
                                sink.write(chunk)
                        return response.headers.get("x-request-id")
                    response.read()
                    error: EntryGoError = error_from_response(
                        response.status_code, response.content, response.headers)
            except RETRIED_TRANSPORT_ERRORS as exc:
                error = connection_error(exc, call)
            except httpx.TransportError as exc:
                raise connection_error(exc, call) from exc
            delay = next_delay(self.retry, error, retry)
            if delay is None:
                raise error
            time.sleep(delay)
            retry += 1


class _Resource:
    def __init__(self, client: EntryGo) -> None:
        self._c = client


class System(_Resource):
    def health(self) -> dict[str, Any]:
        """``GET /api/system/health``: the key's account, id and mode, and the database."""
        return self._c._send(calls.health())


class Account(_Resource):
    def get(self) -> AccountOut:
        return self._c._send(calls.account_get())

    def update(self, request: Request = None, /, *, idempotency_key: str | None = None,
               **changes: Any) -> AccountOut:
        """A merge patch (``AccountPatch``): only the fields named change; ``None`` clears."""
        data = merged(request, changes)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.account_update(account, data, key))


class Warehouses(_Resource):
    def create(self, request: Request = None, /, *, idempotency_key: str | None = None,
               **fields: Any) -> WarehouseOut:
        """``WarehouseCreate`` fields: ``name``, ``country``, address, ``notify_email``,
        ``default_shipment``."""
        data = merged(request, fields)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.warehouse_create(account, data, key))

    def list(self, *, limit: int | None = None) -> Pager[WarehouseOut]:
        return Pager(self._c, calls.warehouse_pages(limit))

    def get(self, warehouse_id: str) -> WarehouseOut:
        return self._c._send(calls.warehouse_get(warehouse_id))

    def update(self, warehouse_id: str, request: Request = None, /, *,
               idempotency_key: str | None = None, **changes: Any) -> WarehouseOut:
        """A merge patch (``WarehousePatch``)."""
        data = merged(request, changes)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.warehouse_update(account, warehouse_id, data, key))


class Brokers(_Resource):
    def create(self, request: Request = None, /, *, idempotency_key: str | None = None,
               **fields: Any) -> BrokerOut:
        """``BrokerCreate`` fields: ``name``, ``email``, ``filer_code``."""
        data = merged(request, fields)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.broker_create(account, data, key))

    def list(self, *, limit: int | None = None) -> Pager[BrokerOut]:
        return Pager(self._c, calls.broker_pages(limit))

    def get(self, broker_id: str) -> BrokerOut:
        return self._c._send(calls.broker_get(broker_id))


class Importers(_Resource):
    def create(self, request: Request = None, /, *, idempotency_key: str | None = None,
               **fields: Any) -> ImporterOut:
        """``ImporterCreate`` fields: ``name``, ``number``, ``address``, ``bond``,
        ``is_default``."""
        data = merged(request, fields)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.importer_create(account, data, key))

    def list(self, *, limit: int | None = None) -> Pager[ImporterOut]:
        return Pager(self._c, calls.importer_pages(limit))

    def get(self, importer_id: str) -> ImporterOut:
        return self._c._send(calls.importer_get(importer_id))

    def update(self, importer_id: str, request: Request = None, /, *,
               idempotency_key: str | None = None, **changes: Any) -> ImporterOut:
        """A merge patch (``ImporterPatch``)."""
        data = merged(request, changes)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.importer_update(account, importer_id, data, key))


class Products(_Resource):
    def sync(self, items: Iterable[Mapping[str, Any] | BaseModel], *,
             idempotency_key: str | None = None) -> builtins.list[ProductSynced]:
        """Upsert 1-1,000 products by ``externalId``, all or nothing (``ProductIn`` each);
        the answer is in request order, each with its readiness and ``syncStatus``."""
        account = self._c.resolve_account_id()
        return self._c._send(calls.product_sync(account, list(items), idempotency_key))

    def list(self, *, external_id: str | None = None, limit: int | None = None
             ) -> Pager[ProductOut]:
        return Pager(self._c, calls.product_pages(limit, external_id))

    def get(self, product_id: str) -> ProductOut:
        return self._c._send(calls.product_get(product_id))

    def readiness(self, product_id: str) -> ProductReadiness:
        """What a customs entry still needs of this product (the product-level rules)."""
        return self.get(product_id).readiness

    def update(self, product_id: str, request: Request = None, /, *,
               idempotency_key: str | None = None, **changes: Any) -> ProductOut:
        """A merge patch (``ProductPatch``); the answer has the readiness recomputed."""
        data = merged(request, changes)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.product_update(account, product_id, data, key))


class Orders(_Resource):
    def sync(self, items: Iterable[Mapping[str, Any] | BaseModel], *,
             idempotency_key: str | None = None) -> builtins.list[OrderSynced]:
        """Upsert 1-1,000 orders by ``externalId``, all or nothing (``OrderIn`` each); the
        answer is in request order. Plan with the returned ``id``s."""
        account = self._c.resolve_account_id()
        return self._c._send(calls.order_sync(account, list(items), idempotency_key))

    def list(self, *, external_id: str | None = None, limit: int | None = None
             ) -> Pager[OrderOut]:
        return Pager(self._c, calls.order_pages(limit, external_id))

    def get(self, order_id: str) -> OrderOut:
        return self._c._send(calls.order_get(order_id))


class Exports(_Resource):
    def plan(self, *, warehouse_id: str, broker_id: str, order_ids: Sequence[str],
             destination_country: str | None = None, batch_id: str | None = None,
             exclude_blocked_orders: bool | None = None, importer_id: str | None = None,
             shipment: Mapping[str, Any] | BaseModel | None = None,
             idempotency_key: str | None = None) -> PlanOut:
        """Plan and persist a batch (``batch_id``: re-plan that PLANNED batch). No side
        effects besides the batch; review ``readiness_state`` before executing."""
        fields = without_none(warehouseId=warehouse_id, brokerId=broker_id,
                              orderIds=list(order_ids), destinationCountry=destination_country,
                              batchId=batch_id, excludeBlockedOrders=exclude_blocked_orders,
                              importerId=importer_id, shipment=shipment)
        account = self._c.resolve_account_id()
        return self._c._send(calls.plan(account, fields, idempotency_key))

    def dry_run(self, *, warehouse_id: str, broker_id: str, order_ids: Sequence[str],
                destination_country: str | None = None, batch_id: str | None = None,
                exclude_blocked_orders: bool | None = None, importer_id: str | None = None,
                shipment: Mapping[str, Any] | BaseModel | None = None,
                idempotency_key: str | None = None) -> DryRunPlanOut:
        """The same judgement as ``plan`` without storing a batch (nothing to execute; the
        real plan of unchanged inputs has the same ``plan_hash``)."""
        fields = without_none(warehouseId=warehouse_id, brokerId=broker_id,
                              orderIds=list(order_ids), destinationCountry=destination_country,
                              batchId=batch_id, excludeBlockedOrders=exclude_blocked_orders,
                              importerId=importer_id, shipment=shipment)
        account = self._c.resolve_account_id()
        return self._c._send(calls.dry_run(account, fields, idempotency_key))

    def execute(self, batch_id: str, *, plan_hash: str | None = None,
                acknowledged_codes: Sequence[str] | None = None,
                reviewed_by: str | None = None,
                idempotency_key: str | None = None) -> ExecuteOut:
        """Execute a PLANNED batch, exactly once. Send the ``plan_hash`` you reviewed.

        Every attempt carries one idempotency key (``idempotency_key``, or a UUID4 made before
        the first attempt). When no attempt got a definite answer (no answer, 5xx, still in
        progress), inspect decides: a batch COMPLETED with ``plan_hash`` (any plan when none
        was sent) is returned as an ``ExecuteOut`` rebuilt from inspect, its fields as they
        stand now; otherwise ``ExecuteUnconfirmed`` is raised with what inspect showed and
        the key to retry with.
        """
        fields = without_none(batchId=batch_id, planHash=plan_hash,
                              acknowledgedCodes=None if acknowledged_codes is None
                              else list(acknowledged_codes), reviewedBy=reviewed_by)
        account = self._c.resolve_account_id()
        call = calls.execute(account, fields, idempotency_key)
        try:
            return self._c._send(call)
        except EntryGoError as error:
            if not leaves_outcome_unknown(error):
                raise
            cause = error
        key = call.idempotency_key or ""
        try:
            inspected: InspectOut | None = self.inspect(batch_id)
        except EntryGoError:
            inspected = None
        done = None if inspected is None else confirmed_execution(inspected, plan_hash)
        if done is None:
            raise unconfirmed(batch_id, key, inspected, cause) from cause
        log.warning("execute of %s got no answer (%s); inspect shows it COMPLETED: answering "
                    "from inspect", batch_id, describe(cause))
        return done

    def inspect(self, batch_id: str) -> InspectOut:
        """The canonical read model: plan, package, artifacts, broker submission, timeline."""
        return self._c._send(calls.inspect(batch_id))

    def list(self, *, state: str | None = None, limit: int | None = None
             ) -> Pager[ExportSummaryOut]:
        return Pager(self._c, calls.export_pages(limit, state))

    def cancel(self, batch_id: str, *, idempotency_key: str | None = None) -> InspectOut:
        """Cancel a PLANNED batch (409 ``InvalidExportState`` in any other state)."""
        account = self._c.resolve_account_id()
        return self._c._send(calls.cancel(account, batch_id, idempotency_key))

    def retry_broker_submission(self, batch_id: str, *, idempotency_key: str | None = None
                                ) -> InspectOut:
        """Force a broker delivery attempt of an executed batch now."""
        account = self._c.resolve_account_id()
        return self._c._send(calls.retry_broker_submission(account, batch_id, idempotency_key))

    def wait(self, batch_id: str, *, until: Until = ExportState.COMPLETED,
             timeout: float = 60.0, interval: float = 1.0) -> InspectOut:
        """Poll until ``until`` holds, then return the batch as inspect shows it.

        ``until``: export states (checked on inspect), event types such as
        ``"BROKER_NOTIFIED"`` (checked on the event feed, ``GET /api/events`` for this batch,
        which is cheaper than inspect), any mix of the two (the first to hold wins), or a
        function of the ``InspectOut``. Raises ``WaitFailed`` when the batch reached a final
        state none of the states waited for can follow, ``WaitTimeout`` after ``timeout``
        seconds.
        """
        condition = Condition.of(until)
        deadline = time.monotonic() + timeout
        last: InspectOut | None = None
        while True:
            if condition.events:
                found = self._c._send(calls.event_pages(1, condition.events, batch_id, None)(None))
                if found.data:
                    return self.inspect(batch_id)
            if condition.needs_inspect:
                last = self.inspect(batch_id)
                if condition.met_by(last):
                    return last
                if condition.unreachable(last):
                    raise unreachable(batch_id, condition, last)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(f"{batch_id}: the condition did not hold within {timeout} s"
                                  + (f" (it is {last.state})" if last else ""), inspected=last)
            time.sleep(min(interval, remaining))


class Packages(_Resource):
    def get(self, package_id: str) -> CustomsPackageOut:
        """A customs package with its artifacts (sha256, size) and broker submission."""
        return self._c._send(calls.package_get(package_id))

    def download(self, package_id: str, filename: str, *, to: str | os.PathLike[str],
                 sha256: str | None = None) -> Path:
        """Download an artifact to ``to`` (a file, or a folder to put ``filename`` in) and
        return its path. The bytes must have the artifact's recorded sha256 (``sha256``, or
        the package's listing): otherwise ``ChecksumMismatch`` and nothing is written. The
        file appears complete or not at all."""
        target = Path(to)
        if target.is_dir():
            target = target / Path(filename).name
        expected = sha256 or recorded_digest(self.get(package_id), filename)
        digest = Digest(keep=False)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                    dir=target.parent)
        try:
            with os.fdopen(fd, "w+b") as sink:
                request_id = self._c._download(calls.artifact_path(package_id, filename),
                                               digest, sink)
                digest.verify(expected, f"{package_id}/{filename}", request_id)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)
        return target

    def download_bytes(self, package_id: str, filename: str, *, sha256: str | None = None
                       ) -> bytes:
        """An artifact's bytes, checked against its recorded sha256 as ``download`` does."""
        expected = sha256 or recorded_digest(self.get(package_id), filename)
        digest = Digest(keep=True)
        request_id = self._c._download(calls.artifact_path(package_id, filename), digest, None)
        digest.verify(expected, f"{package_id}/{filename}", request_id)
        return b"".join(digest.chunks)


class Events(_Resource):
    def list(self, *, types: Sequence[str] | None = None, export_id: str | None = None,
             created_after: datetime | str | None = None, limit: int | None = None
             ) -> Pager[EventOut]:
        """The account's event feed, newest first in commit order."""
        return Pager(self._c, calls.event_pages(limit, types, export_id, created_after))


class WebhookEndpoints(_Resource):
    def create(self, request: Request = None, /, *, idempotency_key: str | None = None,
               **fields: Any) -> WebhookEndpointWithSecret:
        """``WebhookEndpointCreate`` fields: ``url``, ``enabled_events``, ``description``.
        The answer's ``secret`` is shown this once."""
        data = merged(request, fields)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.webhook_create(account, data, key))

    def list(self, *, limit: int | None = None) -> Pager[WebhookEndpointOut]:
        return Pager(self._c, calls.webhook_pages(limit))

    def get(self, endpoint_id: str) -> WebhookEndpointOut:
        return self._c._send(calls.webhook_get(endpoint_id))

    def update(self, endpoint_id: str, request: Request = None, /, *,
               idempotency_key: str | None = None, **changes: Any) -> WebhookEndpointOut:
        """``WebhookEndpointPatch``: ``url``, ``enabled_events``, ``description``,
        ``disabled``."""
        data = merged(request, changes)
        key = take_key(data, idempotency_key)
        account = self._c.resolve_account_id()
        return self._c._send(calls.webhook_update(account, endpoint_id, data, key))

    def delete(self, endpoint_id: str, *, idempotency_key: str | None = None
               ) -> WebhookEndpointDeleted:
        account = self._c.resolve_account_id()
        return self._c._send(calls.webhook_delete(account, endpoint_id, idempotency_key))

    def rotate_secret(self, endpoint_id: str, *, overlap_seconds: int | None = None,
                      idempotency_key: str | None = None) -> WebhookEndpointWithSecret:
        account = self._c.resolve_account_id()
        return self._c._send(calls.webhook_rotate(account, endpoint_id, overlap_seconds,
                                                  idempotency_key))

    def deliveries(self, endpoint_id: str, *, limit: int | None = None
                   ) -> Pager[WebhookDeliveryOut]:
        return Pager(self._c, calls.webhook_delivery_pages(endpoint_id, limit))

    def retry_delivery(self, endpoint_id: str, delivery_id: str, *,
                       idempotency_key: str | None = None) -> WebhookDeliveryOut:
        account = self._c.resolve_account_id()
        return self._c._send(calls.webhook_delivery_retry(account, endpoint_id, delivery_id,
                                                          idempotency_key))


class Tariff(_Resource):
    def line(self, hts: str) -> TariffLineOut:
        """A line of the tariff schedule by its number (``TariffLineNotFound`` carries
        ``suggestions``)."""
        return self._c._send(calls.tariff_line(hts))

    def search(self, q: str, *, limit: int | None = None) -> Pager[TariffSearchHit]:
        """Full-text search over the schedule, best first."""
        return Pager(self._c, calls.tariff_pages(q, limit))

