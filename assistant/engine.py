"""The dialog engine: one question at a time, pure.

``advance(dialog, state, inbound, today)`` returns the next state, the messages to
post and the events to record. It does no I/O and reads no clock: the service
around it loads the state, calls it and saves the result in one transaction.

Which questions a dialog asks is a function of its answers: conditions hide
steps, and a repeatable group grows by one item each time its "add another?"
question is answered yes. So the engine stores only answers (plus a question
the user went back to), and resumes anywhere after a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from assistant import parsing, texts, validators
from assistant.definitions import (
    ChoiceStep,
    DateStep,
    Dialog,
    DurationStep,
    GroupStep,
    LongTextStep,
    MultiChoiceStep,
    NumberStep,
    PercentStep,
    PersonStep,
    Step,
    TextStep,
    YesNoStep,
    _Step,
    normalize_words,
)
from assistant.events import (
    Answered,
    BulletList,
    Field_,
    Fields,
    Inbound,
    InputKind,
    Option,
    Outbound,
    Paragraph,
    Question,
    Span,
)
from assistant.markup import rich

STATE_SCHEMA_VERSION = 1


class EngineError(Exception):
    """The engine was asked something it cannot do (a programming error, not user input)."""


class StoredAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    raw: str
    value: Any = None
    skipped: bool = False


class DialogState(BaseModel):
    """Everything the engine needs to continue a run, stored as JSON (never pickled)."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = STATE_SCHEMA_VERSION
    dialog_id: str
    dialog_version: int
    run_key: str
    answers: dict[str, StoredAnswer] = {}
    revisit: str | None = None  # a question the user went back to or asked to edit
    asked: int = 0  # how many questions were posted; makes each prompt key unique
    confirming_cancel: bool = False
    context: dict[str, Any] = {}  # what the run was started with (e.g. a qualification id)
    status: Literal["active", "paused", "completed", "cancelled"] = "active"


# -- events for the service to record ---------------------------------------------


@dataclass(frozen=True)
class AnswerSet:
    path: str
    raw: str
    value: Any
    skipped: bool = False


@dataclass(frozen=True)
class Completed:
    answers: dict[str, Any]  # the answers that apply (hidden steps left out)


@dataclass(frozen=True)
class Cancelled:
    pass


@dataclass(frozen=True)
class Paused:
    pass


Event = AnswerSet | Completed | Cancelled | Paused


@dataclass(frozen=True)
class Turn:
    state: DialogState
    messages: list[Outbound] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    asking: Slot | None = None  # the question this turn asked, when it asked one


# -- slots: the questions a run asks, given its answers ---------------------------

Control = Literal["more", "any"]


class Slot(NamedTuple):  # a tuple: slots() builds dozens per turn
    path: str
    step: _Step | None  # None for a group's control question
    group: GroupStep | None = None
    item: int | None = None  # the item number inside the group, from 0
    control: Control | None = None

    @property
    def optional(self) -> bool:
        return self.control is not None or (self.step is not None and self.step.optional)

    @property
    def title(self) -> str:
        if self.control is not None:
            assert self.group is not None
            return f"{self.group.title}: more?"
        assert self.step is not None
        if self.group is not None and self.item is not None:
            return f"{self.group.item_name.capitalize()} {self.item + 1}: {self.step.title}"
        return self.step.title


def _visible(step: _Step, answers: dict[str, StoredAnswer], scope: str | None) -> bool:
    for condition in step.when:
        stored = None
        if scope is not None:
            stored = answers.get(f"{scope}.{condition.step}")
        if stored is None:
            stored = answers.get(condition.step)
        value = stored.value if stored is not None else None
        if not condition.holds(value, stored is not None and not stored.skipped):
            return False
    return True


