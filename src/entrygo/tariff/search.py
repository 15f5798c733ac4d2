"""Full-text search over the tariff schedule: an inverted index held in the process.

Each numbered line is a document made of its description path (heading, superior text rows,
the line itself), because a statistical line's own text is often just ``Other`` or ``Having a
capacity not exceeding 1 liter``: what the goods are is said above it. Words are folded (lower
case, no accents or apostrophes), stop words dropped, and stemmed with the Snowball English
stemmer (PyStemmer: the Snowball project's own C build; ``bottles`` and ``bottle`` are one
term). Ranking is BM25 over weighted term counts:

- words of the heading weigh ``HEADING``: the terms of the headings decide classification
  (General Rule of Interpretation 1); words of the line's own description ``OWN``, those of the
  rows between ``CONTEXT``;
- a line matching only some of the query's words keeps ``(matched / words) ** 2`` of its score,
  so lines matching every word come first;
- statistical (10-digit) lines, the numbers an entry declares, get ``STATISTICAL``; lines of
  parts get ``PARTS`` unless the query asks for parts; chapters 98 and 99 get ``SPECIAL``;
- a query word that shoppers use and the schedule does not (``bottle`` for ``flask``,
  ``laptop``) also matches the schedule's words for it (``SYNONYMS``), at ``ALTERNATIVE``; a
  word the schedule does not know at all matches the words it begins (``vacu``), at
  ``ALTERNATIVE`` too.

A query made of digits (dots and spaces allowed) lists the lines whose number begins with
them, in schedule order.

Why in the process, not in the database: the schedule is reference data, the same for every
account and read from the package's files, not stored in the database. An index beside it
needs no migration and no copy per database to keep in step with ``entrygo tariff refresh``,
and ranks alike on SQLite and PostgreSQL, whose full-text ranking functions differ. Measured
in one run, one process, on the 2026 Rev. 11 schedule (29,725 numbered lines) with the 20
queries of ``bench/search.py`` (10 passes; the databases' times include the local round trip):

- this index: built in 1.2 s (0.7-1.8 s over all runs, with the load) on the first search;
  p50 0.26 ms, p95 4.3 ms; 11 MB of memory; ``vacuum bottle`` finds 9617.00.10.00 first,
  ``laptop computer`` 8471.30.01.00;
- SQLite FTS5 (``porter`` tokenizer, ``bm25()``, the words OR-ed): built in 0.5 s; p50 0.4 ms,
  p95 9 ms; 13.5 MB on disk; ``vacuum bottle`` finds bottle-filling machinery (8422.30.91.30)
  first, ``laptop computer`` a chapter 99 provision;
- PostgreSQL (``to_tsvector('english')``, GIN, ``ts_rank_cd``): built in 2.5 s; p50 1.2 ms,
  p95 37 ms; 20 MB on disk; ``vacuum bottle`` finds the same machinery, ``laptop computer``
  weighing machinery (8423.81.00.20).

The databases' stemming is the same Snowball (Porter) family; what they lack is the weighting
of the heading, the preference for lines matching every word, and the synonyms. The index is
built on the first search, not at start-up (start-up does not wait for it), and kept for the
life of the process.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer

from entrygo.tariff.schedule import Line, Schedule

HEADING, OWN, CONTEXT = 2.0, 1.5, 1.0
"""The weight of one use of a word in the heading, in the line's own description, and in the
rows between them."""
STATISTICAL = 1.1
"""Statistical (10-digit) lines: the numbers an entry declares."""
PARTS = 0.8
"""Lines of parts (``Parts``, ``Parts of …``), unless the query asks for parts: a query names
the goods more often than their parts."""
SPECIAL = 0.5
"""Chapters 98 and 99 (special provisions, temporary and additional duties): they are declared
beside the number of chapters 1 to 97 that classifies the goods, not instead of it."""
ALTERNATIVE = 0.8
"""A synonym of a query word (``SYNONYMS``), or a word it begins, counts this much of the word."""
K1, B = 1.2, 0.5
"""BM25's term-frequency saturation and length normalisation (paths vary less in length than
free text does, hence a ``B`` below the usual 0.75)."""
MAX_PREFIXES = 12
"""How many schedule words an unknown query word may stand for as their beginning."""
MAX_WORDS = 16
"""A query's distinct words past this many are not searched: a product title pasted whole
still searches, and no query costs more than this many words' postings."""

