"""When a schedule's ceremonies happen: local dates and times in the team's timezone,
and the UTC instant each reminder fires. Pure (zoneinfo only): the scheduler, the
schedule dialog's calendar and ``schedule list`` share it.

The iteration rhythm (DESIGN.md §1.3): Iteration 0 starts on the schedule's start
date, then ``iterations`` iterations of ``iteration_weeks`` weeks follow. Each
iteration's planning is on its first workday, its review and retrospective on its
last, backlog refinement mid-way; the daily standup is every workday, its digest at
the cut-off. Holidays are not workdays (a planning on a holiday moves to the next
workday, a review to the one before), and one occurrence can be skipped.

Daylight saving: a local time that does not exist on the day the clocks go forward
(01:30 in London on the last Sunday of March) fires when the clock would have shown it,
shifted forward by the gap (02:30 BST); a local time that happens twice when the
clocks go back (01:30 in New York on the first Sunday of November) fires at the first
of the two (``fold=0``), once. Both are what ``datetime.combine(..., tzinfo=zone)``
with ``fold=0`` means, converted to UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from assistant.guideline import CEREMONIES

STANDUP = "daily_standup"
DIGEST = "standup_digest"  # the standup's digest, at the cut-off
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The times a ceremony is reminded of, local, unless the schedule says otherwise.
DEFAULT_TIMES: dict[str, str] = {
    "iteration_planning": "10:00",
    "iteration_review": "14:00",
    "backlog_refinement": "14:00",
    "retrospective": "15:30",
    STANDUP: "09:30",
}
DEFAULT_CUTOFF_MINUTES = 90  # the digest after the standup, unless a cut-off is given


@dataclass(frozen=True, order=True)
class Occurrence:
    at: datetime  # when the reminder fires, UTC
    ceremony: str
    day: date  # the local date
    local: time  # the local time asked for (the clock may show another on a DST day)
    iteration: int


def parse_time(value: str) -> time:
    """``"09:30"`` -> 09:30. ValueError when it is not one."""
    hours, _, minutes = value.strip().partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class Plan:
    """The parts of a stored schedule that say when things happen."""

    timezone: str
    start: date  # Iteration 0 starts
    iteration_weeks: int
    iterations: int  # planned, after Iteration 0
    ceremonies: Mapping[str, Mapping[str, Any]]
    workdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    skipped: frozenset[tuple[str, date]] = frozenset()
    _iteration_days: dict[int, list[date]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @classmethod
    def of(cls, row: Any) -> Plan:
        """From a :class:`storage.models.Schedule` (or anything with its fields)."""
        skipped = set()
        for item in row.skipped or ():
            ceremony, _, day = str(item).partition("@")
            skipped.add((ceremony, date.fromisoformat(day)))
        return cls(
            timezone=row.timezone,
            start=row.start_date,
            iteration_weeks=row.iteration_weeks,
            iterations=row.iterations,
            ceremonies=dict(row.ceremonies),
            workdays=frozenset(row.workdays),
            holidays=frozenset(date.fromisoformat(d) for d in row.holidays or ()),
            skipped=frozenset(skipped),
        )

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days_per_iteration(self) -> int:
        return self.iteration_weeks * 7

    @property
    def end(self) -> date:
        """The day after the last planned iteration."""
        return self.start + timedelta(days=(self.iterations + 1) * self.days_per_iteration)

    def iteration_of(self, day: date) -> int:
        return (day - self.start).days // self.days_per_iteration

    def iteration_start(self, number: int) -> date:
        return self.start + timedelta(days=number * self.days_per_iteration)

    def working(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def _working_days(self, number: int) -> list[date]:
        """The iteration's working days, in order (kept: a schedule asks often)."""
        days = self._iteration_days.get(number)
        if days is None:
            first = self.iteration_start(number)
            days = [
                d
                for d in (first + timedelta(days=i) for i in range(self.days_per_iteration))
                if self.working(d)
            ]
            self._iteration_days[number] = days
        return days

    def time_of(self, ceremony: str, key: str = "time") -> time | None:
        """A ceremony's local time (``key="cutoff"``: the standup's cut-off)."""
        config = self.ceremonies.get(ceremony)
        if config is None:
            return None
        if key == "cutoff" and not config.get("cutoff"):
            start = datetime.combine(date(2000, 1, 1), self.time_of(ceremony) or time(9, 30))
            return (start + timedelta(minutes=DEFAULT_CUTOFF_MINUTES)).time()
        return parse_time(str(config.get(key) or DEFAULT_TIMES.get(ceremony, "10:00")))

    def on(self, day: date) -> list[tuple[str, time]]:
        """The ceremonies on a local date, with their local times (skips applied)."""
        if not self.start <= day < self.end:
            return []
        number = self.iteration_of(day)
        days = self._working_days(number)
        found: list[tuple[str, time]] = []
        for ceremony in self.ceremonies:
            if ceremony == STANDUP:
                if self.working(day):
                    found.append((STANDUP, self.time_of(STANDUP) or time(9, 30)))
                    found.append((DIGEST, self.time_of(STANDUP, "cutoff") or time(11)))
                continue
            if number == 0 or not days or ceremony not in CEREMONIES:
                continue  # Iteration 0 is the kickoff: no iteration ceremonies
            if self._falls_on(ceremony, day, number, days):
                found.append((ceremony, self.time_of(ceremony) or time(10)))
        return [
            (c, t)
            for c, t in found
            if (c, day) not in self.skipped and (c != DIGEST or (STANDUP, day) not in self.skipped)
        ]

    def _falls_on(self, ceremony: str, day: date, number: int, days: list[date]) -> bool:
        match ceremony:
            case "iteration_planning":
                return day == days[0]
            case "retrospective":
                return day == days[-1]
            case "iteration_review":
                if self.ceremonies[ceremony].get("every") == "week":
                    # A weekly status: the last working day of each week of the iteration.
                    week = (day - self.iteration_start(number)).days // 7
                    in_week = [
                        d for d in days if (d - self.iteration_start(number)).days // 7 == week
                    ]
                    return bool(in_week) and day == in_week[-1]
                return day == days[-1]
            case "backlog_refinement":
                # Two days into the iteration's middle week (a Wednesday for Monday starts).
                middle = self.iteration_start(number) + timedelta(
                    days=(self.days_per_iteration // 2) // 7 * 7 + 2
                )
                later = [d for d in days if d >= middle] or days
                return day == later[0]
        return False

    def fire_at(self, day: date, local: time) -> datetime:
        """The UTC instant of a local date and time (see the module's DST rule)."""
        return datetime.combine(day, local, tzinfo=self.zone).astimezone(UTC)

    def between(self, after: datetime, until: datetime) -> list[Occurrence]:
        """Occurrences firing in ``(after, until]``, in order."""
        first = max(after.astimezone(self.zone).date() - timedelta(days=1), self.start)
        last = min(until.astimezone(self.zone).date() + timedelta(days=1), self.end)
        found = []
        for day in _days(first, last):
            for occurrence in self._occurrences(day):
                if after < occurrence.at <= until:
                    found.append(occurrence)
        return sorted(found)

    def next_after(self, after: datetime) -> Occurrence | None:
        """The first occurrence firing after ``after``; None once the schedule is over."""
        first = max(after.astimezone(self.zone).date() - timedelta(days=1), self.start)
        for day in _days(first, self.end):
            later = [o for o in self._occurrences(day) if o.at > after]
            if later:
                return min(later)
        return None

    def upcoming(self, after: datetime, count: int) -> list[Occurrence]:
        found: list[Occurrence] = []
        at = after
        while len(found) < count:
            following = self.next_after(at)
            if following is None:
                break
            found.append(following)
            at = following.at
        return found

    def _occurrences(self, day: date) -> Iterator[Occurrence]:
        number = self.iteration_of(day)
        for ceremony, local in self.on(day):
            yield Occurrence(self.fire_at(day, local), ceremony, day, local, number)


def _days(first: date, last: date) -> Iterable[date]:
    """``first`` up to, not including, ``last``."""
    for offset in range((last - first).days):
        yield first + timedelta(days=offset)
