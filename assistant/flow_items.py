"""Flow items: the features, defects, risks and debts a delivery team works on, recorded
as the work moves, so the findings can show the flow metrics (DESIGN.md §1.2).

``flow add <kind> <title>`` records an item (not started); ``flow start <n>`` says work on
it began (active); ``flow wait <n>`` / ``flow resume <n>`` say it is blocked or waiting,
then active again; ``flow done <n>`` finishes it; ``flow`` lists the open items by kind
with their age; ``flow show <n>`` shows one with its history and ``flow reopen <n>`` undoes
a ``done`` said by mistake. ``flow rename <n> <title>`` fixes a title (the history keeps the
old one); ``flow remove <n>`` takes an item recorded by mistake out of the lists and the
metrics, keeping it and its history (its number is never taken again). Items are rows
(:class:`storage.models.FlowItem`), every change a :class:`storage.models.FlowTransition`
(who, from what state or title to what, when), on the service's clock.

The metrics are :func:`assistant.flow.flow_metrics` over the items as the transitions
tell them: an item starts when it first becomes active (or, done without being started,
when it was recorded), finishes when it is done, and its active time is the time it spent
active. ``summary`` and the readout show them over the last four weeks, or since the
first item was recorded when that is sooner (:func:`report_for`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import flow, texts
from assistant.commands import Command, CommandRefused
from assistant.events import (
    Block,
    BulletList,
    Field_,
    Fields,
    Heading,
    Outbound,
    Paragraph,
    Span,
)
from assistant.interviews import say, split_for
from assistant.markup import rich
from assistant.parsing import format_duration, format_percent
from storage import models
from storage import repositories as repo
from storage.models import Engagement

if TYPE_CHECKING:
    from assistant.service import Here, TurnService

WINDOW = timedelta(weeks=4)
TITLE_LIMIT = 255  # the column's length
MAX_SHOWN = 10  # items in progress listed in a summary (the readout lists them all)
_NUMBER = re.compile(r"^\s*#?\s*(?P<number>\d{1,9})\s*$")
_NUMBER_AND_TITLE = re.compile(r"^\s*#?\s*(?P<number>\d{1,9})(?:\s+(?P<title>.*))?$", re.S)
REMOVED = "removed"  # the state of an item recorded by mistake
# What each command does to an item: the states it moves from, and the state it moves to.
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "flow_start": (("new", "waiting"), "active"),
    "flow_wait": (("active",), "waiting"),
    "flow_resume": (("waiting",), "active"),
    "flow_done": (("new", "active", "waiting"), "done"),
}


def kind_of(word: str) -> flow.FlowKind | None:
    """``feature``, ``Defects``, ``bug`` -> the kind; None for anything else."""
    word = word.strip().lower()
    for kind in flow.KINDS:
        name, plural = texts.FLOW_KINDS[kind]
        if word in (name, plural.lower()):
            return kind
    return "defect" if word in ("bug", "bugs") else None


@dataclass(frozen=True)
class Tracked:
    """One item as its transitions tell it."""

    row: models.FlowItem
    started: datetime | None  # first became active
    finished: datetime | None
    active: timedelta  # time spent active so far (up to ``now`` while active)
    since: datetime  # the last change of its state

    def as_flow_item(self) -> flow.FlowItem | None:
        """The item as the metrics take it; None for an item not started nor done."""
        kind: flow.FlowKind = self.row.kind  # type: ignore[assignment]
        if self.started is None:
            if self.finished is None:
                return None
            # Done without being started: in the flow from when it was recorded, for an
            # unknown part of which it was worked.
            return flow.FlowItem(kind, self.row.created_at, self.finished)
        return flow.FlowItem(kind, self.started, self.finished, self.active)


def tracked(
    items: Sequence[models.FlowItem],
    transitions: Sequence[models.FlowTransition],
    now: datetime,
) -> list[Tracked]:
    """Each item with when it started and finished and how long it was active."""
    by_item: dict[int, list[models.FlowTransition]] = defaultdict(list)
    for t in transitions:
        if t.new_title is None:  # a rename changes no state
            by_item[t.item_id].append(t)
    found = []
    for item in items:
        started = finished = active_since = None
        active = timedelta()
        since = item.created_at
        for t in by_item.get(item.id, ()):
            if active_since is not None:
                active += t.at - active_since
                active_since = None
            if t.new_state == "active":
                active_since = t.at
                started = started or t.at
            finished = t.at if t.new_state == "done" else None
            since = t.at
        if active_since is not None:
            active += now - active_since
        found.append(Tracked(item, started, finished, active, since))
    return found


@dataclass(frozen=True)
class FlowReport:
    """What ``summary`` and the readout show of an engagement's flow items."""

    metrics: flow.FlowMetrics
    since_first: bool  # the window starts at the first item (else: the last four weeks)
    active: int
    waiting: int
    not_started: int
    started_and_done: int  # done items in the window that say how long they were active
    in_progress: tuple[Tracked, ...]
    now: datetime


