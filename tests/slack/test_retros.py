"""Retrospectives through Slack's real endpoints: `/vsa retro` in the engagement's
channel, items in each member's DM, votes with buttons (answered privately), actions
whose owners hear in their DM, the recap as a Markdown file, the next retro reviewing
the actions first; and a customer's `<!channel>` in an item pings nobody."""

from __future__ import annotations

from adapters.slack.testing import find_control, markup_texts
from tests.slack.conftest import Served, SlackUser
from tests.slack.test_interviews import CHANNEL, channel_text, set_up_and_bind
from tests.test_retros import every_row, give_items

HOSTILE = "<!channel> *bold* <https://evil.example|click> <b>html</b>"


def channel_mrkdwn(served: Served) -> str:
    """Everything Slack reads as markup in the channel's posts (rich_text and plain_text,
    as on buttons, are shown as given)."""
    return "\n".join(markup_texts(served.fake.posts(CHANNEL)))


async def test_a_customer_retro_from_private_items_to_votes_to_actions_and_the_next_retro(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await sa.command("retro customer <@U0002> <@U0003>", from_channel=CHANNEL)
    assert "started a customer retrospective of Acme VSA" in channel_text(served)
    dana = SlackUser(served, user="U0002", channel="D0002")
    lee = SlackUser(served, user="U0003", channel="D0003")
    [invitation] = dana.posts()
    assert "started a customer retrospective of" in invitation["text"]
    assert find_control(invitation, "start") is not None

    await give_items(dana, ["Pairing on the API"], ["Flaky staging", "Late requirements"], [])
    assert "Your 3 items" in dana.posts()[-1]["text"]
    await give_items(lee, [HOSTILE], [], ["Mob on bugs"])
    await give_items(sa, [], ["Too many meetings"], [])
    assert "Everyone has sent their items" in sa.posts()[-1]["text"]

    await sa.command("retro close", from_channel=CHANNEL)
    posted = channel_text(served)
    for heading in ("What went well", "What did not go well", "What to try next"):
        assert heading in posted
    # The hostile item: shown as typed, pinging nobody, linking nowhere.
    shown = channel_mrkdwn(served)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<https://evil.example" not in shown and "<b>" not in shown

    # Votes with buttons in the channel; each voter is answered privately.
    dana_here = SlackUser(served, user="U0002", channel=CHANNEL)
    lee_here = SlackUser(served, user="U0003", channel=CHANNEL)
    numbered = {"Pairing on the API": 2, "Flaky staging": 3, "Late requirements": 4}
    await dana_here.click(f"item-{numbered['Flaky staging']}")
    await lee_here.click(f"item-{numbered['Flaky staging']}")
    await lee_here.click(f"item-{numbered['Late requirements']}")
    await lee_here.click(f"item-{numbered['Late requirements']}")  # changed his mind
    await lee_here.click(f"item-{numbered['Pairing on the API']}")
    ephemeral = served.fake.of("chat.postEphemeral")
    assert ephemeral[-1].body["user"] == "U0003"
    assert "Your votes (2 of 3)" in ephemeral[-1].body["text"]
    await sa.command("retro vote close", from_channel=CHANNEL)
    result = served.fake.posts(CHANNEL)[-1]["text"]
    assert result.index("Flaky staging") < result.index("Pairing on the API")
    assert "2 votes" in result

    # An action with an owner and a due date: the owner hears in their DM.
    await sa.command(
        "retro action 3 Fix staging monitoring <@U0002> by 2027-01-15", from_channel=CHANNEL
    )
    assert (
        "Action: Fix staging monitoring — person-u0002, due Fri 15 Jan 2027"
        in (served.fake.posts(CHANNEL)[-1]["text"])
    )
    assert "You own an action from the retrospective of Acme VSA" in dana.posts()[-1]["text"]
    await sa.command("retro finish", from_channel=CHANNEL)
    assert "Recap — customer retrospective of Acme VSA" in channel_text(served)
    [upload] = served.fake.uploads.values()
    assert b"Fix staging monitoring" in upload and b"<!channel>" not in upload

    # The next retro reviews the open action first, with buttons; then invites.
    await sa.command("retro customer <@U0002>", from_channel=CHANNEL)
    assert "reviews the open actions of the last one" in channel_text(served)
    invitations_before = len(dana.posts())
    await dana_here.click("carry-1")
    assert "Only person-u0001" in served.fake.of("chat.postEphemeral")[-1].body["text"]
    sa_here = SlackUser(served, user="U0001", channel=CHANNEL)
    await sa_here.click("carry-1")
    assert "Fix staging monitoring: Carry over (decided by" in channel_text(served)
    assert len(dana.posts()) == invitations_before + 1
    assert "started a customer retrospective" in dana.posts()[-1]["text"]


async def test_an_anonymous_retro_on_slack_stores_nothing_that_names_the_author(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await sa.command("retro internal anonymous <@U0002> <@U0003>", from_channel=CHANNEL)
    dana = SlackUser(served, user="U0002", channel="D0002")
    lee = SlackUser(served, user="U0003", channel="D0003")
    await give_items(dana, ["Secret-well-dana"], ["Secret-bad-dana"], [])
    await lee.click("start")
    await lee.say("Secret-well-lee")  # then collection closes under him
    await sa.command("retro close", from_channel=CHANNEL)
    posted = channel_text(served)
    assert "Secret-well-dana" in posted and "Secret-well-lee" in posted

    rows = await served.assistant.db.run(every_row)
    holding = {table for table, row in rows if "Secret-" in row}
    assert holding <= {"retro_items", "outbox"}
    for table, row in rows:
        if table == "outbox" and "Secret-" in row:
            assert CHANNEL in row and "D0002" not in row and "U0002" not in row


async def test_the_end_of_project_retro_on_slack_warns_about_the_pm_and_recaps(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await sa.command("retro end-of-project <@U0002> <@U0003>", from_channel=CHANNEL)
    assert "Who facilitates the end-of-project retrospective" in channel_text(served)
    await sa.command("retro facilitator <@U0001>", from_channel=CHANNEL)
    assert "is the project's own PM" in served.fake.posts(CHANNEL)[-1]["text"]
    assert not served.fake.posts("D0002")  # nobody invited yet
    await sa.command("retro facilitator <@U0009>", from_channel=CHANNEL)
    assert "started an end-of-project retrospective" in served.fake.posts("D0002")[-1]["text"]
    dana = SlackUser(served, user="U0002", channel="D0002")
    await give_items(dana, ["Great rapport"], ["Scope creep"], [])
    facilitator = SlackUser(served, user="U0009", channel="D0009")
    await facilitator.command("retro close", from_channel=CHANNEL)
    await facilitator.command("retro vote close", from_channel=CHANNEL)
    await facilitator.command(
        "retro action 2 Fixed-scope SOW <@U0003> by 2027-01-31", from_channel=CHANNEL
    )
    await facilitator.command("retro finish", from_channel=CHANNEL)
    recap = served.fake.posts(CHANNEL)[-1]["text"]
    assert "Recap — end-of-project retrospective of Acme VSA" in recap
    assert "Great rapport" in recap and "Fixed-scope SOW — person-u0003" in recap
    [upload] = served.fake.uploads.values()
    assert upload.startswith(b"## Recap") and b"## Actions" in upload
