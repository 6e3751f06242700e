"""The real `vsa serve` web app, a fake Bot Connector, and activities posted the way Teams does.

With an empty MICROSOFT_APP_ID (and TEAMS_ENABLED) botbuilder accepts activities without
an Authorization header and sends to the activity's serviceUrl without a token, so
every serviceUrl points at the local fake. The database comes from the shared
``database_url`` fixture: SQLite by default, PostgreSQL when DATABASE_URL says so.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_web_app
from adapters.teams.adapter import TEAMS_ADAPTER, TeamsAdapter
from adapters.teams.delivery import TEAMS_LIMITS, Pacer, RetryPolicy
from adapters.teams.testing import Call, FakeConnector
from assistant.app import Assistant
from assistant.clock import Clock
from assistant.settings import Settings
from tests.conftest import make_settings
from tests.scenario import Player

FIXTURES = Path(__file__).parent.parent / "fixtures" / "teams"
TENANT = "11111111-aaaa-4bbb-8ccc-000000000001"
OTHER_TENANT = "22222222-bbbb-4ccc-8ddd-000000000002"
BOT_ID = "28:00000000-0000-0000-0000-00000000b0b0"
BOT_NAME = "Value Stream Assistant"
DANA = "29:1Dana-Scully-teams-user-id-0000000000000000000000000000000000000000000000000"
CHANNEL = "19:delivery-channel-0000000000000000@thread.tacv2"

_ids = itertools.count(1_763_890_400_000)


def fixture(name: str) -> dict[str, Any]:
    """A cleaned activity captured from Teams (tests/fixtures/teams/<name>.json)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def teams_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"TEAMS_ENABLED": True, **overrides}
    return make_settings(database_url, **values)


class NoSleep:
    """Records the backoff the adapter asks for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Served:
    """The running app and a way to post activities to it the way Teams does."""

    assistant: Assistant
    client: TestClient[Any, Any]
    connector: FakeConnector

    @property
    def adapter(self) -> TeamsAdapter:
        app = self.client.app
        assert app is not None
        adapter: TeamsAdapter = app[TEAMS_ADAPTER]
        return adapter

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return await self.client.post("/api/messages", json=activity, headers=headers or {})

    async def activity(self, activity: dict[str, Any]) -> int:
        response = await self.post(activity)
        assert response.status in (200, 201, 202), await response.text()
        await self.settle()
        return int(response.status)

    async def settle(self) -> None:
        """Every turn started so far has run and its messages were delivered."""
        await self.adapter.drain()


@asynccontextmanager
async def serving(
    settings: Settings, connector: FakeConnector, clock: Clock | None = None
) -> AsyncIterator[Served]:
    assistant = await Assistant.start(settings, clock=clock)
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(assistant)))
    await client.start_server()
    served = Served(assistant, client, connector)
    # Backoff without waiting, and Teams' pacing at a hundredth of its windows, so a
    # dialog takes milliseconds; test_delivery checks the real waits and windows.
    served.adapter.sleep = NoSleep()
    served.adapter.retry = RetryPolicy(base_delay=0.01, max_delay=0.05)
    served.adapter.pacer = Pacer(tuple((window / 100, count) for window, count in TEAMS_LIMITS))
    try:
        yield served
    finally:
        await client.close()
        await assistant.close()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as started:
        yield started


@pytest.fixture
def settings(database_url: str) -> Settings:
    return teams_settings(database_url)


@pytest.fixture
async def served(settings: Settings, connector: FakeConnector) -> AsyncIterator[Served]:
    async with serving(settings, connector) as started:
        yield started


# -- people --------------------------------------------------------------------------


def find_submit(card: dict[str, Any], value: str) -> dict[str, Any] | None:
    """The Action.Submit data a click on ``value`` sends, as Teams merges it."""
    for action in card.get("actions") or ():
        data = action.get("data") or {}
        if action.get("type") == "Action.Submit" and data.get("value") == value:
            return dict(data)
    for element in card.get("body") or ():
        offered = element.get("type") == "Input.ChoiceSet" and any(
            c["value"] == value for c in element["choices"]
        )
        if offered:
            submit = next(a for a in card["actions"] if a["type"] == "Action.Submit")
            return {**submit["data"], element["id"]: value}
    return None


def card_text(card: dict[str, Any]) -> str:
    """All the text a card shows, in order."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextRun":
                out.append(str(node.get("text", "")))
            elif node.get("type") == "RichTextBlock":
                out.append("".join(str(r.get("text", "")) for r in node.get("inlines", [])))
                return
            elif node.get("type") == "FactSet":
                out.extend(f"{f['title']}: {f['value']}" for f in node["facts"])
            elif node.get("type") == "Action.Submit":
                out.append(str(node.get("title")))
            for child in node.values():
                if isinstance(child, list | dict):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(card.get("body"))
    walk(card.get("actions"))
    return "\n".join(out)


