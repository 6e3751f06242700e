"""`vsa teams ...`: a typer sub-app; the main CLI adds it with
``app.add_typer(teams_app, name="teams")``.

Only typer is imported here; the rest is imported when a command runs, so `vsa chat`
stays quick to start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Microsoft Teams: the app package for your tenant.", no_args_is_help=True)


@app.callback()
def teams() -> None:
    """Microsoft Teams: the app package for your tenant."""


@app.command("package")
def package_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The zip to write, or a folder to write it into.")
    ] = Path("."),
    publisher: Annotated[
        str | None, typer.Option(help="The publisher's name shown in Teams.")
    ] = None,
    website_url: Annotated[str | None, typer.Option(help="https URL of the publisher.")] = None,
    privacy_url: Annotated[
        str | None, typer.Option(help="https URL of the privacy statement.")
    ] = None,
    terms_url: Annotated[str | None, typer.Option(help="https URL of the terms of use.")] = None,
    version: Annotated[
        str | None, typer.Option(help="The app version (x.y.z); raise it for every upload.")
    ] = None,
) -> None:
    """Build the Teams app package (manifest.json and icons) with MICROSOFT_APP_ID."""
    from adapters.teams.package import PackageError, Publisher, package
    from assistant.settings import Settings

    defaults = Publisher()
    chosen = Publisher(
        name=publisher or defaults.name,
        website_url=website_url or defaults.website_url,
        privacy_url=privacy_url or website_url or defaults.privacy_url,
        terms_url=terms_url or website_url or defaults.terms_url,
    )
    try:
        written = package(Settings(), output, publisher=chosen, version=version)
    except PackageError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Wrote {written}")
    typer.echo(
        "Upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin center."
    )
