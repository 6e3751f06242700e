"""`vsa export`: an engagement's stakeholder readout as a Markdown or HTML document, and
its discovery write-ups as Markdown files."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.definitions import normalize_words
from assistant.document import Format
from assistant.dora import DEFAULT_YEAR
from assistant.settings import Settings
from assistant.writeups import write_ups
from storage import repositories as repo
from storage.models import Engagement


class ExportError(RuntimeError):
    """No such engagement, or the name is ambiguous; the message says which."""


def _find(session: Session, name: str, workspace: str | None) -> Engagement:
    wanted = normalize_words(name)
    found = [
        e
        for e in repo.all_engagements(session, tenant=workspace)
        if wanted in (normalize_words(e.name), normalize_words(e.slug))
    ]
    if not found:
        raise ExportError(f"No engagement called {name!r}.")
    tenants = sorted({e.tenant for e in found})
    if len(tenants) > 1:
        raise ExportError(
            f"{name!r} exists in several workspaces ({', '.join(tenants)}); pass --workspace."
        )
    return found[0]


async def export_engagement(
    settings: Settings,
    name: str,
    fmt: str,
    workspace: str | None = None,
    writeups: bool = False,
    year: int = DEFAULT_YEAR,
) -> tuple[str, list[tuple[str, str]]]:
    """The readout document and, with ``writeups``, the discovery write-ups as
    (file name, Markdown) pairs, one per piece of work found in discovery."""
    assistant = await Assistant.start(settings)
    service = assistant.service

    def readout(session: Session) -> tuple[str, list[tuple[str, str]]]:
        engagement = _find(session, name, workspace)
        document = service.reports.document(session, engagement, cast(Format, fmt), year)
        items = []
        if writeups:
            found = service.reports.findings(session, engagement, year=year)
            items = [
                (w.filename, w.content) for w in write_ups(service.catalog.templates_dir, found)
            ]
        return document, items

    try:
        return await assistant.db.run(readout)
    finally:
        await assistant.close()
