"""The Teams adapter: botbuilder's CloudAdapter on ``POST /api/messages``, and sends.

Receiving (``on_messages``): authenticate the Bot Framework token, translate the
activity, hand it to :meth:`Dispatcher.accept` (which records it durably and runs the
turn in the background) and answer at once; a command that takes seconds (``summary``)
first shows the bot typing. Teams expects an answer within 15 seconds
and redelivers otherwise, and a redelivery is recognised by its recorded id.

Sending (``send``/``update``, the :class:`assistant.dispatch.Adapter` contract): every
message goes through ``continue_conversation`` with the stored conversation reference,
so replies, reminders and sends after a restart take the same path. Calls are paced
and retried here (see :mod:`adapters.teams.delivery`); what still fails is handed back
to the outbox as a :class:`DeliveryError` and tried again later.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import string
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import DeserializationError, HttpOperationError  # type: ignore[attr-defined]

from adapters.teams import texts
from adapters.teams.delivery import (
    PERMANENT_STATUSES,
    RETRYABLE_STATUSES,
    Pacer,
    PacingDelay,
    RetryPolicy,
    Sleep,
    parse_retry_after,
)
from adapters.teams.render import render_parts
from adapters.teams.translate import (
    MAX_EVENT_ID,
    TEAMS_CHANNEL_ID,
    ActivityError,
    conversation_id_of,
    conversation_ref,
    members_added,
    person_ref,
    sender_of,
    to_inbound,
)
from assistant.dispatch import DeliveryError, Dispatcher, Progress
from assistant.events import ConversationRef, Inbound, Outbound, Person, Platform, Span, text
from assistant.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECT_TIMEOUT = 30  # seconds for one Bot Connector call
# Seconds the answer to Teams may wait for a typing indicator to be posted: Teams
# redelivers an activity not answered within 15 seconds, and the indicator is a nicety.
TYPING_TIMEOUT = 2
TEAMS_ADAPTER: web.AppKey[TeamsAdapter] = web.AppKey("teams_adapter")
_OUTCOME_KEY = "vsa.teams.outcome"


class TeamsConfigurationError(ValueError):
    """The Microsoft app settings do not describe a usable bot identity."""


@dataclass(frozen=True)
class BotConfiguration:
    """What botbuilder's configuration classes read, built from our one Settings object."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str

    @classmethod
    def of(cls, settings: Settings) -> BotConfiguration:
        app_type = settings.MICROSOFT_APP_TYPE
        tenant = settings.MICROSOFT_APP_TENANT_ID
        if app_type in ("SingleTenant", "UserAssignedMSI") and not tenant:
            raise TeamsConfigurationError(
                f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_TENANT_ID "
                "(the Azure tenant of the bot registration)"
            )
        if app_type != "MultiTenant" and not settings.MICROSOFT_APP_ID:
            raise TeamsConfigurationError(f"MICROSOFT_APP_TYPE={app_type} needs MICROSOFT_APP_ID")
        password = settings.MICROSOFT_APP_PASSWORD.get_secret_value()
        if settings.MICROSOFT_APP_ID and app_type != "UserAssignedMSI" and not password:
            raise TeamsConfigurationError(
                "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is empty: the bot could "
                "not sign its replies. Add a client secret of the app registration."
            )
        return cls(
            APP_ID=settings.MICROSOFT_APP_ID,
            APP_PASSWORD=password,
            APP_TYPE=app_type,
            APP_TENANTID=tenant,
        )


@dataclass
class _Outcome:
    """What the HTTP answer says about the activity: 202 queued, 200 nothing to do."""

    status: int = 200


def _span_template(template: str, **bold: str) -> tuple[str | Span, ...]:
    """``"Say {qualify} now"`` with ``qualify`` in bold, as paragraph parts."""
    parts: list[str | Span] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if field is not None:
            parts.append(Span(text=bold[field], style="bold"))
    return tuple(parts)


