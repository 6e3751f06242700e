"""The RAID log in the terminal chat: an engagement's owner logs risks, assumptions,
issues and dependencies; the log lists them by type and impact, flags what is past
due and reminds owners once a day; changes and closing keep who did what, when;
internal items never reach a participant nor a conversation another organisation
reads; hostile text stays text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import Outbound
from assistant.settings import Settings
from storage import repositories as repo
from storage.models import RaidChange, RaidItem
from tests.chat import Chat, Recorder

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> *urgent* <b>x</b> [click](https://evil.example) `rm`"


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    clock = FixedClock(TUESDAY)
    assistant = await Assistant.start(settings, clock=clock)
    yield assistant, clock
    await assistant.close()


async def set_up_engagement(sa: Chat) -> None:
    await sa.say("new engagement")
    for answer in ("Acme", "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    assert "Engagement set up" in sa.text


def sent_to(chat: Chat) -> list[Outbound]:
    recorder = chat.recorder
    assert isinstance(recorder, Recorder)
    return [m for to, m in recorder.sent if to.key == chat.ref.key]


async def log_item(
    sa: Chat,
    kind: str,
    title: str,
    *,
    owner: str = "dana",
    impact: str = "high",
    likelihood: str | None = "medium",
    due: str = "skip",
    internal: str = "no",
) -> None:
    await sa.say(f"raid add {kind}")
    assert "A short title" in sa.text, sa.text
    await sa.say(title)
    await sa.say("skip")  # description
    await sa.say(owner)
    await sa.click(impact)
    if likelihood is not None:
        await sa.click(likelihood)
    await sa.say("Ask their platform team for a date")
    await sa.say(due)
    await sa.say(internal)
    assert "Logged" in sa.text, sa.text


async def test_raid_lifecycle_with_history_overdue_flag_and_daily_reminder(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Test environments late", due="2026-12-03")
    assert "Logged risk #1 in Acme VSA's RAID log" in sa.text
    await log_item(sa, "dependency", "Vendor licence", likelihood=None, impact="low")
    await log_item(sa, "issue", "Our PSE leaves in January", likelihood=None, internal="yes")
    assert "Logged issue #3" in sa.text and "internal: our side only" in sa.text

    await sa.say("raid")
    listing = sa.text
    print(listing)
    assert "Risks" in listing and "#1 Test environments late" in listing
    assert "overdue" not in listing
    clock.advance(days=3)  # Friday: the risk was due on Thursday
    await sa.say("raid")
    print(sa.text)
    assert "overdue" in sa.text

    dana = Chat(assistant, "dana")
    await assistant.dispatcher.run_due()
    reminders = sent_to(dana)
    print([m.plain_text() for m in reminders])
    assert len(reminders) == 1
