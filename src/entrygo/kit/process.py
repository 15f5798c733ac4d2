"""Who holds a lease: an identity for this process that another process can check for life.

A delivery lease records its holder. When the holder has died (a crash, ``kill -9``) a forced
retry or a start-up sweep need not wait for the lease to run out: on the same machine, a
process can tell for sure that another one is gone -- the machine has rebooted since, the
process id no longer exists, or it now belongs to a process started at another time. A holder
on another machine cannot be checked from here, so its lease is honoured until it expires.
"""

from __future__ import annotations

import functools
import math
import os
import socket
from datetime import datetime
from pathlib import Path

import psutil


def _namespace() -> str:
    """This process's PID namespace (containers on one host reuse pids), where it is known."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


@functools.cache
def _machine() -> tuple[str, str, str]:
    boot = Path("/proc/sys/kernel/random/boot_id")
    boot_id = boot.read_text().strip() if boot.exists() else str(int(psutil.boot_time()))
    return socket.gethostname(), boot_id, _namespace()


def holder_id() -> str:
    """``host|boot|pid-namespace|pid|process start time`` of the calling process."""
    return _holder(os.getpid())  # by pid: a forked worker is another holder


@functools.cache
def _holder(pid: int) -> str:
    started = psutil.Process(pid).create_time()
    return "|".join((*_machine(), str(pid), f"{started:.2f}"))


def holder_is_gone(holder: str | None) -> bool:
    """True only when the holder is certainly not running (see the module docstring)."""
    if not holder:
        return False
    parts = holder.split("|")
    if len(parts) != 5:
        return False
    host, boot_id, namespace, pid, started = parts
    here_host, here_boot, here_namespace = _machine()
    if host != here_host or namespace != here_namespace:
        return False  # another machine or container: not ours to judge
    if boot_id != here_boot:
        return True  # the machine has restarted since the lease was taken
    try:
        process = psutil.Process(int(pid))
        if process.status() == psutil.STATUS_ZOMBIE:
            return True  # dead, not yet reaped by its parent
        return f"{process.create_time():.2f}" != started  # the pid was reused
    except psutil.NoSuchProcess:
        return True
    except (psutil.Error, ValueError):
        return False


def lease_standing(lease_until: datetime | None, holder: str | None,
                   now: datetime) -> tuple[str | None, int | None]:
    """Whether a forced retry may take a leased outbox row now: ``(None, None)`` when no
    lease holds it, ``(holder, None)`` when its holder is gone (the retry takes it over), and
    ``(None, seconds)`` while a live attempt holds it (the ``Retry-After`` to answer)."""
    if lease_until is None or lease_until < now:
        return None, None
    if holder_is_gone(holder):
        return holder, None
    return None, max(1, math.ceil((lease_until - now).total_seconds()))
