// Search for the docs site, inlined into every page (no downloads: the site works offline).
//
// The server builds the index from the pages it serves (site.py, search_index): each term maps to
// the sections that use it, with a weight (page title 10, heading 5, text 1 per use, up to 4).
// Here every query word must match, as the start of a term or of a word of the page's title, and
// the best sections are listed as links to their anchors. Hand-written, no library: the index is a
// few hundred sections, small enough to scan on every keystroke. `?q=words` runs a search on load.
// With JavaScript off the form stays hidden and the page is as it was.
(() => {
  "use strict";
  const form = document.querySelector("form.search");
  if (!form || !window.fetch) return;
  const input = form.querySelector("input");
  const status = form.querySelector(".search-status");
  const list = form.querySelector(".search-results");
  const MAX_RESULTS = 10;
  let index = null;
  let loading = null;

  const words = (text) => text.toLowerCase().match(/[\p{L}\p{N}\p{M}_]+/gu) || [];

  function load() {
    loading = loading || fetch(form.dataset.index)
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then((data) => {
        data.termList = Object.keys(data.terms);
        data.stop = new Set(data.stopWords);
        data.titleWords = data.pages.map((p) => words(p.title + " " + p.label));
        index = data;
      });
    return loading;
  }

  // Section number -> score, for the sections where every query word matches.
  function search(query) {
    const wanted = [...new Set(words(query))].filter((w) => w.length > 1 && !index.stop.has(w));
    let found = null;
    for (const word of wanted) {
      const scores = new Map();
      for (const term of index.termList) {
        if (!term.startsWith(word)) continue;
        const factor = term === word ? 2 : 1;
        for (const [section, weight] of index.terms[term]) {
          scores.set(section, Math.max(scores.get(section) || 0, weight * factor));
        }
      }
      // A word of the page's title counts for each of its sections ("first export plan").
      index.sections.forEach((section, n) => {
        if (!scores.has(n) && index.titleWords[section.page].some((t) => t.startsWith(word))) {
          scores.set(n, 0);
        }
      });
      found = found === null ? scores : new Map(
        [...found].filter(([n]) => scores.has(n)).map(([n, s]) => [n, s + scores.get(n)]));
    }
    return [...(found || [])].filter(([, score]) => score > 0)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function show(query) {
    list.replaceChildren();
    if (!query.trim()) { status.textContent = ""; return; }
    const hits = search(query);
    status.textContent = hits.length === 0 ? "No results."
      : hits.length > MAX_RESULTS ? `${hits.length} results, the best ${MAX_RESULTS}:`
      : hits.length === 1 ? "1 result:" : `${hits.length} results:`;
    for (const [n] of hits.slice(0, MAX_RESULTS)) {
      const section = index.sections[n];
      const page = index.pages[section.page];
      const link = document.createElement("a");
      link.href = page.path + (section.anchor ? "#" + section.anchor : "");
      link.append(element("span", "search-page", page.title));
      if (section.heading) link.append(element("span", "search-heading", section.heading));
      if (section.excerpt) link.append(element("span", "search-excerpt", section.excerpt));
      const item = document.createElement("li");
      item.append(link);
      list.append(item);
    }
  }

  function run() {
    const query = input.value;
    const url = new URL(location.href);
    if (query.trim()) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(history.state, "", url);
    if (index) { show(query); return; }
    status.textContent = "Loading the index…";
    load().then(() => show(input.value),
                () => { status.textContent = "Search is unavailable (the index did not load)."; });
  }

  form.hidden = false;
  input.addEventListener("input", run);
  input.addEventListener("focus", () => { load().catch(() => {}); }, { once: true });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; run(); }
  });
  form.addEventListener("submit", (event) => {  // Enter: open the first result
    event.preventDefault();
    const first = list.querySelector("a");
    if (first) location.href = first.href;
  });
  const query = new URLSearchParams(location.search).get("q");
  if (query) { input.value = query; run(); }
})();
