"""Findings through Teams' real /api/messages: ``summary`` mentioned in the engagement's
channel posts the findings as Adaptive Cards (each activity within Teams' size limit,
user text in TextRuns that Teams never reads as markup), ``readout`` posts the readout."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from adapters.teams.render import MAX_ACTIVITY_BYTES, utf16_size
from storage import repositories as repo
from tests.findings_seed import DANA, HOSTILE, SAM, seed_finished, step
from tests.teams.conftest import TENANT, Served, card_text
from tests.teams.test_interviews import set_up_and_bind


async def seed(served: Served, people: dict[tuple[str, str], dict]) -> None:  # type: ignore[type-arg]
    def write(session: Session) -> None:
        engagement = repo.find_engagement(session, f"teams:{TENANT}", "Acme VSA")
        assert engagement is not None
        for who, answers in people.items():
            seed_finished(session, engagement, "idea_to_production", who, answers)

    await served.assistant.db.run(write)


async def test_summary_and_readout_in_a_teams_channel(served: Served) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await seed(served, {("29:1dana", "Dana"): DANA, ("29:1sam", "Sam"): SAM})
    await in_channel.say("summary")
    await served.settle()
    said = in_channel.new_text()
    assert "Map your Idea to Production workflow — findings" in said
    assert "Participant 1: 3 days · Participant 2: 2 weeks" in said  # numbered in a channel
    assert "Dana" not in said
    assert "Nearest cluster across the four keys: medium" in said
    # User text travels in TextRuns (shown as typed, never parsed); FactSet values, which
    # Teams reads as Markdown, carry none of it unescaped.
    assert HOSTILE in said
    for call in in_channel.delivered():
        facts = json.dumps(
            [n for n in (call.card or {}).get("body", []) if n.get("type") == "FactSet"]
        )
        assert "*bold*" not in facts

    many = {
        (f"29:1p{n}", f"Person {n}"): {
            "steps": [
                step(f"Step {i}", 60, 1440 * (n % 4 + 1), 60 + i, pain=HOSTILE * 4)
                for i in range(15)
            ]
        }
        for n in range(30)
    }
    await seed(served, many)
    before = len(in_channel.delivered())
    await in_channel.say("summary")
    await served.settle()
    new = in_channel.delivered()[before:]
    assert len(new) >= 3
    for call in new:
        # Teams' limit counts the message without its base64 images (the map is one).
        assert utf16_size(without_inline_images(call.body)) <= MAX_ACTIVITY_BYTES
    assert any(without_inline_images(c.body) != c.body for c in new)  # the map came too

    await in_channel.say("readout")
    await served.settle()
    text = in_channel.new_text()
    assert "The stakeholder readout for Acme VSA" in text
    assert "# Acme VSA — stakeholder readout" in text
    assert "\\<script\\>" in text and "<script>" not in text.replace(HOSTILE, "")
    assert any(card_text(c.card or {}) for c in in_channel.delivered())


def without_inline_images(body: Any) -> Any:
    """The activity with each inline image's data URL emptied."""
    attachments = [
        {**a, "contentUrl": ""} if str(a.get("contentUrl", "")).startswith("data:") else a
        for a in body.get("attachments") or []
    ]
    return {**body, "attachments": attachments} if attachments else body
