"""Two processes' clocks never agree exactly: work recorded by one whose clock runs a
few minutes ahead still shows in the other's summary and readout (it read "0 min"
instead of failing the whole summary on a negative age)."""

from __future__ import annotations

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from tests.chat import Chat
from tests.test_raid import set_up_engagement


async def test_an_item_started_by_a_clock_ahead_of_ours_still_shows(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    clock.advance(minutes=5)  # the other process, ahead
    await sa.say("flow add feature Login page")
    await sa.say("flow start 1")
    clock.advance(minutes=-5)  # this one, behind
    await sa.say("summary")
    assert "Login page — feature, active (0 min since started)" in sa.text, sa.text
    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    assert "Login page" in document.content.decode()
