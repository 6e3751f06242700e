"""The delivery methodology's Iteration 0, principles and steps, as data
(``dialogs/methodology/delivery.yaml``), validated by pydantic when it loads.

An engagement's checklist is Iteration 0's activities followed by the eleven steps,
numbered 1 to 15 in that order. Pure: reading the file is the only I/O.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.definitions import DefinitionError, dialogs_dir, normalize_words

FILE = Path("methodology") / "delivery.yaml"
PRINCIPLES = 8
STEPS = 11


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Model):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = Field(min_length=1, max_length=80)
    detail: str | None = Field(default=None, max_length=300)


class Principle(_Model):
    name: str = Field(min_length=1, max_length=80)
    detail: str = Field(min_length=1, max_length=300)


class Methodology(_Model):
    iteration0: list[Item] = Field(min_length=1)
    principles: list[Principle] = Field(min_length=PRINCIPLES, max_length=PRINCIPLES)
    steps: list[Item] = Field(min_length=STEPS, max_length=STEPS)

    @model_validator(mode="after")
    def _unique_keys(self) -> Methodology:
        keys = [item.key for item in (*self.iteration0, *self.steps)]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"checklist keys used twice: {', '.join(twice)}")
        return self

    def checklist(self) -> list[Entry]:
        """Every item of an engagement's checklist, numbered from 1."""
        items = [("iteration0", i) for i in self.iteration0] + [("steps", i) for i in self.steps]
        return [Entry(number, section, item) for number, (section, item) in enumerate(items, 1)]

    def find(self, said: str) -> list[Entry]:
        """The checklist items ``said`` names: by number, by key, or by words of the name."""
        entries = self.checklist()
        text = said.strip().lstrip("#")
        if text.isdigit():
            return [e for e in entries if e.number == int(text)]
        words = normalize_words(text)
        if not words:
            return []
        exact = [
            e
            for e in entries
            if words in (normalize_words(e.item.key), normalize_words(e.item.name))
        ]
        if exact:
            return exact
        return [e for e in entries if words in normalize_words(e.item.name)]


class Entry(NamedTuple):
    number: int
    section: str  # "iteration0" or "steps"
    item: Item


def load(directory: Path | None = None) -> Methodology:
    """The methodology file of a dialogs folder; DefinitionError names what is wrong."""
    path = (directory or dialogs_dir()) / FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Methodology.model_validate(raw)
    except OSError as error:
        raise DefinitionError(f"{FILE}: cannot read it: {error}") from error
    except yaml.YAMLError as error:
        raise DefinitionError(f"{FILE}: not valid YAML: {error}") from error
    except ValidationError as error:
        lines = [f"{FILE}: invalid methodology"]
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "(top level)"
            lines.append(f"  {where}: {item['msg']}")
        raise DefinitionError("\n".join(lines)) from error


@functools.cache
def shipped() -> Methodology:
    """The methodology shipped with the package (it never changes while running)."""
    return load()
