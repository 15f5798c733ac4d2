"""The docs site (docs/api/contract.md §5.9): every page renders from docs/, safely and fast."""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from entrygo import __version__
from entrygo.contract import site
from entrygo.readiness.catalogue import CATALOGUE, FLAGS, RULES_VERSION
from entrygo.readiness.reference import load

DOCS = Path(__file__).resolve().parents[2] / "docs"

MARKDOWN_PAGES = {
    "/docs": "index.md",
    "/docs/guides/first-export": "guides/first-export.md",
    "/docs/guides/warehouse-integration": "guides/warehouse-integration.md",
    "/docs/guides/automation-agents": "guides/automation-agents.md",
    "/docs/api/contract": "api/contract.md",
    "/docs/api/exports": "api/exports.md",
    "/docs/api/orders": "api/orders.md",
    "/docs/api/errors": "api/errors.md",
    "/docs/products-import": "products-import.md",
    "/docs/artifacts": "artifacts.md",
    "/docs/deployment": "deployment.md",
    "/docs/readiness": "readiness.md",
}
ALL_PAGES = [*MARKDOWN_PAGES, "/docs/concepts/readiness"]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)")


@pytest.fixture(scope="module")
def client() -> TestClient:
    # FastAPI() serves Swagger UI at /docs by default; the service turns it off, and so do we.
    app = FastAPI(docs_url=None, redoc_url=None)
    app.include_router(site.router)
    return TestClient(app)


def heading(source: str) -> str:
    text = (DOCS / source).read_text(encoding="utf-8")
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def readiness_row(page: str, code: str) -> str:
    match = re.search(rf'<tr id="{code}">(.*?)</tr>', page, re.S)
    assert match, f"no table row for {code}"
    return match.group(1)


def test_the_docs_folder_is_the_repository_one() -> None:
    assert site.docs_dir() == DOCS
    assert {page.source for page in site.PAGES if page.source} == set(MARKDOWN_PAGES.values())


