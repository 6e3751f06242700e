"""Slack payloads to neutral :class:`~assistant.events.Inbound` messages: pure functions.

Everything a translation needs beyond the payload (the bot's own user id, a name
looked up earlier, the user's DM channel) comes in a :class:`Context`, so these
functions do no I/O and are tested with captured payloads alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.slack.render import (
    DONE_SUFFIX,
    MODAL_BLOCK,
    MODAL_CALLBACK,
    MODAL_INPUT,
    prompt_key_of,
    unescape,
)
from assistant.events import Action, ConversationRef, Inbound, Person

# Message subtypes that are a person talking; everything else (bot_message,
# message_changed, message_deleted, channel_join, ...) is ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_SUBTEAM = re.compile(r"<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class Context:
    """What a translation needs that the payload does not carry."""

    bot_user_id: str | None = None
    sender_name: str | None = None
    sender_timezone: str | None = None
    dm_channel: str | None = None  # the sender's DM with the bot (slash commands, App Home)
    names: Mapping[str, str] = field(default_factory=dict)  # user id -> display name


@dataclass(frozen=True)
class Tenant:
    team_id: str | None
    enterprise_id: str | None
    is_enterprise_install: bool = False

    @property
    def workspace(self) -> str:
        """One id per workspace: the team id, qualified by the org on Enterprise Grid."""
        if self.enterprise_id and self.team_id:
            return f"{self.enterprise_id}/{self.team_id}"
        return self.team_id or self.enterprise_id or "unknown"

    def data(self) -> dict[str, Any]:
        """What delivery needs to find the right token later (ConversationRef.data)."""
        data: dict[str, Any] = {"team_id": self.team_id}
        if self.enterprise_id:
            data["enterprise_id"] = self.enterprise_id
        if self.is_enterprise_install:
            data["is_enterprise_install"] = True
        return data


def tenant_of(body: Mapping[str, Any]) -> Tenant:
    """Team and enterprise ids from any payload shape (events, commands, interactions)."""
    team = body.get("team") if isinstance(body.get("team"), Mapping) else None
    enterprise = body.get("enterprise") if isinstance(body.get("enterprise"), Mapping) else None
    user = body.get("user") if isinstance(body.get("user"), Mapping) else None
    team_id = body.get("team_id") or (team or {}).get("id") or (user or {}).get("team_id")
    enterprise_id = (
        body.get("enterprise_id")
        or (enterprise or {}).get("id")
        or (team or {}).get("enterprise_id")
    )
    is_enterprise_install = body.get("is_enterprise_install") in (True, "true")
    return Tenant(team_id, enterprise_id, is_enterprise_install)


def slack_ts_time(ts: str | None) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts or ""), UTC)
    except ValueError:
        return datetime.now(UTC)


# --- text -------------------------------------------------------------------------


def clean_text(text: str, tenant: Tenant, context: Context) -> tuple[str, tuple[Person, ...]]:
    """Slack's wire text to what the person typed: mentions become "@name" (the bot's
    own mention is dropped) and are returned as people; links and channels become
    their labels; Slack's ``&amp;``/``&lt;``/``&gt;`` are undone last."""
    mentions: dict[str, Person] = {}

    def user(match: re.Match[str]) -> str:
        user_id, label = match.group(1), match.group(2)
        if user_id == context.bot_user_id:
            return ""
        name = label or context.names.get(user_id)
        if user_id not in mentions:
            mentions[user_id] = Person(
                platform="slack", workspace=tenant.workspace, user_id=user_id, name=name
            )
        return f"@{name or user_id}"

    text = _USER_MENTION.sub(user, text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = _SUBTEAM.sub(lambda m: f"@{m.group(2) or m.group(1)}".replace("@@", "@"), text)
    text = re.sub(r"[ \t]{2,}", " ", unescape(text)).strip()
    return text, tuple(mentions.values())


def mentions_bot(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


# --- payloads ---------------------------------------------------------------------


def _person(tenant: Tenant, user_id: str, context: Context, name: str | None = None) -> Person:
    return Person(
        platform="slack",
        workspace=tenant.workspace,
        user_id=user_id,
        name=context.sender_name or name,
        timezone=context.sender_timezone,
    )


def _data(tenant: Tenant) -> dict[str, Any]:
    # Also what a DM with anyone else of this workspace needs (the installation's token
    # is found by team and enterprise): the assistant can write to a person mentioned
    # here before they ever wrote to it.
    return tenant.data()


def dm_ref(tenant: Tenant, channel: str, user_id: str) -> ConversationRef:
    return ConversationRef(
        platform="slack",
        workspace=tenant.workspace,
        channel=channel,
        user=user_id,
        data=_data(tenant),
    )


def thread_ref(tenant: Tenant, channel: str, thread: str) -> ConversationRef:
    return ConversationRef(
        platform="slack",
        workspace=tenant.workspace,
        channel=channel,
        thread=thread,
        data=_data(tenant),
    )


def channel_ref(tenant: Tenant, channel: str) -> ConversationRef:
    return ConversationRef(
        platform="slack", workspace=tenant.workspace, channel=channel, data=_data(tenant)
    )


def is_dm_channel(channel: str | None, channel_type: str | None = None) -> bool:
    return channel_type == "im" or bool(channel and channel.startswith("D"))


def is_from_bot(event: Mapping[str, Any], bot_user_id: str | None) -> bool:
    """Our own messages and every other bot's."""
    return bool(
        event.get("bot_id")
        or event.get("bot_profile")
        or event.get("subtype") not in PERSON_SUBTYPES
        or (bot_user_id and event.get("user") == bot_user_id)
        or not event.get("user")
    )


def event_to_inbound(body: Mapping[str, Any], context: Context) -> Inbound | None:
    """An Events API callback (``message.im``, ``app_mention``, a thread reply)."""
    event = body.get("event") or {}
    event_type = event.get("type")
    if event_type not in ("message", "app_mention") or is_from_bot(event, context.bot_user_id):
        return None
    tenant = tenant_of(body)
    user_id: str = event["user"]
    channel: str = event["channel"]
    raw = event.get("text") or ""
    addressed = True
    if event_type == "message":
        if is_dm_channel(channel, event.get("channel_type")):
            conversation = dm_ref(tenant, channel, user_id)
        elif event.get("thread_ts") and not mentions_bot(raw, context.bot_user_id):
            # A reply in a thread, perhaps one we converse in (app_mention covers messages
            # naming us): for us only when its sender is in a dialog there.
            conversation = thread_ref(tenant, channel, event["thread_ts"])
            addressed = False
        else:
            return None
    else:
        if is_dm_channel(channel, event.get("channel_type")):
            return None  # a mention inside our DM also arrives as message.im
        conversation = thread_ref(tenant, channel, event.get("thread_ts") or event["ts"])
    text, mentions = clean_text(raw, tenant, context)
    return Inbound(
        event_id=body.get("event_id") or f"{channel}:{event.get('ts')}",
        sender=_person(tenant, user_id, context),
        conversation=conversation,
        text=text,
        mentions=mentions,
        is_direct=conversation.user is not None,
        addressed=addressed,
        received_at=slack_ts_time(event.get("event_ts") or event.get("ts")),
    )


def command_to_inbound(body: Mapping[str, Any], context: Context) -> Inbound:
    """``/vsa <words>``: the words are the text, in the channel they were typed in (a
    command there acts on the channel's engagement; a dialog it starts goes on in the
    person's DM)."""
    tenant = tenant_of(body)
    user_id: str = body["user_id"]
    channel: str = body["channel_id"]
    text, mentions = clean_text(body.get("text") or "", tenant, context)
    direct = is_dm_channel(channel)
    return Inbound(
        event_id=f"command:{body['trigger_id']}",
        sender=_person(tenant, user_id, context, body.get("user_name")),
        conversation=dm_ref(tenant, channel, user_id) if direct else channel_ref(tenant, channel),
        text=text,
        mentions=mentions,
        is_direct=direct,
    )


def _action_values(action: Mapping[str, Any]) -> tuple[str, ...]:
    if "selected_option" in action:
        option = action.get("selected_option") or {}
        return (option["value"],) if option.get("value") is not None else ()
    if "selected_options" in action:
        return tuple(o["value"] for o in action.get("selected_options") or ())
    if "selected_date" in action:
        return (action["selected_date"],) if action.get("selected_date") else ()
    value = action.get("value")
    return (value,) if value is not None else ()


def _selected_in(body: Mapping[str, Any], block_id: str) -> tuple[str, ...]:
    """Every option selected in the controls of ``block_id`` (the payload's state)."""
    state = ((body.get("state") or {}).get("values") or {}).get(block_id) or {}
    chosen: list[str] = []
    for element in state.values():
        for option in (element or {}).get("selected_options") or ():
            chosen.append(option["value"])
    return tuple(chosen)


def action_to_inbound(body: Mapping[str, Any], context: Context) -> Inbound | None:
    """A click on one of our question controls (message or App Home)."""
    actions = body.get("actions") or ()
    if not actions:
        return None
    action = actions[0]
    block_id = action.get("block_id") or ""
    prompt_key = prompt_key_of(block_id)
    if action.get("type") in ("multi_static_select", "checkboxes"):
        return None  # a selection in progress; "Done" sends it
    done = str(action.get("action_id", "")).endswith(DONE_SUFFIX)
    values = _selected_in(body, block_id) if done else _action_values(action)
    # "Done" with nothing selected is still an answer to reply to (the engine says
    # what it needs); any other control without a value is not a choice.
    if prompt_key is None or not (values or done):
        return None
    tenant = tenant_of(body)
    user = body.get("user") or {}
    user_id: str = user["id"]
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    if channel is None or container.get("type") == "view":
        # App Home: no channel of its own; the dialog goes on in the user's DM.
        if context.dm_channel is None:
            return None
        conversation = dm_ref(tenant, context.dm_channel, user_id)
    elif is_dm_channel(channel):
        conversation = dm_ref(tenant, channel, user_id)
    else:
        thread = (
            message.get("thread_ts")
            or container.get("thread_ts")
            or message.get("ts")
            or container.get("message_ts")
        )
        if not thread:
            return None
        conversation = thread_ref(tenant, channel, str(thread))
    return Inbound(
        event_id=f"action:{body.get('trigger_id') or action.get('action_ts')}",
        sender=_person(tenant, user_id, context, user.get("name") or user.get("username")),
        conversation=conversation,
        action=Action(prompt_key=prompt_key, values=values),
        is_direct=conversation.user is not None,
        received_at=slack_ts_time(action.get("action_ts")),
    )


def submission_to_inbound(body: Mapping[str, Any], context: Context) -> Inbound | None:
    """The long-answer modal, submitted: its text is the typed answer."""
    view = body.get("view") or {}
    if view.get("callback_id") != MODAL_CALLBACK:
        return None
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        value = view["state"]["values"][MODAL_BLOCK][MODAL_INPUT]["value"]
    except (KeyError, TypeError, ValueError):
        return None
    channel = meta.get("channel")
    if not channel or not value:
        return None
    tenant = tenant_of(body)
    user = body.get("user") or {}
    user_id: str = user["id"]
    thread = meta.get("thread")
    conversation = (
        thread_ref(tenant, channel, thread) if thread else dm_ref(tenant, channel, user_id)
    )
    return Inbound(
        event_id=f"view:{view.get('id')}:{view.get('hash') or body.get('trigger_id')}",
        sender=_person(tenant, user_id, context, user.get("name") or user.get("username")),
        conversation=conversation,
        text=value.strip(),
        is_direct=conversation.user is not None,
    )


def to_inbound(body: Mapping[str, Any], context: Context | None = None) -> Inbound | None:
    """Any Slack request body we act on, as an Inbound; None for what we ignore."""
    context = context or Context()
    if body.get("type") == "event_callback":
        return event_to_inbound(body, context)
    if body.get("command"):
        return command_to_inbound(body, context)
    if body.get("type") == "block_actions":
        return action_to_inbound(body, context)
    if body.get("type") == "view_submission":
        return submission_to_inbound(body, context)
    return None
