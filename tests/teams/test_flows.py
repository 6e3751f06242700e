"""Teams users run the same dialogs as everyone else, through the real /api/messages."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from storage.models import ConversationReference, DialogRun
from tests.scenario import (
    NOT_QUALIFIED,
    NOT_QUALIFIED_ANSWERS,
    NOT_QUALIFIED_HEADLINE,
    QUALIFIED,
    QUALIFIED_ANSWERS,
    QUALIFIED_HEADLINE,
    Type,
    latest_result,
    stored_answers,
)
from tests.teams.conftest import CHANNEL, TENANT, Served, TeamsUser, card_text


async def test_full_qualification_in_a_personal_chat(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dana = TeamsUser(served)
    await dana.play(QUALIFIED)
    # Answers are never logged, not even at DEBUG, by us or by the Bot Framework SDK.
    # (aiosqlite logs SQL parameters at DEBUG: keep it above DEBUG in production.)
    ours = ("adapters", "assistant", "storage", "botbuilder", "botframework", "msrest", "aiohttp")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(ours))
    assert "Acme <!channel>" not in logged and "Dana Scully, VP" not in logged

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
    result = await latest_result(served.assistant.db)
    assert result, "the run stored no verdict"
    assert f"{QUALIFIED_HEADLINE}: Acme <!channel> & <@U999> Corp" in dana.text()
    # Every clicked question was updated in place to show the answer (no stale buttons).
    updates = served.connector.updates()
    assert len(updates) >= sum(1 for step in QUALIFIED if type(step).__name__ == "Click")
    for update in updates:
        assert update.card is not None
        assert "actions" not in update.card
    # Everything went through the fake, nothing failed.
    assert all(call.ok for call in served.connector.calls)

    run = await served.assistant.db.run(lambda session: session.scalar(select(DialogRun)))
    assert run is not None and run.tenant.endswith(TENANT)


async def test_not_qualified_by_mention_in_a_channel_thread(served: Served) -> None:
    thread = f"{CHANNEL};messageid=1763890260456"
    dana = TeamsUser(served, conversation_id=thread, channel=True)
    await dana.play(NOT_QUALIFIED)

    assert await stored_answers(served.assistant.db) == NOT_QUALIFIED_ANSWERS
    assert NOT_QUALIFIED_HEADLINE in dana.text()
    # Replies went to the thread, and the thread and its channel are remembered.
    assert {c.conversation_id for c in served.connector.delivered()} == {thread}
    refs = await served.assistant.db.run(
        lambda session: session.scalars(select(ConversationReference)).all()
    )
    assert any(r.channel == CHANNEL and r.thread == "1763890260456" for r in refs)
    assert all(r.data["serviceUrl"] == served.connector.url for r in refs)


async def test_a_multiple_choice_sent_with_nothing_ticked_gets_an_answer(served: Served) -> None:
    dana = TeamsUser(served)
    at = QUALIFIED.index(Type("1, 3"))
    await dana.play(QUALIFIED[:at])
    asked = dana.delivered()[-1]
    assert asked.card is not None
    (submit,) = [a for a in asked.card["actions"] if a["type"] == "Action.Submit"]
    before = len(dana.cards())

    # A client that does not enforce isRequired sends the card with no value at all.
    assert await served.activity(dana.submit(dict(submit["data"]), asked.body.get("id"))) == 202

    reply = "\n".join(card_text(card) for card in dana.cards()[before:])
    assert "Nothing was picked. Choose at least one option" in reply
    assert "Which ones?" in reply  # asked again, to tick this time
    await dana.play(QUALIFIED[at:])
    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
