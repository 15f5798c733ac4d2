"""Local files EntryGo writes (the SQLite database, the server secret, stored artifacts, the
mail outbox) hold customer data and secrets: they are readable by the service's own user only.

Folders are created ``0700`` and files ``0600`` whatever the process umask, and writes go
through a private temp file and a rename, so no reader ever sees a partial file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and any missing parents) as ``0700`` folders; an existing ``path`` is
    made ``0700`` too (its existing parents are left as they are)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)  # exist_ok: a concurrent process made it
    os.chmod(path, DIR_MODE)
    return path


def write_private(path: Path, content: bytes, *, durable: bool = False) -> None:
    """Write ``content`` to ``path`` as a ``0600`` file, atomically (temp file, then rename).
    ``durable`` also syncs it to disk before the rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def private_sqlite_file(database: Path) -> None:
    """Make a SQLite database file ``0600`` before SQLite opens it (SQLite gives its ``-wal``
    and ``-shm`` files the database file's mode), and tighten the ones an older version left."""
    if not database.parent.exists():
        private_dir(database.parent)
    # create it only (O_EXCL): closing a descriptor of a database this process has open
    # would drop the process's POSIX locks on it, and with them SQLite's locking
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = database.with_name(database.name + suffix)
        if candidate.exists():
            os.chmod(candidate, FILE_MODE)
