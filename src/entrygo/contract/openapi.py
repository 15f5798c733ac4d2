"""The published contract: ``GET /docs/api/openapi`` (OpenAPI 3.1), generated from the app.

Every operation comes from its route: FastAPI's path and query parameters; the summary,
response model and status the route declares; the error statuses and extra 409 codes it
declares (``api.declare.errors``); its request body and whether it is optional (its
``json_body`` dependency), whether it needs an API key (its ``authenticated`` dependency), and
its request example. Request and response schemas are the same Pydantic models the code
validates with and the response shapes tests hold the service to. What is common to every
operation (the error envelope and its codes per status, the auth and idempotency headers) is
defined here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from entrygo import __version__
from entrygo.api.declare import CODES, CONFLICTS, ERROR_MARK, REQUEST_EXAMPLE
from entrygo.api.fields import IDEMPOTENCY_KEY_PATTERN
from entrygo.api.http import JsonBody
from entrygo.api.wire import COMPONENT_REF, DateTime, Omittable, WireModel
from entrygo.auth.context import authenticated
from entrygo.kit.errors import IssueCode
from entrygo.tariff.schemas import TariffLineBrief

ERROR_CODES = {
    400: ["INVALID_REQUEST", "VALIDATION_ERROR"],  # INVALID_REQUEST: body not JSON, NUL in URL
    401: ["INVALID_API_KEY"],
    403: ["INVALID_ACCOUNT_SCOPE"],
    404: ["NOT_FOUND"],
    405: ["METHOD_NOT_ALLOWED"],
    409: ["IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS", "INVALID_EXPORT_STATE",
          "PLAN_STALE", "PLAN_HASH_MISMATCH", "EXPORT_BLOCKED", "REVIEW_NOT_ACKNOWLEDGED",
          "ORDERS_ALREADY_EXPORTED",
          "ORDER_LOCKED", "DELIVERY_IN_PROGRESS", "INVALID_DELIVERY_STATE"],
    413: ["PAYLOAD_TOO_LARGE"],
    415: ["UNSUPPORTED_MEDIA_TYPE"],
    429: ["RATE_LIMITED"],
    500: ["INTERNAL_ERROR"],
    503: ["SERVICE_UNAVAILABLE"],
}
ROUTE_CODES = {
    404: ["TARIFF_LINE_NOT_FOUND"],
}
"""Codes only the routes that declare them answer (``errors(..., codes=...)``)."""
ALL_CODES = [code for table in (ERROR_CODES, ROUTE_CODES) for codes in table.values()
             for code in codes]
ERROR_CODES_EXTENSION = "x-error-codes"
"""On each error response: the errorCode values that operation answers with that status."""

if TYPE_CHECKING:
    ErrorCode = str
else:
    ErrorCode = Literal[tuple(ALL_CODES)]


class ValidationIssue(WireModel):
    """One problem with a request, in ``details.issues`` of a 400 VALIDATION_ERROR."""

    path: str = Field(description="Dotted path into the body or the parameter's name, e.g. "
                      "items.0.items.1.productId or cursor")
    message: str
    code: IssueCode


class ErrorDetails(BaseModel):
    """Structured context of an error; which keys appear depends on ``errorCode``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              serialize_by_alias=True, extra="allow")

    issues: Omittable[list[ValidationIssue]] = Field(
        None, description="VALIDATION_ERROR: every problem found, not just the first.")
    current_state: Omittable[str] = Field(None, description="INVALID_EXPORT_STATE, "
                                          "DELIVERY_IN_PROGRESS: the batch's state now.")
    stored_plan_hash: Omittable[str] = Field(None, description="PLAN_STALE, "
                                             "PLAN_HASH_MISMATCH: the batch's planHash.")
    current_plan_hash: Omittable[str] = Field(None, description="PLAN_STALE: what planning "
                                              "the same orders gives now.")
    provided_plan_hash: Omittable[str] = Field(None, description="PLAN_HASH_MISMATCH: the "
                                               "planHash the request named.")
    blocking_codes: Omittable[list[str]] = Field(None, description="EXPORT_BLOCKED.")
    unacknowledged_codes: Omittable[list[str]] = Field(None, description="REVIEW_NOT_"
                                                       "ACKNOWLEDGED: the plan's warning "
                                                       "codes not in acknowledgedCodes.")
    order_ids: Omittable[list[str]] = Field(None, description="ORDERS_ALREADY_EXPORTED.")
    external_ids: Omittable[list[str]] = Field(None, description="ORDER_LOCKED.")
    export_id: Omittable[str] = Field(None, description="INTERNAL_ERROR during execute: the "
                                      "batch now FAILED.")
    submission_status: Omittable[str] = Field(None, description="INVALID_EXPORT_STATE, "
                                              "DELIVERY_IN_PROGRESS on a broker-submission "
                                              "retry.")
    lease_until: Omittable[DateTime] = Field(None, description="DELIVERY_IN_PROGRESS: when "
                                             "the other attempt's lease ends.")
    delivery_status: Omittable[str] = Field(None, description="INVALID_DELIVERY_STATE, "
                                            "DELIVERY_IN_PROGRESS on a webhook delivery retry: "
                                            "the delivery's status.")
    endpoint_status: Omittable[str] = Field(None, description="INVALID_DELIVERY_STATE, "
                                            "DELIVERY_IN_PROGRESS on a webhook delivery retry: "
                                            "the endpoint's status.")
    suggestions: Omittable[list[TariffLineBrief]] = Field(
        None, description="TARIFF_LINE_NOT_FOUND: the closest statistical lines under the "
        "same heading, closest first (empty when the heading does not exist).")


