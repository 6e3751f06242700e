"""Signatures, configuration that must refuse to start, and what never reaches the logs."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from adapters.server import ConfigurationError, build_web_app
from adapters.slack.testing import FakeSlack, json_request, message_body, signed
from assistant.app import Assistant
from storage.models import InboundEvent, OutboxMessage
from tests.conftest import make_settings
from tests.scenario import QUALIFIED
from tests.slack.conftest import BOT_TOKEN, SECRET, Served, SlackUser


async def recorded(served: Served) -> int:
    def count(session: Any) -> int:
        events = session.scalar(select(func.count()).select_from(InboundEvent))
        outbox = session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(events or 0) + int(outbox or 0)

    return int(await served.assistant.db.run(count))


@pytest.mark.parametrize("tamper", ["wrong secret", "other body", "stale", "future"])
async def test_a_bad_or_stale_signature_gets_401_and_touches_nothing(
    served: Served, tamper: str
) -> None:
    body, content_type = json_request(message_body("qualify"))
    now = int(time.time())
    secret, signed_body, timestamp = SECRET, body, now
    if tamper == "wrong secret":
        secret = "not-the-secret"
    elif tamper == "other body":
        signed_body = body.replace("qualify", "something else")
    elif tamper == "stale":
        timestamp = now - 5 * 60 - 5  # Slack's replay window is five minutes
    elif tamper == "future":
        timestamp = now + 5 * 60 + 5
    headers = {"Content-Type": content_type, **signed(secret, signed_body, timestamp=timestamp)}

    response = await served.client.post("/slack/events", data=body.encode(), headers=headers)
    await served.settle()

    assert response.status == 401
    assert "qualify" not in await response.text()  # never echo a request body
    assert await recorded(served) == 0
    assert served.fake.calls == []


async def test_a_missing_signature_records_nothing(served: Served) -> None:
    body, content_type = json_request(message_body("qualify"))
    for headers in (
        {"Content-Type": content_type},
        {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time()))},
        {"Content-Type": content_type, "X-Slack-Signature": "v0=" + "0" * 64},
    ):
        response = await served.client.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 401
    await served.settle()
    assert await recorded(served) == 0
    assert served.fake.calls == []


async def test_a_garbled_body_is_401_unsigned_and_400_signed(served: Served) -> None:
    response = await served.client.post(
        "/slack/events",
        data=b"payload=%7Bnot-json",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 401
    response = await served.post("payload=%7Bnot-json", "application/x-www-form-urlencoded")
    assert response.status == 400
    assert "not-json" not in await response.text()
    assert await recorded(served) == 0


async def test_url_verification_answers_the_challenge(served: Served) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "x", "challenge": challenge, "type": "url_verification"})
    response = await served.post(body, "application/json")
    assert response.status == 200
    assert challenge in await response.text()


async def test_slack_unconfigured_means_404(database_url: str) -> None:
    assistant = await Assistant.start(make_settings(database_url))
    client: TestClient = TestClient(TestServer(build_web_app(assistant)))  # type: ignore[type-arg]
    await client.start_server()
    try:
        assert (await client.post("/slack/events", data=b"{}")).status == 404
        assert (await client.get("/slack/install")).status == 404
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
        await assistant.close()


async def test_slack_without_a_signing_secret_refuses_to_start(
    database_url: str, fake: FakeSlack
) -> None:
    assistant = await Assistant.start(
        make_settings(database_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake.url)
    )
    try:
        with pytest.raises(ConfigurationError, match="SLACK_SIGNING_SECRET"):
            build_web_app(assistant)
    finally:
        await assistant.close()


async def test_socket_mode_needs_no_signing_secret_and_serves_no_http_endpoint(
    database_url: str, fake: FakeSlack
) -> None:
    from adapters.slack.app import SlackApp

    assistant = await Assistant.start(
        make_settings(
            database_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN="xapp-1-A0001-secret",
            SLACK_API_URL=fake.url,
        )
    )
    try:
        slack = SlackApp(assistant)
        assert not slack.http_enabled and slack.app_token
        from aiohttp import web

        web_app = web.Application()
        slack.mount(web_app)
        assert not any(
            r.resource and r.resource.canonical == "/slack/events" for r in web_app.router.routes()
        )
    finally:
        await assistant.close()


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
async def test_no_token_signature_or_answer_text_in_the_logs(
    served: Served, caplog: pytest.LogCaptureFixture, level: int
) -> None:
    caplog.set_level(level)
    user = SlackUser(served)
    await user.play(QUALIFIED[:8])
    response = await served.post(*json_request(message_body("hello")), timestamp=1)  # a stale one
    assert response.status == 401
    # At DEBUG the database driver (aiosqlite) logs statement parameters: that is the
    # storage layer's to silence; everything Slack-side must stay clean at any level.
    records = [r for r in caplog.records if level >= logging.INFO or r.name != "aiosqlite"]
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records)
    for secret in (BOT_TOKEN, SECRET, "v0="):
        assert secret not in logged
    for answer in ("Acme", "2,500", "Dana Scully", "VP Engineering"):
        assert answer not in logged


async def test_socket_mode_delivers_events_without_http(database_url: str, fake: FakeSlack) -> None:
    from adapters.slack.app import SLACK_APP_KEY

    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-1-A0001-secret",
        SLACK_API_URL=fake.url,
    )
    assistant = await Assistant.start(settings)
    client: TestClient = TestClient(TestServer(build_web_app(assistant)))  # type: ignore[type-arg]
    await client.start_server()
    try:
        body = message_body("qualify", event_id="EvSOCKET0001")
        ack = await fake.socket_send(body)
        ack_again = await fake.socket_send(body)  # a redelivery over the socket
        assert "envelope_id" in ack and "envelope_id" in ack_again
        await client.app[SLACK_APP_KEY].drain()
        assert len(fake.posts("D0001")) == 1
        [opened] = fake.of("apps.connections.open")
        assert opened.token == "xapp-1-A0001-secret"
        assert (await client.post("/slack/events", data=b"{}")).status == 404
    finally:
        await client.close()
        await assistant.close()
