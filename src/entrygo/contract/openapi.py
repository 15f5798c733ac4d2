"""The published contract: ``GET /docs/api/openapi`` (OpenAPI 3.1).

FastAPI contributes the paths and their path and query parameters; everything else comes from
one table of operations here: request and response schemas (the same Pydantic models the code
validates with and the response shapes tests hold the service to), every error status with the
exact ``errorCode`` values it can carry, the auth and idempotency headers, and examples from
the first-export guide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from entrygo import __version__
from entrygo.api.wire import WireModel
from entrygo.exports import schemas as exports
from entrygo.orders.schemas import OrderOut, OrderSync, OrderSynced
from entrygo.products.schemas import ProductOut, ProductSync, ProductSynced
from entrygo.setup.schemas import BrokerCreate, BrokerOut, WarehouseCreate, WarehouseOut
from entrygo.system.routes import Health, Live

ERROR_CODES = {
    400: ["INVALID_REQUEST", "VALIDATION_ERROR"],  # INVALID_REQUEST: body not JSON, NUL in URL
    401: ["INVALID_API_KEY"],
    403: ["INVALID_ACCOUNT_SCOPE"],
    404: ["NOT_FOUND"],
    405: ["METHOD_NOT_ALLOWED"],
    409: ["IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS", "INVALID_EXPORT_STATE",
          "PLAN_STALE", "PLAN_HASH_MISMATCH", "EXPORT_BLOCKED", "ORDERS_ALREADY_EXPORTED",
          "ORDER_LOCKED", "DELIVERY_IN_PROGRESS"],
    413: ["PAYLOAD_TOO_LARGE"],
    415: ["UNSUPPORTED_MEDIA_TYPE"],
    429: ["RATE_LIMITED"],
    500: ["INTERNAL_ERROR"],
    503: ["SERVICE_UNAVAILABLE"],
}
ALL_CODES = [code for codes in ERROR_CODES.values() for code in codes]


class IssueOut(WireModel):
    path: str = Field(description="Dotted path into the body, e.g. items.0.items.1.productId")
    message: str
    code: str = Field(json_schema_extra={"enum": [
        "required", "invalid_type", "too_small", "too_big", "invalid_format", "invalid_value",
        "unknown_reference", "duplicate"]})


class Error(WireModel):
    """The flat error envelope of every error (CONTRACT §2.1)."""

    error_code: str = Field(json_schema_extra={"enum": ALL_CODES})
    message: str = Field(description="For people; branch on errorCode, never on message.")
    field: str | None = Field(None, description="The field mainly responsible, if one is.")
    details: dict[str, Any] | None = Field(None, description="Structured context: issues "
                                           "(VALIDATION_ERROR), currentState, storedPlanHash, "
                                           "currentPlanHash, blockingCodes, orderIds, "
                                           "externalIds …")
    request_id: str


def _list_of(model: type[BaseModel], name: str) -> type[WireModel]:
    fields: dict[str, Any] = {
        "__annotations__": {"data": list[model], "has_more": bool,  # type: ignore[valid-type]
                            "next_cursor": str | None},
        "has_more": Field(alias="has_more"),
        "next_cursor": Field(alias="next_cursor", description="Pass as `cursor` for the next "
                                                               "page; null on the last page."),
        "__doc__": f"A page of {model.__name__.removesuffix('Out').lower()}s, newest first.",
    }
    return type(name, (WireModel,), fields)


def _data_of(model: type[BaseModel], name: str) -> type[WireModel]:
    return type(name, (WireModel,), {
        "__annotations__": {"data": list[model]},  # type: ignore[valid-type]
        "__doc__": "One entry per item of the request, in request order."})


ProductSyncOut = _data_of(ProductSynced, "ProductSyncResult")
OrderSyncOut = _data_of(OrderSynced, "OrderSyncResult")
WarehouseList = _list_of(WarehouseOut, "WarehouseList")
BrokerList = _list_of(BrokerOut, "BrokerList")
ProductList = _list_of(ProductOut, "ProductList")
OrderList = _list_of(OrderOut, "OrderList")


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    summary: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    auth: bool = True
    description: str = ""
    example: dict[str, Any] | None = None
    body_optional: bool = False
    extra_responses: dict[str, Any] = field(default_factory=dict)


WRITE = (400, 403, 409, 413, 415)
READ_ONE = (404,)

GUIDE_ORDER = {"accountId": "acc_123", "items": [{
    "externalId": "ord-ext-1001", "destinationCountry": "US", "destinationRegion": "CA",
    "destinationPostalCode": "94105",
    "items": [{"productId": "prod_123", "quantity": 1, "unitValueUsd": 110}],
    "metadata": {"source": "first-export-guide"}}]}
GUIDE_PLAN = {"accountId": "acc_123", "warehouseId": "wh_123", "brokerId": "br_123",
              "destinationCountry": "US", "orderIds": ["ord_123"], "dryRun": False}
GUIDE_EXECUTE = {"accountId": "acc_123", "batchId": "batch_123"}

OPERATIONS = [
    Op("get", "/api/system/live", "Liveness (no auth), for load balancers", Live, auth=False),
    Op("get", "/api/system/health", "Check the API key and the database", Health, errors=(503,)),
    Op("post", "/api/warehouses", "Create a warehouse", WarehouseOut, 201, WarehouseCreate,
       WRITE),
    Op("get", "/api/warehouses", "List warehouses", WarehouseList, errors=(400,)),
    Op("get", "/api/warehouses/{warehouse_id}", "Get a warehouse", WarehouseOut,
       errors=READ_ONE),
    Op("post", "/api/brokers", "Create a customs broker", BrokerOut, 201, BrokerCreate, WRITE),
    Op("get", "/api/brokers", "List brokers", BrokerList, errors=(400,)),
    Op("get", "/api/brokers/{broker_id}", "Get a broker", BrokerOut, errors=READ_ONE),
    Op("post", "/api/products/sync", "Upsert products by externalId (1-1000, atomic)",
       ProductSyncOut, body=ProductSync, errors=WRITE),
    Op("get", "/api/products", "List products", ProductList, errors=(400,)),
    Op("get", "/api/products/{product_id}", "Get a product with its readiness", ProductOut,
       errors=READ_ONE),
    Op("post", "/api/orders/sync", "Upsert orders by externalId (1-1000, atomic)",
       OrderSyncOut, body=OrderSync, errors=WRITE, example=GUIDE_ORDER),
    Op("get", "/api/orders", "List orders", OrderList, errors=(400,)),
    Op("get", "/api/orders/{order_id}", "Get an order", OrderOut, errors=READ_ONE),
    Op("post", "/api/exports/plan", "Plan an export: readiness, exclusions, units, planHash",
       exports.PlanOut, body=exports.PlanRequest, errors=(*WRITE, 404), example=GUIDE_PLAN),
    Op("post", "/api/exports/execute", "Execute a planned batch, exactly once",
       exports.ExecuteOut, body=exports.ExecuteRequest, errors=(*WRITE, 404),
       example=GUIDE_EXECUTE,
       description="Every check runs before any side effect; the customs package, artifacts, "
                   "broker submission and notifications commit together, then are delivered. "
                   "A failed delivery never rolls the export back."),
    Op("get", "/api/exports", "List export batches", exports.ExportListOut, errors=(400,)),
    Op("get", "/api/exports/{batch_id}", "Inspect a batch: the canonical read model",
       exports.InspectOut, errors=READ_ONE),
    Op("post", "/api/exports/{batch_id}/cancel", "Cancel a PLANNED batch", exports.InspectOut,
       body=exports.AccountBody, errors=(*WRITE, 404), body_optional=True),
    Op("post", "/api/exports/{batch_id}/broker-submission/retry",
       "Force a broker delivery attempt now", exports.InspectOut, body=exports.AccountBody,
       errors=(*WRITE, 404), body_optional=True),
    Op("get", "/api/customs-packages/{package_id}", "Get a customs package",
       exports.CustomsPackageOut, errors=READ_ONE),
    Op("get", "/api/customs-packages/{package_id}/artifacts/{filename}",
       "Download an artifact", None, errors=READ_ONE, extra_responses={
           "200": {"description": "The artifact's bytes, with its Content-Type, a "
                   "Content-Disposition naming the file and an ETag of its sha256.",
                   "headers": {"ETag": {"schema": {"type": "string"}},
                               "Content-Disposition": {"schema": {"type": "string"}}},
                   "content": {"application/octet-stream": {"schema": {
                       "type": "string", "format": "binary"}}}},
           "304": {"description": "Not modified (If-None-Match matched the ETag)."}}),
]


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    headers = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if status in (409, 429, 503):
        headers["Retry-After"] = {"description": "Seconds to wait (IDEMPOTENCY_IN_PROGRESS, "
                                  "RATE_LIMITED, SERVICE_UNAVAILABLE).",
                                  "schema": {"type": "integer"}}
    if status == 429:
        headers["RateLimit"] = {"$ref": "#/components/headers/RateLimit"}
        headers["RateLimit-Policy"] = {"$ref": "#/components/headers/RateLimit-Policy"}
    return {"description": ", ".join(codes), "headers": headers, "content": {
        "application/json": {"schema": {"allOf": [
            {"$ref": "#/components/schemas/Error"},
            {"type": "object", "properties": {"errorCode": {"enum": codes}}}]}}}}


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title="EntryGo", version=__version__, openapi_version="3.1.0",
                      summary=app.summary, routes=app.routes,
                      description=(
                          "Export-side protocol for cross-border e-commerce into the United "
                          "States: sync, plan, execute (exactly once), inspect. The guides are "
                          "at /docs. Errors share one envelope; branch on the HTTP status, "
                          "then `errorCode`, then `field`/`details`."))
    models: list[type[BaseModel]] = [Error, IssueOut]
    for op in OPERATIONS:
        models += [m for m in (op.body, op.response) if m is not None]
    _, defs = models_json_schema(
        [(m, "validation" if m is op_body else "serialization") for m in _unique(models)
         for op_body in [_is_body(m)]],
        ref_template="#/components/schemas/{model}", by_alias=True)
    components = doc.setdefault("components", {})
    components["schemas"] = defs.get("$defs", {})
    components["securitySchemes"] = {"apiKey": {
        "type": "http", "scheme": "bearer",
        "description": "An API key, shpbndl_live_… or shpbndl_test_…"}}
    components["headers"] = {
        "X-Request-Id": {"description": "The request's id (a client-sent one of 1-128 safe "
                         "characters is echoed).", "schema": {"type": "string"}},
        "Idempotent-Replayed": {"description": "true when this is a stored response replayed "
                                "for a repeated idempotency key.",
                                "schema": {"type": "string", "enum": ["true"]}},
        "RateLimit": {"description": "Remaining quota of the key, e.g. "
                      '"default";r=598;t=42', "schema": {"type": "string"}},
        "RateLimit-Policy": {"description": 'The key\'s policy, e.g. "default";q=600;w=60',
                             "schema": {"type": "string"}},
    }
    components["parameters"] = {
        "Idempotency-Key": {"name": "Idempotency-Key", "in": "header", "required": False,
                            "description": "1-255 printable ASCII characters; same key and "
                            "same request: the stored response is replayed (CONTRACT §4).",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
        "X-Request-Id": {"name": "X-Request-Id", "in": "header", "required": False,
                         "schema": {"type": "string", "maxLength": 128}},
    }
    for op in OPERATIONS:
        doc["paths"][op.path][op.method] = _operation(op, doc["paths"][op.path][op.method])
    return doc


def _is_body(model: type[BaseModel]) -> bool:
    return any(op.body is model for op in OPERATIONS)


def _unique(models: list[type[BaseModel]]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    for m in models:
        if m not in seen:
            seen.append(m)
    return seen


def _operation(op: Op, generated: dict[str, Any]) -> dict[str, Any]:
    params = [p for p in generated.get("parameters", []) if p.get("in") in ("path", "query")]
    params.append({"$ref": "#/components/parameters/X-Request-Id"})
    if op.method == "post":
        params.append({"$ref": "#/components/parameters/Idempotency-Key"})
    success_headers = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if op.method == "post":
        success_headers["Idempotent-Replayed"] = {
            "$ref": "#/components/headers/Idempotent-Replayed"}
    responses: dict[str, Any] = {}
    if op.response is not None:
        responses[str(op.status)] = {"description": op.summary, "headers": success_headers,
                                     "content": {"application/json": {"schema": {
                                         "$ref": f"#/components/schemas/{op.response.__name__}"
                                     }}}}
    responses.update(op.extra_responses)
    # 400 anywhere: a URL with a NUL character is refused before routing
    statuses = set(op.errors) | ({401, 429} if op.auth else set()) | {400, 500}
    if op.auth:
        statuses.add(503)
    for status in sorted(statuses):
        codes = ERROR_CODES[status]
        if status == 409 and op.method == "post":
            codes = _conflicts(op)
        responses[str(status)] = _error_response(status, codes)
    out: dict[str, Any] = {
        "operationId": generated.get("operationId"), "summary": op.summary,
        "tags": generated.get("tags", []), "parameters": params, "responses": responses,
    }
    if op.description:
        out["description"] = op.description
    if op.auth:
        out["security"] = [{"apiKey": []}]
    else:
        out["security"] = []
    if op.body is not None:
        content: dict[str, Any] = {"schema": {
            "$ref": f"#/components/schemas/{op.body.__name__}"}}
        if op.example is not None:
            content["example"] = op.example
        out["requestBody"] = {"required": not op.body_optional,
                              "content": {"application/json": content}}
    return out


def _conflicts(op: Op) -> list[str]:
    codes = ["IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS"]
    if op.path == "/api/orders/sync":
        codes.append("ORDER_LOCKED")
    if op.path.startswith("/api/exports"):
        codes.append("INVALID_EXPORT_STATE")
    if op.path.endswith("/broker-submission/retry"):
        codes.append("DELIVERY_IN_PROGRESS")
    if op.path == "/api/exports/execute":
        codes += ["PLAN_STALE", "PLAN_HASH_MISMATCH", "EXPORT_BLOCKED", "ORDERS_ALREADY_EXPORTED"]
    return codes


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
