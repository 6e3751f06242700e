"""Dialog definitions: YAML files in the ``dialogs`` package, validated at load time.

A definition is data; what it may name in code (answer validators, the summary
computation, the completion action) is looked up in registries by key when the
file loads, so a typo fails ``vsa dialogs check`` and start-up instead of being
skipped silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.validators import VALIDATORS

# libyaml's safe loader when it is there: loading the dialogs is on the start-up path.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = r"^[a-z][a-z0-9_]{0,47}$"
RESERVED_WORDS = frozenset({"help", "back", "skip", "status", "cancel", "edit"})


class DefinitionError(ValueError):
    """A dialog file is invalid; the message names the file and the offending field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Model):
    """Show a step only when an earlier answer matches. Exactly one test is given.

    ``step`` names an earlier step; inside a repeatable group a sibling step of the
    same item is looked up first.
    """

    step: str
    equals: Any = None
    not_equals: Any = None
    one_of: list[Any] | None = None
    at_least: float | None = None
    at_most: float | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [
            name
            for name in ("equals", "not_equals", "one_of", "at_least", "at_most", "answered")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(f"a condition needs exactly one test, got {given or 'none'}")
        return self

    def holds(self, value: Any, is_answered: bool) -> bool:
        if self.answered is not None:
            return is_answered == self.answered
        if not is_answered or value is None:
            return False
        if self.equals is not None:
            return bool(value == self.equals)
        if self.not_equals is not None:
            return bool(value != self.not_equals)
        if self.one_of is not None:
            if isinstance(value, list):
                return any(v in self.one_of for v in value)
            return value in self.one_of
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if self.at_least is not None:
            return value >= self.at_least
        return self.at_most is not None and value <= self.at_most


class OptionDef(_Model):
    value: str = Field(pattern=r"^[a-z0-9_\-]{1,64}$")
    label: str = Field(min_length=1, max_length=75)


class _Step(_Model):
    id: str = Field(pattern=_ID)
    prompt: str = Field(min_length=1, max_length=600)
    label: str | None = Field(default=None, max_length=60)  # short name in status and summaries
    help: str | None = None
    example: str | None = None
    optional: bool = False
    # Answered by the dialog's prefill (a fact carried over, such as a verdict): neither
    # editable nor a place "back" stops at. Asked like any step when nothing gives it.
    locked: bool = False
    when: list[Condition] = []
    validate_with: list[str] = Field(default=[], alias="validate")

    @field_validator("when", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("validate_with", mode="before")
    @classmethod
    def _listify_names(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def title(self) -> str:
        return self.label or self.id.replace("_", " ").capitalize()


class TextStep(_Step):
    kind: Literal["text"]
    min_length: int = 1
    max_length: int = Field(default=500, le=3000)


class LongTextStep(_Step):
    kind: Literal["long_text"]
    max_length: int = Field(default=4000, le=10000)


class NumberStep(_Step):
    kind: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str | None = None
    # Estimates ("3 to 5", "about 4") are kept as a range: low / typical / high.
    allow_range: bool = False


class DurationStep(_Step):
    kind: Literal["duration"]
    allow_range: bool = False


class PercentStep(_Step):
    kind: Literal["percent"]
    allow_range: bool = False


class YesNoStep(_Step):
    kind: Literal["yes_no"]


class ChoiceStep(_Step):
    kind: Literal["choice"]
    options: list[OptionDef] = Field(min_length=2, max_length=100)


class MultiChoiceStep(_Step):
    kind: Literal["multi_choice"]
    options: list[OptionDef] = Field(min_length=2, max_length=100)
    min_choices: int = 1
    max_choices: int | None = None


class DateStep(_Step):
    kind: Literal["date"]


class PersonStep(_Step):
    kind: Literal["person"]


LeafStep = Annotated[
    TextStep
    | LongTextStep
    | NumberStep
    | DurationStep
    | PercentStep
    | YesNoStep
    | ChoiceStep
    | MultiChoiceStep
    | DateStep
    | PersonStep,
    Field(discriminator="kind"),
]


class GroupStep(_Step):
    """A repeatable group: its steps are asked once per item, then "add another?"."""

    kind: Literal["group"]
    item_name: str = Field(min_length=1, max_length=40)  # "step", "risk", "action item"
    steps: list[LeafStep] = Field(min_length=1)
    min_items: int = Field(default=1, ge=0)
    max_items: int = Field(default=50, ge=1, le=200)
    start_prompt: str | None = None  # asked when min_items is 0: "Any risks to log?"
    more_prompt: str | None = None  # "Add another step?"

    @model_validator(mode="after")
    def _bounds(self) -> GroupStep:
        if self.min_items > self.max_items:
            raise ValueError("min_items is larger than max_items")
        return self


Step = Annotated[
    TextStep
    | LongTextStep
    | NumberStep
    | DurationStep
    | PercentStep
    | YesNoStep
    | ChoiceStep
    | MultiChoiceStep
    | DateStep
    | PersonStep
    | GroupStep,
    Field(discriminator="kind"),
]


class MenuEntry(_Model):
    """How a dialog is offered in the top-level menu and in ``help``."""

    label: str = Field(min_length=1, max_length=75)
    help: str = Field(min_length=1, max_length=150)  # one line in ``help``
    order: int = 100  # lower comes first


class Prefill(_Model):
    """Answers taken from the person's latest completed run of another dialog in the
    same conversation (a qualification prefills the engagement's customer)."""

    from_dialog: str = Field(pattern=_ID)
    answers: dict[str, str]  # this dialog's step id -> the other dialog's step id
    # this dialog's step id -> a key of the other run's result (what its summary computed)
    results: dict[str, str] = {}
    # this dialog's step id -> its answer when there is no run to prefill from
    absent: dict[str, Any] = {}
    # Prefill from the latest completed run of ``from_dialog`` here even when other
    # dialogs finished after it (a verdict that gates this dialog must not be forgotten
    # because the person did something else in between).
    reach_back: bool = False
    label: str | None = Field(default=None, max_length=75)  # menu label, "{customer}" filled


class Link(_Model):
    """A link the deployment configures (a setting), shown when a dialog opens if set."""

    lead: str = Field(min_length=1, max_length=300)  # the sentence before it
    label: str = Field(min_length=1, max_length=75)  # the link's text


class Invitation(_Model):
    """A dialog people are invited to on an engagement's behalf (an interview): what
    the invitation tells them, and the word that names it in commands."""

    word: str = Field(pattern=r"^[a-z][a-z0-9\-]{1,47}$")  # "idea-to-production"
    aliases: list[str] = []  # other ways to name it: "i2p", "idea to production"
    why: str = Field(min_length=1, max_length=600)  # why we ask, in the invitation
    minutes: int = Field(ge=1, le=240)  # about how long it takes
    visibility: str = Field(min_length=1, max_length=300)  # who will see the answers


class Dialog(_Model):
    id: str = Field(pattern=_ID)
    version: int = Field(ge=1)
    title: str
    description: str
    intro: str | None = None
    # What a person types to start it themselves; none for a dialog people are only
    # invited to.
    start_words: list[str] = []
    menu: MenuEntry | None = None
    prefill: Prefill | None = None
    invitation: Invitation | None = None
    # Links by name ("pitch_deck": the PITCH_DECK_URL setting), shown in the opening.
    links: dict[str, Link] = {}
    # The top-level command that starts it for an engagement (``pov``), when a command
    # and not the person's own words or an invitation starts it.
    started_by: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,47}$")
    # Asked before a person's first invited dialog, when the platform has not told us
    # their timezone (nudges must never reach them on their weekend).
    asks_timezone: bool = False
    summary_template: str  # a file in dialogs/templates/
    summarize: str | None = None  # registry key of the summary computation
    on_complete: str | None = None  # registry key of the completion action
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Dialog:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} is used twice")
            if step.id in RESERVED_WORDS:
                raise ValueError(f"step id {step.id!r} is a command word")
            for condition in step.when:
                if condition.step not in seen:
                    raise ValueError(
                        f"step {step.id!r}: condition refers to {condition.step!r}, "
                        "which is not an earlier step"
                    )
            if isinstance(step, GroupStep):
                inner: set[str] = set()
                for sub in step.steps:
                    if sub.id in inner:
                        raise ValueError(f"group {step.id!r}: step id {sub.id!r} is used twice")
                    for condition in sub.when:
                        if condition.step not in inner and condition.step not in seen:
                            raise ValueError(
                                f"step {step.id}.{sub.id}: condition refers to "
                                f"{condition.step!r}, which is not an earlier step"
                            )
                    inner.add(sub.id)
            seen.add(step.id)
        return self

    @model_validator(mode="after")
    def _prefill_steps(self) -> Dialog:
        if self.prefill is not None:
            known = {step.id for step in self.steps}
            prefilled = [*self.prefill.answers, *self.prefill.results, *self.prefill.absent]
            for step_id in prefilled:
                if step_id not in known:
                    raise ValueError(f"prefill: no step {step_id!r} to prefill")
        if self.menu is not None and not self.start_words:
            raise ValueError("menu: a dialog in the menu needs start_words")
        return self

    @functools.cached_property
    def condition_steps(self) -> frozenset[str]:
        """Ids of the steps some condition depends on: only their answers change which
        questions are shown (besides a group's own answers)."""
        steps = [*self.steps, *(s for g in self.steps if isinstance(g, GroupStep) for s in g.steps)]
        return frozenset(condition.step for step in steps for condition in step.when)

    @functools.cached_property
    def memo(self) -> dict[str, Any]:
        """Room for what other modules derive once from this dialog (it never changes
        after loading), such as the engine's prebuilt questions."""
        return {}

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def leaf_steps(self) -> Iterator[_Step]:
        for step in self.steps:
            if isinstance(step, GroupStep):
                yield from step.steps
            else:
                yield step


@dataclass(frozen=True)
class Catalog:
    """Every dialog by id, plus the word index used to start one."""

    dialogs: dict[str, Dialog]
    templates_dir: Path

    def get(self, dialog_id: str) -> Dialog:
        return self.dialogs[dialog_id]

    def by_start_words(self, text: str) -> Dialog | None:
        normalized = normalize_words(text)
        for dialog in self.dialogs.values():
            if normalized in (normalize_words(w) for w in dialog.start_words):
                return dialog
        return None

    def by_invitation_word(self, word: str) -> Dialog | None:
        """The dialog people are invited to under ``word`` ("idea-to-production")."""
        wanted = normalize_words(word)
        for dialog in self.dialogs.values():
            invitation = dialog.invitation
            if invitation is not None and wanted in (
                normalize_words(w) for w in (invitation.word, *invitation.aliases)
            ):
                return dialog
        return None

    def menu(self) -> list[Dialog]:
        """The dialogs offered in the top-level menu, in their order."""
        found = [d for d in self.dialogs.values() if d.menu is not None]
        return sorted(found, key=lambda d: (d.menu.order if d.menu else 0, d.id))

    def interviews(self) -> list[Dialog]:
        return [d for d in self.dialogs.values() if d.invitation is not None]

    def started_by(self, command: str) -> Dialog | None:
        """The dialog the command ``command`` starts, if a file says one."""
        return next((d for d in self.dialogs.values() if d.started_by == command), None)

    def timezone_question(self) -> Dialog | None:
        return next((d for d in self.dialogs.values() if d.asks_timezone), None)


def normalize_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _check_registries(dialog: Dialog) -> None:
    for step in dialog.leaf_steps():
        for name in step.validate_with:
            if name not in VALIDATORS:
                known = ", ".join(sorted(VALIDATORS))
                raise ValueError(f"step {step.id!r}: unknown validator {name!r} (known: {known})")
    from assistant import registry  # its completion actions import the storage layer

    if dialog.summarize is not None and dialog.summarize not in registry.SUMMARIZERS:
        raise ValueError(f"summarize: unknown summary computation {dialog.summarize!r}")
    if dialog.on_complete is not None and dialog.on_complete not in registry.COMPLETION_ACTIONS:
        raise ValueError(f"on_complete: unknown completion action {dialog.on_complete!r}")


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path.name}: invalid dialog definition"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def load_dialog(path: Path, templates_dir: Path) -> Dialog:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except yaml.YAMLError as error:
        raise DefinitionError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path.name}: a dialog file is a mapping (id, title, steps, ...)")
    try:
        dialog = Dialog.model_validate(raw)
        _check_registries(dialog)
    except ValidationError as error:
        raise DefinitionError(_format_validation_error(path, error)) from error
    except ValueError as error:
        raise DefinitionError(f"{path.name}: {error}") from error
    if not (templates_dir / dialog.summary_template).is_file():
        raise DefinitionError(
            f"{path.name}: summary_template: no template {dialog.summary_template!r} "
            f"in {templates_dir}"
        )
    return dialog


