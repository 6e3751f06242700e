"""`vsa export`: an engagement's readout as a Markdown or HTML document."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.definitions import normalize_words
from assistant.events import File, Outbound
from assistant.render import to_html, to_markdown
from assistant.settings import Settings
from storage import repositories as repo


class ExportError(RuntimeError):
    """No such engagement, or the name is ambiguous; the message says which."""


async def export_engagement(
    settings: Settings, name: str, fmt: str, workspace: str | None = None, *, retro: bool = False
) -> str:
    """The engagement's readout; with ``retro``, the recap of its latest retrospective."""
    assistant = await Assistant.start(settings)
    wanted = normalize_words(name)

    def readout(session: Session) -> tuple[str, Outbound]:
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
        if retro:
            return found[0].name, assistant.service.retros.recap_message(session, found[0])
        return found[0].name, assistant.service.engagement_detail(session, found[0])

    try:
        title, message = await assistant.db.run(readout)
    finally:
        await assistant.close()
    blocks: list[Any] = [b for b in message.blocks if not isinstance(b, File)]
    if fmt == "html":
        return to_html(blocks, title=title)
    return to_markdown(blocks)
