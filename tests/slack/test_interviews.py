"""Interviews through Slack's real endpoints: an SA binds a channel to an engagement and
invites people by mention; each gets a DM, answers at their own pace (pausing and
resuming), the channel follows progress, and a person Slack refuses is reported."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.slack.testing import Call, find_control
from storage.models import Answer
from tests.scenario import DELIVERY_PLAN
from tests.slack.conftest import Served, SlackUser

CHANNEL = "C0100"  # the engagement's channel
INVITE = "interview idea-to-production <@U0002> <@U0003>"


def refuse_to_open(user: str, error: str) -> Any:
    """A conversations.open handler: Slack refuses a DM with ``user`` (a permanent error)."""

    def handler(call: Call) -> dict[str, Any]:
        if call.body.get("users") == user:
            return {"ok": False, "error": error}
        return {"ok": True, "channel": {"id": f"D{str(call.body.get('users'))[1:]}"}}

    return handler


def channel_text(served: Served, channel: str = CHANNEL) -> str:
    return "\n".join(str(p.get("text")) for p in served.fake.posts(channel))


async def set_up_and_bind(served: Served) -> SlackUser:
    sa = SlackUser(served)
    await sa.say("new engagement")
    for answer in ("Acme", "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    for answer in DELIVERY_PLAN:
        await sa.say(answer)
    assert "Engagement set up" in sa.text()
    await sa.command("bind Acme VSA", from_channel=CHANNEL)
    assert "This channel is now Acme VSA's" in channel_text(served)
    return sa


async def test_invitees_get_a_dm_answer_pause_resume_and_the_channel_follows(
    served: Served,
) -> None:
    sa = await set_up_and_bind(served)
    await sa.command(INVITE, from_channel=CHANNEL)

    # Each invitee's DM is opened, then the invitation is posted there with a Start button.
    calls = served.fake.calls
    opened = [c.body["users"] for c in served.fake.of("conversations.open")]
    assert sorted(opened) == ["U0002", "U0003"]  # each DM delivers on its own
    for user in ("U0002", "U0003"):
        dm = f"D{user[1:]}"
        opening = next(i for i, c in enumerate(calls) if c.body.get("users") == user)
        first_post = next(i for i, c in enumerate(calls) if c.body.get("channel") == dm)
        assert opening < first_post
        [invitation] = served.fake.posts(dm)
        assert "invited you to a short interview for Acme VSA (Acme)" in invitation["text"]
        assert "Map your Idea to Production workflow" in invitation["text"]
        start = find_control(invitation, "start")
        assert start is not None and start[1]["text"]["text"] == "Start"
    # The SA is told who was invited, where they typed the command.
    assert (
        "Invited person-u0002 and person-u0003 to Map your Idea to Production workflow for Acme VSA"
        in channel_text(served)
    )

    # One invitee starts from the button in their DM, answers, pauses and resumes.
    dana = SlackUser(served, user="U0002", channel="D0002")
    await dana.click("start")
    assert "Which feature or change will you walk through?" in dana.text()
    await dana.say("The login page redesign")
    await dana.say("A product manager writes a ticket")
    await dana.say("It is switched on for everyone")
    asked = dana.posts()[-1]["text"]
    assert "Roughly how long did that feature take" in asked
    await dana.say("pause")
    assert "Paused Map your Idea to Production workflow" in dana.posts()[-1]["text"]
    await dana.say("resume")
    resumed = dana.posts()[-1]["text"]
    assert "Welcome back" in resumed and asked in resumed
    await dana.say("4-8 weeks")
    assert "Which teams or groups were involved" in dana.posts()[-1]["text"]
    # An estimate given as a range is kept as one: low and high, in minutes.
    week = 7 * 24 * 60
    stored = await served.assistant.db.run(
        lambda session: session.scalar(select(Answer.value).where(Answer.path == "end_to_end_time"))
    )
    assert stored == {"low": 4 * week, "typical": None, "high": 8 * week}

    # /vsa status in the bound channel: both invitees, and where they are.
    await sa.command("status", from_channel=CHANNEL)
    status = served.fake.posts(CHANNEL)[-1]["text"]
    assert "Interviews — Acme VSA" in status and "0 of 2 finished" in status
    assert "person-u0002 — midway, at question 5 (Teams involved)" in status
    assert "person-u0003 — not started yet" in status

    # An invitee may not invite: refused, saying why.
    await dana.command("interview toolchain <@U0003>", from_channel=CHANNEL)
    refused = served.fake.posts(CHANNEL)[-1]["text"]
    assert "Only the owners of Acme VSA can use interview — you are a participant" in refused
    assert len(served.fake.of("conversations.open")) == 2  # nobody new was messaged


async def test_an_invitee_slack_refuses_is_reported_to_the_sa(served: Served) -> None:
    served.fake.handle("conversations.open", refuse_to_open("U0003", "user_disabled"))
    sa = await set_up_and_bind(served)
    await sa.command(INVITE, from_channel=CHANNEL)

    assert served.fake.posts("D0002"), "the reachable invitee got their invitation"
    assert not served.fake.posts("D0003")
    notice = sa.posts()[-1]["text"]
    assert "I couldn't message person-u0003: the platform refused" in notice
    assert "user_disabled" in notice

    await sa.command("status", from_channel=CHANNEL)
    status = served.fake.posts(CHANNEL)[-1]["text"]
    assert "person-u0003 — can't be reached by me" in status
    assert "person-u0002 — not started yet" in status
