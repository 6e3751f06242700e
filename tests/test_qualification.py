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
    latest_result,
    stored_answers,
)


async def test_a_qualified_opportunity_gets_the_verdict_and_the_commitment_steps(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.play(QUALIFIED)

    assert f"{QUALIFIED_HEADLINE}: Acme <!channel> & <@U999> Corp" in chat.text
    assert "Schedule the facilitated exercise" in chat.text
    assert "documented value stream, recommendations, and the stakeholder readout" in chat.text
    assert "Key indicators: strong" in chat.text
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
    assert "Do the technical discovery first." in chat.text
    assert "Widen the scope" in chat.text and "introduction to the person who signs" in chat.text
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
    assert "Do the technical discovery first." in chat.text


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