STOP_WORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "but", "by", "each", "for", "from", "if",
    "in", "into", "is", "it", "its", "n", "e", "s", "nes", "no", "nor", "not", "of", "on", "or",
    "other", "others", "such", "than", "that", "the", "thereof", "therefor", "this", "to",
    "used", "whether", "which", "with", "without"})
"""Words that say nothing about the goods (``n.e.s.`` is "not elsewhere specified")."""

SYNONYMS: dict[str, tuple[str, ...]] = {
    "bottle": ("flask",),
    "thermos": ("vacuum flask",),
    "laptop": ("portable data processing",),
    "notebook": ("portable data processing",),
    "tablet": ("portable data processing",),
    "computer": ("data processing",),
    "pc": ("data processing",),
    "phone": ("telephone",),
    "mobile": ("cellular",),
    "cellphone": ("cellular telephone",),
    "earbuds": ("earphones",),
    "headset": ("headphones",),
    "tv": ("television reception",),
    "sneakers": ("tennis shoes", "sports footwear"),
    "running": ("sports",),
    "shoes": ("footwear",),
    "boots": ("footwear",),
    "sandals": ("footwear",),
    "hoodie": ("sweatshirts",),
    "jeans": ("denim trousers",),
    "pants": ("trousers",),
    "purse": ("handbags",),
    "wooden": ("wood",),
    "woolen": ("wool",),
    "woollen": ("wool",),
    "cup": ("mugs",),
    "saucepan": ("cooking ware",),
    "pan": ("cooking ware",),
    "cookware": ("cooking ware",),
    "aluminium": ("aluminum",),
    "bike": ("bicycles",),
    "charger": ("static converters",),
    "lamp": ("luminaires",),
}
"""Words shoppers use that the schedule does not (or not alone), and the schedule's words for
them (an alternative of several words matches a line that has them all). Kept short; a test
checks that every alternative is the schedule's wording, and the ranking test holds the
queries they are for (``thermos``, ``notebook computer``, ``denim jeans``) to their lines."""