class Error(WireModel):
    """The one error envelope of every error response (/docs/api/contract#21-errors). Branch
    on the HTTP status, then ``errorCode``, then ``field``/``details``."""

    error_code: ErrorCode = Field(description="Stable and machine-readable; each operation "
                                  "lists the codes it can answer per status.")
    message: str = Field(description="For people; branch on errorCode, never on message.")
    field: Omittable[str] = Field(None, description="The field mainly responsible, when one "
                                  "is.")
    details: Omittable[ErrorDetails] = None
    request_id: str = Field(description="Also in the X-Request-Id header; quote it when "
                            "asking for help.")


TAGS = [
    {"name": "system", "description": "Liveness and a check of the API key and database."},
    {"name": "account", "description": "The account itself: the seller printed on the "
     "commercial invoice, its default importer of record and its readiness policies."},
    {"name": "setup", "description": "Warehouses (where parcels ship from) and customs "
     "brokers (who file the entries)."},
    {"name": "importers", "description": "Importers of record: the party liable for the "
     "entries, with its IRS or CBP-assigned importer number and its customs bond; one of "
     "them may be the account's default."},
    {"name": "products", "description": "The product catalogue, upserted by externalId, "
     "each product with its customs readiness."},
    {"name": "orders", "description": "Consumer orders, upserted by externalId."},
    {"name": "exports", "description": "Plan a batch, execute it exactly once, inspect it; "
     "the customs package and its artifacts."},
    {"name": "events", "description": "The account's event feed: everything EntryGo "
     "records, newest first, one documented shape per event type."},
    {"name": "webhooks", "description": "Webhook endpoints that receive the account's events, "
     "signed per Standard Webhooks, with their delivery log and retries."},
    {"name": "tariff", "description": "The Harmonized Tariff Schedule of the United States: "
     "a line by its number, with its rates, units and statistical lines; full-text search "
     "over the descriptions. Reference data, the same for every account."},
]
"""Every tag an operation carries, described (a router's ``tags=``)."""


def operation_id(route: APIRoute) -> str:
    """An operation's id is its route function's name in camelCase (``plan_export`` is
    ``planExport``): the app's ``generate_unique_id_function``."""
    return to_camel(route.name)


