"""Education and commitment through Slack's real endpoints: after a qualification in
the DM, the SA presents (the pitch deck a link), names the participants by mention,
plans the assessment and invites them; each gets their interview in a DM, and /vsa
status in the assessment's channel shows the plan."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.testing import FakeSlack, find_control, message_body, rich_elements
from tests.scenario import QUALIFIED, Type
from tests.slack.conftest import Served, SlackUser, serve, slack_settings

CHANNEL = "C0200"
DECK = "https://decks.example.com/vsa"


@pytest.fixture
async def with_deck(database_url: str, fake: FakeSlack) -> AsyncIterator[Served]:
    assistant, client = await serve(slack_settings(database_url, fake, PITCH_DECK_URL=DECK), fake)
    try:
        yield Served(assistant, client, fake)
    finally:
        await client.close()
        await assistant.close()


async def mention_answer(served: Served, sa: SlackUser, user: str) -> None:
    """An answer that is a mention, as Slack sends it (unescaped ``<@U…>``)."""
    await served.event(message_body(f"<@{user}>", user=sa.user, channel=sa.channel, team=sa.team))
    await served.settle()


async def test_educate_commit_invite_and_follow_the_plan_in_slack(with_deck: Served) -> None:
    served = with_deck
    sa = SlackUser(served)
    await sa.play([QUALIFIED[0], Type("Acme"), *QUALIFIED[2:]])
    await sa.click("commitment")

    opening = rich_elements(sa.posts()[-1]["blocks"])
    assert {"type": "link", "url": DECK, "text": "open the pitch deck"} in opening
    assert "Which of these did you present to the customer?" in sa.posts()[-1]["text"]

    for answer in (
        "1, 2, 3, 4, 5, 6, 7, 8",
        "Who sees our answers? <!channel>",
        "Dana Scully (VP Engineering)",
        "1, 3",
        "interviews",
    ):
        await sa.say(answer)
    await mention_answer(served, sa, "U0002")
    await sa.click("idea_to_production")
    await sa.say("skip")
    await sa.say("2030-01-29")
    await sa.say("yes")
    await mention_answer(served, sa, "U0003")
    await sa.click("toolchain")
    await sa.say("skip")
    await sa.say("2030-01-30")
    await sa.say("no")
    for answer in ("3 weeks", "all", "2030-02-20"):
        await sa.say(answer)
    assert "Invite the participants" in sa.posts()[-1]["text"]
    await sa.click("yes")

    summary = "\n".join(str(p.get("text")) for p in sa.posts()[-4:])
    assert "Value stream assessment planned: Acme value stream assessment" in summary
    # What the customer typed is shown, never a ping.
    assert "&lt;!channel&gt;" in summary and "<!channel>" not in summary
    assert "Invited person-u0002 to Map your Idea to Production workflow" in summary
    assert "Invited person-u0003 to Map your Toolchain Upgrading" in summary
    for dm, title in (("D0002", "Idea to Production"), ("D0003", "Toolchain Upgrading")):
        [invitation] = served.fake.posts(dm)
        assert (
            "invited you to a short interview for Acme value stream assessment"
            in (invitation["text"])
        )
        assert title in invitation["text"] and find_control(invitation, "start") is not None

    await sa.command("bind Acme value stream assessment", from_channel=CHANNEL)
    await sa.command("status", from_channel=CHANNEL)
    status = served.fake.posts(CHANNEL)[-1]["text"]
    assert "Qualification: Qualified" in status
    assert "Readout" in status and "20 Feb 2030" in status
    assert "person-u0002" in status and "Idea to Production, interview by" in status
    assert "not started yet" in status
