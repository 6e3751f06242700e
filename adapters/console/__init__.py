"""The terminal chat (`vsa chat`): the same conversation a Slack user has, in plain text.

Choices are numbered and can be answered by number or by text. Standard input may
be a pipe, so a whole dialog can be scripted: each line is one message.

Pictures and files (a value stream map, a readout) are written to a folder
(:func:`default_files_dir` unless told otherwise) and their paths printed, so they can
be opened from the terminal. A file's name ends with a hash of its content: the same
content is written once, and a different one never overwrites it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from assistant.app import Assistant
from assistant.dispatch import Progress
from assistant.events import (
    Action,
    BulletList,
    ConversationRef,
    Divider,
    Fields,
    File,
    Heading,
    Image,
    Inbound,
    Outbound,
    Paragraph,
    Person,
    Platform,
    Question,
    Span,
    filename_for,
)
from assistant.service import SESSION_OPEN

WORKSPACE = "local"
CHANNEL = "terminal"
QUIT_WORDS = {"quit", "exit", "bye", ":q"}


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[0m" if self.enabled else text

    def dim(self, text: str) -> str:
        return f"\033[2m{text}\033[0m" if self.enabled else text


def _spans(spans: tuple[Span, ...], style: Style) -> str:
    out = []
    for span in spans:
        # Terminal text needs no escaping, but control characters a user typed must
        # not reach the terminal as escape sequences.
        text = "".join(ch for ch in span.text if ch.isprintable() or ch in "\n\t")
        out.append(style.bold(text) if span.style == "bold" else text)
        if span.link:  # a terminal shows the address itself
            out.append(f" ({span.link})")
    return "".join(out)


def default_files_dir() -> Path:
    """Beside the default database: where `vsa chat` puts pictures and files."""
    return Path.home() / ".local" / "share" / "vsa" / "files"


def saved_name(block: Image | File) -> str:
    """The name a picture or file is saved under: its title or name, then a content hash."""
    if isinstance(block, Image):
        data, stem, suffix = block.content, block.title, ".png"
    else:
        name = Path(block.filename)
        data, stem = block.content, name.stem
        suffix = "".join(c for c in name.suffix if c.isalnum() or c == ".")[:12]
    digest = hashlib.sha256(data).hexdigest()[:10]
    return filename_for(stem, f"-{digest}{suffix}")


def save_files(message: Outbound, directory: Path) -> dict[int, Path]:
    """Write the message's pictures and files into ``directory`` (blocking: call it in a
    thread); their paths by block index."""
    saved: dict[int, Path] = {}
    for index, block in enumerate(message.blocks):
        if not isinstance(block, Image | File):
            continue
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / saved_name(block)
        if not path.exists():
            partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            partial.write_bytes(block.content)
            os.replace(partial, path)  # whole or not at all, for whoever opens it
        saved[index] = path.resolve()
    return saved


def render(
    message: Outbound, style: Style | None = None, saved: Mapping[int, Path] | None = None
) -> str:
    """Plain terminal text for a message; options numbered from 1. ``saved`` names where
    the message's pictures and files were written (see :func:`save_files`)."""
    style = style or Style(False)
    saved = saved or {}
    lines: list[str] = []
    for index, block in enumerate(message.blocks):
        where = f" saved to {saved[index]}" if index in saved else ""
        match block:
            case Paragraph(spans=spans):
                lines.append(_spans(spans, style))
            case Heading(text=text):
                lines.append(style.bold(_clean(text)))
            case BulletList(items=items):
                lines += [f"  • {_spans(item, style)}" for item in items]
            case Fields(items=items):
                width = min(max(len(f.label) for f in items), 36)
                lines += [f"  {_clean(f.label).ljust(width)}  {_clean(f.value)}" for f in items]
            case Divider():
                lines.append("─" * 40)
            case Image(title=title):
                lines.append(f"[picture: {_clean(title)}]{where}")
            case File(filename=filename):
                lines.append(f"[file: {_clean(filename)}]{where}")
            case Question():
                lines += _question(block, style)
    return "\n".join(lines)


