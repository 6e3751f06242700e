"""`vsa export`: an engagement's stakeholder readout as a Markdown or HTML document, its
discovery write-ups as Markdown files, or the recap of its latest retrospective; with
``--pov``, every opportunity's proof of value as CSV, to compare win rates with and
without one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from sqlalchemy.orm import Session

from assistant import texts
from assistant.app import Assistant
from assistant.definitions import normalize_words
from assistant.document import Format
from assistant.dora import DEFAULT_YEAR
from assistant.events import File
from assistant.readout import EngagementFindings
from assistant.render import to_html, to_markdown
from assistant.settings import Settings
from assistant.vsm_picture import render_map
from assistant.writeups import write_ups
from storage import repositories as repo
from storage.models import Engagement

# Told each stage as it begins: a line for a person waiting at a terminal.
Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


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
    *,
    retro: bool = False,
    progress: Progress = _quiet,
) -> tuple[str, list[tuple[str, str]]]:
    """The readout document and, with ``writeups``, the discovery write-ups as
    (file name, Markdown) pairs, one per piece of work found in discovery; with
    ``retro``, the recap of the engagement's latest retrospective instead.

    ``progress`` is told each stage as it begins (reading the interviews, drawing the
    maps): with a thousand participants the export takes seconds. It is called inside
    the database's transactions (on SQLite, in its worker thread), so it only writes."""
    assistant = await Assistant.start(settings)
    service = assistant.service

    def findings(session: Session) -> EngagementFindings:
        engagement = _find(session, name, workspace)
        progress(texts.EXPORT_READING.format(engagement=engagement.name))
        return service.reports.findings(session, engagement, year=year)

    def readout(
        session: Session, found: EngagementFindings | None, pictures: dict[str, bytes]
    ) -> tuple[str, list[tuple[str, str]]]:
        engagement = _find(session, name, workspace)
        if retro:
            progress(texts.EXPORT_READING_RETRO.format(engagement=engagement.name))
            recap = service.retros.recap_message(session, engagement)
            blocks: list[Any] = [b for b in recap.blocks if not isinstance(b, File)]
            if fmt == "html":
                return to_html(blocks, title=engagement.name), []
            return to_markdown(blocks), []
        assert found is not None
        document = service.reports.document(
            session, engagement, cast(Format, fmt), year, pictures=pictures, found=found
        )
        items = []
        if writeups:
            items = [
                (w.filename, w.content) for w in write_ups(service.catalog.templates_dir, found)
            ]
        return document, items

    try:
        # The findings are read once; the maps are drawn from them between two
        # transactions, off the event loop (matplotlib blocks), and the document shows
        # the same findings as its maps.
        found = None if retro else await assistant.db.run(findings)
        drawn = service.reports.maps(found) if found is not None else {}
        if drawn:
            progress(texts.EXPORT_DRAWING.format(maps=texts.plural(len(drawn), "value stream map")))
        pictures = {key: await render_map(map) for key, map in drawn.items()}
        return await assistant.db.run(partial(readout, found=found, pictures=pictures))
    finally:
        await assistant.close()


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
