"""Education and commitment through Teams' real /api/messages: participants named by
mention in the SA's personal chat, invited to their interviews in new personal chats."""

from __future__ import annotations

from tests.scenario import QUALIFIED, Type
from tests.teams.conftest import Served, TeamsUser, card_text
from tests.teams.test_interviews import LEE, chat_of


async def test_educate_commit_and_invite_by_mention_in_teams(served: Served) -> None:
    sa = TeamsUser(served)
    await sa.play([QUALIFIED[0], Type("Globex"), *QUALIFIED[2:]])
    await sa.click("commitment")
    assert "Which of these did you present to the customer?" in sa.text()
    for answer in ("all", "skip", "Hank Scorpio (CEO)", "1", "interviews"):
        await sa.say(answer)
    await sa.say(f"<at>{LEE[1]}</at>", mentioning=[LEE])
    await sa.click("idea_to_production")
    await sa.say("skip")
    await sa.say("2030-03-01")
    await sa.say("no")
    for answer in ("2 weeks", "all", "2030-03-20"):
        await sa.say(answer)
    await sa.click("yes")

    said = sa.text()
    assert "Value stream assessment planned: Globex value stream assessment" in said
    assert "Lee Adama — Idea to Production, interview by 01 Mar 2030" in said
    assert "Invited Lee Adama to Map your Idea to Production workflow" in said
    invitation = [
        card_text(c.card)
        for c in served.connector.delivered()
        if c.conversation_id == chat_of(served, LEE[0]) and c.card
    ]
    assert any("invited you to a short interview for Globex" in text for text in invitation)
