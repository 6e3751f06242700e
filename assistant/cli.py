"""The `vsa` command line. Imports are deferred to each command: `vsa chat` must start
in well under a second, so platform SDKs stay out of its path."""

from __future__ import annotations

import asyncio
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assistant import texts
from assistant.texts import plural

app = typer.Typer(
    help="Value Stream Assistant: value stream assessments and delivery engagements in chat.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
dialogs_app = typer.Typer(help="Dialog definitions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(dialogs_app, name="dialogs")


def _add_platform_commands() -> None:
    # Listed explicitly; the Teams sub-app imports only typer at module level.
    from adapters.teams.cli import app as teams_app

    app.add_typer(teams_app, name="teams")


_add_platform_commands()


def _settings() -> object:
    from assistant.settings import Settings

    return Settings()


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def chat(
    user: Annotated[str, typer.Option("--user", help="Act as this participant.")] = "you",
) -> None:
    """Talk to the assistant in the terminal (embedded SQLite by default; no tokens needed)."""
    from adapters.console import chat as run_chat
    from assistant.app import Assistant
    from assistant.definitions import DefinitionError
    from assistant.settings import Settings
    from storage.db import DatabaseError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    async def main() -> None:
        assistant = await Assistant.start(Settings())
        try:
            await run_chat(assistant, user, sys.stdin, sys.stdout)
        finally:
            await assistant.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print()
    except (DefinitionError, DatabaseError) as error:
        raise _fail(str(error)) from None


@app.command()
def serve() -> None:
    """Serve Slack and Teams over HTTP (plus /healthz) with the scheduler."""
    from adapters.server import ConfigurationError, run
    from assistant.settings import Settings
    from storage.db import DatabaseError

    settings = Settings()
    logging.basicConfig(
        level=settings.LOG_LEVEL.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        run(settings)
    except (ConfigurationError, DatabaseError) as error:
        raise _fail(str(error)) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from assistant.settings import Settings
    from storage.db import Database, DatabaseError

    async def main() -> str | None:
        db = Database.from_url(Settings().DATABASE_URL)
        try:
            await db.upgrade()
            return await db.revision()
        finally:
            await db.close()

    try:
        revision = asyncio.run(main())
    except DatabaseError as error:
        raise _fail(str(error)) from None
    typer.echo(f"Database is at revision {revision}.")


@dialogs_app.command("check")
def dialogs_check(
    directory: Annotated[
        Path | None, typer.Argument(help="A folder of dialog files (default: the shipped ones).")
    ] = None,
) -> None:
    """Validate every dialog file; name the file and field of each problem."""
    from assistant.definitions import check_all, load_catalog

    problems = check_all(directory)
    if problems:
        for problem in problems:
            typer.secho(problem, fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    catalog = load_catalog(directory)
    for dialog in catalog.dialogs.values():
        typer.echo(f"ok  {dialog.id} v{dialog.version}: {dialog.title} ({len(dialog.steps)} steps)")


class ExportFormat(StrEnum):
    md = "md"
    html = "html"


@app.command()
def export(
    engagement: Annotated[
        str | None, typer.Argument(help="The engagement's name or reference.")
    ] = None,
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.md,
    workspace: Annotated[
        str | None, typer.Option(help="platform:workspace, when names repeat across workspaces")
    ] = None,
    pov: Annotated[
        bool,
        typer.Option(
            "--pov",
            help="Every opportunity's proof of value and outcome as CSV (all workspaces, "
            "or --workspace); the win rates with and without one go to standard error.",
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    retro: Annotated[
        bool, typer.Option("--retro", help="the recap of its latest retrospective instead")
    ] = False,
    writeups: Annotated[
        Path | None,
        typer.Option(
            "--writeups",
            help="Also write the discovery write-ups (one Markdown file each) into this folder.",
        ),
    ] = None,
    dora_year: Annotated[
        int, typer.Option("--dora-year", help="The State of DevOps table: 2024 or 2023.")
    ] = 2024,
) -> None:
    """Write an engagement's stakeholder readout (Markdown or HTML), or the recap of its
    latest retrospective, to standard output; with --pov the proofs of value as CSV."""
    from assistant.dora import YEARS
    from assistant.export import ExportError, export_engagement, export_povs
    from assistant.settings import Settings

    if pov:
        table, rates = asyncio.run(export_povs(Settings(), workspace))
        if output is not None:
            output.write_text(table, encoding="utf-8")
        else:
            typer.echo(table, nl=False)
        typer.echo(rates, err=True)
        return
    if engagement is None:
        raise _fail("Name the engagement to export, or pass --pov.")
    if dora_year not in YEARS:
        raise _fail(f"No State of DevOps table for {dora_year}; choose one of {YEARS}.")
    try:
        document, items = asyncio.run(
            export_engagement(
                Settings(),
                engagement,
                format.value,
                workspace,
                writeups is not None,
                dora_year,
                retro=retro,
                progress=_progress,
            )
        )
    except ExportError as error:
        raise _fail(str(error)) from None
    if output is not None:
        output.write_text(document, encoding="utf-8")
    else:
        typer.echo(document)
    _progress(
        texts.EXPORT_WRITTEN.format(
            what=texts.EXPORT_WHAT["retro" if retro else "readout"],
            where=output if output is not None else texts.EXPORT_STDOUT,
        )
    )
    if writeups is not None:
        writeups.mkdir(parents=True, exist_ok=True)
        for filename, content in items:
            (writeups / filename).write_text(content, encoding="utf-8")
        typer.secho(f"{plural(len(items), 'write-up')} written to {writeups}.", err=True)


def _progress(line: str) -> None:
    """A line on standard error for whoever waits at the terminal: standard output may
    carry the document itself (``vsa export ... > readout.md``)."""
    typer.echo(line, err=True)


def main() -> None:
    app()
