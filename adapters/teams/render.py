"""Neutral outbound messages as Teams activities carrying Adaptive Cards. Pure functions.

Escaping. User text goes into ``RichTextBlock``/``TextRun`` elements, which render
text literally: "Markdown is not supported" in a TextRun (Adaptive Cards schema,
TextRun), so a customer's ``*``, ``_``, ``[link](x)``, ``<at>`` or HTML shows as typed
and mentions nobody (a mention needs an entity we never add). ``FactSet`` titles and
values do parse Markdown in Teams, so they are escaped with backslashes.

Size. Teams rejects a message over about 100 KB, counted in UTF-16 and recommends
staying within 80 KB; other Teams surfaces fail at 28 KB. We keep every activity
within :data:`MAX_ACTIVITY_BYTES` (UTF-16) and split longer content into several
activities; a picture goes in an activity of its own (base64 images are not counted
against the limit, as Teams does not count them).

Pictures. An :class:`Image` is posted as an inline image: an activity whose attachment
has ``contentType: image/png`` and the bytes in a ``data:image/png;base64,`` contentUrl
(Teams' way to send an image that exists only in the bot's memory; it works in
personal chats, group chats and channels, and needs no SharePoint or Graph
permission). Its title goes at the end of the card before it. Teams shows pictures of
up to 1 MB inline (Bot Framework: "Pictures: ... 1 MB in PNG, JPEG, or GIF format"): a
larger one is replaced by a note saying where to get it.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from adapters.teams import texts
from assistant.events import (
    Block,
    BulletList,
    Divider,
    Fields,
    File,
    Heading,
    Image,
    Outbound,
    Paragraph,
    Question,
    Span,
    filename_for,
)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
MAX_ACTIVITY_BYTES = 28 * 1024
# What the connector adds to an activity we render before it is sent: from, recipient,
# conversation, serviceUrl, replyToId, channelId... (about 600 bytes in UTF-16 with
# Teams' long ids); reserved so that the activity as sent stays within the limit.
ENVELOPE_RESERVE = 1024
MAX_RUN_CHARS = 2000  # a longer text is cut into several blocks, so any block fits a card
MAX_FACT_CHARS = 500  # a longer answer is shown as a paragraph rather than a fact
MAX_BUTTONS = 5  # Teams shows up to six card actions; more options become a select
MAX_BUTTON_LABEL = 40  # longer labels are cut on phones; a select shows them whole
SUMMARY_CHARS = 150
MAX_INLINE_IMAGE_BYTES = 1024 * 1024
INPUT_ID = "value"  # every input shares one id: Teams merges it into the submit data

# What starts formatting in the Markdown subset of Adaptive Cards (emphasis, links) and,
# at the start of the text, a list or a heading.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]~])")
_LEADING_MARKER = re.compile(r"^(\s*)(?:([-+#>])|(\d+)\.)(?=\s|$)")

Element = dict[str, Any]


@dataclass(frozen=True)
class Part:
    """One activity to post. ``question`` marks the one whose id an answer updates."""

    activity: dict[str, Any]
    question: bool = False


def escape_markdown(value: str) -> str:
    """Text for a Markdown field of a card (FactSet) that renders exactly as given."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.splitlines()))
    return _LEADING_MARKER.sub(lambda m: m[1] + ("\\" + m[2] if m[2] else m[3] + "\\."), escaped)


def utf16_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-16-le"))


# -- blocks into card elements -------------------------------------------------------


def _chunks(text: str, size: int = MAX_RUN_CHARS) -> list[str]:
    """Cut at a line break or space before ``size`` where there is one."""
    chunks: list[str] = []
    while len(text) > size:
        cut = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        if cut <= size // 2:
            cut = size
        chunks.append(text[:cut])
        text = text[cut:].lstrip(" ")
    chunks.append(text)
    return chunks


def _run(span: Span, **extra: Any) -> Element:
    run: Element = {"type": "TextRun", "text": span.text, **extra}
    if span.style == "bold":
        run["weight"] = "Bolder"
    elif span.style == "italic":
        run["italic"] = True
    elif span.style == "code":
        run["fontType"] = "Monospace"
    if span.link and span.link.startswith("https://"):
        run["selectAction"] = {"type": "Action.OpenUrl", "url": span.link}
    return run


