"""Findings through Slack's real endpoints: ``/vsa summary`` in the engagement's channel
posts the findings (split to Block Kit's limits, hostile text escaped), ``/vsa readout``
uploads the readout with files.getUploadURLExternal + files.completeUploadExternal."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from adapters.slack.render import MAX_BLOCKS, MAX_SECTION_TEXT
from adapters.slack.testing import markup_texts, shown
from storage import repositories as repo
from tests.findings_seed import DANA, HOSTILE, SAM, seed_finished, step
from tests.slack.conftest import Served
from tests.slack.test_interviews import CHANNEL, set_up_and_bind


async def seed(served: Served, people: dict[tuple[str, str], dict]) -> None:  # type: ignore[type-arg]
    def write(session: Session) -> None:
        engagement = repo.find_engagement(session, "slack:T0001", "Acme VSA")
        assert engagement is not None
        for who, answers in people.items():
            seed_finished(session, engagement, "idea_to_production", who, answers)

    await served.assistant.db.run(write)


def all_text(post: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(post.get("blocks", []), ensure_ascii=False) + str(post.get("text"))


async def test_summary_in_the_channel_escapes_and_splits(served: Served) -> None:
    sa = await set_up_and_bind(served)
    await seed(served, {("U0002", "dana"): DANA, ("U0003", "sam"): SAM})
    bound = len(served.fake.posts(CHANNEL))
    await sa.command("summary", from_channel=CHANNEL)
    await served.settle()
    posts = served.fake.posts(CHANNEL)
    text = "\n".join(all_text(p) for p in posts[bound:])
    assert "Map your Idea to Production workflow — findings" in text
    # In a channel people are numbered, not named (more than the account team may read).
    assert "Participant 1: 3 days · Participant 2: 2 weeks" in text
    assert "dana" not in text and "sam:" not in text
    assert "DORA four keys — State of DevOps 2024 table" in text
    # Hostile text is shown as typed, never parsed: no channel ping, no markup.
    markup = "\n".join(markup_texts(posts[bound:]))
    assert "<!channel>" not in markup and "<script>" not in markup
    assert "<!channel>" in shown(posts[bound:])

    # Fifteen steps and many people: every post within Block Kit's limits.
    many = {
        (f"U1{n:03d}", f"person {n}"): {
            "steps": [
                step(f"Step {i}", 60 * (i + 1), 1440 * (n % 5 + 1), 50 + i, pain=HOSTILE * 3)
                for i in range(15)
            ]
        }
        for n in range(40)
    }
    await seed(served, many)
    before = len(posts)
    await sa.command("summary", from_channel=CHANNEL)
    await served.settle()
    new = served.fake.posts(CHANNEL)[before:]
    assert len(new) >= 2
    for post in new:
        assert len(post["blocks"]) <= MAX_BLOCKS
        for block in post["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
    assert "based on the finished interviews of 42 participant" in "".join(
        all_text(p) for p in new
    ).lower().replace("*", "")


async def test_readout_is_uploaded_as_a_file(served: Served) -> None:
    sa = await set_up_and_bind(served)
    await seed(served, {("U0002", "dana"): DANA})
    await sa.command("readout", from_channel=CHANNEL)
    await served.settle()
    # The document, then its value stream map beside it (drawn when posted).
    readout, picture = served.fake.of("files.getUploadURLExternal")
    assert readout.body["filename"] == "acme-vsa-readout.md"
    assert str(picture.body["filename"]).endswith(".png")
    completes = served.fake.of("files.completeUploadExternal")
    assert len(completes) == 2 and {c.body["channel_id"] for c in completes} == {CHANNEL}
    content, png = served.fake.uploads.values()
    assert png.startswith(b"\x89PNG")
    document = content.decode()
    assert "# Acme VSA — stakeholder readout" in document
    assert "<script>" not in document and "\\<script\\>" in document
    assert "The stakeholder readout for Acme VSA" in "".join(
        str(p.get("text")) for p in served.fake.posts(CHANNEL)
    )


async def test_a_participant_may_not_post_the_summary(served: Served) -> None:
    await set_up_and_bind(served)
    await seed(served, {("U0002", "dana"): DANA})
    from tests.slack.conftest import SlackUser

    dana = SlackUser(served, user="U0002", channel="D0002")
    await dana.command("summary", from_channel=CHANNEL)
    await served.settle()
    said = "".join(all_text(p) for p in served.fake.posts(CHANNEL)) + "".join(
        str(c.body.get("text")) for c in served.fake.of("chat.postEphemeral")
    )
    assert "Only" in said and "findings" not in said.split("Only", 1)[1][:20]
