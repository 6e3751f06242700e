"""What happens when a dialog completes, by registry key (``on_complete`` in a dialog file).

An action may read and write the database through the session of the turn; what
it returns is added to the summary template's context.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.guideline import guideline_for
from storage import repositories as repo
from storage.models import Engagement
from storage.repositories import RunRow


@dataclass(frozen=True)
class CompletionContext:
    session: Session
    run: RunRow
    tenant: str
    answers: dict[str, Any]  # grouped answers, as the summary template sees them
    context: dict[str, Any]  # what the run was started with (e.g. a qualification run id)
    now: datetime | None = None  # the turn's time, by the service's clock


CompletionAction = Callable[[CompletionContext], dict[str, Any]]


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "engagement"


def create_engagement(ctx: CompletionContext) -> dict[str, Any]:
    answers = ctx.answers
    name = str(answers["name"])
    base = slugify(name)
    slug, suffix = base, 2
    while repo.engagement_by_slug(ctx.session, ctx.tenant, slug) is not None:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    qualification_id = ctx.context.get("qualification_run_id")
    if qualification_id is None:
        qualification_id = _latest_qualification(ctx, str(answers["customer"]))
    start = answers.get("start_date")
    engagement = repo.add_engagement(
        ctx.session,
        Engagement(
            tenant=ctx.tenant,
            slug=slug,
            name=name,
            customer=str(answers["customer"]),
            start_date=date.fromisoformat(start) if start else None,
            iterations=answers.get("iterations"),
            iteration_weeks=int(answers["iteration_weeks"])
            if answers.get("iteration_weeks")
            else None,
            created_by_id=ctx.run.participant_id,
            qualification_run_id=qualification_id,
            conversation=ctx.run.conversation,
        ),
    )
    repo.link_run_engagement(ctx.session, ctx.run.id, engagement.id)
    repo.add_member(
        ctx.session,
        engagement_id=engagement.id,
        participant_id=ctx.run.participant_id,
        role="owner",
        added_by_id=None,
        now=engagement.created_at,
    )
    result: dict[str, Any] = {
        "engagement": {"slug": engagement.slug, "name": name, "renamed": slug != base}
    }
    if engagement.iterations and engagement.iteration_weeks:
        result["guideline"] = guideline_for(
            engagement.iterations, engagement.iteration_weeks
        ).as_dict()
    return result


def _latest_qualification(ctx: CompletionContext, customer: str) -> int | None:
    """Link to the newest completed qualification of the same customer in this workspace."""
    runs = repo.runs_of(ctx.session, tenant=ctx.tenant, dialog_id="qualification")
    wanted = customer.strip().casefold()
    for run in reversed(runs):
        if (
            run.status == "completed"
            and str(run.state.get("answers", {}).get("customer", {}).get("value", ""))
            .strip()
            .casefold()
            == wanted
        ):
            return run.id
    return None


def remember_timezone(ctx: CompletionContext) -> dict[str, Any]:
    """The person's timezone, as they named it, kept for nudges and reminders."""
    from assistant import timezones

    zone = timezones.resolve(str(ctx.answers["zone"])) or "UTC"
    repo.set_timezone(ctx.session, ctx.run.participant_id, zone)
    return {"zone": zone}