class _Plan(NamedTuple):
    """What the engine derives once per dialog: each top-level step with its slot
    (prebuilt, except for groups), the hidden-able steps, and the fixed parts of each
    top-level question."""

    top: tuple[tuple[Step, Slot | None], ...]
    conditional: tuple[_Step, ...]  # top-level, not groups, with conditions
    questions: dict[str, dict[str, Any]]


def _plan(dialog: Dialog) -> _Plan:
    plan = dialog.memo.get("engine")
    if plan is None:
        top = tuple(
            (step, None if isinstance(step, GroupStep) else Slot(step.id, step))
            for step in dialog.steps
        )
        conditional = tuple(
            step for step in dialog.steps if step.when and not isinstance(step, GroupStep)
        )
        questions = {slot.path: _fixed_question(slot) for _, slot in top if slot is not None}
        plan = dialog.memo["engine"] = _Plan(top, conditional, questions)
    return plan


def slots(dialog: Dialog, answers: dict[str, StoredAnswer]) -> list[Slot]:
    found: list[Slot] = []
    for step, prebuilt in _plan(dialog).top:
        if step.when and not _visible(step, answers, None):
            continue
        if prebuilt is not None:
            found.append(prebuilt)
            continue
        assert isinstance(step, GroupStep)
        if step.min_items == 0:
            any_path = f"{step.id}._any"
            found.append(Slot(any_path, None, step, None, "any"))
            started = answers.get(any_path)
            if started is None or started.value is not True:
                continue
        index = 0
        while True:
            scope = f"{step.id}[{index}]"
            item = [
                Slot(f"{scope}.{sub.id}", sub, step, index)
                for sub in step.steps
                if not sub.when or _visible(sub, answers, scope)
            ]
            found += item
            if index + 1 >= step.max_items:
                break
            if index + 1 < step.min_items:
                index += 1
                continue
            if all((a := answers.get(s.path)) is not None and a.skipped for s in item):
                break  # an item skipped whole ("nothing comes to mind"): no "another?"
            more_path = f"{scope}._more"
            found.append(Slot(more_path, None, step, index, "more"))
            more = answers.get(more_path)
            if more is None or more.value is not True:
                break
            index += 1
    return found


def _undecided(dialog: Dialog, answers: dict[str, StoredAnswer]) -> int:
    """Hidden steps that may still appear: their condition waits on an unanswered step."""
    return sum(
        1
        for step in _plan(dialog).conditional
        if not _visible(step, answers, None)
        and any(condition.step not in answers for condition in step.when)
    )


def _total(dialog: Dialog, state: DialogState, visible: list[Slot]) -> str:
    undecided = _undecided(dialog, state.answers)
    return f"up to {len(visible) + undecided}" if undecided else str(len(visible))


def current_slot(
    dialog: Dialog, state: DialogState, visible: list[Slot] | None = None
) -> Slot | None:
    """The question to ask now; ``visible`` is ``slots()`` of the state's answers, when
    the caller has it already."""
    if visible is None:
        visible = slots(dialog, state.answers)
    if state.revisit is not None:
        for slot in visible:
            if slot.path == state.revisit:
                return slot
    for slot in visible:
        if slot.path not in state.answers:
            return slot
    return None


def applicable_answers(dialog: Dialog, answers: dict[str, StoredAnswer]) -> dict[str, Any]:
    """The answers of the steps still shown (an answer hidden by a later edit drops out)."""
    return {
        slot.path: answers[slot.path].value
        for slot in slots(dialog, answers)
        if slot.path in answers and slot.control is None
    }


