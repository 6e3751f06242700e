"""Repeatable groups and step kinds through the pure engine (no database, no I/O)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from assistant import engine
from assistant.definitions import Dialog
from assistant.events import Action, ConversationRef, Inbound, Person

TODAY = date(2026, 11, 23)

VALUE_STREAM = Dialog.model_validate(
    {
        "id": "idea_to_production",
        "version": 1,
        "title": "Map the value stream",
        "description": "Step by step.",
        "start_words": ["map"],
        "summary_template": "x.md.j2",
        "steps": [
            {"id": "team", "kind": "text", "prompt": "Which team?"},
            {
                "id": "steps",
                "kind": "group",
                "item_name": "step",
                "min_items": 2,
                "max_items": 3,
                "prompt": "The steps from idea to production.",
                "steps": [
                    {"id": "name", "kind": "text", "prompt": "What is the step called?"},
                    {"id": "process_time", "kind": "duration", "prompt": "Hands-on time?"},
                    {"id": "wait_time", "kind": "duration", "prompt": "Wait before the next step?"},
                    {"id": "complete_accurate", "kind": "percent", "prompt": "%C/A?"},
                    {"id": "manual", "kind": "yes_no", "prompt": "Manual?"},
                    {
                        "id": "approver",
                        "kind": "person",
                        "prompt": "Who approves?",
                        "when": {"step": "manual", "equals": True},
                    },
                ],
            },
            {
                "id": "risks",
                "kind": "group",
                "item_name": "risk",
                "min_items": 0,
                "prompt": "Risks.",
                "steps": [{"id": "what", "kind": "text", "prompt": "What risk?"}],
            },
            {"id": "go_live", "kind": "date", "prompt": "Go-live?"},
        ],
    }
)

SA = Person(platform="console", workspace="w", user_id="sa", name="Sam")
REF = ConversationRef(platform="console", workspace="w", channel="c")


def inbound(
    text: str = "", action: Action | None = None, mentions: tuple[Person, ...] = ()
) -> Inbound:
    return Inbound(
        event_id=uuid.uuid4().hex,
        sender=SA,
        conversation=REF,
        text=text,
        action=action,
        mentions=mentions,
    )


class Run:
    def __init__(self, dialog: Dialog) -> None:
        self.dialog = dialog
        self.turn = engine.start(dialog, "run1")
        self.events: list[Any] = list(self.turn.events)

    def say(self, text: str, **kw: Any) -> engine.Turn:
        self.turn = engine.advance(self.dialog, self.turn.state, inbound(text, **kw), TODAY)
        self.events += self.turn.events
        return self.turn

    @property
    def asking(self) -> str:
        question = self.turn.messages[-1].question
        assert question is not None
        return question.text

    @property
    def completed(self) -> dict[str, Any]:
        done = [e for e in self.events if isinstance(e, engine.Completed)]
        assert done, "the dialog did not complete"
        return done[-1].answers


def test_a_group_is_asked_per_item_until_done_with_min_and_max_items() -> None:
    run = Run(VALUE_STREAM)
    run.say("Payments")
    assert run.asking == "Step 1 · What is the step called?"
    for answer in ("Code review", "2h", "1 day", "80%", "no"):
        run.say(answer)
    # min_items is 2: no "add another?" after the first step.
    assert run.asking == "Step 2 · What is the step called?"
    for answer in ("Approval", "30 min", "3 days", "60", "yes", "me"):
        run.say(answer)
    assert run.asking == "Add another step?"
    run.say("add another")
    for answer in ("Deploy", "1 hour", "0", "95%", "no"):
        run.say(answer)
    # max_items is 3: no more "add another?"; on to the optional group.
    assert run.asking == "Any risks to add?"
    run.say("no")
    run.say("2027-01-31")
    answers = run.completed
    assert answers["steps[1].approver"] == {"name": "Sam", "user_id": "sa", "platform": "console"}
    assert answers["steps[0].process_time"] == 120
    assert answers["steps[0].wait_time"] == 24 * 60
    assert answers["steps[2].complete_accurate"] == 95
    assert "steps[0].approver" not in answers  # not manual: not asked
    shaped = engine.grouped(VALUE_STREAM, answers)
    assert [s["name"] for s in shaped["steps"]] == ["Code review", "Approval", "Deploy"]
    assert shaped["risks"] == [] and shaped["go_live"] == "2027-01-31"


def test_add_another_answers_by_button_and_done() -> None:
    run = Run(VALUE_STREAM)
    run.say("Payments")
    for answer in ("A", "1h", "1h", "50", "no", "B", "1h", "1h", "50", "no"):
        run.say(answer)
    question = run.turn.messages[-1].question
    assert question is not None and [o.label for o in question.options] == [
        "Add another step",
        "That's all",
    ]
    run.say("", action=Action(prompt_key=question.prompt_key, values=("no",)))
    assert run.asking == "Any risks to add?"
    run.say("yes")
    run.say("Vendor lock-in")
    assert run.asking == "Add another risk?"
    run.say("done")
    run.say("in 3 weeks")
    answers = run.completed
    assert answers["risks[0].what"] == "Vendor lock-in"
    assert answers["go_live"] == "2026-12-14"


def test_back_inside_a_group_returns_to_the_previous_item_question() -> None:
    run = Run(VALUE_STREAM)
    run.say("Payments")
    run.say("Code review")
    run.say("back")
    assert run.asking == "Step 1 · What is the step called?"
    run.say("Peer review")
    assert run.asking == "Step 1 · Hands-on time?"
    assert run.turn.state.answers["steps[0].name"].value == "Peer review"


def test_a_person_answer_takes_the_mention() -> None:
    run = Run(VALUE_STREAM)
    for answer in ("Payments", "A", "1h", "1h", "50", "yes"):
        run.say(answer)
    dana = Person(platform="console", workspace="w", user_id="U42", name="Dana")
    run.say("@Dana", mentions=(dana,))
    assert run.turn.state.answers["steps[0].approver"].value == {
        "name": "Dana",
        "user_id": "U42",
        "platform": "console",
    }


def test_the_engine_is_pure_the_same_input_gives_the_same_output() -> None:
    first, second = Run(VALUE_STREAM), Run(VALUE_STREAM)
    for answer in ("Payments", "A", "two hours", "2h"):
        a, b = first.say(answer), second.say(answer)
        assert a.state == b.state
        assert [m.model_dump() for m in a.messages] == [m.model_dump() for m in b.messages]


def test_state_round_trips_through_json() -> None:
    run = Run(VALUE_STREAM)
    run.say("Payments")
    run.say("A")
    stored = run.turn.state.model_dump_json()
    restored = engine.DialogState.model_validate_json(stored)
    assert restored == run.turn.state
    turn = engine.advance(VALUE_STREAM, restored, inbound("2h"), TODAY)
    assert turn.messages[-1].question is not None
    assert turn.messages[-1].question.text == "Step 1 · Wait before the next step?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", "help"),
        ("Help!", "help"),
        ("?", "help"),
        ("where am I", "status"),
        ("stop", "cancel"),
        ("edit 3", "edit"),
        ("change customer", "edit"),
        ("/back", "back"),
        ("help me with the pipeline", None),
        ("skip it", None),
        ("Acme", None),
    ],
)
def test_command_words_are_recognised_only_as_whole_messages(
    text: str, expected: str | None
) -> None:
    command = engine.parse_command(text)
    assert (command.word if command else None) == expected


def _asked_as_if_fresh(dialog: Dialog, turn: engine.Turn) -> None:
    """What a turn asked is what a fresh look at its state would ask, numbered the same."""
    if turn.state.status != "active" or turn.asking is None:
        return
    assert turn.asking == engine.current_slot(dialog, turn.state)
    visible = engine.slots(dialog, turn.state.answers)
    question = turn.messages[-1].question
    assert question is not None
    position = next(i for i, s in enumerate(visible) if s.path == turn.asking.path) + 1
    assert question.position is not None
    assert question.position.startswith(f"Question {position} of ")
    assert question.position.endswith(engine._total(dialog, turn.state, visible))


def test_each_question_is_the_one_a_fresh_look_at_the_answers_gives() -> None:
    """A turn reuses the questions it worked out before the answer when the answer
    can't change them; answers that show or hide questions, and group answers, can."""
    from assistant.definitions import load_catalog

    qualification = load_catalog().get("qualification")
    for answers in (
        # decision_access and uses_platform (conditions of later steps) answered no,
        # then edited to yes: the hidden questions appear.
        ["Acme", "yes", "yes", "2500", "yes", "no", "no", "no", "edit 6", "yes", "Dana"],
        ["Acme", "yes", "yes", "2500", "yes", "yes", "Dana", "yes", "1", "2031-01-01"],
    ):
        run = Run(qualification)
        for text in answers:
            _asked_as_if_fresh(qualification, run.say(text))
    run = Run(VALUE_STREAM)
    for text in ("Payments", "Review", "2h", "1 day", "80%", "yes", "me", "back", "no"):
        _asked_as_if_fresh(VALUE_STREAM, run.say(text))
