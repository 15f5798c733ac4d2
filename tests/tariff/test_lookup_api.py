"""docs/api/contract.md §5.10: the tariff lookup and search, over the app on both storage
backends (only the key check touches the database) and once over real HTTP."""

from __future__ import annotations

import base64

import httpx
import pytest

from entrygo.readiness import reference
from entrygo.tariff import search
from tests.support import check

SCHEDULE = reference.load().schedule
LINES = "/api/tariff/lines"


def envelope(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["errorCode"] == code, body
    assert body["requestId"] == r.headers["x-request-id"]
    assert set(body) <= {"errorCode", "message", "field", "details", "requestId"}
    return body


def issues(r: httpx.Response) -> list[tuple[str, str]]:
    body = envelope(r, 400, "VALIDATION_ERROR")
    return [(i["path"], i["code"]) for i in body["details"]["issues"]]


def numbers(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [hit["htsCode"] for hit in r.json()["data"]]


# --- lookup ----------------------------------------------------------------------------------

def test_a_statistical_line_with_its_path_units_and_rates(api):
    r = api.get(f"{LINES}/9617.00.10.00")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "htsCode": "9617001000", "dotted": "9617.00.10.00",
        "description": "Having a capacity not exceeding 1 liter",
        "path": ["Vacuum flasks and other vacuum vessels, complete; parts thereof other than "
                 "glass inners:", "Vessels:", "Having a capacity not exceeding 1 liter"],
        "units": ["No."],
        "rates": {"general": "7.2%",
                  "special": "Free (A,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",
                  "column2": "55.5%"},
        "statistical": True, "children": [], "revision": SCHEDULE.revision}
    # the number as digits, or with spaces: the same line
    for spelled in ("9617001000", "9617 00 10 00", "9617.001000"):
        assert api.get(f"{LINES}/{spelled}").json() == r.json(), spelled


def test_a_tariff_line_lists_its_statistical_lines_and_a_heading_has_no_rates(api):
    tariff = api.get(f"{LINES}/1702.20.40").json()
    assert (tariff["htsCode"], tariff["statistical"]) == ("17022040", False)
    assert [c["dotted"] for c in tariff["children"]] == [
        "1702.20.40.10", "1702.20.40.40", "1702.20.40.50", "1702.20.40.60", "1702.20.40.70"]
    child = tariff["children"][0]
    line = SCHEDULE.line(child["htsCode"])
    assert child == {"htsCode": line.number, "dotted": line.dotted,
                     "description": line.description, "units": list(line.units)}
    # the statistical line prints no rate: it takes its tariff line's
    stat = api.get(f"{LINES}/{child['htsCode']}").json()
    assert stat["rates"] == tariff["rates"] and tariff["rates"]["general"]
    heading = api.get(f"{LINES}/7323").json()
    assert (heading["htsCode"], heading["dotted"], heading["children"]) == ("7323", "7323", [])
    assert heading["rates"] == {"general": None, "special": None, "column2": None}
    assert heading["path"] == [heading["description"]]
    assert api.get(f"{LINES}/9617.00").json()["htsCode"] == "961700"  # a 6-digit subheading


def test_a_number_not_in_the_schedule_is_404_with_the_nearest_lines(api):
    r = api.get(f"{LINES}/9617.00.99.00")
    body = envelope(r, 404, "TARIFF_LINE_NOT_FOUND")
    assert "9617.00.99.00" in body["message"] and SCHEDULE.revision in body["message"]
    # heading 9617 has no row of its own (it starts at 9617.00): still found
    assert [s["dotted"] for s in body["details"]["suggestions"]] == [
        "9617.00.60.00", "9617.00.40.00", "9617.00.30.00", "9617.00.10.00"]
    assert body["details"]["suggestions"][0] == {
        "htsCode": "9617006000", "dotted": "9617.00.60.00", "description": "Parts",
        "units": ["No."]}
    body = envelope(api.get(f"{LINES}/0000"), 404, "TARIFF_LINE_NOT_FOUND")
    assert body["details"] == {"suggestions": []}  # no such heading


@pytest.mark.parametrize("hts", [
    "abc", "961", "96170", "9617001", "96170010001", "9617.00.10.00.00", "9617..00", "9617-00",
    "9617.00.", " 9617", "9617%0A", "1" * 300,
    "\u0669\u0666\u0661\u0667", "\uff19\uff16\uff11\uff17",  # Arabic-Indic, full-width digits
])
def test_a_malformed_number_is_400_on_hts(api, hts):
    assert issues(api.get(f"{LINES}/{hts}")) == [("hts", "invalid_format")]


# --- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("q, expected", [
    ("vacuum bottle", "9617001000"),  # "bottle" is not in its text: a synonym, "flask"
    ("stainless steel saucepan", "7323930045"),  # the demo's product: "cooking ware"
    ("Vacuum Bottles", "9617001000"),
    ("thermos", "9617001000"),
    ("cotton t-shirt", "6109100012"),
    ("lithium ion battery", "85076000"),
    ("laptop", "8471300100"),
    ("notebook computer", "8471300100"),
    ("tablet computer", "8471300100"),
    ("smartphone", "8517130000"),
    ("cellphone", "8517140050"),
    ("mobile phone", "8517140050"),
    ("running shoes", "640411"),
    ("denim jeans", "6203424511"),
    ("leather purse", "4202213000"),
    ("woollen sweater", "6110110015"),
    ("vacu", "8508600000"),  # a word the schedule does not know: the words it begins
])
def test_search_ranks_the_line_a_merchant_means_first(api, q, expected):
    r = api.get(LINES, params={"q": q, "limit": 5})
    assert numbers(r)[0] == expected, (q, numbers(r))
    hit = r.json()["data"][0]
    line = SCHEDULE.line(expected)
    assert hit == {"htsCode": line.number, "dotted": line.dotted,
                   "description": line.description, "path": list(SCHEDULE.path(line)),
                   "units": list(line.units), "score": hit["score"]}
    scores = [h["score"] for h in r.json()["data"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_every_synonym_leads_to_lines_that_say_it_the_schedule_way():
    """Each entry of SYNONYMS names words the schedule has (no entry is dead weight), and a
    query of the word alone finds lines that have the word or one of them; where the schedule
    lacks the word, one of them."""
    index = search.index_of(SCHEDULE)
    for word, alternatives in search.SYNONYMS.items():
        stems = [tuple(search.stems(alt)) for alt in alternatives]
        assert all(s and all(t in index.postings for t in s) for s in stems), word
        own = search.stems(word)[0]
        wanted = stems if own not in index.postings else [(own,), *stems]
        hits = index.search(index.parse(word), 5)
        texts = [set(search.stems(" ".join(SCHEDULE.path(h.line)))) for h in hits]
        assert hits and all(any(set(s) <= text for s in wanted) for text in texts), word


def test_search_by_number_lists_the_lines_below_it_in_schedule_order(api):
    assert numbers(api.get(LINES, params={"q": "9617"})) == [
        "961700", "9617001000", "9617003000", "9617004000", "9617006000"]
    found = numbers(api.get(LINES, params={"q": "6109.10", "limit": 100}))
    assert found and all(n.startswith("610910") for n in found)
    assert found == sorted(found, key=lambda n: SCHEDULE.line(n).index)
    assert {h["score"] for h in api.get(LINES, params={"q": "9617"}).json()["data"]} == {1}


def test_search_pages_through_the_ranking_with_a_cursor_bound_to_the_query(api, world, client):
    whole = numbers(api.get(LINES, params={"q": "cotton", "limit": 12}))
    pages, cursor = [], None
    for _ in range(3):
        params = {"q": "cotton", "limit": 4, **({"cursor": cursor} if cursor else {})}
        r = api.get(LINES, params=params)
        pages += numbers(r)
        cursor = r.json()["next_cursor"]
        assert r.json()["has_more"] and cursor
    assert pages == whole and len(set(pages)) == 12
    # the same query spelled otherwise takes the cursor; another query, list or account not
    same = api.get(LINES, params={"q": "  COTTON ", "limit": 4, "cursor": cursor})
    assert numbers(same) == numbers(api.get(LINES, params={"q": "cotton", "limit": 16}))[12:]
    assert issues(api.get(LINES, params={"q": "wool", "cursor": cursor})) == [
        ("cursor", "invalid_value")]
    assert issues(api.get("/api/products", params={"cursor": cursor})) == [
        ("cursor", "invalid_value")]
    other = world.tenant(client, "Another merchant")
    assert issues(other.get(LINES, params={"q": "cotton", "cursor": cursor})) == [
        ("cursor", "invalid_value")]
    # ... and the other account's own search answers exactly the same
    assert other.get(LINES, params={"q": "cotton", "limit": 12}).json()["data"] == \
        api.get(LINES, params={"q": "cotton", "limit": 12}).json()["data"]
    forged = base64.urlsafe_b64encode(b"nonsense.12").decode().rstrip("=")
    assert issues(api.get(LINES, params={"q": "cotton", "cursor": forged})) == [
        ("cursor", "invalid_value")]
    # the last page
    r = api.get(LINES, params={"q": "sunglasses"})
    assert (r.json()["has_more"], r.json()["next_cursor"]) == (False, None)


def test_search_refuses_what_it_cannot_search_and_finds_nothing_quietly(api):
    assert issues(api.get(LINES)) == [("q", "required")]
    assert issues(api.get(LINES, params={"q": ""})) == [("q", "too_small")]
    assert issues(api.get(LINES, params={"q": "x" * 201})) == [("q", "too_big")]
    for q in ("!!!", "   ", "\u200b", "😀", "--", "…"):
        assert issues(api.get(LINES, params={"q": q})) == [("q", "invalid_value")], q
    for limit, code in (("0", "too_small"), ("101", "too_big"), ("ten", "invalid_type")):
        assert issues(api.get(LINES, params={"q": "cotton", "limit": limit})) == [
            ("limit", code)]
    assert issues(api.get(LINES, params={"q": "cotton", "cursor": "a b"})) == [
        ("cursor", "invalid_format")]
    # words that say nothing about goods, or that no line has: an empty page, not an error
    for q in ("the of and", "qwxzrtpk", "' OR 1=1 --x"):
        r = api.get(LINES, params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert api.get(LINES, params={"q": "the of and"}).json() == {
        "data": [], "has_more": False, "next_cursor": None}
    assert numbers(api.get(LINES, params={"q": "x" * 200})) == []
    # a product title pasted whole: searched on its first 16 distinct words
    title = ("Insulated stainless steel vacuum bottle 32 oz double wall leak proof BPA free "
             "for sports travel hiking camping office school gym")
    assert numbers(api.get(LINES, params={"q": title}))


def test_the_tariff_reads_need_a_key(client):
    for path in (f"{LINES}/9617001000", f"{LINES}?q=vacuum", f"{LINES}/abc", f"{LINES}?q="):
        envelope(client.get(path), 401, "INVALID_API_KEY")


def test_answers_match_the_published_schemas(api, client):
    spec = client.get("/docs/api/openapi").json()
    for path, template, status in [
            (f"{LINES}/9617001000", "/api/tariff/lines/{hts}", 200),
            (f"{LINES}/17022040", "/api/tariff/lines/{hts}", 200),
            (f"{LINES}/9617009900", "/api/tariff/lines/{hts}", 404),
            (f"{LINES}/96x", "/api/tariff/lines/{hts}", 400),
            (f"{LINES}?q=vacuum+bottle&limit=3", LINES, 200),
            (f"{LINES}?q=9617", LINES, 200),
            (f"{LINES}?q=%21", LINES, 400)]:
        r = api.get(path)
        assert r.status_code == status, (path, r.text)
        check(spec, "get", template, status, r.json())
    lookup = spec["paths"]["/api/tariff/lines/{hts}"]["get"]
    assert lookup["responses"]["404"]["x-error-codes"] == ["TARIFF_LINE_NOT_FOUND"]
    assert lookup["operationId"] == "getTariffLine" and lookup["tags"] == ["tariff"]
    assert spec["paths"][LINES]["get"]["operationId"] == "searchTariffLines"
    # every other 404 still answers NOT_FOUND only
    assert spec["paths"]["/api/products/{product_id}"]["get"]["responses"]["404"][
        "x-error-codes"] == ["NOT_FOUND"]


def test_lookup_and_search_over_real_http(live_server, world):
    """``entrygo serve`` in its own process: the first search builds the index there."""
    account = world.account("HTTP merchant")
    key = world.key(account)
    base = live_server()
    with httpx.Client(base_url=base, headers={"authorization": f"Bearer {key}"},
                      timeout=30) as c:
        r = c.get(f"{LINES}/9617.00.10.00")
        assert r.status_code == 200 and r.json()["rates"]["general"] == "7.2%"
        assert r.headers["cache-control"] == "no-store"
        r = c.get(LINES, params={"q": "vacuum bottle", "limit": 2})
        assert r.status_code == 200, r.text
        assert numbers(r)[0] == "9617001000" and r.json()["has_more"]
        r = c.get(LINES, params={"q": "vacuum bottle", "limit": 2,
                                 "cursor": r.json()["next_cursor"]})
        assert len(numbers(r)) == 2
        envelope(c.get(f"{LINES}/9617009900"), 404, "TARIFF_LINE_NOT_FOUND")
        assert c.get(LINES, params={"q": "!"}).status_code == 400