def welcome_message(ref: ConversationRef) -> Outbound:
    if ref.user is not None:
        return Outbound(
            blocks=(
                text(texts.WELCOME_PERSONAL),
                text(
                    *_span_template(
                        texts.HOW_TO_START_PERSONAL,
                        qualify=texts.COMMAND_QUALIFY,
                        help=texts.COMMAND_HELP,
                    )
                ),
            ),
            to=ref,
        )
    name = str(ref.data.get("botName") or texts.APP_NAME)
    return Outbound(
        blocks=(
            text(texts.WELCOME_CHANNEL),
            text(
                *_span_template(
                    texts.HOW_TO_START_CHANNEL,
                    name=name,
                    qualify=texts.COMMAND_QUALIFY,
                    help=texts.COMMAND_HELP,
                )
            ),
        ),
        to=ref,
    )


def greetings(activity: dict[str, Any]) -> list[tuple[str, Outbound]]:
    """The welcomes a conversationUpdate calls for, each with the id that makes it once-only.

    The bot added to a conversation greets that conversation (a personal chat greets
    its person). People added to a team or group chat where the bot already is are
    welcomed in a personal chat, not in the channel everyone reads.
    """
    bot_added, people = members_added(activity)
    ref = conversation_ref(activity)
    root = ref.model_copy(update={"thread": None})
    found: list[tuple[str, Outbound]] = []
    if ref.user is not None:
        if bot_added or people:
            found.append((welcome_id(ref.workspace, ref.user), welcome_message(root)))
        return found
    if bot_added:
        found.append((welcome_id(ref.workspace, ref.channel), welcome_message(root)))
    for person in people:
        found.append((welcome_id(ref.workspace, person), welcome_message(person_ref(ref, person))))
    return found


def welcome_id(workspace: str, whom: str) -> str:
    """The once-only id of a welcome (to a person, or to a channel or chat)."""
    found = f"welcome:{workspace}:{whom}"
    if len(found) > MAX_EVENT_ID:
        found = "welcome:sha256:" + hashlib.sha256(found.encode()).hexdigest()
    return found


def _without_retries(client: Any) -> None:
    # The connector's HTTP stack (requests + urllib3) would retry some statuses on its
    # own, sleeping in a worker thread and hiding Retry-After; we retry ourselves.
    policy = client.config.retry_policy
    policy.retries = 0  # total, connect and read
    policy.policy.status_forcelist = frozenset()
    client.config.connection.timeout = CONNECT_TIMEOUT


def is_external(member: Any, tenant: str) -> bool:
    """A conversation member from another organisation: a guest (or an anonymous
    meeting participant), or an account of another tenant than the conversation's."""
    if not isinstance(member, dict):
        return False
    if str(member.get("userRole") or "").lower() in ("guest", "anonymous"):
        return True
    member_tenant = member.get("tenantId")
    return bool(member_tenant) and str(member_tenant).lower() != tenant.lower()


def error_reference() -> str:
    """A short id that ties what a person is told to the log line an admin looks for."""
    return uuid.uuid4().hex[:10]


