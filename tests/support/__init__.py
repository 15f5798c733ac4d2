"""What tests share: a world of accounts and keys (``world``), a tenant's export flow
(``flows``), live servers and many clients at once (``http``), a webhook receiver
(``receiver``), the contract check and the command line (``tools``). Test modules import from
here, never from one another."""

from tests.support.flows import CONSIGNEE, NOTEBOOK, Flow, error, execute, planned
from tests.support.http import concurrently, kill_during_delivery, setup_batch
from tests.support.receiver import Received, WebhookReceiver
from tests.support.tools import TEST_SECRET, check, entrygo
from tests.support.world import (
    Api,
    ServerProcess,
    ServerThread,
    SmtpSink,
    World,
    as_request,
    product,
    wipe,
)

__all__ = ["CONSIGNEE", "NOTEBOOK", "TEST_SECRET", "Api", "Flow", "Received", "ServerProcess",
           "ServerThread", "SmtpSink", "WebhookReceiver", "World", "as_request", "check",
           "concurrently", "entrygo", "error", "execute", "kill_during_delivery", "planned",
           "product", "setup_batch", "wipe"]