def grouped(dialog: Dialog, answers: dict[str, Any]) -> dict[str, Any]:
    """Flat answers reshaped for templates: every step present (None when not answered),
    a group as a list of item dicts."""
    result: dict[str, Any] = {}
    items: dict[str, dict[int, dict[str, Any]]] = {}
    pattern = re.compile(r"^(?P<group>[a-z0-9_]+)\[(?P<index>\d+)\]\.(?P<step>[a-z0-9_]+)$")
    for path, value in answers.items():
        match = pattern.match(path)
        if match is None:
            result[path] = value
        else:
            group = items.setdefault(match["group"], {})
            group.setdefault(int(match["index"]), {})[match["step"]] = value
    for step in dialog.steps:
        if isinstance(step, GroupStep):
            by_index = items.get(step.id, {})
            result[step.id] = [
                {sub.id: by_index[i].get(sub.id) for sub in step.steps} for i in sorted(by_index)
            ]
        else:
            result.setdefault(step.id, None)  # a hidden or skipped step reads as None
    return result


# -- asking ----------------------------------------------------------------------

_INPUT: dict[type[_Step], InputKind] = {
    TextStep: "text",
    LongTextStep: "long_text",
    NumberStep: "number",
    DurationStep: "duration",
    PercentStep: "percent",
    YesNoStep: "yes_no",
    ChoiceStep: "choice",
    MultiChoiceStep: "multi_choice",
    DateStep: "date",
    PersonStep: "person",
}

YES_NO = (Option(value="yes", label="Yes"), Option(value="no", label="No"))


def prompt_key(state: DialogState, slot: Slot) -> str:
    return f"{state.run_key}:{state.asked}:{slot.path}"


def _input_of(slot: Slot) -> InputKind:
    if slot.control is not None:
        return "add_another"
    assert slot.step is not None
    return _INPUT[type(slot.step)]


def _options(slot: Slot) -> tuple[Option, ...]:
    if slot.control is not None:
        assert slot.group is not None
        item = slot.group.item_name
        if slot.control == "more":
            return (
                Option(value="yes", label=texts.ADD_ANOTHER_YES.format(item=item)),
                Option(value="no", label=texts.ADD_ANOTHER_NO),
            )
        return YES_NO
    if isinstance(slot.step, ChoiceStep | MultiChoiceStep):
        return tuple(Option(value=o.value, label=o.label) for o in slot.step.options)
    if isinstance(slot.step, YesNoStep):
        return YES_NO
    return ()


def _question_text(slot: Slot) -> str:
    if slot.control is not None:
        assert slot.group is not None
        item = slot.group.item_name
        if slot.control == "more":
            return slot.group.more_prompt or texts.ADD_ANOTHER.format(item=item)
        return slot.group.start_prompt or texts.ANY_ITEMS.format(item=item)
    assert slot.step is not None
    if slot.group is not None and slot.item is not None:
        prefix = texts.ITEM_PREFIX.format(
            Item=slot.group.item_name.capitalize(), number=slot.item + 1
        )
        return f"{prefix} · {slot.step.prompt}"
    return slot.step.prompt


def _ask(
    dialog: Dialog,
    state: DialogState,
    slot: Slot,
    lead: list[Paragraph] | None = None,
    answered: Answered | None = None,
    visible: list[Slot] | None = None,
) -> tuple[DialogState, Outbound]:
    state = state.model_copy(update={"asked": state.asked + 1})
    if visible is None:
        visible = slots(dialog, state.answers)
    position = next((i for i, s in enumerate(visible) if s.path == slot.path), 0) + 1
    total = _total(dialog, state, visible)
    blocks: list[Any] = list(lead or [])
    if slot.path in state.answers:
        blocks.append(rich(texts.KEEP_HINT, answer=display(slot, state.answers[slot.path])))
    fixed = _plan(dialog).questions.get(slot.path) if slot.group is None else None
    blocks.append(
        Question(
            prompt_key=prompt_key(state, slot),
            position=f"Question {position} of {total}",
            **(fixed or _fixed_question(slot)),
        )
    )
    return state, Outbound(blocks=tuple(blocks), answered=answered)


def _fixed_question(slot: Slot) -> dict[str, Any]:
    """The parts of a question that are the same every time it is asked."""
    return {
        "text": _question_text(slot),
        "input": _input_of(slot),
        "options": _options(slot),
        "help": slot.step.help if slot.step is not None else None,
        "example": _example(slot),
        "optional": slot.optional,
    }