def _clean(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")


def _question(question: Question, style: Style) -> list[str]:
    head = style.bold(_clean(question.text))
    if question.position:
        head = f"{style.dim(question.position + ':')} {head}"
    lines = ["", head]
    for number, option in enumerate(question.options, 1):
        lines.append(f"  {number}. {_clean(option.label)}")
    hints = []
    if question.input == "multi_choice":
        hints.append("numbers or names, separated by commas")
    if question.example and not question.options:
        hints.append(f"e.g. {_clean(question.example)}")
    if question.optional and question.input not in ("add_another", "confirm"):
        hints.append("optional: say skip")
    if hints:
        lines.append(style.dim("  (" + "; ".join(hints) + ")"))
    return lines


class ConsoleAdapter:
    """Prints messages. Also remembers the last question, so "2" can pick its option 2."""

    platform: Platform = "console"

    def __init__(
        self,
        out: TextIO,
        style: Style,
        user: str | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.out = out
        self.style = style
        self.user = user
        self.files_dir = files_dir or default_files_dir()
        self.last_question: Question | None = None

    def reaches(self, conversation_key: str) -> bool:
        """Only the person at this terminal: an invitation for someone else waits in the
        outbox until they open `vsa chat --user NAME`."""
        return self.user is None or conversation_key == f"console:{WORKSPACE}:@{self.user}"

    async def shared_externally(self, to: ConversationRef) -> bool:
        """The terminal is one person's own conversation: no other organisation reads it."""
        return False

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        # One print per message: there are no parts to keep track of.
        saved: dict[int, Path] = {}
        if any(isinstance(block, Image | File) for block in message.blocks):
            saved = await asyncio.to_thread(save_files, message, self.files_dir)
        text = render(message, self.style, saved)
        if text:
            print(text, file=self.out, flush=True)
        if message.question is not None:
            self.last_question = message.question
        return None

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        return None


# "@priya" typed in the terminal names the person who runs `vsa chat --user priya`, as
# a mention does in Slack or Teams (an email address is not a mention).
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w.-]*[\w])")


def mentions_in(text: str) -> tuple[Person, ...]:
    """The people a typed line @-mentions, once each, in order."""
    names = dict.fromkeys(_MENTION.findall(text))
    return tuple(
        Person(platform="console", workspace=WORKSPACE, user_id=name, name=name) for name in names
    )


def to_inbound(text: str, user: str, last_question: Question | None) -> Inbound:
    """A typed line; a lone number picks that option of a single-choice question."""
    person = Person(platform="console", workspace=WORKSPACE, user_id=user, name=user)
    ref = ConversationRef(platform="console", workspace=WORKSPACE, channel=CHANNEL, user=user)
    action = None
    stripped = text.strip().rstrip(".")
    if (
        last_question is not None
        and last_question.options
        and last_question.input != "multi_choice"
        and stripped.isdigit()
        and 1 <= int(stripped) <= len(last_question.options)
    ):
        option = last_question.options[int(stripped) - 1]
        action = Action(prompt_key=last_question.prompt_key, values=(option.value,))
    return Inbound(
        event_id=uuid.uuid4().hex,
        sender=person,
        conversation=ref,
        text=text.strip(),
        action=action,
        mentions=mentions_in(text),
    )


async def chat(assistant: Assistant, user: str, stdin: TextIO, stdout: TextIO) -> None:
    interactive = stdin.isatty()
    adapter = ConsoleAdapter(
        stdout, Style(stdout.isatty() and assistant.settings.colors_allowed), user
    )
    assistant.dispatcher.register(adapter)
    # A `vsa chat` killed mid-send left what it was printing claimed: it went with that
    # terminal (the dialog resumes at its question), and holds the conversation no more.
    await assistant.dispatcher.abandon_claims(to_inbound("", user, None).conversation.key)
    await assistant.dispatcher.recover()
    loop = asyncio.get_running_loop()
    # Open with the greeting and menu, or the question the user left off at.
    opening = to_inbound("", user, None).model_copy(
        update={"action": Action(prompt_key=SESSION_OPEN, values=())}
    )
    await assistant.dispatcher.handle(opening)
    while True:
        if interactive:
            print(adapter.style.dim(f"{user} › "), end="", file=stdout, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:  # end of input
            break
        text = line.rstrip("\n")
        if text.strip().lower() in QUIT_WORDS:
            break
        if not interactive:
            print(f"{user} › {text}", file=stdout, flush=True)
        inbound = to_inbound(text, user, adapter.last_question)
        working = assistant.service.working_note(inbound)
        if working is not None and interactive:  # someone is watching the terminal wait
            print(adapter.style.dim(working), file=stdout, flush=True)
        await assistant.dispatcher.handle(inbound)
