"""Ceremony schedules as the terminal chat has them, on an injectable clock: set up
with the guideline's defaults, reminders in the bound channel at the team's local time,
the async standup from DMs to the digest, pause, resume, skip, holidays, the catch-up
after downtime, and two schedulers that never post a reminder twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import Option, Outbound, Question
from assistant.scheduler import post_reminders
from assistant.settings import Settings
from storage.models import Engagement, OutboxMessage, ReminderDelivery, Schedule
from tests.chat import Chat, Recorder
from tests.records import log_raid_and_actions
from tests.scenario import DELIVERY_PLAN

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday
CHANNEL = "acme-team"


def sent(chat: Chat, key: str | None = None) -> list[Outbound]:
    recorder = chat.recorder
    assert isinstance(recorder, Recorder)
    wanted = key or chat.ref.key
    return [m for to, m in recorder.sent if to.key == wanted]


def channel_posts(chat: Chat) -> list[tuple[str | None, str]]:
    """(thread, text) of everything posted to the channel, threads included."""
    recorder = chat.recorder
    assert isinstance(recorder, Recorder)
    return [
        (to.thread, m.plain_text())
        for to, m in recorder.sent
        if to.channel == CHANNEL and to.user is None
    ]


REMINDER_HEADINGS = (
    "Iteration planning —",
    "Iteration review —",
    "Weekly status —",
    "Backlog refinement —",
    "Retrospective —",
    "Standup —",
    "Standup digest —",
)


def reminders(chat: Chat) -> list[str]:
    """The reminders posted to the channel (not the replies to commands typed there)."""
    return [t for _, t in channel_posts(chat) if t.startswith(REMINDER_HEADINGS)]


async def engagement(sa: Chat, iterations: str = "6", start: str = "2027-01-11") -> Chat:
    """An engagement (Iteration 0 on ``start``, 2-week iterations), bound to a channel."""
    await sa.say("new engagement")
    for answer in ("Acme", "Acme delivery", start):
        await sa.say(answer)
    await sa.click("2")
    for answer in (iterations, *DELIVERY_PLAN):
        await sa.say(answer)
    assert "Engagement set up" in sa.text
    channel = Chat(sa.assistant, "sa", channel=CHANNEL, direct=False)
    await channel.say("bind Acme delivery")
    return channel


async def schedule(sa: Chat, channel: Chat, *, ceremonies: str = "recommended") -> str:
    """`schedule` in the channel, answered in the DM: London, Monday to Friday."""
    await channel.say("schedule")
    assert (
        "I've sent you a direct message to start *Set up the ceremony schedule*" in channel.text
        or ("direct message" in channel.text)
    )
    question = sa.question
    assert question is not None and "Which timezone does the team keep?" in question.text
    await sa.say("London")
    await sa.click("mon_fri")
    await sa.click(ceremonies)
    await sa.say("9:30")
    await sa.say("11:00")
    return sa.text


async def tick(assistant: Assistant) -> None:
    await post_reminders(assistant.dispatcher, assistant.service.schedules)


async def test_a_large_project_gets_the_full_set_and_its_calendar(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    summary = await schedule(sa, channel)
    assert "Schedule set: Acme delivery" in summary
    # Prefilled from the engagement, never asked again.
    assert "Iteration 0 starts: 11 Jan 2027" in summary and "6 × 2 weeks" in summary
    assert "Team timezone: Europe/London" in summary
    assert (
        "Ceremonies: Iteration planning, Iteration review, Daily standup, Backlog refinement, "
        "Retrospective" in summary
    )
    assert "more than 5 iterations" in summary
    # The next two iterations' calendar.
    assert "Iteration 1: Mon 25 Jan – Sun 07 Feb 2027" in summary
    assert "Mon 25 Jan 10:00 — Iteration planning (Iteration 1)" in summary
    assert "Wed 03 Feb 14:00 — Backlog refinement (Iteration 1)" in summary
    assert "Fri 05 Feb 14:00 — Iteration review (Iteration 1)" in summary
    assert "Fri 05 Feb 15:30 — Retrospective (Iteration 1)" in summary
    assert "Iteration 2: Mon 08 Feb – Sun 21 Feb 2027" in summary
    assert "Every workday 09:30 — Daily standup" in summary
    assert "Standup: 09:30 in each member's DM, digest at 11:00 in the channel" in summary


async def test_a_small_project_gets_a_weekly_status_by_default(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa, iterations="3")
    summary = await schedule(sa, channel)
    assert "Ceremonies: Weekly status" in summary
    assert "a weekly status at the minimum" in summary
    assert "Fri 29 Jan 14:00 — Weekly status (Iteration 1)" in summary
    assert "Fri 05 Feb 14:00 — Weekly status (Iteration 1)" in summary
    assert "Daily standup" not in summary
    # Posted on the Friday at 14:00 London (= UTC in winter), not before.
    clock._now = datetime(2027, 1, 29, 13, 59, tzinfo=UTC)
    await tick(assistant)
    assert not [t for _, t in channel_posts(channel) if "Weekly status" in t]
    clock.advance(minutes=1)
    await tick(assistant)
    [status] = [t for _, t in channel_posts(channel) if "Weekly status" in t]
    assert "Weekly status — Acme delivery, Iteration 1" in status
    await tick(assistant)
    assert len([t for _, t in channel_posts(channel) if "Weekly status" in t]) == 1


async def test_the_async_standup_from_dms_to_the_digest_in_the_days_thread(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel)
    await channel.say("schedule time standup cutoff 09:00")
    assert "The digest has to come after the standup" in channel.text
    await channel.say("schedule time standup cutoff 11:00")
    assert "Daily standup digest now at 11:00" in channel.text
    await channel.say("schedule team dana lee")
    assert "Added to Acme delivery's team (standup questions go to them): dana, lee" in (
        channel.text
    )
    dana, lee = Chat(assistant, "dana"), Chat(assistant, "lee")

    # Monday 11 January, Iteration 0, 09:30 in London: the day's message in the channel,
    # and each member's questions in their DM.
    said = len(channel_posts(channel))
    clock._now = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
    await tick(assistant)
    [(thread, parent)] = channel_posts(channel)[said:]
    assert thread is None and "Standup — 11 Jan 2027" in parent
    assert "I've asked 3 people in their DMs" in parent
    for person in (dana, lee, sa):
        assert person.question is not None
        assert "Time for today's standup" in person.question.text
    await dana.click("answer")
    await dana.say("Set up the pipeline")
    await dana.say("Deploy to staging")
    await dana.say("Waiting for VPN access")
    assert "your standup is in" in dana.text
    await lee.click("out")
    assert "you're out today" in lee.text

    # At the cut-off, the digest in the thread of the day's message; who has not answered.
    clock._now = datetime(2027, 1, 11, 11, 0, tzinfo=UTC)
    await tick(assistant)
    recorder = channel.recorder
    assert isinstance(recorder, Recorder)
    # The Recorder's message ids count its sends: "m<n>".
    number = next(
        n for n, (_, m) in enumerate(recorder.sent, 1) if "Standup — 11 Jan" in m.plain_text()
    )
    parent_id = f"m{number}"
    [(thread, digest)] = channel_posts(channel)[said + 1 :]
    assert thread == parent_id
    assert "Standup digest — 11 Jan 2027" in digest
    assert "Yesterday: Set up the pipeline" in digest and "Today: Deploy to staging" in digest
    assert "Blockers: Waiting for VPN access" in digest
    assert "two days running" not in digest
    assert "Out today: lee" in digest and "Not answered yet: sa" in digest

    # Tuesday: the same blocker again is highlighted.
    clock._now = datetime(2027, 1, 12, 9, 30, tzinfo=UTC)
    await tick(assistant)
    await dana.click("answer", sent(dana)[-1].question)
    await dana.say("Deployed to staging")
    await dana.say("Load tests")
    await dana.say("Still no VPN access")
    await lee.click("skip", sent(lee)[-1].question)
    clock._now = datetime(2027, 1, 12, 11, 0, tzinfo=UTC)
    await tick(assistant)
    digest = channel_posts(channel)[-1][1]
    assert "Standup digest — 12 Jan 2027" in digest
    assert "Blockers: Still no VPN access — blocked two days running" in digest
    assert "Skipped: lee" in digest


async def test_pause_resume_skip_and_holidays(clocked: tuple[Assistant, FixedClock]) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel, ceremonies="choose")
    # (The "choose" answer asks which ones.)
    await sa.say("1, 2, 5")
    await sa.say("skip")
    assert "Ceremonies: Iteration planning, Iteration review, Retrospective" in sa.text

    await channel.say("schedule skip next planning")
    assert "Skipping Iteration planning on Mon 25 Jan. Next one after it: Mon 08 Feb" in (
        channel.text
    )
    await channel.say("schedule holiday 2027-02-05")
    assert "Fri 05 Feb 2027 is a holiday for Acme delivery" in channel.text
    await channel.say("schedule time review 16:30")
    assert "Iteration review now at 16:30 (Europe/London)" in channel.text
    await channel.say("schedule time review 25:00")
    assert "Say which ceremony and the time" in channel.text
    await channel.say("schedule time review 14:00")
    await channel.say("schedule list")
    listing = channel.text
    assert "Ceremony schedule — Acme delivery" in listing and "Active" in listing
    assert "Mon 25 Jan" not in listing  # skipped
    assert "Thu 04 Feb 14:00 — Iteration review (Iteration 1)" in listing  # before the holiday
    assert "Holidays: 05 Feb 2027" in listing

    clock._now = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
    await tick(assistant)
    assert reminders(channel) == []  # the skipped planning

    await channel.say("schedule pause")
    assert "Paused Acme delivery's reminders" in channel.text
    clock._now = datetime(2027, 2, 4, 15, 30, tzinfo=UTC)
    await tick(assistant)
    assert reminders(channel) == []
    await channel.say("schedule resume")
    assert "what fell in the pause is not posted" in channel.text
    await tick(assistant)
    assert reminders(channel) == []
    clock._now = datetime(2027, 2, 8, 10, 0, tzinfo=UTC)
    await tick(assistant)
    [planning] = reminders(channel)
    assert "Iteration planning — Acme delivery, Iteration 2" in planning
    assert "the backlog can change until the team commits to the scope" in planning.lower() or (
        "until the team commits to the scope" in planning
    )

    # Only owners change it; members may list it.
    await channel.say("schedule team dana")
    dana = Chat(assistant, "dana", channel=CHANNEL, direct=False)
    await dana.say("schedule pause")
    assert "Only the owners of Acme delivery can use schedule" in dana.text
    await dana.say("schedule list")
    assert "Ceremony schedule — Acme delivery" in dana.text

    await channel.say("schedule cancel")
    assert "Cancelled Acme delivery's ceremony schedule" in channel.text
    clock._now = datetime(2027, 2, 19, 16, 0, tzinfo=UTC)
    await tick(assistant)
    assert len(reminders(channel)) == 1


async def test_the_retrospective_reminder_has_a_button_that_says_its_command(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel, ceremonies="all")
    clock._now = datetime(2027, 2, 5, 15, 30, tzinfo=UTC)
    await tick(assistant)
    retro = sent(channel)[-1]
    assert "Retrospective — Acme delivery, Iteration 1" in retro.plain_text()
    assert retro.question is not None
    assert retro.question.prompt_key.startswith("command:")
    assert [(o.value, o.label) for o in retro.question.options] == [
        ("retro", "Start the retrospective")
    ]
    # A command button says its value where it was clicked (here: a command that exists).
    button = Question(
        prompt_key="command:test",
        text="",
        input="choice",
        options=(Option(value="schedule list", label="x"),),
    )
    await channel.click("schedule list", button)
    assert "Ceremony schedule — Acme delivery" in channel.text


async def test_catch_up_after_downtime_within_and_beyond_the_grace(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel, ceremonies="all")
    # Down from before Friday 5 February's review (14:00) until 15:45: the review is
    # 1 h 45 late (beyond the hour of grace), the retrospective (15:30) 15 minutes.
    clock._now = datetime(2027, 2, 5, 15, 45, tzinfo=UTC)
    await tick(assistant)
    posts = [t for t in reminders(channel) if not t.startswith("Standup")]
    assert len(posts) == 1 and "Retrospective — Acme delivery" in posts[0]
    await tick(assistant)  # once
    assert len([t for t in reminders(channel) if t.startswith("Retrospective")]) == 1
    await channel.say("schedule list")
    assert "Missed (every process was down past the grace period)" in channel.text
    assert "Fri 05 Feb 14:00 — Iteration review" in channel.text

    # Down for three days: of the daily standups within the grace, only the latest.
    clock._now = datetime(2027, 2, 10, 9, 45, tzinfo=UTC)
    await tick(assistant)
    standups = [t for t in reminders(channel) if t.startswith("Standup — ")]
    assert len(standups) == 1 and "10 Feb 2027" in standups[0]
    assert "I've asked 1 person in their DMs" in standups[0]  # the owner

    def rows(session):  # type: ignore[no-untyped-def]
        return session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.fire_at)).all()

    deliveries = await assistant.db.run(rows)
    by = {(d.ceremony, d.local_date.isoformat()): d.status for d in deliveries}
    assert by[("iteration_review", "2027-02-05")] == "missed"
    assert by[("retrospective", "2027-02-05")] == "posted"
    assert by[("daily_standup", "2027-02-09")] == "missed"
    assert by[("daily_standup", "2027-02-10")] == "posted"


async def test_two_schedulers_on_one_database_post_each_reminder_once(
    settings: Settings,
) -> None:
    clock = FixedClock(NOW)
    first = await Assistant.start(settings, clock=clock)
    second = await Assistant.start(settings, clock=clock, migrate=False)
    try:
        sa = Chat(first, "sa")
        channel = await engagement(sa)
        await schedule(sa, channel, ceremonies="all")
        recorders = [Recorder(), Recorder()]
        first.dispatcher.register(recorders[0])
        second.dispatcher.register(recorders[1])
        for minute in range(0, 60 * 24 * 14, 30):  # two weeks, every half hour, both at once
            clock._now = datetime(2027, 1, 25, tzinfo=UTC) + timedelta(minutes=minute)
            await asyncio.gather(tick(first), tick(second))
        posted = [
            m.plain_text().splitlines()[0]
            for r in recorders
            for to, m in r.sent
            if to.channel == CHANNEL
        ]
        # Two weeks of Iteration 1: ten standups and their digests, planning, refinement,
        # review and retrospective; each once.
        assert len(posted) == len(set(posted)) == 24

        # A scheduler that read the schedule before the other's claims committed (its
        # view of what is due is stale) finds every occurrence taken and posts nothing.
        def rewind(session):  # type: ignore[no-untyped-def]
            row = session.scalars(select(Schedule)).one()
            row.checked_until = datetime(2027, 2, 5, 15, 0, tzinfo=UTC)
            row.next_due_at = datetime(2027, 2, 5, 15, 30, tzinfo=UTC)

        await second.db.run(rewind)
        clock._now = datetime(2027, 2, 5, 15, 31, tzinfo=UTC)  # the retrospective is due
        await tick(second)
        again = [m for r in recorders for to, m in r.sent if to.channel == CHANNEL]
        assert len(again) == len(posted)
    finally:
        await second.close()
        await first.close()


async def test_the_review_agenda_lists_open_raid_items_and_actions_due_never_internal(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """The iteration review reads the RAID log and the retro actions due by its day; the
    channel may be read by the customer, so internal items and internal retros stay out."""
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel, ceremonies="all")
    clock._now = datetime(2027, 2, 5, 14, 0, tzinfo=UTC)
    await tick(assistant)
    [review] = [t for t in reminders(channel) if t.startswith("Iteration review")]
    assert "Open RAID items" in review and "• None open." in review
    assert "Action items due" in review and "• None due." in review

    await assistant.db.run(log_raid_and_actions)
    clock._now = datetime(2027, 2, 19, 14, 0, tzinfo=UTC)
    await tick(assistant)
    review = [t for t in reminders(channel) if t.startswith("Iteration review")][-1]
    assert "risk: <!channel> Vendor late (owner: sa) — due 26 Feb" in review  # escaped per platform
    assert "Renew certificates (owner: sa), due 18 Feb 2027" in review
    assert "Margin at risk" not in review and "Rework the quote" not in review
    assert "Later thing" not in review


def test_the_scheduler_runs_the_reminders_job_at_start_and_every_half_minute(
    assistant: Assistant,
) -> None:
    from assistant.scheduler import REMINDER_TICK_SECONDS, build_scheduler

    scheduler = build_scheduler(assistant.dispatcher, schedules=assistant.service.schedules)
    job = scheduler.get_job("ceremony-reminders")
    assert job is not None and job.trigger.interval.total_seconds() == REMINDER_TICK_SECONDS
    assert job.next_run_time is not None  # at start-up: the catch-up


async def test_a_reminder_whose_sender_died_mid_post_is_posted_after_the_lease(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Claimed and queued, then the process posting it died (its outbox row held as
    being sent): after the lease, the sweep of any process posts it; it is not lost."""
    from assistant.dispatch import Dispatcher

    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)
    await schedule(sa, channel, ceremonies="all")
    clock._now = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
    tick_ = await assistant.db.run(assistant.service.schedules.tick)
    assert tick_.keys  # claimed and queued, not delivered: this process "dies" here

    def held(session):  # type: ignore[no-untyped-def]
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        for row in rows:
            row.status, row.claimed_at = "sending", clock.now()

    await assistant.db.run(held)
    # Another process: its sweep leaves the claim alone while the lease runs...
    other = Dispatcher(assistant.db, assistant.service, clock=clock)
    other.register(channel.recorder)  # type: ignore[arg-type]
    await other.sweep()
    assert reminders(channel) == []
    # ...and posts the reminder once it has run out.
    clock.advance(minutes=3)
    await other.sweep()
    await other.drain()
    assert [t.split("\n")[0] for t in reminders(channel)] == [
        "Standup — 25 Jan 2027",
        "Iteration planning — Acme delivery, Iteration 1",
    ]
    await tick(assistant)
    assert len(reminders(channel)) == 2


async def test_an_assessment_has_no_ceremony_schedule(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    channel = await engagement(sa)

    def assessment(session):  # type: ignore[no-untyped-def]
        session.scalars(select(Engagement)).one().kind = "assessment"

    await assistant.db.run(assessment)
    await channel.say("schedule")
    assert "Acme delivery is a value stream assessment: it has no iterations" in channel.text
