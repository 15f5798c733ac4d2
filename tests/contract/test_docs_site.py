"""The docs site (docs/api/contract.md §5.9): every page renders from docs/, safely and fast."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import tempfile
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
    "/docs/api/events": "api/events.md",
    "/docs/api/test-mode": "api/test-mode.md",
    "/docs/sdk": "sdk.md",
    "/docs/cli": "cli.md",
    "/docs/products-import": "products-import.md",
    "/docs/artifacts": "artifacts.md",
    "/docs/deployment": "deployment.md",
    "/docs/readiness": "readiness.md",
    "/docs/duty-estimate": "duty-estimate.md",
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
    # The search box is there, hidden until the inlined script shows it (no JavaScript: the page
    # is as it was); nothing is loaded from elsewhere.
    assert '<form class="search" role="search" data-index="/docs/search-index.json" hidden>' in nav
    assert "form.search" in text.split("<script>", 1)[1]  # the script is inlined too
    assert not re.search(r"<script[^>]* src=|<link[^>]* href=|https?://[^\s\"'<]*\.js\b", text)


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
        assert ("blocking if strict" in row) == rule.strict, code


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


def test_a_page_is_rendered_once_then_served_from_the_cache(client: TestClient,
                                                            monkeypatch) -> None:
    """Speed is measured by ``make bench``, not asserted here: what a test can hold is that a
    second request renders nothing (the cache is keyed by the source's modification time)."""
    for path in ALL_PAGES:
        client.get(path)
    rendered: list[str] = []
    real = site._content
    monkeypatch.setattr(site, "_content", lambda page, file: rendered.append(page.path)
                        or real(page, file))
    for path in ALL_PAGES:
        first = client.get(path)
        assert first.status_code == 200 and client.get(path).content == first.content
    assert rendered == []


def test_the_front_door_is_the_documentation(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/docs"


def test_an_unknown_docs_page_is_an_html_404_with_the_navigation(client):
    r = client.get("/docs/guides/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "/docs/guides/no-such-page" in r.text
    for path in ALL_PAGES:  # the site's navigation is there, every page linked
        assert f'href="{path}"' in r.text, path


# --- search ---------------------------------------------------------------------------------------


def index_pages(index: dict, term: str) -> set[str]:
    return {index["pages"][index["sections"][n]["page"]]["path"] for n, _ in index["terms"][term]}


def test_the_search_index_covers_every_page(client: TestClient) -> None:
    resp = client.get("/docs/search-index.json")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["cache-control"] == "no-cache"
    assert client.get("/docs/search-index.json", headers={
        "If-None-Match": resp.headers["etag"]}).status_code == 304
    index = resp.json()
    assert [page["path"] for page in index["pages"]] == [page.path for page in site.PAGES]
    pages = {path: client.get(path).text for path in ALL_PAGES}
    for page in index["pages"]:  # each page is indexed under its title, on its top section
        assert f"<h1>{html.escape(page['title'], quote=False)}</h1>" in pages[page["path"]]
    for section in index["sections"]:  # and each section links to an anchor that exists
        path = index["pages"][section["page"]]["path"]
        if section["anchor"]:
            assert f'id="{section["anchor"]}"' in pages[path], (path, section)
    # A word that only one page uses maps to that page, and only to it.
    term = "steelworks"
    assert [source for source in MARKDOWN_PAGES.values()
            if term in (DOCS / source).read_text(encoding="utf-8").lower()] == [
        "guides/warehouse-integration.md"]
    assert term not in pages["/docs/concepts/readiness"].lower()
    assert index_pages(index, term) == {"/docs/guides/warehouse-integration"}
    # The generated page is indexed too: a rule code leads to its row.
    code = "METALS_REVIEW_RECOMMENDED"
    rows = [index["sections"][n] for n, _ in index["terms"][code.lower()]]
    assert any(row["anchor"] == code and row["heading"] == code for row in rows)
    assert set(index["stopWords"]) >= site.STOP_WORDS and "the" not in index["terms"]


def test_the_search_index_weighs_titles_then_headings_then_text() -> None:
    page = site.Page("/docs/x", "x.md", "Label word", "Guides")
    title, content = site.render_markdown(
        "# Alpha title\n\nIntro bravo.\n\n## Bravo heading\n\nCharlie, charlie, charlie, "
        "charlie, charlie.\n\n```sh\necho delta\n```\n\n##### Small echo\n")
    index = site.search_index([(page, title, content)])
    assert index["pages"] == [{"path": "/docs/x", "title": "Alpha title", "label": "Label word"}]
    top, section = index["sections"]
    assert top == {"page": 0, "anchor": "", "heading": "", "excerpt": "Intro bravo."}
    assert section["anchor"] == "bravo-heading" and section["heading"] == "Bravo heading"
    assert section["excerpt"] == "Charlie, charlie, charlie, charlie, charlie. Small echo"
    terms = index["terms"]
    assert terms["alpha"] == [(0, 10)] and terms["label"] == [(0, 10)]
    assert terms["bravo"] == [(0, 1), (1, 5)]
    assert terms["charlie"] == [(1, 4)]  # text counts, up to a cap
    assert terms["delta"] == [(1, 1)] and terms["small"] == [(1, 1)]  # code and h5 are text


def test_the_search_index_follows_the_pages(
        client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "guides").mkdir()
    source = tmp_path / "guides" / "first-export.md"
    source.write_text("# Version one\n\nZebra.\n", encoding="utf-8")
    monkeypatch.setattr(site, "docs_dir", lambda: tmp_path)
    monkeypatch.setattr(site, "_index_cache", {})
    first = client.get("/docs/search-index.json")
    index = first.json()
    # Pages whose source is missing are left out, as they are not served; the generated one stays.
    assert [page["path"] for page in index["pages"]] == [
        "/docs/guides/first-export", "/docs/concepts/readiness"]
    assert index_pages(index, "zebra") == {"/docs/guides/first-export"}
    source.write_text("# Version two\n\nYak.\n", encoding="utf-8")
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = client.get("/docs/search-index.json")
    assert second.headers["etag"] != first.headers["etag"]
    assert "yak" in second.json()["terms"] and "zebra" not in second.json()["terms"]


# --- curl bodies ----------------------------------------------------------------------------------

SHELL_FENCE = re.compile(r"^```sh\n(.*?)^```", re.M | re.S)
SHELL_HTML = re.compile(r'<pre><code class="language-sh">(.*?)</code></pre>', re.S)
SHELL_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENTRYGO_ACCOUNT_ID": "acc_123",
             "ENTRYGO_WAREHOUSE_ID": "wh_123", "ENTRYGO_BROKER_ID": "br_123",
             "ENTRYGO_PRODUCT_ID": "prod_123", "ENTRYGO_API_KEY": "key",
             "ENTRYGO_BASE_URL": "http://127.0.0.1:1"}
DATA_OPTIONS = ("-d", "--data", "--data-raw")


def curl_commands(script: str) -> list[str]:
    """Each curl command of a shell script: from a line starting with ``curl`` to the first line
    that neither ends in a backslash nor leaves a single quote open."""
    commands: list[str] = []
    lines: list[str] | None = None
    for line in script.splitlines():
        if lines is None and line.startswith("curl "):
            lines = []
        if lines is not None:
            lines.append(line)
            command = "\n".join(lines)
            if not line.endswith("\\") and command.count("'") % 2 == 0:
                commands.append(command)
                lines = None
    return commands


def curl_arguments(command: str) -> list[str]:
    """The arguments bash hands curl when it runs ``command`` as pasted (curl stubbed out)."""
    with tempfile.TemporaryDirectory() as cwd:  # a command may save its answer (| tee x.json)
        ran = subprocess.run(["bash", "-c", 'curl() { printf "%s\\0" "$@"; }\n' + command],
                             capture_output=True, text=True, env=SHELL_ENV, timeout=10,
                             cwd=cwd)
    assert ran.returncode == 0, (command, ran.stderr)
    return ran.stdout.split("\0")[:-1]


def test_a_guide_shows_curl_bodies_as_indented_json(client: TestClient) -> None:
    text = html.unescape(client.get("/docs/guides/first-export").text)
    assert """-d '{
  "accountId": "'"$ENTRYGO_ACCOUNT_ID"'",
  "items": [
    {
      "externalId": "ord-ext-1001",
""" in text
    source = (DOCS / "guides" / "first-export.md").read_text(encoding="utf-8")
    assert '\n"externalId": "ord-ext-1001",' in source  # the Markdown itself is left as it was


def test_indented_curl_commands_still_run_and_send_the_same_json(client: TestClient) -> None:
    indented = 0
    for path, source in MARKDOWN_PAGES.items():
        written = SHELL_FENCE.findall((DOCS / source).read_text(encoding="utf-8"))
        shown = [html.unescape(block) for block in SHELL_HTML.findall(client.get(path).text)]
        assert len(written) == len(shown), path
        for before, after in zip(written, shown, strict=True):
            syntax = subprocess.run(["bash", "-n"], input=after, capture_output=True, text=True)
            assert syntax.returncode == 0, (path, after, syntax.stderr)
            for old, new in zip(curl_commands(before), curl_commands(after), strict=True):
                old_args, new_args = curl_arguments(old), curl_arguments(new)
                assert len(old_args) == len(new_args), (path, new)
                for i, (was, now) in enumerate(zip(old_args, new_args, strict=True)):
                    if i and old_args[i - 1] in DATA_OPTIONS and was != now:
                        value = json.loads(now)  # with the variables substituted by bash
                        assert value == json.loads(was), (path, new)
                        assert now == json.dumps(value, indent=2, ensure_ascii=False), now
                        indented += 1
                    else:
                        assert was == now, (path, new)
    assert indented >= 14  # every -d body the guides and the API pages hold today


def test_only_json_bodies_in_shell_blocks_are_indented() -> None:
    indent = site.indent_curl_bodies
    assert indent("curl -d '{\"a\": [1, {}], \"b\": {\"c\": []}}' x") == (
        "curl -d '{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n    \"c\": []\n  }\n}' x")
    assert indent("""curl --data-raw '["'"$ID"'"]'""") == """curl --data-raw '[\n  "'"$ID"'"\n]'"""
    for kept in ("curl -d 'a=b&c=d' x",                  # a form body
                 "curl -d '{\"a\": 1,}' x",               # not JSON
                 """curl -d '{"n": '"$N"'}' x""",         # a variable outside a JSON string
                 """curl -d '{"n": "'$(date)'"}' x""",    # a command substitution
                 """curl -d "{\"a\": 1}" x""",            # not single-quoted
                 "curl -d '{\"a\": 1' x",                 # the quote never closes
                 "echo -dx '{\"a\": 1}'"):
        assert indent(kept) == kept, kept
    # Tokens keep their spelling: numbers, escapes and repeated keys are not rewritten.
    assert site.indent_json('{"a":1e5,"a":"\\u00e9\u2026"}') == (
        '{\n  "a": 1e5,\n  "a": "\\u00e9\u2026"\n}')
    value = {"x": [1, 2.5, None, True, {"y": "z"}], "e": {}, "f": []}
    assert site.indent_json(json.dumps(value)) == json.dumps(value, indent=2)
    # Only shell code blocks: JSON or text blocks show what the Markdown says.
    _, rendered = site.render_markdown("```text\ncurl -d '{\"a\": 1}'\n```\n\n"
                                       "```bash\ncurl -d '{\"a\": 1}'\n```\n")
    assert "curl -d '{&quot;a&quot;: 1}'\n</code>" in rendered
    assert "curl -d '{\n  &quot;a&quot;: 1\n}'" in rendered
