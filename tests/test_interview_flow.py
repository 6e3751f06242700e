"""Interviews with many people, as the terminal chat has them: an SA invites three
participants, each answers at their own pace in their own conversation (pausing,
resuming, declining for now), the SA follows progress, nudges go out on the clock
(never on a weekend), and everyone's finish is reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import Outbound
from storage.models import Answer, Invitation
from tests.chat import Chat, Recorder
from tests.scenario import DELIVERY_PLAN

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def set_up_engagement(sa: Chat, *, pse: str = "skip") -> None:
    """The delivery engagement "Acme VSA", set up by ``sa`` in their DM (``pse``: who
    is its PSE, a member; nobody by default)."""
    await sa.say("new engagement")
    for answer in ("Acme", "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    plan = list(DELIVERY_PLAN)
    plan[3] = pse
    for answer in ("6", *plan):
        await sa.say(answer)
    assert "Engagement set up" in sa.text


def sent_to(chat: Chat) -> list[Outbound]:
    recorder = chat.recorder
    assert isinstance(recorder, Recorder)
    return [m for to, m in recorder.sent if to.key == chat.ref.key]


def text_to(chat: Chat) -> str:
    return "\n".join(m.plain_text() for m in sent_to(chat))


async def answer_everything(chat: Chat, limit: int = 400) -> None:
    """Answer every question the way a hurried participant would, until the end."""
    for _ in range(limit):
        question = chat.question
        if question is None or question.prompt_key.startswith(("menu:", "home:", "start:")):
            return
        match question.input:
            case "duration":
                await chat.say("2-5 days")
            case "percent":
                await chat.say("80%")
            case "number":
                await chat.say("3")
            case "choice":
                await chat.click(question.options[0].value)
            case "multi_choice":
                await chat.say("1")
            case "yes_no" | "add_another":
                await chat.say("no")
            case "date":
                await chat.say("2027-06-30")
            case _:
                await chat.say("Build and review")
        if "Thank you!" in chat.text:
            return
        if chat.question is question:
            raise AssertionError(f"stuck at {question.text}: {chat.text}")
    raise AssertionError(f"the interview did not end: {chat.text}")


async def test_three_people_interviewed_at_their_own_pace(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)

    await sa.say("interview idea-to-production dana, lee and sam")
    assert "Invited dana, lee and sam to Map your Idea to Production workflow" in sa.text
    dana = Chat(assistant, "dana")  # the terminal doesn't say where she is
    lee = Chat(assistant, "lee", timezone="Europe/Berlin")
    sam = Chat(assistant, "sam", timezone="America/New_York")
    invitation = text_to(dana)
    assert "sa invited you to a short interview for Acme VSA (Acme)" in invitation
    assert "It takes about" in invitation and "Who sees your answers" in invitation
    assert dana.question is not None and [o.label for o in dana.question.options] == [
        "Start",
        "Not now",
    ]

    # Dana starts: first, once, her timezone (nudges must never reach her on a weekend).
    await dana.click("start")
    assert dana.question is not None and "Which timezone are you in?" in dana.question.text
    await dana.say("Narnia")
    assert "I don't know that timezone" in dana.text
    await dana.say("london")
    assert "I'll keep to Europe/London time" in dana.text
    # Then the interview she clicked, at once; she answers two questions and pauses.
    assert dana.question is not None and "Question 1 of" in (dana.question.position or "")
    await dana.say("The login page redesign")
    await dana.say("A product manager writes a ticket")
    second = dana.question
    assert second is not None
    await dana.say("pause")
    assert "Paused" in dana.text
    # Lee says not now; Sam does nothing.
    await lee.click("later")
    assert "will be here" in lee.text

    await sa.say("status")
    progress = sa.text
    assert "0 of 3 finished" in progress
    assert "dana — midway, at question 3" in progress and "paused" in progress
    assert "lee — not started yet" in progress and "sam — not started yet" in progress

    # What people may see and do.
    await dana.say("answers")
    assert "The login page redesign" in dana.text
    await dana.say("answers lee")
    assert "You can see your own answers only" in dana.text
    await dana.say("interview toolchain lee")
    assert "Only the owners of Acme VSA can use interview — you are a participant" in dana.text
    await sa.say("answers dana")
    assert "The login page redesign" in sa.text
    await sa.say("answers")  # an owner sees everyone's
    assert "The login page redesign" in sa.text and "No answers from lee" in sa.text

    # Dana resumes at the question she paused on, corrects an earlier answer, finishes.
    await dana.say("resume")
    assert dana.question is not None and dana.question.text == second.text
    await dana.say("edit 1")
    assert "Your answer was: The login page redesign" in dana.text
    await dana.say("The new login page")
    assert dana.question is not None and dana.question.text == second.text
    await answer_everything(dana)
    assert "Thank you!" in dana.text and "The new login page" in dana.text
    assert "dana finished Map your Idea to Production workflow for Acme VSA" in text_to(sa)

    # A day later, the two who have not finished are nudged; Dana is not.
    before = {c.ref.key: len(sent_to(c)) for c in (dana, lee, sam)}
    clock.advance(hours=25)
    await assistant.dispatcher.run_due()
    assert len(sent_to(dana)) == before[dana.ref.key]
    for chat in (lee, sam):
        assert "A gentle reminder" in sent_to(chat)[-1].plain_text()

    # The SA withdraws Sam; when Lee finishes, everyone invited has.
    await sa.say("withdraw dana")  # she has finished: nothing open to withdraw
    assert "Nothing to withdraw" in sa.text
    await sa.say("withdraw sam")
    assert "Withdrawn: sam" in sa.text
    assert "was withdrawn" in sent_to(sam)[-1].plain_text()
    await lee.click("start", sent_to(lee)[-1].question)
    await answer_everything(lee)
    assert "Everyone invited to Map your Idea to Production workflow (2) has finished" in (
        text_to(sa)
    )

    def rows(session):  # type: ignore[no-untyped-def]
        return (
            session.scalars(select(Invitation).order_by(Invitation.id)).all(),
            session.scalars(select(Answer).where(Answer.superseded_at.is_(None))).all(),
        )

    invitations, answers = await assistant.db.run(rows)
    assert [i.status for i in invitations] == ["completed", "completed", "withdrawn"]
    assert {a.dialog_id for a in answers if a.engagement_id} == {"idea_to_production"}
    assert all(
        a.engagement_id == invitations[0].engagement_id
        for a in answers
        if a.dialog_id == "idea_to_production"
    )


async def test_no_nudge_on_a_weekend_and_at_most_two(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("interview incident-response kim")
    kim = Chat(assistant, "kim", timezone="America/New_York")
    await kim.say("hello")  # the terminal tells us nothing; here the test does
    invited = len(sent_to(kim))

    clock.advance(days=4)  # Saturday 09:00 UTC, 04:00 in New York
    await assistant.dispatcher.run_due()
    assert len(sent_to(kim)) == invited
    clock.advance(days=2)  # Monday 09:00 UTC: still night in New York
    await assistant.dispatcher.run_due()
    assert len(sent_to(kim)) == invited
    clock.advance(hours=6)  # 10:00 in New York: postponed to 09:00 there, now due
    await assistant.dispatcher.run_due()
    assert len(sent_to(kim)) == invited + 1
    for _ in range(3):
        clock.advance(days=1)
        await assistant.dispatcher.run_due()
    assert len(sent_to(kim)) == invited + 2


async def test_a_preread_sends_the_questions_without_starting_anything(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("preread toolchain dana")
    assert "Sent the Map your Toolchain Upgrading and Maintenance workflow questions to dana" in (
        sa.text
    )
    dana = Chat(assistant, "dana")
    preread = text_to(dana)
    assert "Questions for the" in preread and "For each step" in preread
    assert dana.question is None


async def test_commands_refused_where_they_do_not_belong_say_why(assistant: Assistant) -> None:
    sa = Chat(assistant, "sa")
    await sa.say("bind Acme VSA")
    assert "bind works in a channel" in sa.text
    await sa.say("interview idea-to-production dana")
    assert "you aren't part of one yet" in sa.text
    await set_up_engagement(sa)
    await sa.say("interview flying-cars dana")
    assert "Which interview? One of: idea-to-production" in sa.text


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("london", "Europe/London"),
        ("New York", "America/New_York"),
        ("utc+2", "Etc/GMT-2"),
        ("UTC-05:00", "Etc/GMT+5"),
        ("CET", "Europe/Paris"),
        ("Narnia", None),
        ("UTC+15", None),
    ],
)
def test_timezones_are_read_as_people_type_them(typed: str, zone: str | None) -> None:
    from assistant.timezones import resolve

    assert resolve(typed) == zone
