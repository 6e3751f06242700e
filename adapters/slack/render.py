"""Outbound messages to Block Kit: pure functions, no I/O.

:func:`render` turns one neutral :class:`~assistant.events.Outbound` into the
posts (and file uploads) that show it in Slack. Text that can carry a person's
words (paragraphs, bullet lists, fields, long headings, question texts) becomes
``rich_text`` blocks: each span is one ``text`` element whose style (bold, italic,
code) and link are set by us, and Slack shows the element's text exactly as
given. mrkdwn has no escape for ``*``, ``_``, ``~``, `````` ` `````` or ``>``, so a
customer's ``*bold*`` or ``> quote`` would be styled there; in a rich_text
element it is just text, and ``<!channel>`` is a literal string (a broadcast is
an element of its own type, which we never make). What remains mrkdwn (the
notification fallback, our own fixed texts) is escaped (``&``, ``<``, ``>``);
notes under a question are ``plain_text``. Block Kit limits are respected by
splitting, never by dropping content.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.slack import texts
from assistant.events import (
    Block,
    BulletList,
    Divider,
    Field_,
    Fields,
    File,
    Heading,
    Image,
    Option,
    Outbound,
    Paragraph,
    Question,
    Span,
    block_text,
    filename_for,
)

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per modal or Home tab
MAX_SECTION_TEXT = 3000
# Slack documents no character limit for a rich_text block; each holds at most a
# section's 3000 characters, so a long text is split into blocks as it always was.
MAX_RICH_TEXT = MAX_SECTION_TEXT
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75  # plain_text of a button
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_SELECT_OPTIONS = 100
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_TEXT = 3000
MAX_BUTTON_VALUE = 2000
MAX_ID = 255  # block_id and action_id
MAX_ALT_TEXT = 2000
MAX_INPUT_LENGTH = 3000  # plain_text_input max_length
MAX_PRIVATE_METADATA = 3000
# chat.postMessage truncates `text` at 40,000 characters; with blocks it is only the
# notification and accessibility fallback, so keep it short.
MAX_FALLBACK_TEXT = 3000
# Questions offer buttons up to this many choices, a select beyond.
MAX_BUTTONS = 5

ACTION_PREFIX = "vsa.answer"
MODAL_ACTION = "vsa.modal"
DONE_SUFFIX = ".done"
MODAL_CALLBACK = "vsa.long_answer"
MODAL_BLOCK = "answer"
MODAL_INPUT = "text"

SlackBlock = dict[str, Any]


@dataclass(frozen=True)
class SlackPost:
    """One chat.postMessage call. ``question`` marks the post holding the controls."""

    text: str
    blocks: list[SlackBlock] = field(default_factory=list)
    question: bool = False

    def payload(self) -> dict[str, Any]:
        # The top-level text is the notification and screen-reader fallback, parsed as
        # mrkdwn unless `mrkdwn` is false (chat.postMessage): it stays escaped for
        # pings and links, and unstyled for a customer's `*` and `_`. chat.update
        # parses with `parse=client` unless told `none` (chat.postMessage's default):
        # a typed "@here" must stay text there too.
        return {"text": self.text, "blocks": self.blocks, "mrkdwn": False, "parse": "none"}


@dataclass(frozen=True)
class SlackUpload:
    """One file upload (files.getUploadURLExternal + files.completeUploadExternal)."""

    filename: str
    title: str
    content: bytes
    alt_text: str | None = None


SlackPart = SlackPost | SlackUpload


# --- mrkdwn ---------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters; the rest of mrkdwn renders as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_text(text: str, limit: int) -> list[str]:
    """Split mrkdwn into pieces of at most ``limit`` characters, at line breaks where
    possible and never inside an ``&amp;``-style entity."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
            amp = rest.rfind("&", max(0, cut - 5), cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n") if rest[cut : cut + 1] == "\n" else rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object (never parsed as markup), shortened to ``limit``."""
    return {"type": "plain_text", "text": shorten(text, limit) or " ", "emoji": True}


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sections(mrkdwn: str) -> list[SlackBlock]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in split_text(mrkdwn, MAX_SECTION_TEXT)
        if piece.strip()
    ]


def context(mrkdwn: str) -> SlackBlock:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": shorten(mrkdwn, MAX_CONTEXT_TEXT)}],
    }


# --- rich text -------------------------------------------------------------------
# https://docs.slack.dev/reference/block-kit/blocks/rich-text-block: element text is
# shown as given (no mrkdwn, no entities, no <!channel>), styles are booleans we set.


def _element(span: Span) -> dict[str, Any]:
    element: dict[str, Any]
    if span.link:
        element = {"type": "link", "url": span.link, "text": span.text or span.link}
    else:
        element = {"type": "text", "text": span.text}
    if span.style != "plain":
        element["style"] = {span.style: True}
    return element


