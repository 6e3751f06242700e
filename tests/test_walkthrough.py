"""What a walk through the assistant as its users found: an SA qualifying and planning
an assessment, customer engineers answering interviews, a PM running a delivery
engagement. Each test is a finding that a user would have stumbled on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.settings import Settings
from tests.chat import Chat
from tests.scenario import stored_answers

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    clock = FixedClock(TUESDAY)
    assistant = await Assistant.start(settings, clock=clock)
    yield assistant, clock
    await assistant.close()


async def test_a_text_answer_that_starts_with_change_is_an_answer(assistant: Assistant) -> None:
    """A step called "Change approval and deploy" (the CAB) is an answer, not a request to
    edit a question called "approval and deploy"; "change customer" still edits."""
    chat = Chat(assistant, "sa")
    await chat.say("qualify")
    await chat.say("Change Advisory Board Ltd")
    assert (await stored_answers(assistant.db))["customer"] == "Change Advisory Board Ltd"
    assert chat.question is not None and "opportunity discovery" in chat.question.text
    await chat.say("change customer")
    assert "Your answer was: Change Advisory Board Ltd" in chat.text
    await chat.say("edit Acme")  # the question asked again takes free text too
    assert (await stored_answers(assistant.db))["customer"] == "edit Acme"
