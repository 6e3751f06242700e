"""The Slack app: Bolt's AsyncApp on the project's aiohttp server, and Socket Mode.

Every request follows Slack's 3-second rule (https://docs.slack.dev/apis/events-api/
#responding): Bolt verifies the signature, we translate the payload into a frozen
:class:`~assistant.events.Inbound` and hand it to :meth:`Dispatcher.accept`, which
records it durably (deduplicated on the event id in the database, so a redelivery
with ``X-Slack-Retry-Num`` is recognised on any replica) and runs the turn in the
background; then we acknowledge. ``process_before_response=True`` makes Bolt answer
once our listener returned, so "recorded" always happens before "acknowledged".
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.signature import SignatureVerifier

from adapters.server import ConfigurationError
from adapters.slack import oauth, texts
from adapters.slack.delivery import (
    LOOKUP_TIMEOUT,
    ChannelPacer,
    Clients,
    InstalledTokens,
    SingleToken,
    SlackAdapter,
    TokenSource,
)
from adapters.slack.inbound import (
    Context,
    Tenant,
    command_to_inbound,
    is_dm_channel,
    tenant_of,
    to_inbound,
)
from adapters.slack.render import (
    ACTION_PREFIX,
    MODAL_ACTION,
    MODAL_CALLBACK,
    answer_modal,
    render_home,
)
from assistant.app import Assistant
from assistant.events import Inbound, Person

log = logging.getLogger(__name__)
# Bolt logs request bodies at DEBUG; its loggers copy this one's level (INFO, fixed).
BOLT_LOG = logging.getLogger("adapters.slack.bolt")
BOLT_LOG.setLevel(logging.INFO)

USER_CACHE_SECONDS = 3600
MAX_NAMED_MENTIONS = 10  # people named by users.info before an ack; the rest by id

SLACK_APP_KEY: web.AppKey[SlackApp] = web.AppKey("slack_app")


class _WithholdRequestDetails(logging.Filter):
    """Bolt logs a rejected request's signature and whole body at INFO; the body may
    hold a participant's answer. Keep the fact, drop the details."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Invalid request signature"):
            record.msg = "invalid request signature: request rejected (details withheld)"
            record.args = ()
        return True


_REDACTION = _WithholdRequestDetails()
for _name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"):
    logging.getLogger(_name).addFilter(_REDACTION)


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return raw or None


