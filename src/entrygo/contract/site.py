"""The documentation site: ``/docs`` and its pages, rendered from the repository's Markdown.

The Markdown in ``docs/`` is the single source: these routes only render it (CommonMark with
tables, raw HTML escaped) into one page template. ``/docs/concepts/readiness`` has no Markdown
file: it is generated from the readiness engine's own catalogue and reference data, so the page
cannot disagree with the rules the engine applies. Rendered pages are cached per process, keyed
by path and the source file's modification time, so an edited file shows on the next request.

Two things are added at render time, never written into the Markdown: curl bodies in shell code
blocks are laid out as indented JSON (the sources keep them flush left, which is easy to edit but
hard to read), and ``/docs/search-index.json`` is built from the very pages served here, so the
search box in the navigation finds what the pages say, including the generated one.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from string import Template
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markdown_it.token import Token
from starlette.exceptions import HTTPException

from entrygo import __version__
from entrygo.readiness.catalogue import CATALOGUE, RULES_VERSION, SEVERITY_RANK
from entrygo.readiness.reference import load
from entrygo.readiness.treatments import TREATMENTS

router = APIRouter(include_in_schema=False)

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_TYPE = "text/html; charset=utf-8"
OPENAPI_PATH = "/docs/api/openapi"
READINESS_PATH = "/docs/concepts/readiness"
_STRICT = ('<br><span class="muted" title="blocking under readinessPolicy: strict">'
           "blocking if strict</span>")
SEARCH_INDEX_PATH = "/docs/search-index.json"


@dataclass(frozen=True)
class Page:
    path: str
    """Where it is served."""
    source: str | None
    """The Markdown file, relative to ``docs/`` (None: generated)."""
    label: str
    """Its name in the navigation."""
    section: str


PAGES: tuple[Page, ...] = (
    Page("/docs", "index.md", "Overview", "Start"),
    Page("/docs/guides/first-export", "guides/first-export.md", "Your first export", "Guides"),
    Page("/docs/guides/warehouse-integration", "guides/warehouse-integration.md",
         "Warehouse integration", "Guides"),
    Page("/docs/guides/automation-agents", "guides/automation-agents.md",
         "Automation clients and agents", "Guides"),
    Page("/docs/sdk", "sdk.md", "Python SDK", "Guides"),
    Page("/docs/cli", "cli.md", "Command line", "Guides"),
    Page("/docs/products-import", "products-import.md", "Importing products", "Guides"),
    Page("/docs/deployment", "deployment.md", "Running in production", "Guides"),
    Page("/docs/api/contract", "api/contract.md", "Protocol contract", "Reference"),
    Page("/docs/api/exports", "api/exports.md", "Exports API", "Reference"),
    Page("/docs/api/orders", "api/orders.md", "Orders, products and setup", "Reference"),
    Page("/docs/api/errors", "api/errors.md", "Errors and idempotency", "Reference"),
    Page("/docs/api/events", "api/events.md", "Events and webhooks", "Reference"),
    Page("/docs/api/test-mode", "api/test-mode.md", "Test mode", "Reference"),
    Page("/docs/artifacts", "artifacts.md", "Customs artifacts", "Reference"),
    Page("/docs/readiness", "readiness.md", "Customs background", "Reference"),
    Page("/docs/duty-estimate", "duty-estimate.md", "Duty and fee estimate", "Reference"),
    Page(READINESS_PATH, None, "Readiness rules", "Reference"),
)
SERVED_BY_SOURCE = {page.source: page.path for page in PAGES if page.source}
KNOWN_PATHS = frozenset([*(page.path for page in PAGES), OPENAPI_PATH])
_IMAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png")


def docs_dir() -> Path:
    """``docs/`` of the source checkout, else ``./docs`` (an installed package has none)."""
    checkout = Path(__file__).resolve().parents[3] / "docs"
    return checkout if checkout.is_dir() else Path.cwd() / "docs"


# --- Markdown ----------------------------------------------------------------------------------


def rewrite_link(href: str, source: str) -> str:
    """Map a link in ``docs/<source>`` to where its target is served.

    Absolute links, other sites and in-page anchors stay. Relative links resolve against the
    source file: ``../api/errors.md#x`` becomes ``/docs/api/errors#x``, ``images/a.png``
    becomes ``/docs/images/a.png``. Links that climb out of ``docs/`` are left alone.
    """
    if not href or href.startswith(("/", "#")) or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", href):
        return href
    cut = min((i for i in (href.find("#"), href.find("?")) if i >= 0), default=len(href))
    target, rest = href[:cut], href[cut:]
    if not target:
        return href
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
    if resolved == ".." or resolved.startswith("../"):
        return href
    if resolved.endswith(".md"):
        served = SERVED_BY_SOURCE.get(resolved)
        if served is None:
            stem = resolved.removesuffix(".md")
            served = "/docs" if stem == "index" else f"/docs/{stem.removesuffix('/index')}"
        return served + rest
    return f"/docs/{resolved}{rest}"


def _slug(text: str) -> str:
    """GitHub-style heading anchors, so ``#some-heading`` links work as they do on GitHub."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _plain(inline: Token) -> str:
    return "".join(child.content for child in inline.children or ()
                   if child.type in ("text", "code_inline"))


