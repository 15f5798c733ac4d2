"""``exports.wait``: following a batch until its broker email went out (a slow mail server
makes execute answer before it), and stopping when the wait cannot end well."""

from __future__ import annotations

from typing import Any

import pytest

from entrygo.client import WaitFailed, WaitTimeout
from entrygo.exports.schemas import InspectOut
from tests.support.sdk import planned, set_up, tenant


def test_wait_follows_a_batch_to_its_broker_email(http_server: Any, world: Any,
                                                  smtp: Any) -> None:
    smtp.delay_seconds = 1.5  # a slow mail server: execute answers before the email is out
    base = http_server(ENTRYGO_SMTP_URL=smtp.url, ENTRYGO_DELIVERY_WAIT_SECONDS="0.2")
    with tenant(world, base).client() as sdk:
        setup = set_up(sdk)
        batch_id, plan_hash = planned(sdk, setup)
        done = sdk.exports.execute(batch_id, plan_hash=plan_hash)
        assert done.broker_submission.status == "queued"

        # event types are read off the feed; the answer is the batch as inspect shows it
        state = sdk.exports.wait(batch_id, until=["BROKER_NOTIFIED", "BROKER_SUBMISSION_FAILED"],
                                 timeout=30, interval=0.2)
        assert state.broker_submission is not None
        assert state.broker_submission.status == "sent"
        assert [m["To"] for m in smtp.accepted].count("broker@example.com") == 1

        def notified(batch: InspectOut) -> bool:
            return bool(batch.notifications) and all(
                n.status == "sent" for n in batch.notifications)

        assert notified(sdk.exports.wait(batch_id, until=notified, timeout=30, interval=0.2))

        # a PLANNED batch does not complete by itself: the wait times out
        other_id, _ = planned(sdk, setup, "ord-ext-1002")
        with pytest.raises(WaitTimeout) as late:
            sdk.exports.wait(other_id, until="COMPLETED", timeout=0.5, interval=0.1)
        assert late.value.current_state == "PLANNED"

        # a cancelled batch never completes: the wait says so at once
        sdk.exports.cancel(other_id)
        with pytest.raises(WaitFailed) as never:
            sdk.exports.wait(other_id, until="COMPLETED", timeout=30)
        assert not isinstance(never.value, WaitTimeout)
        assert never.value.current_state == "CANCELLED"
        assert sdk.exports.wait(other_id, until=("COMPLETED", "CANCELLED")).state == "CANCELLED"
