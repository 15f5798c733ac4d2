"""One "owned object or 404" dependency for every get-by-id route."""

from __future__ import annotations

import inspect
from typing import Generic, TypeVar

from fastapi import Depends, Request

from entrygo.auth.context import Caller, authenticated
from entrygo.db.repository import Repository
from entrygo.kit.errors import not_found

T = TypeVar("T")


class Owned(Generic[T]):
    """A dependency giving the row whose id is the path parameter ``param``, as the caller's
    repository sees it, or 404 ``NOT_FOUND`` (another account's id looks like a missing one).

        def get_order(order: Order = Depends(Owned(OrderRepository, "order_id"))): ...
    """

    def __init__(self, repository: type[Repository[T]], param: str) -> None:
        self.repository = repository
        self.param = param
        # FastAPI reads the parameters from the signature: the request, the caller, the id
        self.__signature__ = inspect.Signature([
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              annotation=Request),
            inspect.Parameter("caller", inspect.Parameter.KEYWORD_ONLY, annotation=Caller,
                              default=Depends(authenticated)),
            inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=str),
        ])

    def __call__(self, request: Request, caller: Caller, **path: str) -> T:
        with request.app.state.db.read() as session:
            row = self.repository(session, caller).get(path[self.param])
        if row is None:
            raise not_found(self.repository.what)
        return row