def _prepare(tokens: Sequence[Token], source: str) -> None:
    """Rewrite links, give h2-h4 anchors, link code spans that name a served page and lay out
    the JSON bodies of curl commands in shell code blocks."""
    seen: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.type == "fence" and token.info.split()[:1] in (["sh"], ["bash"], ["shell"]):
            token.content = indent_curl_bodies(token.content)
        if token.type == "heading_open" and token.tag in ("h2", "h3", "h4"):
            slug = _slug(_plain(tokens[i + 1])) or "section"
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            token.attrSet("id", slug if n == 0 else f"{slug}-{n}")
        if token.type != "inline":
            continue
        depth = 0
        for child in token.children or ():
            if child.type == "link_open":
                depth += 1
                child.attrSet("href", rewrite_link(str(child.attrGet("href") or ""), source))
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "image":
                child.attrSet("src", rewrite_link(str(child.attrGet("src") or ""), source))
                child.attrSet("loading", "lazy")
            elif child.type == "code_inline" and depth == 0 and child.content in KNOWN_PATHS:
                child.meta["href"] = child.content


def _code_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    code = f"<code>{html.escape(token.content, quote=False)}</code>"
    href = token.meta.get("href")
    return f'<a href="{html.escape(href)}">{code}</a>' if href else code


# --- curl bodies in shell code blocks -----------------------------------------------------------

_DATA_OPTION = re.compile(r"(?<!\S)(?:-d|--data|--data-raw|--data-binary|--json)[ \t]+(?=')")
_SHELL_PIECE = re.compile(r"""'([^']*)'|("\$(?:\w+|\{\w+\})")""")
"""A single-quoted stretch, or a spliced ``"$VARIABLE"`` as in ``'{"id": "'"$ID"'"}'``."""
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
_SPLICE = "\ue000{}\ue001"
"""Stands in for a spliced variable while the JSON around it is parsed (private-use marks)."""


def indent_json(text: str) -> str | None:
    """``text`` laid out as ``json.dumps(value, indent=2)`` lays it out, each token spelled as
    written (numbers, escapes and repeated keys stay as they are); None if it is not JSON."""
    try:
        json.loads(text)
    except ValueError:
        return None
    out: list[str] = []
    depth = 0
    tokens = _JSON_TOKEN.findall(text)
    for i, token in enumerate(tokens):
        if token in ("{", "["):
            depth += 1
            empty = i + 1 < len(tokens) and tokens[i + 1] in ("}", "]")
            out.append(token if empty else f"{token}\n{'  ' * depth}")
        elif token in ("}", "]"):
            depth -= 1
            out.append(token if tokens[i - 1] in ("{", "[") else f"\n{'  ' * depth}{token}")
        elif token == ",":
            out.append(f",\n{'  ' * depth}")
        else:
            out.append(": " if token == ":" else token)
    return "".join(out)


def _indented_body(script: str, start: int) -> tuple[int, str] | None:
    """The shell word at ``start`` (single-quoted JSON, maybe with ``"$VAR"`` spliced into its
    strings) with the JSON indented, and where the word ends; None to leave it as written."""
    parts: list[str] = []
    splices: list[str] = []
    pos = start
    while piece := _SHELL_PIECE.match(script, pos):
        if piece.group(2) is None:
            parts.append(piece.group(1))
        else:
            parts.append(_SPLICE.format(len(splices)))
            splices.append(piece.group(2))
        pos = piece.end()
    if pos < len(script) and not script[pos].isspace():
        return None  # glued to something else (a $(command), another quoting): not ours
    indented = indent_json("".join(parts))
    if indented is None:  # not JSON, or a variable spliced outside a JSON string
        return None
    for n, splice in enumerate(splices):
        indented = indented.replace(_SPLICE.format(n), f"'{splice}'")
    return pos, f"'{indented}'"


