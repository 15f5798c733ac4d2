"""HTTP plumbing shared by every route: request ids, the JSON body reader, the error handlers."""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrygo.api.validation import issue_of, parse_json, validate_as
from entrygo.kit.errors import ApiError, service_unavailable, validation_error
from entrygo.kit.ids import new_id
from entrygo.kit.logs import log_access

log = logging.getLogger("entrygo")
M = TypeVar("M", bound=BaseModel)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id_of(scope_or_request: Scope | Request) -> str:
    scope = scope_or_request.scope if isinstance(scope_or_request, Request) else scope_or_request
    state = scope.setdefault("state", {})
    if "request_id" not in state:  # only reached if the middleware did not run
        state["request_id"] = new_id("req")
    return state["request_id"]


CLIENT_CLOSED_REQUEST = 499
"""Status the access log records for a client that went away before its response (no response
is sent; the number is the common convention of proxies)."""

_SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff")]


def drain_limit(max_body_bytes: int) -> int:
    """How much of an over-limit body is read and thrown away so that the client, still
    sending, is able to read the 413 (a client that writes its whole body before it reads
    gets a connection reset otherwise). Past it the connection is closed mid-body."""
    return max(4 * max_body_bytes, 64 * 1024 * 1024)


async def discard_body(receive: Receive, budget: int) -> None:
    """Read the rest of a request body and drop it, at most ``budget`` bytes."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class RequestContextMiddleware:
    """The edge every request passes: a request id (echoing a safe client-sent
    ``X-Request-Id``) on every response, the security headers, ``Cache-Control: no-store`` on
    API answers that set no caching of their own, the access log line, and the 413 for a body
    whose declared length is over the limit (after reading the body away, so that the client
    sees the answer)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        sent = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = sent if _SAFE_REQUEST_ID.match(sent) else new_id("req")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        raw_id = request_id.encode()
        is_api = scope.get("path", "").startswith("/api/")
        status = [500]  # until a response starts: an error escaping the app becomes a 500

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                extra = [(b"x-request-id", raw_id), *_SECURITY_HEADERS]
                extra += [(k.lower().encode(), v.encode())
                          for k, v in state.get("rate_limit_headers", {}).items()]
                names = {k for k, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in names]
                if is_api and not any(k.lower() == b"cache-control" for k, _ in kept):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = kept + extra
            await send(message)

        try:
            await self._dispatch(scope, receive, send_with_id, headers, request_id)
        finally:
            route = scope.get("route")
            caller = state.get("caller")
            log_access({
                "requestId": request_id, "method": scope["method"],
                "route": getattr(route, "path", None), "status": status[0],
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
                "keyId": getattr(caller, "key_id", None),
                "accountId": getattr(caller, "public_account_id", None),
                "livemode": getattr(caller, "livemode", None),
            })

    async def _dispatch(self, scope: Scope, receive: Receive, send_with_id: Any,
                        headers: dict[bytes, bytes], request_id: str) -> None:
        url = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in url or b"\x00" in url or "\x00" in scope.get("path", ""):
            # no database stores NUL in text; refuse it here rather than deep in a query
            response = error_response(ApiError(400, "INVALID_REQUEST", "The URL must not "
                                               "contain NUL characters."), request_id)
            await response(scope, receive, send_with_id)
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            if headers.get(b"expect", b"").lower() != b"100-continue":
                # a client that asked first (curl does, for large bodies) has sent nothing
                # yet and waits for the answer: only the others need their body read away
                await discard_body(receive, min(int(declared), drain_limit(self.max_body_bytes)))
            response = error_response(payload_too_large(self.max_body_bytes), request_id)
            await response(scope, receive, send_with_id)
            return
        await self.app(scope, receive, send_with_id)


def payload_too_large(limit: int) -> ApiError:
    # the connection is closed after the answer: what is left of the body is never read
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Request body exceeds the limit of {limit} bytes.",
                    headers={"Connection": "close"})


