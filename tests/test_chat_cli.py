"""`vsa chat` as a person uses it: a subprocess, piped or line by line, killed and restarted."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import socket
import subprocess
import sys

import pytest

from assistant.app import Assistant
from tests.conftest import make_settings
from tests.scenario import (
    NOT_QUALIFIED,
    NOT_QUALIFIED_ANSWERS,
    QUALIFIED,
    QUALIFIED_ANSWERS,
    Click,
    Step,
    stored_answers,
)

VSA = [sys.executable, "-m", "assistant"]
QUESTION = re.compile(
    r"^(?:Question \d+ of (?:up to )?\d+: (?P<text>.+)|(?P<menu>What would you like to do\?))$"
)

# What a terminal user types for a click: the option's label (numbers work too).
LABELS = {
    "yes": "yes",
    "customer": "A customer",
}


def typed(steps: list[Step]) -> list[str]:
    return [LABELS[s.value] if isinstance(s, Click) else s.text for s in steps]


def env(database_url: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    return {**clean, "DATABASE_URL": database_url, "NO_COLOR": "1"}


async def answers_in(database_url: str) -> dict[str, object]:
    assistant = await Assistant.start(make_settings(database_url))
    try:
        return await stored_answers(assistant.db)
    finally:
        await assistant.close()


@pytest.mark.parametrize(
    ("steps", "expected", "verdict"),
    [
        (QUALIFIED, QUALIFIED_ANSWERS, "Qualified: Acme <!channel> & <@U999> Corp"),
        (NOT_QUALIFIED, NOT_QUALIFIED_ANSWERS, "Not qualified yet: Tiny Co"),
    ],
    ids=["qualified", "not-qualified"],
)
def test_a_piped_qualification_ends_with_the_verdict_and_exits_0(
    database_url: str, steps: list[Step], expected: dict[str, object], verdict: str
) -> None:
    script = "\n".join(typed(steps)) + "\n"
    done = subprocess.run(
        [*VSA, "chat"],
        input=script,
        capture_output=True,
        text=True,
        env=env(database_url),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert verdict in done.stdout
    assert "Traceback" not in done.stderr
    assert asyncio.run(answers_in(database_url)) == expected


def test_numbers_pick_options_and_user_acts_as_another_participant(database_url: str) -> None:
    script = "1\nInitech\n1\n2\n5000\n"  # 1 = Qualify; yes (1) / no (2) by number
    done = subprocess.run(
        [*VSA, "chat", "--user", "dana"],
        input=script,
        capture_output=True,
        text=True,
        env=env(database_url),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "dana › Initech" in done.stdout
    answers = asyncio.run(answers_in(database_url))
    assert answers == {
        "customer": "Initech",
        "opportunity_discovery": True,
        "technical_discovery": False,
        "addressable_users": 5000,
    }


class Terminal:
    """A `vsa chat` process driven one line at a time."""

    def __init__(self, database_url: str) -> None:
        self.process = subprocess.Popen(
            [*VSA, "chat"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(database_url),
            bufsize=1,
        )
        self.seen: list[str] = []

    def next_question(self) -> str:
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            assert line, "vsa chat ended before asking: " + "".join(self.seen[-10:])
            self.seen.append(line)
            match = QUESTION.match(line.strip())
            if match:
                return str(match["text"] or match["menu"])

    def say(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def test_killed_mid_dialog_it_resumes_at_the_same_question(database_url: str) -> None:
    first = Terminal(database_url)
    first.next_question()  # the menu
    for answer in ("qualify", "Acme", "yes", "no"):
        first.say(answer)
        question = first.next_question()
    assert "How many people" in question
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=30)

    second = Terminal(database_url)
    assert "How many people" in second.next_question()
    assert any("Welcome back" in line for line in second.seen)
    second.say("3000")
    assert "focused on improving" in second.next_question()
    second.say("quit")
    assert second.process.wait(timeout=30) == 0
    assert asyncio.run(answers_in(database_url)) == {
        "customer": "Acme",
        "opportunity_discovery": True,
        "technical_discovery": False,
        "addressable_users": 3000,
    }


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("database_url", "says"),
    [
        (
            f"postgresql://vsa:s3cret@127.0.0.1:{_closed_port()}/vsa",
            "cannot reach the database at postgresql+asyncpg://vsa:***@127.0.0.1",
        ),
        ("sqlite:////proc/no-such-folder/vsa.db", "cannot create the folder /proc/no-such-folder"),
        ("sqlite:////proc", "cannot open the database at sqlite+aiosqlite:////proc"),
        ("mysql://nobody@localhost/x", "DATABASE_URL must be SQLite or PostgreSQL"),
    ],
    ids=["postgres-down", "sqlite-folder-impossible", "sqlite-file-a-folder", "not-supported"],
)
def test_a_database_that_cannot_be_opened_is_a_clear_error(database_url: str, says: str) -> None:
    done = subprocess.run(
        [*VSA, "chat"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=env(database_url),
    )
    assert done.returncode == 1
    assert says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1  # that one sentence, no log noise
    assert "s3cret" not in done.stderr
    assert "Traceback" not in done.stderr


def on_a_terminal(database_url: str, **environment: str) -> str:
    """What `vsa chat` prints to a terminal (a pseudo-terminal) before it is told to quit."""
    master, slave = pty.openpty()
    settings = {k: v for k, v in env(database_url).items() if k not in ("NO_COLOR", "TERM")}
    process = subprocess.Popen(
        [*VSA, "chat"],
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**settings, **environment},
    )
    os.close(slave)
    assert process.stdin is not None
    process.stdin.write(b"quit\n")
    process.stdin.close()
    shown = b""
    try:
        while chunk := os.read(master, 4096):
            shown += chunk
    except OSError:  # the terminal's other end closed: the process is done
        pass
    finally:
        os.close(master)
    assert process.wait(timeout=60) == 0
    return shown.decode()


@pytest.mark.parametrize(
    ("environment", "coloured"),
    [
        ({"TERM": "xterm-256color"}, True),
        ({"TERM": "xterm-256color", "NO_COLOR": "1"}, False),
        ({"TERM": "dumb"}, False),
    ],
    ids=["terminal", "no-color", "dumb-terminal"],
)
def test_colours_on_a_terminal_unless_no_color_or_a_dumb_one(
    database_url: str, environment: dict[str, str], coloured: bool
) -> None:
    shown = on_a_terminal(database_url, **environment)
    assert "What would you like to do?" in shown
    assert ("\033[" in shown) is coloured
