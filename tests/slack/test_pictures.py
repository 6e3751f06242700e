"""The value stream map and the readout reach Slack as file uploads, intact and once.

files_upload_v2 is three calls: files.getUploadURLExternal, a POST of the bytes to the
URL it returns, and files.completeUploadExternal, which shares the file in the channel
(thread). Only the last one shows anything, so "once" means one completed share.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from adapters.slack.testing import FakeSlack, Reply
from assistant.clock import FixedClock
from assistant.events import ConversationRef, File, Outbound, text
from assistant.vsm_picture import map_image
from storage.models import OutboxMessage
from tests.slack.conftest import Served, serve, slack_settings
from tests.vsm_maps import sample_map

THREAD = ConversationRef(
    platform="slack",
    workspace="T0001",
    channel="C0001",
    thread="1700000000.000100",
    data={"team_id": "T0001"},
)
README = b"<h1>Readout</h1><p>$5 &amp; <!channel></p>"


async def findings() -> tuple[Outbound, bytes]:
    image = await map_image(sample_map(12))
    readout = File(
        filename="readout.html", title="Stakeholder readout", content=README, mime_type="text/html"
    )
    return Outbound(blocks=(text("The findings are ready"), image, readout)), image.png


async def test_the_map_and_the_readout_are_uploaded_into_the_thread(served: Served) -> None:
    message, png = await findings()
    await served.assistant.dispatcher.send(THREAD, message)

    shared = served.fake.completed_files("C0001")
    assert [f["title"] for f in shared] == [
        "Value stream map: Idea to production",
        "Stakeholder readout",
    ]
    assert shared[0]["bytes"] == png  # the PNG arrived byte for byte
    assert shared[1]["bytes"] == README
    assert {f["thread_ts"] for f in shared} == {THREAD.thread}
    asked = served.fake.of("files.getUploadURLExternal")
    assert [c.body["filename"] for c in asked] == [
        "value-stream-map-idea-to-production.png",
        "readout.html",
    ]
    assert int(asked[0].body["length"]) == len(png)
    assert asked[0].body["alt_txt"].startswith("Value stream map of Idea to production")
    [post] = served.fake.posts("C0001")
    assert post["thread_ts"] == THREAD.thread


async def test_429s_on_every_upload_call_share_the_file_once(served: Served) -> None:
    for method in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal"):
        served.fake.script(method, Reply.rate_limited(retry_after=0))
    message, png = await findings()
    await served.assistant.dispatcher.send(THREAD, message)

    assert served.fake.limited["upload"] == 1
    assert served.fake.limited["files.completeUploadExternal"] == 1
    shared = served.fake.completed_files()
    assert [f["bytes"] for f in shared] == [png, README]
    assert len(served.fake.posts("C0001")) == 1
    rows = await served.assistant.db.run(
        lambda session: list(session.scalars(select(OutboxMessage.status)))
    )
    assert rows == ["sent"]


async def test_a_long_wait_resumes_from_the_outbox_and_posts_nothing_twice(
    database_url: str, fake: FakeSlack
) -> None:
    settings = slack_settings(database_url, fake)
    # The text goes out, then the share of the map is refused for two minutes.
    fake.script("files.completeUploadExternal", Reply.rate_limited(retry_after=120))
    message, png = await findings()
    assistant, client = await serve(settings, fake)
    try:
        await assistant.dispatcher.send(THREAD, message)
        row = await assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
        assert row is not None and row.status == "pending"
        assert row.parts_posted is not None and len(row.parts_posted) == 1  # the text
        assert fake.completed_files() == []
    finally:
        await client.close()
        await assistant.close()

    # A restart later: the message comes back from the outbox (its PNG stored as
    # base64 in the JSON payload) and only what was not shared yet goes out.
    later = FixedClock(datetime.now(UTC) + timedelta(minutes=3))
    assistant, client = await serve(settings, fake, clock=later)
    try:
        shared = fake.completed_files("C0001")
        assert [f["bytes"] for f in shared] == [png, README]
        assert len(fake.posts("C0001")) == 1
        row = await assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
        assert row is not None and row.status == "sent"
    finally:
        await client.close()
        await assistant.close()


async def test_an_upload_url_that_fails_is_retried_later_not_lost(
    database_url: str, fake: FakeSlack
) -> None:
    settings = slack_settings(database_url, fake)
    fake.script("upload", Reply({"error": "internal"}, status=500))
    message, png = await findings()
    assistant, client = await serve(settings, fake)
    try:
        await assistant.dispatcher.send(THREAD, message)
        row = await assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
        assert row is not None and row.status == "pending"
        assert row.error == "files.upload: the upload URL refused the file"
    finally:
        await client.close()
        await assistant.close()

    later = FixedClock(datetime.now(UTC) + timedelta(minutes=1))
    assistant, client = await serve(settings, fake, clock=later)
    try:
        assert [f["bytes"] for f in fake.completed_files()] == [png, README]
        assert len(fake.posts("C0001")) == 1
    finally:
        await client.close()
        await assistant.close()