def _example(slot: Slot) -> str | None:
    if slot.step is None:
        return None
    if slot.step.example:
        return slot.step.example
    return texts.EXAMPLES.get(_input_of(slot))


def display(slot: Slot, stored: StoredAnswer) -> str:
    """An answer as people read it back ("1,200 users", "3 days", "Yes")."""
    if stored.skipped or stored.value is None:
        return texts.ANSWER_NONE
    value = stored.value
    if slot.control is not None:
        return "Yes" if value else "No"
    step = slot.step
    match step:
        case YesNoStep():
            return "Yes" if value else "No"
        case ChoiceStep(options=options):
            return next((o.label for o in options if o.value == value), str(value))
        case MultiChoiceStep(options=options):
            labels = {o.value: o.label for o in options}
            return ", ".join(labels.get(v, str(v)) for v in value)
        case NumberStep(unit=unit):
            return parsing.format_number(value, unit)
        case DurationStep():
            return parsing.format_duration(value)
        case PercentStep():
            return parsing.format_percent(value)
        case DateStep():
            return date.fromisoformat(value).strftime("%a %d %b %Y")
        case PersonStep():
            return str(value.get("name") or value.get("user_id"))
    return str(value)


# -- answering --------------------------------------------------------------------


def _parse(slot: Slot, text: str, inbound: Inbound, today: date) -> Any:
    """The typed value of an answer, or ParseError with a friendly explanation."""
    if slot.control is not None:
        return parsing.parse_yes_no(_control_words(text))
    step = slot.step
    match step:
        case TextStep(min_length=low, max_length=high):
            return parsing.parse_text(text, min_length=low, max_length=high)
        case LongTextStep(max_length=high):
            return parsing.parse_long_text(text, max_length=high)
        case NumberStep(min=low, max=high, integer=integer, unit=unit, allow_range=ranges):
            return parsing.parse_number(
                text, minimum=low, maximum=high, integer=integer, unit=unit, allow_range=ranges
            )
        case DurationStep(allow_range=ranges):
            return parsing.parse_duration(text, allow_range=ranges)
        case PercentStep(allow_range=ranges):
            return parsing.parse_percent(text, allow_range=ranges)
        case YesNoStep():
            return parsing.parse_yes_no(text)
        case ChoiceStep(options=options):
            return parsing.parse_choice(text, [(o.value, o.label) for o in options])
        case MultiChoiceStep(options=options, min_choices=low, max_choices=high):
            return parsing.parse_choices(
                text, [(o.value, o.label) for o in options], min_count=low, max_count=high
            )
        case DateStep():
            return parsing.parse_date(text, today=today).isoformat()
        case PersonStep():
            return parsing.parse_person(text, sender=inbound.sender, mentions=inbound.mentions)
    raise EngineError(f"no parser for step {slot.path}")


def _control_words(text: str) -> str:
    words = normalize_words(text)
    if words in ("done", "that s all", "thats all", "finished", "no more", "none"):
        return "no"
    if words in ("another", "add another", "more", "add"):
        return "yes"
    return text


def _from_action(slot: Slot, values: tuple[str, ...]) -> Any:
    """A clicked option is already a value; only check it is one of ours."""
    options = {o.value for o in _options(slot)}
    if slot.control is not None or isinstance(slot.step, YesNoStep):
        if values and values[0] in ("yes", "no"):
            return values[0] == "yes"
    elif isinstance(slot.step, ChoiceStep):
        if len(values) == 1 and values[0] in options:
            return values[0]
    elif isinstance(slot.step, MultiChoiceStep):
        chosen = [v for v in (o.value for o in slot.step.options) if v in values]
        if chosen and len(chosen) == len(set(values)):
            return chosen
    return None  # anything else (a date picker, a typed value) is parsed as text


