"""Value stream assessments: what education and commitment agreed, made into an
engagement of kind ``assessment`` with its plan, and where it stands against that plan.

The plan (``Engagement.plan``, JSON) keeps the workflows, who takes part in each and by
when, the facilitated session, the estimated duration, the deliverables promised and the
readout date, plus what the customer was shown and asked. People in the workspace are
the engagement's participants (members with that role); people not in it yet are kept
in the plan by name and email. ``/vsa status`` in the assessment's channel shows the
plan beside the interviews' progress (:meth:`assistant.interviews.Interviews.progress`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import parsing, texts
from assistant.actions import CompletionContext, unique_slug
from assistant.events import BulletList, ConversationRef, Field_, Fields, Outbound, Span
from assistant.markup import rich
from storage import repositories as repo
from storage.models import Engagement, Invitation, Participant
from storage.repositories import RunRow

if TYPE_CHECKING:
    from assistant.service import TurnService

KIND = "assessment"


def create_assessment(ctx: CompletionContext) -> dict[str, Any]:
    """The completion action of education and commitment: the assessment, planned."""
    answers = ctx.answers
    customer = str(answers["customer"])
    name = f"{customer} value stream assessment"
    override = answers.get("override_reason")
    engagement = repo.add_engagement(
        ctx.session,
        Engagement(
            tenant=ctx.tenant,
            slug=unique_slug(ctx.session, ctx.tenant, name),
            name=name,
            customer=customer,
            kind=KIND,
            created_by_id=ctx.run.participant_id,
            qualification_run_id=ctx.context.get("qualification_run_id"),
            qualification_override=str(override) if override else None,
            conversation=ctx.run.conversation,
        ),
    )
    ref = ConversationRef.model_validate(ctx.run.conversation)
    people = [
        _planned_person(ctx.session, ref, item, engagement.created_at)
        for item in answers.get("participants") or []
    ]
    session_date = answers.get("session_date")
    dates = [d for d in [session_date, *(p["interview_date"] for p in people)] if d]
    engagement.start_date = date.fromisoformat(min(dates)) if dates else None
    engagement.plan = {
        "covered": answers.get("covered") or [],
        "questions": answers.get("questions"),
        "stakeholders": answers.get("stakeholders"),
        # The value streams mapped: those chosen, and any a participant was scheduled for.
        "workflows": list(
            dict.fromkeys([*(answers.get("workflows") or []), *(p["workflow"] for p in people)])
        ),
        "discovery": answers.get("discovery"),
        "session_date": session_date,
        "participants": people,
        "duration": answers.get("duration"),
        "deliverables": answers.get("deliverables") or [],
        "readout_date": answers.get("readout_date"),
        "run_id": ctx.run.id,
    }
    repo.link_run_engagement(ctx.session, ctx.run.id, engagement.id)
    repo.add_member(
        ctx.session,
        engagement_id=engagement.id,
        participant_id=ctx.run.participant_id,
        role="owner",
        added_by_id=None,
        now=engagement.created_at,
    )
    for person in people:
        if person["participant_id"] is not None:
            repo.add_member(
                ctx.session,
                engagement_id=engagement.id,
                participant_id=person["participant_id"],
                role="participant",
                added_by_id=ctx.run.participant_id,
                now=engagement.created_at,
            )
    invite = []
    if answers.get("invite_now") is True:
        invite = [
            {
                "engagement_id": engagement.id,
                "participant_id": p["participant_id"],
                "dialog_id": p["workflow"],
            }
            for p in people
            if p["participant_id"] is not None
        ]
    return {
        "engagement": {"slug": engagement.slug, "name": name},
        "qualification_label": texts.VERDICTS.get(str(answers.get("qualification")), ""),
        "planned": people,
        "workflows": [texts.WORKFLOW_NAMES.get(w, w) for w in engagement.plan["workflows"]],
        "workflow_names": texts.WORKFLOW_NAMES,
        "benefits_missed": [
            label for key, label in texts.PRESENTED.items() if key not in engagement.plan["covered"]
        ],
        "invite": invite,
    }


def _planned_person(
    session: Session, ref: ConversationRef, item: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """One participant of the plan: a person of the workspace when a mention or a name
    says who (then a participant row), else a name (and email) kept in the plan."""
    person = item.get("person") or {}
    name = str(person.get("name") or person.get("user_id") or "")
    participant_id: int | None = None
    user_id = person.get("user_id")
    if user_id and person.get("platform") == ref.platform:
        row = repo.upsert_participant(
            session,
            platform=ref.platform,
            workspace=ref.workspace,
            user_id=str(user_id),
            display_name=name if name != user_id else None,
            timezone=None,
            now=now,
        )
        participant_id = row.id
        name = row.display_name or name
    elif name:
        found = repo.participants_by_name(session, ref.platform, ref.workspace, name)
        if len(found) == 1:
            participant_id = found[0].id
    return {
        "name": name,
        "participant_id": participant_id,
        "email": item.get("email"),
        "workflow": item.get("workflow"),
        "interview_date": item.get("interview_date"),
    }


def invite_planned(
    service: TurnService, session: Session, run: RunRow, invite: list[dict[str, Any]]
) -> list[Outbound]:
    """Invite the participants a completion asked for to their workflow's interview."""
    inviter_row = repo.participant(session, run.participant_id)
    if inviter_row is None or not invite:
        return []
    inviter = service.who_of(inviter_row)
    via = ConversationRef.model_validate(run.conversation)
    messages: list[Outbound] = []
    by_dialog: dict[tuple[int, str], list[int]] = {}
    for item in invite:
        key = (int(item["engagement_id"]), str(item["dialog_id"]))
        by_dialog.setdefault(key, []).append(int(item["participant_id"]))
    for (engagement_id, dialog_id), participant_ids in by_dialog.items():
        engagement = repo.engagement(session, engagement_id)
        dialog = service.catalog.dialogs.get(dialog_id)
        if engagement is None or dialog is None or dialog.invitation is None:
            continue
        people = [
            service.person_of(row)
            for row in (repo.participant(session, pid) for pid in participant_ids)
            if row is not None
        ]
        invited, already, cards = service.interviews.invite(
            session,
            inviter=inviter,
            inviter_name=inviter.display_name or inviter_row.user_id,
            via=via,
            engagement=engagement,
            dialog=dialog,
            people=people,
        )
        messages += service.interviews.invited_lines(engagement, dialog, invited, already)
        messages += cards
    return messages