def indent_curl_bodies(script: str) -> str:
    """Indent the JSON of each ``-d '…'`` (``--data``, ``--data-raw``, ``--data-binary``,
    ``--json``) in a shell script. The JSON stays inside its single quotes, which may span lines,
    so the command can still be pasted into a shell; bodies that are not JSON stay as written."""
    if "\ue000" in script or "\ue001" in script:
        return script
    out: list[str] = []
    done = 0
    for option in _DATA_OPTION.finditer(script):
        if option.end() < done:
            continue
        body = _indented_body(script, option.end())
        if body is not None:
            out += [script[done:option.end()], body[1]]
            done = body[0]
    return "".join(out) + script[done:]


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("code_inline", _code_inline)
    return md


def render_markdown(text: str, source: str = "index.md") -> tuple[str, str]:
    """``(title, html)`` of Markdown read from ``docs/<source>``; raw HTML comes out escaped."""
    md = _markdown()
    tokens = md.parse(text)
    _prepare(tokens, source)
    title = next((_plain(tokens[i + 1]) for i, t in enumerate(tokens)
                  if t.type == "heading_open" and t.tag == "h1"), "")
    return title, md.renderer.render(tokens, md.options, {})


# --- the generated readiness page ----------------------------------------------------------------

_EFFECT = {
    "blocking": "The plan is <code>BLOCKED</code>: fix the data (or exclude the order) and plan "
                "again. <code>POST …/execute</code> refuses a blocked plan.",
    "warning": "The plan is <code>REVIEW_REQUIRED</code> (unless something blocks it): it can be "
               "executed once someone has looked at the finding.",
    "info": "Changes nothing: the plan stays <code>READY</code>; it is there to explain.",
}


def _e(value: object) -> str:
    return html.escape(str(value))


def _code_link(code: str) -> str:
    return f'<a href="#{_e(code)}"><code>{_e(code)}</code></a>'


def _money(value: Any) -> str:
    return f"${value:,.2f}".removesuffix(".00")


