"""Platform-neutral messages: what adapters hand the assistant and what it hands back.

Adapters translate a platform payload into one :class:`Inbound` and render each
:class:`Outbound` into Block Kit, an Adaptive Card or terminal text. Everything
here is plain data: user text is carried as-is and escaped by the renderer for
its own format, never pre-escaped here.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

Platform = Literal["slack", "teams", "console"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConversationRef(_Frozen):
    """Where a message can be sent, now or after a restart (a proactive send).

    ``data`` holds what the platform needs and we do not interpret, such as a
    Teams ``serviceUrl`` and ``conversation.conversationType``.
    """

    platform: Platform
    workspace: str  # Slack team/enterprise id, Teams tenant id, "local" on the console
    channel: str  # Slack channel / DM id, Teams conversation id
    thread: str | None = None  # Slack thread_ts; Teams keeps threads in the conversation id
    user: str | None = None  # set for a personal conversation (DM / personal chat)
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """One conversation, as the dialog engine scopes it (a thread is its own).

        A personal conversation is keyed by its person, not its channel: a run or a
        message can be addressed to someone before the platform has told us the DM's
        channel (an invitation; the adapter opens the DM when it sends)."""
        if self.user and not self.thread:
            return f"{self.platform}:{self.workspace}:@{self.user}"
        parts = [self.platform, self.workspace, self.channel]
        if self.thread:
            parts.append(self.thread)
        return ":".join(parts)

    @property
    def is_personal(self) -> bool:
        return self.user is not None and not self.thread

    @classmethod
    def personal(cls, person: Person, data: dict[str, Any] | None = None) -> ConversationRef:
        """A person's DM, when its channel is not known yet (the adapter opens it)."""
        return cls(
            platform=person.platform,
            workspace=person.workspace,
            channel="",
            user=person.user_id,
            data=data or {},
        )


class Person(_Frozen):
    """A platform identity. ``user_id`` is unique within (platform, workspace)."""

    platform: Platform
    workspace: str
    user_id: str
    name: str | None = None
    timezone: str | None = None  # IANA name when the platform tells us


class Action(_Frozen):
    """A button, select or date picker choice made on a question we posted."""

    prompt_key: str  # Question.prompt_key of the question the control belonged to
    values: tuple[str, ...]  # the chosen option values (one for buttons, many for a multi-select)


class Inbound(_Frozen):
    """One thing a person said or did, in any channel."""

    event_id: str  # the platform's id for this delivery; used to process it once
    sender: Person
    conversation: ConversationRef
    text: str = ""  # as typed, mentions of the bot stripped, no platform escaping left
    action: Action | None = None
    mentions: tuple[Person, ...] = ()  # other people mentioned in the text
    is_direct: bool = True  # a DM / personal chat (vs. a channel or group)
    # False for what was said near us, not to us (a reply in a channel thread that does
    # not name the bot): a turn only when the sender is in a dialog in that conversation.
    addressed: bool = True
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


# ---------------------------------------------------------------------------
# Outbound content. A message is a list of blocks; rich text is a list of spans
# so that user text never needs to be re-parsed as markup by a renderer.


class Span(_Frozen):
    text: str
    style: Literal["plain", "bold", "italic", "code"] = "plain"
    link: str | None = None  # an https URL we produced (never one a user typed)


class Paragraph(_Frozen):
    kind: Literal["paragraph"] = "paragraph"
    spans: tuple[Span, ...]


class Heading(_Frozen):
    kind: Literal["heading"] = "heading"
    text: str


class BulletList(_Frozen):
    kind: Literal["bullets"] = "bullets"
    items: tuple[tuple[Span, ...], ...]


class Field_(_Frozen):
    label: str
    value: str


class Fields(_Frozen):
    """Label/value pairs, e.g. the answers of a dialog (Slack section fields, a FactSet)."""

    kind: Literal["fields"] = "fields"
    items: tuple[Field_, ...]


class Divider(_Frozen):
    kind: Literal["divider"] = "divider"


def _bytes_from_json(value: Any) -> Any:
    return base64.b64decode(value) if isinstance(value, str) else value


