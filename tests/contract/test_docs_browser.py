"""Every docs page renders in a real headless Chromium, served by a real server process.

Skipped where no Chromium is installed, unless ENTRYGO_TEST_REQUIRE_CHROMIUM=1 (CI installs it
and sets that), which makes a missing browser a failure.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from entrygo.config import Settings
from entrygo.contract.site import PAGES
from tests.support import TEST_SECRET, ServerProcess

DOCS = Path(__file__).resolve().parents[2] / "docs"
REQUIRE = os.environ.get("ENTRYGO_TEST_REQUIRE_CHROMIUM", "") not in ("", "0", "false")


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if REQUIRE:
            pytest.fail("Chromium is required (ENTRYGO_TEST_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("no Chromium installed")
    return found


def browse(chromium: str, url: str, *extra: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        ran = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", *extra, url],
            capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stdout


def test_every_docs_page_renders_in_chromium(chromium, sqlite_url, tmp_path):
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path, secret_key=TEST_SECRET)
    server = ServerProcess(settings, tmp_path / "server.log", {})
    base = server.start()
    try:
        for page in PAGES:
            dom = browse(chromium, f"{base}{page.path}", "--dump-dom")
            assert "<nav" in dom and 'href="/docs/api/openapi"' in dom, page.path
            source = DOCS / page.source if page.source else None
            if source is not None and source.exists():
                heading = next(line[2:].strip() for line in source.read_text().splitlines()
                               if line.startswith("# "))
                assert html.escape(heading, quote=False) in dom, (page.path, heading)
            else:  # the generated readiness page
                assert "METALS_REVIEW_RECOMMENDED" in dom and "blocking" in dom, page.path
        shot = tmp_path / "first-export.png"
        browse(chromium, f"{base}/docs/guides/first-export", f"--screenshot={shot}",
               "--window-size=1280,1600")
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a real, non-blank page
    finally:
        server.stop()