def report_for(session: Session, engagement_id: int, now: datetime) -> FlowReport | None:
    """The engagement's flow metrics now; None when it has no flow items."""
    items = repo.flow_items(session, engagement_id)
    if not items:
        return None
    every = tracked(items, repo.flow_transitions(session, engagement_id), now)
    first = min(i.created_at for i in items)
    start = max(now - WINDOW, first)
    # Inclusive of now: an item finished this very moment (the window is [start, end)).
    end = now + timedelta(microseconds=1)
    if end <= start:
        start = end - timedelta(microseconds=1)
    as_items = [i for t in every if (i := t.as_flow_item()) is not None]
    metrics = flow.flow_metrics(as_items, start, end)
    open_ = [t for t in every if t.row.state in ("active", "waiting")]
    open_.sort(key=lambda t: (t.started or t.since, t.row.number))
    return FlowReport(
        metrics=metrics,
        since_first=start > now - WINDOW,
        active=sum(1 for t in open_ if t.row.state == "active"),
        waiting=sum(1 for t in open_ if t.row.state == "waiting"),
        not_started=sum(1 for t in every if t.row.state == "new"),
        started_and_done=sum(
            1
            for t in as_items
            if t.finished is not None
            and start <= t.finished < end
            and t.active is not None
            and t.finished > t.started  # as flow_metrics counts them
        ),
        in_progress=tuple(open_),
        now=now,
    )


# -- the figures as text ------------------------------------------------------------------


def _duration(value: timedelta) -> str:
    # Never negative: another process's clock may run a little ahead of this one's.
    return format_duration(max(value, timedelta(0)).total_seconds() / 60)


def _day(value: datetime) -> str:
    return value.strftime("%d %b %Y")


def window_text(report: FlowReport) -> str:
    m = report.metrics
    if report.since_first:
        return texts.FLOW_WINDOW_SINCE.format(
            start=_day(m.start), end=_day(report.now), length=_duration(report.now - m.start)
        )
    return texts.FLOW_WINDOW_WEEKS.format(start=_day(m.start), end=_day(report.now))


def _shares(shares: dict[flow.FlowKind, float]) -> str:
    return " · ".join(
        f"{texts.FLOW_KINDS[k][1].lower()} {format_percent(round(shares[k] * 100, 1))}"
        for k in flow.KINDS
    )


def figures(report: FlowReport) -> list[tuple[str, str]]:
    """The five flow metrics as (label, value) pairs."""
    m = report.metrics
    length = report.now - m.start
    done = m.velocity
    if length >= timedelta(weeks=1):
        rate = done / (length / timedelta(weeks=1))
        velocity = texts.FLOW_VELOCITY_RATE.format(
            rate=f"{rate:.1f}".removesuffix(".0"), done=done, length=_duration(length)
        )
    else:
        velocity = texts.FLOW_VELOCITY_SHORT.format(done=done, length=_duration(length))
    if done:
        distribution = texts.FLOW_DISTRIBUTION_OF.format(shares=_shares(m.distribution), done=done)
    elif m.load:
        distribution = texts.FLOW_DISTRIBUTION_LOAD.format(
            shares=_shares(m.load_distribution), load=m.load
        )
    else:
        distribution = texts.FLOW_NONE_YET
    if m.flow_time_median is not None and m.flow_time_p85 is not None:
        flow_time = texts.FLOW_TIME_VALUE.format(
            median=_duration(m.flow_time_median), p85=_duration(m.flow_time_p85), done=done
        )
    else:
        flow_time = texts.FLOW_NONE_YET
    efficiency = (
        texts.FLOW_EFFICIENCY_VALUE.format(
            value=format_percent(round(m.efficiency * 100, 1)), count=report.started_and_done
        )
        if m.efficiency is not None
        else texts.FLOW_NONE_YET
    )
    load = texts.FLOW_LOAD_VALUE.format(load=m.load, active=report.active, waiting=report.waiting)
    if report.not_started:
        load += texts.FLOW_LOAD_NEW.format(count=report.not_started)
    return [
        (texts.FLOW_VELOCITY, velocity),
        (texts.FLOW_DISTRIBUTION, distribution),
        (texts.FLOW_TIME, flow_time),
        (texts.FLOW_EFFICIENCY, efficiency),
        (texts.FLOW_LOAD, load),
    ]