def _bytes_to_json(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


# Raw bytes in Python; base64 in JSON, so an image survives the outbox (stored as JSON).
Binary = Annotated[
    bytes,
    BeforeValidator(_bytes_from_json),
    PlainSerializer(_bytes_to_json, return_type=str, when_used="json"),
]


class Image(_Frozen):
    kind: Literal["image"] = "image"
    title: str
    alt_text: str
    png: Binary | None = None  # adapters upload it (Slack files) or inline it (Teams data URI)
    # A value stream map as data (assistant.vsm_picture.MapInput), drawn by the dispatcher
    # off the event loop just before posting, so a turn never waits for a drawing.
    map: dict[str, Any] | None = None

    @property
    def content(self) -> bytes:
        """The PNG. The dispatcher draws a map before any adapter is given the image."""
        if self.png is None:
            raise ValueError(f"the picture {self.title!r} was not drawn")
        return self.png


class File(_Frozen):
    kind: Literal["file"] = "file"
    filename: str
    title: str
    content: Binary
    mime_type: str = "text/markdown"


def filename_for(title: str, suffix: str) -> str:
    """A file name safe on every platform and disk: "Map: X", ".png" -> "map-x.png"."""
    stem = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())
    return (stem[:80].rstrip("-") or "file") + suffix


class Option(_Frozen):
    value: str  # stable, sent back in Action.values
    label: str


InputKind = Literal[
    "text",
    "long_text",
    "number",
    "duration",
    "percent",
    "yes_no",
    "choice",
    "multi_choice",
    "date",
    "person",
    "add_another",
    "confirm",
]


class Question(_Frozen):
    """The one question the assistant is waiting on.

    Renderers show ``options`` as buttons (yes/no, few choices) or a select,
    ``input="date"`` as a date picker and ``input="long_text"`` as a modal where
    the platform has one. Typing the answer always works too.
    """

    kind: Literal["question"] = "question"
    prompt_key: str  # identifies this asking of this question; comes back in Action
    text: str
    input: InputKind
    options: tuple[Option, ...] = ()
    help: str | None = None
    example: str | None = None
    optional: bool = False
    position: str | None = None  # e.g. "Question 3 of 9"


Block = Annotated[
    Paragraph | Heading | BulletList | Fields | Divider | Image | File | Question,
    Field(discriminator="kind"),
]


class Answered(_Frozen):
    """Tells the adapter that the question posted under ``prompt_key`` got its answer,
    so it can replace the buttons with the choice (no stale buttons to click twice)."""

    prompt_key: str
    question: str
    answer: str


class Outbound(_Frozen):
    """One message to post into the conversation the inbound came from (or ``to``)."""

    blocks: tuple[Block, ...] = ()
    answered: Answered | None = None  # update an earlier question message first
    to: ConversationRef | None = None  # None: reply where the inbound came from
    # Only this person (a user id) sees it, where the platform allows (Slack's ephemeral
    # messages); elsewhere it is an ordinary message.
    only_for: str | None = None
    # What the message is about, for the turn service when the platform refuses it for
    # good ("invitation:12"): it tells whoever is waiting on it.
    tag: str | None = None
    # Must never be posted to a conversation shared with another organisation (a Slack
    # Connect channel, a Teams conversation with guests or another tenant's members):
    # checked when it is posted, and withheld there (the turn service's ``withheld``
    # says what to send instead). A ``tag`` of ``for:<participant id>`` names whom to
    # send it privately instead; otherwise the engagement bound to the conversation's
    # owners and members get it.
    internal: bool = False

    @property
    def question(self) -> Question | None:
        for block in self.blocks:
            if isinstance(block, Question):
                return block
        return None

    def plain_text(self) -> str:
        """A plain-text rendering: notification fallback and accessibility text."""
        return "\n".join(filter(None, (block_text(b) for b in self.blocks)))


def spans_text(spans: tuple[Span, ...]) -> str:
    return "".join(s.text for s in spans)


def block_text(block: Block) -> str:
    match block:
        case Paragraph(spans=spans):
            return spans_text(spans)
        case Heading(text=text):
            return text
        case BulletList(items=items):
            return "\n".join(f"• {spans_text(item)}" for item in items)
        case Fields(items=items):
            return "\n".join(f"{f.label}: {f.value}" for f in items)
        case Divider():
            return ""
        case Image(title=title):
            return title
        case File(title=title):
            return title
        case Question(text=text, options=options):
            choices = " / ".join(o.label for o in options)
            return f"{text} ({choices})" if choices else text
    return ""


def text(*parts: str | Span) -> Paragraph:
    """A paragraph from plain strings and spans: ``text("Hi ", Span(text=name, style="bold"))``."""
    return Paragraph(spans=tuple(p if isinstance(p, Span) else Span(text=p) for p in parts))


def say(*blocks: Block, to: ConversationRef | None = None) -> Outbound:
    return Outbound(blocks=blocks, to=to)
