"""Long work shows progress in Slack: ``/vsa summary`` and ``/vsa readout`` read every
finished interview and draw the maps, seconds of work, so the slash command's own
response (an ephemeral message only its sender sees) says at once what is coming. A
command that answers quickly is acknowledged with nothing to show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage import repositories as repo
from tests.findings_seed import DANA, seed_finished
from tests.slack.conftest import Served
from tests.slack.test_interviews import CHANNEL, set_up_and_bind


async def test_summary_and_readout_say_at_once_that_they_are_coming(served: Served) -> None:
    sa = await set_up_and_bind(served)

    def write(session: Session) -> None:
        engagement = repo.find_engagement(session, "slack:T0001", "Acme VSA")
        assert engagement is not None
        seed_finished(session, engagement, "idea_to_production", ("U0002", "dana"), DANA)

    await served.assistant.db.run(write)
    posted = len(served.fake.posts(CHANNEL))

    response = await sa.command("summary", from_channel=CHANNEL)
    assert await response.text() == (
        "Gathering everyone's answers — the findings will be posted here in a moment."
    )
    # ... and the findings follow in the channel, where it was said.
    later = "\n".join(str(p.get("text")) for p in served.fake.posts(CHANNEL)[posted:])
    assert "findings" in later.lower()

    response = await sa.command("findings 2023", from_channel=CHANNEL)  # another word for it
    assert "Gathering everyone's answers" in await response.text()

    response = await sa.command("readout", from_channel=CHANNEL)
    assert await response.text() == (
        "Preparing the stakeholder readout — it will arrive here as a file in a moment."
    )
    assert served.fake.of("files.completeUploadExternal")


async def test_a_quick_command_is_acknowledged_with_nothing_to_show(served: Served) -> None:
    sa = await set_up_and_bind(served)
    for typed in ("status", "help", "raid"):
        response = await sa.command(typed, from_channel=CHANNEL)
        assert response.status == 200
        assert await response.text() == "", typed
    # Its answer is posted as ever.
    assert "who has finished each interview" in "\n".join(
        str(p.get("text")) + str(p.get("blocks")) for p in served.fake.posts(CHANNEL)
    )
