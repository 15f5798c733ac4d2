"""Every docs page renders in a real headless Chromium, served by a real server process.

Skipped where no Chromium is installed, unless ENTRYGO_TEST_REQUIRE_CHROMIUM=1 (CI installs it
and sets that), which makes a missing browser a failure.
"""

from __future__ import annotations

import html
import os
import re
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


def search_results(chromium: str, url: str) -> tuple[str, list[str]]:
    """The search status and result links of ``url`` once its script has run (the index is
    fetched: give it virtual time)."""
    dom = browse(chromium, url, "--dump-dom", "--virtual-time-budget=10000")
    form = dom.split('<form class="search"', 1)[1].split("</form>", 1)[0]
    assert "hidden" not in form.split(">", 1)[0]  # the script showed the search box
    status = re.search(r'<p class="search-status"[^>]*>(.*?)</p>', form, re.S)
    return (status.group(1) if status else ""), re.findall(r'<li><a href="([^"]+)"', form)


def test_the_search_box_finds_pages_and_sections_in_chromium(chromium, sqlite_url, tmp_path):
    settings = Settings(database_url=sqlite_url, data_dir=tmp_path, secret_key=TEST_SECRET)
    server = ServerProcess(settings, tmp_path / "server.log", {})
    base = server.start()
    try:
        # ?q= fills the box and searches, as typing does: a word of one guide leads there.
        status, links = search_results(chromium, f"{base}/docs/guides/first-export?q=steelworks")
        assert links and status.endswith("results:" if len(links) > 1 else "result:")
        assert all(link.startswith("/docs/guides/warehouse-integration#") for link in links)
        # A rule code leads to its row of the generated page.
        _, links = search_results(chromium, f"{base}/docs?q=METALS_REVIEW_RECOMMENDED")
        assert links[0] == "/docs/concepts/readiness#METALS_REVIEW_RECOMMENDED", links
        # Words of a page's title and of one of its headings find that page and that section.
        _, links = search_results(chromium, f"{base}/docs?q=first%20export%20execute")
        # (the page first; its section among the first three: the SDK and CLI pages each
        # have a "first export" section of their own that outranks a bare "execute" heading)
        assert links[0] == "/docs/guides/first-export", links
        assert "/docs/guides/first-export#6-execute-the-export" in links[:3], links
        status, links = search_results(chromium, f"{base}/docs?q=zzqxnothing")
        assert status == "No results." and links == []
    finally:
        server.stop()
