"""Our own light markup, turned into neutral blocks; user text is never parsed as markup.

Two entry points:

* :func:`rich` formats one of our sentences (``*bold*``, ``_italic_``, ```code```)
  with user values inserted as literal spans.
* :func:`parse` turns a rendered summary template into blocks. Templates insert
  user values through :func:`literal` (the Jinja2 ``finalize`` hook does it for
  every ``{{ }}``), which fences them with private-use characters so that a ``*``,
  a ``#`` or a ``- `` typed by a customer stays text.

Line syntax for templates: ``# heading``, ``- bullet``, ``Label:: value`` (fields),
``---`` (divider); blank lines separate paragraphs.
"""

from __future__ import annotations

import functools
import re
import string
from typing import Any

from assistant.events import (
    Block,
    BulletList,
    Divider,
    Field_,
    Fields,
    Heading,
    Paragraph,
    Span,
)

OPEN, CLOSE = "\ue000", "\ue001"
_FENCE = re.compile(f"{OPEN}(.*?){CLOSE}", re.S)
_TOKEN_OPEN, _TOKEN_CLOSE = "\ue002", "\ue003"
_TOKEN = re.compile(f"{_TOKEN_OPEN}(\\d+){_TOKEN_CLOSE}")
_INLINE = re.compile(r"\*(?P<bold>[^*\n]+)\*|_(?P<italic>[^_\n]+)_|`(?P<code>[^`\n]+)`")


class Raw(str):
    """A string from code that templates may insert as markup (not escaped)."""

    __slots__ = ()


def literal(value: Any) -> str:
    """Fence a value so the markup parser treats it as text (the Jinja2 finalize hook)."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    text = str(value).replace(OPEN, "").replace(CLOSE, "")
    # Line structure belongs to the template: a value spans no lines of its own.
    text = " ".join(text.split("\n"))
    return f"{OPEN}{text}{CLOSE}"


def _inline(source: str) -> list[Span]:
    """Spans from template text in which fenced parts are literal.

    Fences become opaque tokens while the template's own markup is read, so a
    value inside ``*...*`` is bold and a ``*`` inside a value is just a star."""
    fenced: list[str] = []

    def token(match: re.Match[str]) -> str:
        fenced.append(match.group(1))
        return f"{_TOKEN_OPEN}{len(fenced) - 1}{_TOKEN_CLOSE}"

    spans = _styled(_FENCE.sub(token, source))
    expanded = [
        Span(text=_TOKEN.sub(lambda m: fenced[int(m.group(1))], span.text), style=span.style)
        for span in spans
    ]
    return _merge(expanded)


def _styled(source: str) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(source):
        if match.start() > position:
            spans.append(Span(text=source[position : match.start()]))
        style = match.lastgroup or "plain"
        spans.append(Span(text=match.group(style), style=style))
        position = match.end()
    if position < len(source):
        spans.append(Span(text=source[position:]))
    return spans


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].style == span.style and merged[-1].link == span.link:
            merged[-1] = Span(text=merged[-1].text + span.text, style=span.style)
        elif span.text:
            merged.append(span)
    return merged


def rich(template: str, **values: Any) -> Paragraph:
    """One of our sentences with user values: ``rich("Hi *{name}*", name=user_text)``.

    Markup comes only from ``template``; each value is inserted as literal text and
    takes the style of the markup around its placeholder.
    """
    if not values:
        return _constant(template)
    return _rich(template, values)


@functools.lru_cache(maxsize=256)
def _constant(template: str) -> Paragraph:
    """A sentence without values is the same every time (blocks are immutable)."""
    return _rich(template, {})


def _rich(template: str, values: dict[str, Any]) -> Paragraph:
    spans: list[Span] = []
    position = 0
    for match in _INLINE.finditer(template):
        spans += _fill(template[position : match.start()], "plain", values)
        style = match.lastgroup or "plain"
        spans += _fill(match.group(style), style, values)
        position = match.end()
    spans += _fill(template[position:], "plain", values)
    return Paragraph(spans=tuple(_merge(spans)))


def _fill(part: str, style: str, values: dict[str, Any]) -> list[Span]:
    spans: list[Span] = []
    for literal_text, field, _spec, _conversion in string.Formatter().parse(part):
        if literal_text:
            spans.append(Span(text=literal_text, style=style))
        if field is not None:
            spans.append(Span(text=str(values[field]), style=style))
    return spans


def parse(source: str) -> list[Block]:
    """Blocks from a rendered template (see the module docstring for the syntax)."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    bullets: list[tuple[Span, ...]] = []
    fields: list[Field_] = []

    def flush() -> None:
        if paragraph:
            spans = _inline("\n".join(paragraph))
            if spans:
                blocks.append(Paragraph(spans=tuple(spans)))
            paragraph.clear()
        if bullets:
            blocks.append(BulletList(items=tuple(bullets)))
            bullets.clear()
        if fields:
            blocks.append(Fields(items=tuple(fields)))
            fields.clear()

    for raw_line in source.splitlines():
        line = raw_line.strip()
        # Structure is read only from the template's own text, outside any fence.
        structure = _FENCE.sub("x", line)
        if not line:
            flush()
        elif structure == "---":
            flush()
            blocks.append(Divider())
        elif structure.startswith("# "):
            flush()
            blocks.append(Heading(text=_plain(line[2:])))
        elif structure.startswith("- "):
            if paragraph or fields:
                flush()
            bullets.append(tuple(_inline(line[2:])))
        elif "::" in structure:
            if paragraph or bullets:
                flush()
            label, _, value = line.partition("::")
            fields.append(Field_(label=_plain(label), value=_plain(value)))
        else:
            if bullets or fields:
                flush()
            paragraph.append(line)
    flush()
    return blocks


def _plain(source: str) -> str:
    return "".join(span.text for span in _inline(source.strip())).strip()