@pytest.mark.parametrize("path", list(MARKDOWN_PAGES))
def test_markdown_page_renders_with_its_heading(client: TestClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["cache-control"] == "no-cache"
    title = html.escape(heading(MARKDOWN_PAGES[path]), quote=False)
    assert f"<h1>{title}</h1>" in resp.text
    assert f"<title>{title} · EntryGo documentation</title>" in resp.text
    # The Markdown was rendered, not dumped: no heading markers left at the start of a line
    # (outside code blocks, where a shell comment may well start with "# ").
    prose = re.sub(r"<pre>.*?</pre>", "", resp.text, flags=re.S)
    assert not re.search(r"^#{1,6} ", prose, re.M)


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_has_the_navigation_and_the_footer(client: TestClient, path: str) -> None:
    text = client.get(path).text
    nav = text.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    for target in [*ALL_PAGES, "/docs/api/openapi"]:
        assert f'href="{target}"' in nav
    assert f'<a href="{path}" aria-current="page">' in nav
    assert nav.count('aria-current="page"') == 1
    assert f"EntryGo {__version__}" in text.split('<footer class="site-footer">', 1)[1]
    assert "border-collapse" in text  # the stylesheet is inlined


def test_readiness_page_is_generated_from_the_catalogue(client: TestClient) -> None:
    resp = client.get("/docs/concepts/readiness")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    text = resp.text
    assert "<h1>Readiness rules</h1>" in text
    assert RULES_VERSION in text
    assert load().version in text
    assert text.count('<tr id="') == len(CATALOGUE)
    for code, rule in CATALOGUE.items():
        row = readiness_row(text, code)
        assert f"<code>{code}</code>" in row
        assert f'<span class="sev sev-{rule.severity}">{rule.severity}</span>' in row
        assert html.escape(rule.reference) in row
        assert html.escape(rule.fires_when) in row
        assert f"<td>{'product' if rule.product_level else 'plan'}</td>" in row
        if rule.field:
            assert f"<code>{html.escape(rule.field)}</code>" in row


def test_readiness_page_explains_severities_flags_and_reference_data(client: TestClient) -> None:
    text = client.get("/docs/concepts/readiness").text
    severities = text.split('id="severities"', 1)[1].split("</table>", 1)[0]
    for severity, effect in (("blocking", "BLOCKED"), ("warning", "REVIEW_REQUIRED"),
                             ("info", "Changes nothing")):
        row = re.search(rf"sev-{severity}.*?</tr>", severities, re.S)
        assert row and effect in row.group(0)
        count = sum(rule.severity == severity for rule in CATALOGUE.values())
        assert f"<td>{count}</td></tr>" in row.group(0)
    flags = text.split('id="treatment-flags"', 1)[1]
    for flag in FLAGS:
        assert f"<code>{flag}</code>" in flags
    # Each flag's finding links to a rule row that exists on the page.
    for code in re.findall(r'<a href="#([A-Z0-9_]+)">', flags.split("</table>", 1)[0]):
        assert code in CATALOGUE
    ref = load()
    assert f"{ref.informal_entry_max_usd:,.0f}" in text
    assert f"{ref.metals_threshold_pct} %" in text
    for origin in ref.embargoed_origins:
        assert f"<code>{origin}</code>" in text


def test_contract_citations_name_sections_that_exist(client: TestClient) -> None:
    """Code, tests and docs cite ``docs/api/contract.md §N``: every N cited must be a section."""
    text = (DOCS / "api" / "contract.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, re.M))
    assert {"1", "2", "2.1", "3", "4", "5.1", "5.5", "5.9", "6", "7", "8"} <= sections
    root = DOCS.parent
    cited: set[tuple[str, str]] = set()
    for path in [*root.glob("src/**/*.py"), *root.glob("tests/**/*.py"), *DOCS.glob("**/*.md")]:
        source = path.read_text(encoding="utf-8")
        for refs in re.findall(r"contract(?:\.md)?\]? ((?:§[\d.]+(?:-[\d.]+)?(?:, )?)+)",
                               source):
            cited.update((str(path.relative_to(root)), n.rstrip("."))
                         for n in re.findall(r"\d+(?:\.\d+)?", refs))
    assert len(cited) > 20
    assert {(where, n) for where, n in cited if n not in sections} == set()
    page = client.get("/docs/api/contract").text
    for source in MARKDOWN_PAGES.values():
        for anchor in re.findall(r"\(\S*contract\.md#([^)\s]+)\)",
                                 (DOCS / source).read_text(encoding="utf-8")):
            assert f'id="{anchor}"' in page, (source, anchor)


def test_customs_background_and_catalogue_link_each_other(client: TestClient) -> None:
    generated = client.get("/docs/concepts/readiness").text
    assert '<a href="/docs/readiness">' in generated.split('<main id="content"', 1)[1]
    background = (DOCS / "readiness.md").read_text(encoding="utf-8")
    codes = set(re.findall(r"/docs/concepts/readiness#([A-Z0-9_]+)", background))
    assert len(codes) > 30
    assert codes <= set(CATALOGUE)
    for code in codes:
        assert f'<tr id="{code}">' in generated


def test_markdown_links_are_rewritten_to_served_paths(client: TestClient) -> None:
    found = []
    for source in MARKDOWN_PAGES.values():
        for href in LINK.findall((DOCS / source).read_text(encoding="utf-8")):
            if href.split("#")[0].endswith(".md") and "://" not in href:
                found.append((source, href))
    for source, href in found:  # whatever relative links the docs hold today
        served = site.rewrite_link(href, source)
        assert served.startswith("/docs") and ".md" not in served
        page = next(p for p, s in MARKDOWN_PAGES.items() if s == source)
        assert f'href="{html.escape(served)}"' in client.get(page).text
    # And the mapping itself, from a guide (one folder down) and from the top.
    assert site.rewrite_link("../api/errors.md", "guides/first-export.md") == "/docs/api/errors"
    assert site.rewrite_link("first-export.md#plan", "guides/x.md") == (
        "/docs/guides/first-export#plan")
    assert site.rewrite_link("products-import.md", "index.md") == "/docs/products-import"
    assert site.rewrite_link("../index.md", "api/orders.md") == "/docs"
    assert site.rewrite_link("../images/a.png", "guides/x.md") == "/docs/images/a.png"
    for kept in ("/docs/api/exports", "https://example.com/a.md", "#errors", "mailto:a@b.c",
                 "../../outside.md"):
        assert site.rewrite_link(kept, "guides/x.md") == kept
    _, rendered = site.render_markdown("See [errors](../api/errors.md#codes).", "guides/x.md")
    assert '<a href="/docs/api/errors#codes">errors</a>' in rendered


def test_images_in_the_docs_point_at_the_image_route(client: TestClient) -> None:
    text = client.get("/docs/artifacts").text
    srcs = re.findall(r'<img src="([^"]+)"', text)
    assert "/docs/images/commercial_invoice_preview.png" in srcs
    for src in srcs:
        assert client.get(src).status_code == 200


def test_code_spans_naming_a_page_become_links(client: TestClient) -> None:
    text = client.get("/docs").text
    content = text.split('<main id="content"', 1)[1]
    for target in [*ALL_PAGES[1:], "/docs/api/openapi"]:
        if f"<code>{target}</code>" in content:
            assert f'<a href="{target}"><code>{target}</code></a>' in content
    assert '<a href="/docs/concepts/readiness"><code>' in content
    _, rendered = site.render_markdown("`/docs/nowhere` and [`/docs/api/errors`](/docs/api/errors)")
    assert "<p><code>/docs/nowhere</code>" in rendered  # not a page: no link
    assert rendered.count("<a ") == 1  # never a link inside a link


def test_raw_html_in_markdown_is_escaped() -> None:
    title, rendered = site.render_markdown(
        "# Hi <b>there</b>\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1))\n")
    assert "<script>" not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert 'href="javascript' not in rendered
    assert title == "Hi <b>there</b>"
    page = site.wrap("/docs", title, rendered)
    assert "<title>Hi &lt;b&gt;there&lt;/b&gt; · EntryGo documentation</title>" in page


def test_tables_and_code_blocks_render() -> None:
    _, rendered = site.render_markdown(
        '| a | b |\n|---|---|\n| 1 | 2 |\n\n```json\n{"x": 1}\n```\n')
    assert "<table>" in rendered and "<td>1</td>" in rendered
    assert '<pre><code class="language-json">{&quot;x&quot;: 1}' in rendered


def test_png_images_are_served(client: TestClient) -> None:
    pngs = sorted((DOCS / "images").glob("*.png"))
    assert pngs
    for png in pngs:
        resp = client.get(f"/docs/images/{png.name}")
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "image/png"
        assert resp.content == png.read_bytes()


@pytest.mark.parametrize("path", [
    "/docs/images/no-such-image.png",
    "/docs/images/..%2Findex.md",
    "/docs/images/..%2F..%2Fpyproject.toml",
    "/docs/images/%2E%2E",
    "/docs/images/..%5Cindex.md",
    "/docs/images/.hidden.png",
    "/docs/images/commercial_invoice_preview.PNG.md",
    "/docs/nowhere",
    "/docs/guides/nowhere",
])
def test_unknown_or_unsafe_paths_are_404(client: TestClient, path: str) -> None:
    assert client.get(path, follow_redirects=False).status_code == 404


def test_image_names_are_checked_before_touching_the_disk() -> None:
    assert site.image_path("commercial_invoice_preview.png") == (
        DOCS / "images" / "commercial_invoice_preview.png")
    for name in ("../index.md", "..", "a/b.png", "..png", "x.png/..", "a\\b.png", "index.md",
                 "../images/commercial_invoice_preview.png", "", "missing.png"):
        assert site.image_path(name) is None, name


def test_pages_are_cached_and_refreshed_when_the_file_changes(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "guides").mkdir()
    source = tmp_path / "guides" / "first-export.md"
    source.write_text("# Version one\n", encoding="utf-8")
    monkeypatch.setattr(site, "docs_dir", lambda: tmp_path)
    monkeypatch.setattr(site, "_cache", {})
    first = client.get("/docs/guides/first-export")
    assert "<h1>Version one</h1>" in first.text
    assert client.get("/docs/guides/first-export").content == first.content
    assert client.get("/docs/guides/first-export", headers={
        "If-None-Match": first.headers["etag"]}).status_code == 304
    source.write_text("# Version two\n", encoding="utf-8")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert "<h1>Version two</h1>" in client.get("/docs/guides/first-export").text
    assert len(site._cache) == 1  # the stale rendering was dropped
    source.unlink()
    assert client.get("/docs/guides/first-export").status_code == 404


def test_pages_render_fast_once_rendered(client: TestClient) -> None:
    for path in ALL_PAGES:
        client.get(path)
    for path in ALL_PAGES:
        start = time.perf_counter()
        resp = client.get(path)
        elapsed = time.perf_counter() - start
        assert resp.status_code == 200
        assert elapsed < 0.020, f"{path} took {elapsed * 1000:.1f} ms"


def test_the_front_door_is_the_documentation(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/docs"


def test_an_unknown_docs_page_is_an_html_404_with_the_navigation(client):
    r = client.get("/docs/guides/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "/docs/guides/no-such-page" in r.text
    for path in ALL_PAGES:  # the site's navigation is there, every page linked
        assert f'href="{path}"' in r.text, path
