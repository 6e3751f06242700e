"""`vsa export`: an engagement's readout as a Markdown or HTML document; with ``--pov``,
every opportunity's proof of value as CSV, to compare win rates with and without one."""

from __future__ import annotations

import csv
import io
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


POV_COLUMNS = (
    "workspace",
    "engagement",
    "customer",
    "kind",
    "had_pov",
    "pov_status",
    "pov_start",
    "pov_end",
    "success_criteria",
    "notes",
    "outcome",
)
# A spreadsheet runs a cell that starts like a formula (OWASP, "CSV Injection"): such a
# cell is prefixed with a quote, so it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


async def export_povs(settings: Settings, workspace: str | None = None) -> tuple[str, str]:
    """Every opportunity (engagement) of the database, or of one workspace, as CSV: one
    row each, with its proof of value if it had one and its outcome. Returns the CSV
    and a line comparing the win rates with and without a proof of value."""
    from assistant.delivery import POV_STATUSES

    assistant = await Assistant.start(settings)

    def rows(session: Session) -> list[dict[str, Any]]:
        return [
            {
                "workspace": engagement.tenant,
                "engagement": engagement.name,
                "customer": engagement.customer,
                "kind": engagement.kind,
                "had_pov": "yes" if pov is not None else "no",
                "pov_status": POV_STATUSES.get(pov.status, pov.status) if pov else "",
                "pov_start": pov.start_date.isoformat() if pov and pov.start_date else "",
                "pov_end": pov.end_date.isoformat() if pov and pov.end_date else "",
                "success_criteria": pov.success_criteria or "" if pov else "",
                "notes": pov.notes or "" if pov else "",
                "outcome": engagement.outcome or "open",
            }
            for engagement, pov in repo.opportunities(session, workspace)
        ]

    try:
        found = await assistant.db.run(rows)
    finally:
        await assistant.close()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POV_COLUMNS)
    for row in found:
        writer.writerow([csv_cell(row[column]) for column in POV_COLUMNS])
    return out.getvalue(), win_rates(found)


def win_rates(rows: list[dict[str, Any]]) -> str:
    """Won of the closed (won or lost) opportunities, with a proof of value and without."""
    parts = []
    for label, had in (("with a POV", "yes"), ("without a POV", "no")):
        closed = [r for r in rows if r["had_pov"] == had and r["outcome"] in ("won", "lost")]
        won = sum(1 for r in closed if r["outcome"] == "won")
        rate = f"{round(100 * won / len(closed))}%" if closed else "n/a"
        parts.append(f"{label} {rate} ({won} won of {len(closed)} closed)")
    still_open = sum(1 for r in rows if r["outcome"] not in ("won", "lost"))
    return f"Win rate {parts[0]}; {parts[1]}; {still_open} still open."
