"""What third-party tools make of the published OpenAPI document, run as their users run them.

- Redocly CLI (``recommended``) and Spectral (``spectral:oas``) lint it with no error and no
  warning.
- openapi-python-client generates a client from a live server's document with one error model
  and a module per operation named after its operationId; that client and
  ``examples/generated-client/first_export.py`` pass ``mypy --strict``; the script then runs
  the first export through it against the server, down to every artifact's sha256.

The tools are pinned in ``tools/contract/`` and installed by ``make test``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import TEST_SECRET, ServerProcess

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "contract"
NODE_BIN = TOOLS / "node_modules" / ".bin"
GENERATOR = Path(sys.prefix) / "contract-tools" / "bin" / "openapi-python-client"
EXAMPLE = REPO / "examples" / "generated-client"


def tool(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path} is missing: `make test` installs the contract tools "
                    "(tools/contract/README.md)")
    return str(path)


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> Path:
    from entrygo.app import create_app

    path = tmp_path_factory.mktemp("contract") / "openapi.json"
    path.write_text(json.dumps(create_app().openapi()))
    return path


def test_redocly_recommended_finds_nothing(document, tmp_path):
    ran = subprocess.run([tool(NODE_BIN / "redocly"), "lint", str(document), "--config",
                          str(TOOLS / "redocly.yaml"), "--format", "json"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    report = json.loads(ran.stdout)
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"]
    assert ran.returncode == 0, ran.stderr


def test_spectral_oas_finds_nothing(document, tmp_path):
    ran = subprocess.run([tool(NODE_BIN / "spectral"), "lint", str(document), "--ruleset",
                          str(TOOLS / ".spectral.yaml"), "--format", "json", "--output",
                          "report.json", "--fail-severity", "hint"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert json.loads((tmp_path / "report.json").read_text()) == [], ran.stdout
    assert ran.returncode == 0, ran.stderr


def test_generated_client_runs_the_first_export(settings, db, tmp_path):
    server = ServerProcess(settings, tmp_path / "server.log", {})
    base = server.start()
    try:
        generated = subprocess.run(
            [tool(GENERATOR), "generate", "--url", f"{base}/docs/api/openapi", "--meta", "none",
             "--output-path", "entrygo_client", "--config",
             str(EXAMPLE / "openapi-python-client.yaml")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert generated.returncode == 0, generated.stdout + generated.stderr
        assert "Warning" not in generated.stdout, generated.stdout
        operation_ids = [op["operationId"] for ops in httpx.get(
            f"{base}/docs/api/openapi").json()["paths"].values() for op in ops.values()]

        # one error model; one module per operation, named after its operationId
        package = tmp_path / "entrygo_client"
        models = {p.stem for p in (package / "models").glob("*.py")}
        assert "error" in models
        assert not [m for m in models if re.search(r"response_\d{3}|_error$", m)], models
        modules = {p.stem for p in (package / "api").glob("*/*.py") if p.stem != "__init__"}
        assert modules == {re.sub(r"(?<!^)(?=[A-Z])", "_", i).lower() for i in operation_ids}

        shutil.copy(EXAMPLE / "first_export.py", tmp_path)
        typed = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                                "first_export.py", "entrygo_client"],
                               capture_output=True, text=True, timeout=600, cwd=tmp_path)
        assert typed.returncode == 0, typed.stdout + typed.stderr

        env = {key: value for key, value in os.environ.items()
               if not key.startswith("ENTRYGO_")}
        env.update({"ENTRYGO_DATABASE_URL": settings.resolved_database_url,
                    "ENTRYGO_DATA_DIR": str(settings.data_dir),
                    "ENTRYGO_SECRET_KEY": TEST_SECRET, "PYTHONPATH": str(tmp_path)})
        ran = subprocess.run(
            ["bash", "-c", f'eval "$("{sys.executable}" -m entrygo demo)" && '
                           f'exec "{sys.executable}" first_export.py'],
            capture_output=True, text=True, timeout=180, cwd=tmp_path, env=env)
    finally:
        server.stop()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "dry run: REVIEW_REQUIRED, nothing stored" in ran.stdout
    assert "warning METALS_REVIEW_RECOMMENDED" in ran.stdout
    assert re.search(r"executed: COMPLETED, package cp_\w+, broker submission sent", ran.stdout)
    downloads = re.findall(r"downloaded (\S+): sha256 matches", ran.stdout)
    assert {"manifest.json", "commercial_invoice.pdf", "entry_lines.csv"} <= set(downloads)
