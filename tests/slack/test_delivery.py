"""Exactly once: retried deliveries, 429 storms, pacing, crashes after the ack."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack import delivery
from adapters.slack.delivery import ChannelPacer
from adapters.slack.testing import FakeSlack, Reply, markup_texts, message_body, shown
from assistant.clock import FixedClock
from assistant.events import ConversationRef, File, Heading, Image, Outbound, say, text
from storage.models import InboundEvent, OutboxMessage
from tests.slack.conftest import Served, SlackUser, serve, slack_settings

DM = ConversationRef(
    platform="slack", workspace="T0001", channel="D0001", user="U0001", data={"team_id": "T0001"}
)


async def statuses(served: Served) -> tuple[list[str], list[str]]:
    def read(session: Any) -> tuple[list[str], list[str]]:
        events = list(session.scalars(select(InboundEvent.status)))
        outbox = list(session.scalars(select(OutboxMessage.status)))
        return events, outbox

    return await served.assistant.db.run(read)


async def test_four_deliveries_of_one_event_get_one_answer(served: Served) -> None:
    body = message_body("qualify", event_id="Ev0RETRY0001")
    await served.event(body)
    for retry in (1, 2, 3):  # Slack's retries carry X-Slack-Retry-Num
        await served.event(body, retry=retry)
    await served.settle()

    assert len(served.fake.posts("D0001")) == 1
    events, outbox = await statuses(served)
    assert events == ["done"] and outbox == ["sent"]


async def test_concurrent_redeliveries_are_deduplicated_in_the_database(served: Served) -> None:
    body = message_body("qualify", event_id="Ev0RETRY0002")
    responses = await asyncio.gather(*(served.event(body, retry=n or None) for n in range(4)))
    assert all(r.status == 200 for r in responses)
    await served.settle()
    assert len(served.fake.posts("D0001")) == 1


async def test_an_event_recorded_before_a_crash_is_answered_after_restart(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(coroutine: Any, what: str) -> None:
        coroutine.close()  # the process dies right after the ack

    monkeypatch.setattr(served.assistant.dispatcher, "spawn", crash)
    await served.event(message_body("qualify"))
    assert served.fake.posts() == []
    assert (await statuses(served))[0] == ["pending"]

    await served.assistant.dispatcher.recover(stale_after=timedelta(0))
    assert len(served.fake.posts("D0001")) == 1


async def test_a_429_storm_loses_nothing_and_posts_nothing_twice(served: Served) -> None:
    # Six 429s in a row: slack-sdk retries twice per call, then the outbox takes over
    # after Retry-After; every conversation still gets its answer exactly once.
    served.fake.script("chat.postMessage", *(Reply.rate_limited(retry_after=0) for _ in range(6)))
    users = [SlackUser(served, user=f"U000{i}", channel=f"D000{i}") for i in (1, 2, 3)]
    for user in users:
        await served.event(message_body("qualify", user=user.user, channel=user.channel))
    await served.settle()
    await served.fake.wait_until(lambda: len(served.fake.posts()) >= 3, within=20)

    assert len(served.fake.of("chat.postMessage")) == 3 + 6
    for user in users:
        assert len(served.fake.posts(user.channel)) == 1
    await asyncio.sleep(0.2)  # nothing else is on its way
    assert len(served.fake.posts()) == 3
    _, outbox = await statuses(served)
    assert outbox == ["sent"] * 3
    # One post each: no progress was written for them (the mark as sent says it all).
    parts = await served.assistant.db.run(
        lambda session: session.scalars(select(OutboxMessage.parts_posted)).all()
    )
    assert parts == [None] * 3


async def test_a_permanent_error_is_not_retried(served: Served) -> None:
    served.fake.script("chat.postMessage", Reply.error("channel_not_found"))
    await served.event(message_body("qualify"))
    await served.settle()
    assert len(served.fake.of("chat.postMessage")) == 1
    _, outbox = await statuses(served)
    assert outbox == ["failed"]


def test_the_pacer_allows_a_burst_then_one_post_per_second_per_channel() -> None:
    now = [100.0]
    pacer = ChannelPacer(interval=1.0, burst=3, clock=lambda: now[0])
    waits = [pacer.reserve("C1") for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert pacer.reserve("C2") == 0.0  # another channel has its own budget
    now[0] += 10
    assert pacer.reserve("C1") == 0.0


async def test_posts_to_one_channel_are_paced(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "POST_INTERVAL", 0.1)
    served.slack.adapter.pacer = ChannelPacer()
    for n in range(6):
        await served.assistant.dispatcher.send(DM, say(text(f"reminder {n}")))
    calls = served.fake.of("chat.postMessage")
    assert [json.dumps(c.body["blocks"]).count(f"reminder {n}") for n, c in enumerate(calls)] == [
        1
    ] * 6
    # A burst of three, then one every 0.1 s.
    assert calls[5].at - calls[0].at >= 0.28


async def test_images_and_files_are_uploaded_to_the_conversation(served: Served) -> None:
    message = Outbound(
        blocks=(
            text("Here is the map"),
            Image(title="Value stream map", alt_text="Idea to production", png=b"\x89PNG-data"),
            File(filename="readout.md", title="Readout", content=b"# Readout"),
        )
    )
    await served.assistant.dispatcher.send(DM, message)
    assert len(served.fake.of("files.getUploadURLExternal")) == 2
    complete = served.fake.of("files.completeUploadExternal")
    assert [c.body.get("channel_id") for c in complete] == ["D0001", "D0001"]
    assert sorted(served.fake.uploads.values()) == [b"# Readout", b"\x89PNG-data"]
    assert len(served.fake.posts("D0001")) == 1


async def test_hostile_typed_text_pings_nobody(served: Served) -> None:
    user = SlackUser(served)
    await user.say("qualify")
    await user.say("<!channel> & <@U123> <!here|here> Corp")

    sent = [c.body for c in served.fake.calls if c.method in ("chat.postMessage", "chat.update")]
    # Shown as typed (rich_text is literal); wherever Slack parses markup, escaped.
    assert "<!channel> & <@U123> <!here|here> Corp" in shown(sent)
    markup = "\n".join(markup_texts(sent))
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in markup
    for ping in ("<!channel>", "<@U123>", "<!here"):
        assert ping not in markup


async def test_a_real_mention_becomes_a_name_not_a_ping(served: Served) -> None:
    user = SlackUser(served)
    await user.say("qualify")
    # A real mention arrives as <@U0002>; it is kept as "@U0002" text and echoed escaped.
    await served.event(message_body("Acme for <@U0002>"))
    await served.settle()
    updated = json.dumps([c.body for c in served.fake.of("chat.update")])
    assert "Acme for @U0002" in updated and "<@U0002>" not in updated


async def test_a_long_retry_after_goes_back_to_the_outbox_instead_of_blocking(
    served: Served,
) -> None:
    served.fake.script("chat.postMessage", Reply.rate_limited(retry_after=120))
    await served.event(message_body("qualify"))
    await served.settle()  # the turn finished at once: nobody slept for two minutes

    assert len(served.fake.of("chat.postMessage")) == 1
    _, outbox = await statuses(served)
    assert outbox == ["pending"]  # kept, due in two minutes
    row = await served.assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
    assert row is not None and row.not_before is not None
    assert row.error == "chat.postMessage: rate limited"


async def test_a_failing_turn_is_logged_with_an_id_and_the_user_told_kindly(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(session: Any, inbound: Any) -> list[Outbound]:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(served.assistant.dispatcher.handler, "turn", broken)
    await served.event(message_body("my secret answer"))
    await served.settle()

    [post] = served.fake.posts("D0001")
    assert "something went wrong" in post["text"]
    reference = post["text"].split("(reference ", 1)[1].split(")", 1)[0]
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert any(reference in r.getMessage() for r in failures)
    assert "my secret answer" not in caplog.text
    events, _ = await statuses(served)
    assert events == ["failed"]


async def test_an_uninstall_forgets_the_workspace_tokens(database_url: str, fake: Any) -> None:
    from tests.slack.test_oauth_and_tenancy import CLIENT_ID, CLIENT_SECRET, install

    settings = slack_settings(
        database_url,
        fake,
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    assistant, client = await serve(settings, fake)
    served = Served(assistant, client, fake)
    try:
        await install(served, "T0001", "xoxb-gone-soon")
        fake.add_workspace("xoxb-gone-soon", "T0001")
        body = message_body("x")
        body["event"] = {"type": "app_uninstalled", "event_ts": "1.0"}
        await served.event(body)
        await served.settle()
        store = served.slack.bolt.installation_store
        assert store is not None
        found = await store.async_find_bot(enterprise_id=None, team_id="T0001")
        assert found is None
    finally:
        await client.close()
        await assistant.close()


async def test_a_long_message_cut_off_by_a_429_is_finished_by_the_next_process_once_each(
    database_url: str, fake: FakeSlack
) -> None:
    """Three posts; Slack refuses the second for two minutes. This process stops, and
    the next one (a restart, or another replica) posts what is left: each part once."""
    settings = slack_settings(database_url, fake)
    summary = Outbound(blocks=(Heading(text="Summary"), *(text(f"line {n}.") for n in range(120))))
    fake.script(
        "chat.postMessage",
        Reply({"ok": True, "channel": "D0001", "ts": "1700000000.000001"}),
        Reply.rate_limited(retry_after=120),
    )
    assistant, client = await serve(settings, fake)
    try:
        await assistant.dispatcher.send(DM, summary)
        row = await assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
        assert row is not None and row.status == "pending"
        assert row.parts_posted == ["1700000000.000001"]
    finally:
        await client.close()
        await assistant.close()

    # Nothing in memory: only the outbox row says how far the message got.
    later = FixedClock(datetime.now(UTC) + timedelta(minutes=3))
    assistant, client = await serve(settings, fake, clock=later)  # recover() at start-up
    try:
        posts = fake.posts("D0001")
        lines = [line for post in posts for line in re.findall(r"line \d+\.", str(post["blocks"]))]
        assert len(posts) == 3
        assert sorted(lines) == sorted(f"line {n}." for n in range(120))  # each line once
        assert len(fake.of("chat.postMessage")) == 4  # and the one refused
        row = await assistant.db.run(lambda session: session.scalar(select(OutboxMessage)))
        assert row is not None and row.status == "sent"
        assert row.platform_message_id == posts[-1]["_ts"]
    finally:
        await client.close()
        await assistant.close()


async def test_the_fake_enforces_a_rate_tier_with_retry_after() -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.testing import FakeSlack

    async with FakeSlack() as fake:
        fake.rate_limit("conversations.open", 50, burst=2)
        client = AsyncWebClient(token="xoxb-t", base_url=fake.url)
        for user in ("U1", "U2"):
            await client.conversations_open(users=user)
        with pytest.raises(SlackApiError) as refused:
            await client.conversations_open(users="U3")
        assert refused.value.response.status_code == 429
        assert refused.value.response.headers["Retry-After"] == "2"  # 1.2 s, whole seconds
        assert fake.limited == {"conversations.open": 1}
        await client.chat_postMessage(channel="D1", text="other methods are not limited")
