"""Retrospectives as the terminal chat has them: a facilitator starts one in the
engagement's channel, each member gives items privately in their own conversation,
the items are posted and voted on (by number), actions are agreed with owners and due
dates and told to their owners, and the next retrospective reviews them first. An
anonymous retro keeps nothing that names who wrote what; an end-of-project retro asks
who facilitates and warns about the project's own PM; its recap exports as Markdown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from assistant.export import export_engagement
from assistant.settings import Settings
from storage import repositories as repo
from storage.models import Answer, DialogRun, RetroAction, RetroItem
from tests.chat import Chat, Recorder
from tests.scenario import Player
from tests.test_interview_flow import sent_to, set_up_engagement, text_to

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> *bold* _it_ `code` # head [x](http://evil) <b>html</b> &amp;"


async def bound_channel(assistant: Assistant, user: str = "sa") -> Chat:
    sa = Chat(assistant, user)
    await set_up_engagement(sa)
    room = Chat(assistant, user, channel="acme-team", direct=False)
    await room.say("bind Acme VSA")
    assert "This channel is now Acme VSA's" in room.text
    return room


def in_room(assistant: Assistant, user: str) -> Chat:
    return Chat(assistant, user, channel="acme-team", direct=False)


async def give_items(person: Player, *groups: list[str]) -> None:
    """Start a retro from its invitation and answer its three questions, each with
    several items (or none), typed, on any channel."""
    await person.click("start")
    for items in groups:
        if not items:
            await person.say("skip")  # nothing for this question: on to the next
        for position, item in enumerate(items):
            await person.say(item)
            await person.say("yes" if position < len(items) - 1 else "no")


async def test_a_customer_retro_from_private_items_to_actions_carried_into_the_next(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro customer dana lee")
    started = room.text
    assert "started a customer retrospective of Acme VSA" in started
    assert "asked sa, dana and lee privately" in started
    dana, lee, sa = Chat(assistant, "dana"), Chat(assistant, "lee"), Chat(assistant, "sa")
    invitation = text_to(dana)
    assert "sa started a customer retrospective of Acme VSA (Acme)" in invitation
    assert "shared with your name" in invitation
    assert [o.label for o in sent_to(dana)[-1].question.options] == ["Start", "Not now"]  # type: ignore[union-attr]

    # Each says privately what went well, what did not, what to try; several items each.
    await give_items(dana, ["Pairing on the API", "Fast reviews"], ["Flaky staging"], [])
    assert "Your 3 items for the retrospective of Acme VSA are in" in dana.text
    assert "Flaky staging" not in dana.text  # never read back
    await give_items(lee, ["Fast reviews"], ["Flaky staging\nLate requirements"], ["Mob on bugs"])
    # A participant may not close collection.
    lee_room = in_room(assistant, "lee")
    await lee_room.say("retro close")
    assert "Only sa, who facilitates this retrospective, can do that" in lee_room.text
    # The facilitator's own items; then everyone is in and the facilitator is told.
    await give_items(sa, [], ["Too many meetings"], ["Shorter standups"])
    assert "Everyone has sent their items for the retrospective of Acme VSA (3 people)" in (
        text_to(sa)
    )

    # Closing collection posts every item, grouped by question, numbered, to vote on.
    await room.say("retro close")
    posted = room.text
    for heading in ("What went well", "What did not go well", "What to try next"):
        assert heading in posted
    assert posted.index("Pairing on the API") < posted.index("Flaky staging")
    assert posted.index("Flaky staging") < posted.index("Mob on bugs")
    assert "Vote for up to 3 items" in posted
    items = await assistant.db.run(
        lambda s: [(i.number, i.text, i.question) for i in s.scalars(select(RetroItem)).all()]
    )
    assert len(items) == 9
    number = {text: n for n, text, _q in items}
    authors = await assistant.db.run(
        lambda s: {i.author_id for i in s.scalars(select(RetroItem)).all()}
    )
    assert None not in authors  # a named retro keeps who said what

    # Votes by number in the terminal: at most three, changeable until voting closes.
    await lee_room.say(f"retro vote {number['Flaky staging']} {number['Pairing on the API']}")
    assert "Your votes (2 of 3)" in lee_room.text
    await lee_room.say("retro vote 1 2 3 4")
    assert "That's 4 items, and you have 3 votes" in lee_room.text
    await lee_room.say("retro vote 99")
    assert "There is no item #99" in lee_room.text
    dana_room = in_room(assistant, "dana")
    await dana_room.say(f"retro vote {number['Flaky staging']}")
    await dana_room.say(f"retro vote {number['Late requirements']} {number['Flaky staging']}")
    assert "Your votes (2 of 3)" in dana_room.text
    stranger = in_room(assistant, "kim")
    await stranger.say("retro vote 1")
    assert "Only participants of Acme VSA can use retro" in stranger.text

    await room.say("retro vote close")
    result = room.text
    assert "the vote" in result
    ranked = [line for line in result.splitlines() if " vote" in line and " — #" in line]
    assert ranked[0].startswith("• 2 votes — #") and "Flaky staging" in ranked[0]
    assert "Late requirements" in ranked[1] or "Pairing on the API" in ranked[1]
    await lee_room.say("retro vote 2")
    assert "Voting is not open" in lee_room.text

    # Actions from the top items, each with an owner and a due date; owners told privately.
    await room.say(f"retro action {number['Flaky staging']} Fix staging monitoring @dana")
    assert "By when?" in room.text
    await room.say(f"retro action {number['Flaky staging']} Fix staging monitoring by friday")
    assert "Who owns it?" in room.text
    await room.say(f"retro action {number['Flaky staging']} Fix staging @dana by someday soon")
    assert "I couldn't read the due date" in room.text
    await room.say(f"retro action {number['Flaky staging']} Fix staging monitoring @dana by friday")
    assert "Action: Fix staging monitoring — dana, due Fri 04 Dec 2026" in room.text
    assert "You own an action from the retrospective of Acme VSA: Fix staging monitoring" in (
        sent_to(dana)[-1].plain_text()
    )
    await room.say(f"retro action {number['Late requirements']} @lee by 2026-12-15")
    assert "Action: Late requirements — lee" in room.text
    await room.say("retro action Book a demo with the sponsor @sa by 2026-12-20")
    assert "Action: Book a demo with the sponsor — sa" in room.text
    await room.say("retro finish")
    recap = room.text
    assert "Recap — customer retrospective of Acme VSA" in recap
    assert "What went well" in recap and "Fix staging monitoring — dana" in recap

    def open_actions(session: Any) -> list[tuple[str, str, int, date | None]]:
        engagement = repo.find_engagement(session, "console:local", "Acme VSA")
        assert engagement is not None
        return [
            (a.text, a.status, a.owner_id, a.due_date)
            for a in repo.open_actions(session, engagement.id)
        ]

    assert [a[0] for a in await assistant.db.run(open_actions)] == [
        "Fix staging monitoring",
        "Late requirements",
        "Book a demo with the sponsor",
    ]

    # Two weeks on, the next retro reviews those actions first, then asks for items.
    clock.advance(days=14)
    await room.say("retro customer dana lee")
    review = room.text
    assert "reviews the open actions of the last one" in review
    assert "1. Fix staging monitoring — dana, due Fri 04 Dec 2026" in review
    assert "asked" not in review and not sent_to(lee)[-1].plain_text().startswith("sa started")
    await lee_room.say("retro review 1 done")
    assert "Only sa, who facilitates" in lee_room.text
    await room.say("retro review 1 done")
    assert "Fix staging monitoring: Done (decided by sa)" in room.text
    assert "Still to review: 2" in room.text
    await room.say("retro review 2 carry")
    await room.say("retro review 3 drop")
    assert "Book a demo with the sponsor: Drop (decided by sa)" in room.text
    assert "started a customer retrospective of Acme VSA" in room.text
    assert "sa started a customer retrospective" in text_to(lee)

    def decided(session: Any) -> list[tuple[str, str, int | None, int | None]]:
        return [
            (a.text, a.status, a.decided_by_id, a.carried_from_id)
            for a in session.scalars(select(RetroAction).order_by(RetroAction.id)).all()
        ]

    rows = await assistant.db.run(decided)
    assert [(t, s) for t, s, _d, _c in rows] == [
        ("Fix staging monitoring", "done"),
        ("Late requirements", "carried"),
        ("Book a demo with the sponsor", "dropped"),
        ("Late requirements", "open"),
    ]
    assert rows[0][2] is not None and rows[3][3] is not None
    assert [a[0] for a in await assistant.db.run(open_actions)] == ["Late requirements"]


def every_row(session: Any) -> list[tuple[str, str]]:
    """Every row of every table, as text: (table, row)."""
    found = []
    for table in inspect(session.get_bind()).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')).all():
            found.append((table, repr(tuple(row))))
    return found


async def test_an_anonymous_retro_keeps_nothing_that_names_who_wrote_what(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro in-project Anonymous dana lee sam")
    assert "anonymous: nobody, the owners included, will see who wrote what" in room.text
    dana, lee, sam = Chat(assistant, "dana"), Chat(assistant, "lee"), Chat(assistant, "sam")
    assert "nobody — the owners included — can see who wrote what" in text_to(dana)
    await give_items(dana, ["Secret-well-dana"], ["Secret-bad-dana"], ["Secret-try-dana"])
    assert "without your name" in dana.text
    # Lee stops midway: what he wrote is included when collection closes.
    await lee.click("start", sent_to(lee)[-1].question)
    await lee.say("Secret-well-lee")
    await lee.say("no")
    await lee.say("Secret-bad-lee")
    # Sam writes something, thinks better of it and cancels: it is posted nowhere.
    await sam.click("start")
    await sam.say("Withdrawn-sam")
    await sam.say("cancel")
    await sam.say("yes")
    assert "Cancelled" in sam.text
    await room.say("retro close")
    posted = room.text
    for secret in ("Secret-well-dana", "Secret-bad-dana", "Secret-try-dana"):
        assert secret in posted
    assert "Secret-well-lee" in posted and "Secret-bad-lee" in posted
    assert "Collection for the retrospective of Acme VSA has closed" in text_to(lee)

    assert "Withdrawn-sam" not in posted
    rows = await assistant.db.run(every_row)
    assert not [r for r in rows if "Withdrawn-sam" in r[1]]
    secrets = [r for r in rows if "Secret-" in r[1]]
    # Only the items themselves, and what was posted to the channel, hold the text.
    assert {table for table, _row in secrets} <= {"retro_items", "outbox"}
    channel_key = room.ref.key
    for table, row in secrets:
        if table == "outbox":
            assert channel_key in row and "@dana" not in row and "@lee" not in row
    items = await assistant.db.run(lambda s: s.scalars(select(RetroItem)).all())
    assert len(items) == 5
    assert all(i.author_id is None and i.created_at is None for i in items)
    runs = await assistant.db.run(
        lambda s: s.scalars(select(DialogRun).where(DialogRun.dialog_id == "retro")).all()
    )
    assert sorted(r.status for r in runs) == ["cancelled"] * 3 + ["completed"]  # sa: paused
    assert all(r.state["answers"] == {} for r in runs)
    kept = await assistant.db.run(
        lambda s: s.scalars(select(Answer).where(Answer.dialog_id == "retro")).all()
    )
    assert kept == []


async def test_the_end_of_project_retro_asks_who_facilitates_warns_about_the_pm_and_recaps(
    clocked: tuple[Assistant, FixedClock], settings: Settings
) -> None:
    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro end-of-project alex dana lee maria")
    asked = room.text
    assert "Who facilitates the end-of-project retrospective of Acme VSA?" in asked
    assert "not close to the project" in asked and "alex, dana, lee and maria" in asked
    assert not text_to(Chat(assistant, "dana"))  # nobody invited before a facilitator

    await room.say("retro facilitator sa")
    told = room.text
    assert "sa facilitates the end-of-project retrospective" in told
    assert "⚠️ sa is the project's own PM (an owner of Acme VSA)" in told
    assert "retro go ahead" in told and "asked" not in told
    await room.say("retro facilitator priya")
    told = room.text
    assert "priya facilitates" in told and "own PM" not in told
    assert "asked alex, dana, lee and maria privately" in told
    dana, lee = Chat(assistant, "dana"), Chat(assistant, "lee")
    assert "priya started an end-of-project retrospective of Acme VSA" in text_to(dana)
    priya_room = in_room(assistant, "priya")
    await give_items(dana, ["Great customer rapport"], ["Scope creep"], ["Fixed-scope SOW"])
    await give_items(lee, ["Solid CI pipeline"], [], [])
    await priya_room.say("retro close")
    await in_room(assistant, "dana").say("retro vote 1")
    await priya_room.say("retro vote close")
    await priya_room.say("retro action 3 Fixed-scope SOW template @alex by 2027-01-31")
    assert "Action: Fixed-scope SOW template — alex" in priya_room.text
    await priya_room.say("retro finish")
    recap = priya_room.replies[-1]
    shown = recap.plain_text()
    assert "Recap — end-of-project retrospective of Acme VSA" in shown
    assert "Facilitated by priya" in shown
    assert "Great customer rapport" in shown and "Scope creep" in shown
    assert "Fixed-scope SOW template — alex, due Sun 31 Jan 2027" in shown
    [attachment] = [b for b in recap.blocks if isinstance(b, File)]
    markdown = attachment.content.decode()
    assert "## What went well" in markdown and "- Great customer rapport" in markdown
    assert "**Fixed\\-scope SOW template**" in markdown
    # And again on request, and from `vsa export Acme VSA --retro`.
    await room.say("retro recap")
    assert "Recap — end-of-project retrospective of Acme VSA" in room.text
    exported, _ = await export_engagement(settings, "Acme VSA", "md", retro=True)
    assert exported == markdown


async def test_an_internal_retro_marks_everything_it_posts_internal(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro internal dana")
    dana = Chat(assistant, "dana")
    await give_items(dana, ["Good estimates"], ["Customer is slow to answer"], [])
    await room.say("retro close")
    await room.say("retro vote 2")
    await room.say("retro vote close")
    await room.say("retro action 2 Escalate to the sponsor @dana by 2027-01-08")
    await room.say("retro finish")
    recorder = room.recorder
    assert isinstance(recorder, Recorder)
    in_channel = [m for to, m in recorder.sent if to.key == room.ref.key]
    assert len(in_channel) > 8
    retro_messages = in_channel[1:]  # after the bind
    assert all(m.internal for m in retro_messages), [
        m.plain_text()[:60] for m in retro_messages if not m.internal
    ]
    to_dana = sent_to(dana)
    assert to_dana[0].internal and "internal retrospective" in to_dana[0].plain_text()
    assert to_dana[-1].internal and "You own an action" in to_dana[-1].plain_text()
    # A customer retro is not internal.
    await room.say("retro customer dana")
    assert not room.replies[-1].internal


async def test_hostile_item_text_stays_text(clocked: tuple[Assistant, FixedClock]) -> None:
    from assistant.render import to_html, to_markdown

    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro customer dana")
    dana = Chat(assistant, "dana")
    await give_items(dana, [HOSTILE], [], ["\x1b[2JCleared"])
    await room.say("retro close")
    await room.say("retro vote close")
    await room.say(f"retro action 1 {HOSTILE} @dana by 2027-01-31")
    await room.say("retro finish")
    recap = room.replies[-1]
    [attachment] = [b for b in recap.blocks if isinstance(b, File)]
    markdown = attachment.content.decode()
    assert "<!channel>" not in markdown and "\\<\\!channel\\>" in markdown
    assert "<b>" not in markdown and "[x](http" not in markdown
    shown = to_html([b for b in recap.blocks if not isinstance(b, File)], title="x")
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<b>html" not in shown
    assert HOSTILE in recap.plain_text()  # the neutral text keeps it as typed
    assert to_markdown(list(recap.blocks))
    # In the terminal, a control sequence typed into an item never reaches the screen.
    from adapters.console import Style, render

    shown_here = "\n".join(render(m, Style(True)) for m in sent_to(room))
    assert HOSTILE.replace("<!channel>", "") in shown_here.replace("<!channel>", "")
    assert "\x1b[2J" not in shown_here and "[2JCleared" in shown_here


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", ("in_project", False, 3, "")),
        ("customer Dana Lee", ("customer", False, 3, "Dana Lee")),
        ("Internal anonymous 5 votes", ("internal", True, 5, "")),
        ("End of Project alex votes 2", ("end_of_project", False, 2, "alex")),
        ("in-project @kim", ("in_project", False, 3, "@kim")),
    ],
)
def test_what_starting_a_retro_says(typed: str, expected: tuple[str, bool, int, str]) -> None:
    from assistant.retros import parse_start

    assert parse_start(typed) == expected


async def test_members_finishing_at_the_same_moment_both_keep_their_items(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    import asyncio

    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro customer anonymous dana lee")
    people = [Chat(assistant, name) for name in ("dana", "lee")]
    for person in people:
        await person.click("start")
        for item in (f"Well-{person.person.user_id}", "no", "skip"):
            await person.say(item)
    await asyncio.gather(*(person.say("skip") for person in people))  # both finish at once
    await room.say("retro close")
    assert "Well-dana" in room.text and "Well-lee" in room.text


async def test_an_internal_retros_actions_are_reviewed_only_at_the_next_internal_one(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro internal dana")
    await give_items(Chat(assistant, "dana"), [], ["The customer's PM is slow"], [])
    await room.say("retro close")
    await room.say("retro vote close")
    await room.say("retro action 1 Escalate quietly @dana by 2027-01-08")
    await room.say("retro finish")
    clock.advance(days=14)
    await room.say("retro customer dana")
    assert "Escalate quietly" not in room.text and "reviews the open actions" not in room.text
    assert not any(m.internal for m in room.replies)
    await room.say("retro finish")
    await room.say("retro internal dana")
    assert "Escalate quietly" in room.text and all(m.internal for m in room.replies)