def readiness_html() -> tuple[str, str]:
    """The rule catalogue as a page: severities, every code, treatment flags, versions."""
    ref = load()
    rules = list(CATALOGUE.values())
    counts = {sev: sum(rule.severity == sev for rule in rules) for sev in SEVERITY_RANK}
    title = "Readiness rules"
    out = [
        f"<h1>{_e(title)}</h1>",
        '<p class="lede">Every readiness finding EntryGo can report when it plans an export '
        "batch. This page is generated from the readiness engine's own catalogue "
        "(<code>entrygo.readiness.catalogue</code>) and reference data, so it always matches "
        f"the rules the service applies: rules version <strong>{_e(RULES_VERSION)}</strong>, "
        f"reference data version <strong>{_e(ref.version)}</strong>.</p>",
        "<p>A finding is a <code>validationMessages</code> entry with a <code>code</code> from "
        "the table below, a <code>severity</code>, a message for people and, where one field is "
        "responsible, the <code>field</code>. Branch on the code, never on the message.</p>",
        '<p>Why these rules exist (entry types, Section 232, partner agencies, the MID and the '
        'rest of the customs background, with their sources): <a href="/docs/readiness">'
        "Customs background</a>.</p>",
        '<h2 id="severities">Severities</h2>',
        "<table><thead><tr><th>Severity</th><th>Effect on the plan</th><th>Rules</th></tr>"
        "</thead><tbody>",
        *(f'<tr><td><span class="sev sev-{_e(sev)}">{_e(sev)}</span></td>'
          f"<td>{_EFFECT.get(sev, '')}</td><td>{counts[sev]}</td></tr>" for sev in SEVERITY_RANK),
        "</tbody></table>",
        "<p><strong>Scope.</strong> <em>Product</em> rules are judged from the product alone: "
        "they also make up the product's own <code>readiness</code> "
        '(<a href="/docs/api/orders"><code>/docs/api/orders</code></a>) and apply to every '
        "order line that ships the product. <em>Plan</em> rules are judged when a batch is "
        "planned, from the order, its lines, its destination or its export unit.</p>",
        '<h2 id="reference-data">Reference data in force</h2>',
        '<dl class="facts">',
        f"<dt>Informal entry maximum</dt><dd>{_e(_money(ref.informal_entry_max_usd))} per "
        f"export unit; above it, {_code_link('FORMAL_ENTRY_REQUIRED')}</dd>",
        f"<dt>Section 232 metal threshold</dt><dd>{_e(ref.metals_threshold_pct)} % by weight; "
        f"under it for every metal, outside chapters 72, 73, 74 and 76, "
        f"{_code_link('METALS_BELOW_THRESHOLD')}</dd>",
        "<dt>Embargoed origins</dt><dd>"
        + ", ".join(f"<code>{_e(c)}</code>" for c in sorted(ref.embargoed_origins))
        + f"; goods of these origins get {_code_link('PROHIBITED_ORIGIN')}</dd>",
        "</dl>",
        '<h2 id="rules">Rules</h2>',
        f"<p>{len(rules)} codes: {counts['blocking']} blocking, {counts['warning']} warnings, "
        f"{counts['info']} informational.</p>",
        '<table class="rules"><colgroup><col class="c-code"><col class="c-sev">'
        '<col class="c-scope"><col class="c-when"><col class="c-field"><col class="c-ref">'
        "</colgroup><thead><tr><th>Code</th><th>Severity</th><th>Scope</th>"
        "<th>Fires when</th><th>Field</th><th>Reference</th></tr></thead><tbody>",
    ]
    for rule in rules:  # a strict rule is blocking under the account's strict policy
        scope = "product" if rule.product_level else "plan"
        field = f"<code>{_e(rule.field)}</code>" if rule.field else '<span class="muted">—</span>'
        out.append(
            f'<tr id="{_e(rule.code)}"><td><code>{_e(rule.code)}</code></td>'
            f'<td><span class="sev sev-{_e(rule.severity)}">{_e(rule.severity)}</span>'
            f'{_STRICT if rule.strict else ""}</td>'
            f"<td>{scope}</td><td>{_e(rule.fires_when)}</td><td>{field}</td>"
            f"<td>{_e(rule.reference)}</td></tr>")
    out += [
        "</tbody></table>",
        '<h2 id="treatment-flags">Treatment flags</h2>',
        "<p>Flags tell the broker which customs treatments apply. A plan lists each flag with "
        "the orders and products it concerns (<code>flags</code>); the artifacts carry them on "
        "each line.</p>",
        "<table><thead><tr><th>Flag</th><th>Set for</th><th>Finding</th></tr></thead><tbody>",
    ]
    for t in TREATMENTS.values():  # the flags and their findings, as the product rules pair them
        out.append(f"<tr><td><code>{_e(t.flag)}</code></td><td>{_e(t.applies_to)}</td>"
                   f"<td>{_code_link(t.finding)}</td></tr>")
    out += [
        "</tbody></table>",
        '<h2 id="versions">Versions</h2>',
        '<dl class="facts">',
        f"<dt>Rules version</dt><dd><code>{_e(RULES_VERSION)}</code> — changes when a rule's "
        "logic changes; part of every <code>planHash</code> (<code>rulesVersion</code>)</dd>",
        f"<dt>Reference data version</dt><dd><code>{_e(ref.version)}</code> — the tariff and "
        "reference data files the rules read (<code>referenceDataVersion</code>)</dd>",
        f"<dt>EntryGo</dt><dd><code>{_e(__version__)}</code></dd>",
        "</dl>",
    ]
    return title, "\n".join(out) + "\n"


# --- pages ---------------------------------------------------------------------------------------


@cache
def _template() -> Template:
    return Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))


@cache
def _css() -> str:
    return (TEMPLATES / "site.css").read_text(encoding="utf-8")


@cache
def _script() -> str:
    return (TEMPLATES / "search.js").read_text(encoding="utf-8")


def _nav(current: str) -> str:
    parts: list[str] = []
    for section in dict.fromkeys(page.section for page in PAGES):
        items = [(page.path, page.label) for page in PAGES if page.section == section]
        if section == "Reference":
            items.append((OPENAPI_PATH, "OpenAPI document"))
        links = "".join(
            f'<li><a href="{_e(path)}"'
            + (' aria-current="page"' if path == current else "")
            + f">{_e(label)}</a></li>" for path, label in items)
        parts.append(f"<section><h2>{_e(section)}</h2><ul>{links}</ul></section>\n")
    return "".join(parts)


