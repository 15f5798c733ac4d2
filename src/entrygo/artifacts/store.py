"""The artifact store: bytes kept under their sha256, so a write is idempotent and a read can
be checked. Local folder by default; anything with ``put``/``get`` can stand in."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from entrygo.kit.files import private_dir, write_private


class ArtifactStore(Protocol):
    def put(self, content: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...


class LocalStore:
    """``root/ab/cd/<sha256>``; written through a temp file and a rename, never partially,
    readable by the service's user only (``kit.files``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        path = self._path(digest)
        if not path.exists():
            private_dir(path.parent)
            write_private(path, content, durable=True)
        return digest

    def get(self, sha256: str) -> bytes:
        content = self._path(sha256).read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise OSError(f"artifact {sha256} is corrupt in the store")
        return content
