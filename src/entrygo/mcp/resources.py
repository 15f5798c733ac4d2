"""What an agent can read besides calling tools: the documentation pages, the readiness
catalogue, and the policy it runs under.

The pages are the Markdown the docs site serves (``contract.site.PAGES``, one list of pages),
read from the checkout's ``docs/``. An installation without the checkout reads the page the
EntryGo server serves instead, as text. The catalogue is built from the readiness engine's own
table, as ``/docs/concepts/readiness`` is, so it names the same codes the plans carry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import Any

import httpx

from entrygo.contract.site import PAGES, READINESS_PATH, docs_dir
from entrygo.readiness.catalogue import CATALOGUE, RULES_VERSION
from entrygo.readiness.reference import load
from entrygo.readiness.treatments import TREATMENTS

SCHEME = "entrygo://"
CATALOGUE_URI = f"{SCHEME}readiness/catalogue"
POLICY_URI = f"{SCHEME}policy"
EFFECTS = {
    "blocking": "The plan is BLOCKED: fix the data (or leave the order out) and plan again. "
                "Execute refuses a blocked plan.",
    "warning": "The plan is REVIEW_REQUIRED (unless something blocks it): it can be executed "
               "once someone has looked at the finding, or when a written policy accepts the "
               "code.",
    "info": "Changes nothing: the plan stays READY; it is there to explain.",
}


@dataclass(frozen=True)
class DocPage:
    uri: str
    name: str
    title: str
    description: str
    read: Callable[[], Awaitable[str]]


def doc_pages(base_url: str) -> list[DocPage]:
    """Every Markdown page of the docs site, as ``entrygo://docs/...`` resources."""
    pages = []
    for page in PAGES:
        if page.source is None:
            continue
        uri = SCHEME + page.path.strip("/")
        pages.append(DocPage(uri=uri, name=page.path.strip("/").replace("/", "-"),
                             title=page.label,
                             description=f"{page.label} ({page.section}), served at "
                                         f"{page.path}.",
                             read=partial(read_page, page.source, base_url + page.path)))
    return pages


async def read_page(source: str, served_at: str) -> str:
    """A page's Markdown from the checkout's ``docs/``, else its text as the server serves it
    (an installation without the checkout)."""
    file = docs_dir() / source
    if file.is_file():
        return file.read_text(encoding="utf-8")
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.get(served_at)
    answer.raise_for_status()
    return page_text(answer.text)


def catalogue() -> dict[str, Any]:
    """The readiness catalogue: every code with its severity, when it fires, the field it
    concerns and its source; the treatment flags; the reference data in force."""
    ref = load()
    return {
        "rulesVersion": RULES_VERSION,
        "referenceDataVersion": ref.version,
        "page": READINESS_PATH,
        "note": "Compare rulesVersion with a plan's rulesVersion: a server of another "
                "version may apply other rules.",
        "severities": EFFECTS,
        "referenceData": {"informalEntryMaxUsd": float(ref.informal_entry_max_usd),
                          "metalsThresholdPct": float(ref.metals_threshold_pct),
                          "embargoedOrigins": sorted(ref.embargoed_origins)},
        "rules": [{"code": r.code, "severity": r.severity, "firesWhen": r.fires_when,
                   "field": r.field, "scope": "product" if r.product_level else "plan",
                   "blockingIfStrict": r.strict, "reference": r.reference}
                  for r in CATALOGUE.values()],
        "flags": [{"flag": t.flag, "appliesTo": t.applies_to, "finding": t.finding}
                  for t in TREATMENTS.values()],
    }


class _Text(HTMLParser):
    """The text of a served page's main content, a block per line."""

    BLOCKS = frozenset({"p", "li", "tr", "h1", "h2", "h3", "h4", "pre", "dt", "dd", "br"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.inside = True
        elif self.inside and tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line) + "\n"
