"""Ceremony schedules: set up with the team, reminded on time in the team's timezone,
exactly once, and the async daily standup with its digest.

- ``schedule`` (owners) starts the ``schedule`` dialog, prefilled from the engagement;
  its completion action (:func:`save_schedule`) stores a :class:`Schedule` row and
  shows the calendar of the next two iterations. ``schedule list | pause | resume |
  skip next <ceremony> | holiday [remove] <date> | holidays | team @people | cancel``
  change it.
- :meth:`Schedules.tick` is what the scheduler fires: it takes the schedules with an
  occurrence due (:func:`storage.repositories.due_schedules`), claims each occurrence
  by its unique key (schedule, ceremony, fire time) and queues its message in the
  outbox **in the same transaction**. Of several schedulers (processes on one
  PostgreSQL, or two in one process on SQLite) exactly one inserts the key; the
  others find it taken and post nothing. A claim can't outlive a dead process: it
  commits with its outbox message or not at all, and the outbox's own lease and
  retries (429s included) take it from there.
- Reminders missed while every process was down are posted at the next tick when at
  most ``grace`` late (once per ceremony: the latest), otherwise recorded as missed.
- Agendas are Jinja2 templates (``dialogs/templates/ceremonies/<ceremony>.md.j2``); what
  other features know (open RAID items, action items due) joins them through
  :func:`register_agenda`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import texts
from assistant.commands import COMMAND_BUTTON, Command
from assistant.dispatch import enqueue
from assistant.engine import StoredAnswer
from assistant.events import (
    BulletList,
    ConversationRef,
    Heading,
    Option,
    Outbound,
    Paragraph,
    Question,
    Span,
)
from assistant.guideline import CEREMONIES, CEREMONY_NAMES, guideline_for
from assistant.interviews import say, split_for
from assistant.markup import rich
from assistant.occurrences import (
    DEFAULT_TIMES,
    DIGEST,
    STANDUP,
    WEEKDAYS,
    Occurrence,
    Plan,
)
from assistant.parsing import ParseError, parse_date
from assistant.validators import clock_time
from storage import repositories as repo
from storage.models import Engagement, Schedule

if TYPE_CHECKING:
    from assistant.actions import CompletionContext
    from assistant.service import Here, TurnService

log = logging.getLogger(__name__)

DIALOG = "schedule"
STANDUP_DIALOG = "standup"
LIST_SHOWN = 8  # occurrences "schedule list" shows
LIST_LOOKAHEAD = 80  # occurrences it reads to find them (daily standups and digests among)
TICK_LIMIT = (
    100  # schedules per transaction: a burst's first posts go out while the rest is claimed
)
# Blockers that say there are none.
NO_BLOCKERS = frozenset({"none", "no", "nope", "nothing", "n/a", "na", "-", "no blockers", "nil"})
TEAM_ROLES = ("owner", "member")
HOLIDAY_REMOVE_WORDS = frozenset({"remove", "delete", "clear"})  # schedule holiday remove <date>

# -- agendas: what other features add to a reminder -----------------------------------

AgendaProvider = Callable[[Session, Engagement, Occurrence], dict[str, Any]]
AGENDA_PROVIDERS: dict[str, list[AgendaProvider]] = {}


def register_agenda(ceremony: str, provider: AgendaProvider) -> None:
    """Add what a feature knows to a ceremony's agenda: ``provider`` returns template
    values (the iteration review reads ``raid``: items with kind, title, owner, status;
    and ``actions``: items with title, owner, due). A template shows a section only
    when a provider gave its value."""
    AGENDA_PROVIDERS.setdefault(ceremony, []).append(provider)


def _review_agenda(
    session: Session, engagement: Engagement, occurrence: Occurrence
) -> dict[str, Any]:
    """The iteration review's open RAID items and the retro actions due by its day. It is
    posted to the engagement's channel, where the customer may read: nothing internal."""
    items, open_actions, names = repo.open_work(session, engagement.id)
    actions = [a for a in open_actions if a.due_date is not None and a.due_date <= occurrence.day]
    return {
        "raid": [
            {
                "kind": item.kind,
                "title": item.title,
                "owner": names.get(item.owner_id or 0) or item.owner_name,
                "status": f"due {item.due_date:%d %b}" if item.due_date else None,
            }
            for item in items
        ],
        "actions": [
            {"title": a.text, "owner": names.get(a.owner_id), "due": a.due_date} for a in actions
        ],
    }