def dialogs_dir() -> Path:
    return Path(str(resources.files("dialogs")))


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check every ``*.yaml`` dialog; raises DefinitionError on the first bad one."""
    directory = directory or dialogs_dir()
    templates_dir = directory / "templates"
    dialogs: dict[str, Dialog] = {}
    words: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        dialog = load_dialog(path, templates_dir)
        if dialog.id in dialogs:
            raise DefinitionError(f"{path.name}: dialog id {dialog.id!r} is used by another file")
        for word in dialog.start_words:
            key = normalize_words(word)
            if key in words:
                raise DefinitionError(
                    f"{path.name}: start word {word!r} already starts {words[key]!r}"
                )
            words[key] = dialog.id
        if dialog.invitation is not None:
            for word in (dialog.invitation.word, *dialog.invitation.aliases):
                key = "invite:" + normalize_words(word)
                if key in words:
                    raise DefinitionError(
                        f"{path.name}: invitation word {word!r} already names {words[key]!r}"
                    )
                words[key] = dialog.id
        dialogs[dialog.id] = dialog
    if not dialogs:
        raise DefinitionError(f"no dialog files in {directory}")
    for dialog in dialogs.values():
        if dialog.prefill is not None and dialog.prefill.from_dialog not in dialogs:
            raise DefinitionError(
                f"{dialog.id}: prefill: no dialog {dialog.prefill.from_dialog!r} to prefill from"
            )
    return Catalog(dialogs, templates_dir)


def check_all(directory: Path | None = None) -> list[str]:
    """Every problem in every file (for `vsa dialogs check`), not just the first."""
    directory = directory or dialogs_dir()
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            load_dialog(path, directory / "templates")
        except DefinitionError as error:
            problems.append(str(error))
    try:
        load_catalog(directory)
    except DefinitionError as error:
        if str(error) not in problems:
            problems.append(str(error))
    # The delivery methodology's data (its checklist and principles) ships beside the
    # dialogs; a folder of other dialogs may go without it.
    from assistant import methodology

    if directory == dialogs_dir() or (directory / methodology.FILE).exists():
        try:
            methodology.load(directory)
        except DefinitionError as error:
            problems.append(str(error))
    return problems