# -- where it stands ---------------------------------------------------------------


def _day(value: str | None, today: date | None) -> str:
    """``"Tue 09 Mar 2027 (in 5 days)"``: a planned date and how far it is (without
    ``today``, the date alone: a document is read on other days)."""
    if not value:
        return "—"
    day = date.fromisoformat(value)
    if today is None:
        return day.strftime("%a %d %b %Y")
    days = (day - today).days
    if days == 0:
        when = texts.PLAN_TODAY
    elif days > 0:
        when = texts.PLAN_IN_DAYS.format(days=texts.plural(days, "day"))
    else:
        when = texts.PLAN_DAYS_AGO.format(days=texts.plural(-days, "day"))
    return f"{day.strftime('%a %d %b %Y')} ({when})"


def plan_blocks(
    engagement: Engagement,
    invitations: Sequence[tuple[Invitation, Participant, Any]],
    today: date | None,
    qualification: str | None = None,
) -> list[Any]:
    """The assessment's plan, and who of the people scheduled is not invited or has not
    finished yet (``invitations`` are the engagement's, as progress reads them).
    Without ``today``, for the stakeholder readout: the plan with its dates alone — who
    hasn't done their interview is our follow-up, not the customer's executives'."""
    plan = engagement.plan or {}
    fields = []
    if qualification is not None:
        fields.append(Field_(label=texts.PLAN_QUALIFICATION, value=qualification))
    if plan.get("session_date"):
        fields.append(Field_(label=texts.PLAN_SESSION, value=_day(plan["session_date"], today)))
    fields.append(Field_(label=texts.PLAN_READOUT, value=_day(plan.get("readout_date"), today)))
    if plan.get("duration") is not None:
        fields.append(
            Field_(label=texts.PLAN_DURATION, value=parsing.format_duration(plan["duration"]))
        )
    workflows = [texts.WORKFLOW_NAMES.get(w, str(w)) for w in plan.get("workflows") or []]
    if workflows:
        fields.append(Field_(label=texts.PLAN_WORKFLOWS, value=", ".join(workflows)))
    blocks: list[Any] = [rich(texts.PLAN_TITLE), Fields(items=tuple(fields))]
    if today is None:
        return blocks

    states = {(i.participant_id, i.dialog_id): i.status for i, _p, _r in invitations}
    # Someone planned by a typed name (not in the workspace then) and invited since is
    # known by that name: their invitation says where they are.
    named = {
        (_name_key(name), i.dialog_id): i.participant_id
        for i, p, _r in invitations
        for name in (p.display_name, p.user_id)
        if name
    }
    waiting: list[tuple[Span, ...]] = []
    at_session: list[str] = []
    for person in plan.get("participants") or []:
        if person.get("participant_id") is None:
            found = named.get((_name_key(str(person.get("name") or "")), person.get("workflow")))
            if found is not None:
                person = {**person, "participant_id": found}
        status = states.get((person.get("participant_id"), person.get("workflow")))
        if status == "completed":
            continue
        if person.get("participant_id") is None:
            state = texts.PLAN_NOT_IN_WORKSPACE
            if person.get("email"):
                state += f" ({person['email']})"
        elif status is None and plan.get("discovery") == "session":
            at_session.append(str(person.get("name") or "?"))  # no interview for them
            continue
        elif status is None:
            state = texts.PLAN_NOT_INVITED
        else:
            state = texts.PLAN_NOT_FINISHED.format(
                state=texts.INVITATION_STATES.get(status, status)
            )
        workflow = texts.WORKFLOW_NAMES.get(str(person.get("workflow")), "")
        detail = workflow
        if person.get("interview_date"):
            due = date.fromisoformat(person["interview_date"])
            detail += texts.PLAN_INTERVIEW_BY.format(date=_day(person["interview_date"], today))
            if due < today:
                state += texts.PLAN_OVERDUE
        waiting.append(
            (
                Span(text=str(person.get("name") or "?"), style="bold"),
                Span(text=f" — {detail}: {state}"),
            )
        )
    if at_session:
        blocks.append(rich(texts.PLAN_AT_SESSION, names=", ".join(at_session)))
    if waiting:
        blocks += [rich(texts.PLAN_WAITING), BulletList(items=tuple(waiting))]
    elif plan.get("participants") and not at_session:
        blocks.append(rich(texts.PLAN_ALL_DONE))
    return blocks


def _name_key(name: str) -> str:
    return " ".join(name.lstrip("@").casefold().split())


def qualification_line(engagement: Engagement, headline: str) -> str:
    """The qualification as shown with an engagement: its headline, and the override."""
    if engagement.qualification_override:
        return texts.OVERRIDDEN.format(headline=headline, reason=engagement.qualification_override)
    return headline