# -- commands ---------------------------------------------------------------------

_COMMAND = re.compile(
    r"^/?(?P<word>help|\?|back|skip|status|where am i|cancel|stop|keep|pause|later"
    r"|(?:edit|change)(?:\s+(?P<arg>.+))?)[.!]?$",
    re.I,
)


@dataclass(frozen=True)
class Command:
    word: str
    argument: str | None = None


def parse_command(text: str) -> Command | None:
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    word = match["word"].lower().split()[0]
    word = {
        "?": "help",
        "where": "status",
        "stop": "cancel",
        "change": "edit",
        "later": "pause",
    }.get(word, word)
    return Command(word, match["arg"].strip() if match["arg"] else None)


# -- the engine -------------------------------------------------------------------


def new_state(
    dialog: Dialog,
    run_key: str,
    prefill: dict[str, StoredAnswer] | None = None,
    context: dict[str, Any] | None = None,
) -> DialogState:
    """A run that has asked nothing yet (``start`` or ``resume`` asks its first question)."""
    return DialogState(
        dialog_id=dialog.id,
        dialog_version=dialog.version,
        run_key=run_key,
        answers=dict(prefill or {}),
        context=dict(context or {}),
    )


def start(
    dialog: Dialog,
    run_key: str,
    prefill: dict[str, StoredAnswer] | None = None,
    context: dict[str, Any] | None = None,
) -> Turn:
    return _next(
        dialog, new_state(dialog, run_key, prefill, context), lead=_opening(dialog, context)
    )


def _opening(dialog: Dialog, context: dict[str, Any] | None = None) -> list[Paragraph]:
    lead = [
        rich(texts.STARTING, title_lower=_lower_first(dialog.title), description=dialog.description)
    ]
    if dialog.intro:
        lead.append(rich(dialog.intro))
    urls = (context or {}).get("links") or {}
    for name, link in dialog.links.items():
        url = urls.get(name) if isinstance(urls, dict) else None
        if isinstance(url, str) and url.startswith("https://"):
            lead.append(
                Paragraph(spans=(Span(text=f"{link.lead} "), Span(text=link.label, link=url)))
            )
    lead.append(rich(texts.COMMANDS_HINT))
    return lead


def resume(dialog: Dialog, state: DialogState) -> Turn:
    """Re-ask the current question (a returning user, a resume button); a run that has
    asked nothing yet (an invitation) starts with its opening."""
    state = state.model_copy(update={"status": "active"}) if state.status == "paused" else state
    if state.asked == 0:
        return _next(dialog, state, lead=_opening(dialog, state.context))
    return _next(dialog, state, lead=[rich(texts.RESUMING, title=dialog.title)])


def advance(dialog: Dialog, state: DialogState, inbound: Inbound, today: date) -> Turn:
    if state.status != "active":
        raise EngineError("advance() on a finished run")
    if state.confirming_cancel:
        return _confirm_cancel(dialog, state, inbound)
    visible = slots(dialog, state.answers)
    slot = current_slot(dialog, state, visible)
    if slot is None:  # all answered: finish (a run saved just before completing)
        return _next(dialog, state, visible=visible)

    if inbound.action is not None:
        path = inbound.action.prompt_key.split(":", 2)[-1]
        if not inbound.action.prompt_key.startswith(f"{state.run_key}:"):
            return _next(dialog, state, lead=[rich(texts.ENDED_ACTION)])
        if path != slot.path:
            return _next(dialog, state, lead=[rich(texts.STALE_ACTION)])
        value = _from_action(slot, inbound.action.values)
        raw = ", ".join(inbound.action.values)
        if value is not None:
            return _accept(dialog, state, slot, raw, value, today, visible)
        step = slot.step
        if not inbound.action.values and isinstance(step, MultiChoiceStep) and step.min_choices:
            # Sent with nothing ticked: say what the controls need, not what to type.
            count = "one option" if step.min_choices == 1 else f"{step.min_choices} options"
            return _reprompt(dialog, state, slot, texts.NOTHING_PICKED.format(count=count), None)
        return _answer(dialog, state, slot, raw, inbound, today, visible)

    command = parse_command(inbound.text)
    if command is not None:
        return _command(dialog, state, slot, command, inbound, today)
    return _answer(dialog, state, slot, inbound.text, inbound, today, visible)


