"""Education and commitment, on the terminal: after a qualification the SA presents the
benefits (the pitch deck linked), records what the customer committed to, and gets a
value stream assessment with its plan; the people scheduled are invited from there, and
``status`` in the assessment's channel shows where it stands against the plan. An
assessment starts only from a qualified opportunity, or with a reason recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.clock import FixedClock
from storage.models import Engagement, EngagementMember, Participant
from tests.chat import Chat
from tests.conftest import make_settings
from tests.scenario import DELIVERY_PLAN, NOT_QUALIFIED, QUALIFIED, Type
from tests.test_interview_flow import answer_everything, text_to

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DECK = "https://decks.example.com/vsa?id=1"
NAME = "Acme <!channel> & <@U999> Corp value stream assessment"


@pytest.fixture
async def clocked(database_url: str) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    clock = FixedClock(TUESDAY)
    assistant = await Assistant.start(make_settings(database_url, PITCH_DECK_URL=DECK), clock=clock)
    yield assistant, clock
    await assistant.close()


# After the qualification: presented, questions, stakeholders, workflows, discovery...
COMMIT = [
    "1, 2, 3, 7, 8",  # presented: not the roadmap, the ROI, collaboration across silos
    "Will this slow our <!channel> release? *really*",  # the customer's questions
    "Dana Scully (VP Engineering)",  # stakeholders
    "1, 2",  # workflows: idea to production, incident response
    "both",  # a facilitated session and interviews
    "2026-12-08",  # the session
    "dana",  # participant 1: in the workspace
    "1",  # idea to production
    "skip",  # no email needed
    "2026-12-10",  # interview by
    "yes",
    "lee",  # participant 2
    "2",  # incident response
    "skip",
    "2026-12-11",
    "yes",
    "Sam Outsider",  # participant 3: not in the workspace yet
    "1",
    "not an email",  # refused...
    "sam@acme.example",  # ...then given
    "2026-12-11",
    "no",
    "2 to 3 weeks",  # duration
    "all",  # deliverables
    "2026-12-22",  # readout
]


async def engagements(assistant: Assistant) -> list[Engagement]:
    def read(session: Session) -> list[Engagement]:
        found = list(session.scalars(select(Engagement)))
        for e in found:
            session.expunge(e)
        return found

    return await assistant.db.run(read)


async def members(assistant: Assistant, engagement_id: int) -> dict[str, str]:
    def read(session: Session) -> dict[str, str]:
        rows = session.execute(
            select(Participant.user_id, EngagementMember.role)
            .join(EngagementMember, EngagementMember.participant_id == Participant.id)
            .where(EngagementMember.engagement_id == engagement_id)
        )
        return {user: role for user, role in rows}

    return await assistant.db.run(read)


async def test_educate_and_commit_plans_the_assessment_and_invites_the_people_scheduled(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    dana, lee = Chat(assistant, "dana"), Chat(assistant, "lee")
    await dana.say("hi")  # both are in the workspace (they have talked to the assistant)
    await lee.say("hi")
    sa = Chat(assistant, "sa")
    await sa.play(QUALIFIED)
    assert sa.question is not None
    assert "Educate and commit Acme <!channel> & <@U999> Corp" in [
        o.label for o in sa.question.options
    ]

    await sa.click("commitment")
    opening = sa.replies[0]
    assert "the commitment: the stakeholders sponsor it" in opening.plain_text().lower()
    linked = [s for b in opening.blocks for s in getattr(b, "spans", ()) if s.link]
    assert [(s.text, s.link) for s in linked] == [("open the pitch deck", DECK)]
    # Customer and verdict come from the qualification: a qualified opportunity needs
    # no reason, and the first question is what was presented.
    assert sa.question is not None and "present to the customer" in sa.question.text
    assert "The path to production documented end to end" in [o.label for o in sa.question.options]
    await sa.say("back")  # the carried-over verdict is not a stop: back is the customer
    assert sa.question is not None and "Which customer" in sa.question.text
    await sa.say("keep")
    await sa.say("edit qualification")
    assert "couldn't find a question" in sa.text  # ...nor something to change here

    for answer in COMMIT:
        await sa.say(answer)
        if answer == "not an email":
            assert "doesn't look like an email address" in sa.text
    assert sa.question is not None and "Invite the participants" in sa.question.text
    await sa.say("yes")

    summary = sa.text
    assert f"Value stream assessment planned: {NAME}" in summary
    assert "Qualification: Qualified" in summary and "Override" not in summary
    assert "Workflows: Idea to Production, Response to Production Incident" in summary
    assert "Facilitated session: 08 Dec 2026" in summary and "Readout: 22 Dec 2026" in summary
    assert "dana — Idea to Production, interview by 10 Dec 2026" in summary
    assert (
        "Sam Outsider — Idea to Production, interview by 11 Dec 2026 "
        "(not in the workspace yet: sam@acme.example)" in summary
    )
    assert "Not presented yet: an improvement roadmap; the return on investment" in summary
    assert "The customer asked: Will this slow our <!channel> release? *really*" in summary
    assert "Invited dana to Map your Idea to Production workflow" in summary
    assert "Invited lee to Map your Response to Production Incident workflow" in summary
    assert "sa invited you to a short interview for " + NAME in text_to(dana)
    assert dana.question is not None and dana.question.prompt_key.startswith("start:")

    [assessment] = await engagements(assistant)
    assert assessment.kind == "assessment" and assessment.name == NAME
    assert assessment.qualification_run_id is not None
    assert assessment.qualification_override is None
    assert str(assessment.start_date) == "2026-12-08"
    plan: dict[str, Any] = assessment.plan or {}
    assert plan["workflows"] == ["idea_to_production", "incident_response"]
    assert plan["readout_date"] == "2026-12-22" and plan["session_date"] == "2026-12-08"
    assert [(p["name"], p["workflow"], p["email"]) for p in plan["participants"]] == [
        ("dana", "idea_to_production", None),
        ("lee", "incident_response", None),
        ("Sam Outsider", "idea_to_production", "sam@acme.example"),
    ]
    assert plan["participants"][2]["participant_id"] is None
    assert await members(assistant, assessment.id) == {
        "sa": "owner",
        "dana": "participant",
        "lee": "participant",
    }

    # In the assessment's channel: where it stands against the plan.
    channel = Chat(assistant, "sa", channel="C-acme", direct=False)
    await channel.say(f"bind {NAME}")
    await channel.say("status")
    status = channel.text
    assert "The plan" in status
    assert "Facilitated session: Tue 08 Dec 2026 (in 7 days)" in status
    assert "Readout: Tue 22 Dec 2026 (in 21 days)" in status
    assert "Estimated duration: 2–3 weeks" in status
    assert (
        "Sam Outsider — Idea to Production, interview by Fri 11 Dec 2026 (in 10 days): "
        "not in the workspace yet (sam@acme.example)" in status
    )
    assert (
        "dana — Idea to Production, interview by Thu 10 Dec 2026 (in 9 days): not started yet"
        in status
    )

    # Dana answers; she drops off the list of people still to finish.
    await dana.click("start")
    await dana.say("Europe/London")  # then her interview, at once
    await answer_everything(dana)
    await channel.say("status")
    assert "dana —" not in channel.text.split("Interviews", 1)[0]
    assert "lee — Response to Production Incident" in channel.text

    # Past lee's interview date: overdue, and the session is behind us.
    clock.advance(days=12)
    await channel.say("status")
    assert "Facilitated session: Tue 08 Dec 2026 (5 days ago)" in channel.text
    assert "Readout: Tue 22 Dec 2026 (in 9 days)" in channel.text
    assert "(2 days ago): not started yet, overdue" in channel.text


async def test_an_unqualified_opportunity_needs_a_reason_which_is_shown_with_it(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await sa.play(NOT_QUALIFIED)
    await sa.say("commit")
    assert sa.question is not None and "Why go ahead anyway?" in sa.question.text
    await sa.say("skip")
    assert "can't be skipped" in sa.text
    await sa.say("The CIO <!here> asked for it before the budget round")
    assert sa.question is not None and "present to the customer" in sa.question.text
    for answer in ("all", "skip", "Pat (CIO)", "1", "session", "2030-12-30", "me", "1", "skip"):
        await sa.say(answer)
    await sa.say("no")  # no other participant
    for answer in ("1 week", "1, 3", "2031-01-15"):
        await sa.say(answer)
    reason = "The CIO <!here> asked for it before the budget round"
    assert f"Override: {reason}" in sa.text
    assert "Qualification: Not qualified yet" in sa.text

    [assessment] = await engagements(assistant)
    assert assessment.qualification_override == reason
    await sa.say(f"engagement {assessment.name}")
    assert f"Qualification: Not qualified yet — started anyway (override): {reason}" in sa.text
    await sa.say("engagements")
    assert f"qualification: Not qualified yet — started anyway (override): {reason}" in sa.text
    await sa.say("status")
    assert f"Qualification: Not qualified yet — started anyway (override): {reason}" in sa.text
    # A session without interviews: who takes part is listed, nobody is owed an invitation.
    assert "At the facilitated session: sa" in sa.text and "not invited" not in sa.text


async def test_without_a_qualification_before_it_the_reason_is_asked_too(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await sa.say("educate and commit")
    assert sa.question is not None and "Which customer" in sa.question.text
    await sa.say("Globex")
    assert sa.question is not None and "Why go ahead anyway?" in sa.question.text
    await sa.say("status")
    assert "Qualification: No qualification" in sa.text


def test_the_terminal_shows_a_links_address() -> None:
    from adapters.console import render
    from assistant.events import Outbound, Paragraph, Span

    message = Outbound(
        blocks=(Paragraph(spans=(Span(text="Deck: "), Span(text="open it", link=DECK))),)
    )
    assert f"Deck: open it ({DECK})" in render(message)


async def test_the_qualification_is_found_after_other_dialogs_were_done(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await sa.play(QUALIFIED)
    await sa.say("new engagement")  # something else in between
    for answer in ("Acme delivery", "2031-01-13", "2", "3", *DELIVERY_PLAN):
        await sa.say(answer)
    await sa.say("commit")
    # Still the qualified Acme: no reason asked, the customer carried over.
    assert sa.question is not None and "present to the customer" in sa.question.text
    await sa.say("status")
    assert "Customer: Acme <!channel> & <@U999> Corp" in sa.text
    assert "Qualification: Qualified" in sa.text


async def test_qualified_but_discovery_missing_needs_a_reason_too(assistant: Assistant) -> None:
    sa = Chat(assistant, "sa")
    steps = list(QUALIFIED)
    steps[3] = Type("no")  # technical discovery not done
    await sa.play(steps)
    await sa.say("commit")
    assert sa.question is not None and "Why go ahead anyway?" in sa.question.text
    await sa.say("status")
    assert "Qualification: Qualified, once discovery is done" in sa.text