register_agenda("iteration_review", _review_agenda)


def agenda_context(
    session: Session, engagement: Engagement, occurrence: Occurrence
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for provider in AGENDA_PROVIDERS.get(occurrence.ceremony, ()):
        values |= provider(session, engagement, occurrence)
    return values


# -- the schedule dialog's completion ---------------------------------------------------


def ceremonies_from(answers: dict[str, Any], iterations: int, weeks: int) -> dict[str, Any]:
    """The ceremonies the answers chose, each with its time (defaults), as stored."""
    guideline = guideline_for(iterations, weeks)
    chosen: tuple[str, ...]
    weekly = False
    match answers.get("ceremony_set"):
        case "all":
            chosen = CEREMONIES
        case "choose":
            chosen = tuple(c for c in CEREMONIES if c in (answers.get("ceremonies") or ()))
        case _:
            chosen = guideline.ceremonies()
            # A small project's minimum is a weekly status, whatever the iteration length.
            weekly = not guideline.full
    result: dict[str, Any] = {}
    for ceremony in chosen:
        config: dict[str, Any] = {"time": DEFAULT_TIMES[ceremony]}
        if ceremony == "iteration_review" and weekly:
            config["every"] = "week"
        if ceremony == STANDUP:
            standup = clock_time(str(answers.get("standup_time") or "")) or DEFAULT_TIMES[STANDUP]
            config["time"] = standup
            cutoff = clock_time(str(answers.get("standup_cutoff") or ""))
            if cutoff and cutoff > standup:
                config["cutoff"] = cutoff
        result[ceremony] = config
    return result


def workdays_from(answers: dict[str, Any]) -> list[int]:
    match answers.get("workweek"):
        case "sun_thu":
            return [6, 0, 1, 2, 3]
        case "custom":
            return sorted(int(d) for d in answers.get("workdays") or ()) or [0, 1, 2, 3, 4]
    return [0, 1, 2, 3, 4]


def save_schedule(ctx: CompletionContext) -> dict[str, Any]:
    """The ``schedule`` dialog's completion: store the schedule (replacing one set up
    before; its holidays are kept), update the engagement's iterations, and return
    what the summary shows: the schedule, the guideline's reason, the calendar."""
    from assistant import timezones

    answers = ctx.answers
    now = ctx.now or datetime.now(UTC)
    engagement = repo.engagement(ctx.session, int(ctx.context["engagement_id"]))
    assert engagement is not None, "the schedule dialog is started for an engagement"
    weeks = int(answers["iteration_weeks"])
    iterations = int(answers["iterations"])
    start = date.fromisoformat(str(answers["start_date"]))
    engagement.start_date, engagement.iterations, engagement.iteration_weeks = (
        start,
        iterations,
        weeks,
    )
    schedule = repo.schedule_of(ctx.session, engagement.id) or Schedule(
        engagement_id=engagement.id, holidays=[], created_by_id=ctx.run.participant_id
    )
    schedule.timezone = timezones.resolve(str(answers["timezone"])) or "UTC"
    schedule.workdays = workdays_from(answers)
    schedule.start_date = start
    schedule.iteration_weeks = weeks
    schedule.iterations = iterations
    schedule.ceremonies = ceremonies_from(answers, iterations, weeks)
    schedule.skipped = []
    schedule.status = "active"
    schedule.checked_until = now  # what is past already is not posted now
    plan = Plan.of(schedule)
    following = plan.next_after(now)
    schedule.next_due_at = following.at if following else None
    repo.save_schedule(ctx.session, schedule)
    bound = repo.reminder_places(ctx.session, [engagement.id])[engagement.id][1]
    return {
        "engagement": engagement.name,
        "schedule": describe(schedule, plan),
        "guideline": guideline_for(iterations, weeks).as_dict(),
        "calendar": calendar(plan, now),
        "where": "the engagement's channel"
        if bound is not None and not ConversationRef.model_validate(bound).is_personal
        else texts.SCHEDULE_NO_CHANNEL.format(engagement=engagement.name),
    }


def describe(schedule: Schedule, plan: Plan) -> dict[str, Any]:
    standup = schedule.ceremonies.get(STANDUP)
    return {
        "start_date": schedule.start_date.isoformat(),
        "iterations": schedule.iterations,
        "iteration_weeks": schedule.iteration_weeks,
        "timezone": schedule.timezone,
        "workdays": _workdays(schedule.workdays),
        "ceremonies": ", ".join(_ceremony_label(schedule, c) for c in schedule.ceremonies),
        "standup": (
            f"{_hhmm(plan.time_of(STANDUP))} in each member's DM, digest at "
            f"{_hhmm(plan.time_of(STANDUP, 'cutoff'))} in the channel"
            if standup
            else ""
        ),
    }


def _workdays(days: list[int]) -> str:
    return ", ".join(WEEKDAYS[d] for d in sorted(days))


def _ceremony_label(schedule: Schedule, ceremony: str) -> str:
    config = schedule.ceremonies.get(ceremony) or {}
    if ceremony == "iteration_review" and config.get("every") == "week":
        return "Weekly status"
    return CEREMONY_NAMES.get(ceremony, ceremony)


def occurrence_line(occurrence: Occurrence, plan: Plan) -> str:
    name = CEREMONY_NAMES.get(occurrence.ceremony, "Standup digest")
    if occurrence.ceremony == "iteration_review" and (
        plan.ceremonies.get("iteration_review", {}).get("every") == "week"
    ):
        name = "Weekly status"
    shown = occurrence.at.astimezone(plan.zone)
    return f"{shown:%a %d %b} {shown:%H:%M} — {name} (Iteration {occurrence.iteration})"


def calendar(plan: Plan, now: datetime) -> list[dict[str, Any]]:
    """The next two iterations (the current one, if under way, and the next), each with
    its ceremonies; the daily standup is one line, not one per day."""
    today = now.astimezone(plan.zone).date()
    current = max(plan.iteration_of(max(today, plan.start)), 1)
    standup = plan.ceremonies.get(STANDUP)
    result = []
    for number in (current, current + 1):
        if number > plan.iterations:
            break
        first = plan.iteration_start(number)
        last = first + timedelta(days=plan.days_per_iteration - 1)
        begin = datetime.combine(first, datetime.min.time(), tzinfo=plan.zone)
        end = begin + timedelta(days=plan.days_per_iteration)
        lines = [
            occurrence_line(o, plan)
            for o in plan.between(begin.astimezone(UTC) - timedelta(seconds=1), end)
            if o.ceremony not in (STANDUP, DIGEST)
        ]
        if standup:
            lines.append(f"Every workday {_hhmm(plan.time_of(STANDUP))} — Daily standup")
        result.append(
            {
                "title": f"Iteration {number}: {first:%a %d %b} – {last:%a %d %b %Y}",
                "lines": lines or ["No ceremonies."],
            }
        )
    return result


# -- the feature -------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    keys: list[str]  # conversations with reminders queued
    next_due: datetime | None  # the earliest occurrence still to come, of any schedule
    more: bool = False  # more schedules were due than one tick takes


@dataclass(frozen=True)
class Posted:
    """What one occurrence queued: the conversations to deliver and its own message."""

    keys: list[str]
    outbox_id: int


class Schedules:
    def __init__(self, service: TurnService, *, grace: timedelta = timedelta(hours=1)) -> None:
        self.service = service
        self.grace = grace

    def _now(self) -> datetime:
        return self.service.clock.now()

    # -- commands -----------------------------------------------------------------

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        rest, named = split_for(argument)
        engagement = self.service.engagement_for(session, here, named, command)
        self.service.check_role(session, here, engagement, command)
        word, _, tail = rest.strip().partition(" ")
        word = word.lower()
        if word in ("list", "show", "next"):
            return [self._list(session, engagement)]
        if word in ("holiday", "holidays") and not tail.strip():
            # Reading the holidays is like reading the list: members too.
            return [self._holidays(session, engagement)]
        # Everything else changes the schedule: owners only.
        self.service.check_role(session, here, engagement, replace(command, who="owner"))
        if engagement.kind == "assessment":
            # A value stream assessment is no delivery engagement: it has no iterations.
            return [say(texts.SCHEDULE_NOT_FOR_ASSESSMENTS, engagement=engagement.name)]
        if word in ("", "set", "setup", "edit", "change"):
            return self._start_dialog(session, here, engagement)
        if word == "team":
            return self._team(session, here, engagement)
        schedule = repo.schedule_of(session, engagement.id)
        if schedule is None or schedule.status == "cancelled":
            return [say(texts.NO_SCHEDULE, engagement=engagement.name)]
        match word:
            case "pause":
                return self._pause(schedule, engagement)
            case "resume":
                return self._resume(schedule, engagement)
            case "cancel" | "stop":
                schedule.status = "cancelled"
                schedule.next_due_at = None
                return [say(texts.SCHEDULE_CANCELLED, engagement=engagement.name)]
            case "skip":
                return self._skip(schedule, tail)
            case "holiday" | "holidays":
                return self._holiday(schedule, engagement, tail, here)
            case "time" | "at":
                return self._set_time(schedule, tail)
        return [say(texts.SCHEDULE_USAGE)]

    def _start_dialog(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        dialog = self.service.catalog.get(DIALOG)
        prefill: dict[str, StoredAnswer] = {}
        if engagement.start_date:
            iso = engagement.start_date.isoformat()
            prefill["start_date"] = StoredAnswer(raw=iso, value=iso)
        if engagement.iteration_weeks:
            weeks = str(engagement.iteration_weeks)
            prefill["iteration_weeks"] = StoredAnswer(raw=weeks, value=weeks)
        if engagement.iterations:
            prefill["iterations"] = StoredAnswer(
                raw=str(engagement.iterations), value=engagement.iterations
            )
        zone = here.person.timezone or here.who.timezone
        if zone:
            prefill["timezone"] = StoredAnswer(raw=zone, value=zone)
        ref = here.inbound.conversation
        where = (
            ref
            if (ref.is_personal or ref.thread)
            else self.service.reach(session, here.person, ref)
        )
        _, messages = self.service.start_for(
            session,
            dialog=dialog,
            who=here.who,
            person=here.person,
            to=where,
            engagement_id=engagement.id,
            context={"engagement_id": engagement.id},
            prefill=prefill,
        )
        if where.key != ref.key:
            note = Outbound(blocks=(rich(texts.CONTINUED_IN_DM, title=dialog.title),))
            messages.insert(0, note.model_copy(update={"only_for": here.person.user_id}))
        return messages

    def _list(self, session: Session, engagement: Engagement) -> Outbound:
        schedule = repo.schedule_of(session, engagement.id)
        if schedule is None:
            return say(texts.NO_SCHEDULE, engagement=engagement.name)
        plan = Plan.of(schedule)
        now = self._now()
        # The next standup once (it is every workday), then the other ceremonies: a
        # week of standups hid when the next planning or review is.
        upcoming: list[Occurrence] = []
        for o in plan.upcoming(now, LIST_LOOKAHEAD):
            if o.ceremony == DIGEST or (
                o.ceremony == STANDUP and any(u.ceremony == STANDUP for u in upcoming)
            ):
                continue
            upcoming.append(o)
            if len(upcoming) == LIST_SHOWN:
                break
        where = self._channel(session, engagement)
        blocks: list[Any] = [
            Heading(text=texts.SCHEDULE_TITLE.format(engagement=engagement.name)),
            rich(
                texts.SCHEDULE_STATE,
                status=schedule.status.capitalize(),
                timezone=schedule.timezone,
                workdays=_workdays(schedule.workdays),
                where="the engagement's channel"
                if where and not where.is_personal
                else "the owner",
            ),
        ]
        if schedule.status == "active":
            blocks.append(rich(f"*{texts.SCHEDULE_NEXT}*"))
            items = tuple((Span(text=occurrence_line(o, plan)),) for o in upcoming)
            blocks.append(BulletList(items=items) if items else rich(texts.SCHEDULE_NONE_LEFT))
        missed = repo.reminder_deliveries(session, schedule.id, status="missed")
        if missed:
            blocks.append(rich(f"*{texts.SCHEDULE_MISSED}*"))
            lines = []
            for row in missed[-10:]:
                shown = row.fire_at.astimezone(plan.zone)
                name = CEREMONY_NAMES.get(row.ceremony, "Standup digest")
                lines.append((Span(text=f"{shown:%a %d %b %H:%M} — {name}"),))
            blocks.append(BulletList(items=tuple(lines)))
        today = self._today(schedule)
        ahead = [d for d in sorted(schedule.holidays) if date.fromisoformat(d) >= today]
        if ahead:  # the ones past change nothing
            days = ", ".join(date.fromisoformat(d).strftime("%d %b %Y") for d in ahead)
            blocks.append(rich("Holidays: {days}", days=days))
        return Outbound(blocks=tuple(blocks))

    def _pause(self, schedule: Schedule, engagement: Engagement) -> list[Outbound]:
        if schedule.status == "paused":
            return [say(texts.SCHEDULE_ALREADY, engagement=engagement.name, status="paused")]
        schedule.status = "paused"
        return [say(texts.SCHEDULE_PAUSED, engagement=engagement.name)]

    def _resume(self, schedule: Schedule, engagement: Engagement) -> list[Outbound]:
        if schedule.status == "active":
            return [say(texts.SCHEDULE_ALREADY, engagement=engagement.name, status="on")]
        now = self._now()
        schedule.status = "active"
        schedule.checked_until = now  # what fell in the pause stays unposted
        following = self._reschedule(schedule, now)
        return [
            say(
                texts.SCHEDULE_RESUMED,
                engagement=engagement.name,
                next=occurrence_line(following, Plan.of(schedule)) if following else "nothing",
            )
        ]

    def _reschedule(self, schedule: Schedule, after: datetime) -> Occurrence | None:
        following = Plan.of(schedule).next_after(max(after, schedule.checked_until))
        schedule.next_due_at = following.at if following else None
        return following

    def _skip(self, schedule: Schedule, text: str) -> list[Outbound]:
        words = text.lower().replace("next", " ").strip()
        wanted = _ceremony_named(words, schedule)
        if wanted is None:
            names = ", ".join(_ceremony_label(schedule, c).lower() for c in schedule.ceremonies)
            return [say(texts.SCHEDULE_SKIP_WHICH, names=names)]
        plan = Plan.of(schedule)
        following = next((o for o in plan.upcoming(self._now(), 400) if o.ceremony == wanted), None)
        label = _ceremony_label(schedule, wanted)
        if following is None:
            return [say(texts.SCHEDULE_NOTHING_TO_SKIP, ceremony=label)]
        schedule.skipped = [*schedule.skipped, f"{wanted}@{following.day.isoformat()}"]
        self._reschedule(schedule, self._now())
        after = next(
            (o for o in Plan.of(schedule).upcoming(following.at, 400) if o.ceremony == wanted),
            None,
        )
        return [
            say(
                texts.SCHEDULE_SKIPPED,
                ceremony=label,
                day=f"{following.day:%a %d %b}",
                next=f"{after.day:%a %d %b}" if after else "none",
            )
        ]

    def _set_time(self, schedule: Schedule, text: str) -> list[Outbound]:
        """``time <ceremony> <HH:MM>``: when a ceremony is reminded of, on the team's clock
        (``time standup cutoff 11:30``: the digest)."""
        words = text.strip().rsplit(" ", 1)
        said = clock_time(words[-1]) if len(words) == 2 else None
        named = words[0].lower().removesuffix(" cutoff").removesuffix(" cut-off")
        wanted = _ceremony_named(named, schedule) if said else None
        if wanted is None or said is None:
            names = ", ".join(_ceremony_label(schedule, c).lower() for c in schedule.ceremonies)
            return [say(texts.SCHEDULE_TIME_HOW, names=names)]
        key = "cutoff" if wanted == STANDUP and named != words[0].lower() else "time"
        config = dict(schedule.ceremonies[wanted])
        config[key] = said
        if wanted == STANDUP and config.get("cutoff") and config["cutoff"] <= config["time"]:
            return [say(texts.SCHEDULE_CUTOFF_AFTER, time=config["time"], cutoff=config["cutoff"])]
        schedule.ceremonies = {**schedule.ceremonies, wanted: config}
        following = self._reschedule(schedule, self._now())
        plan = Plan.of(schedule)
        return [
            say(
                texts.SCHEDULE_TIME_SET,
                ceremony=_ceremony_label(schedule, wanted) + (" digest" if key == "cutoff" else ""),
                time=said,
                timezone=schedule.timezone,
                next=occurrence_line(following, plan) if following else "nothing",
            )
        ]

    def _holiday(
        self, schedule: Schedule, engagement: Engagement, text: str, here: Here
    ) -> list[Outbound]:
        """``holiday <date>`` adds a day without ceremonies; ``holiday remove <date>``
        (or delete, clear) takes one set by mistake back."""
        first, _, rest = text.strip().partition(" ")
        removing = first.lower() in HOLIDAY_REMOVE_WORDS
        if removing:
            text = rest
        how = texts.SCHEDULE_HOLIDAY_REMOVE_HOW if removing else texts.SCHEDULE_HOLIDAY_HOW
        if not text.strip():
            return [say(how)]
        try:
            day = parse_date(text, today=self._today(schedule))
        except ParseError as error:
            return [say("{problem} ", problem=error.message), say(how)]
        if removing:
            return self._remove_holiday(schedule, engagement, day)
        if day.isoformat() not in schedule.holidays:
            schedule.holidays = sorted([*schedule.holidays, day.isoformat()])
        self._reschedule(schedule, self._now())
        return [say(texts.SCHEDULE_HOLIDAY, day=f"{day:%a %d %b %Y}", engagement=engagement.name)]

    def _remove_holiday(
        self, schedule: Schedule, engagement: Engagement, day: date
    ) -> list[Outbound]:
        shown = f"{day:%a %d %b %Y}"
        if day.isoformat() not in schedule.holidays:
            not_set = rich(texts.SCHEDULE_HOLIDAY_NOT_SET, day=shown, engagement=engagement.name)
            return [Outbound(blocks=(not_set, self._holidays_ahead(schedule, engagement)))]
        schedule.holidays = [d for d in schedule.holidays if d != day.isoformat()]
        self._reschedule(schedule, self._now())
        plan = Plan.of(schedule)
        begin = datetime.combine(day, time.min, tzinfo=plan.zone)
        back = [
            occurrence_line(o, plan)
            for o in plan.between(begin - timedelta(seconds=1), begin + timedelta(days=1))
            if o.day == day and o.ceremony != DIGEST
        ]
        if not back:
            return [
                say(texts.SCHEDULE_HOLIDAY_REMOVED_EMPTY, day=shown, engagement=engagement.name)
            ]
        removed = rich(texts.SCHEDULE_HOLIDAY_REMOVED, day=shown, engagement=engagement.name)
        lines = BulletList(items=tuple((Span(text=line),) for line in back))
        return [Outbound(blocks=(removed, lines))]

    def _holidays(self, session: Session, engagement: Engagement) -> Outbound:
        schedule = repo.schedule_of(session, engagement.id)
        if schedule is None:
            return say(texts.NO_SCHEDULE, engagement=engagement.name)
        return Outbound(blocks=(self._holidays_ahead(schedule, engagement),))

    def _holidays_ahead(self, schedule: Schedule, engagement: Engagement) -> Paragraph:
        """The holidays from today on (the ones past change nothing)."""
        today = self._today(schedule)
        ahead = [date.fromisoformat(d) for d in sorted(schedule.holidays)]
        ahead = [d for d in ahead if d >= today]
        if not ahead:
            return rich(texts.SCHEDULE_NO_HOLIDAYS, engagement=engagement.name)
        days = ", ".join(f"{d:%a %d %b %Y}" for d in ahead)
        return rich(texts.SCHEDULE_HOLIDAYS, engagement=engagement.name, days=days)

    def _today(self, schedule: Schedule) -> date:
        """Today on the team's clock."""
        return self._now().astimezone(Plan.of(schedule).zone).date()

    def _team(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        people, _unknown = self.service.interviews.people(
            session, here, here.inbound.text.partition("team")[2]
        )
        if not people:
            return [say(texts.SCHEDULE_TEAM_WHO)]
        now = self._now()
        for person in people:
            who = self.service.participant_of(session, person)
            repo.add_member(
                session,
                engagement_id=engagement.id,
                participant_id=who.id,
                role="member",
                added_by_id=here.who.id,
                now=now,
            )
        names = ", ".join(p.name or p.user_id for p in people)
        return [say(texts.SCHEDULE_TEAM, engagement=engagement.name, names=names)]

    # -- the scheduler's tick ---------------------------------------------------------

    def tick(self, session: Session, limit: int = TICK_LIMIT) -> Tick:
        """Claim and queue the occurrences due by now of up to ``limit`` schedules, in the
        caller's transaction: the conversations to deliver, whether more schedules are
        due, and when the next occurrence of any schedule is.

        Built for a burst (1,000 engagements due in the same minute): the engagements
        and their channels are read in one query for all, the schedules marked checked
        in one statement, and nothing goes through the ORM's unit of work per row."""
        now = self._now()
        due = repo.due_schedules(session, now, limit)
        places = repo.reminder_places(session, [s.engagement_id for s in due])
        keys: list[str] = []
        checked: list[tuple[int, datetime | None]] = []
        for schedule in due:
            plan = Plan.of(schedule)
            engagement, stored = places.get(schedule.engagement_id, (None, None))
            channel = ConversationRef.model_validate(stored) if stored else None
            # One engagement's failure (a template, a bad row) holds up no other: its
            # work is rolled back to here, and the next tick tries it again.
            try:
                with session.begin_nested():
                    keys += self._fire(session, schedule, plan, engagement, channel, now)
            except Exception:
                log.exception("the reminders of schedule %s failed; retried next tick", schedule.id)
                continue
            following = plan.next_after(now)
            checked.append((schedule.id, following.at if following else None))
        repo.mark_schedules_checked(session, checked, now)
        return Tick(keys, repo.next_due(session), more=len(due) == limit)

    def _fire(
        self,
        session: Session,
        schedule: Schedule,
        plan: Plan,
        engagement: Engagement | None,
        channel: ConversationRef | None,
        now: datetime,
    ) -> list[str]:
        found = plan.between(schedule.checked_until, now)
        # Missed while every process was down: of each ceremony, the latest one still
        # within the grace period is posted, once; the others are recorded.
        latest: dict[str, Occurrence] = {}
        for occurrence in found:
            if now - occurrence.at <= self.grace:
                latest[occurrence.ceremony] = occurrence
        keys: list[str] = []
        for occurrence in found:
            if now - occurrence.at > self.grace:
                status = "missed"
            elif latest.get(occurrence.ceremony) is not occurrence:
                status = "coalesced"
            else:
                status = "posted"
            claimed = repo.claim_reminder(
                session,
                schedule_id=schedule.id,
                ceremony=occurrence.ceremony,
                fire_at=occurrence.at,
                local_date=occurrence.day,
                status=status,
                now=now,
            )
            if claimed is None or status != "posted" or engagement is None or channel is None:
                continue  # taken by another scheduler, or not to be posted
            posted = self._post(session, schedule, plan, engagement, channel, occurrence, now)
            repo.set_reminder_outbox(session, claimed, posted.outbox_id)
            keys += posted.keys
        return keys

    def _channel(self, session: Session, engagement: Engagement) -> ConversationRef | None:
        """Where an engagement's reminders go: its bound channel, else where it was set up."""
        _, stored = repo.reminder_places(session, [engagement.id])[engagement.id]
        return ConversationRef.model_validate(stored) if stored else None

    def _post(
        self,
        session: Session,
        schedule: Schedule,
        plan: Plan,
        engagement: Engagement,
        channel: ConversationRef,
        occurrence: Occurrence,
        now: datetime,
    ) -> Posted:
        values: dict[str, Any] = {
            "engagement": engagement.name,
            "iteration": occurrence.iteration,
            "day": occurrence.day.isoformat(),
            "time": f"{occurrence.local:%H:%M}",
            "timezone": plan.timezone,
        }
        extra: list[Outbound] = []
        if occurrence.ceremony == STANDUP:
            asked, extra = self._ask_standup(session, engagement, channel, occurrence)
            values |= {"count": asked, "cutoff": _hhmm(plan.time_of(STANDUP, "cutoff"))}
        if occurrence.ceremony == DIGEST:
            return self._digest(session, schedule, engagement, occurrence, channel, now)
        values["weekly"] = plan.ceremonies.get(occurrence.ceremony, {}).get("every") == "week"
        values |= agenda_context(session, engagement, occurrence)
        blocks = list(
            self.service.summaries.render(f"ceremonies/{occurrence.ceremony}.md.j2", values)
        )
        if occurrence.ceremony == "retrospective":
            blocks.append(
                Question(
                    prompt_key=f"{COMMAND_BUTTON}:retro:{occurrence.day.isoformat()}",
                    text=texts.RETRO_WHEN_READY,
                    input="choice",
                    options=(Option(value="retro", label=texts.RETRO_START),),
                )
            )
        outbox_id = enqueue(session, channel, Outbound(blocks=tuple(blocks)), now=now)
        keys = [channel.key]
        for message in extra:
            assert message.to is not None
            enqueue(session, message.to, message, now=now)
            keys.append(message.to.key)
        return Posted(keys, outbox_id)

    # -- the async standup ---------------------------------------------------------

    def _ask_standup(
        self,
        session: Session,
        engagement: Engagement,
        channel: ConversationRef,
        occurrence: Occurrence,
    ) -> tuple[int, list[Outbound]]:
        """Start the standup for each member of the team, in their DM: how many were
        asked, and the messages that ask them."""
        dialog = self.service.catalog.get(STANDUP_DIALOG)
        messages: list[Outbound] = []
        team = repo.members_with_role(session, engagement.id, TEAM_ROLES)
        for row in team:
            person = self.service.person_of(row)
            _, started = self.service.start_for(
                session,
                dialog=dialog,
                who=self.service.who_of(row),
                person=person,
                to=self.service.reach(session, person, channel),
                engagement_id=engagement.id,
                context={"engagement_id": engagement.id, "standup_day": occurrence.day.isoformat()},
            )
            messages += started
        return len(team), messages

    def _digest(
        self,
        session: Session,
        schedule: Schedule,
        engagement: Engagement,
        occurrence: Occurrence,
        channel: ConversationRef,
        now: datetime,
    ) -> Posted:
        """The day's standup digest, in the thread of the day's standup message (at the
        channel's top level if that message is not out yet)."""
        day = occurrence.day
        runs = repo.engagement_runs(
            session, engagement.id, STANDUP_DIALOG, since=now - timedelta(days=10)
        )
        by_day: dict[str, dict[int, Any]] = {}
        for run in runs:
            by_day.setdefault(str(run.state.get("context", {}).get("standup_day")), {})[
                run.participant_id
            ] = run
        today = by_day.get(day.isoformat(), {})
        earlier_days = sorted(d for d in by_day if d < day.isoformat())
        yesterday = by_day.get(earlier_days[-1], {}) if earlier_days else {}
        answered, out, skipped, missing = [], [], [], []
        for participant_id, run in today.items():
            row = repo.participant(session, participant_id)
            name = (row.display_name or row.user_id) if row else "someone"
            answers = _answers(run)
            if run.status != "completed":
                missing.append(name)
                # Not answered by the cut-off: it ends, tomorrow asks again.
                repo.set_run_status(session, run.id, "cancelled", now=now)
                continue
            match answers.get("mode"):
                case "out":
                    out.append(name)
                case "skip":
                    skipped.append(name)
                case _:
                    blockers = _blocker(answers.get("blockers"))
                    before = yesterday.get(participant_id)
                    answered.append(
                        {
                            "name": name,
                            "yesterday": answers.get("yesterday") or "—",
                            "today": answers.get("today") or "—",
                            "blockers": blockers,
                            "blocked_before": bool(
                                blockers
                                and before is not None
                                and before.status == "completed"
                                and _blocker(_answers(before).get("blockers"))
                            ),
                        }
                    )
        blocks = self.service.summaries.render(
            "ceremonies/standup_digest.md.j2",
            {
                "day": day.isoformat(),
                "answered": answered,
                "out": out,
                "skipped": skipped,
                "missing": missing,
            },
        )
        parent = repo.reminder_on(session, schedule.id, STANDUP, day)
        thread = (
            repo.sent_message_id(session, parent.outbox_id)
            if parent is not None and parent.outbox_id is not None
            else None
        )
        to = channel.model_copy(update={"thread": thread}) if thread else channel
        outbox_id = enqueue(session, to, Outbound(blocks=tuple(blocks)), now=now)
        return Posted([to.key], outbox_id)


def _hhmm(value: time | None) -> str:
    return f"{value:%H:%M}" if value is not None else ""


def _answers(run: Any) -> dict[str, Any]:
    answers = run.state.get("answers", {})
    return {k: (v or {}).get("value") for k, v in answers.items() if isinstance(v, dict)}


def _blocker(value: Any) -> str | None:
    if not value:
        return None
    said = str(value).strip()
    return None if said.lower().strip(" .!") in NO_BLOCKERS else said


def _ceremony_named(text: str, schedule: Schedule) -> str | None:
    words = text.strip().lower().replace("-", " ")
    if not words:
        return None
    aliases = {
        "standup": STANDUP,
        "stand up": STANDUP,
        "planning": "iteration_planning",
        "review": "iteration_review",
        "status": "iteration_review",
        "weekly status": "iteration_review",
        "refinement": "backlog_refinement",
        "grooming": "backlog_refinement",
        "retro": "retrospective",
    }
    for ceremony in schedule.ceremonies:
        if words in (ceremony.replace("_", " "), CEREMONY_NAMES[ceremony].lower()):
            return ceremony
    found = aliases.get(words)
    return found if found in schedule.ceremonies else None