def _answer(
    dialog: Dialog,
    state: DialogState,
    slot: Slot,
    raw: str,
    inbound: Inbound,
    today: date,
    visible: list[Slot] | None = None,
) -> Turn:
    try:
        value = _parse(slot, raw, inbound, today)
    except parsing.ParseError as error:
        # The dialog author's example fits the question best; the parser's shows the format.
        authored = slot.step.example if slot.step is not None else None
        return _reprompt(dialog, state, slot, error.message, authored or error.example)
    return _accept(dialog, state, slot, raw, value, today, visible)


def _accept(
    dialog: Dialog,
    state: DialogState,
    slot: Slot,
    raw: str,
    value: Any,
    today: date,
    visible: list[Slot] | None = None,
) -> Turn:
    """Store an answer and ask the next question. ``visible``: the slots before this
    answer, still the slots after it unless a condition or a group depends on it."""
    if slot.step is not None:
        for name in slot.step.validate_with:
            complaint = validators.VALIDATORS[name](value, today)
            if complaint:
                return _reprompt(dialog, state, slot, complaint, _example(slot))
    stored = StoredAnswer(raw=raw, value=value)
    answers = {**state.answers, slot.path: stored}
    state = state.model_copy(update={"answers": answers, "revisit": None})
    answered = Answered(
        prompt_key=prompt_key(state, slot),
        question=_question_text(slot),
        answer=display(slot, stored),
    )
    if slot.group is not None or slot.path in dialog.condition_steps:
        visible = None
    turn = _next(dialog, state, answered=answered, visible=visible)
    return Turn(
        turn.state, turn.messages, [AnswerSet(slot.path, raw, value), *turn.events], turn.asking
    )


def _reprompt(
    dialog: Dialog, state: DialogState, slot: Slot, message: str, example: str | None
) -> Turn:
    lead = [Paragraph(spans=(Span(text=message),))]
    if example:
        lead.append(rich(texts.TRY_AGAIN_EXAMPLE, example=example))
    state, outbound = _ask(dialog, state, slot, lead)
    return Turn(state, [outbound], asking=slot)


def _next(
    dialog: Dialog,
    state: DialogState,
    lead: list[Paragraph] | None = None,
    answered: Answered | None = None,
    visible: list[Slot] | None = None,
) -> Turn:
    if visible is None:
        visible = slots(dialog, state.answers)
    slot = current_slot(dialog, state, visible)
    if slot is None:
        state = state.model_copy(update={"status": "completed", "revisit": None})
        messages = [Outbound(blocks=tuple(lead or ()), answered=answered)]
        return Turn(state, messages, [Completed(applicable_answers(dialog, state.answers))])
    state, outbound = _ask(dialog, state, slot, lead, answered, visible)
    return Turn(state, [outbound], asking=slot)


