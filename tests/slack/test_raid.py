"""The RAID log through Slack's real endpoints: logged from the engagement's channel (the
dialog goes to the DM), listed in the channel, and its internal items never posted in a
Slack Connect channel — checked when posting, so a channel shared after the command is
refused too; the internal part goes to whoever asked, privately."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.slack.testing import FakeSlack, Reply, markup_texts, shown
from assistant.clock import FixedClock
from tests.slack.conftest import Served, SlackUser, serve, slack_settings
from tests.slack.test_interviews import CHANNEL, set_up_and_bind

HOSTILE = "<!channel> *urgent* <b>x</b> [click](https://evil.example)"
WITHHELD = (
    "I didn't post something internal here because this conversation is shared with "
    "another organisation; I sent it privately to"
)


async def log_items(sa: SlackUser) -> None:
    """A risk (hostile title) and an internal issue, logged from the channel."""
    await sa.command("raid add risk", from_channel=CHANNEL)
    [note] = [c.body for c in sa.served.fake.of("chat.postEphemeral")]
    assert note["channel"] == CHANNEL and "I've sent you a direct message" in note["text"]
    assert "A short title for it?" in sa.posts()[-1]["text"]
    for answer in (HOSTILE, "skip", "me"):
        await sa.say(answer)
    await sa.click("high")
    await sa.click("medium")
    for answer in ("Ask the platform team", "skip", "no"):
        await sa.say(answer)
    assert "Logged risk #1 in Acme VSA's RAID log" in sa.posts()[-2]["text"]
    await sa.command("raid add issue", from_channel=CHANNEL)
    for answer in ("Our margin is thin", "skip", "me"):
        await sa.say(answer)
    await sa.click("medium")
    for answer in ("skip", "skip", "yes"):
        await sa.say(answer)
    assert "Logged issue #2" in sa.posts()[-2]["text"]


def channel_posts(served: Served) -> list[str]:
    return [
        json.dumps(p.get("blocks")) + "\n" + str(p.get("text")) for p in served.fake.posts(CHANNEL)
    ]


async def test_an_internal_listing_is_withheld_in_a_slack_connect_channel(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await log_items(sa)

    # Not shared: the listing and its internal part are posted in the channel.
    before = len(channel_posts(served))
    await sa.command("raid", from_channel=CHANNEL)
    listing, internal = channel_posts(served)[before:]
    assert "Risks" in listing and "margin" not in listing
    assert "Internal — our side only" in internal and "Our margin is thin" in internal
    # Hostile text is text: no ping, no link, no markup of the customer's.
    markup = "\n".join(markup_texts([*served.fake.posts(CHANNEL), *sa.posts()]))
    assert "<!channel>" not in markup and "<b>" not in markup
    assert HOSTILE in shown(served.fake.posts(CHANNEL)[before])
    checks = served.fake.of("conversations.info")
    assert [c.body["channel"] for c in checks][-1] == CHANNEL

    # Shared with another organisation (Slack Connect): the shared part is posted, the
    # internal part is not, the channel is told why in one sentence, and the one who
    # asked gets it in their DM.
    served.fake.ext_shared.add(CHANNEL)
    before = len(channel_posts(served))
    dm_before = len(sa.posts())
    await sa.command("raid", from_channel=CHANNEL)
    listing, notice = channel_posts(served)[before:]
    assert "Risks" in listing and "margin" not in listing
    assert WITHHELD in notice and "margin" not in notice and "Internal" not in notice
    [private] = sa.posts()[dm_before:]
    assert "Sent to you privately" in private["text"] and "Our margin is thin" in private["text"]

    # An invitation to share it pending counts as shared; so does showing one item.
    served.fake.ext_shared.clear()
    served.fake.pending_ext_shared.add(CHANNEL)
    before = len(channel_posts(served))
    await sa.command("raid show 2", from_channel=CHANNEL)
    [notice] = channel_posts(served)[before:]
    assert WITHHELD in notice and "margin" not in notice
    assert "#2 Issue: Our margin is thin" in sa.posts()[-1]["text"]
    assert all("Our margin is thin" not in p for p in channel_posts(served)[-3:])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
async def clocked(database_url: str, fake: FakeSlack, clock: FixedClock) -> AsyncIterator[Served]:
    assistant, client = await serve(slack_settings(database_url, fake), fake, clock)
    try:
        yield Served(assistant, client, fake)
    finally:
        await client.close()
        await assistant.close()


async def test_a_channel_shared_after_the_command_is_refused_when_posting(
    clocked: Served, clock: FixedClock
) -> None:
    served = clocked
    sa = await set_up_and_bind(served)
    await log_items(sa)

    await sa.command("raid", from_channel=CHANNEL)
    assert "Our margin is thin" in channel_posts(served)[-1]  # ours alone: posted

    # The command is typed while the channel is ours alone; Slack asks us to wait
    # before its first post, and meanwhile the channel is shared (Slack Connect).
    served.fake.script("chat.postMessage", Reply.rate_limited(30))
    before = len(channel_posts(served))
    await sa.command("raid", from_channel=CHANNEL)
    assert channel_posts(served)[before:] == []
    served.fake.ext_shared.add(CHANNEL)
    dm_before = len(sa.posts())

    clock.advance(seconds=31)
    await served.assistant.dispatcher.deliver()
    await served.settle()
    listing, notice = channel_posts(served)[before:]
    assert "Risks" in listing and "margin" not in listing
    assert WITHHELD in notice and "margin" not in notice
    [private] = sa.posts()[dm_before:]
    assert "Our margin is thin" in private["text"]
