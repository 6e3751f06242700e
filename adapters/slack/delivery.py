"""Posting to Slack: the :class:`assistant.dispatch.Adapter` for the Web API.

Rate limits follow Slack's rules: a 429 is retried after its ``Retry-After`` by
slack-sdk's rate-limit retry handler (off by default, so we turn it on); posts to
one channel are paced to about one per second with a short burst, as
chat.postMessage allows; when the retries run out we raise
:class:`~assistant.dispatch.DeliveryError` with the wait Slack asked for, and the
outbox keeps the message for later (never lost, never posted twice).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import texts
from adapters.slack.render import SlackPost, SlackUpload, escape, render
from assistant.dispatch import DeliveryError, Progress
from assistant.events import ConversationRef, Outbound, Platform

log = logging.getLogger(__name__)
# slack-sdk logs whole request and response bodies at DEBUG (what participants answered,
# OAuth codes); its clients log here, and this logger stays at INFO whatever the root says.
SDK_LOG = logging.getLogger("adapters.slack.sdk")
SDK_LOG.setLevel(logging.INFO)

RATE_LIMIT_RETRIES = 2
MAX_INLINE_RETRY_AFTER = 3.0  # seconds we wait inside a call; longer goes back to the outbox
# An upload URL that kept refusing a file (a 5xx, or a 429 with a long Retry-After).
UPLOAD_RETRY_AFTER = 30.0
# chat.postMessage: "1 message per second per channel, short bursts allowed".
POST_INTERVAL = 1.0
POST_BURST = 3
API_TIMEOUT = 10  # seconds per Web API call
LOOKUP_TIMEOUT = 1.5  # users.info / conversations.open before an ack: keep within 3 s
# Errors that another try won't fix: the conversation or the installation is gone.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "restricted_action",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "user_is_restricted",
        "not_allowed_token_type",
        "method_not_supported_for_channel_type",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
    }
)


class ShortRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack-sdk's 429 handler (it sleeps for Retry-After, then retries), for short
    waits only: a longer Retry-After fails the call at once, and the outbox sends the
    message when it is due instead of a turn sleeping on it."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        for name, values in response.headers.items():
            if name.lower() == "retry-after":
                try:
                    return float(values[0]) <= MAX_INLINE_RETRY_AFTER
                except (IndexError, ValueError):
                    return True
        return True


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        ShortRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]


def retry_after_of(error: SlackApiError) -> float | None:
    headers: Mapping[str, Any] = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return None
    return None


def delivery_error(method: str, error: SlackApiError) -> DeliveryError:
    status = getattr(error.response, "status_code", None)
    code = ""
    try:
        code = str(error.response.get("error") or "")
    except Exception:  # a non-JSON answer
        code = ""
    if status == 429 or code == "ratelimited":
        retry_after = retry_after_of(error) or 1.0
        return DeliveryError(f"{method}: rate limited", retry_after=retry_after, rate_limited=True)
    return DeliveryError(f"{method}: {code or status}", permanent=code in PERMANENT_ERRORS)


class ChannelPacer:
    """About one post per second per channel, with a short burst (GCRA)."""

    def __init__(
        self,
        interval: float | None = None,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = POST_INTERVAL if interval is None else interval
        self.burst = POST_BURST if burst is None else burst
        self._clock = clock
        self._sleep = sleep
        self._tat: dict[str, float] = {}

    def reserve(self, channel: str) -> float:
        """Take the next slot for ``channel``; returns how long to wait for it."""
        now = self._clock()
        if len(self._tat) > 10_000:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        tat = max(self._tat.get(channel, now), now) + self.interval
        self._tat[channel] = tat
        return max(0.0, tat - self.burst * self.interval - now)

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel)
        if delay > 0:
            await self._sleep(delay)


class TokenSource(Protocol):
    async def bot_token(self, ref_data: Mapping[str, Any]) -> str | None: ...


class SingleToken:
    """One workspace, one bot token (SLACK_BOT_TOKEN)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, ref_data: Mapping[str, Any]) -> str | None:
        return self._token


