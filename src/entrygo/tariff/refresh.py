"""Replacing the schedule in the reference data with a newer USITC export.

``entrygo tariff refresh EXPORT`` converts the export to the compact form beside the other
reference data, compares it with the schedule in use, and records the new file and revision in
``hts.json``. The revision is part of the reference-data version, so every plan's ``planHash``
changes with the schedule.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

from entrygo.tariff import schedule, usitc

SETTINGS_FILE = "hts.json"


def settings(data_dir: Path) -> dict[str, str]:
    """``hts.json``: the compact file in use, its revision, and the export it came from."""
    value: dict[str, str] = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    return value


def current(data_dir: Path) -> schedule.Schedule:
    conf = settings(data_dir)
    return schedule.load(data_dir / conf["file"], conf["revision"])


def refresh(export: Path, data_dir: Path, revision: str | None = None, *,
            write: bool = True) -> tuple[schedule.Schedule, schedule.Changes]:
    """Read ``export``, compare it with the schedule in use and (unless ``write`` is false)
    make it the schedule in use. The revision comes from the export's file name unless given."""
    revision = revision or usitc.revision_of(export)
    if not revision:
        raise usitc.ExportError(f"{export.name}: the file name states no revision (like "
                                "hts_2026_rev19.csv); give it with --revision")
    rows = usitc.read_export(export)
    new = schedule.build(rows, revision)
    changes = schedule.compare(current(data_dir), new)
    if write:
        name = f"hts_{re.sub(r'[^0-9a-z]+', '_', revision.lower().replace('rev. ', 'rev'))}.tsv.gz"
        usitc.write_compact(rows, data_dir / name)
        raw = export.read_bytes()
        plain = gzip.decompress(raw) if export.suffix == ".gz" else raw
        old = settings(data_dir)
        conf = {**old, "file": name, "revision": revision,
                "export_sha256": hashlib.sha256(plain).hexdigest()}
        (data_dir / SETTINGS_FILE).write_text(json.dumps(conf, indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
        if old["file"] != name:
            (data_dir / old["file"]).unlink(missing_ok=True)
    return new, changes
