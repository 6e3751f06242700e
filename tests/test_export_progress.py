"""Long work shows progress at the terminal: `vsa export` tells, on standard error, what
it is doing (reading the interviews, drawing the maps) and when it is done, while
standard output carries the document and nothing else (``vsa export X > readout.md``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from assistant.app import Assistant
from assistant.cli import app
from assistant.settings import Settings
from storage import repositories as repo
from tests.chat import Chat
from tests.findings_seed import DANA, SAM, seed_finished
from tests.test_interview_flow import set_up_engagement


def seed(settings: Settings) -> None:
    async def set_up() -> None:
        assistant = await Assistant.start(settings)
        try:
            await set_up_engagement(Chat(assistant, "sa"))

            def write(session: Session) -> None:
                engagement = repo.find_engagement(session, "console:local", "Acme VSA")
                assert engagement is not None
                seed_finished(session, engagement, "idea_to_production", ("dana", "dana"), DANA)
                seed_finished(session, engagement, "idea_to_production", ("sam", "sam"), SAM)

            await assistant.db.run(write)
        finally:
            await assistant.close()

    asyncio.run(set_up())


def test_export_tells_its_progress_on_standard_error_only(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    seed(settings)
    env = {"DATABASE_URL": database_url}

    result = CliRunner().invoke(app, ["export", "acme vsa", "--format", "md"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Reading the finished interviews of Acme VSA…",  # its name as stored, not as typed
        "Drawing 1 value stream map…",
        "Readout written to standard output.",
    ]
    # Standard output is the document, exactly as --output writes it.
    written = tmp_path / "readout.md"
    to_file = CliRunner().invoke(app, ["export", "Acme VSA", "-o", str(written)], env=env)
    assert to_file.exit_code == 0, to_file.output
    assert result.stdout == written.read_text(encoding="utf-8") + "\n"
    assert result.stdout.startswith("# Acme VSA — stakeholder readout")
    assert to_file.stdout == ""
    assert to_file.stderr.splitlines()[-1] == f"Readout written to {written}."
