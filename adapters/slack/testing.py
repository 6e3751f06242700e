"""A test kit: a local fake of the Slack Web API, and signed requests to our app.

:class:`FakeSlack` binds 127.0.0.1 on a free port and serves Web API methods at its
root (give a client ``base_url=fake.url``). It records every call (method, path,
headers, body), answers like Slack does, and takes scripted replies per method,
including ``429`` with ``Retry-After`` and ``{"ok": false, "error": ...}``.
``fake.rate_limit(method, per_minute, burst=...)`` makes it enforce a rate tier the
way Slack does (a token bucket per method, optionally per channel, or ``"*"`` for a
workspace-wide limit on every method): a call over the limit gets ``429`` with an
integer ``Retry-After``; ``fake.limited`` counts those per method.
``await fake.wait_for("chat.postMessage", 3)`` waits on an event, never polls.

:func:`signed` builds the headers Slack sends (``X-Slack-Signature``,
``X-Slack-Request-Timestamp``), and the ``*_body`` helpers build payloads in the
shapes Slack delivers (see tests/fixtures/slack/ for the captured originals).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


@dataclass
class Reply:
    """A scripted answer: a JSON body, a status and headers."""

    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Reply:
        return cls({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)})

    @classmethod
    def error(cls, code: str) -> Reply:
        return cls({"ok": False, "error": code})


Handler = Callable[[Call], dict[str, Any]]


@dataclass
class RateLimit:
    """A Slack rate tier as a token bucket: ``per_minute`` calls a minute on average,
    up to ``burst`` at once; ``per`` names a body field (``"channel"``) when each value
    has a bucket of its own (chat.postMessage's one per second per channel).
    ``time_scale`` > 1 runs the tier that many times faster (a shortened benchmark);
    Retry-After is still whole seconds, as Slack sends it (at least 1)."""

    per_minute: float
    burst: int = 1
    per: str | None = None
    time_scale: float = 1.0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def per_second(self) -> float:
        return self.per_minute / 60 * self.time_scale

    def take(self, key: str, now: float) -> float:
        """Take a call from ``key``'s bucket: 0 when allowed, else seconds until allowed."""
        tokens, then = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.per_second


class FakeSlack:
    """The Slack Web API, locally. One instance per test (or per benchmark run)."""

    def __init__(self, *, team_id: str = "T0001") -> None:
        self.team_id = team_id
        self.calls: list[Call] = []
        self.url = ""
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._handlers: dict[str, Handler] = {}
        self._waiters: list[tuple[Callable[[], bool], asyncio.Event]] = []
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        # Per token: what auth.test says (several workspaces in one fake).
        self.tokens: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        # Called with every recorded call (a benchmark's per-channel bookkeeping).
        self.listeners: list[Callable[[Call], None]] = []
        # Socket Mode: the app's WebSocket, and acks awaited by envelope id.
        self._socket_ws: web.WebSocketResponse | None = None
        self._socket_open = asyncio.Event()
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # Rate tiers by method ("*": every method, the workspace-wide limit), and how
        # many calls each answered with 429.
        self.limits: dict[str, RateLimit] = {}
        self.limited: Counter[str] = Counter()
        # Slack Connect: channels shared with another organisation, and channels with
        # an invitation to share them pending (what conversations.info says of them).
        self.ext_shared: set[str] = set()
        self.pending_ext_shared: set[str] = set()

    # --- lifecycle ---------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_route("*", "/{method}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._socket_ws is not None:
            await self._socket_ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # --- scripting ---------------------------------------------------------------

    def script(self, method: str, *replies: Reply) -> None:
        """The next calls of ``method`` get these replies, in order; then the default."""
        self._scripts[method].extend(replies)

    def handle(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(call)`` instead of the default."""
        self._handlers[method] = handler

    def rate_limit(
        self,
        method: str,
        per_minute: float,
        *,
        burst: int = 1,
        per: str | None = None,
        time_scale: float = 1.0,
    ) -> RateLimit:
        """Enforce a rate tier on ``method`` (``"*"``: on every call, per workspace
        token): calls over it are answered ``429`` with ``Retry-After``. Scripted
        replies come first and are not counted against it."""
        limit = RateLimit(per_minute, burst, per, time_scale)
        self.limits[method] = limit
        return limit

    def _over_limit(self, call: Call) -> Reply | None:
        now = time.monotonic()
        waits = []
        for name in (call.method, "*"):
            limit = self.limits.get(name)
            if limit is None:
                continue
            key = str(call.token)
            if limit.per is not None:
                key += ":" + str(call.body.get(limit.per))
            waits.append(limit.take(key, now))
        wait = max(waits, default=0.0)
        if wait <= 0:
            return None
        return Reply.rate_limited(max(1, math.ceil(wait)))

    def add_workspace(
        self,
        token: str,
        team_id: str,
        *,
        bot_user_id: str = BOT_USER_ID,
        enterprise_id: str | None = None,
    ) -> None:
        self.tokens[token] = {
            "team_id": team_id,
            "user_id": bot_user_id,
            "bot_id": BOT_ID,
            "enterprise_id": enterprise_id,
        }

    # --- reading -----------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait until ``method`` was called at least ``count`` times in all."""
        await self.wait_until(lambda: len(self.of(method)) >= count, within)
        return self.of(method)

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        if condition():
            return
        event = asyncio.Event()
        waiter = (condition, event)
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(event.wait(), within)
        finally:
            self._waiters.remove(waiter)

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """The bodies of chat.postMessage calls that succeeded, optionally for one channel."""
        return [
            c.body
            for c in self.of("chat.postMessage")
            if c.body.get("_ok") and (channel is None or c.body.get("channel") == channel)
        ]

    # --- serving -----------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data) if isinstance(data, dict) else {"_json": data}
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            body: dict[str, Any] = {}
            for key, value in form.items():
                body[key] = value if isinstance(value, str) else "<file>"
            for key in ("blocks", "view"):
                if isinstance(body.get(key), str):
                    with contextlib.suppress(ValueError):
                        body[key] = json.loads(body[key])
            return body
        text = await request.text()
        return {"_raw": text} if text else {}

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        for condition, event in list(self._waiters):
            if condition():
                event.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        body.update({k: v for k, v in request.query.items() if k not in body})
        call = Call(method, request.path, dict(request.headers), body)
        script = self._scripts.get(method)
        if script:
            reply = script.popleft()
        elif (over := self._over_limit(call)) is not None:
            reply = over
        elif method in self._handlers:
            reply = Reply(self._handlers[method](call))
        else:
            reply = Reply(self._default(call))
        call.body["_ok"] = reply.status == 200 and bool(reply.body.get("ok"))
        if reply.status == 429:
            self.limited[method] += 1
        if call.body["_ok"] and reply.body.get("ts"):
            call.body["_ts"] = reply.body["ts"]
        self._record(call)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes are
        POSTed there. Scripted replies and rate limits apply as to Web API methods
        (script or limit ``"upload"``); only an accepted upload is kept in ``uploads``."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        call = Call("upload", request.path, dict(request.headers), {"file_id": file_id})
        script = self._scripts.get("upload")
        reply = script.popleft() if script else self._over_limit(call)
        call.body["_ok"] = reply is None or reply.status == 200
        if reply is not None and reply.status == 429:
            self.limited["upload"] += 1
        if call.body["_ok"]:
            self.uploads[file_id] = data
        self._record(call)
        if reply is not None and reply.status != 200:
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        return web.Response(text="OK - upload received")

    def completed_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """The files shared by successful files.completeUploadExternal calls (optionally
        in one channel), each with its ``bytes`` as uploaded and the call's ``thread_ts``."""
        shared = []
        for call in self.of("files.completeUploadExternal"):
            if not call.body.get("_ok") or channel not in (None, call.body.get("channel_id")):
                continue
            files = call.body.get("files")
            for listed in json.loads(files) if isinstance(files, str) else files or []:
                shared.append(
                    {
                        **listed,
                        "bytes": self.uploads.get(listed["id"]),
                        "channel_id": call.body.get("channel_id"),
                        "thread_ts": call.body.get("thread_ts"),
                    }
                )
        return shared

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._socket_ws = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        self._socket_open.set()
        async for message in ws:
            if message.type != web.WSMsgType.TEXT:
                continue
            ack = json.loads(message.data)
            self._record(Call("socket.ack", "/socket", {}, ack))
            waiter = self._acks.pop(str(ack.get("envelope_id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(ack)
        self._socket_open.clear()
        return ws

    async def socket_send(
        self, payload: dict[str, Any], *, kind: str = "events_api", within: float = 10.0
    ) -> dict[str, Any]:
        """Deliver ``payload`` over Socket Mode, as Slack does; returns the app's ack."""
        await asyncio.wait_for(self._socket_open.wait(), within)
        assert self._socket_ws is not None
        envelope_id = uuid.uuid4().hex
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = waiter
        await self._socket_ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "payload": payload,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(waiter, within)

    def _workspace(self, call: Call) -> dict[str, Any]:
        return self.tokens.get(
            call.token or "", {"team_id": self.team_id, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        )

    def _default(self, call: Call) -> dict[str, Any]:
        body = call.body
        method = call.method
        if method == "auth.test":
            ws = self._workspace(call)
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "vsa",
                "team_id": ws["team_id"],
                "user_id": ws["user_id"],
                "bot_id": ws["bot_id"],
                "enterprise_id": ws.get("enterprise_id"),
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or f"{1_700_000_000 + next(self._ts)}.000100"
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {"text": body.get("text"), "blocks": body.get("blocks"), "ts": ts},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}
        if method == "users.info":
            user_id = str(body.get("user"))
            user = self.users.get(user_id) or {
                "id": user_id,
                "name": user_id.lower(),
                "real_name": f"Person {user_id}",
                "tz": "Europe/Berlin",
                "profile": {"display_name": f"person-{user_id.lower()}"},
            }
            return {"ok": True, "user": user}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{str(body.get('users'))[1:]}"}}
        if method == "conversations.info":
            channel = str(body.get("channel"))
            return {
                "ok": True,
                "channel": {
                    "id": channel,
                    "is_im": channel.startswith("D"),
                    "is_ext_shared": channel in self.ext_shared,
                    "is_pending_ext_shared": channel in self.pending_ext_shared,
                },
            }
        if method in ("views.publish", "views.open", "views.update"):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(body.get("view") or {})}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = body.get("files")
            listed = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in listed]}
        if method == "files.info":
            return {"ok": True, "file": {"id": body.get("file")}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "socket"}
        if method == "oauth.v2.access":
            return oauth_access_body()
        return {"ok": True}


def oauth_access_body(
    *,
    team_id: str = "T0002",
    token: str = "xoxb-installed",
    refresh_token: str | None = None,
    expires_in: int | None = None,
) -> dict[str, Any]:
    """What oauth.v2.access answers for a bot install (optionally with token rotation)."""
    body: dict[str, Any] = {
        "ok": True,
        "app_id": "A0001",
        "authed_user": {"id": "UADMIN"},
        "scope": "chat:write,commands,im:history",
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": BOT_USER_ID,
        "team": {"id": team_id, "name": "Second Workspace"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
        body["expires_in"] = expires_in or 43200
    return body


# --- signed requests -----------------------------------------------------------------


def signed(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with (v0 HMAC-SHA256 of ts:body)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def json_request(body: Mapping[str, Any]) -> tuple[str, str]:
    return json.dumps(body), "application/json"


def form_request(fields: Mapping[str, str]) -> tuple[str, str]:
    return urlencode(fields), "application/x-www-form-urlencoded"


def payload_request(payload: Mapping[str, Any]) -> tuple[str, str]:
    """Interactivity (block_actions, view_submission) comes as a form field ``payload``."""
    return form_request({"payload": json.dumps(payload)})


def _ts() -> str:
    return f"{time.time():.6f}"


def _user_event(
    kind: str,
    text: str,
    *,
    user: str,
    channel: str,
    team: str,
    thread_ts: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """A message a person sent (``message`` or ``app_mention``), as Slack shapes it."""
    ts = _ts()
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "team": team,
        **extra,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_body(
    text: str,
    *,
    user: str = "U0001",
    channel: str = "D0001",
    team: str = "T0001",
    event_id: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "im",
    enterprise_id: str | None = None,
    **event_extra: Any,
) -> dict[str, Any]:
    """An Events API ``message`` callback (``message.im`` by default)."""
    event = _user_event(
        "message",
        text,
        user=user,
        channel=channel,
        team=team,
        thread_ts=thread_ts,
        channel_type=channel_type,
        **event_extra,
    )
    return _callback(event, team, event_id, enterprise_id)


def mention_body(
    text: str,
    *,
    user: str = "U0001",
    channel: str = "C0001",
    team: str = "T0001",
    thread_ts: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Events API ``app_mention`` callback (``@vsa ...`` in a channel)."""
    event = _user_event(
        "app_mention", text, user=user, channel=channel, team=team, thread_ts=thread_ts
    )
    return _callback(event, team, event_id)


def home_opened_body(*, user: str = "U0001", team: str = "T0001") -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0001",
        "tab": "home",
        "event_ts": _ts(),
    }
    return _callback(event, team, None)


def _callback(
    event: dict[str, Any], team: str, event_id: str | None, enterprise_id: str | None = None
) -> dict[str, Any]:
    return {
        "token": "unused-verification-token",
        "team_id": team,
        "enterprise_id": enterprise_id,
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def command_fields(
    text: str,
    *,
    user: str = "U0001",
    channel: str = "D0001",
    team: str = "T0001",
    channel_name: str | None = None,
) -> dict[str, str]:
    """A ``/vsa`` slash command, as Slack posts it (form fields)."""
    return {
        "token": "unused-verification-token",
        "team_id": team,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": channel_name or ("directmessage" if channel.startswith("D") else "general"),
        "user_id": user,
        "user_name": user.lower(),
        "command": "/vsa",
        "text": text,
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001/1/abc",
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:12]}",
    }


def find_control(message: Mapping[str, Any], value: str) -> tuple[str, dict[str, Any]] | None:
    """The block id and action payload of the control offering ``value`` in a message we posted."""
    for block in message.get("blocks") or ():
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or ():
            if element.get("type") == "button" and element.get("value") == value:
                return block["block_id"], {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "text": element["text"],
                    "value": value,
                    "action_ts": _ts(),
                }
            for option in element.get("options") or ():
                if option.get("value") == value:
                    selected = {"text": option["text"], "value": value}
                    kind = element["type"]
                    action: dict[str, Any] = {
                        "type": kind,
                        "action_id": element["action_id"],
                        "block_id": block["block_id"],
                        "action_ts": _ts(),
                    }
                    if kind.startswith("multi_"):
                        action["selected_options"] = [selected]
                    else:
                        action["selected_option"] = selected
                    return block["block_id"], action
    return None


def block_actions_body(
    message: Mapping[str, Any],
    action: dict[str, Any],
    *,
    user: str = "U0001",
    channel: str = "D0001",
    team: str = "T0001",
) -> dict[str, Any]:
    """A click on ``message`` (a chat.postMessage body we sent, with its ``ts``)."""
    posted = {k: v for k, v in message.items() if not k.startswith("_")}
    ts = message.get("_ts") or posted.get("ts") or _ts()
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A0001",
        "token": "unused-verification-token",
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:12]}",
        "team": {"id": team, "domain": "example"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": ts,
            "text": posted.get("text"),
            "blocks": posted.get("blocks"),
            **({"thread_ts": posted["thread_ts"]} if posted.get("thread_ts") else {}),
        },
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0001/1/abc",
        "actions": [action],
    }


# --- reading what we posted, the way Slack shows it ---------------------------------


def markup_texts(node: object) -> list[str]:
    """Every text Slack parses for markup (pings, links, styles): ``mrkdwn`` text objects
    and a post's top-level ``text``. rich_text elements and plain_text are shown as given."""
    found: list[str] = []
    if isinstance(node, Mapping):
        if node.get("type") == "mrkdwn" or ("blocks" in node and isinstance(node.get("text"), str)):
            found.append(str(node["text"]))
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                found += markup_texts(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found += markup_texts(value)
    return found


def rich_elements(node: object) -> list[dict[str, Any]]:
    """The text and link elements of every rich_text block in ``node``, in order."""
    found: list[dict[str, Any]] = []
    if isinstance(node, Mapping):
        if node.get("type") in ("text", "link"):
            return [dict(node)]
        for value in node.values():
            found += rich_elements(value)
    elif isinstance(node, list | tuple):
        for value in node:
            found += rich_elements(value)
    return found


def shown(node: object) -> str:
    """The text a reader sees in blocks (or a post, a view): rich_text and plain_text as
    given, mrkdwn with its entities decoded; blocks one per line."""
    if isinstance(node, list | tuple):
        return "\n".join(filter(None, (shown(n) for n in node)))
    if not isinstance(node, Mapping):
        return ""
    kind = node.get("type")
    if "blocks" in node and kind in (None, "home", "modal"):
        return shown(node["blocks"])
    if kind in ("text", "link"):
        return str(node.get("text") or node.get("url") or "")
    if kind == "plain_text":
        return str(node["text"])
    if kind == "mrkdwn":
        text = str(node["text"])
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if kind == "rich_text_section":
        return "".join(shown(e) for e in node.get("elements") or ())
    if kind == "rich_text_list":
        return "\n".join(f"• {shown(e)}" for e in node.get("elements") or ())
    parts = [node.get("text"), *(node.get("fields") or ()), *(node.get("elements") or ())]
    return "\n".join(filter(None, (shown(p) for p in parts)))
