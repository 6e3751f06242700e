"""help / back / skip / edit / status / cancel, re-prompts and answer history, in a real dialog."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from assistant.app import Assistant
from storage.models import Answer, DialogRun
from tests.chat import Chat
from tests.scenario import QUALIFIED, stored_answers


async def started(assistant: Assistant, user: str = "sa") -> Chat:
    chat = Chat(assistant, user)
    await chat.say("qualify")
    return chat


async def test_the_first_question_comes_with_the_commands_hint(assistant: Assistant) -> None:
    chat = await started(assistant)
    assert "You can say help, back, skip, status, edit, pause or cancel at any time." in chat.text
    assert chat.question is not None and chat.question.position == "Question 1 of up to 16"


async def test_an_answer_that_does_not_parse_is_asked_again_with_an_example(
    assistant: Assistant,
) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("yes")
    await chat.say("yes")
    await chat.say("lots of them")
    question = chat.question
    assert question is not None and "How many people" in question.text
    assert "number" in chat.text.lower() and "For example: 2500" in chat.text
    # Nothing recorded so far is lost by the bad answer.
    assert await stored_answers(assistant.db) == {
        "customer": "Acme",
        "opportunity_discovery": True,
        "technical_discovery": True,
    }
    await chat.say("1200")
    assert chat.question is not None and "focused on improving" in chat.question.text


async def test_help_explains_the_question_and_lists_the_commands(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("help")
    assert "It is expected before an assessment is proposed — the first conversation" in chat.text
    assert "Expected: yes or no" in chat.text
    assert "edit <question>" in chat.text
    assert chat.question is not None and "opportunity discovery" in chat.question.text


async def test_back_reasks_the_previous_question_and_keeps_its_answer_until_changed(
    assistant: Assistant,
) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("yes")
    await chat.say("back")
    assert chat.question is not None and "opportunity discovery" in chat.question.text
    assert "Your answer was: Yes" in chat.text
    await chat.say("no")
    assert chat.question is not None and "technical discovery" in chat.question.text
    assert (await stored_answers(assistant.db))["opportunity_discovery"] is False


async def test_back_on_the_first_question_says_so(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("back")
    assert "This is the first question" in chat.text


async def test_skip_works_only_on_optional_questions(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("skip")
    assert "can't be skipped" in chat.text
    assert chat.question is not None and "Which customer" in chat.question.text


async def test_status_says_where_we_are_and_what_is_left(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("yes")
    await chat.say("status")
    assert "Qualify an opportunity — question 3 of up to 16, 2 answered." in chat.text
    assert "1. Customer: Acme" in chat.text and "2. Opportunity discovery done: Yes" in chat.text
    assert "Still to come: Addressable users, Focused on delivery performance" in chat.text


async def test_edit_by_name_changes_an_answer_and_keeps_the_history(assistant: Assistant) -> None:
    chat = await started(assistant)
    for answer in ("Acme", "yes", "yes", "1500"):
        await chat.say(answer)
    await chat.say("edit customer")
    assert chat.question is not None and "Which customer" in chat.question.text
    await chat.say("Acme Holdings")
    # Back to the first unanswered question, not to the start.
    assert chat.question is not None and "focused on improving" in chat.question.text
    rows = await assistant.db.run(
        lambda s: s.scalars(
            select(Answer).where(Answer.path == "customer").order_by(Answer.id)
        ).all()
    )
    assert [(r.value, r.superseded_at is None) for r in rows] == [
        ("Acme", False),
        ("Acme Holdings", True),
    ]


async def test_edit_by_number_and_unknown_names(assistant: Assistant) -> None:
    chat = await started(assistant)
    for answer in ("Acme", "yes", "yes"):
        await chat.say(answer)
    await chat.say("edit 2")
    assert chat.question is not None and "opportunity discovery" in chat.question.text
    await chat.say("keep")
    assert chat.question is not None and "How many people" in chat.question.text
    await chat.say("edit colour of the sky")
    assert "couldn't find a question matching" in chat.text and "1. Customer" in chat.text
    await chat.say("edit")
    assert "Which answer would you like to change?" in chat.text


async def test_cancel_asks_first_and_no_carries_on(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("cancel")
    assert "Cancel Qualify an opportunity? The 1 answer you gave stays on record" in chat.text
    await chat.click("no")
    assert "OK, let's carry on." in chat.text
    assert chat.question is not None and "opportunity discovery" in chat.question.text


async def test_cancel_confirmed_ends_the_run_and_keeps_the_answers(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    await chat.say("cancel")
    await chat.say("yes")
    assert "Cancelled Qualify an opportunity. Your answers are kept." in chat.text
    run = await assistant.db.run(lambda s: s.scalar(select(DialogRun)))
    assert run is not None and run.status == "cancelled"
    assert await stored_answers(assistant.db) == {"customer": "Acme"}
    await chat.say("hello")  # a new start, not an answer
    assert "What would you like to do?" in chat.text


async def test_conditions_skip_questions_that_do_not_apply(assistant: Assistant) -> None:
    chat = await started(assistant)
    for answer in ("Acme", "yes", "yes", "1500", "yes", "no"):
        await chat.say(answer)
    # No decision access: "who are they" is not asked.
    assert chat.question is not None and "specific initiative" in chat.question.text
    await chat.say("no")
    # No initiative: its kinds, date and applications are not asked.
    assert chat.question is not None and "a prospect, or already a customer" in chat.question.text
    await chat.say("a customer")
    assert chat.question is not None and "already use some" in chat.question.text


async def test_an_edit_that_hides_later_answers_drops_them_from_the_summary(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.play(QUALIFIED[:-1])  # up to the last question
    await chat.say("edit dated initiative")
    await chat.say("no")
    await chat.say("skip")  # notes: the dialog completes
    assert "A dated initiative" not in chat.text
    assert "Key indicators: moderate" in chat.text


async def test_a_click_on_an_old_question_is_not_taken_as_an_answer(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    old = chat.question
    await chat.click("yes")
    await chat.click("no", question=old)  # the opportunity discovery question again
    assert "already been answered" in chat.text
    assert (await stored_answers(assistant.db))["opportunity_discovery"] is True


async def test_a_past_initiative_date_is_refused(assistant: Assistant) -> None:
    chat = Chat(assistant)
    await chat.play(QUALIFIED[:10])
    await chat.say("2001-01-01")
    assert "That date is in the past" in chat.text
    assert chat.question is not None and "By when" in chat.question.text


async def test_people_and_conversations_do_not_interfere(assistant: Assistant) -> None:
    alice = Chat(assistant, "alice")
    bob = Chat(assistant, "bob")
    carol_elsewhere = Chat(assistant, "alice", channel="C1", thread="1.5", direct=False)

    async def run(chat: Chat, name: str) -> None:
        await chat.say("qualify")
        await chat.say(name)
        await chat.say("yes")

    await asyncio.gather(run(alice, "Alpha"), run(bob, "Beta"), run(carol_elsewhere, "Gamma"))
    runs = await assistant.db.run(lambda s: s.scalars(select(DialogRun)).all())
    customers = sorted(r.state["answers"]["customer"]["value"] for r in runs)
    assert customers == ["Alpha", "Beta", "Gamma"]
    for chat in (alice, bob, carol_elsewhere):
        assert chat.question is not None and "technical discovery" in chat.question.text


async def test_many_concurrent_turns_of_one_person_are_all_recorded(assistant: Assistant) -> None:
    chat = await started(assistant)
    await chat.say("Acme")
    # Two answers arrive at once (a double submit); each is applied in turn, none lost.
    await asyncio.gather(chat.say("yes"), chat.say("no"))
    answers = await stored_answers(assistant.db)
    assert {answers["opportunity_discovery"], answers["technical_discovery"]} == {True, False}


async def test_a_new_process_resumes_at_the_same_question(settings, database_url) -> None:  # type: ignore[no-untyped-def]
    first = await Assistant.start(settings)
    chat = Chat(first)
    for answer in ("qualify", "Acme", "yes", "yes"):
        await chat.say(answer)
    await first.close()

    second = await Assistant.start(settings)
    try:
        again = Chat(second)
        await again.open()
        assert "Welcome back — we were in the middle of Qualify an opportunity." in again.text
        assert again.question is not None and "How many people" in again.question.text
        await again.say("1200")
        assert await stored_answers(second.db) == {
            "customer": "Acme",
            "opportunity_discovery": True,
            "technical_discovery": True,
            "addressable_users": 1200,
        }
    finally:
        await second.close()