def split_spans(spans: Iterable[Span], limit: int = MAX_RICH_TEXT) -> list[list[Span]]:
    """Spans in runs of at most ``limit`` characters of text, cut after a line break
    or a space where possible; a link is never cut."""
    runs: list[list[Span]] = [[]]
    size = 0
    for span in spans:
        rest = span.text
        while rest:
            room = limit - size
            if len(rest) <= room or (span.link and not size):
                runs[-1].append(span.model_copy(update={"text": rest}))
                size += len(rest)
                break
            line = rest.rfind("\n", 0, room)
            cut = 0 if span.link else (line if line != -1 else rest.rfind(" ", 0, room)) + 1
            if cut == 0 and not size:
                cut = room  # one unbroken word longer than a block
            if cut:
                runs[-1].append(span.model_copy(update={"text": rest[:cut]}))
                rest = rest[cut:]
            runs.append([])
            size = 0
    return [run for run in runs if "".join(s.text for s in run).strip()]


def _section(spans: Iterable[Span]) -> dict[str, Any]:
    return {"type": "rich_text_section", "elements": [_element(s) for s in spans if s.text]}


def rich_text(spans: Iterable[Span]) -> list[SlackBlock]:
    """rich_text blocks showing ``spans``, split to Slack's limits."""
    return [{"type": "rich_text", "elements": [_section(run)]} for run in split_spans(spans)]


def _bullets(items: Sequence[Sequence[Span]]) -> list[SlackBlock]:
    lists: list[list[dict[str, Any]]] = [[]]
    size = 0
    for item in items:
        for run in split_spans(item):
            length = sum(len(s.text) for s in run)
            if size and size + length > MAX_RICH_TEXT:
                lists.append([])
                size = 0
            lists[-1].append(_section(run))
            size += length
    return [
        {
            "type": "rich_text",
            "elements": [{"type": "rich_text_list", "style": "bullet", "elements": sections}],
        }
        for sections in lists
        if sections
    ]


def _fields(items: Sequence[Field_]) -> list[SlackBlock]:
    """Label (bold) over value, a blank line between pairs."""
    spans: list[Span] = []
    for index, item in enumerate(items):
        if index:
            spans.append(Span(text="\n\n"))
        spans += [Span(text=item.label, style="bold"), Span(text=f"\n{item.value}")]
    return rich_text(spans)


def control_block_id(index: int, prompt_key: str) -> str:
    """Carries the prompt key back to us in the click (unique per message)."""
    return f"vsa{index}|{prompt_key}"[:MAX_ID]


def prompt_key_of(block_id: str) -> str | None:
    if not block_id.startswith("vsa") or "|" not in block_id:
        return None
    return block_id.split("|", 1)[1]


def _option(option: Option) -> dict[str, Any]:
    return {"text": plain(option.label, MAX_OPTION_TEXT), "value": option.value[:MAX_OPTION_VALUE]}


def _button(label: str, value: str, action_id: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": plain(label, MAX_BUTTON_TEXT),
        "value": value[:MAX_BUTTON_VALUE],
        "action_id": action_id,
    }
    if style:
        button["style"] = style
    return button


def _yes_no_options(question: Question) -> tuple[Option, ...]:
    if question.options:
        return question.options
    return (Option(value="yes", label=texts.YES), Option(value="no", label=texts.NO))


def _controls(question: Question, index: int) -> list[dict[str, Any]]:
    prefix = f"{ACTION_PREFIX}.{index}"
    options = question.options
    if question.input == "yes_no":
        yes, *others = _yes_no_options(question)
        elements = [_button(yes.label, yes.value, f"{prefix}.0", "primary")]
        elements += [_button(o.label, o.value, f"{prefix}.{i}") for i, o in enumerate(others, 1)]
        return elements
    if question.input == "date":
        return [
            {
                "type": "datepicker",
                "action_id": f"{prefix}.date",
                "placeholder": plain(texts.DATE_PLACEHOLDER, 150),
            }
        ]
    if question.input == "multi_choice" and options:
        # A multi-select in a message reports every change; the answer is what is
        # selected when "Done" is clicked (read from the payload's state).
        selects = [
            {
                "type": "multi_static_select",
                "action_id": f"{prefix}.multi{n}",
                "placeholder": plain(texts.CHOOSE_MANY_PLACEHOLDER, 150),
                "options": [_option(o) for o in chunk],
            }
            for n, chunk in enumerate(_chunks(options, MAX_SELECT_OPTIONS))
        ][: MAX_ACTIONS_ELEMENTS - 1]
        return [*selects, _button(texts.DONE, "", f"{prefix}{DONE_SUFFIX}", "primary")]
    if options and len(options) <= MAX_BUTTONS:
        return [_button(o.label, o.value, f"{prefix}.{i}") for i, o in enumerate(options)]
    if options:
        return [
            {
                "type": "static_select",
                "action_id": f"{prefix}.select{n}",
                "placeholder": plain(texts.CHOOSE_PLACEHOLDER, 150),
                "options": [_option(o) for o in chunk],
            }
            for n, chunk in enumerate(_chunks(options, MAX_SELECT_OPTIONS))
        ][:MAX_ACTIONS_ELEMENTS]
    if question.input == "long_text":
        return [_button(texts.WRITE_ANSWER, question.prompt_key, MODAL_ACTION)]
    return []


