"""Settings from ``ENTRYGO_*`` environment variables, with defaults that work on a laptop."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from entrygo.kit.files import private_dir


def _default_data_dir() -> Path:
    """The checkout's ``data/`` folder when running from a source checkout, else ``./data``."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "entrygo").is_dir():
        return checkout / "data"
    return Path.cwd() / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ENTRYGO_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    """SQLAlchemy URL. Unset: a SQLite file ``entrygo.db`` in ``data_dir``."""
    secret_key: str | None = None
    """Server secret for keyed hashes. Unset: generated once into ``data_dir/secret_key``."""
    host: str = "127.0.0.1"
    port: int = 3000
    public_base_url: str | None = None
    auto_migrate: bool = True
    max_body_bytes: int = 10 * 1024 * 1024
    sqlite_busy_timeout_ms: int = 30_000
    db_pool_size: int = 20
    log_level: str = "info"
    smtp_url: str | None = None
    """``smtp://host:port`` (``?starttls=true``) or ``smtps://``; unset: ``.eml`` files in the
    outbox folder."""
    mail_from: str = "EntryGo <exports@entrygo.invalid>"
    mail_domain: str = "entrygo.invalid"
    """The right-hand side of Message-IDs."""
    delivery_max_attempts: int = 8
    delivery_backoff_seconds: int = 30
    delivery_lease_seconds: int = 120
    """How long one sender holds a message; after a crash it is resent once this runs out."""
    smtp_timeout_seconds: float = 10.0
    delivery_wait_seconds: float = 2.0
    """How long execute (and a forced broker retry) waits for its emails before answering; past
    it the answer says ``queued`` and delivery goes on in the background, then by the worker."""
    webhooks_allow_http_loopback: bool = False
    """Accept webhook endpoints on loopback hosts (``http://127.0.0.1:8080/hook``), over http
    too: for tests and a receiver on the same machine. Off, endpoints must be https and
    resolve to public addresses only."""
    webhooks_allowed_hosts: str = ""
    """Host names (comma-separated) whose webhook endpoints may resolve to private addresses:
    receivers on the company network of an on-premise installation. Still https only."""
    webhooks_timeout_seconds: float = 10.0
    """How long one webhook delivery may take (connecting, sending, the receiver's answer)."""
    webhooks_max_attempts: int = 17
    webhooks_backoff_seconds: int = 30
    webhooks_max_backoff_seconds: int = 12 * 3600
    """Retries double from ``webhooks_backoff_seconds`` up to this: 17 attempts span about
    three days (docs/api/events.md)."""
    webhooks_disable_after_seconds: int = 3 * 24 * 3600
    """An endpoint whose deliveries have all failed for this long is disabled."""
    webhooks_secret_overlap_seconds: int = 24 * 3600
    """How long the previous signing secret stays valid after a rotation, by default."""
    auth_cache_seconds: float = 5.0
    """How long a process trusts a key it verified (a revocation takes effect within it)."""
    rate_limit: str = "600/minute"
    """Requests per API key (``limits`` notation: ``600/minute``, ``20/second``)."""
    redis_url: str | None = None
    """Share rate-limit counters between processes (``redis://127.0.0.1:6379/0``)."""
    announce: bool = False
    """Print the ready banner and record the address in ``data_dir/server.json`` (set by
    ``entrygo serve``, not by tests or embedding applications)."""
    gc_tuning: bool = True
    """Freeze start-up objects and collect young ones less often (see ``app.lifespan``)."""
    idempotency_lock_seconds: int = 60
    """How long an in-flight idempotency marker holds its key before it counts as abandoned."""
    idempotency_retention_seconds: int = 24 * 3600
    """How long a finished request is replayed for its key (then the key is free again)."""

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'entrygo.db'}"

    @property
    def webhook_hosts(self) -> frozenset[str]:
        """``webhooks_allowed_hosts`` as lower-case names."""
        return frozenset(h.strip().lower().rstrip(".") for h in
                         self.webhooks_allowed_hosts.split(",") if h.strip())

    @property
    def artifact_dir(self) -> Path:
        return self.data_dir / "artifacts"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def test_outbox_dir(self) -> Path:
        """Where test mode's broker email and warehouse notifications go, always: a test key
        never reaches the configured SMTP server."""
        return self.data_dir / "test-outbox"

    @property
    def base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else self.host
        return f"http://{host}:{self.port}"

    @cached_property
    def secret(self) -> bytes:
        """The server secret, creating ``data_dir/secret_key`` atomically on first use."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            # Write a private temp file, then link it into place: link() fails if another
            # process got there first, so every process ends up reading the same secret.
            private_dir(self.data_dir)
            tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        value = path.read_text().strip()
        if not value:
            raise RuntimeError(f"{path} is empty; delete it or set ENTRYGO_SECRET_KEY")
        return value.encode()
