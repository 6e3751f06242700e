"""Ceremony reminders and the async standup through Slack's real endpoints and the fake
Web API: the schedule set up in the SA's DM, the standup asked in each member's DM, the
digest in the thread of the day's message, user text escaped; and two schedulers on one
database (two processes on PostgreSQL) posting each reminder once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack.testing import FakeSlack, Reply
from assistant.clock import FixedClock
from assistant.scheduler import post_reminders
from tests.slack.conftest import Served, SlackUser, serve, slack_settings
from tests.slack.test_interviews import CHANNEL, set_up_and_bind
from tests.test_schedules import REMINDER_HEADINGS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(database_url: str, fake: FakeSlack) -> AsyncIterator[tuple[Served, FixedClock]]:
    clock = FixedClock(NOW)
    assistant, client = await serve(slack_settings(database_url, fake), fake, clock)
    try:
        yield Served(assistant, client, fake), clock
    finally:
        await client.close()
        await assistant.close()


async def set_schedule(served: Served) -> SlackUser:
    """Engagement (Iteration 0 on Mon 11 Jan 2027, 6 × 2 weeks), bound to CHANNEL, and
    its schedule: the SA's Slack timezone (Europe/Berlin) is the team's, prefilled."""
    sa = await set_up_and_bind(served)
    await sa.command("schedule", from_channel=CHANNEL)
    await sa.click("mon_fri")
    await sa.click("all")
    await sa.say("9:30")
    await sa.say("11:00")
    summary = sa.posts()[-2]["text"] + sa.posts()[-1]["text"]
    assert "Schedule set: Acme VSA" in sa.text()
    assert "Europe/Berlin" in summary or "Europe/Berlin" in sa.text()
    await sa.command("schedule team <@U0002> <@U0003>", from_channel=CHANNEL)
    return sa


async def tick(served: Served) -> None:
    await post_reminders(served.assistant.dispatcher, served.assistant.service.schedules)
    await served.settle()


def channel_posts(served: Served) -> list[dict]:  # type: ignore[type-arg]
    return [p for p in served.fake.posts(CHANNEL) if "Standup" in str(p.get("text"))]


async def test_the_async_standup_on_slack_from_dms_to_the_digest_thread(
    clocked: tuple[Served, FixedClock],
) -> None:
    served, clock = clocked
    await set_schedule(served)

    clock._now = datetime(2027, 1, 11, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    await tick(served)
    [parent] = channel_posts(served)
    assert "Standup — 11 Jan 2027" in parent["text"] and "thread_ts" not in parent
    dana = SlackUser(served, user="U0002", channel="D0002")
    lee = SlackUser(served, user="U0003", channel="D0003")
    assert "Time for today's standup" in dana.posts()[-1]["text"]
    await dana.click("answer")
    await dana.say("Wired the pipeline")
    await dana.say("Staging")
    await dana.say("<!channel> VPN access")  # typed by a person: must ping nobody
    await lee.click("out")

    clock._now = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)  # the cut-off, 11:00 in Berlin
    await tick(served)
    [_, digest] = channel_posts(served)
    assert digest["thread_ts"] == parent["_ts"]
    shown = digest["text"]
    assert "Standup digest — 11 Jan 2027" in shown and "Wired the pipeline" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt; VPN access" in shown
    assert "Out today: person-u0003" in shown
    assert "Not answered yet: person-u0001" in shown  # the SA (an owner) was asked too

    # The next day, the same person blocked again: highlighted.
    clock._now = datetime(2027, 1, 12, 8, 30, tzinfo=UTC)
    await tick(served)
    await dana.click("answer")
    await dana.say("Staging")
    await dana.say("Load tests")
    await dana.say("Still no VPN")
    clock._now = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    await tick(served)
    digest = channel_posts(served)[-1]
    assert "Still no VPN" in digest["text"] and "blocked two days running" in digest["text"]
    assert digest["thread_ts"] == channel_posts(served)[-2]["_ts"]


async def test_two_schedulers_on_one_database_post_each_reminder_once_to_slack(
    database_url: str, fake: FakeSlack
) -> None:
    """On PostgreSQL these are two server processes' worth of state (each its own pool);
    on SQLite, two schedulers in one process on one file."""
    clock = FixedClock(NOW)
    settings = slack_settings(database_url, fake)
    first, first_client = await serve(settings, fake, clock)
    second, second_client = await serve(settings, fake, clock)
    try:
        one = Served(first, first_client, fake)
        two = Served(second, second_client, fake)
        await set_schedule(one)
        start = datetime(2027, 1, 25, tzinfo=UTC)
        for minutes in range(0, 60 * 24 * 14, 20):  # Iteration 1, both every 20 minutes
            clock._now = start + timedelta(minutes=minutes)
            await asyncio.gather(tick(one), tick(two))
        texts = [str(p["text"]).split("\n")[0] for p in fake.posts(CHANNEL)]
        reminders = [t for t in texts if t.strip("*").startswith(REMINDER_HEADINGS)]
        # Ten standups, ten digests, planning, refinement, review, retrospective.
        assert len(reminders) == 24, reminders
        assert len(set(reminders)) == len(reminders)
        # Each member asked once a day.
        assert len([p for p in fake.posts("D0002") if "standup" in str(p["text"])]) == 10
    finally:
        for client, assistant in ((second_client, second), (first_client, first)):
            await client.close()
            await assistant.close()


async def test_a_reminder_slack_refuses_for_now_is_posted_once_when_it_may(
    clocked: tuple[Served, FixedClock],
) -> None:
    """A 429 on the reminder's post: the claim stands, the outbox waits out Retry-After
    and posts it then, once; the next tick does not post it again."""
    served, clock = clocked
    await set_schedule(served)
    served.fake.script("chat.postMessage", Reply.rate_limited(1))
    clock._now = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: planning
    await tick(served)
    planning = "Iteration planning — Acme VSA, Iteration 1"
    assert served.fake.limited["chat.postMessage"] == 1
    await served.fake.wait_until(
        lambda: any(planning in str(p.get("text")) for p in served.fake.posts(CHANNEL)), 10
    )
    await tick(served)
    await served.settle()
    posted = [p for p in served.fake.posts(CHANNEL) if planning in str(p.get("text"))]
    assert len(posted) == 1
