"""`vsa chat` on a terminal says at once that a slow command is under way, as Slack and
Teams do; piped, it prints only the conversation."""

from __future__ import annotations

import io

from adapters.console import chat
from assistant.app import Assistant
from assistant.settings import Settings
from assistant.texts import SUMMARY_WORKING


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def run_chat(settings: Settings, typed: str, stdin: io.StringIO) -> str:
    stdin.write(typed)
    stdin.seek(0)
    out = io.StringIO()
    assistant = await Assistant.start(settings)
    try:
        await chat(assistant, "sa", stdin, out)
    finally:
        await assistant.close()
    return out.getvalue()


async def test_a_slow_command_on_a_terminal_says_it_is_under_way(settings: Settings) -> None:
    shown = await run_chat(settings, "help\nsummary\n", Terminal())
    assert shown.count(SUMMARY_WORKING) == 1  # for summary, not for help
    before, _after = shown.split(SUMMARY_WORKING)
    assert before.rstrip().endswith("sa ›")  # at once, before the turn answers


async def test_piped_it_prints_only_the_conversation(settings: Settings) -> None:
    shown = await run_chat(settings, "summary\n", io.StringIO())
    assert SUMMARY_WORKING not in shown
