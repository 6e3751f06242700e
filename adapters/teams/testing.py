"""A local fake of the Bot Connector service, for tests of anything that posts to Teams.

Point an activity's ``serviceUrl`` at :attr:`FakeConnector.url`: with an empty
``MICROSOFT_APP_ID`` botbuilder sends its replies there without a token. The fake binds
127.0.0.1 on a free port, records every call (method, path, body), answers like the
Bot Connector, and takes scripted replies (a 429 with ``Retry-After``, a 502, ...).
Waiting is event-driven (:meth:`FakeConnector.wait_for`), never sleep-polling.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    status: int  # what the fake answered
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def kind(self) -> str:
        """``send``, ``reply``, ``update``, ``create`` (a conversation) or ``members``
        (who is in a conversation)."""
        if self.conversation_id is None:
            return "create"
        if self.method == "GET":
            return "members"
        if self.method == "PUT":
            return "update"
        return "reply" if self.activity_id else "send"

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card of a posted activity, if it carries one."""
        if not isinstance(self.body, dict):
            return None
        for attachment in self.body.get("attachments") or ():
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None


@dataclass(frozen=True)
class Reply:
    """A scripted answer for the next matching call."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    kinds: frozenset[str] = frozenset({"send", "reply", "update"})
    # Only for calls whose body this accepts (e.g. creating a chat with one member).
    when: Callable[[Any], bool] | None = None


def throttled(retry_after: str | None = "1", count: int = 1) -> list[Reply]:
    """``count`` answers of 429 Too Many Requests, as Teams throttles a bot."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = {"error": {"code": "TooManyRequests", "message": "Too many requests"}}
    return [Reply(429, body, headers) for _ in range(count)]


@dataclass
class _Waiter:
    predicate: Callable[[Call], bool]
    count: int
    event: asyncio.Event


class FakeConnector:
    """``async with FakeConnector() as connector: ... connector.url ...``"""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._script: deque[Reply] = deque()
        self._ids = itertools.count(1_700_000_000_001)
        self._conversations = itertools.count(1)
        self._waiters: list[_Waiter] = []
        self._runner: web.AppRunner | None = None
        self.url = ""
        # What GET /v3/conversations/{id}/members answers, by conversation id: Teams
        # accounts with ``tenantId`` and ``userRole`` (``user``, ``guest``); none by default.
        self.members: dict[str, list[dict[str, Any]]] = {}

        # A picture travels base64 in the activity: room for a few MB, like the service.
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._activity)
        app.router.add_get("/v3/conversations/{conversation_id}/members", self._members)
        app.router.add_post(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._activity
        )
        app.router.add_put(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._activity
        )
        self._app = app

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> str:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the fake Bot Connector did not bind"
        port = sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeConnector:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- scripting and reading ---------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Answer the next matching calls with these replies, in order."""
        self._script.extend(replies)

    @property
    def scripted(self) -> int:
        """Scripted replies not used yet."""
        return len(self._script)

    def delivered(self, conversation_id: str | None = None) -> list[Call]:
        """Activities the fake accepted (posted or replied), oldest first."""
        return [
            c
            for c in self.calls
            if c.ok
            and c.kind in ("send", "reply")
            and (conversation_id is None or c.conversation_id == conversation_id)
        ]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.ok and c.kind == "update"]

    async def wait_for(
        self,
        count: int = 1,
        predicate: Callable[[Call], bool] = lambda call: call.ok,
        within: float = 10.0,
    ) -> list[Call]:
        """Wait until ``count`` recorded calls match ``predicate`` (counting earlier ones)."""
        event = asyncio.Event()
        waiter = _Waiter(predicate, count, event)
        if self._matching(waiter) < count:
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(event.wait(), within)
            except TimeoutError:
                raise AssertionError(
                    f"waited {within}s for {count} calls; got {self._matching(waiter)}: "
                    f"{[(c.method, c.path, c.status) for c in self.calls]}"
                ) from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return [c for c in self.calls if predicate(c)]

    def _matching(self, waiter: _Waiter) -> int:
        return sum(1 for call in self.calls if waiter.predicate(call))

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for waiter in list(self._waiters):
            if self._matching(waiter) >= waiter.count:
                waiter.event.set()

    # -- the Bot Connector API -------------------------------------------------------------

    def _scripted_reply(self, kind: str, body: Any = None) -> Reply | None:
        for reply in self._script:
            if kind in reply.kinds and (reply.when is None or reply.when(body)):
                self._script.remove(reply)
                return reply
        return None

    async def _activity(self, request: web.Request) -> web.Response:
        body = await _json(request)
        conversation_id = request.match_info["conversation_id"]
        activity_id = request.match_info.get("activity_id")
        kind = "update" if request.method == "PUT" else ("reply" if activity_id else "send")
        reply = self._scripted_reply(kind, body)
        if reply is None:
            new_id = activity_id if kind == "update" else str(next(self._ids))
            reply = Reply(200 if kind == "update" else 201, {"id": new_id})
        self._record(
            Call(
                request.method,
                request.path,
                conversation_id,
                activity_id,
                body,
                reply.status,
                dict(request.headers),
            )
        )
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _members(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        reply = self._scripted_reply("members") or Reply(200, self.members.get(conversation_id, []))
        self._record(
            Call(
                request.method,
                request.path,
                conversation_id,
                None,
                None,
                reply.status,
                dict(request.headers),
            )
        )
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await _json(request)
        reply = self._scripted_reply("create", body)
        if reply is None:
            new_id = f"a:fake-personal-{next(self._conversations)}"
            reply = Reply(201, {"id": new_id, "activityId": None})
        self._record(
            Call(
                request.method, request.path, None, None, body, reply.status, dict(request.headers)
            )
        )
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return await request.text()
