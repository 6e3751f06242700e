"""Delivery engagements (DESIGN.md §1.3): their plan (use case, SOW / PO, roles,
workstreams), the Iteration 0 checklist and the eleven steps, the kickoff message with
the eight principles, and the proof of value of the opportunity with its outcome.

The commands (``checklist``, ``kickoff``, ``pov``) act on an engagement
(:meth:`TurnService.engagement_for`), like :mod:`assistant.interviews`. A status change
of a proof of value is announced in the engagement's bound channel, through the outbox
like every other message.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import methodology, texts
from assistant.actions import CompletionContext
from assistant.commands import ROLE_RANK, Command, CommandRefused
from assistant.definitions import normalize_words
from assistant.engine import StoredAnswer
from assistant.events import BulletList, ConversationRef, Heading, Outbound, Span
from assistant.guideline import guideline_for
from assistant.interviews import say, split_for
from assistant.markup import rich
from storage import repositories as repo
from storage.models import ChecklistMark, Engagement, Participant, PovChange, ProofOfValue

if TYPE_CHECKING:
    from assistant.service import Here, TurnService

# The use cases of a delivery engagement; dialogs/engagement.yaml offers the same.
USE_CASES: dict[str, str] = {
    "tool_adoption": "Tool adoption",
    "devsecops_transformation": "DevSecOps transformation",
}
# A proof of value's statuses, in their order; dialogs/pov.yaml offers the same.
POV_STATUSES: dict[str, str] = {
    "not_started": "Not Started",
    "planning": "Planning",
    "in_progress": "In Progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
OUTCOMES: dict[str, str] = {"won": "won", "lost": "lost", "open": "open"}
ROLES = ("project_manager", "pse", "ta")
_WORD = re.compile(r"^\s*(?P<word>\S+)\s*(?P<rest>.*)$", re.S)


# -- the plan: stored from the dialog, shown everywhere --------------------------------


def person_name(value: Any) -> str | None:
    """The name of a person as the dialog's person step stored them."""
    if not isinstance(value, dict):
        return None
    name = value.get("name") or value.get("user_id")
    return str(name) if name else None


def team_of(answers: dict[str, Any]) -> dict[str, Any]:
    """The roles and workstreams of the engagement dialog's (grouped) answers."""
    return {
        **{role: answers.get(role) for role in ROLES},
        "workstreams": [
            {"name": str(item.get("name") or ""), "dri": item.get("dri")}
            for item in answers.get("workstreams") or []
        ],
    }


def plan_of(engagement: Engagement) -> dict[str, Any]:
    """What the plan's template (``delivery_plan.md.j2``) shows of an engagement; an
    engagement set up before the plan was asked has only its guideline, if that."""
    team = engagement.team or {}
    guideline = None
    if engagement.iterations and engagement.iteration_weeks:
        guideline = guideline_for(engagement.iterations, engagement.iteration_weeks).as_dict()
    return {
        "use_case": USE_CASES.get(engagement.use_case or "", engagement.use_case),
        "sow_reference": engagement.sow_reference,
        **{role: person_name(team.get(role)) for role in ROLES},
        "workstreams": [
            {"name": w.get("name"), "dri": person_name(w.get("dri")) or "—"}
            for w in team.get("workstreams") or []
            if isinstance(w, dict)
        ],
        "guideline": guideline,
    }


def add_team(session: Session, engagement: Engagement, added_by: int, now: datetime) -> None:
    """The people of the plan who can be found in the workspace become members of the
    engagement: the project manager an owner (they run it), the others members (the
    delivery team). A name nobody in the workspace has stays a name in the plan."""
    team = engagement.team or {}
    people: list[tuple[Any, str]] = [(team.get("project_manager"), "owner")]
    people += [(team.get(role), "member") for role in ("pse", "ta")]
    people += [(w.get("dri"), "member") for w in team.get("workstreams") or []]
    platform, _, workspace = engagement.tenant.partition(":")
    for value, role in people:
        found = _participant(session, platform, workspace, value, now)
        if found is not None:
            repo.add_member(
                session,
                engagement_id=engagement.id,
                participant_id=found,
                role=role,
                added_by_id=added_by,
                now=now,
            )


