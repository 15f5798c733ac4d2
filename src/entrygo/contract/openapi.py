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
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, JsonValue
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from entrygo import __version__
from entrygo.api.declare import CONFLICTS, ERROR_MARK, REQUEST_EXAMPLE
from entrygo.api.http import JsonBody
from entrygo.api.wire import WireModel
from entrygo.auth.context import authenticated

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
    """The flat error envelope of every error (docs/api/contract.md §2.1)."""

    error_code: str = Field(json_schema_extra={"enum": list[JsonValue](ALL_CODES)})
    message: str = Field(description="For people; branch on errorCode, never on message.")
    field: str | None = Field(None, description="The field mainly responsible, if one is.")
    details: dict[str, Any] | None = Field(None, description="Structured context: issues "
                                           "(VALIDATION_ERROR), currentState, storedPlanHash, "
                                           "currentPlanHash, blockingCodes, orderIds, "
                                           "externalIds …")
    request_id: str


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
    routes = [r for r in api_routes(app.routes) if r.include_in_schema]
    bodies = [body for r in routes if (body := _body_of(r)) is not None]
    models: list[type[BaseModel]] = [Error, IssueOut]
    for route in routes:
        if isinstance(route.response_model, type) and issubclass(route.response_model,
                                                                 BaseModel):
            models.append(route.response_model)
        body = _body_of(route)
        if body is not None:
            models.append(body.model)
    body_models = {body.model for body in bodies}
    _, defs = models_json_schema(
        [(m, "validation" if m in body_models else "serialization") for m in _unique(models)],
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
                            "same request: the stored response is replayed "
                            "(/docs/api/contract#4-idempotency).",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
        "X-Request-Id": {"name": "X-Request-Id", "in": "header", "required": False,
                         "schema": {"type": "string", "maxLength": 128}},
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


def _unique(models: list[type[BaseModel]]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    for m in models:
        if m not in seen:
            seen.append(m)
    return seen


def _operation(route: APIRoute, method: str, generated: dict[str, Any]) -> dict[str, Any]:
    """One operation from what the route declares (``api.declare``) and depends on."""
    write = method == "post"
    auth = _authenticated(route)
    body = _body_of(route)
    params = [p for p in generated.get("parameters", []) if p.get("in") in ("path", "query")]
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
    if isinstance(model, type) and issubclass(model, BaseModel):
        responses[str(route.status_code or 200)] = {
            "description": summary, "headers": success_headers,
            "content": {"application/json": {"schema": {
                "$ref": f"#/components/schemas/{model.__name__}"}}}}
    declared = {int(status): spec for status, spec in route.responses.items()}
    errors = {status for status, spec in declared.items() if spec.get(ERROR_MARK)}
    responses.update({str(status): spec for status, spec in declared.items()
                      if not spec.get(ERROR_MARK)})
    # 400 anywhere: a URL with a NUL character is refused before routing
    statuses = errors | ({401, 429, 503} if auth else set()) | {400, 500}
    for status in sorted(statuses):
        codes = ERROR_CODES[status]
        if status == 409 and write:
            codes = ["IDEMPOTENCY_CONFLICT", "IDEMPOTENCY_IN_PROGRESS",
                     *declared.get(409, {}).get(CONFLICTS, [])]
        responses[str(status)] = _error_response(status, codes)
    out: dict[str, Any] = {
        "operationId": generated.get("operationId"), "summary": summary,
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