def _rich(spans: tuple[Span, ...], prefix: str = "", **extra: Any) -> list[Element]:
    """RichTextBlocks for a run of spans; long text is cut into several blocks."""
    blocks: list[Element] = []
    inlines: list[Element] = [{"type": "TextRun", "text": prefix}] if prefix else []
    length = len(prefix)
    for span in spans:
        for piece in _chunks(span.text):
            if length + len(piece) > MAX_RUN_CHARS and inlines:
                blocks.append({"type": "RichTextBlock", "inlines": inlines})
                inlines, length = [], 0
            inlines.append(_run(span.model_copy(update={"text": piece}), **extra))
            length += len(piece)
    if inlines:
        blocks.append({"type": "RichTextBlock", "inlines": inlines})
    return blocks


def _plain(text: str, **extra: Any) -> list[Element]:
    return _rich((Span(text=text),), **extra)


def _subtle(text: str) -> list[Element]:
    return _plain(text, isSubtle=True, size="Small")


def _facts(fields: Fields) -> list[Element]:
    elements: list[Element] = []
    facts: list[Element] = []
    size = 0

    def flush() -> None:
        nonlocal facts, size
        if facts:
            elements.append({"type": "FactSet", "facts": facts})
            facts, size = [], 0

    for field in fields.items:
        if len(field.value) > MAX_FACT_CHARS or len(field.label) > MAX_FACT_CHARS:
            flush()
            elements.extend(_rich((Span(text=field.label, style="bold"),)))
            elements.extend(_plain(field.value))
            continue
        fact = {"title": escape_markdown(field.label), "value": escape_markdown(field.value)}
        size += len(fact["title"]) + len(fact["value"])
        if size > MAX_RUN_CHARS * 2:
            flush()
            size = len(fact["title"]) + len(fact["value"])
        facts.append(fact)
    flush()
    return elements


def _image_activity(image: Image) -> dict[str, Any]:
    """An activity showing ``image`` inline (see the module's note on pictures)."""
    url = "data:image/png;base64," + base64.b64encode(image.content).decode("ascii")
    attachment = {
        "contentType": "image/png",
        "contentUrl": url,
        "name": filename_for(image.title, ".png"),
    }
    # The alt text is what the notification and a client without images show.
    return {"type": "message", "attachments": [attachment], "summary": _summary(image.alt_text)}


