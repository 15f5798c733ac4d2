"""Every table, imported in one place so migrations and tests see the whole schema."""

from entrygo.accounts.models import Account
from entrygo.artifacts.models import Artifact, CustomsPackage
from entrygo.auth.models import ApiKey
from entrygo.db.database import Base
from entrygo.db.idempotency import IdempotencyRecord
from entrygo.delivery.models import BrokerSubmission, Notification
from entrygo.events.models import EventStream, ExportEvent
from entrygo.exports.models import ExportBatch, ExportBatchOrder
from entrygo.importers.models import Importer
from entrygo.orders.models import Order, OrderLine
from entrygo.products.models import Product
from entrygo.setup.models import Broker, Warehouse
from entrygo.webhooks.models import WebhookDelivery, WebhookEndpoint

metadata = Base.metadata

__all__ = ["Account", "ApiKey", "Artifact", "Broker", "BrokerSubmission", "CustomsPackage",
           "EventStream", "ExportBatch", "ExportBatchOrder", "ExportEvent", "IdempotencyRecord",
           "Importer", "Notification", "Order", "OrderLine", "Product", "Warehouse",
           "WebhookDelivery", "WebhookEndpoint", "metadata"]
