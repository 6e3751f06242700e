"""Flow items through Slack's real endpoints: `/vsa flow add` and `flow start|wait|done`
in the engagement's channel, `/vsa flow` and `/vsa summary` there; a title with
`<!channel>` pings nobody."""

from __future__ import annotations

from tests.slack.conftest import Served
from tests.slack.test_interviews import CHANNEL, channel_text, set_up_and_bind
from tests.slack.test_retros import channel_mrkdwn

HOSTILE = "<!channel> *bold* <https://evil.example|click> <b>html</b>"


async def test_flow_items_in_the_channel_and_their_metrics_in_the_summary(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await sa.command(f"flow add defect {HOSTILE}", from_channel=CHANNEL)
    await sa.command("flow add feature Login page", from_channel=CHANNEL)
    await sa.command("flow start 1", from_channel=CHANNEL)
    await sa.command("flow start 2", from_channel=CHANNEL)
    await sa.command("flow wait 1", from_channel=CHANNEL)
    await sa.command("flow done 2", from_channel=CHANNEL)
    await sa.command("flow", from_channel=CHANNEL)
    await sa.command("summary", from_channel=CHANNEL)
    posted = channel_text(served)
    assert "Recorded defect #1" in posted and "— waiting for" in posted
    assert "Flow metrics" in posted and "Flow load" in posted
    assert "1 in progress now (0 active, 1 waiting)" in posted
    shown = channel_mrkdwn(served)
    # Slack hands a typed <!channel> over as a mention; it comes back as text.
    assert "<!channel>" not in shown and "@channel" in shown
    assert "— defect, waiting" in shown.split("Flow metrics", 1)[1]
    assert "<https://evil.example" not in shown and "<b>" not in shown