def progress_detail(item: Tracked, now: datetime) -> str:
    """What an item in progress is and how long it has been going (its title apart)."""
    return texts.FLOW_PROGRESS_LINE.format(
        kind=texts.FLOW_KINDS[item.row.kind][0],
        state=texts.FLOW_STATES[item.row.state],
        age=_duration(now - (item.started or item.since)),
    )


def summary_blocks(report: FlowReport, limit: int = MAX_SHOWN) -> list[Block]:
    """The flow metrics as a summary shows them, with the items in progress."""
    blocks: list[Block] = [
        Heading(text=texts.FLOW_METRICS_TITLE),
        Paragraph(spans=(Span(text=window_text(report)),)),
        Fields(items=tuple(Field_(label=k, value=v) for k, v in figures(report))),
    ]
    if report.in_progress:
        lines: list[tuple[Span, ...]] = [
            (
                Span(text=f"#{t.row.number} ", style="bold"),
                Span(text=t.row.title, style="bold"),
                Span(text=progress_detail(t, report.now)),
            )
            for t in report.in_progress[:limit]
        ]
        if len(report.in_progress) > limit:
            more = len(report.in_progress) - limit
            lines.append((Span(text=texts.FLOW_MORE.format(count=more)),))
        blocks.append(rich(f"*{texts.FLOW_IN_PROGRESS}*"))
        blocks.append(BulletList(items=tuple(lines)))
    return blocks


def readout_context(report: FlowReport) -> dict[str, Any]:
    """The flow metrics for the readout's templates (which escape every value)."""
    return {
        "title": texts.FLOW_METRICS_TITLE,
        "window": window_text(report),
        "rows": figures(report),
        "in_progress_title": texts.FLOW_IN_PROGRESS,
        "in_progress": [
            (f"#{t.row.number}", t.row.title, progress_detail(t, report.now).removeprefix(" — "))
            for t in report.in_progress
        ],
    }


# -- the commands ---------------------------------------------------------------------------


def _when(value: datetime) -> str:
    return value.strftime("%d %b %Y %H:%M")


def _removal(
    session: Session,
    item: models.FlowItem,
    history: Sequence[tuple[models.FlowTransition, models.Participant]] | None = None,
) -> tuple[str, str]:
    """Who removed a removed item, and when."""
    if history is None:
        history = repo.flow_item_history(session, item.id)
    change, person = next(
        (c, p) for c, p in reversed(history) if c.new_state == REMOVED and c.new_title is None
    )
    return person.display_name or person.user_id, _when(change.at)


