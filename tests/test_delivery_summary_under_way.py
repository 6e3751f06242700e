"""A delivery engagement whose interviews are under way, none finished yet: `summary`
says how many are under way beside its advice, so the SA doesn't think them lost."""

from __future__ import annotations

from assistant.app import Assistant
from assistant.clock import FixedClock
from tests.chat import Chat
from tests.test_interview_flow import set_up_engagement
from tests.test_summary_flow import start


async def test_interviews_under_way_are_said_beside_the_delivery_advice(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("summary")
    assert "Nothing to summarize for Acme VSA yet" in sa.text
    assert "under way" not in sa.text

    await sa.say("interview idea-to-production dana and sam")
    await start(Chat(assistant, "dana"))
    await sa.say("summary")
    assert "Nothing to summarize for Acme VSA yet" in sa.text
    assert "2 interviews still under way are not counted yet." in sa.text

    await sa.say("flow add feature Login page")
    await sa.say("summary")
    assert "Flow metrics" in sa.text
    assert "2 interviews still under way are not counted yet." in sa.text
