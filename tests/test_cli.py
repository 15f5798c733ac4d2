"""The command line, run as a user runs it: a real ``entrygo`` process against the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select

from entrygo.accounts.models import Account
from entrygo.auth.models import ApiKey
from tests.support import entrygo

EXAMPLE_CSV = Path(__file__).resolve().parents[1] / "examples" / "products.csv"
EXPORT_LINE = re.compile(r'^export (ENTRYGO_[A-Z_]+)="([^"$`\\]*)"$')


def exports(stdout: str) -> dict[str, str]:
    lines = stdout.strip().splitlines()
    parsed = [EXPORT_LINE.match(line) for line in lines]
    assert all(parsed), lines
    return {m.group(1): m.group(2) for m in parsed if m}


def test_demo_prints_the_guide_variables_and_reuses_the_account(settings, db, client):
    first = entrygo(settings.resolved_database_url, settings.data_dir, "demo")
    assert first.returncode == 0, first.stderr
    env = exports(first.stdout)
    assert list(env) == ["ENTRYGO_BASE_URL", "ENTRYGO_API_KEY", "ENTRYGO_ACCOUNT_ID",
                         "ENTRYGO_WAREHOUSE_ID", "ENTRYGO_BROKER_ID", "ENTRYGO_PRODUCT_ID"]
    assert env["ENTRYGO_BASE_URL"] == "http://localhost:3000"  # no server running yet
    assert "no EntryGo server answers" in first.stderr
    assert env["ENTRYGO_API_KEY"].startswith("shpbndl_test_")  # the demo works in test mode
    assert not env["ENTRYGO_ACCOUNT_ID"].startswith("acc_test_")  # the account's public id
    for name, prefix in (("ACCOUNT", "acc_"), ("WAREHOUSE", "wh_"), ("BROKER", "br_"),
                         ("PRODUCT", "prod_")):
        assert env[f"ENTRYGO_{name}_ID"].startswith(prefix)

    # a second call reuses everything, the key included: no pile of keys after a session
    second = exports(entrygo(settings.resolved_database_url, settings.data_dir, "demo").stdout)
    assert second == env
    with db.read() as s:  # the account and its test partition; one key
        assert s.scalars(select(Account.id).order_by(Account.id)).all() == [
            env["ENTRYGO_ACCOUNT_ID"], "acc_test_" + env["ENTRYGO_ACCOUNT_ID"][4:]]
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 1
    assert oct((settings.data_dir / "demo_api_key").stat().st_mode & 0o777) == "0o600"

    # --rotate: a new key, the old one revoked
    rotated = exports(entrygo(settings.resolved_database_url, settings.data_dir, "demo",
                              "--rotate").stdout)
    assert rotated["ENTRYGO_API_KEY"] != env["ENTRYGO_API_KEY"]
    assert {k: v for k, v in rotated.items() if k != "ENTRYGO_API_KEY"} == \
        {k: v for k, v in env.items() if k != "ENTRYGO_API_KEY"}
    old = client.get("/api/system/health",
                     headers={"authorization": f"Bearer {env['ENTRYGO_API_KEY']}"})
    assert old.status_code == 401
    auth = {"authorization": f"Bearer {rotated['ENTRYGO_API_KEY']}"}
    health = client.get("/api/system/health", headers=auth).json()
    assert (health["accountId"], health["livemode"]) == (env["ENTRYGO_ACCOUNT_ID"], False)
    bottle = client.get(f"/api/products/{env['ENTRYGO_PRODUCT_ID']}", headers=auth).json()
    assert bottle["htsCode"] == "7323930045"
    assert bottle["metalContent"]["steelMeltPourCountry"] == "CA"
    broker = client.get(f"/api/brokers/{env['ENTRYGO_BROKER_ID']}", headers=auth).json()
    assert broker["email"] == "broker@example.com"
    warehouse = client.get(f"/api/warehouses/{env['ENTRYGO_WAREHOUSE_ID']}", headers=auth).json()
    assert warehouse["country"] == "CA"
    assert (warehouse["accountId"], warehouse["livemode"]) == (env["ENTRYGO_ACCOUNT_ID"], False)
    assert len(client.get("/api/products", headers=auth).json()["data"]) == 3


def test_setup_commands(settings, client):
    url, data = settings.resolved_database_url, settings.data_dir
    account = entrygo(url, data, "accounts", "create", "--name", "Acme 3PL").stdout.strip()
    assert account.startswith("acc_")
    wh = entrygo(url, data, "warehouses", "create", "--account", account, "--name", "Laval",
                 "--country", "ca", "--notify-email", "ops@example.com", "--mode", "test")
    assert wh.returncode == 0, wh.stderr
    live_wh = entrygo(url, data, "warehouses", "create", "--account", account, "--name", "Laval",
                      "--country", "ca")
    assert live_wh.returncode == 0, live_wh.stderr
    # a test key's warehouse must be a test-mode one
    crossed = entrygo(url, data, "keys", "create", "--account", account, "--mode", "test",
                      "--warehouse", live_wh.stdout.strip())
    assert crossed.returncode == 1 and "no test-mode warehouse" in crossed.stderr
    bad = entrygo(url, data, "warehouses", "create", "--account", account, "--name", "X",
                  "--country", "UK")
    assert bad.returncode == 1 and "country: Not an ISO 3166-1 alpha-2 country code" in bad.stderr
    br = entrygo(url, data, "brokers", "create", "--account", account, "--name", "Brokers Inc",
                 "--email", "filings@example.com", "--filer-code", "abc")
    assert br.returncode == 0, br.stderr
    key = entrygo(url, data, "keys", "create", "--account", account, "--mode", "test",
                  "--warehouse", wh.stdout.strip())
    assert key.returncode == 0, key.stderr
    secret = key.stdout.strip()
    auth = {"authorization": f"Bearer {secret}"}
    health = client.get("/api/system/health", headers=auth).json()
    assert health["apiKey"]["mode"] == "test"
    assert health["apiKey"]["warehouseId"] == wh.stdout.strip()

    listed = entrygo(url, data, "keys", "list", "--account", account)
    assert health["apiKey"]["id"] in listed.stdout and secret not in listed.stdout

    # --account may come from ENTRYGO_ACCOUNT_ID, as `entrygo demo` exports it
    # and the mode from ENTRYGO_API_KEY (a test key: the products are test-mode products)
    imported = entrygo(url, data, "products", "import", str(EXAMPLE_CSV),
                       env={"ENTRYGO_ACCOUNT_ID": account, "ENTRYGO_API_KEY": secret})
    assert imported.returncode == 0, imported.stderr
    result = json.loads(imported.stdout)
    assert (result["created"], result["updated"], result["unchanged"]) == (5, 0, 0)
    assert [p["syncStatus"] for p in result["products"]] == ["created"] * 5
    ids = {p["externalId"]: p["id"] for p in result["products"]}
    assert all(i.startswith("prod_") for i in ids.values())
    got = client.get(f"/api/products/{ids['SAUCEPAN-1L-SS']}", headers=auth)
    assert got.status_code == 200 and got.json()["externalId"] == "SAUCEPAN-1L-SS"
    assert got.json()["livemode"] is False
    live_key = entrygo(url, data, "keys", "create", "--account", account).stdout.strip()
    live = {"authorization": f"Bearer {live_key}"}
    assert client.get(f"/api/products/{ids['SAUCEPAN-1L-SS']}", headers=live).status_code == 404
    assert client.get("/api/products", headers=live).json()["data"] == []
    assert [w["id"] for w in client.get("/api/warehouses", headers=live).json()["data"]] == [
        live_wh.stdout.strip()]

    revoked = entrygo(url, data, "keys", "revoke", health["apiKey"]["id"])
    assert revoked.returncode == 0
    assert client.get("/api/system/health", headers=auth).status_code == 401
    missing = entrygo(url, data, "keys", "create", "--account", "acc_nope")
    assert missing.returncode == 1 and "no account" in missing.stderr


def test_demo_prints_the_url_of_the_server_that_runs(settings, db, live_server):
    """The server runs on another port, set only in its own shell: the demo, run in another
    shell, still prints the server's URL (the server records where it listens when ready)."""
    base = live_server()  # a free port, given as --port, nothing in the demo's environment
    assert not base.endswith(":3000")
    ran = entrygo(settings.resolved_database_url, settings.data_dir, "demo")
    assert ran.returncode == 0, ran.stderr
    url = exports(ran.stdout)["ENTRYGO_BASE_URL"]
    assert url.removeprefix("http://localhost") == base.removeprefix("http://127.0.0.1")
    assert "no EntryGo server" not in ran.stderr
