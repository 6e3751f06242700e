"""Flow items through Teams' real /api/messages: recorded and moved in the engagement's
channel, their metrics in `summary`; a hostile title is shown as typed, never read as
Markdown."""

from __future__ import annotations

from tests.teams.conftest import Served
from tests.teams.test_interviews import set_up_and_bind
from tests.teams.test_retros import markdown_read

HOSTILE = "**bold** [click](https://evil.example) <b>html</b> # heading"


async def test_flow_items_in_the_channel_and_their_metrics_in_the_summary(
    served: Served,
) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await in_channel.say(f"flow add risk {HOSTILE}")
    assert "Recorded risk #1" in in_channel.new_text()
    await in_channel.say("flow start 1")
    await in_channel.say("flow add debt Old build scripts")
    await in_channel.say("flow done 2")
    await in_channel.say("summary")
    said = in_channel.new_text()
    assert "Flow metrics" in said and "1 in progress now (1 active, 0 waiting)" in said
    assert HOSTILE in said  # shown as typed, in text runs
    read = markdown_read(in_channel.cards())
    assert "<b>" not in read and "](https://evil" not in read and "**bold" not in read