def _participant(
    session: Session, platform: str, workspace: str, value: Any, now: datetime
) -> int | None:
    """The participant id of a person answer: a mention is that account; a typed name
    is the one person of the workspace by that name (the terminal chat names people,
    so there a new name is a new person, as for interview invitations)."""
    if not isinstance(value, dict):
        return None
    if value.get("user_id") and value.get("platform") == platform:
        user_id, name = str(value["user_id"]), person_name(value)
    else:
        name = person_name(value)
        if not name:
            return None
        found = repo.participants_by_name(session, platform, workspace, name)
        if len(found) == 1:
            return found[0].id
        if platform != "console" or found:
            return None
        user_id = name
    return repo.upsert_participant(
        session,
        platform=platform,
        workspace=workspace,
        user_id=user_id,
        display_name=name,
        timezone=None,
        now=now,
    ).id


# -- the proof of value's completion action -----------------------------------------------


def record_pov(ctx: CompletionContext) -> dict[str, Any]:
    """The POV dialog's answers kept for its engagement, the change in its history, a
    status change announced in the engagement's channel."""
    session, answers = ctx.session, ctx.answers
    engagement = repo.engagement(session, ctx.run.engagement_id) if ctx.run.engagement_id else None
    if engagement is None:  # the run lost its engagement: nothing to record against
        return {"engagement": {"name": ""}, "pov": None}
    now = ctx.now
    by = ctx.run.participant_id
    pov = repo.pov_of(session, engagement.id)
    plan = {
        "start_date": _day(answers.get("start_date")),
        "end_date": _day(answers.get("end_date")),
        "success_criteria": answers.get("success_criteria"),
        "notes": answers.get("notes"),
    }
    if pov is not None:
        changed = [k for k, v in plan.items() if getattr(pov, k) != v]
        if changed:
            _history(session, engagement, "plan", None, ", ".join(changed), by, now)
    status = str(answers["state"])
    pov, moved, notice = set_status(session, engagement, pov, status, by, now)
    for key, value in plan.items():
        setattr(pov, key, value)
    if notice is not None:
        ctx.announce.append(notice)
    return {
        "engagement": {"name": engagement.name},
        "pov": {
            "status": POV_STATUSES.get(status, status),
            "outcome": OUTCOMES.get(engagement.outcome or "open", "open"),
            "announced": moved and notice is not None,
            "unannounced": moved and notice is None,
            **plan,
        },
    }


def set_status(
    session: Session,
    engagement: Engagement,
    pov: ProofOfValue | None,
    status: str,
    by: int,
    now: datetime,
) -> tuple[ProofOfValue, bool, Outbound | None]:
    """The proof of value at ``status`` (recorded with it when there was none): whether
    that changed it, and then the change kept in its history and its announcement for
    the engagement's channel (None: no channel is bound)."""
    old = pov.status if pov is not None else None
    if pov is None:
        pov = repo.add_pov(
            session,
            ProofOfValue(
                engagement_id=engagement.id,
                status=status,
                created_by_id=by,
                created_at=now,
                updated_at=now,
            ),
        )
    if old == status:
        return pov, False, None
    pov.status = status
    pov.updated_at = now
    _history(session, engagement, "status", old, status, by, now)
    return pov, True, _status_notice(session, engagement, old, status, by)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _history(
    session: Session,
    engagement: Engagement,
    what: str,
    old: str | None,
    new: str | None,
    by: int,
    now: datetime,
) -> None:
    repo.add_pov_change(
        session,
        PovChange(
            engagement_id=engagement.id,
            what=what,
            old=old,
            new=(new or "")[:255] or None,
            by_id=by,
            at=now,
        ),
    )


def _channel(session: Session, engagement: Engagement) -> ConversationRef | None:
    binding = repo.channel_of(session, engagement.id)
    return ConversationRef.model_validate(binding.conversation) if binding else None


def _name_of(session: Session, participant_id: int) -> str:
    person = repo.participant(session, participant_id)
    if person is None:
        return "someone"
    return person.display_name or person.user_id


