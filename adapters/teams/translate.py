"""Bot Framework activities (as the JSON Teams posts) into neutral messages. Pure functions.

Identities: the workspace is the Azure AD tenant, so two tenants never share a
conversation, a person or an engagement. People are keyed by their Bot Framework id
(``29:…``), the id Teams uses in mentions and in conversation members; the AAD object
id rides along in the conversation data.

Threads: a reply thread of a channel is the conversation ``<channel id>;messageid=<root>``.
We keep the channel and the root apart (``channel`` and ``thread``), like a Slack
thread, so a channel-wide post (a reminder) and a reply in a thread are both expressible.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from assistant.events import Action, ConversationRef, Inbound, Person

PLATFORM = "teams"
TEAMS_CHANNEL_ID = "msteams"
THREAD_SEPARATOR = ";messageid="
MAX_EVENT_ID = 200  # inbound_events.event_id is 255 characters

_AT_TAG = re.compile(r"</?at>", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")


class ActivityError(ValueError):
    """The activity lacks what we need to answer it (no conversation, no tenant)."""


Activity = Mapping[str, Any]


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def tenant_of(activity: Activity) -> str:
    """The Azure AD tenant; the Emulator and Web Chat have none and are one local workspace."""
    channel_data = _object(activity.get("channelData"))
    conversation = _object(activity.get("conversation"))
    tenant = _object(channel_data.get("tenant")).get("id") or conversation.get("tenantId")
    if tenant:
        return str(tenant)
    channel_id = activity.get("channelId")
    if channel_id and channel_id != TEAMS_CHANNEL_ID:
        return str(channel_id)
    raise ActivityError("a Teams activity without a tenant id")


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """``19:x@thread.tacv2;messageid=17`` -> (``19:x@thread.tacv2``, ``17``)."""
    channel, separator, thread = conversation_id.partition(THREAD_SEPARATOR)
    return (channel, thread) if separator and thread else (conversation_id, None)


def conversation_id_of(ref: ConversationRef) -> str:
    """The Bot Connector's conversation id for a reference (the inverse of the split)."""
    return f"{ref.channel}{THREAD_SEPARATOR}{ref.thread}" if ref.thread else ref.channel


def is_personal(activity: Activity) -> bool:
    conversation = _object(activity.get("conversation"))
    kind = conversation.get("conversationType")
    if kind:
        return bool(kind == "personal")
    return not conversation.get("isGroup", False)  # the Emulator sends no type


def conversation_ref(activity: Activity) -> ConversationRef:
    """Where to answer this activity, now or after a restart, with what the connector needs."""
    conversation = _object(activity.get("conversation"))
    conversation_id = conversation.get("id")
    service_url = activity.get("serviceUrl")
    if not conversation_id or not service_url:
        raise ActivityError("an activity without a conversation or a serviceUrl")
    tenant = tenant_of(activity)
    personal = is_personal(activity)
    channel, thread = split_conversation_id(str(conversation_id))
    bot = _object(activity.get("recipient"))
    sender = _object(activity.get("from"))
    channel_data = _object(activity.get("channelData"))
    data: dict[str, Any] = {
        "serviceUrl": str(service_url),
        "channelId": str(activity.get("channelId") or TEAMS_CHANNEL_ID),
        "conversationType": conversation.get("conversationType")
        or ("personal" if personal else "groupChat"),
        "botId": bot.get("id"),
        "botName": bot.get("name"),
    }
    team = _object(channel_data.get("team")).get("id")
    if team:
        data["teamId"] = team
    teams_channel = _object(channel_data.get("channel")).get("id")
    if teams_channel:
        data["teamsChannelId"] = teams_channel
    user = None
    if personal:
        user = str(sender["id"]) if sender.get("id") else None
        if sender.get("aadObjectId"):
            data["aadObjectId"] = sender["aadObjectId"]
    else:
        # What a personal chat with someone mentioned here needs (see person_ref).
        data["reach"] = {k: v for k, v in person_ref_data(data).items() if v is not None}
    return ConversationRef(
        platform=PLATFORM,
        workspace=tenant,
        channel=channel,
        thread=thread,
        user=user,
        data={k: v for k, v in data.items() if v is not None},
    )


def person_ref_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Of a conversation's data, what a new personal chat in the same tenant needs."""
    keep = ("serviceUrl", "channelId", "botId", "botName")
    return {**{k: v for k, v in data.items() if k in keep}, "conversationType": "personal"}


