"""``entrygo packages download``: every artifact of a customs package, each checked against
the sha256 the package records before it is put in place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from entrygo.commands.output import (
    ApiKeyOption,
    BaseUrlOption,
    Code,
    Failure,
    JsonOption,
    Ui,
    table,
)

packages_app = typer.Typer(help="Customs packages and their artifacts, over the API.",
                           no_args_is_help=True)


@packages_app.command("download")
def download(
    package: Annotated[str, typer.Argument(help="The customs package id (cp_...).",
                                           show_default=False, metavar="PACKAGE")],
    to: Annotated[Path, typer.Option("--to", help="The folder to write into (made if missing).",
                                     show_default=False, metavar="DIR")],
    json_output: JsonOption = False,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Download every artifact of a customs package, sha256 verified.

    Each file is checked against the sha256 the package records and written under its own
    name only once it matches (a file that does not match is not written: exit 5). Files of
    the same name in the folder are replaced.

    Example:

        entrygo packages download cp_123 --to customs-package/
    """
    from entrygo.commands.session import connect

    ui = Ui(json_output)
    with ui.reported():
        if to.exists() and not to.is_dir():
            raise Failure(Code.USAGE, "NOT_A_FOLDER", f"--to {to} is not a folder")
        with connect(ui, base_url, api_key) as client:
            found = client.packages.get(package)
            to.mkdir(parents=True, exist_ok=True)
            files: list[dict[str, Any]] = []
            for artifact in found.artifacts:
                path = client.packages.download(found.id, artifact.filename, to=to,
                                                sha256=artifact.sha256)
                files.append({"filename": artifact.filename, "path": str(path),
                              "artifactType": artifact.artifact_type,
                              "sizeBytes": path.stat().st_size, "sha256": artifact.sha256,
                              "verified": True})
    ui.json({"customsPackage": found.model_dump(mode="json", by_alias=True,
                                                exclude_unset=True), "files": files})
    shown = table("file", "type", "bytes", "sha256", "check",
                  title=f"{found.id} ({found.package_number}, {found.state}) -> {to}")
    for f in files:
        shown.add_row(f["filename"], f["artifactType"], f"{f['sizeBytes']:,}", f["sha256"],
                      "sha256 ok")
    ui.result(shown)