def error_response(error: ApiError, request_id: str) -> Response:
    headers = dict(error.headers)
    headers["X-Request-Id"] = request_id
    return JSONResponse(error.body(request_id), status_code=error.status, headers=headers)


def _is_json(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (media.startswith("application/") and
                                              media.endswith("+json")):
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
                "utf-8", "utf8"):
            return False
    return True


async def read_json(request: Request) -> Any:
    """The request's JSON body: 415 unless declared JSON, 413 over the limit, 400 if not JSON."""
    if not _is_json(request.headers.get("content-type", "")):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE",
                       "Send the request body as JSON with 'Content-Type: application/json'.")
    limit: int = request.app.state.settings.max_body_bytes
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    async for chunk in stream:
        size += len(chunk)
        if size > limit:  # a body sent without Content-Length (chunked): read it away first
            budget = drain_limit(limit) - size
            async for rest in stream:
                budget -= len(rest)
                if budget <= 0:
                    break
            raise payload_too_large(limit)
        chunks.append(chunk)
    data = parse_json(b"".join(chunks))
    request.state.json_body = data
    return data


class JsonBody(Generic[M]):
    """A FastAPI dependency yielding the validated body (declared after auth, so 401 wins).
    ``optional``: a write whose body may be left out entirely (treated as ``{}``). The model
    and the flag are read again by ``contract.openapi`` for the request body's schema."""

    def __init__(self, model: type[M], *, optional: bool = False) -> None:
        self.model = model
        self.optional = optional

    async def __call__(self, request: Request) -> M:
        if self.optional and not request.headers.get("content-type") and request.headers.get(
                "content-length", "0") == "0" and "transfer-encoding" not in request.headers:
            request.state.json_body = {}
            return validate_as(self.model, {})
        return validate_as(self.model, await read_json(request))


def json_body(model: type[M]) -> JsonBody[M]:
    return JsonBody(model)


def optional_json_body(model: type[M]) -> JsonBody[M]:
    return JsonBody(model, optional=True)


# --- exception handlers ------------------------------------------------------------------------

async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc, request_id_of(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        err = ApiError(404, "NOT_FOUND", "No such route.")
    elif exc.status_code == 405:
        err = ApiError(405, "METHOD_NOT_ALLOWED", f"Method {request.method} is not allowed here.",
                       headers=dict(exc.headers or {}))
    else:
        err = ApiError(exc.status_code, "INVALID_REQUEST", str(exc.detail))
    return error_response(err, request_id_of(request))


async def _query_validation_error(request: Request, exc: Exception) -> Response:
    """Query and path parameters (bodies are validated by ``json_body``)."""
    assert isinstance(exc, RequestValidationError)
    issues = [issue_of(err, skip=("query", "path", "header", "body")) for err in exc.errors()]
    return error_response(validation_error(issues), request_id_of(request))


async def _client_disconnect(request: Request, exc: Exception) -> Response:
    """The client went away while sending its body: a client event, not a server error. The
    response below is never delivered; the access line records 499."""
    log.info("client disconnected before sending the whole body (request %s)",
             request_id_of(request))
    return Response(status_code=CLIENT_CLOSED_REQUEST)


async def _database_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and
                                              exc.connection_invalidated):
        log.warning("database unavailable: %s", type(exc.orig).__name__ if isinstance(
            exc, DBAPIError) else exc)
        return error_response(service_unavailable(), request_id_of(request))
    return await _internal_error(request, exc)


async def _internal_error(request: Request, exc: Exception) -> Response:
    request_id = request_id_of(request)
    log.error("unhandled error in request %s", request_id, exc_info=exc)
    return error_response(
        ApiError(500, "INTERNAL_ERROR", "An internal error occurred. Quote the requestId to "
                 "support."), request_id)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _query_validation_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(Exception, _internal_error)