class FlowBoard:
    def __init__(self, service: TurnService) -> None:
        self.service = service

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        rest, named = split_for(f"x {argument}" if argument.strip() else "")
        rest = rest[1:].strip()
        if named and not repo.find_engagement(session, here.tenant, named):
            rest, named = argument.strip(), None  # "for" in a title: "Support for SSO"
        if command.name == "flow" and rest and not named:
            if not repo.find_engagement(session, here.tenant, rest):
                raise CommandRefused(say(texts.FLOW_UNKNOWN, said=argument[:60]))
            rest, named = "", rest  # "flow Acme VSA"
        engagement = self.service.engagement_for(session, here, named, command)
        self.service.check_role(session, here, engagement, command)
        if command.name == "flow":
            return [self._list(session, engagement)]
        if command.name == "flow_add":
            return [self._add(session, here, engagement, rest)]
        found = (_NUMBER_AND_TITLE if command.name == "flow_rename" else _NUMBER).match(rest)
        if found is None:
            if command.name == "flow_rename":
                raise CommandRefused(say(texts.FLOW_RENAME_HOW))
            raise CommandRefused(say(texts.FLOW_WHICH_ITEM, command=command.words[0]))
        number = int(found["number"])
        item = repo.flow_item(session, engagement.id, number)
        if item is None:
            raise CommandRefused(say(texts.FLOW_NO_ITEM, number=number, engagement=engagement.name))
        if command.name == "flow_show":
            return [self._show(session, item)]
        if item.state == REMOVED:
            who, at = _removal(session, item)
            again = command.name == "flow_remove"
            answer = texts.FLOW_REMOVED_ALREADY if again else texts.FLOW_WAS_REMOVED
            return [say(answer, number=item.number, title=item.title, who=who, at=at)]
        match command.name:
            case "flow_reopen":
                return [self._reopen(session, here, item)]
            case "flow_rename":
                return [self._rename(session, here, item, found["title"] or "")]
            case "flow_remove":
                return [self._remove(session, here, engagement, item)]
        return [self._move(session, here, engagement, item, command.name)]

    def _add(self, session: Session, here: Here, engagement: Engagement, text: str) -> Outbound:
        words = text.split(maxsplit=1)
        kind = kind_of(words[0]) if words else None
        if kind is None:
            raise CommandRefused(say(texts.FLOW_WHICH_KIND))
        title = " ".join(words[1].split()) if len(words) > 1 else ""
        if not title:
            raise CommandRefused(say(texts.FLOW_NO_TITLE, kind=kind))
        if len(title) > TITLE_LIMIT:
            raise CommandRefused(
                say(texts.FLOW_TITLE_TOO_LONG, length=len(title), limit=TITLE_LIMIT)
            )
        now = self.service.clock.now()
        item = repo.add_flow_item(
            session,
            models.FlowItem(
                engagement_id=engagement.id,
                number=0,
                kind=kind,
                title=title,
                state="new",
                created_by_id=here.who.id,
                created_at=now,
                updated_at=now,
            ),
            here.who.id,
            now,
        )
        return say(
            texts.FLOW_ADDED,
            kind=texts.FLOW_KINDS[kind][0],
            number=item.number,
            title=item.title,
            engagement=engagement.name,
        )

    def _move(
        self,
        session: Session,
        here: Here,
        engagement: Engagement,
        item: models.FlowItem,
        name: str,
    ) -> Outbound:
        sources, target = MOVES[name]
        if item.state not in sources:
            return say(texts.FLOW_ALREADY[item.state], number=item.number, title=item.title)
        now = self.service.clock.now()
        old = item.state
        repo.add_flow_transition(session, item, here.who.id, target, now, old_state=old)
        key = name.removeprefix("flow_")
        values: dict[str, Any] = {"number": item.number, "title": item.title}
        if target == "done":
            history = [t for t, _who in repo.flow_item_history(session, item.id)]
            [done] = tracked([item], history, now)
            begun = done.started or item.created_at
            values["flow_time"] = _duration(now - begun)
            if done.started is None:
                key = "done_unstarted"
        return say(texts.FLOW_MOVED[key], **values)

    def _reopen(self, session: Session, here: Here, item: models.FlowItem) -> Outbound:
        """Undo a ``flow done`` said by mistake: the item goes back to active if it had
        been started (its flow time goes on from when it started), else to not started."""
        if item.state != "done":
            return say(texts.FLOW_NOT_DONE, number=item.number, title=item.title)
        history = [t for t, _who in repo.flow_item_history(session, item.id)]
        target = "active" if any(t.new_state == "active" for t in history) else "new"
        now = self.service.clock.now()
        repo.add_flow_transition(session, item, here.who.id, target, now, old_state="done")
        return say(
            texts.FLOW_REOPENED,
            number=item.number,
            title=item.title,
            state=texts.FLOW_STATES[target],
        )

    def _rename(self, session: Session, here: Here, item: models.FlowItem, text: str) -> Outbound:
        title = " ".join(text.split())
        if not title:
            return say(texts.FLOW_RENAME_NO_TITLE, number=item.number, title=item.title)
        if len(title) > TITLE_LIMIT:
            raise CommandRefused(
                say(texts.FLOW_TITLE_TOO_LONG, length=len(title), limit=TITLE_LIMIT)
            )
        if title == item.title:
            return say(texts.FLOW_RENAME_SAME, number=item.number, title=item.title)
        old = item.title
        repo.rename_flow_item(session, item, here.who.id, title, self.service.clock.now())
        return say(texts.FLOW_RENAMED, number=item.number, old=old, new=title)

    def _remove(
        self, session: Session, here: Here, engagement: Engagement, item: models.FlowItem
    ) -> Outbound:
        """An item recorded by mistake leaves the lists and the metrics; its row and its
        history stay, so ``flow show`` tells who removed it and its number stays taken."""
        now = self.service.clock.now()
        repo.add_flow_transition(session, item, here.who.id, REMOVED, now, old_state=item.state)
        return say(
            texts.FLOW_REMOVED, number=item.number, title=item.title, engagement=engagement.name
        )

    def _show(self, session: Session, item: models.FlowItem) -> Outbound:
        """One item, and who moved it from what to what, when."""
        kind, state, recorded = texts.FLOW_ITEM_FIELDS
        lines = []
        history = repo.flow_item_history(session, item.id)
        for change, person in history:
            if change.old_state is None:
                what = texts.FLOW_HISTORY_RECORDED
            elif change.new_title is not None:
                what = texts.FLOW_HISTORY_RENAMED.format(old=change.old_title, new=change.new_title)
            else:
                what = texts.FLOW_HISTORY_MOVED.format(
                    old=texts.FLOW_STATES[change.old_state], new=texts.FLOW_STATES[change.new_state]
                )
            lines.append(
                (
                    Span(text=_when(change.at) + " — "),
                    Span(text=person.display_name or person.user_id, style="bold"),
                    Span(text=texts.FLOW_HISTORY_LINE.format(change=what)),
                )
            )
        blocks: list[Block] = [
            Heading(text=texts.FLOW_ITEM_TITLE.format(number=item.number, title=item.title)),
            Fields(
                items=(
                    Field_(label=kind, value=texts.FLOW_KINDS[item.kind][0]),
                    Field_(label=state, value=texts.FLOW_STATES[item.state]),
                    Field_(label=recorded, value=_day(item.created_at)),
                )
            ),
        ]
        if item.state == REMOVED:
            who, at = _removal(session, item, history)
            blocks.append(rich(texts.FLOW_REMOVED_NOTE, who=who, at=at))
        blocks += [rich(f"*{texts.FLOW_HISTORY}*"), BulletList(items=tuple(lines))]
        return Outbound(blocks=tuple(blocks))

    def _list(self, session: Session, engagement: Engagement) -> Outbound:
        """The open items by kind, each with its state and age."""
        now = self.service.clock.now()
        items = repo.flow_items(session, engagement.id)
        every = tracked(items, repo.flow_transitions(session, engagement.id), now)
        open_ = [t for t in every if t.row.state != "done"]
        blocks: list[Block] = [Heading(text=texts.FLOW_TITLE.format(engagement=engagement.name))]
        if not open_:
            blocks.append(rich(texts.FLOW_NOTHING_OPEN))
        for kind in flow.KINDS:
            mine = [t for t in open_ if t.row.kind == kind]
            if not mine:
                continue
            blocks.append(rich(f"*{texts.FLOW_KINDS[kind][1]}*"))
            blocks.append(BulletList(items=tuple(self._line(t, now) for t in mine)))
        if items:
            done = sum(1 for t in every if t.row.state == "done")
            blocks.append(rich(texts.FLOW_FOOTER, done=done))
        return Outbound(blocks=tuple(blocks))

    @staticmethod
    def _line(item: Tracked, now: datetime) -> tuple[Span, ...]:
        state = item.row.state
        detail = texts.FLOW_LINE[state].format(
            age=_duration(now - (item.started or item.row.created_at)),
            waiting=_duration(now - item.since),
        )
        return (
            Span(text=f"#{item.row.number} ", style="bold"),
            Span(text=item.row.title, style="bold"),
            Span(text=detail),
        )
