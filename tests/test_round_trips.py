"""What a turn costs the database, counted through SQLAlchemy's events (so every
statement is seen): a typical answer through the whole dispatcher path (event recorded,
turn, outbox, delivery) stays within its budget of statements and transactions. The
count does not drift with the machine's load, as timings do: a change that adds a round
trip to every turn shows here first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from assistant.app import Assistant
from tests.chat import Chat
from tests.conftest import ON_POSTGRES

# Recorded (1), the turn (claim the event, read the run, save it, store the answer,
# queue the reply, claim it: 6), the reply marked sent, the platform id of its question
# kept and what is due next claimed (3); on PostgreSQL the turn and the mark each take
# the conversation's lock (2 more).
STATEMENTS = 12 if ON_POSTGRES else 10
# Recorded, the turn, the reply marked sent: each durable on its own.
TRANSACTIONS = 3


@dataclass
class Counted:
    statements: int = 0
    commits: int = 0


@contextmanager
def counting(assistant: Assistant) -> Iterator[Counted]:
    engine = assistant.db.engine
    counted = Counted()

    def statement(*_args: Any) -> None:
        counted.statements += 1

    def commit(*_args: Any) -> None:
        counted.commits += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def test_a_typed_answer_costs_its_budget_of_statements_and_transactions(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.say("qualify")
    assert chat.question is not None

    with counting(assistant) as counted:
        replies = await chat.say("Acme Corp")  # the customer's name: the next question

    assert any(reply.question is not None for reply in replies)
    assert counted.statements <= STATEMENTS, counted
    assert counted.commits <= TRANSACTIONS, counted


async def test_a_clicked_answer_updates_its_question_within_the_same_budget(
    assistant: Assistant,
) -> None:
    """The platform id of the question a click answers comes with the claim of the
    reply, not from a statement of its own."""
    chat = Chat(assistant)
    await chat.say("qualify")
    await chat.say("Acme Corp")
    assert chat.question is not None and chat.question.options

    with counting(assistant) as counted:
        replies = await chat.click("yes")

    assert any(reply.answered is not None for reply in replies)
    assert counted.statements <= STATEMENTS, counted
    assert counted.commits <= TRANSACTIONS, counted
