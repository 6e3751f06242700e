"""A holiday set by mistake can be taken back (`schedule holiday remove|delete|clear
<date>`), and its day's reminders come back; `schedule holidays` shows the ones ahead."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.app import Assistant
from assistant.clock import FixedClock
from tests.chat import Chat
from tests.test_schedules import CHANNEL, engagement, reminders, schedule, tick


def standups(channel: Chat) -> list[str]:
    return [t for t in reminders(channel) if t.startswith("Standup — ")]


async def test_a_removed_holiday_gets_its_standup_back_and_the_other_stays_quiet(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel)
    await channel.say("schedule holiday 2027-01-12")
    await channel.say("schedule holiday 13 Jan 2027")
    assert "Wed 13 Jan 2027 is a holiday for Acme delivery" in channel.text

    # Removed in another of the formats adding one accepts.
    await channel.say("schedule holiday remove 12 Jan 2027")
    assert (
        "Tue 12 Jan 2027 is no longer a holiday for Acme delivery; its ceremonies are back:"
        in channel.text
    )
    assert "Tue 12 Jan 09:30 — Daily standup (Iteration 0)" in channel.text

    clock._now = datetime(2027, 1, 12, 9, 30, tzinfo=UTC)
    await tick(assistant)
    [standup] = standups(channel)
    assert "Standup — 12 Jan 2027" in standup
    clock._now = datetime(2027, 1, 13, 11, 30, tzinfo=UTC)
    await tick(assistant)
    assert len(standups(channel)) == 1  # the 13th is still a holiday
    clock._now = datetime(2027, 1, 14, 9, 30, tzinfo=UTC)
    await tick(assistant)
    assert "Standup — 14 Jan 2027" in standups(channel)[-1]


async def test_delete_and_clear_bring_the_review_back_to_the_list(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel)
    await channel.say("schedule holiday 2027-02-05")
    await channel.say("schedule holiday 2027-01-25")
    await channel.say("schedule list")
    assert "Thu 04 Feb 14:00 — Iteration review (Iteration 1)" in channel.text
    assert "Holidays: 25 Jan 2027, 05 Feb 2027" in channel.text

    await channel.say("schedule holiday delete 2027-02-05")
    assert "Fri 05 Feb 14:00 — Iteration review (Iteration 1)" in channel.text
    await channel.say("schedule holiday clear monday 25 january 2027")
    assert "Mon 25 Jan 2027 is no longer a holiday for Acme delivery" in channel.text
    await channel.say("schedule list")
    listing = channel.text
    assert "Fri 05 Feb 14:00 — Iteration review (Iteration 1)" in listing
    assert "Mon 25 Jan 10:00 — Iteration planning (Iteration 1)" in listing
    assert "Thu 04 Feb" not in listing and "Holidays:" not in listing


async def test_removing_a_day_that_is_no_holiday_says_which_ones_are(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel)
    await channel.say("schedule holiday remove 2027-02-12")
    assert "Fri 12 Feb 2027 isn't a holiday for Acme delivery, so nothing changed" in (channel.text)
    assert "Acme delivery has no holidays ahead" in channel.text

    await channel.say("schedule holiday 2027-03-01")
    await channel.say("schedule holiday 2027-02-05")
    await channel.say("schedule holiday remove 2027-02-12")
    assert "Fri 12 Feb 2027 isn't a holiday for Acme delivery, so nothing changed" in (channel.text)
    assert "Holidays ahead for Acme delivery: Fri 05 Feb 2027, Mon 01 Mar 2027" in channel.text
    await channel.say("schedule holiday remove")
    assert "Which day? For example schedule holiday remove 2027-04-05" in channel.text
    await channel.say("schedule holiday remove someday")
    assert "Which day? For example schedule holiday remove 2027-04-05" in channel.text
    await channel.say("schedule list")
    assert "Holidays: 05 Feb 2027, 01 Mar 2027" in channel.text


async def test_the_holidays_ahead_are_listed_to_the_team_and_only_owners_remove_them(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel)
    await channel.say("schedule holidays")
    assert "Acme delivery has no holidays ahead" in channel.text
    await channel.say("schedule holiday 2027-01-12")
    await channel.say("schedule holiday 2027-02-05")
    await channel.say("schedule holiday")
    assert "Holidays ahead for Acme delivery: Tue 12 Jan 2027, Fri 05 Feb 2027" in channel.text

    clock._now = datetime(2027, 1, 20, 9, 0, tzinfo=UTC)  # past the first
    await channel.say("schedule holidays")
    assert "Holidays ahead for Acme delivery: Fri 05 Feb 2027." in channel.text
    assert "12 Jan" not in channel.text
    await channel.say("schedule list")  # the list, too, shows only the ones ahead
    assert "Holidays: 05 Feb 2027" in channel.text and "12 Jan" not in channel.text

    await channel.say("schedule team dana")
    dana = Chat(assistant, "dana", channel=CHANNEL, direct=False)
    await dana.say("schedule holidays")
    assert "Holidays ahead for Acme delivery: Fri 05 Feb 2027" in dana.text
    await dana.say("schedule holiday remove 2027-02-05")
    assert "Only the owners of Acme delivery can use schedule" in dana.text
    await channel.say("schedule holidays")
    assert "Holidays ahead for Acme delivery: Fri 05 Feb 2027" in channel.text