def _error_response(status: int, codes: list[str]) -> dict[str, Any]:
    headers: dict[str, dict[str, Any]] = {
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if status in (409, 429, 503):
        headers["Retry-After"] = {"description": "Seconds to wait (IDEMPOTENCY_IN_PROGRESS, "
                                  "RATE_LIMITED, SERVICE_UNAVAILABLE).",
                                  "schema": {"type": "integer"}}
    if status == 429:
        headers["RateLimit"] = {"$ref": "#/components/headers/RateLimit"}
        headers["RateLimit-Policy"] = {"$ref": "#/components/headers/RateLimit-Policy"}
    return {"description": "errorCode: " + ", ".join(codes), "headers": headers,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            ERROR_CODES_EXTENSION: codes}


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title="EntryGo", version=__version__, openapi_version="3.1.0",
                      summary=app.summary, routes=app.routes, tags=TAGS,
                      servers=[{"url": "/", "description": "The server that serves this "
                                "document (every path starts with /api)."}],
                      license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
                      contact={"name": "EntryGo maintainers"},
                      description=(
                          "Export-side protocol for cross-border e-commerce into the United "
                          "States: sync, plan, execute (exactly once), inspect. The guides are "
                          "at /docs. Every error is one `Error` envelope; branch on the HTTP "
                          "status, then `errorCode` (each error response lists the codes it "
                          "can carry, also as `x-error-codes`), then `field`/`details`."))
    routes = [r for r in api_routes(app.routes) if r.include_in_schema]
    bodies = [body for r in routes if (body := _body_of(r)) is not None]
    models: list[type[BaseModel]] = [Error]
    for route in routes:
        models += _response_models(route.response_model)
        body = _body_of(route)
        if body is not None:
            models.append(body.model)
    body_models = {body.model for body in bodies}
    _, defs = models_json_schema(
        [(m, "validation" if m in body_models else "serialization") for m in _unique(models)],
        ref_template=COMPONENT_REF, by_alias=True)
    components = doc.setdefault("components", {})
    components["schemas"] = defs.get("$defs", {})
    components["securitySchemes"] = {"apiKey": {
        "type": "http", "scheme": "bearer",
        "description": "An API key, shpbndl_live_… or shpbndl_test_…"}}
    components["headers"] = {
        "X-Request-Id": {"description": "The request's id: the client's own X-Request-Id when "
                         "it was 1-128 of A-Z a-z 0-9 . _ : -, otherwise a generated req_… id.",
                         "schema": {"type": "string"}},
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
                            "description": "1-255 printable ASCII characters, no leading or "
                            "trailing space. The same key with the same request replays the "
                            "stored response; with another request it is 409 "
                            "IDEMPOTENCY_CONFLICT (/docs/api/contract#4-idempotency).",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                       "pattern": IDEMPOTENCY_KEY_PATTERN.pattern}},
        "X-Request-Id": {"name": "X-Request-Id", "in": "header", "required": False,
                         "description": "Your id for this request, echoed in the response "
                         "and the logs when it is 1-128 of A-Z a-z 0-9 . _ : -; any other "
                         "value is replaced by a generated id, never refused (a tracing "
                         "header must not fail a request).",
                         "schema": {"type": "string"}},
    }
    for route in routes:
        for method in sorted(route.methods or ()):
            method = method.lower()
            doc["paths"][route.path][method] = _operation(route, method,
                                                          doc["paths"][route.path][method])
    return doc


def api_routes(routes: Sequence[BaseRoute]) -> list[APIRoute]:
    """Every API route of the app, through included routers."""
    found: list[APIRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += api_routes(inner.routes)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def _body_of(route: APIRoute) -> JsonBody[Any] | None:
    """The request body a route reads (its ``json_body`` dependency), if any."""
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, JsonBody):
            return dependency.call
    return None


def _authenticated(route: APIRoute) -> bool:
    return authenticated in _calls(route.dependant)


def _calls(dependant: Dependant) -> list[Any]:
    """Every dependency a route resolves, sub-dependencies included (PageParams needs the
    caller too)."""
    found: list[Any] = []
    for dependency in dependant.dependencies:
        found += [dependency.call, *_calls(dependency)]
    return found


