"""The RAID log in the terminal chat: an engagement's owner logs risks, assumptions,
issues and dependencies; the log lists them by type and impact, flags what is past
due and reminds owners once a day; changes and closing keep who did what, when;
internal items never reach a participant nor a conversation another organisation
reads; hostile text stays text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.settings import Settings
from storage.models import Answer, RaidChange, RaidItem
from tests.chat import Chat, Recorder
from tests.test_interview_flow import sent_to, set_up_engagement

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> *urgent* <b>x</b> [click](https://evil.example) `rm`"


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
    assert "Risks" in listing and "#1 Test environments late" in listing
    assert "overdue" not in listing
    clock.advance(days=3)  # Friday: the risk was due on Thursday
    await sa.say("raid")
    assert (
        "#1 Test environments late — impact high, likelihood medium · owner dana · "
        "due 03 Dec 2026 · ⚠ overdue"
    ) in sa.text

    # The owner is reminded privately, once that day however often the clock ticks.
    dana = Chat(assistant, "dana")
    await assistant.dispatcher.run_due()
    await assistant.dispatcher.run_due()
    [reminder] = sent_to(dana)
    shown = reminder.plain_text()
    assert "past their due date" in shown and "#1 Test environments late — due 03 Dec 2026" in shown
    assert "Vendor licence" not in shown and "PSE" not in shown
    clock.advance(hours=5)
    await assistant.dispatcher.run_due()
    clock.advance(days=1)  # Saturday: not on a weekend
    await assistant.dispatcher.run_due()
    assert len(sent_to(dana)) == 1
    clock.advance(days=2)  # Monday 09:00: again
    await assistant.dispatcher.run_due()
    assert len(sent_to(dana)) == 2
    # The internal issue's owner is not on our side: whoever logged it is reminded.
    assert not [m for m in sent_to(sa) if "past their due date" in m.plain_text()]

    # A change: pick the fields, give the new values, say why.
    await sa.say("raid update 1")
    assert "What would you like to change?" in sa.text
    await sa.say("impact, due date")
    await sa.click("low")
    await sa.say("2026-12-18")
    await sa.say("the vendor confirmed a date")
    assert (
        "Changed #1 (Test environments late): impact: high → low; due date: 2026-12-03 → 2026-12-18"
    ) in sa.text
    await sa.say("raid")
    assert "overdue" not in sa.text and "impact low" in sa.text

    await sa.say("raid close 2 licence signed for the year")
    assert "Closed #2 (Vendor licence)" in sa.text
    await sa.say("raid close 2")
    assert "#2 (Vendor licence) was closed already" in sa.text
    await sa.say("raid")
    assert "Vendor licence" not in sa.text and "Dependencies" not in sa.text

    await sa.say("raid show 1")
    shown = sa.text
    assert "#1 Risk: Test environments late" in shown
    assert "Status: open" in shown and "Impact: low" in shown and "Due: 18 Dec 2026" in shown
    history = shown.split("History", 1)[1]
    lines = [line for line in history.splitlines() if line.startswith("•")]
    assert lines == [
        "• 01 Dec 2026 09:00 — sa: logged it",
        "• 07 Dec 2026 14:00 — sa: impact: high → low (the vendor confirmed a date)",
        "• 07 Dec 2026 14:00 — sa: due date: 2026-12-03 → 2026-12-18 (the vendor confirmed a date)",
    ]
    await sa.say("raid show 2")
    assert "sa: closed it (licence signed for the year)" in sa.text

    def stored(session: object) -> tuple[list[tuple[int, str, str]], int]:
        items = session.scalars(select(RaidItem).order_by(RaidItem.number)).all()  # type: ignore[attr-defined]
        changes = session.scalars(select(RaidChange)).all()  # type: ignore[attr-defined]
        return [(i.number, i.kind, i.status) for i in items], len(changes)

    items, changes = await assistant.db.run(stored)
    assert items == [(1, "risk", "open"), (2, "dependency", "closed"), (3, "issue", "open")]
    assert changes == 3 + 2 + 1


async def test_participants_never_see_internal_items(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Scope creep")
    await log_item(sa, "issue", "Our margin is thin", likelihood=None, internal="yes")

    # A customer takes part: invited to an interview, which makes them a participant.
    await sa.say("interview idea-to-production cu")
    assert "Invited cu" in sa.text
    customer = Chat(assistant, "cu")
    await customer.say("raid")
    assert "Scope creep" in customer.text
    assert "margin" not in customer.text and "Internal" not in customer.text
    await customer.say("raid show 2")
    assert "There's no item #2 in Acme VSA's RAID log" in customer.text
    await customer.say("raid add risk")
    assert "Only members of Acme VSA can use raid add — you are a participant" in customer.text
    await customer.say("raid close 1")
    assert "Only members" in customer.text


async def test_an_internal_listing_is_withheld_where_another_organisation_reads(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Scope creep")
    await log_item(sa, "issue", "Our margin is thin", likelihood=None, internal="yes")
    channel = Chat(assistant, "sa", channel="acme-shared", direct=False)
    await channel.say("bind Acme VSA")

    # The items table is the record: the dialogs' answers are not the engagement's
    # answers (which "answers" lists, in any channel, unmarked).
    def linked(session: object) -> list[int | None]:
        return list(
            session.scalars(  # type: ignore[attr-defined]
                select(Answer.engagement_id).where(Answer.dialog_id == "raid_item")
            ).all()
        )

    linked_to = await assistant.db.run(linked)
    assert linked_to and set(linked_to) == {None}
    recorder = channel.recorder
    assert isinstance(recorder, Recorder)

    # Not shared: both parts are posted in the channel.
    await channel.say("raid")
    assert "Scope creep" in channel.text and "Our margin is thin" in channel.text

    # Shared with the customer's organisation now: the shared part is posted, the
    # internal part is not; a neutral sentence says why, and it goes to sa privately.
    recorder.shared.add(channel.ref.key)
    before = len(sent_to(sa))
    await channel.say("raid")
    await assistant.dispatcher.drain()  # the private copy goes out beside the turn
    shown = channel.text
    assert "Scope creep" in shown and "margin" not in shown
    assert (
        "I didn't post something internal here because this conversation is shared with "
        "another organisation; I sent it privately to sa." in shown
    )
    [private] = sent_to(sa)[before:]
    assert "Our margin is thin" in private.plain_text()
    assert private.plain_text().startswith("Sent to you privately: it is internal")

    # Showing or closing an internal item there: the same.
    await channel.say("raid show 2")
    assert "margin" not in channel.text and "I didn't post something internal" in channel.text
    await channel.say("raid close 2")
    assert "margin" not in channel.text and "I didn't post something internal" in channel.text
    await assistant.dispatcher.drain()
    assert "Closed #2 (Our margin is thin)" in sent_to(sa)[-1].plain_text()


async def test_hostile_text_is_kept_as_typed(clocked: tuple[Assistant, FixedClock]) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", HOSTILE)
    await sa.say("raid")
    assert f"#1 {HOSTILE} — impact high" in sa.text
    await sa.say("raid show 1")
    assert f"#1 Risk: {HOSTILE}" in sa.text

    def title(session: object) -> str:
        return str(session.scalar(select(RaidItem.title)))  # type: ignore[attr-defined]

    assert await assistant.db.run(title) == HOSTILE


async def test_two_processes_remind_an_owner_once(settings: Settings) -> None:
    clock = FixedClock(TUESDAY)
    first = await Assistant.start(settings, clock=clock)
    second = await Assistant.start(settings, clock=clock)
    try:
        sa = Chat(first, "sa")
        await set_up_engagement(sa)
        await log_item(sa, "risk", "Test environments late", due="2026-12-03")
        dana_here, dana_there = Chat(first, "dana"), Chat(second, "dana")
        clock.advance(days=3)
        await asyncio.gather(*(a.dispatcher.run_due() for a in (first, second, first, second)))
        reminded = sent_to(dana_here) + sent_to(dana_there)
        assert len(reminded) == 1 and "Test environments late" in reminded[0].plain_text()
    finally:
        await second.close()
        await first.close()