def _status_notice(
    session: Session, engagement: Engagement, old: str | None, new: str, by: int
) -> Outbound | None:
    """The announcement of a status change in the engagement's channel (None: no channel
    is bound to it)."""
    channel = _channel(session, engagement)
    if channel is None:
        return None
    before = f"{POV_STATUSES.get(old, old)} " if old else ""
    return Outbound(
        blocks=(
            rich(
                texts.POV_STATUS_ANNOUNCE,
                engagement=engagement.name,
                old=before,
                status=POV_STATUSES.get(new, new),
                who=_name_of(session, by),
            ),
        ),
        to=channel,
    )


# -- the commands ------------------------------------------------------------------------


class Delivery:
    def __init__(self, service: TurnService) -> None:
        self.service = service

    def _now(self) -> datetime:
        return self.service.clock.now()

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        # "for <engagement>" may be all there is ("checklist for Acme rollout").
        rest, named = split_for(f"x {argument}")
        rest = rest[1:].strip()
        engagement = self.service.engagement_for(session, here, named, command)
        role = self.service.check_role(session, here, engagement, command)
        if command.name in ("checklist", "kickoff") and engagement.kind != "delivery":
            return [say(texts.NOT_A_DELIVERY, engagement=engagement.name, command=command.name)]
        match command.name:
            case "checklist":
                return self._checklist(session, here, engagement, rest, role)
            case "kickoff":
                return self._kickoff(session, here, engagement)
            case "pov":
                return self._pov(session, here, engagement, rest)
        raise ValueError(f"no handler for command {command.name!r}")

    # -- the checklist ----------------------------------------------------------------

    def _checklist(
        self, session: Session, here: Here, engagement: Engagement, text: str, role: str | None
    ) -> list[Outbound]:
        found = _WORD.match(text)
        word = found["word"].lower() if found else ""
        if word not in ("done", "undo", "undone", "reopen"):
            return [self.checklist_view(session, engagement)]
        if ROLE_RANK.get(role or "anyone", 0) < ROLE_RANK["member"]:
            return [say(texts.CHECKLIST_MEMBERS_ONLY, engagement=engagement.name)]
        said = found["rest"].strip() if found else ""
        method = methodology.shipped()
        entries = method.find(said) if said else []
        total = len(method.checklist())
        if not said:
            return [say(texts.CHECKLIST_WHICH, total=total)]
        if not entries:
            return [say(texts.CHECKLIST_NOT_FOUND, said=said[:60])]
        if len(entries) > 1:
            names = ", ".join(f"{e.number}. {e.item.name}" for e in entries[:6])
            return [say(texts.CHECKLIST_AMBIGUOUS, said=said[:60], names=names)]
        entry = entries[0]
        marks = {m.item: (m, p) for m, p in repo.checklist_marks(session, engagement.id)}
        held = marks.get(entry.item.key)
        if word == "done":
            if held is not None:
                return [
                    say(
                        texts.CHECKLIST_ALREADY,
                        number=entry.number,
                        name=entry.item.name,
                        who=_display(held[1]),
                        when=_when(held[0].done_at),
                    )
                ]
            now = self._now()
            repo.add_checklist_mark(
                session,
                ChecklistMark(
                    engagement_id=engagement.id,
                    item=entry.item.key,
                    done_by_id=here.who.id,
                    done_at=now,
                ),
            )
            who = here.who.display_name or here.person.user_id
            return [
                say(
                    texts.CHECKLIST_MARKED,
                    number=entry.number,
                    name=entry.item.name,
                    who=who,
                    when=_when(now),
                )
            ]
        if held is None:
            return [say(texts.CHECKLIST_NOT_DONE, number=entry.number, name=entry.item.name)]
        held[0].undone_at = self._now()
        held[0].undone_by_id = here.who.id
        return [say(texts.CHECKLIST_UNDONE, number=entry.number, name=entry.item.name)]

    def checklist_view(self, session: Session, engagement: Engagement) -> Outbound:
        """Iteration 0 and the eleven steps, each done (by whom, when) or not."""
        marks = {m.item: (m, p) for m, p in repo.checklist_marks(session, engagement.id)}
        entries = methodology.shipped().checklist()
        blocks: list[Any] = [Heading(text=texts.CHECKLIST_TITLE.format(engagement=engagement.name))]
        for section, title in (
            ("iteration0", texts.CHECKLIST_ITERATION0),
            ("steps", texts.CHECKLIST_STEPS),
        ):
            blocks.append(rich(title))
            lines = []
            for entry in (e for e in entries if e.section == section):
                held = marks.get(entry.item.key)
                line = [
                    Span(text="☑ " if held else "☐ "),
                    Span(text=f"{entry.number}. {entry.item.name}", style="bold"),
                ]
                if held is not None:
                    line.append(
                        Span(
                            text=texts.CHECKLIST_DONE_BY.format(
                                name=_display(held[1]), when=_when(held[0].done_at)
                            )
                        )
                    )
                lines.append(tuple(line))
            blocks.append(BulletList(items=tuple(lines)))
        done = sum(1 for e in entries if e.item.key in marks)
        blocks.append(rich(texts.CHECKLIST_COUNT, done=done, total=len(entries)))
        blocks.append(rich(texts.CHECKLIST_HINT))
        return Outbound(blocks=tuple(blocks))

    # -- the kickoff ------------------------------------------------------------------

    def _kickoff(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        method = methodology.shipped()
        blocks = self.service.summaries.render(
            "kickoff.md.j2",
            {
                "engagement": engagement,
                "start": engagement.start_date,
                "plan": plan_of(engagement),
                "brief": False,
                "iteration0": method.iteration0,
                "principles": method.principles,
            },
        )
        channel = _channel(session, engagement)
        if channel is None:
            return [
                say(texts.KICKOFF_HERE, engagement=engagement.name),
                Outbound(blocks=tuple(blocks)),
            ]
        message = Outbound(blocks=tuple(blocks), to=channel)
        if here.channel_key == channel.key:
            return [message.model_copy(update={"to": None})]
        return [say(texts.KICKOFF_POSTED, engagement=engagement.name), message]

    # -- the proof of value --------------------------------------------------------------

    def _pov(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        found = _WORD.match(text)
        word = found["word"].lower() if found else ""
        rest = found["rest"].strip() if found else ""
        pov = repo.pov_of(session, engagement.id)
        match word:
            case "":
                if pov is None:
                    return self._pov_dialog(session, here, engagement, None)
                return [self.pov_view(session, engagement, pov)]
            case "start" | "edit" | "update" | "new":
                return self._pov_dialog(session, here, engagement, pov)
            case "status":
                return self._pov_status(session, here, engagement, pov, rest)
            case "outcome":
                return self._pov_outcome(session, here, engagement, rest)
            case "show" | "history":
                if pov is None:
                    return [say(texts.POV_NONE, engagement=engagement.name)]
                return [self.pov_view(session, engagement, pov)]
        return [say(texts.POV_UNKNOWN)]

    def _pov_dialog(
        self, session: Session, here: Here, engagement: Engagement, pov: ProofOfValue | None
    ) -> list[Outbound]:
        dialog = self.service.catalog.started_by("pov")
        if dialog is None:
            raise CommandRefused(say(texts.POV_UNKNOWN))
        prefill: dict[str, StoredAnswer] = {}
        lead: list[Outbound] = []
        if pov is not None:
            # The status is asked again; the rest is kept, to edit by name.
            for key in ("start_date", "end_date", "success_criteria", "notes"):
                value = getattr(pov, key)
                if isinstance(value, date):
                    value = value.isoformat()
                if value:
                    prefill[key] = StoredAnswer(raw=value, value=value)
                elif key != "success_criteria":  # an optional answer skipped before
                    prefill[key] = StoredAnswer(raw="", value=None, skipped=True)
            lead.append(say(texts.POV_EDIT_INTRO))
        where = self.service.private_place(session, here)
        open_run = next(
            (
                r
                for r in repo.runs_of(
                    session, tenant=here.tenant, participant_id=here.who.id, dialog_id=dialog.id
                )
                if r.engagement_id == engagement.id and r.status in ("active", "paused")
            ),
            None,
        )
        if open_run is not None:  # said twice: go on with the one begun, not a second
            messages = self.service.activate(session, here, open_run)
            lead = []
        else:
            _, messages = self.service.start_for(
                session,
                dialog=dialog,
                who=here.who,
                person=here.person,
                to=where,
                engagement_id=engagement.id,
                prefill=prefill,
            )
        sent = [m.model_copy(update={"to": m.to or where}) for m in (*lead, *messages)]
        if where.key != here.inbound.conversation.key:  # said in a channel: say where it went
            note = say(texts.CONTINUED_IN_DM, title=dialog.title)
            sent.insert(0, note.model_copy(update={"only_for": here.person.user_id}))
        return sent

    def _pov_status(
        self,
        session: Session,
        here: Here,
        engagement: Engagement,
        pov: ProofOfValue | None,
        said: str,
    ) -> list[Outbound]:
        status = _pick(said, POV_STATUSES)
        if status is None:
            return [say(texts.POV_STATUS_WHICH, statuses=", ".join(POV_STATUSES.values()))]
        if pov is not None and pov.status == status:
            return [
                say(texts.POV_SAME_STATUS, engagement=engagement.name, status=POV_STATUSES[status])
            ]
        _, _, notice = set_status(session, engagement, pov, status, here.who.id, self._now())
        return self._told(
            here,
            notice,
            say(texts.POV_STATUS_SET, engagement=engagement.name, status=POV_STATUSES[status]),
            engagement,
        )

    def _pov_outcome(
        self, session: Session, here: Here, engagement: Engagement, said: str
    ) -> list[Outbound]:
        outcome = _pick(said, OUTCOMES)
        if outcome is None:
            return [say(texts.POV_OUTCOME_WHICH)]
        old = engagement.outcome or "open"
        if old == outcome:
            return [say(texts.POV_SAME_OUTCOME, engagement=engagement.name, outcome=outcome)]
        now = self._now()
        engagement.outcome = outcome
        _history(session, engagement, "outcome", old, outcome, here.who.id, now)
        channel = _channel(session, engagement)
        notice = None
        if channel is not None:
            notice = Outbound(
                blocks=(
                    rich(
                        texts.POV_OUTCOME_ANNOUNCE,
                        engagement=engagement.name,
                        old=f"{old} ",
                        outcome=outcome,
                        who=here.who.display_name or here.person.user_id,
                    ),
                ),
                to=channel,
            )
        return self._told(
            here,
            notice,
            say(texts.POV_OUTCOME_SET, engagement=engagement.name, outcome=outcome),
            engagement,
        )

    @staticmethod
    def _told(
        here: Here, notice: Outbound | None, confirmation: Outbound, engagement: Engagement
    ) -> list[Outbound]:
        """The announcement in the channel; typed in that channel, it is the answer."""
        if notice is None:
            return [confirmation, say(texts.POV_NOT_ANNOUNCED, engagement=engagement.name)]
        if notice.to is not None and here.channel_key == notice.to.key:
            return [notice.model_copy(update={"to": None})]
        return [confirmation, notice]

    def pov_view(self, session: Session, engagement: Engagement, pov: ProofOfValue) -> Outbound:
        blocks: list[Any] = [
            *self.service.summaries.render(
                "pov.md.j2",
                {
                    "engagement": engagement,
                    "pov": {
                        "status": POV_STATUSES.get(pov.status, pov.status),
                        "outcome": engagement.outcome or "open",
                        "start_date": pov.start_date,
                        "end_date": pov.end_date,
                        "success_criteria": pov.success_criteria,
                        "notes": pov.notes,
                        "announced": False,
                        "unannounced": False,
                    },
                },
            )
        ]
        history = repo.pov_changes(session, engagement.id)
        if history:
            blocks.append(rich(texts.POV_HISTORY))
            blocks.append(
                BulletList(
                    items=tuple(
                        (Span(text=_change_line(change, person)),) for change, person in history
                    )
                )
            )
        blocks.append(rich(texts.POV_HINT))
        return Outbound(blocks=tuple(blocks))

    # -- where it stands (show, status) ------------------------------------------------

    def detail_blocks(
        self,
        session: Session,
        engagement: Engagement,
        today: date,
        *,
        brief: bool = False,
        pov_line: bool = True,
    ) -> list[Any]:
        """A delivery engagement's plan, where the calendar says it is, its checklist's
        progress and (``pov_line``) its proof of value with the opportunity's outcome:
        what ``show`` and (``brief``) ``status`` add."""
        if engagement.kind != "delivery":
            return []
        blocks: list[Any] = [Heading(text=engagement.name)] if brief else []
        blocks += self.service.summaries.render(
            "delivery_plan.md.j2", {"plan": plan_of(engagement), "brief": brief}
        )
        where = _iteration_now(engagement, today)
        if where:
            blocks.append(rich(texts.ITERATION_NOW, where=where))
        marks = {m.item for m, _p in repo.checklist_marks(session, engagement.id)}
        entries = methodology.shipped().checklist()
        following = next((e for e in entries if e.item.key not in marks), None)
        blocks.append(
            rich(
                texts.CHECKLIST_STATUS,
                done=sum(1 for e in entries if e.item.key in marks),
                total=len(entries),
                next=texts.CHECKLIST_NEXT.format(number=following.number, name=following.item.name)
                if following
                else "",
            )
        )
        if not pov_line:
            return blocks
        pov = repo.pov_of(session, engagement.id)
        if pov is not None or engagement.outcome:
            dates = ""
            if pov is not None and (pov.start_date or pov.end_date):
                dates = f" ({_day_text(pov.start_date)} – {_day_text(pov.end_date)})"
            blocks.append(
                rich(
                    texts.POV_LINE,
                    status=POV_STATUSES.get(pov.status, pov.status) if pov else "none",
                    dates=dates,
                    outcome=engagement.outcome or "open",
                )
            )
        return blocks


def pov_readout(pov: ProofOfValue) -> dict[str, Any]:
    """The proof of value as the customer's readout shows it: its status, dates and
    success criteria. Our notes and the opportunity's outcome are our side's."""
    return {
        "status": POV_STATUSES.get(pov.status, pov.status),
        "start": _day_text(pov.start_date) if pov.start_date else None,
        "end": _day_text(pov.end_date) if pov.end_date else None,
        "success_criteria": pov.success_criteria,
    }


def _pick(said: str, choices: dict[str, str]) -> str | None:
    words = normalize_words(said)
    for key, label in choices.items():
        if words and words in (normalize_words(key), normalize_words(label)):
            return key
    return None


def _display(person: Participant) -> str:
    return person.display_name or person.user_id


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def _day_text(day: date | None) -> str:
    return day.strftime("%d %b %Y") if day else "—"


def _change_line(change: PovChange, person: Participant) -> str:
    what = {"status": "status", "outcome": "outcome", "plan": "changed"}.get(
        change.what, change.what
    )
    old = change.old or ""
    if change.what == "status":
        old = POV_STATUSES.get(old, old)
        new = POV_STATUSES.get(change.new or "", change.new or "")
    else:
        new = change.new or ""
    return texts.POV_CHANGE.format(
        when=_when(change.at),
        who=_display(person),
        what=what,
        old=f"{old} " if old else "",
        new=new,
    )


def _iteration_now(engagement: Engagement, today: date) -> str | None:
    """Where the calendar says the engagement is: before Iteration 0, in it, in which
    planned iteration, or past the last one."""
    start, weeks, planned = engagement.start_date, engagement.iteration_weeks, engagement.iterations
    if start is None or not weeks or not planned:
        return None
    length = timedelta(weeks=weeks)
    if today < start:
        return texts.ITERATION_NOT_STARTED.format(date=_day_text(start))
    number = (today - start) // length
    began = start + number * length
    if number == 0:
        return texts.ITERATION_ZERO.format(date=_day_text(start))
    if number > planned:
        return texts.ITERATION_OVER.format(date=_day_text(start + (planned + 1) * length))
    return texts.ITERATION_N.format(number=number, total=planned, date=_day_text(began))
