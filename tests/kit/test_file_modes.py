"""What EntryGo writes to disk (database, secret, artifacts, outbox mail) is readable by the
service's own user only: files 0600, folders 0700, whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest
from fastapi.testclient import TestClient

from entrygo.app import create_app
from entrygo.config import Settings
from entrygo.db.database import Database
from tests.support import Flow, World


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("backend", ["sqlite"])  # the files are the embedded default's
def test_data_files_are_private(tmp_path, backend):
    old_umask = os.umask(0o022)  # the usual default: files 644, folders 755
    data = tmp_path / "data"
    settings = Settings(data_dir=data, auto_migrate=True, auth_cache_seconds=0)
    db = Database(settings.resolved_database_url)
    try:
        with TestClient(create_app(settings)) as client:
            tenant = World(db, settings).tenant(client)
            flow = Flow(tenant)
            plan = flow.plan([flow.order("o-1")]).json()
            done = tenant.post("/api/exports/execute", {"accountId": tenant.account_id,
                                                       "batchId": plan["exportId"]})
            assert done.status_code == 200, done.text
            assert done.json()["brokerSubmission"]["transport"] == "outbox"
            # while the server runs: the -wal and -shm files exist
            files = [p for p in data.rglob("*") if p.is_file()]
            folders = [data, *(p for p in data.rglob("*") if p.is_dir())]
            names = {p.name for p in files}
            assert {"entrygo.db", "entrygo.db-wal", "entrygo.db-shm", "secret_key"} <= names
            assert any(p.suffix == ".eml" for p in files) and (data / "artifacts").is_dir()
            assert {str(p.relative_to(data)): oct(_mode(p)) for p in files
                    if _mode(p) != 0o600} == {}
            assert {str(p.relative_to(data)): oct(_mode(p)) for p in folders
                    if _mode(p) != 0o700} == {}
    finally:
        db.dispose()
        os.umask(old_umask)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_older_install_is_tightened_at_start(tmp_path, backend):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    database = data / "entrygo.db"
    database.write_bytes(b"")
    os.chmod(database, 0o644)
    os.chmod(data, 0o755)
    settings = Settings(data_dir=data, auto_migrate=True)
    with TestClient(create_app(settings)):
        pass
    assert _mode(data) == 0o700 and _mode(database) == 0o600
