"""The real `vsa serve` web app, a fake Slack Web API, and signed requests between them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_web_app
from adapters.slack import delivery
from adapters.slack.app import SLACK_APP_KEY, SlackApp
from adapters.slack.render import escape
from adapters.slack.testing import (
    FakeSlack,
    block_actions_body,
    command_fields,
    find_control,
    form_request,
    json_request,
    markup_texts,
    mention_body,
    message_body,
    payload_request,
    signed,
)
from assistant.app import Assistant
from assistant.clock import Clock
from assistant.settings import Settings
from tests.conftest import make_settings
from tests.scenario import Player

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1234-5678-secret-token"


@pytest.fixture(autouse=True)
def quick_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack's one-post-per-second pacing, shrunk so a dialog takes milliseconds
    (test_rate_limits checks the real pacing)."""
    monkeypatch.setattr(delivery, "POST_INTERVAL", 0.001)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as started:
        yield started


def slack_settings(database_url: str, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake.url,
        **overrides,
    }
    return make_settings(database_url, **{k: v for k, v in values.items() if v is not None})


@dataclass
class Served:
    """The running app and a way to talk to it the way Slack does."""

    assistant: Assistant
    client: TestClient[Any, Any]
    fake: FakeSlack
    secret: str = SECRET

    @property
    def slack(self) -> SlackApp:
        web_app = self.client.app
        assert web_app is not None
        slack: SlackApp = web_app[SLACK_APP_KEY]
        return slack

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        retry: int | None = None,
        timestamp: int | None = None,
    ) -> Any:
        sent = {"Content-Type": content_type, **signed(self.secret, body, timestamp=timestamp)}
        if retry is not None:
            sent |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        sent |= headers or {}
        return await self.client.post("/slack/events", data=body.encode(), headers=sent)

    async def event(self, body: dict[str, Any], **kwargs: Any) -> Any:
        response = await self.post(*json_request(body), **kwargs)
        assert response.status == 200, await response.text()
        return response

    async def command(self, fields: dict[str, str]) -> Any:
        response = await self.post(*form_request(fields))
        assert response.status == 200, await response.text()
        return response

    async def interact(self, payload: dict[str, Any]) -> Any:
        response = await self.post(*payload_request(payload))
        assert response.status == 200, await response.text()
        return response

    async def settle(self) -> None:
        """Every turn started so far has run and its messages were delivered."""
        await self.slack.drain()


@dataclass
class SlackUser(Player):
    """One person in one Slack conversation (a DM, or a thread in a channel)."""

    served: Served
    user: str = "U0001"
    team: str = "T0001"
    channel: str = "D0001"
    thread: str | None = None
    seen: int = field(default=0)

    def posts(self) -> list[dict[str, Any]]:
        return [
            p
            for p in self.served.fake.posts(self.channel)
            if self.thread is None or p.get("thread_ts") == self.thread
        ]

    def question_message(self, value: str) -> dict[str, Any]:
        for post in reversed(self.posts()):
            if find_control(post, value) is not None:
                found: dict[str, Any] = post
                return found
        raise AssertionError(f"no posted control offers {value!r}")

    async def say(self, typed: str) -> None:
        """Send what the person typed (Slack escapes &, <, > on the wire)."""
        text = escape(typed)
        if self.channel.startswith("D"):
            body = message_body(text, user=self.user, channel=self.channel, team=self.team)
        else:
            body = message_body(
                text,
                user=self.user,
                channel=self.channel,
                team=self.team,
                thread_ts=self.thread,
                channel_type="channel",
            )
        await self.served.event(body)
        await self.served.settle()

    async def mention(self, text: str) -> None:
        body = mention_body(
            f"<@UBOT> {text}",
            user=self.user,
            channel=self.channel,
            team=self.team,
            thread_ts=self.thread,
        )
        if self.thread is None:
            self.thread = body["event"]["ts"]
        await self.served.event(body)
        await self.served.settle()

    async def command(self, text: str, *, from_channel: str | None = None) -> Any:
        fields = command_fields(
            text, user=self.user, team=self.team, channel=from_channel or self.channel
        )
        response = await self.served.command(fields)
        await self.served.settle()
        return response

    async def click(self, value: str) -> None:
        message = self.question_message(value)
        control = find_control(message, value)
        assert control is not None
        payload = block_actions_body(
            message, control[1], user=self.user, channel=self.channel, team=self.team
        )
        await self.served.interact(payload)
        await self.served.settle()

    def text(self) -> str:
        return "\n".join(
            json.dumps(p.get("blocks")) + "\n" + str(p.get("text")) for p in self.posts()
        )

    def markup(self) -> str:
        """Everything Slack parses for markup in our posts here (pings, links, styles)."""
        return "\n".join(markup_texts(self.posts()))


async def serve(
    settings: Settings, fake: FakeSlack, clock: Clock | None = None
) -> tuple[Assistant, TestClient[Any, Any]]:
    assistant = await Assistant.start(settings, clock=clock)
    web_app = build_web_app(assistant)
    client: TestClient[Any, Any] = TestClient(TestServer(web_app))
    await client.start_server()
    return assistant, client


@pytest.fixture
async def served(database_url: str, fake: FakeSlack) -> AsyncIterator[Served]:
    assistant, client = await serve(slack_settings(database_url, fake), fake)
    try:
        yield Served(assistant, client, fake)
    finally:
        await client.close()
        await assistant.close()
