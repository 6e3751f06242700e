"""People start a dialog the way they start the others: "new engagement" works, so
"new qualification" does too (it answered "I didn't catch that")."""

from __future__ import annotations

import pytest

from assistant.app import Assistant
from tests.chat import Chat


@pytest.mark.parametrize("typed", ["qualify", "new qualification", "start qualification"])
async def test_a_qualification_starts_by_its_usual_names(assistant: Assistant, typed: str) -> None:
    sa = Chat(assistant, "sa")
    await sa.say(typed)
    assert "Let's qualify an opportunity" in sa.text
    assert sa.question is not None and "Which customer" in sa.question.text