class InstalledTokens:
    """Many workspaces: the bot token of each installation, refreshed before it expires
    when token rotation is on."""

    def __init__(
        self,
        store: AsyncInstallationStore,
        rotator: AsyncTokenRotator | None,
        minutes_before_expiration: int = 120,
    ) -> None:
        self.store = store
        self.rotator = rotator
        self.minutes_before_expiration = minutes_before_expiration

    async def bot_token(self, ref_data: Mapping[str, Any]) -> str | None:
        bot = await self.store.async_find_bot(
            enterprise_id=ref_data.get("enterprise_id"),
            team_id=ref_data.get("team_id"),
            is_enterprise_install=bool(ref_data.get("is_enterprise_install")),
        )
        if bot is None:
            return None
        if self.rotator is not None and bot.bot_refresh_token:
            refreshed = await self.rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self.minutes_before_expiration
            )
            if refreshed is not None:
                await self.store.async_save_bot(refreshed)
                bot = refreshed
        return bot.bot_token


class Clients:
    """Web API clients sharing one HTTP session: one per token, made on first use."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.session: aiohttp.ClientSession | None = None
        self._clients: dict[tuple[str | None, bool], AsyncWebClient] = {}

    def get(self, token: str | None, *, retries: bool = True) -> AsyncWebClient:
        key = (token, retries)
        client = self._clients.get(key)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self.base_url,
                session=self.session,
                timeout=API_TIMEOUT if retries else int(LOOKUP_TIMEOUT) + 1,
                retry_handlers=retry_handlers() if retries else [],
                logger=SDK_LOG,
            )
            if len(self._clients) > 1000:
                self._clients.clear()
            self._clients[key] = client
        return client

    async def open(self) -> None:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=API_TIMEOUT))
            for client in self._clients.values():
                client.session = self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.session = None
        self._clients.clear()


class SlackAdapter:
    """Sends and updates messages for the dispatcher (the Adapter protocol)."""

    platform: Platform = "slack"

    def __init__(
        self, clients: Clients, tokens: TokenSource, pacer: ChannelPacer | None = None
    ) -> None:
        self.clients = clients
        self.tokens = tokens
        self.pacer = pacer or ChannelPacer()
        # DM channels opened for people, by (workspace, user): asked once per process.
        self._dms: dict[tuple[str, str], str] = {}
        # conversations.open is Tier 3 per workspace: until when Slack asked us to wait.
        self._open_blocked: dict[str, float] = {}
        self._open_locks: dict[str, asyncio.Lock] = {}

    async def client_for(self, to: ConversationRef, *, retries: bool = True) -> AsyncWebClient:
        token = await self.tokens.bot_token(to.data)
        if token is None:
            raise DeliveryError(
                f"no Slack installation for workspace {to.workspace}", permanent=True
            )
        return self.clients.get(token, retries=retries)

    async def _open(self, client: AsyncWebClient, to: ConversationRef) -> ConversationRef:
        """A person's DM whose channel we don't know yet (an invitation to someone who
        never wrote to us): conversations.open finds or creates it (Tier 3; a refusal,
        such as a guest the app may not message, is permanent)."""
        if to.channel or not to.user:
            return to
        key = (to.workspace, to.user)
        channel = self._dms.get(key)
        if channel is None:
            channel = await self._open_dm(client, to.workspace, to.user)
            if len(self._dms) > 50_000:
                self._dms.clear()
            self._dms[key] = channel
        return to.model_copy(update={"channel": channel})

    async def _open_dm(self, client: AsyncWebClient, workspace: str, user: str) -> str:
        # One open at a time per workspace; after a 429, every DM still to open there
        # waits out the same Retry-After in the outbox instead of asking Slack again (a
        # burst of invitations would otherwise spend most of its calls being refused:
        # conversations.open is Tier 3, about 50 a minute). No inline retries either.
        async with self._open_locks.setdefault(workspace, asyncio.Lock()):
            wait = self._open_blocked.get(workspace, 0.0) - time.monotonic()
            if wait > 0:
                raise DeliveryError(
                    "conversations.open: rate limited", retry_after=wait, rate_limited=True
                )
            try:
                response = await self.clients.get(client.token, retries=False).conversations_open(
                    users=user
                )
            except SlackApiError as error:
                failure = delivery_error("conversations.open", error)
                if failure.rate_limited and failure.retry_after:
                    self._open_blocked[workspace] = time.monotonic() + failure.retry_after
                raise failure from None
            except (aiohttp.ClientError, TimeoutError) as error:
                raise DeliveryError(f"conversations.open: {type(error).__name__}") from None
        channel = (response.get("channel") or {}).get("id")
        if not channel:
            raise DeliveryError("conversations.open: no channel", retry_after=60)
        return str(channel)

    async def shared_externally(self, to: ConversationRef) -> bool:
        """Whether another organisation reads the conversation now: a Slack Connect
        channel (``is_ext_shared``), or one with an invitation to share it pending.
        Asked at every post of an internal message, never cached: a channel can be
        shared at any moment, and internal messages are few (conversations.info is
        Tier 3, about 50 a minute)."""
        client = await self.client_for(to)
        to = await self._open(client, to)
        try:
            response = await client.conversations_info(channel=to.channel)
        except SlackApiError as error:
            raise delivery_error("conversations.info", error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"conversations.info: {type(error).__name__}") from None
        channel = response.get("channel") or {}
        return bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        """Post ``message`` (several posts when it is long: the parts ``progress`` says
        are out already are not posted again); the ts of the post with its question,
        else of the last post."""
        parts = render(message)
        if not parts:
            return None
        client = await self.client_for(to)
        to = await self._open(client, to)
        for index in range(len(progress.posted), len(parts)):
            ts = await self._deliver_part(client, to, parts[index], only_for=message.only_for)
            await progress.part_posted(ts, more=index + 1 < len(parts))
        question_ts: str | None = None
        last_ts: str | None = None
        for part, ts in zip(parts, progress.posted, strict=False):
            if isinstance(part, SlackPost):
                last_ts = ts or last_ts
                if part.question:
                    question_ts = ts
        return question_ts or last_ts

    async def _deliver_part(
        self,
        client: AsyncWebClient,
        to: ConversationRef,
        part: SlackPost | SlackUpload,
        *,
        only_for: str | None,
    ) -> str | None:
        await self.pacer.wait(to.channel)
        if isinstance(part, SlackUpload):
            return await self._upload(client, to, part)
        try:
            if only_for is not None:
                response = await client.chat_postEphemeral(
                    channel=to.channel, user=only_for, thread_ts=to.thread, **part.payload()
                )
                return None  # an ephemeral message can't be updated later
            response = await client.chat_postMessage(
                channel=to.channel,
                thread_ts=to.thread,
                unfurl_links=False,
                unfurl_media=False,
                **part.payload(),
            )
        except SlackApiError as error:
            raise delivery_error("chat.postMessage", error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"chat.postMessage: {type(error).__name__}") from None
        ts = response.get("ts")
        return str(ts) if ts else None

    async def _upload(
        self, client: AsyncWebClient, to: ConversationRef, part: SlackUpload
    ) -> str | None:
        try:
            response = await client.files_upload_v2(
                channel=to.channel,
                thread_ts=to.thread,
                content=part.content,
                filename=part.filename,
                title=part.title,
                alt_txt=part.alt_text,
            )
        except SlackApiError as error:
            failure = delivery_error("files.upload", error)
            if failure.retry_after is not None or not failure.permanent:
                raise failure from None
            # Missing files:write or a refused file type: say so instead of failing the
            # whole message (the text around it is still worth having).
            log.warning("file upload refused: %s", failure)
            await client.chat_postMessage(
                channel=to.channel,
                thread_ts=to.thread,
                text=texts.FILE_UPLOAD_FAILED.format(title=escape(part.title)),
                mrkdwn=False,
            )
            return None
        except SlackRequestError:
            # The upload URL refused the bytes (after the client's own retries): nothing
            # was shared yet, so the outbox tries the whole upload again later.
            raise DeliveryError(
                "files.upload: the upload URL refused the file", retry_after=UPLOAD_RETRY_AFTER
            ) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"files.upload: {type(error).__name__}") from None
        file = response.get("file") or {}
        return str(file.get("id")) if isinstance(file, dict) and file.get("id") else None

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        posts = [part for part in render(message) if isinstance(part, SlackPost)]
        if not posts:
            return
        client = await self.client_for(to)
        to = await self._open(client, to)
        try:
            await client.chat_update(channel=to.channel, ts=message_id, **posts[0].payload())
        except SlackApiError as error:
            raise delivery_error("chat.update", error) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"chat.update: {type(error).__name__}") from None
