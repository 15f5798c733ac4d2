"""Checking a response against the published contract, and running the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

TEST_SECRET = "test-secret-key-not-for-production"


def check(spec, method, path, status, body):
    """Validate a response body against the schema the document gives for it."""
    registry = Registry().with_resource("urn:entrygo:openapi", Resource(
        contents=spec, specification=DRAFT202012))
    pointer = "/".join(["", "paths", path.replace("~", "~0").replace("/", "~1"), method,
                        "responses", str(status), "content", "application~1json", "schema"])
    validator = jsonschema.Draft202012Validator({"$ref": f"urn:entrygo:openapi#{pointer}"},
                                                registry=registry)
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def entrygo(database_url: str, data_dir: Path, *args: str,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ENTRYGO_DATABASE_URL": database_url,
            "ENTRYGO_DATA_DIR": str(data_dir), "ENTRYGO_SECRET_KEY": TEST_SECRET, **(env or {})}
    return subprocess.run([sys.executable, "-m", "entrygo", *args], env=full, text=True,
                          capture_output=True, timeout=60)
