"""Qualifying an opportunity, end to end through the service layer."""

from __future__ import annotations

from assistant.app import Assistant
from tests.chat import Chat
from tests.scenario import (
    DELIVERY_PLAN,
    NOT_QUALIFIED,
    NOT_QUALIFIED_ANSWERS,
    NOT_QUALIFIED_HEADLINE,
    QUALIFIED,
    QUALIFIED_ANSWERS,
    QUALIFIED_HEADLINE,
    Click,
    Type,
    latest_result,
    stored_answers,
)


async def test_a_qualified_opportunity_gets_the_verdict_and_the_commitment_steps(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.play(QUALIFIED)

    assert f"{QUALIFIED_HEADLINE}: Acme <!channel> & <@U999> Corp" in chat.text
    assert (
        "Confirm commitment from the stakeholders and exercise participants by scheduling "
        "the facilitated exercise and/or interviews." in chat.text
    )
    assert "the documented value stream, recommendations, and the readout" in chat.text
    assert "Key indicators: strong" in chat.text
    # Several kinds of initiative, the applications it modernizes named.
    assert (
        "A dated initiative to modernize specific applications and deliver a new critical "
        "application to market (the claims portal), by 30 Jun 2031" in chat.text
    )
    assert "✅ Initial opportunity discovery done" in chat.text
    assert await stored_answers(assistant.db) == QUALIFIED_ANSWERS
    result = await latest_result(assistant.db)
    assert result["verdict"] == "qualified" and result["failed"] == []
    # The follow-up offers the engagement for this customer.
    assert chat.question is not None
    labels = [o.label for o in chat.question.options]
    assert "Start an engagement for Acme <!channel> & <@U999> Corp" in labels


async def test_a_failed_qualification_names_the_failed_criteria_and_what_to_do(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.play(NOT_QUALIFIED)

    assert f"{NOT_QUALIFIED_HEADLINE}: Tiny Co" in chat.text
    assert "❌ Total addressable market of at least 1,000 platform users" in chat.text
    assert "❌ Relationship with stakeholders who can decide the purchase" in chat.text
    assert "✅ Focused on improving software delivery performance" in chat.text
    assert "Do the technical discovery first: it is expected before" in chat.text
    assert "❌ Technical discovery not done yet" in chat.text
    # Our own advice is marked; nothing advises counting more users to pass the gate.
    assert "Suggestion: Ask your champion for an introduction" in chat.text
    assert "Suggestion: Offer a lighter-touch workshop" in chat.text
    assert "widen" not in chat.text.lower() and "more business units" not in chat.text
    assert await stored_answers(assistant.db) == NOT_QUALIFIED_ANSWERS
    result = await latest_result(assistant.db)
    assert result["verdict"] == "not_qualified"
    assert result["strength"] == "weak"


async def test_criteria_met_but_discovery_missing_is_qualified_pending(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    steps = [s for s in QUALIFIED]
    from tests.scenario import Type

    steps[3] = Type("no")  # technical discovery not done
    await chat.play(steps)
    assert "Qualified, once discovery is done" in chat.text
    # The next step asks for the missing prerequisite first, then the commitment.
    steps = chat.text.split("Next steps", 1)[1]
    assert steps.index("Do the technical discovery first") < steps.index("Then: Educate")
    result = await latest_result(assistant.db)
    assert result["verdict"] == "qualified_pending" and not result["ready_for_assessment"]


async def test_start_an_engagement_from_the_verdict_then_list_it(assistant: Assistant) -> None:
    chat = Chat(assistant)
    await chat.play(QUALIFIED)
    await chat.click("engagement")
    # The customer comes from the qualification: the first question is the name.
    assert chat.question is not None and chat.question.text == "What should we call the engagement?"
    await chat.say("Acme VSA")
    await chat.say("2031-01-13")
    await chat.click("2")
    await chat.say("3")
    for answer in DELIVERY_PLAN:
        await chat.say(answer)
    assert "Engagement set up: Acme VSA" in chat.text
    assert "weekly status at the minimum" in chat.text  # fewer than 5 iterations

    await chat.say("engagements")
    assert (
        "Acme VSA — Acme <!channel> & <@U999> Corp, starts 13 Jan 2031, qualification: Qualified"
        in chat.text
    )
    await chat.say("engagement acme vsa")
    assert "Qualification: Qualified" in chat.text
    assert "Qualified: Acme" in chat.text  # the qualification summary comes along


async def test_engagements_of_another_workspace_are_invisible(assistant: Assistant) -> None:
    a = Chat(assistant, "sa", workspace="T_A")
    await a.say("new engagement")
    for answer in ("Globex", "Globex pilot", "2031-02-03", "2", "6", *DELIVERY_PLAN):
        await a.say(answer)
    await a.say("engagements")
    assert "Globex pilot" in a.text

    b = Chat(assistant, "sa", workspace="T_B")
    await b.say("engagements")
    assert "Globex" not in b.text and "no engagements in this workspace" in b.text
    await b.say("engagement globex pilot")
    assert "couldn't find an engagement" in b.text


PROSPECT = [
    Type("qualify"),
    Type("Initech"),
    Type("yes"),
    Type("yes"),
    Type("4000"),
    Type("yes"),
    Type("yes"),
    Type("skip"),  # decision makers
    Type("yes"),  # a dated initiative...
    Type("improve, devops"),  # ...of two kinds, none modernizing applications
    Type("2031-09-30"),
    Type("prospect"),
    Type("skip"),  # notes: a prospect is not asked about platform use
]


async def test_a_prospect_is_not_asked_about_platform_use(assistant: Assistant) -> None:
    chat = Chat(assistant)
    await chat.play(PROSPECT)

    assert "Qualified: Initech" in chat.text
    assert "already use" not in chat.text and "Applications" not in chat.text
    assert "Account: A prospect" in chat.text
    assert "A prospect: there is no current platform use to build on." in chat.text
    assert (
        "A dated initiative to transform or objectively improve the ability to deliver software "
        "and modernize DevOps capabilities, by 30 Sep 2031" in chat.text
    )
    answers = await stored_answers(assistant.db)
    assert answers["relationship"] == "prospect" and "uses_platform" not in answers
    assert answers["initiative_kinds"] == ["improve_delivery", "modernize_devops"]
    result = await latest_result(assistant.db)
    assert result["strength"] == "moderate" and result["ready_for_assessment"]


async def test_modernizing_applications_must_name_them(assistant: Assistant) -> None:
    chat = Chat(assistant)
    await chat.play(PROSPECT[:9])
    await chat.say("modernize specific applications")
    await chat.say("2031-09-30")
    assert chat.question is not None and "Which application(s)" in chat.question.text
    await chat.say("skip")
    assert "can't be skipped" in chat.text
    await chat.say("billing and the partner portal")
    assert chat.question is not None and "prospect" in chat.question.text


async def test_using_the_platform_without_interest_is_not_an_indicator(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    steps = list(QUALIFIED)
    assert steps[-4] == Click("yes")  # uses the platform...
    steps[-2] = Click("no")  # ...but is not interested in more
    await chat.play(steps)

    assert "Uses some platform features but shows no interest in more" in chat.text
    assert "is interested in how more of the platform" not in chat.text
    result = await latest_result(assistant.db)
    assert result["strength"] == "moderate" and len(result["indicators"]) == 1


def test_a_version_1_qualification_still_reads() -> None:
    from assistant.qualification import assess

    old = {
        "customer": "Old Co",
        "opportunity_discovery": True,
        "technical_discovery": True,
        "addressable_users": 1500,
        "delivery_focus": True,
        "decision_access": True,
        "initiative": True,
        "initiative_kind": "modernize_devops",  # one kind, a string
        "initiative_date": "2030-01-31",
        "initiative_apps": None,
        "uses_platform": True,
        "wants_to_learn": False,
    }
    result = assess(old)
    assert result["verdict"] == "qualified"
    assert result["indicators"] == [
        "A dated initiative to modernize DevOps capabilities, by 31 Jan 2030"
    ]
    assert result["indicator_remarks"]  # use without interest: said, not counted
    assert assess({"initiative": True, "initiative_kind": 7})["indicators"] == [
        "A dated initiative to deliver"
    ]


async def test_a_stored_version_1_qualification_is_shown_with_its_old_answers(
    assistant: Assistant,
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from storage.models import DialogRun

    chat = Chat(assistant)
    await chat.play(QUALIFIED)
    await chat.click("engagement")
    for answer in ("Acme VSA", "2031-01-13", "2", "3", *DELIVERY_PLAN):
        await chat.say(answer)

    def make_it_version_1(session: Session) -> None:
        run = session.scalars(select(DialogRun).where(DialogRun.dialog_id == "qualification")).one()
        state = dict(run.state)
        answers = dict(state["answers"])
        for gone in ("initiative_kinds", "relationship", "initiative_apps"):
            answers.pop(gone)
        answers["initiative_kind"] = {"raw": "2", "value": "new_critical_app", "skipped": False}
        answers["initiative_apps"] = {"raw": "skip", "value": None, "skipped": True}
        run.state = {**state, "dialog_version": 1, "answers": answers}
        run.dialog_version = 1

    await assistant.db.run(make_it_version_1)
    await chat.say("engagement acme vsa")
    assert "Qualified: Acme" in chat.text
    assert "A dated initiative to deliver a new critical application to market, by 30 Jun 2031" in (
        chat.text
    )
