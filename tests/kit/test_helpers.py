"""Pure building blocks: ids, money, timestamps, the JSON edge (no database)."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from entrygo.api.fields import _timestamp
from entrygo.api.validation import MAX_JSON_DEPTH, parse_json
from entrygo.api.wire import decimal_to_number
from entrygo.kit import ids
from entrygo.kit.clock import iso
from entrygo.kit.errors import ApiError
from entrygo.kit.money import cents, plain


def _reference_base32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append("0123456789abcdefghjkmnpqrstvwxyz"[value & 31])
        value >>= 5
    return "".join(reversed(out))


def test_ids_are_prefixed_sortable_and_unique():
    made = [ids.new_id("ord") for _ in range(5000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(re.fullmatch(r"ord_[0-9a-hjkmnp-tv-z]{26}", i) for i in made)
    with pytest.raises(ValueError):
        ids.new_id("nope")


def test_id_encoding_matches_crockford_base32():
    gen = random.Random(7)
    for _ in range(500):
        value = gen.getrandbits(80)
        assert ids._encode(value, 16) == _reference_base32(value, 16)
    assert ids._encode(0, 10) == "0" * 10


def test_money_rounding_is_half_up_to_cents():
    assert cents(Decimal("59.985")) == Decimal("59.99")
    assert cents(Decimal("0.005")) == Decimal("0.01")
    assert cents(Decimal("0.0049")) == Decimal("0.00")
    assert cents(Decimal("2.675")) == Decimal("2.68")  # binary float would give 2.67
    assert plain(Decimal("110.0000")) == "110" and plain(Decimal("0.00010")) == "0.0001"


def test_decimals_render_as_exact_json_numbers():
    assert decimal_to_number(Decimal("110.0000")) == 110
    assert isinstance(decimal_to_number(Decimal("110")), int)
    assert repr(decimal_to_number(Decimal("110.1"))) == "110.1"
    assert repr(decimal_to_number(Decimal("99999999.9999"))) == "99999999.9999"


def test_timestamps_are_utc_to_the_millisecond():
    assert iso(datetime(2026, 11, 27, 13, 1, 46, 123456, tzinfo=UTC)) == \
        "2026-11-27T13:01:46.123Z"
    assert iso(datetime(2026, 11, 27, 13, 1, 46)) == "2026-11-27T13:01:46.000Z"
    assert _timestamp("2026-11-27T15:01:46.5+02:00") == datetime(2026, 11, 27, 13, 1, 46,
                                                                 500000, tzinfo=UTC)


def test_json_that_is_not_json_is_invalid_request():
    assert parse_json(b'{"a": 1.10}') == {"a": Decimal("1.10")}
    for bad in (b"", b"  ", b"{", b"\xff"):
        with pytest.raises(ApiError) as err:
            parse_json(bad)
        assert err.value.error_code == "INVALID_REQUEST"


@pytest.mark.parametrize("depth", [33, 100, 500, 5_000, 200_000])
@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"k":', "}")])
def test_nesting_past_the_limit_is_too_big_never_a_recursion_error(depth, opener, closer):
    body = (opener * depth + "1" + closer * depth).encode()
    with pytest.raises(ApiError) as err:
        parse_json(body)
    assert err.value.status == 400 and err.value.error_code == "VALIDATION_ERROR"
    [issue] = err.value.details["issues"]
    assert issue["code"] == "too_big" and "32 levels" in issue["message"]
    if depth < 500:  # parsed, then refused where it went too deep: the path says where
        step = "0" if opener == "[" else "k"
        assert issue["path"] == ".".join([step] * MAX_JSON_DEPTH)


def test_nesting_up_to_the_limit_is_accepted():
    assert parse_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH) is not None
    deep = b'{"a":' * (MAX_JSON_DEPTH - 1) + b"[]" + b"}" * (MAX_JSON_DEPTH - 1)
    assert parse_json(deep) is not None
    # an unclosed body deeper than Python's recursion limit: still the nesting answer
    with pytest.raises(ApiError) as err:
        parse_json(b"[" * 10_000)
    assert err.value.details["issues"][0]["code"] == "too_big"


def test_log_redaction():
    from entrygo.kit.logs import redact

    assert redact("key shpbndl_live_AbC123xyz and shpbndl_test_Q9 for ops@example.com") == \
        "key shpbndl_live_[redacted] and shpbndl_test_[redacted] for [email]"


def test_bulk_insert_stores_exactly_what_a_core_insert_stores(tmp_path):
    """The SQLite fast path must not change how values are stored (timestamps as text with
    microseconds, decimals scaled, JSON as text)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import insert, text

    from entrygo.accounts.models import Account
    from entrygo.db.database import Database, bulk_insert
    from entrygo.db.migrate import upgrade
    from entrygo.orders.models import Order

    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    upgrade(url)
    db = Database(url)
    at = datetime(2026, 11, 27, 13, 1, 46, tzinfo=UTC)  # microsecond 0: the tricky case
    row = {"account_id": "acc_1", "destination_country": "US", "destination_region": "CA",
           "destination_postal_code": "94105", "consignee": {"name": "Jane"},
           "ordered_at": at, "currency": None, "incoterm": None, "metadata": {"k": [1, 2.5]},
           "total_value_usd": Decimal("110.5"), "content_hash": "h" * 64,
           "exported_batch_id": None, "created_at": at, "updated_at": at}
    with db.write() as s:
        s.execute(insert(Account), [{"id": "acc_1", "name": "x", "created_at": at}])
        s.execute(insert(Order.__table__), [{**row, "id": "ord_core", "external_id": "a"}])
        bulk_insert(s, Order.__table__, [{**row, "id": "ord_bulk", "external_id": "b"}])
    with db.read() as s:
        stored = {r[0]: r[1:] for r in s.execute(text(
            "SELECT id, consignee, ordered_at, metadata, total_value_usd, created_at "
            "FROM orders"))}
    db.dispose()
    assert stored["ord_bulk"] == stored["ord_core"]
    assert stored["ord_core"][1] == "2026-11-27 13:01:46.000000"


def test_decimal_places_are_counted_from_the_digits():
    from entrygo.api.fields import decimal_places

    cases = {"1.50": 1, "110": 0, "1E+2": 0, "0.0001": 4, "0.000": 0, "-0.50": 1,
             "1e-9": 9, "1e999999999": 0, "1e-999999999": 999999999,
             "1.00000000000000000000000000001": 29}
    assert {v: decimal_places(Decimal(v)) for v in cases} == cases


def test_a_body_is_utf8_only():
    for encoded in ('{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-16-le"),
                    '{"a": 1}'.encode("utf-32-be"), b'\xef\xbb\xbf{"a": 1}',
                    b'{"a": "\xed\xa0\x80"}'):  # a UTF-8-encoded surrogate (CESU)
        with pytest.raises(ApiError) as err:
            parse_json(encoded)
        assert err.value.error_code == "INVALID_REQUEST", encoded


def test_money_for_people_is_grouped_with_two_decimals_or_more():
    from entrygo.kit.money import for_people

    assert [for_people(Decimal(x)) for x in ("3200.0000", "12.3456", "0.5", "2500", "0",
                                             "1234567.1", "-3.1")] == [
        "3,200.00", "12.3456", "0.50", "2,500.00", "0.00", "1,234,567.10", "-3.10"]
