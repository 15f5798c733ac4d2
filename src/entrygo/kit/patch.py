"""JSON merge patch (RFC 7396), the one way every PATCH of the API changes a stored document."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def merge_patch(document: dict[str, Any], changes: dict[str, Any], groups: Collection[str],
                at: str = "") -> dict[str, Any]:
    """``changes`` merged into ``document``: a field sent replaces the stored one, ``null``
    removes it (back to its default); the nested objects whose dotted paths are in ``groups``
    (``"address"``, ``"defaultShipment.carrier"``) merge key by key the same way, any other
    value (a list, an object not in ``groups``) is replaced whole."""
    merged = dict(document)
    for name, value in changes.items():
        path = f"{at}{name}"
        if value is None:
            merged.pop(name, None)
        elif path in groups and isinstance(value, dict):
            merged[name] = merge_patch(merged.get(name) or {}, value, groups, f"{path}.")
        else:
            merged[name] = value
    return merged
