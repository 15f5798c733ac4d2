"""``exports inspect --watch`` follows a broker email that is still on its way; ``exports
execute`` asks on a terminal and does nothing unless the answer is yes; ``--all-unexported``
and ``--acknowledge``."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cli_workflow.conftest import ENTRYGO, Cli, Merchant
from tests.support import SmtpSink, product


class HeldMail(SmtpSink):
    """A real SMTP server that holds every message until the test releases it, then accepts
    it: the broker email is on its way for exactly as long as the test needs."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return str(await super().handle_DATA(server, session, envelope))


@pytest.fixture
def held_mail() -> Iterator[HeldMail]:
    sink = HeldMail()
    sink.start()
    yield sink
    sink.release.set()
    sink.stop()


def test_watch_follows_the_broker_email_until_it_is_sent(
        http_server: Any, held_mail: HeldMail, world: Any, bare_cli: Cli):
    # execute answers at once (no delivery wait) while the mail server holds the email
    base_url = str(http_server(ENTRYGO_SMTP_URL=held_mail.url,
                               ENTRYGO_DELIVERY_WAIT_SECONDS="0",
                               ENTRYGO_SMTP_TIMEOUT_SECONDS="120"))
    account = world.account()
    m = Merchant(base_url, world.key(account), account, world.warehouse(account),
                 world.broker(account), "", "")
    m.product_id = m.send("POST", "/api/products/sync",
                          {"items": [product("SKU-1")]})["data"][0]["id"]
    plan = m.planned("ord-ext-1001")
    env = {"ENTRYGO_BASE_URL": m.base_url, "ENTRYGO_API_KEY": m.key}

    executed = bare_cli("exports", "execute", plan["exportId"], "--yes", "--json", env=env)
    assert executed.code == 0, executed
    assert executed.json()["brokerSubmission"]["status"] == "queued"

    watch = bare_cli.start("exports", "inspect", plan["exportId"], "--watch", "--interval",
                           "0.5", "--timeout", "90", env=env)
    said = watch.stderr.readline()  # once it says it is following, the email may go
    assert "following" in said, said
    assert not held_mail.accepted
    held_mail.release.set()
    stdout, stderr = watch.communicate(timeout=120)
    assert watch.returncode == 0, stdout + stderr
    timeline, _, followed = stdout.partition("BROKER_NOTIFIED")
    assert followed, stdout  # the event arrived while it watched, printed as it came
    assert "queued to broker@example.com" in timeline
    assert "the broker email was sent (broker@example.com)" in stderr
    assert "broker@example.com" in {msg["To"] for msg in held_mail.accepted}

    timed_out = bare_cli("exports", "inspect", m.planned("ord-ext-1002")["exportId"],
                         "--watch", "--timeout", "1", "--interval", "0.5", "--json", env=env)
    assert timed_out.code == 5, timed_out  # a PLANNED batch sends nothing: it never settles
    assert timed_out.json()["errorCode"] == "WAIT_TIMEOUT"


def on_a_terminal(cli: Cli, args: list[str], answer: str) -> tuple[int, str]:
    """Run ``entrygo`` with a terminal for stdin and stderr, answer its question, and return
    its exit code and what the terminal showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(ENTRYGO), *args], stdin=follower, stdout=subprocess.PIPE,
                               stderr=follower, env=cli.environment())
    os.close(follower)
    shown, answered = b"", False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            shown += chunk
            if not answered and b"[y/N]" in shown:
                os.write(leader, answer.encode() + b"\n")
                answered = True
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    process.stdout.close()
    os.close(leader)
    return process.returncode, shown.decode(errors="replace")


def test_execute_asks_on_a_terminal(cli: Cli, merchant: Merchant):
    plan = merchant.planned("ord-ext-1001")
    code, shown = on_a_terminal(cli, ["exports", "execute", plan["exportId"]], "n")
    assert code == 1, shown
    assert plan["planHash"][:21] in shown and "METALS_REVIEW_RECOMMENDED" in shown
    assert "not executed" in shown
    assert merchant.get(f"/api/exports/{plan['exportId']}")["state"] == "PLANNED"

    code, shown = on_a_terminal(cli, ["exports", "execute", plan["exportId"]], "y")
    assert code == 0, shown
    assert merchant.get(f"/api/exports/{plan['exportId']}")["state"] == "COMPLETED"


def test_all_unexported_and_acknowledgements(cli: Cli, merchant: Merchant):
    exported = merchant.planned("ord-ext-1001")
    assert cli("exports", "execute", exported["exportId"], "--yes").code == 0
    waiting = [merchant.order(f"ord-ext-{n}")["id"] for n in (1002, 1003)]

    planned = cli("exports", "plan", *merchant.plan_options(), "--all-unexported", "--json")
    assert planned.code == 0, planned
    plan = planned.json()
    assert sorted(plan["included_order_ids"]) == sorted(waiting)
    assert plan["excluded_order_ids"] == []  # the exported order is not even asked about

    # an account that wants every warning acknowledged by code
    merchant.send("PATCH", "/api/account", {"requireReviewAcknowledgement": True})
    refused = cli("exports", "execute", plan["exportId"], "--yes")
    assert refused.code == 4, refused
    assert "--acknowledge METALS_REVIEW_RECOMMENDED" in refused.stderr
    done = cli("exports", "execute", plan["exportId"], "--yes", "--acknowledge",
               "METALS_REVIEW_RECOMMENDED", "--json")
    assert done.code == 0, done

    nothing = cli("exports", "plan", *merchant.plan_options(), "--all-unexported", "--json")
    assert nothing.code == 2, nothing
    assert nothing.json()["errorCode"] == "NO_ORDERS"