@dataclass
class TeamsUser(Player):
    """One person in one Teams conversation: a personal chat, or a channel thread."""

    served: Served
    user_id: str = DANA
    name: str = "Dana Scully"
    tenant: str = TENANT
    conversation_id: str = "a:1personal-chat-with-dana"
    channel: bool = False
    seen: int = field(default=0)

    def _base(self, template: str) -> dict[str, Any]:
        activity = copy.deepcopy(fixture(template))
        activity["id"] = str(next(_ids))
        activity["serviceUrl"] = self.served.connector.url
        activity["from"] = {
            "id": self.user_id,
            "name": self.name,
            "aadObjectId": "aad-" + self.user_id[-6:],
        }
        activity["conversation"]["id"] = self.conversation_id
        activity["conversation"]["tenantId"] = self.tenant
        activity["channelData"]["tenant"] = {"id": self.tenant}
        return activity

    def message(self, typed: str, mentioning: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
        """What Teams posts for ``typed``; each ``(id, name)`` in ``mentioning`` is a
        person mentioned in it, written ``<at>name</at>`` in ``typed``."""
        people = [
            {"mentioned": {"id": id_, "name": name}, "text": f"<at>{name}</at>", "type": "mention"}
            for id_, name in mentioning
        ]
        if not self.channel:
            activity = self._base("personal_message")
            activity["text"] = typed
            activity["entities"] = [*people, *activity.get("entities", [])]
            return activity
        activity = self._base("channel_mention")
        activity["text"] = f"<at>{BOT_NAME}</at> {typed}"
        activity["entities"] = [activity["entities"][0], *people]  # the bot's mention first
        return activity

    def submit(self, data: dict[str, Any], reply_to: str | None = None) -> dict[str, Any]:
        activity = self._base("card_submit")
        activity["value"] = data
        activity["replyToId"] = reply_to
        if self.channel:
            activity["conversation"]["conversationType"] = "channel"
            activity["conversation"]["isGroup"] = True
        return activity

    def delivered(self) -> list[Call]:
        return self.served.connector.delivered(self.conversation_id)

    def cards(self) -> list[dict[str, Any]]:
        return [c.card for c in self.delivered() if c.card is not None]

    def text(self) -> str:
        return "\n".join(card_text(card) for card in self.cards())

    def new_text(self) -> str:
        cards = self.cards()[self.seen :]
        self.seen = len(self.cards())
        return "\n".join(card_text(card) for card in cards)

    async def say(self, typed: str, mentioning: Sequence[tuple[str, str]] = ()) -> int:
        return await self.served.activity(self.message(typed, mentioning))

    async def click(self, value: str) -> int:
        for call in reversed(self.delivered()):
            card = call.card
            data = find_submit(card, value) if card else None
            if data is not None:
                reply_to = call.body.get("id") if isinstance(call.body, dict) else None
                return await self.served.activity(self.submit(data, reply_to))
        raise AssertionError(f"no card offers {value!r}: {self.text()}")