def _command(
    dialog: Dialog, state: DialogState, slot: Slot, command: Command, inbound: Inbound, today: date
) -> Turn:
    match command.word:
        case "help":
            return _next(dialog, state, lead=_help(slot))
        case "status":
            return _next(dialog, state, lead=_status(dialog, state, slot))
        case "back":
            visible = slots(dialog, state.answers)
            index = next(i for i, s in enumerate(visible) if s.path == slot.path)
            earlier = [s for s in visible[:index] if not _locked(s, state)]
            if not earlier:
                return _next(dialog, state, lead=[rich(texts.FIRST_QUESTION)])
            return _next(dialog, state.model_copy(update={"revisit": earlier[-1].path}))
        case "keep":
            if state.revisit is None or state.revisit not in state.answers:
                # Not revisiting anything: "keep" is an ordinary answer here.
                return _answer(dialog, state, slot, inbound.text, inbound, today)
            return _next(dialog, state.model_copy(update={"revisit": None}))
        case "skip":
            if not slot.optional:
                return _next(dialog, state, lead=[rich(texts.NOT_OPTIONAL)])
            if slot.control is not None:
                return _accept(dialog, state, slot, "skip", False, today)
            stored = StoredAnswer(raw="skip", value=None, skipped=True)
            state = state.model_copy(
                update={"answers": {**state.answers, slot.path: stored}, "revisit": None}
            )
            answered = Answered(
                prompt_key=prompt_key(state, slot),
                question=_question_text(slot),
                answer=texts.ANSWER_NONE,
            )
            turn = _next(dialog, state, answered=answered)
            return Turn(
                turn.state,
                turn.messages,
                [AnswerSet(slot.path, "skip", None, skipped=True), *turn.events],
                turn.asking,
            )
        case "cancel":
            state = state.model_copy(update={"confirming_cancel": True})
            count = len([p for p in state.answers if not p.endswith(("._more", "._any"))])
            confirm = texts.CANCEL_CONFIRM[count != 1].replace("*", "")
            question = Question(
                prompt_key=f"{state.run_key}:{state.asked}:cancel",
                text=confirm.format(title=dialog.title, count=count),
                input="confirm",
                options=(
                    Option(value="yes", label=texts.CANCEL_YES),
                    Option(value="no", label=texts.CANCEL_NO),
                ),
            )
            return Turn(state, [Outbound(blocks=(question,))])
        case "edit":
            if (
                command.argument
                and isinstance(slot.step, TextStep | LongTextStep)
                and not _find(_answered_slots(dialog, state), command.argument)
            ):
                # "Change approval and deploy" names a step; it edits nothing, so it is
                # the answer to a question that takes free text.
                return _answer(dialog, state, slot, inbound.text, inbound, today)
            return _edit(dialog, state, slot, command.argument)
        case "pause":
            state = state.model_copy(update={"status": "paused", "revisit": None})
            message = Outbound(blocks=(rich(texts.PAUSED, title=dialog.title),))
            return Turn(state, [message], [Paused()])
    raise EngineError(f"unknown command {command.word}")


def _confirm_cancel(dialog: Dialog, state: DialogState, inbound: Inbound) -> Turn:
    if inbound.action is not None:
        choice: bool | None = inbound.action.values[:1] == ("yes",)
    else:
        try:
            choice = parsing.parse_yes_no(inbound.text)
        except parsing.ParseError:
            choice = None
    if choice is None:
        question = Question(
            prompt_key=f"{state.run_key}:{state.asked}:cancel",
            text=texts.CONFIRM_AGAIN.replace("*", "").format(title=dialog.title),
            input="confirm",
            options=(
                Option(value="yes", label=texts.CANCEL_YES),
                Option(value="no", label=texts.CANCEL_NO),
            ),
        )
        return Turn(state, [Outbound(blocks=(question,))])
    if choice:
        state = state.model_copy(update={"status": "cancelled", "confirming_cancel": False})
        again = (
            rich(texts.CANCELLED, title=dialog.title, start=dialog.start_words[0])
            if dialog.start_words
            else rich(texts.CANCELLED_INVITED, title=dialog.title)
        )
        message = Outbound(blocks=(again,))
        return Turn(state, [message], [Cancelled()])
    state = state.model_copy(update={"confirming_cancel": False})
    return _next(dialog, state, lead=[rich(texts.CARRY_ON)])


