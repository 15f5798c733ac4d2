"""Where the command line finds its server and key: options, then the environment, then the
file ``entrygo login`` writes (``$XDG_CONFIG_HOME/entrygo/config.toml``, else
``~/.config/entrygo/config.toml``).

The file holds a secret, so it is written readable by its owner only (mode 600, in a folder of
mode 700), replaced in one rename so a crash never leaves half a key, and a file that others
can read is reported rather than silently used.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from entrygo.commands.output import Code, Failure

DEFAULT_BASE_URL = "http://localhost:3000"
"""The address ``entrygo serve`` listens on by default (``make run``)."""


def config_path() -> Path:
    """The config file, following the XDG base directory rules (a relative
    ``XDG_CONFIG_HOME`` is ignored, as the specification says)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "entrygo" / "config.toml"


@dataclass(frozen=True)
class Connection:
    """The server and key a command talks to."""

    base_url: str
    api_key: str


def read_config(path: Path) -> dict[str, str]:
    """The saved settings (empty when there is no file). A file others may read is used, but
    said: it holds an API key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise Failure(Code.USAGE, "CONFIG_UNREADABLE", f"cannot read {path}: {exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise Failure(Code.USAGE, "CONFIG_INVALID",
                      f"{path} is not a valid config file ({exc}): run entrygo login again"
                      ) from None
    return {k: v for k, v in data.items() if k in ("base_url", "api_key") and isinstance(v, str)}


def too_open(path: Path) -> bool:
    """Whether users other than the owner may read or write the file."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def write_config(path: Path, base_url: str, api_key: str) -> None:
    """Save the server and key, mode 600, replacing the file in one rename."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # TOML basic strings accept JSON's escapes, so json.dumps quotes any value safely
    text = ("# written by `entrygo login`; holds an API key: keep it private (mode 600)\n"
            f"base_url = {json.dumps(base_url)}\napi_key = {json.dumps(api_key)}\n")
    fd, temp = tempfile.mkstemp(prefix=".config.", suffix=".toml", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


def check_base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise Failure(Code.USAGE, "INVALID_BASE_URL",
                      f"the base URL must start with http:// or https://, not {url!r}")
    return url.rstrip("/")


def resolve(base_url: str | None, api_key: str | None, *, need_key: bool = True
            ) -> Connection:
    """Options first, then ``ENTRYGO_BASE_URL`` / ``ENTRYGO_API_KEY``, then the config file;
    the local default server when nothing names one."""
    path = config_path()
    saved = read_config(path)
    url, _ = _first((base_url, "--base-url"),
                           (os.environ.get("ENTRYGO_BASE_URL"), "ENTRYGO_BASE_URL"),
                           (saved.get("base_url"), str(path)),
                           (DEFAULT_BASE_URL, "the default"))
    key, key_from = _first((api_key, "--api-key"),
                           (os.environ.get("ENTRYGO_API_KEY"), "ENTRYGO_API_KEY"),
                           (saved.get("api_key"), str(path)), ("", ""))
    if need_key and not key:
        raise Failure(Code.USAGE, "NO_API_KEY",
                      "no API key: run `entrygo login`, set ENTRYGO_API_KEY, or pass --api-key")
    if key_from == str(path) and too_open(path):
        sys.stderr.write(f"warning: {path} holds an API key and other users may read it: "
                         f"chmod 600 {path}\n")
    return Connection(check_base_url(url), key)


def _first(*candidates: tuple[str | None, str]) -> tuple[str, str]:
    for value, origin in candidates:
        if value:
            return value, origin
    return "", ""