def _response_models(model: Any) -> list[type[BaseModel]]:
    """The models a route's response model is made of: itself, or each member of a union
    (plain, or annotated with its discriminator: one event of the feed)."""
    if get_origin(model) is Annotated:
        model = get_args(model)[0]
    if get_origin(model) in (Union, UnionType):
        return [m for m in get_args(model) if isinstance(m, type) and issubclass(m, BaseModel)]
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [model]
    return []


def _response_schema(model: Any) -> dict[str, Any]:
    """A success response's schema: a model's component, or one of several (plan: dry run or
    not), told apart by the union's discriminator when it has one (an event by its type)."""
    discriminator = None
    if get_origin(model) is Annotated:
        model, *extras = get_args(model)
        discriminator = next((extra.discriminator for extra in extras
                              if isinstance(extra, FieldInfo)
                              and isinstance(extra.discriminator, str)), None)
    members = _response_models(model)
    if get_origin(model) not in (Union, UnionType):
        return {"$ref": COMPONENT_REF.format(model=model.__name__)}
    schema: dict[str, Any] = {"oneOf": [{"$ref": COMPONENT_REF.format(model=m.__name__)}
                                        for m in members]}
    if discriminator is not None:
        field = members[0].model_fields[discriminator]
        schema["discriminator"] = {
            "propertyName": field.alias or discriminator,
            "mapping": {value: COMPONENT_REF.format(model=m.__name__) for m in members
                        for value in get_args(m.model_fields[discriminator].annotation)}}
    return schema


def _unique(models: list[type[BaseModel]]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    for m in models:
        if m not in seen:
            seen.append(m)
    return seen


def _operation(route: APIRoute, method: str, generated: dict[str, Any]) -> dict[str, Any]:
    """One operation from what the route declares (``api.declare``) and depends on."""
    write = method in ("post", "patch", "delete")
    auth = _authenticated(route)
    body = _body_of(route)
    params = [p for p in generated.get("parameters", [])
              if p.get("in") in ("path", "query", "header")]
    # path parameters in the order of the path (a dependency may declare one: Owned)
    params.sort(key=lambda p: route.path.find(f"{{{p['name']}}}") if p["in"] == "path"
                else len(route.path))
    params.append({"$ref": "#/components/parameters/X-Request-Id"})
    if write:
        params.append({"$ref": "#/components/parameters/Idempotency-Key"})
    success_headers = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if write:
        success_headers["Idempotent-Replayed"] = {
            "$ref": "#/components/headers/Idempotent-Replayed"}
    summary = route.summary or ""
    responses: dict[str, Any] = {}
    model = route.response_model
    if model is not None:
        responses[str(route.status_code or 200)] = {
            "description": summary, "headers": success_headers,
            "content": {"application/json": {"schema": _response_schema(model)}}}
    declared = {int(status): spec for status, spec in route.responses.items()}
    errors = {status for status, spec in declared.items() if spec.get(ERROR_MARK)}
    responses.update({str(status): spec for status, spec in declared.items()
                      if not spec.get(ERROR_MARK)})
    # 400 anywhere: a URL with a NUL character is refused before routing
    statuses = errors | ({401, 429, 503} if auth else set()) | {400, 500}
    for status in sorted(statuses):
        codes = declared.get(status, {}).get(CODES) or ERROR_CODES[status]
        if status == 409 and write:
            codes = ["IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS",
                     *declared.get(409, {}).get(CONFLICTS, [])]
        responses[str(status)] = _error_response(status, codes)
    out: dict[str, Any] = {
        "operationId": operation_id(route), "summary": summary,
        "tags": generated.get("tags", []), "parameters": params, "responses": responses,
    }
    if route.description:
        out["description"] = route.description
    out["security"] = [{"apiKey": []}] if auth else []
    if body is not None:
        content: dict[str, Any] = {"schema": {
            "$ref": f"#/components/schemas/{body.model.__name__}"}}
        example = (route.openapi_extra or {}).get(REQUEST_EXAMPLE)
        if example is not None:
            content["example"] = example
        out["requestBody"] = {"required": not body.optional,
                              "content": {"application/json": content}}
    return out


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