def _help(slot: Slot) -> list[Any]:
    blocks: list[Any] = []
    if slot.step is not None and slot.step.help:
        blocks.append(Paragraph(spans=(Span(text=slot.step.help),)))
    blocks.append(rich(texts.HELP_EXPECTS, expects=texts.EXPECTS[_input_of(slot)]))
    example = _example(slot)
    if example:
        blocks.append(rich(texts.HELP_EXAMPLE, example=example))
    blocks.append(rich(texts.HELP_COMMANDS))
    blocks.append(dialog_commands_help())
    return blocks


def dialog_commands_help() -> BulletList:
    """What can be said at any question (help, back, skip...), one line each; their
    explanations are our markup ("say *resume*")."""
    return BulletList(
        items=tuple(
            (Span(text=word, style="bold"), *rich(f" — {what}").spans)
            for word, what in texts.COMMANDS_HELP
        )
    )


def _answered_slots(dialog: Dialog, state: DialogState) -> list[Slot]:
    return [
        s for s in slots(dialog, state.answers) if s.path in state.answers and s.control is None
    ]


def _status(dialog: Dialog, state: DialogState, slot: Slot) -> list[Any]:
    visible = slots(dialog, state.answers)
    position = next(i for i, s in enumerate(visible) if s.path == slot.path) + 1
    answered = _answered_slots(dialog, state)
    blocks: list[Any] = [
        rich(
            texts.STATUS_LINE,
            title=dialog.title,
            position=position,
            total=_total(dialog, state, visible),
            answered=len(answered),
        )
    ]
    if answered:
        blocks.append(rich(f"*{texts.STATUS_ANSWERED}*"))
        blocks.append(
            Fields(
                items=tuple(
                    Field_(label=f"{n}. {s.title}", value=display(s, state.answers[s.path]))
                    for n, s in enumerate(answered, 1)
                )
            )
        )
    left = [
        s.title for s in visible[position:] if s.path not in state.answers and s.control is None
    ]
    if left:
        blocks.append(rich(texts.STATUS_LEFT, left=", ".join(left)))
    else:
        blocks.append(rich(texts.STATUS_NOTHING_LEFT))
    return blocks


def _locked(slot: Slot, state: DialogState) -> bool:
    """A prefilled fact the person does not change (see ``_Step.locked``)."""
    return slot.step is not None and slot.step.locked and slot.path in state.answers


def _edit(dialog: Dialog, state: DialogState, slot: Slot, query: str | None) -> Turn:
    answered = [s for s in _answered_slots(dialog, state) if not _locked(s, state)]
    if not answered:
        return _next(dialog, state, lead=[rich(texts.NOTHING_TO_EDIT)])
    listing = Fields(
        items=tuple(
            Field_(label=f"{n}. {s.title}", value=display(s, state.answers[s.path]))
            for n, s in enumerate(answered, 1)
        )
    )
    if not query:
        return _next(dialog, state, lead=[rich(texts.EDIT_WHICH), listing])  # type: ignore[list-item]
    matches = _find(answered, query)
    if len(matches) == 1:
        return _next(dialog, state.model_copy(update={"revisit": matches[0].path}))
    if not matches:
        return _next(dialog, state, lead=[rich(texts.EDIT_NOT_FOUND, query=query[:60]), listing])  # type: ignore[list-item]
    names = ", ".join(f"{answered.index(s) + 1}. {s.title}" for s in matches[:5])
    return _next(dialog, state, lead=[rich(texts.EDIT_AMBIGUOUS, query=query[:60], matches=names)])


def _find(answered: list[Slot], query: str) -> list[Slot]:
    words = normalize_words(query)
    if words.isdigit():
        number = int(words)
        return [answered[number - 1]] if 1 <= number <= len(answered) else []
    exact = [s for s in answered if words in (normalize_words(s.path), normalize_words(s.title))]
    if exact:
        return exact
    wanted = set(words.split())
    scored = []
    for s in answered:
        haystack = set(normalize_words(f"{s.path} {s.title} {_question_text(s)}").split())
        if wanted <= haystack:
            scored.append(s)
    return scored


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
