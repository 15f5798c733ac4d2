"""Errors are values with a code: one exception type, one envelope (docs/api/contract.md §2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

IssueCode = Literal[
    "required",
    "invalid_type",
    "too_small",
    "too_big",
    "invalid_format",
    "invalid_value",
    "unknown_reference",
    "duplicate",
]


@dataclass(frozen=True)
class Issue:
    """One validation problem: a dotted ``path`` into the body, a message and a contract code."""

    path: str
    message: str
    code: IssueCode

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "code": self.code}


@dataclass
class ApiError(Exception):
    """An error the client can branch on. Rendered as the flat envelope by one handler."""

    status: int
    error_code: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None
    headers: dict[str, str] = dataclass_field(default_factory=dict)

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.status} {self.error_code}: {self.message}"

    def body(self, request_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.details is not None:
            out["details"] = self.details
        out["requestId"] = request_id
        return out


def validation_error(issues: list[Issue], message: str = "Request validation failed.") -> ApiError:
    """400 VALIDATION_ERROR listing every issue; ``field`` names the one field responsible."""
    paths = {i.path.split(".")[0] for i in issues}
    field_name = issues[0].path if len(issues) == 1 else (paths.pop() if len(paths) == 1 else None)
    return ApiError(
        400,
        "VALIDATION_ERROR",
        message,
        field=field_name or None,
        details={"issues": [i.as_dict() for i in issues]},
    )


def duplicate_issues(values: list[str], path: str, what: str) -> list[Issue]:
    """A ``duplicate`` issue for every repeat in ``values`` (``path`` has ``{}`` for the index)."""
    issues: list[Issue] = []
    first: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in first:
            issues.append(Issue(path.format(index), f"Duplicate {what} (also at "
                                f"{path.format(first[value])})", "duplicate"))
        first.setdefault(value, index)
    return issues


def invalid_request(message: str = "Request body must be valid JSON.") -> ApiError:
    return ApiError(400, "INVALID_REQUEST", message)


def account_scope(message: str, field: str | None = None) -> ApiError:
    return ApiError(403, "INVALID_ACCOUNT_SCOPE", message, field=field)


def not_found(what: str = "Resource") -> ApiError:
    return ApiError(404, "NOT_FOUND", f"{what} not found.")


def service_unavailable() -> ApiError:
    return ApiError(503, "SERVICE_UNAVAILABLE", "The database is unreachable. Retry later.",
                    headers={"Retry-After": "5"})