def person_ref(ref: ConversationRef, user_id: str) -> ConversationRef:
    """A personal conversation with ``user_id`` that does not exist yet: ``send`` opens it."""
    return ConversationRef(
        platform=PLATFORM,
        workspace=ref.workspace,
        channel="",
        user=user_id,
        data=person_ref_data(ref.data),
    )


def sender_of(activity: Activity) -> Person:
    sender = _object(activity.get("from"))
    if not sender.get("id"):
        raise ActivityError("an activity without a sender")
    timezone = activity.get("localTimezone") or next(
        (
            e.get("timezone")
            for e in activity.get("entities") or ()
            if isinstance(e, Mapping) and e.get("type") == "clientInfo"
        ),
        None,
    )
    return Person(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        user_id=str(sender["id"]),
        name=sender.get("name") or None,
        timezone=str(timezone) if timezone else None,
    )


def event_id_of(activity: Activity) -> str:
    """Activity ids are unique within a conversation, so the conversation scopes them."""
    conversation = _object(activity.get("conversation"))
    event_id = f"{conversation.get('id')}|{activity.get('id')}"
    if len(event_id) > MAX_EVENT_ID:
        event_id = "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()
    return event_id


def clean_text(activity: Activity) -> tuple[str, tuple[Person, ...]]:
    """The text as typed: the bot's mention removed, other mentions as ``@Name``."""
    text = str(activity.get("text") or "")
    bot_id = _object(activity.get("recipient")).get("id")
    mentions: list[Person] = []
    workspace = tenant_of(activity)
    for entity in activity.get("entities") or ():
        if not isinstance(entity, Mapping) or entity.get("type") != "mention":
            continue
        mentioned = _object(entity.get("mentioned"))
        name = str(mentioned.get("name") or "")
        tag = str(entity.get("text") or f"<at>{name}</at>")
        if mentioned.get("id") == bot_id:
            text = text.replace(tag, " ")
            continue
        text = text.replace(tag, f"@{name}" if name else " ")
        if mentioned.get("id"):
            person = Person(
                platform=PLATFORM,
                workspace=workspace,
                user_id=str(mentioned["id"]),
                name=name or None,
            )
            if person not in mentions:
                mentions.append(person)
    # Teams sends the text of a rich message with HTML entities (&amp;, &nbsp;) and,
    # when a mention had no entity, its bare <at> tags.
    text = html.unescape(_AT_TAG.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line).strip(), tuple(mentions)


def action_of(value: Any) -> Action | None:
    """The data of an ``Action.Submit`` we rendered: ``{"prompt_key", "value"[, "multi"]}``.

    Inputs of the card (a choice set, a date, a text box) share the id ``value``, so
    Teams merges what the person entered into the same key as a button's value.
    """
    if not isinstance(value, Mapping) or not value.get("prompt_key"):
        return None
    raw = value.get("value")
    if raw is None or raw == "":
        values: tuple[str, ...] = ()
    elif isinstance(raw, list | tuple):
        values = tuple(str(v) for v in raw if str(v))
    elif value.get("multi"):
        # Input.ChoiceSet with isMultiSelect sends the chosen values comma-separated.
        values = tuple(v for v in (p.strip() for p in str(raw).split(",")) if v)
    else:
        values = (str(raw),)
    return Action(prompt_key=str(value["prompt_key"]), values=values)


def to_inbound(activity: Activity) -> Inbound | None:
    """A message activity (typed text or a card submit) as one neutral inbound message.

    None for what is not for the assistant: other activity types, an empty message.
    Raises :class:`ActivityError` when the activity lacks a tenant, sender or conversation.
    """
    if activity.get("type") != "message":
        return None
    action = action_of(activity.get("value"))
    text, mentions = clean_text(activity)
    if action is None and not text:
        return None
    return Inbound(
        event_id=event_id_of(activity),
        sender=sender_of(activity),
        conversation=conversation_ref(activity),
        text="" if action is not None else text,
        action=action,
        mentions=mentions,
        is_direct=is_personal(activity),
    )


def members_added(activity: Activity) -> tuple[bool, tuple[str, ...]]:
    """From a conversationUpdate: was the bot added, and which other members were."""
    bot_id = _object(activity.get("recipient")).get("id")
    added = [_object(m) for m in activity.get("membersAdded") or ()]
    bot_added = any(m.get("id") == bot_id for m in added)
    people = tuple(str(m["id"]) for m in added if m.get("id") and m.get("id") != bot_id)
    return bot_added, people
