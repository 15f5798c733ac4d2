"""``entrygo login``: the key is checked before it is saved, saved readable by its owner only,
and used by every other command unless the environment or an option says otherwise."""

from __future__ import annotations

import stat
import tomllib
from typing import Any

from tests.cli_workflow.conftest import Cli, Merchant
from tests.support import check


def test_login_saves_a_private_config_that_the_other_commands_use(
        bare_cli: Cli, merchant: Merchant, backend: str, spec: Any):
    # a key that does not work is not saved
    run = bare_cli("login", "--base-url", merchant.base_url, "--api-key",
                   "shpbndl_live_notakeynotakeynotakeynotakey00", "--json")
    assert run.code == 2, run
    assert run.json()["errorCode"] == "INVALID_API_KEY"
    assert "entrygo login --api-key" in run.stderr
    assert not bare_cli.config_file.exists()

    asked = bare_cli("login", "--base-url", merchant.base_url)  # no key, nobody to ask
    assert asked.code == 2, asked
    assert "--api-key" in asked.stderr and not bare_cli.config_file.exists()

    # one that does is, readable by its owner only
    run = bare_cli("login", "--base-url", merchant.base_url + "/", "--api-key", merchant.key)
    assert run.code == 0, run
    for shown in (merchant.account_id, "live", backend, str(bare_cli.config_file)):
        assert shown in run.stdout

    path = bare_cli.config_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert tomllib.loads(path.read_text()) == {"base_url": merchant.base_url,
                                               "api_key": merchant.key}

    plan = merchant.planned("ord-ext-1001")
    saved = bare_cli("exports", "inspect", plan["exportId"], "--json")  # no option, no env
    assert saved.code == 0, saved
    assert saved.json()["exportId"] == plan["exportId"]

    # the environment overrides the file, and an option overrides both
    wrong = {"ENTRYGO_API_KEY": "shpbndl_live_revokedrevokedrevokedrevoked00"}
    overridden = bare_cli("exports", "inspect", plan["exportId"], "--json", env=wrong)
    assert overridden.code == 2, overridden
    assert overridden.json()["errorCode"] == "INVALID_API_KEY"
    given = bare_cli("exports", "inspect", plan["exportId"], "--api-key", merchant.key,
                     env=wrong)
    assert given.code == 0, given

    path.chmod(0o644)  # a file others can read is used, and said
    loose = bare_cli("exports", "inspect", plan["exportId"], "--json")
    assert loose.code == 0, loose
    assert f"chmod 600 {path}" in loose.stderr

    health = bare_cli("login", "--json")  # again, from the saved file: the health document
    assert health.code == 0, health
    check(spec, "get", "/api/system/health", 200, health.json())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # saved again, private again
    assert (health.json()["accountId"], health.json()["database"]["backend"]) == (
        merchant.account_id, backend)