def wrap(path: str, title: str, content: str, *, wide: bool = False) -> str:
    """One page: title, navigation, content and footer in the site template."""
    return _template().substitute(
        title=_e(title or "EntryGo"), css=_css(), nav=_nav(path), content=content,
        version=_e(__version__), main_class="wide" if wide else "", script=_script(),
        search_index=SEARCH_INDEX_PATH)


@dataclass(frozen=True)
class _Rendered:
    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> _Rendered:
        return cls(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')

    def response(self, request: Request, media_type: str) -> Response:
        """The body, or 304 when the client holds this version (``If-None-Match``)."""
        headers = {"Cache-Control": "no-cache", "ETag": self.etag}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=media_type, headers=headers)


_cache: dict[tuple[str, int], _Rendered] = {}


def _source(page: Page) -> tuple[Path | None, int]:
    """The page's Markdown file (None: generated) and its modification time; OSError if gone."""
    file = None if page.source is None else docs_dir() / page.source
    return file, file.stat().st_mtime_ns if file else 0


def _content(page: Page, file: Path | None) -> tuple[str, str, bool]:
    """``(title, content html, wide)`` of a page: what the template wraps and search indexes."""
    if file is None:
        return *readiness_html(), True
    title, content = render_markdown(file.read_text(encoding="utf-8"), page.source or "")
    return title or page.label, content, False


def _rendered(page: Page) -> _Rendered:
    try:
        file, mtime = _source(page)
    except OSError:
        raise HTTPException(404) from None
    key = (page.path, mtime)
    hit = _cache.get(key)
    if hit is None:
        title, content, wide = _content(page, file)
        hit = _Rendered.of(wrap(page.path, title, content, wide=wide).encode())
        for stale in [k for k in _cache if k[0] == page.path]:
            _cache.pop(stale, None)
        _cache[key] = hit
    return hit


def _endpoint(page: Page) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return _rendered(page).response(request, HTML_TYPE)

    endpoint.__name__ = "docs_" + (page.path.removeprefix("/docs").strip("/")
                                   .replace("/", "_").replace("-", "_") or "index")
    return endpoint


for _page in PAGES:
    _handler = _endpoint(_page)
    router.add_api_route(_page.path, _handler, methods=["GET"], name=_handler.__name__)


# --- search --------------------------------------------------------------------------------------
#
# Hand-written: no search library is installed, and the site is small (a few hundred sections),
# so an inverted index of whole words is enough; the browser matches query words as prefixes of
# its terms (search.js). Sections are what a link can point at: h2-h4 headings (which carry ids)
# and the readiness catalogue's rows (``#RULE_CODE``); the text before the first is the page's top.

_WORD = re.compile(r"\w+")
STOP_WORDS = frozenset({
    "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "for", "from", "has", "have",
    "if", "in", "into", "is", "it", "its", "no", "not", "of", "on", "or", "so", "than", "that",
    "the", "their", "then", "there", "these", "this", "to", "was", "when", "where", "which",
    "will", "with"})
_TITLE, _HEADING, _TEXT_MAX = 10, 5, 4
"""A term's weight in a section: in the page title, in the section heading, else one per use
in the text up to ``_TEXT_MAX``."""