class SlackApp:
    """Bolt's AsyncApp, its listeners, and the delivery adapter for one process."""

    def __init__(self, assistant: Assistant, *, pacer: ChannelPacer | None = None) -> None:
        settings = assistant.settings
        self.assistant = assistant
        self.dispatcher = assistant.dispatcher
        signing_secret = _secret(settings.SLACK_SIGNING_SECRET)
        self.app_token = _secret(settings.SLACK_APP_TOKEN)
        bot_token = _secret(settings.SLACK_BOT_TOKEN)
        client_secret = _secret(settings.SLACK_CLIENT_SECRET)
        self.http_enabled = signing_secret is not None
        self.oauth_enabled = bool(settings.SLACK_CLIENT_ID and client_secret)
        if not self.http_enabled and self.app_token is None:
            raise ConfigurationError(
                "Slack is configured but SLACK_SIGNING_SECRET is not set: refusing to accept "
                "unsigned requests on /slack/events. Set SLACK_SIGNING_SECRET (Basic Information > "
                "App Credentials), or SLACK_APP_TOKEN to use Socket Mode instead."
            )
        if not (bot_token or self.oauth_enabled):
            raise ConfigurationError(
                "Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (installs via /slack/install)."
            )

        self.clients = Clients(settings.SLACK_API_URL)
        tokens: TokenSource
        bolt_args: dict[str, Any] = {}
        if self.oauth_enabled:
            assert settings.SLACK_CLIENT_ID is not None and client_secret is not None
            engine = assistant.db.async_engine
            store = oauth.installation_store(settings.SLACK_CLIENT_ID, engine)
            self.state_store = oauth.state_store(engine)
            app_client = self.clients.get(None)
            bolt_args = {
                "client": app_client,
                "installation_store": store,
                # Our own authorize: it talks to SLACK_API_URL (token rotation included)
                # and caches auth.test per token instead of calling it on every event.
                "authorize": AsyncInstallationStoreAuthorize(
                    logger=BOLT_LOG,
                    installation_store=store,
                    client_id=settings.SLACK_CLIENT_ID,
                    client_secret=client_secret,
                    cache_enabled=True,
                    client=app_client,
                ),
                "oauth_settings": AsyncOAuthSettings(
                    client_id=settings.SLACK_CLIENT_ID,
                    client_secret=client_secret,
                    scopes=list(oauth.BOT_SCOPES),
                    user_scopes=[],
                    installation_store=store,
                    state_store=self.state_store,
                    state_expiration_seconds=oauth.STATE_EXPIRATION_SECONDS,
                    callback_options=AsyncCallbackOptions(
                        success=self._install_succeeded, failure=self._install_failed
                    ),
                ),
            }
            tokens = InstalledTokens(
                store,
                AsyncTokenRotator(
                    client_id=settings.SLACK_CLIENT_ID,
                    client_secret=client_secret,
                    client=app_client,
                ),
            )
        else:
            assert bot_token is not None
            bolt_args = {"client": self.clients.get(bot_token)}
            tokens = SingleToken(bot_token)

        self.bolt = AsyncApp(
            name="vsa",
            logger=BOLT_LOG,
            signing_secret=signing_secret or "",
            request_verification_enabled=self.http_enabled,
            process_before_response=True,
            **bolt_args,
        )
        self.adapter = SlackAdapter(self.clients, tokens, pacer)
        self.socket_mode: AsyncSocketModeHandler | None = None
        self._users: dict[tuple[str, str], tuple[float, str | None, str | None]] = {}
        self._dms: dict[tuple[str, str], str] = {}
        self._register()

    # --- wiring -----------------------------------------------------------------

    def _register(self) -> None:
        bolt = self.bolt
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_message)
        bolt.event("app_home_opened")(self.on_app_home_opened)
        bolt.command("/vsa")(self.on_command)
        bolt.action(MODAL_ACTION)(self.on_write_answer)
        bolt.action(re.compile(rf"^{re.escape(ACTION_PREFIX)}\."))(self.on_action)
        bolt.action(re.compile(r".*"))(self.on_other_action)
        bolt.view(MODAL_CALLBACK)(self.on_submission)
        if self.oauth_enabled:
            bolt.enable_token_revocation_listeners()  # forget a workspace's tokens
        else:
            bolt.event("tokens_revoked")(self.on_other_action)
            bolt.event("app_uninstalled")(self.on_other_action)

    def mount(self, web_app: web.Application) -> None:
        if self.http_enabled:
            web_app.router.add_post("/slack/events", self.on_http)
        if self.oauth_enabled:
            web_app.router.add_get("/slack/install", self.on_install)
            web_app.router.add_get("/slack/oauth_redirect", self.on_oauth_redirect)
        web_app.on_startup.append(self.startup)
        web_app.on_cleanup.append(self.cleanup)
        web_app[SLACK_APP_KEY] = self
        self.dispatcher.register(self.adapter)
        log.info(
            "Slack on: %s%s%s",
            "HTTP events at /slack/events" if self.http_enabled else "no HTTP endpoint",
            ", OAuth installs at /slack/install"
            if self.oauth_enabled
            else ", one workspace (bot token)",
            ", Socket Mode" if self.app_token else "",
        )

    async def startup(self, _: web.Application | None = None) -> None:
        await self.clients.open()
        if self.app_token:
            self.socket_mode = AsyncSocketModeHandler(
                self.bolt, self.app_token, logger=BOLT_LOG, web_client=self.clients.get(None)
            )
            await self.socket_mode.connect_async()  # type: ignore[no-untyped-call]

    async def cleanup(self, _: web.Application | None = None) -> None:
        # The turns under way were given their time at shutdown (the dispatcher's close).
        if self.socket_mode is not None:
            await self.socket_mode.close_async()  # type: ignore[no-untyped-call]
        await self.clients.close()

    async def drain(self) -> None:
        """Wait until every turn accepted so far has run and its replies were delivered,
        and App Home publishing with them (tests)."""
        await self.dispatcher.drain()

    # --- HTTP -----------------------------------------------------------------------

    async def on_http(self, request: web.Request) -> web.StreamResponse:
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:
            # Unparseable. Still tell a forger from a broken client, and echo nothing.
            body = await request.text()
            secret = _secret(self.assistant.settings.SLACK_SIGNING_SECRET) or ""
            if not SignatureVerifier(secret).is_valid_request(body, dict(request.headers)):
                return web.Response(status=401, text="invalid signature")
            return web.Response(status=400, text="malformed request")
        response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    async def on_install(self, request: web.Request) -> web.StreamResponse:
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def on_oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self.bolt.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    async def _install_succeeded(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        log.info("installed in workspace %s", installation.team_id or installation.enterprise_id)
        return BoltResponse(
            status=200, body=_page(texts.INSTALL_SUCCESS), headers={"content-type": "text/html"}
        )

    async def _install_failed(self, args: AsyncFailureArgs) -> BoltResponse:
        log.warning("installation failed: %s", args.reason)
        return BoltResponse(
            status=args.suggested_status_code,
            body=_page(texts.INSTALL_FAILURE.format(reason=args.reason)),
            headers={"content-type": "text/html"},
        )

    # --- listeners --------------------------------------------------------------------

    async def on_message(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        inbound = to_inbound(body, Context(bot_user_id=context.bot_user_id))
        if inbound is not None:
            # Also for a thread reply that may prove not for us (the turn decides): one
            # in a dialog needs the sender's timezone ("tomorrow") and name ("me").
            inbound = await self._with_sender(inbound, context)
            await self.dispatcher.accept(inbound)
        await ack()

    async def on_command(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        tenant = tenant_of(body)
        user_id = body["user_id"]
        name, timezone = await self._user(context, tenant, user_id)
        inbound = command_to_inbound(
            body,
            Context(
                bot_user_id=context.bot_user_id,
                sender_name=name or body.get("user_name"),
                sender_timezone=timezone,
            ),
        )
        inbound = await self._with_mentioned(inbound, context)
        await self.dispatcher.accept(inbound)
        # A command that takes seconds is answered at once with what is under way: text
        # in the slash command's response is an ephemeral message only its sender sees
        # (https://docs.slack.dev/interactivity/implementing-slash-commands). Any other
        # command is acknowledged with nothing to show: its reply comes in a moment.
        working = self.assistant.service.working_note(inbound)
        if working is not None:
            await ack(text=working)
        else:
            await ack()

    async def on_action(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        tenant = tenant_of(body)
        user_id = (body.get("user") or {}).get("id", "")
        dm = None
        if (body.get("container") or {}).get("type") == "view":
            dm = await self._dm_channel(context, tenant, user_id)
        inbound = to_inbound(body, Context(bot_user_id=context.bot_user_id, dm_channel=dm))
        if inbound is not None:
            inbound = await self._with_sender(inbound, context)
            await self.dispatcher.accept(inbound)
        await ack()

    async def on_other_action(self, ack: AsyncAck) -> None:
        await ack()  # link buttons, uninstalls with one fixed token: nothing to do but answer

    async def on_write_answer(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        await ack()
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id")
        if not channel:
            return
        thread = None
        if not is_dm_channel(channel):
            thread = message.get("thread_ts") or message.get("ts")
        action = (body.get("actions") or [{}])[0]
        metadata = {"channel": channel, "thread": thread, "prompt": action.get("value")}
        question = _question_block(message.get("blocks") or [], action.get("block_id"))
        try:
            # trigger_id is valid for 3 seconds: open the modal now, not in the background.
            await context.client.views_open(
                trigger_id=body["trigger_id"], view=answer_modal(question, metadata)
            )
        except SlackApiError as error:
            log.warning("could not open the answer modal: %s", error.response.get("error"))

    async def on_submission(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        inbound = to_inbound(body, Context(bot_user_id=context.bot_user_id))
        if inbound is not None:
            inbound = await self._with_sender(inbound, context)
            await self.dispatcher.accept(inbound)
        await ack()

    async def on_app_home_opened(
        self, body: dict[str, Any], ack: AsyncAck, context: AsyncBoltContext
    ) -> None:
        await ack()
        event = body.get("event") or {}
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        token = context.bot_token
        self.dispatcher.spawn(
            self.publish_home(tenant_of(body), event["user"], token, context),
            "publishing App Home",
        )

    # --- App Home -------------------------------------------------------------------

    async def publish_home(
        self, tenant: Tenant, user_id: str, token: str | None, context: AsyncBoltContext
    ) -> None:
        name, timezone = await self._user(context, tenant, user_id)
        person = Person(
            platform="slack",
            workspace=tenant.workspace,
            user_id=user_id,
            name=name,
            timezone=timezone,
        )
        outbound = await self.assistant.home(person)
        try:
            await self.clients.get(token).views_publish(user_id=user_id, view=render_home(outbound))
        except SlackApiError as error:
            log.warning("could not publish App Home: %s", error.response.get("error"))

    # --- lookups (cached; bounded so the ack stays within 3 seconds) -------------------

    async def _with_mentioned(self, inbound: Inbound, context: AsyncBoltContext) -> Inbound:
        """The names and timezones of the people a message mentions (an invitation says
        "Invited Dana and Lee", not their ids), looked up at once, a few at most: the
        ack must stay within Slack's 3 seconds (users.info is Tier 4)."""
        if not inbound.mentions:
            return inbound
        tenant = Tenant(
            inbound.conversation.data.get("team_id"),
            inbound.conversation.data.get("enterprise_id"),
        )
        named = inbound.mentions[:MAX_NAMED_MENTIONS]
        found = await asyncio.gather(*(self._user(context, tenant, p.user_id) for p in named))
        people = tuple(
            person.model_copy(update={"name": name or person.name, "timezone": zone})
            for person, (name, zone) in zip(named, found, strict=True)
        )
        return inbound.model_copy(update={"mentions": people + inbound.mentions[len(named) :]})

    async def _with_sender(self, inbound: Inbound, context: AsyncBoltContext) -> Inbound:
        inbound = await self._with_mentioned(inbound, context)
        sender = inbound.sender
        tenant = Tenant(
            inbound.conversation.data.get("team_id"),
            inbound.conversation.data.get("enterprise_id"),
        )
        name, timezone = await self._user(context, tenant, sender.user_id)
        if (name or sender.name) == sender.name and (
            timezone or sender.timezone
        ) == sender.timezone:
            return inbound
        updated = sender.model_copy(
            update={"name": name or sender.name, "timezone": timezone or sender.timezone}
        )
        return inbound.model_copy(update={"sender": updated})

    async def _user(
        self, context: AsyncBoltContext, tenant: Tenant, user_id: str
    ) -> tuple[str | None, str | None]:
        key = (tenant.workspace, user_id)
        cached = self._users.get(key)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        name: str | None = None
        timezone: str | None = None
        try:
            client = self.clients.get(context.bot_token, retries=False)
            response = await asyncio.wait_for(client.users_info(user=user_id), LOOKUP_TIMEOUT)
            user: Mapping[str, Any] = response.get("user") or {}
            profile: Mapping[str, Any] = user.get("profile") or {}
            name = profile.get("display_name") or user.get("real_name") or user.get("name")
            timezone = user.get("tz")
        except (SlackApiError, TimeoutError, OSError) as error:
            log.info(
                "users.info for a sender failed (%s); going on without a name", type(error).__name__
            )
            self._users[key] = (now + 60, None, None)
            return None, None
        if len(self._users) > 50_000:
            self._users.clear()
        self._users[key] = (now + USER_CACHE_SECONDS, name, timezone)
        return name, timezone

    async def _dm_channel(
        self, context: AsyncBoltContext, tenant: Tenant, user_id: str
    ) -> str | None:
        key = (tenant.workspace, user_id)
        cached = self._dms.get(key)
        if cached is not None:
            return cached
        try:
            client = self.clients.get(context.bot_token, retries=False)
            response = await asyncio.wait_for(
                client.conversations_open(users=user_id), LOOKUP_TIMEOUT
            )
        except (SlackApiError, TimeoutError, OSError) as error:
            log.info("conversations.open failed (%s)", type(error).__name__)
            return None
        channel = (response.get("channel") or {}).get("id")
        if channel:
            self._dms[key] = channel
        return channel if isinstance(channel, str) else None


def _question_block(blocks: list[dict[str, Any]], block_id: str | None) -> dict[str, Any] | None:
    """The question as we rendered it: the text block just before its controls (without
    its block_id, which must be unique within the modal)."""
    previous: dict[str, Any] | None = None
    for block in blocks:
        if block.get("block_id") == block_id and block_id is not None:
            return previous
        if block.get("type") in ("rich_text", "section"):
            previous = {k: v for k, v in block.items() if k != "block_id"}
    return previous


def _page(message: str) -> str:
    from html import escape as html_escape

    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Value Stream Assistant</title>"
        f"</head><body><p>{html_escape(message)}</p></body></html>"
    )


def mount(web_app: web.Application, assistant: Assistant) -> None:
    """Add the Slack routes to ``web_app`` and register the Slack adapter."""
    SlackApp(assistant).mount(web_app)


__all__ = ["SLACK_APP_KEY", "SlackApp", "mount"]
