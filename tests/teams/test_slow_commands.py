"""Long work shows progress in Teams: ``summary`` and ``readout`` read every finished
interview and draw the maps, seconds of work, so the bot is seen typing in the
conversation before the findings arrive. A command that answers quickly shows none."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from adapters.teams.testing import Call, Reply
from storage import repositories as repo
from tests.findings_seed import DANA, seed_finished
from tests.teams.conftest import TENANT, Served
from tests.teams.test_interviews import set_up_and_bind


def typing_activity(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == "typing"


def is_typing(call: Call) -> bool:
    return typing_activity(call.body)


def typing(served: Served) -> list[Call]:
    return [c for c in served.connector.calls if is_typing(c)]


async def seed(served: Served) -> None:
    def write(session: Session) -> None:
        engagement = repo.find_engagement(session, f"teams:{TENANT}", "Acme VSA")
        assert engagement is not None
        seed_finished(session, engagement, "idea_to_production", ("29:1dana", "Dana"), DANA)

    await served.assistant.db.run(write)


async def test_the_bot_is_seen_typing_before_the_findings(served: Served) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await seed(served)
    assert typing(served) == []  # setting up and binding were all quick
    calls = len(served.connector.calls)

    await in_channel.say("summary")
    new = served.connector.calls[calls:]
    [shown] = [c for c in new if is_typing(c)]
    # In the thread the summary was asked in, as a reply to it, before the findings.
    assert shown.conversation_id == in_channel.conversation_id and shown.ok
    cards = [i for i, c in enumerate(new) if c.card is not None]
    assert cards and new.index(shown) < cards[0]
    assert "Map your Idea to Production workflow — findings" in in_channel.new_text()

    await in_channel.say("readout")
    assert len(typing(served)) == 2
    assert "The stakeholder readout for Acme VSA" in in_channel.new_text()


async def test_a_quick_command_shows_no_typing(served: Served) -> None:
    sa, in_channel = await set_up_and_bind(served)
    await in_channel.say("status")
    await sa.say("help")
    assert typing(served) == []
    assert in_channel.new_text() and sa.new_text()  # each was answered


async def test_typing_that_fails_to_show_loses_nothing(served: Served) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await seed(served)
    served.connector.script(Reply(502, {"error": {"code": "ServiceError"}}, when=typing_activity))
    status = await in_channel.say("summary")
    assert status == 202
    assert served.connector.scripted == 0  # the typing indicator was refused ...
    assert "Map your Idea to Production workflow — findings" in in_channel.new_text()  # ... still
