"""The FastAPI application factory: settings in, app out; no module-level state."""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from entrygo import __version__
from entrygo.accounts.routes import router as account_router
from entrygo.api.http import RequestContextMiddleware, install_error_handlers
from entrygo.api.idempotency import Idempotency
from entrygo.api.ratelimit import RateLimiter
from entrygo.artifacts.store import LocalStore
from entrygo.auth.context import KeyCache
from entrygo.config import Settings
from entrygo.contract import openapi
from entrygo.contract.site import router as docs_router
from entrygo.db.database import Database
from entrygo.db.migrate import upgrade
from entrygo.delivery.service import Deliverer, Policy
from entrygo.delivery.transport import OutboxTransport, SmtpTransport, Transport
from entrygo.events.routes import router as events_router
from entrygo.exports.inspect import RenderedCache
from entrygo.exports.repository import ExportsForDelivery
from entrygo.exports.routes import router as exports_router
from entrygo.importers.routes import router as importers_router
from entrygo.kit.files import private_dir
from entrygo.kit.running import record_address
from entrygo.orders.routes import router as orders_router
from entrygo.products.routes import router as products_router
from entrygo.readiness import reference
from entrygo.setup.routes import router as setup_router
from entrygo.system.routes import router as system_router
from entrygo.tariff.routes import router as tariff_router
from entrygo.webhooks.routes import router as webhooks_router
from entrygo.webhooks.sender import WebhookSender
from entrygo.webhooks.urls import UrlRules

log = logging.getLogger("entrygo")


def _sweep(deliverer: Deliverer, webhooks: WebhookSender) -> None:
    try:
        sent = deliverer.deliver_due() + webhooks.deliver_due()
        if sent:
            log.info("start-up sweep: %d delivery attempt(s)", sent)
    except Exception:
        log.exception("start-up delivery sweep failed")


def announce(settings: Settings) -> None:
    """Say where the server is and what to do next, and record the address for ``demo``."""
    url = settings.base_url
    record_address(settings.data_dir, url)
    log.info("ready at %s (docs %s/docs)", url, url)
    if sys.stderr.isatty():
        sys.stderr.write(
            f"\n  EntryGo {__version__} is ready at {url}\n"
            f"  Docs:  {url}/docs\n"
            f'  Next, in another shell:  eval "$(.venv/bin/entrygo demo)"\n'
            f"  then follow {url}/docs/guides/first-export\n\n")


def build_deliverer(settings: Settings, db: Database, store: LocalStore) -> Deliverer:
    transport: Transport = (SmtpTransport(settings.smtp_url, settings.smtp_timeout_seconds)
                            if settings.smtp_url else OutboxTransport(settings.outbox_dir))
    return Deliverer(db, store, transport, settings.mail_from, ExportsForDelivery(),
                     Policy(max_attempts=settings.delivery_max_attempts,
                            backoff_seconds=settings.delivery_backoff_seconds,
                            lease_seconds=settings.delivery_lease_seconds,
                            wait_seconds=settings.delivery_wait_seconds),
                     test_transport=OutboxTransport(settings.test_outbox_dir, "test_outbox"))


def build_webhook_sender(settings: Settings, db: Database) -> WebhookSender:
    """The webhook sender, attempting what each commit of ``db`` queued right after it."""
    sender = WebhookSender(
        db, Policy(max_attempts=settings.webhooks_max_attempts,
                   backoff_seconds=settings.webhooks_backoff_seconds,
                   max_backoff_seconds=settings.webhooks_max_backoff_seconds,
                   lease_seconds=settings.delivery_lease_seconds,
                   wait_seconds=settings.delivery_wait_seconds),
        UrlRules(settings.webhooks_allow_http_loopback, settings.webhook_hosts),
        timeout_seconds=settings.webhooks_timeout_seconds,
        disable_after=timedelta(seconds=settings.webhooks_disable_after_seconds))
    db.after_commit.append(sender.committed)
    return sender


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    private_dir(settings.data_dir)  # data, secret, artifacts, outbox: the service's user only
    db = Database(settings.resolved_database_url,
                  busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                  pool_size=settings.db_pool_size)
    settings.secret  # noqa: B018 - create the server secret now, not on the first request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await run_in_threadpool(upgrade, db.url)
        await run_in_threadpool(reference.warm)
        # Anything a crash left queued goes out now (in the background: start-up never waits
        # for a mail server).
        sweep = threading.Thread(target=_sweep, args=(app.state.deliverer, app.state.webhooks),
                                 daemon=True,
                                 name="entrygo-startup-sweep")
        sweep.start()
        if settings.gc_tuning:
            # Everything alive now (modules, the app) lives as long as the process: keep the
            # collector off it, and collect young objects less often. Bulk requests allocate
            # many short-lived objects; untuned, collections add 50-100 % to their latency.
            gc.collect()
            gc.freeze()
            gc.set_threshold(20_000, 20, 20)
        log.info("EntryGo %s on %s", __version__, db.backend)
        if settings.announce:
            announce(settings)
        yield
        sweep.join(timeout=10)  # nothing of this app touches the database after shutdown
        app.state.deliverer.close()
        app.state.webhooks.close()
        db.dispose()

    app = FastAPI(
        title="EntryGo",
        version=__version__,
        summary="Export-side protocol service for cross-border e-commerce into the United States.",
        openapi_url="/docs/api/openapi",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.rate_limiter = RateLimiter(settings.rate_limit, settings.redis_url)
    app.state.key_cache = KeyCache(settings.auth_cache_seconds)
    app.state.store = LocalStore(settings.artifact_dir)
    app.state.inspect_cache = RenderedCache()
    app.state.deliverer = build_deliverer(settings, db, app.state.store)
    app.state.webhooks = build_webhook_sender(settings, db)
    app.state.idempotency = Idempotency(
        db, lock_seconds=settings.idempotency_lock_seconds,
        retention_seconds=settings.idempotency_retention_seconds)
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    openapi.install(app)
    for router in (system_router, account_router, setup_router, importers_router,
                   products_router, orders_router, exports_router, tariff_router,
                   events_router, webhooks_router, docs_router):
        app.include_router(router)
    return app
