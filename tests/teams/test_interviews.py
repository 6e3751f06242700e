"""Interviews through Teams' real /api/messages: an SA binds a channel to an engagement
by mentioning the bot there and invites people by mention; each gets a new personal
chat, answers at their own pace (pausing and resuming), the channel follows progress,
and a person Teams refuses is reported."""

from __future__ import annotations

from adapters.teams.testing import Call, Reply
from tests.scenario import DELIVERY_PLAN
from tests.teams.conftest import CHANNEL, Served, TeamsUser, card_text

LEE = ("29:1Lee-Adama-teams-user-id", "Lee Adama")
SAM = ("29:1Sam-Carter-teams-user-id", "Sam Carter")
# A new post in the channel mentioning the bot: Teams sends it as the root of a thread.
THREAD = f"{CHANNEL};messageid=1763890260456"
INVITE = "interview idea-to-production <at>Lee Adama</at> <at>Sam Carter</at>"


async def set_up_and_bind(served: Served) -> tuple[TeamsUser, TeamsUser]:
    """The SA in their personal chat, and the SA in the engagement's channel."""
    sa = TeamsUser(served)
    await sa.say("new engagement")
    for answer in ("Acme", "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    for answer in DELIVERY_PLAN:
        await sa.say(answer)
    assert "Engagement set up" in sa.text()
    in_channel = TeamsUser(served, conversation_id=THREAD, channel=True)
    await in_channel.say("bind Acme VSA")
    assert "This channel is now Acme VSA's" in in_channel.new_text()
    return sa, in_channel


def chat_of(served: Served, user_id: str) -> str:
    """The personal chat the bot created with ``user_id`` (from what it posted there)."""
    [conversation] = {
        c.conversation_id
        for c in served.connector.delivered()
        if c.body.get("recipient", {}).get("id") == user_id
    }
    assert conversation is not None
    return conversation


def last_card(user: TeamsUser) -> str:
    return card_text(user.cards()[-1])


async def test_invitees_get_a_chat_answer_pause_resume_and_the_channel_follows(
    served: Served,
) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await in_channel.say(INVITE, mentioning=[LEE, SAM])

    # A personal chat is created with each invitee, then the invitation posted in it.
    created = [c for c in served.connector.calls if c.kind == "create"]
    assert sorted(c.body["members"][0]["id"] for c in created) == sorted([LEE[0], SAM[0]])
    invitees = {}
    for user_id, name in (LEE, SAM):
        conversation = chat_of(served, user_id)
        invitee = TeamsUser(served, user_id=user_id, name=name, conversation_id=conversation)
        [invitation] = invitee.cards()
        shown = card_text(invitation)
        assert "invited you to a short interview for" in shown and "Acme VSA" in shown
        assert "Start" in shown and "Not now" in shown
        invitees[name] = invitee
    assert all(c.ok for c in created)
    # The SA is told who was invited, in the thread they typed it in.
    told = in_channel.new_text()
    assert "Invited Lee Adama and Sam Carter to" in told and "Acme VSA" in told

    # Lee starts from the card, answers, pauses and resumes at the same question.
    lee = invitees["Lee Adama"]
    await lee.click("start")
    assert "Which feature or change will you walk through?" in last_card(lee)
    await lee.say("The login page redesign")
    await lee.say("A product manager writes a ticket")
    await lee.say("It is switched on for everyone")
    asked = last_card(lee)
    assert "Roughly how long did that feature take" in asked
    await lee.say("pause")
    assert "Paused" in lee.text()
    await lee.say("resume")
    resumed = last_card(lee)
    assert "Welcome back" in resumed and "Roughly how long did that feature take" in resumed
    await lee.say("1–2 months, usually 6 weeks")
    assert "Which teams or groups were involved" in last_card(lee)

    # status in the bound channel: both invitees, and where they are.
    await in_channel.say("status")
    status = in_channel.new_text()
    assert "0 of 2 finished" in status
    assert "Lee Adama — midway, at question 5 (Teams involved)" in status
    assert "Sam Carter — not started yet" in status

    # An invitee may not invite: refused, saying why.
    lee_in_channel = TeamsUser(
        served, user_id=LEE[0], name=LEE[1], conversation_id=THREAD, channel=True
    )
    await lee_in_channel.say("interview toolchain <at>Sam Carter</at>", mentioning=[SAM])
    refused = card_text(lee_in_channel.cards()[-1])
    assert "Only the owners of" in refused and "you are a participant" in refused
    assert len([c for c in served.connector.calls if c.kind == "create"]) == 2


async def test_an_invitee_teams_refuses_is_reported_to_the_sa(served: Served) -> None:
    forbidden = {"error": {"code": "Forbidden", "message": "The bot is not part of the roster"}}

    def creating_a_chat_with_sam(body: object) -> bool:
        return isinstance(body, dict) and body.get("members") == [{"id": SAM[0]}]

    served.connector.script(
        Reply(403, forbidden, kinds=frozenset({"create"}), when=creating_a_chat_with_sam)
    )
    sa, in_channel = await set_up_and_bind(served)
    await in_channel.say(INVITE, mentioning=[LEE, SAM])

    refused: list[Call] = [c for c in served.connector.calls if c.status == 403]
    assert len(refused) == 1 and refused[0].body["members"] == [{"id": SAM[0]}]
    assert chat_of(served, LEE[0])  # Lee was invited all the same
    notice = last_card(sa)
    assert "I couldn't message" in notice and "Sam Carter" in notice

    await in_channel.say("status")
    status = in_channel.new_text()
    assert "Sam Carter — can't be reached by me" in status
    assert "Lee Adama — not started yet" in status