def _chunks(items: Sequence[Option], size: int) -> list[Sequence[Option]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _question(question: Question, index: int) -> list[SlackBlock]:
    blocks = rich_text([Span(text=question.text, style="bold")])
    notes: list[str] = []
    if question.position:
        notes.append(question.position)
    if question.help:
        notes.append(question.help)
    if question.example:
        notes.append(texts.EXAMPLE.format(example=question.example))
    if question.optional:
        notes.append(texts.OPTIONAL_HINT)
    controls = _controls(question, index)
    if controls:
        blocks.append(
            {
                "type": "actions",
                "block_id": control_block_id(index, question.prompt_key),
                "elements": controls,
            }
        )
    if notes:
        # plain_text: a context block has no rich_text, and these may quote anyone.
        blocks.append({"type": "context", "elements": [plain(" · ".join(notes), MAX_CONTEXT_TEXT)]})
    return blocks


def _block(block: Block, index: int) -> list[SlackBlock]:
    match block:
        case Paragraph(spans=spans):
            return rich_text(spans)
        case Heading(text=text):
            if len(text) <= MAX_HEADER_TEXT:
                return [{"type": "header", "text": plain(text, MAX_HEADER_TEXT)}]
            return rich_text([Span(text=text, style="bold")])
        case BulletList(items=items):
            return _bullets(items)
        case Fields(items=items):
            return _fields(items)
        case Divider():
            return [{"type": "divider"}]
        case Question():
            return _question(block, index)
    return []


def fallback(blocks: Iterable[Block]) -> str:
    """The notification text: plain, escaped, short."""
    joined = "\n".join(filter(None, (block_text(b) for b in blocks)))
    return escape(shorten(joined, MAX_FALLBACK_TEXT)) or " "


def render(outbound: Outbound) -> list[SlackPart]:
    """The posts and uploads that show ``outbound``, in order.

    Blocks are grouped into posts of at most :data:`MAX_BLOCKS`; a question's blocks
    always stay together in one post (the one we update once it is answered).
    """
    parts: list[SlackPart] = []
    group: list[SlackBlock] = []
    group_sources: list[Block] = []
    group_has_question = False

    def flush() -> None:
        nonlocal group_has_question
        if group:
            parts.append(SlackPost(fallback(group_sources), list(group), group_has_question))
        group.clear()
        group_sources.clear()
        group_has_question = False

    for index, block in enumerate(outbound.blocks):
        if isinstance(block, Image | File):
            flush()
            parts.append(_upload(block))
            continue
        rendered = _block(block, index)
        if not rendered:
            continue
        atomic = isinstance(block, Question)
        if atomic and len(group) + len(rendered) > MAX_BLOCKS:
            flush()
        for slack_block in rendered:
            if len(group) == MAX_BLOCKS:
                flush()
            group.append(slack_block)
        group_sources.append(block)
        group_has_question = group_has_question or atomic
    flush()
    return parts


def _upload(block: Image | File) -> SlackUpload:
    if isinstance(block, Image):
        return SlackUpload(
            filename=filename_for(block.title, ".png"),
            title=block.title,
            content=block.content,
            alt_text=shorten(block.alt_text, MAX_ALT_TEXT),
        )
    return SlackUpload(filename=block.filename, title=block.title, content=block.content)


# --- views ------------------------------------------------------------------------


def render_home(outbound: Outbound) -> dict[str, Any]:
    """The App Home view for ``outbound`` (at most 100 blocks; a Home tab can't scroll further)."""
    blocks: list[SlackBlock] = []
    for index, block in enumerate(outbound.blocks):
        if isinstance(block, Image | File):
            continue
        blocks.extend(_block(block, index))
    if not blocks:
        blocks = [
            {"type": "header", "text": plain(texts.HOME_TITLE, MAX_HEADER_TEXT)},
            *sections(texts.HOME_EMPTY),
        ]
    if len(blocks) > MAX_VIEW_BLOCKS:
        blocks = [*blocks[: MAX_VIEW_BLOCKS - 1], context("…")]
    return {"type": "home", "blocks": blocks}


def answer_modal(question: SlackBlock | None, metadata: dict[str, Any]) -> dict[str, Any]:
    """The modal for a long written answer; its submission is the typed answer.

    ``question`` is the block that showed the question in the message we posted."""
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps(metadata, separators=(",", ":"))[:MAX_PRIVATE_METADATA],
        "title": plain(texts.MODAL_TITLE, 24),
        "submit": plain(texts.MODAL_SUBMIT, 24),
        "close": plain(texts.MODAL_CANCEL, 24),
        "blocks": [
            *([question] if question else []),
            {
                "type": "input",
                "block_id": MODAL_BLOCK,
                "label": plain(texts.MODAL_INPUT_LABEL, 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": MODAL_INPUT,
                    "multiline": True,
                    "max_length": MAX_INPUT_LENGTH,
                },
            },
        ],
    }