_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u02bc\u2018`"), None)
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"^[0-9][0-9. ]*$")
_STEMMER = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents or apostrophes (``Women's`` is ``womens``); letters outside
    the Latin alphabet are dropped (the schedule has none)."""
    text = text.lower().translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text


def words(text: str) -> list[str]:
    """The words of ``text`` that search weighs: folded, stop words dropped."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOP_WORDS]


def stems(text: str) -> list[str]:
    return [_stem(w) for w in words(text)]


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def number_prefix(query: str) -> str | None:
    """The digits of a query that is an HTS number or the start of one, else None."""
    query = query.strip()
    if not _NUMBER.match(query):
        return None
    digits = query.replace(".", "").replace(" ", "")
    return digits if 2 <= len(digits) <= 10 else None


def searchable(query: str) -> bool:
    """Whether ``query`` has anything to search for: a letter or a digit."""
    return bool(_WORD.search(fold(query)))


@dataclass(frozen=True, slots=True)
class Hit:
    line: Line
    score: float


@dataclass(frozen=True)
class Query:
    """A query as the index reads it: each word with the alternatives it also matches."""

    key: str
    """What identifies the query whatever its spelling (case, accents, stop words, word
    forms): a cursor of one query is good for the same query spelled otherwise."""
    concepts: tuple[tuple[tuple[tuple[str, ...], float], ...], ...]
    """Per query word: ``(stems of an alternative, weight)``; an alternative of several
    stems matches a line that has them all."""
    prefix: str | None = None
    parts: bool = False
    """Whether the query asks for parts (then lines of parts are not put after the others)."""


class Index:
    """Postings per stem: the documents (numbered lines) that have it and its BM25 weight
    there, computed once at build (the query only adds them up)."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.lines: list[Line] = [ln for ln in schedule.lines if ln.number]
        parents = {ln.parent for ln in schedule.lines}
        part = _stem("parts")
        of_parts: set[int] = set()  # rows of parts: "Parts" below the heading, and their rows
        own: list[dict[str, float]] = []  # per row: its stems, weighted for its place
        context: dict[int, dict[str, float]] = {}  # per parent row: what its children inherit
        counted: dict[str, Counter[str]] = {}  # many rows say the same ("Other", "Women's")
        for line in schedule.lines:
            counts = counted.get(line.description)
            if counts is None:
                counts = counted[line.description] = Counter(stems(line.description))
            if line.parent < 0:
                own.append({stem: n * HEADING for stem, n in counts.items()})
                if line.index in parents:
                    context[line.index] = own[-1]
                continue
            own.append({stem: n * OWN for stem, n in counts.items()})
            if part in counts or line.parent in of_parts:
                of_parts.add(line.index)
            if line.index in parents:
                inherited = dict(context[line.parent])
                for stem, n in counts.items():
                    inherited[stem] = inherited.get(stem, 0.0) + n * CONTEXT
                context[line.index] = inherited
        # a line's term frequencies: what it inherits from its parent plus its own
        empty: dict[str, float] = {}
        docs = [(context.get(ln.parent, empty), own[ln.index]) for ln in self.lines]
        sums = {row: sum(tf.values()) for row, tf in context.items()}
        lengths = [sums.get(ln.parent, 0.0) + sum(own[ln.index].values()) for ln in self.lines]
        average = sum(lengths) / len(lengths) if lengths else 1.0
        found: Counter[str] = Counter()
        for inherited, mine in docs:
            found.update(inherited.keys() | mine.keys())
        count = len(self.lines)
        # BM25 of each stem in each line, with the stem's idf and (K1 + 1) folded in
        scale = {stem: (K1 + 1) * math.log(1 + (count - n + 0.5) / (n + 0.5))
                 for stem, n in found.items()}
        ids: dict[str, list[int]] = {stem: [] for stem in found}
        weights: dict[str, list[float]] = {stem: [] for stem in found}
        for doc, (inherited, mine) in enumerate(docs):
            norm = K1 * (1 - B + B * lengths[doc] / average)
            for stem, f in inherited.items():
                f += mine.get(stem, 0.0)
                ids[stem].append(doc)
                weights[stem].append(scale[stem] * f / (f + norm))
            for stem, f in mine.items():
                if stem not in inherited:
                    ids[stem].append(doc)
                    weights[stem].append(scale[stem] * f / (f + norm))
        self.postings: dict[str, tuple[array[int], array[float]]] = {
            stem: (array("i", ids[stem]), array("f", weights[stem])) for stem in found}
        self.vocabulary = sorted(self.postings)
        self.numbers = sorted((ln.number, doc) for doc, ln in enumerate(self.lines))
        self.prior_for_parts = array("f", (
            (STATISTICAL if ln.statistical else 1.0) * (SPECIAL if ln.number[:2] in ("98", "99")
                                                       else 1.0) for ln in self.lines))
        self.prior = array("f", (
            weight * (PARTS if ln.index in of_parts else 1.0)
            for weight, ln in zip(self.prior_for_parts, self.lines, strict=True)))
        self.synonyms = {_stem(w): tuple(tuple(stems(alt)) for alt in alts)
                         for w, alts in SYNONYMS.items()}

    def parse(self, text: str) -> Query:
        """The query ``text`` as the index reads it (``searchable(text)`` must hold)."""
        prefix = number_prefix(text)
        if prefix is not None:
            return Query(key="#" + prefix, concepts=(), prefix=prefix)
        concepts = []
        seen: list[str] = []
        for word, stem in zip(words(text), stems(text), strict=True):
            if stem in seen:
                continue
            if len(seen) == MAX_WORDS:
                break
            seen.append(stem)
            alternatives: list[tuple[tuple[str, ...], float]] = [((stem,), 1.0)]
            alternatives += [(alt, ALTERNATIVE) for alt in self.synonyms.get(stem, ())
                             if alt != (stem,)]
            if stem not in self.postings and len(word) >= 3:
                alternatives += [((s,), ALTERNATIVE) for s in self._starting_with(word)]
            concepts.append(tuple(alternatives))
        return Query(key=" ".join(seen), concepts=tuple(concepts), parts=_stem("parts") in seen)

    def search(self, query: Query, count: int) -> list[Hit]:
        """The ``count`` best lines the query finds, best first (ties in schedule order)."""
        if query.prefix is not None:
            start = bisect_left(self.numbers, (query.prefix, -1))
            docs = []
            for number, doc in self.numbers[start:]:
                if not number.startswith(query.prefix):
                    break
                docs.append(doc)
            return [Hit(self.lines[doc], 1.0) for doc in sorted(docs)[:count]]
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        for alternatives in query.concepts:
            best = self._best_of(alternatives)
            if not scores:
                scores, matched = best, dict.fromkeys(best, 1)
                continue
            for doc, score in best.items():
                if doc in scores:
                    scores[doc] += score
                    matched[doc] += 1
                else:
                    scores[doc] = score
                    matched[doc] = 1
        if not scores:
            return []
        total = len(query.concepts)
        coordination = [(n / total) ** 2 for n in range(total + 1)]
        prior = self.prior_for_parts if query.parts else self.prior
        ranked = heapq.nlargest(count, (
            (score * prior[doc] * coordination[matched[doc]], -doc)
            for doc, score in scores.items()))
        return [Hit(self.lines[-doc], round(score, 4)) for score, doc in ranked]

    def _best_of(self, alternatives: tuple[tuple[tuple[str, ...], float], ...]
                 ) -> dict[int, float]:
        """Per document, the best score of one query word's alternatives."""
        if len(alternatives) == 1:
            return self._all_of(alternatives[0][0])
        best: dict[int, float] = {}
        for alternative, weight in alternatives:
            for doc, score in self._all_of(alternative).items():
                score *= weight
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def _all_of(self, terms: Iterable[str]) -> dict[int, float]:
        """The documents having every one of ``terms``, with the sum of their weights."""
        found: dict[int, float] | None = None
        for term in terms:
            posting = self.postings.get(term)
            if posting is None:
                return {}
            here = dict(zip(*posting, strict=True))
            found = here if found is None else {
                d: s + here[d] for d, s in found.items() if d in here}
        return found or {}

    def _starting_with(self, word: str) -> list[str]:
        """The schedule's stems that begin with ``word``, the most used first."""
        start = bisect_left(self.vocabulary, word)
        found = []
        for stem in self.vocabulary[start:]:
            if not stem.startswith(word):
                break
            found.append(stem)
        found.sort(key=lambda s: -len(self.postings[s][0]))
        return found[:MAX_PREFIXES]


_lock = threading.Lock()
_indexes: dict[int, Index] = {}


def index_of(schedule: Schedule) -> Index:
    """The index of ``schedule``, built on first use and kept (one schedule per process; a
    refreshed one, loaded anew, gets its own)."""
    found = _indexes.get(id(schedule))
    if found is not None and found.schedule is schedule:
        return found
    with _lock:
        found = _indexes.get(id(schedule))
        if found is None or found.schedule is not schedule:
            _indexes.clear()
            found = _indexes[id(schedule)] = Index(schedule)
        return found