class TeamsAdapter:
    """Receives Teams activities and posts messages to Teams conversations."""

    platform: Platform = "teams"

    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        *,
        working: Callable[[Inbound], str | None],
        retry: RetryPolicy | None = None,
        pacer: Pacer | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.dispatcher = dispatcher
        # Whether a message asks for work that takes seconds (TurnService.working_note).
        self.working = working
        self.app_id = settings.MICROSOFT_APP_ID
        self.authentication = ConfigurationBotFrameworkAuthentication(BotConfiguration.of(settings))
        self.cloud = CloudAdapter(self.authentication)
        self.cloud.on_turn_error = self.on_turn_error
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer(max_wait=self.retry.max_inline_wait)
        self.sleep = sleep
        self._clients: dict[str, Any] = {}

    # -- receiving -----------------------------------------------------------------

    @staticmethod
    def _unauthorized(error: Exception) -> web.Response:
        # Never echo the header or the body; the reason is enough to debug.
        log.warning("teams: refused an activity without a valid token (%s)", type(error).__name__)
        return web.Response(status=401)

    async def on_messages(self, request: web.Request) -> web.StreamResponse:
        """``POST /api/messages``."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.Response(status=415)
        try:
            payload = await request.json()
        except ValueError:
            return web.Response(status=400, text="the body is not JSON")
        if not isinstance(payload, dict) or not payload.get("type"):
            return web.Response(status=400, text="the body is not an activity")
        try:
            activity = Activity().deserialize(payload)
        except DeserializationError:
            return web.Response(status=400, text="the body is not an activity")

        try:
            authenticated = await self.authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except PermissionError as error:  # (an OSError, so first) the token was refused
            return self._unauthorized(error)
        except OSError as error:  # the Bot Framework's signing keys could not be fetched
            log.error("teams: cannot check tokens: the signing keys are unreachable (%s)", error)
            return web.Response(status=503)  # the Bot Framework tries again later
        except Exception as error:
            # Besides PyJWT's errors, botframework-connector raises IndexError for a key id
            # it does not know, and a bare Exception for an algorithm it does not allow or
            # a key not endorsed for the channel: the token could not be verified either.
            return self._unauthorized(error)

        try:
            work = self._work_for(payload)
        except ActivityError as error:
            log.warning("teams: ignored a malformed %s activity: %s", payload.get("type"), error)
            return web.Response(status=400, text="the activity lacks a tenant or conversation")

        outcome = _Outcome()

        async def logic(context: TurnContext) -> None:
            context.turn_state[_OUTCOME_KEY] = outcome
            if work is not None:
                await work(context, outcome)

        invoke = await self.cloud.process_activity(authenticated, activity, logic)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=outcome.status)

    def _work_for(
        self, payload: dict[str, Any]
    ) -> Callable[[TurnContext, _Outcome], Awaitable[None]] | None:
        """Translate before the turn runs, so a malformed activity is a 400, not a turn error."""
        kind = payload.get("type")
        if kind == "message":
            inbound = to_inbound(payload)
            if inbound is None:
                return None
            return lambda context, outcome: self.on_message(context, inbound, outcome)
        if kind == "conversationUpdate":
            ref = conversation_ref(payload)
            sender = sender_of(payload)
            welcomes = greetings(payload)
            return lambda _context, _outcome: self.on_conversation_update(ref, sender, welcomes)
        return None  # typing, reactions, installationUpdate, ...: nothing to do

    async def on_message(self, context: TurnContext, inbound: Inbound, outcome: _Outcome) -> None:
        if self.working(inbound) is not None:
            await self._show_typing(context)
        if await self.dispatcher.accept(inbound):
            outcome.status = 202
        else:
            log.info("teams: %s was delivered before; ignored", inbound.event_id)

    @staticmethod
    async def _show_typing(context: TurnContext) -> None:
        """Teams' "is typing…" in the conversation, for a message whose answer takes
        seconds (``summary`` reads every finished interview), posted before its turn
        runs. One is enough; botbuilder's ShowTypingMiddleware
        repeats it only while the turn handler runs, and ours returns once the message
        is recorded. Best effort: the message is handled whether it shows or not."""
        typing = Activity(type=ActivityTypes.typing)
        try:
            await asyncio.wait_for(context.send_activity(typing), TYPING_TIMEOUT)
        except Exception as error:  # unreachable, throttled, timed out: nothing lost
            log.info("teams: could not show the typing indicator (%s)", type(error).__name__)

    async def on_conversation_update(
        self, ref: ConversationRef, sender: Person, welcomes: list[tuple[str, Outbound]]
    ) -> None:
        """Remember the conversation (a team the bot joined is a place to post reminders)
        and greet once: each welcome has its own once-only id (see :func:`greetings`)."""
        await self.dispatcher.send_once(ref.model_copy(update={"thread": None}), sender, welcomes)

    async def on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """The one hook for a failed turn: log it with an id, tell the person kindly."""
        reference = error_reference()
        log.error(
            "teams: turn failed [ref %s]: %s", reference, type(error).__name__, exc_info=error
        )
        outcome = context.turn_state.get(_OUTCOME_KEY)
        if isinstance(outcome, _Outcome):
            outcome.status = 500  # nothing was recorded: let the Bot Framework redeliver
        notice = render_parts(
            Outbound(blocks=(text(texts.TURN_ERROR.format(reference=reference)),))
        )
        try:
            await context.send_activity(Activity().deserialize(notice[0].activity))
        except Exception as send_error:
            log.warning("teams: could not tell the person about ref %s: %s", reference, send_error)

    # -- sending (assistant.dispatch.Adapter) ---------------------------------------

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        """Post ``message`` (in several activities when it is long: those ``progress``
        says are out already are not posted again); return the id of the activity that
        holds its question, else of the last one."""
        parts = render_parts(message)
        if not parts:
            return None
        to = await self._open(to)
        conversation_id = conversation_id_of(to)
        client = await self._client(to)
        for index in range(len(progress.posted), len(parts)):
            activity = self._outgoing(to, parts[index].activity)

            def post(activity: Activity = activity) -> Awaitable[Any]:
                sent: Awaitable[Any] = client.conversations.send_to_conversation(
                    conversation_id, activity
                )
                return sent

            response = await self._call(conversation_id, post, to)
            posted_id = getattr(response, "id", None)
            await progress.part_posted(
                str(posted_id) if posted_id else None, more=index + 1 < len(parts)
            )
        posted = progress.posted[: len(parts)]
        ids = [posted[i] for i, part in enumerate(parts[: len(posted)]) if part.question]
        return (ids or posted or [None])[-1]

    async def shared_externally(self, to: ConversationRef) -> bool:
        """Whether another organisation reads the conversation now: one of its members
        is a guest, or belongs to another tenant than the conversation's (a shared
        channel, a chat with someone outside). Asked at every post of an internal
        message (GET /v3/conversations/{id}/members), never cached: people join at
        any moment, and internal messages are few."""
        to = await self._open(to)
        client = await self._client(to)
        conversation_id = to.channel  # a channel's members, not a thread's

        def members() -> Awaitable[Any]:
            listed: Awaitable[Any] = client.conversations.get_conversation_members(
                conversation_id, raw=True
            )
            return listed

        raw = await self._call(conversation_id, members, to)
        try:
            # The connector's HTTP stack is requests: the raw response is a requests.Response.
            found = json.loads(raw.response.text)
        except (AttributeError, TypeError, ValueError):
            found = None
        if not isinstance(found, list):  # fail closed: the message waits, and is tried again
            raise DeliveryError("the Bot Connector's member list is unreadable", retry_after=60)
        return any(is_external(member, to.workspace) for member in found)

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        """Replace an activity we posted (a question, once answered) in place."""
        parts = render_parts(message)
        if not parts or not to.channel:
            return
        conversation_id = conversation_id_of(to)
        client = await self._client(to)
        activity = self._outgoing(to, parts[0].activity)
        activity.id = message_id
        await self._call(
            conversation_id,
            lambda: client.conversations.update_activity(conversation_id, message_id, activity),
            to,
        )

    def _reference(self, to: ConversationRef) -> ConversationReference:
        service_url = to.data.get("serviceUrl")
        if not service_url:
            raise DeliveryError("no serviceUrl is stored for this conversation", permanent=True)
        return ConversationReference(
            channel_id=str(to.data.get("channelId") or TEAMS_CHANNEL_ID),
            service_url=str(service_url),
            conversation=ConversationAccount(
                id=conversation_id_of(to) if to.channel else None,
                tenant_id=to.workspace,
                conversation_type=to.data.get("conversationType"),
            ),
            bot=ChannelAccount(id=to.data.get("botId"), name=to.data.get("botName")),
            user=ChannelAccount(id=to.user) if to.user else None,
        )

    async def _client(self, to: ConversationRef) -> Any:
        """An authenticated Bot Connector client for the conversation's service URL,
        made by ``continue_conversation`` from the stored reference."""
        reference = self._reference(to)
        client = self._clients.get(reference.service_url)
        if client is not None:
            return client
        grabbed: list[Any] = []

        async def grab(context: TurnContext) -> None:
            grabbed.append(context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY))

        try:
            await self.cloud.continue_conversation(reference, grab, bot_app_id=self.app_id)
        except Exception as error:  # credentials: misconfigured, or the login service is down
            log.warning("teams: no connector for a conversation: %s", type(error).__name__)
            raise DeliveryError(f"no Bot Connector client: {error}", retry_after=60) from error
        if not grabbed or grabbed[0] is None:
            raise DeliveryError("no Bot Connector client", retry_after=60)
        client = grabbed[0]
        _without_retries(client)
        self._clients[reference.service_url] = client
        return client

    def _outgoing(self, to: ConversationRef, payload: dict[str, Any]) -> Activity:
        activity: Activity = Activity().deserialize(payload)
        activity.channel_id = str(to.data.get("channelId") or TEAMS_CHANNEL_ID)
        activity.service_url = str(to.data.get("serviceUrl"))
        activity.conversation = ConversationAccount(
            id=conversation_id_of(to),
            tenant_id=to.workspace,
            conversation_type=to.data.get("conversationType"),
        )
        activity.from_property = ChannelAccount(
            id=to.data.get("botId"), name=to.data.get("botName")
        )
        if to.user:
            activity.recipient = ChannelAccount(id=to.user)
        # Teams reads the tenant of a proactive message from channelData.
        activity.channel_data = {"tenant": {"id": to.workspace}}
        return activity

    async def _open(self, to: ConversationRef) -> ConversationRef:
        """A personal conversation that does not exist yet is created (POST /v3/conversations)
        and remembered, so the next send to this person finds it."""
        if to.channel:
            return to
        if not to.user:
            raise DeliveryError("a conversation reference with no conversation", permanent=True)
        client = await self._client(to)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=to.data.get("botId")),
            members=[ChannelAccount(id=to.user)],
            tenant_id=to.workspace,
            channel_data={"tenant": {"id": to.workspace}},
        )
        created = await self._call(
            f"create:{to.workspace}",
            lambda: client.conversations.create_conversation(parameters),
            to,
        )
        if not getattr(created, "id", None):
            raise DeliveryError("the Bot Connector created no conversation", retry_after=60)
        opened = to.model_copy(update={"channel": str(created.id)})
        await self.dispatcher.remember(opened)
        return opened

    async def _call(
        self, pace_key: str, call: Callable[[], Awaitable[T]], to: ConversationRef
    ) -> T:
        """One Bot Connector call, paced and retried; a DeliveryError when it can't be done now."""
        for attempt in range(self.retry.attempts):
            limited = False  # a 429: the Bot Connector asks us to wait, nothing is wrong
            try:
                await self.pacer.acquire(pace_key)
            except PacingDelay as delay:
                raise DeliveryError(str(delay), retry_after=delay.wait, rate_limited=True) from None
            try:
                return await call()
            except HttpOperationError as error:
                response = getattr(error, "response", None)
                status = getattr(response, "status_code", None)
                headers = getattr(response, "headers", None) or {}
                if status in PERMANENT_STATUSES:
                    raise DeliveryError(
                        f"the Bot Connector refused the message ({status})", permanent=True
                    ) from None
                if status not in RETRYABLE_STATUSES:
                    raise DeliveryError(
                        f"the Bot Connector answered {status}", retry_after=60
                    ) from None
                retry_after = parse_retry_after(headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self.retry.backoff(attempt)
                reason = f"the Bot Connector answered {status}"
                limited = status == 429
            except DeliveryError:
                raise
            except Exception as error:  # unreachable, timed out, token service down
                wait = self.retry.backoff(attempt)
                reason = f"the Bot Connector is unreachable ({type(error).__name__})"
            if attempt + 1 >= self.retry.attempts or wait > self.retry.max_inline_wait:
                raise DeliveryError(reason, retry_after=max(wait, 1.0), rate_limited=limited)
            log.info("teams: %s; retry %d in %.2fs", reason, attempt + 1, wait)
            await self.sleep(wait)
        raise DeliveryError("no attempts configured", retry_after=60)  # attempts < 1

    # -- lifecycle ------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for the turns and deliveries started so far (and those they start)."""
        await self.dispatcher.drain()

    async def close(self) -> None:
        # The turns under way were given their time at shutdown (the dispatcher's close).
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                await client.__aexit__(None, None, None)  # its HTTP session
            except Exception as error:
                log.debug("teams: closing a connector client: %s", error)