class _HtmlText(HTMLParser):
    """The readable text of an HTML document: one line per block, list items bulleted,
    pictures by their alt text; scripts and styles dropped."""

    # fmt: off
    BLOCKS = frozenset({
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul", "ol",
        "section", "article", "header", "footer", "figure", "figcaption", "blockquote",
        "pre", "br", "hr", "title",
    })
    # fmt: on
    HIDDEN = frozenset({"script", "style", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._hidden = 0

    def _break(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self.lines.append(line)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag in self.BLOCKS:
            self._break()
            if tag == "li":
                self._line.append("• ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            self._line.append(f" [{alt}] " if alt else " [picture] ")
        elif tag in ("td", "th"):
            self._line.append("  ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._line.append(data)

    def text(self, document: str) -> str:
        self.feed(document)
        self.close()
        self._break()
        return "\n".join(self.lines)


def _file(file: File) -> list[Element]:
    """A text file's content, in the conversation: a bot's file in a Teams channel needs
    SharePoint (and a personal chat the user's consent), so the readout is shown rather
    than attached. Markdown and plain text are shown literally, HTML as its text."""
    if not file.mime_type.startswith("text/"):
        return _plain(texts.FILE_NOT_INLINE.format(title=file.title, filename=file.filename))
    content = file.content.decode("utf-8", errors="replace")
    if file.mime_type == "text/html":
        return [
            *_rich((Span(text=file.title, style="bold"),)),
            *_plain(_HtmlText().text(content)),
        ]
    return [
        *_rich((Span(text=file.title, style="bold"),)),
        *_rich((Span(text=content, style="code"),)),
    ]


def _block(block: Block) -> list[Element]:
    match block:
        case Paragraph(spans=spans):
            return _rich(spans)
        case Heading(text=text):
            return _rich((Span(text=text),), size="Large", weight="Bolder")
        case BulletList(items=items):
            return [element for item in items for element in _rich(item, prefix="•\u00a0")]
        case Fields():
            return _facts(block)
        case Image(title=title):
            if len(block.content) > MAX_INLINE_IMAGE_BYTES:
                return _plain(texts.IMAGE_TOO_LARGE.format(title=title))
            return _rich((Span(text=title, style="bold"),))  # the picture follows it
        case File():
            return _file(block)
    return []


# -- questions ------------------------------------------------------------------------


def _submit(title: str, data: dict[str, Any]) -> Element:
    return {"type": "Action.Submit", "title": title, "data": data}


def _question(question: Question) -> tuple[list[Element], list[Element]]:
    """The question's elements and the card actions that answer it."""
    body: list[Element] = []
    if question.position:
        body.extend(_subtle(question.position))
    body.extend(_rich((Span(text=question.text, style="bold"),)))
    if question.help:
        body.extend(_plain(question.help, isSubtle=True))
    if question.example:
        body.extend(_subtle(texts.EXAMPLE.format(example=question.example)))
    if question.optional:
        body.extend(_subtle(texts.OPTIONAL_HINT))

    key = {"prompt_key": question.prompt_key}
    options = question.options
    choices = [{"title": o.label, "value": o.value} for o in options]
    required = {"isRequired": not question.optional, "errorMessage": texts.REQUIRED}
    if question.input == "multi_choice" and options:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": INPUT_ID,
                "isMultiSelect": True,
                "style": "expanded",
                "choices": choices,
                **required,
            }
        )
        return body, [_submit(texts.SUBMIT, {**key, "multi": True})]
    if question.input == "date":
        body.append({"type": "Input.Date", "id": INPUT_ID, **required})
        return body, [_submit(texts.SEND_DATE, key)]
    if question.input == "long_text":
        body.append(
            {
                "type": "Input.Text",
                "id": INPUT_ID,
                "isMultiline": True,
                "placeholder": texts.LONG_TEXT_PLACEHOLDER,
                **required,
            }
        )
        return body, [_submit(texts.SUBMIT, key)]
    if options:
        fits = len(options) <= MAX_BUTTONS and all(
            len(o.label) <= MAX_BUTTON_LABEL for o in options
        )
        if fits:
            return body, [_submit(o.label, {**key, "value": o.value}) for o in options]
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": INPUT_ID,
                "style": "compact",
                "placeholder": texts.CHOOSE_PLACEHOLDER,
                "choices": choices,
                **required,
            }
        )
        return body, [_submit(texts.SUBMIT, key)]
    body.extend(_subtle(texts.TYPE_YOUR_ANSWER))
    return body, []


# -- cards and activities ------------------------------------------------------------


def _card(body: list[Element], actions: list[Element]) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def _activity(card: dict[str, Any], summary: str) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}],
    }
    if summary:
        # What the notification and the chat list show for a card.
        activity["summary"] = summary
    return activity


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def render_parts(message: Outbound, limit: int = MAX_ACTIVITY_BYTES) -> list[Part]:
    """The activities for one message, each within ``limit`` bytes, in order."""
    # Units are kept whole in one card: a question with its input and buttons. A
    # picture is an activity of its own, after the card so far (its title ends it).
    units: list[tuple[list[Element], list[Element]]] = []
    pictures: dict[int, dict[str, Any]] = {}  # units index -> the picture posted after it
    separate_next = False
    for block in message.blocks:
        if isinstance(block, Divider):
            separate_next = True
            continue
        if isinstance(block, Question):
            elements, controls = _question(block)
        else:
            elements, controls = _block(block), []
        if elements and separate_next:
            elements[0] = {**elements[0], "separator": True, "spacing": "Medium"}
            separate_next = False
        if controls:
            units.append((elements, controls))
        else:
            units.extend(([element], []) for element in elements)
        if isinstance(block, Image) and len(block.content) <= MAX_INLINE_IMAGE_BYTES:
            pictures[len(units) - 1] = _image_activity(block)

    overhead = utf16_size(_activity(_card([], []), "x" * SUMMARY_CHARS)) + ENVELOPE_RESERVE
    budget = limit - overhead
    summary = _summary(message.plain_text())
    parts: list[Part] = []
    body: list[Element] = []
    actions: list[Element] = []
    used = 0

    def flush() -> None:
        nonlocal body, actions, used
        if body or actions:
            first = not parts
            text = summary if first else f"{texts.CONTINUED} {summary}"
            parts.append(Part(_activity(_card(body, actions), _summary(text)), bool(actions)))
        body, actions, used = [], [], 0

    for index, (elements, unit_actions) in enumerate(units):
        size = sum(utf16_size(e) for e in elements) + sum(utf16_size(a) for a in unit_actions)
        if body and (used + size > budget or (unit_actions and actions)):
            flush()
        body.extend(elements)
        actions.extend(unit_actions)
        used += size
        if index in pictures:
            flush()
            parts.append(Part(pictures[index]))
    flush()
    return parts


def render(message: Outbound) -> list[dict[str, Any]]:
    """The Bot Framework activities (JSON) that show ``message`` in Teams."""
    return [part.activity for part in render_parts(message)]