def terms(text: str) -> list[str]:
    """The words search knows in ``text``: lowercased, stop words and single letters dropped."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


_BLOCKS = frozenset({"p", "li", "td", "th", "tr", "dt", "dd", "br", "blockquote", "table",
                     "h2", "h3", "h4", "h5", "h6"})


@dataclass
class _Section:
    anchor: str
    heading: str = ""
    prose: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)

    def excerpt(self, limit: int = 160) -> str:
        """The start of the prose, after the heading if it repeats it (a rule's row)."""
        text = " ".join("".join(self.prose).split())
        text = text.removeprefix(self.heading).lstrip() if self.heading else text
        return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


class _Sections(HTMLParser):
    """Rendered page content cut into sections, at each element with an id a result can
    link to."""

    def __init__(self) -> None:
        super().__init__()
        self.sections = [_Section("")]
        self._in: str | None = None  # "h1" (the title, indexed apart), a heading, or "pre"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        anchor = dict(attrs).get("id")
        if tag in ("h2", "h3", "h4") and anchor:
            self.sections.append(_Section(anchor))
        elif tag == "tr" and anchor:
            self.sections.append(_Section(anchor, heading=anchor))
        if tag in ("h1", "h2", "h3", "h4", "pre") and self._in is None:
            self._in = tag
        self._gap(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None
        self._gap(tag)

    def _gap(self, tag: str) -> None:
        """Blocks and cells are apart in the text even where no whitespace separates them."""
        if tag in _BLOCKS:
            self.handle_data(" ")

    def handle_data(self, data: str) -> None:
        section = self.sections[-1]
        if self._in in ("h2", "h3", "h4"):
            section.heading += data
        elif self._in == "pre":
            section.code.append(data)
        elif self._in is None:
            section.prose.append(data)


def _weights(title: str, section: _Section) -> dict[str, int]:
    weights: dict[str, int] = {}
    for term in terms("".join(section.prose) + " " + "".join(section.code)):
        weights[term] = min(weights.get(term, 0) + 1, _TEXT_MAX)
    for term in terms(section.heading):
        weights[term] = _HEADING
    for term in terms(title):
        weights[term] = _TITLE
    return weights


def search_index(pages: Sequence[tuple[Page, str, str]]) -> dict[str, Any]:
    """The index search.js reads, from ``(page, title, content html)``: the pages, their
    sections (``page`` is an index into ``pages``; ``anchor`` "" is the page's top) and
    ``terms``, each term's ``[section, weight]`` pairs."""
    index: dict[str, Any] = {"pages": [], "sections": [], "stopWords": sorted(STOP_WORDS)}
    postings: dict[str, list[tuple[int, int]]] = {}
    for p, (page, title, content) in enumerate(pages):
        index["pages"].append({"path": page.path, "title": title, "label": page.label})
        parser = _Sections()
        parser.feed(content)
        parser.close()
        for section in parser.sections:
            weights = _weights(f"{title} {page.label}" if not section.anchor else "", section)
            n = len(index["sections"])
            index["sections"].append({"page": p, "anchor": section.anchor,
                                      "heading": " ".join(section.heading.split()),
                                      "excerpt": section.excerpt()})
            for term, weight in weights.items():
                postings.setdefault(term, []).append((n, weight))
    index["terms"] = dict(sorted(postings.items()))
    return index


_index_cache: dict[tuple[tuple[str, int], ...], _Rendered] = {}


def _search_index() -> _Rendered:
    """The index of the pages as served now (a page whose source is gone is left out), cached
    until one of their sources changes."""
    sources: list[tuple[Page, Path | None, int]] = []
    for page in PAGES:
        try:
            sources.append((page, *_source(page)))
        except OSError:
            continue
    key = tuple((page.path, mtime) for page, _, mtime in sources)
    hit = _index_cache.get(key)
    if hit is None:
        pages = [(page, *_content(page, file)[:2]) for page, file, _ in sources]
        body = json.dumps(search_index(pages), ensure_ascii=False, separators=(",", ":"))
        hit = _Rendered.of(body.encode())
        _index_cache.clear()
        _index_cache[key] = hit
    return hit


@router.get(SEARCH_INDEX_PATH)
def docs_search_index(request: Request) -> Response:
    return _search_index().response(request, "application/json")


def image_path(name: str) -> Path | None:
    """The PNG ``docs/images/<name>``, if ``name`` is a plain file name of one that exists."""
    if not _IMAGE_NAME.fullmatch(name) or ".." in name:
        return None
    folder = docs_dir() / "images"
    try:
        present = {p.name for p in folder.iterdir() if p.is_file()}
    except OSError:
        return None
    return folder / name if name in present else None


@router.get("/docs/images/{name}")
def docs_image(name: str) -> FileResponse:
    path = image_path(name)
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-cache"})


@router.get("/")
def root() -> RedirectResponse:
    """The service's front door is its documentation."""
    return RedirectResponse("/docs", status_code=307)


@router.get("/docs/{rest:path}")
def docs_not_found(rest: str) -> Response:
    """Any other page under /docs: a page of the site saying so, with its navigation (the API's
    404s stay JSON envelopes)."""
    content = ("<h1>Page not found</h1><p>There is no documentation page at "
               f"<code>/docs/{_e(rest)}</code>. The pages are listed beside this text; "
               "<a href=\"/docs\">start at the overview</a>.</p>")
    return Response(wrap("", "Page not found", content), status_code=404,
                    media_type=HTML_TYPE, headers={"Cache-Control": "no-cache"})
