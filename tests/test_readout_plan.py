"""The stakeholder readout of a planned assessment: the plan with its dates, as a
document read on other days, and nothing of our follow-up — who hasn't done their
interview, their email, chat commands — which `status` keeps showing the SA."""

from __future__ import annotations

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from tests.chat import Chat
from tests.test_commitment import COMMIT, QUALIFIED, clocked  # noqa: F401 (fixture)


async def test_the_readout_shows_the_plan_not_who_is_behind(
    clocked: tuple[Assistant, FixedClock],  # noqa: F811
) -> None:
    assistant, _clock = clocked
    dana, lee = Chat(assistant, "dana"), Chat(assistant, "lee")
    await dana.say("hi")
    await lee.say("hi")
    sa = Chat(assistant, "sa")
    await sa.play(QUALIFIED)
    await sa.click("commitment")
    for answer in COMMIT:
        await sa.say(answer)
    await sa.say("yes")  # invite them now

    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    text = document.content.decode()
    assert "| Facilitated session | Tue 08 Dec 2026 |" in text
    assert "| Readout | Tue 22 Dec 2026 |" in text
    assert "in 7 days" not in text and "days ago" not in text
    for ours in ("dana", "Sam Outsider", "sam@acme", "not started", "not invited", "Scheduled"):
        assert ours not in text, ours
    assert "No interview has finished yet" in text
    assert "say status" not in text and "Invite people with" not in text
    assert "None yet: they come from the finished interviews" in text

    await sa.say("status")  # the SA's own view still chases
    assert "Scheduled, not finished yet" in sa.text and "Sam Outsider" in sa.text
    assert "(in 7 days)" in sa.text
