"""When ceremonies happen: the iteration rhythm, holidays, skips, and the reminders'
UTC instants on the days the clocks change (Europe/London, America/New_York)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from assistant.occurrences import DIGEST, STANDUP, Plan

ALL = {
    "iteration_planning": {"time": "10:00"},
    "iteration_review": {"time": "14:00"},
    "backlog_refinement": {"time": "14:00"},
    "retrospective": {"time": "15:30"},
    STANDUP: {"time": "09:30", "cutoff": "11:00"},
}


def plan(**overrides: object) -> Plan:
    values: dict[str, object] = {
        "timezone": "Europe/London",
        "start": date(2027, 1, 4),  # a Monday
        "iteration_weeks": 2,
        "iterations": 3,
        "ceremonies": ALL,
    }
    values |= overrides
    return Plan(**values)  # type: ignore[arg-type]


def names_on(p: Plan, day: date) -> list[str]:
    return [ceremony for ceremony, _ in p.on(day)]


def test_iteration_zero_has_standups_only_then_each_iteration_has_its_rhythm() -> None:
    p = plan()
    assert names_on(p, date(2027, 1, 4)) == [STANDUP, DIGEST]  # Iteration 0 is the kickoff
    assert names_on(p, date(2027, 1, 9)) == []  # a Saturday
    first = date(2027, 1, 18)  # Iteration 1 starts
    assert "iteration_planning" in names_on(p, first)
    assert "backlog_refinement" in names_on(p, date(2027, 1, 27))  # mid-iteration
    last = names_on(p, date(2027, 1, 29))  # the iteration's last Friday
    assert "iteration_review" in last and "retrospective" in last
    assert p.end == date(2027, 3, 1)
    assert names_on(p, date(2027, 3, 1)) == []  # after the last planned iteration


def test_holidays_move_planning_and_review_and_drop_the_standup() -> None:
    p = plan(holidays=frozenset({date(2027, 1, 18), date(2027, 1, 29)}))
    assert names_on(p, date(2027, 1, 18)) == []
    assert "iteration_planning" in names_on(p, date(2027, 1, 19))
    assert "iteration_review" in names_on(p, date(2027, 1, 28))


def test_a_skipped_occurrence_is_left_out_and_the_standup_skip_takes_its_digest() -> None:
    p = plan(
        skipped=frozenset({("iteration_planning", date(2027, 1, 18)), (STANDUP, date(2027, 1, 19))})
    )
    assert names_on(p, date(2027, 1, 18)) == [STANDUP, DIGEST]
    assert names_on(p, date(2027, 1, 19)) == []
    assert "iteration_planning" in names_on(p, date(2027, 2, 1))  # only that one


def test_a_weekly_status_is_the_last_workday_of_every_week() -> None:
    p = plan(ceremonies={"iteration_review": {"time": "16:00", "every": "week"}})
    found = p.between(datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 28, tzinfo=UTC))
    assert [o.day for o in found] == [
        date(2027, 1, 22),
        date(2027, 1, 29),
        date(2027, 2, 5),
        date(2027, 2, 12),
        date(2027, 2, 19),
        date(2027, 2, 26),
    ]


def daily_at(zone: str, start: date, local: str) -> Plan:
    return plan(
        timezone=zone,
        start=start,
        iteration_weeks=1,
        iterations=1,
        workdays=frozenset(range(7)),
        ceremonies={STANDUP: {"time": local, "cutoff": "23:00"}},
    )


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc", "clock_shows"),
    [
        # London springs forward at 01:00 GMT: 01:30 does not exist; it fires as the
        # clock shows 02:30 BST (shifted forward by the gap), at 01:30 UTC.
        ("Europe/London", date(2027, 3, 28), datetime(2027, 3, 28, 1, 30, tzinfo=UTC), "02:30"),
        # London falls back at 02:00 BST: 01:30 happens twice; the first (BST, 00:30 UTC).
        ("Europe/London", date(2027, 10, 31), datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "01:30"),
        # New York springs forward at 02:00: 01:30 EST exists, 06:30 UTC.
        ("America/New_York", date(2027, 3, 14), datetime(2027, 3, 14, 6, 30, tzinfo=UTC), "01:30"),
        # New York falls back at 02:00 EDT: 01:30 happens twice; the first (EDT, 05:30 UTC).
        ("America/New_York", date(2027, 11, 7), datetime(2027, 11, 7, 5, 30, tzinfo=UTC), "01:30"),
    ],
)
def test_a_0130_reminder_on_the_days_the_clocks_change_fires_once(
    zone: str, day: date, expected_utc: datetime, clock_shows: str
) -> None:
    p = daily_at(zone, day - timedelta(days=3), "01:30")
    found = [
        o
        for o in p.between(
            datetime.combine(day - timedelta(days=1), time(), tzinfo=UTC),
            datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC),
        )
        if o.ceremony == STANDUP and o.day == day
    ]
    assert [o.at for o in found] == [expected_utc]  # once, at the instant the rule says
    assert found[0].at.astimezone(p.zone).strftime("%H:%M") == clock_shows
    # The days around it keep their 01:30 local.
    for other in (day - timedelta(days=1), day + timedelta(days=1)):
        assert p.fire_at(other, time(1, 30)).astimezone(p.zone).strftime("%H:%M") == "01:30"


def test_next_after_walks_forward_and_ends_with_the_schedule() -> None:
    p = plan()
    start = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    first = p.next_after(start)
    assert first is not None and (first.ceremony, first.at) == (
        STANDUP,
        datetime(2027, 1, 4, 9, 30, tzinfo=UTC),
    )
    assert p.next_after(datetime(2027, 3, 1, tzinfo=UTC)) is None
    upcoming = p.upcoming(start, 3)
    assert [o.ceremony for o in upcoming] == [STANDUP, DIGEST, STANDUP]
