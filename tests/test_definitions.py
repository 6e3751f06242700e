"""Dialog files are validated at load time, with messages naming the file and the field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.definitions import DefinitionError, check_all, dialogs_dir, load_catalog

VSA = [sys.executable, "-m", "assistant"]


def test_the_shipped_dialogs_load() -> None:
    catalog = load_catalog()
    assert {"qualification", "engagement"} <= set(catalog.dialogs)
    assert catalog.by_start_words("Qualify!") is catalog.get("qualification")
    assert catalog.by_start_words("new engagement") is catalog.get("engagement")


@pytest.fixture
def dialogs(tmp_path: Path) -> Path:
    folder = tmp_path / "dialogs"
    shutil.copytree(dialogs_dir(), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


BASE = """\
id: broken
version: 1
title: Broken
description: A test dialog.
start_words: [break it]
summary_template: qualification.md.j2
steps:
"""


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            "  - {id: a, kind: txt, prompt: Ask A}\n",
            "steps.0: Input tag 'txt' found using 'kind' does not match",
        ),
        (
            "  - {id: a, kind: text, prompt: Ask A, colour: red}\n",
            "steps.0.text.colour: Extra inputs are not permitted",
        ),
        ("  - {id: a, kind: text, prompt: Ask A, validate: shiny}\n", "unknown validator 'shiny'"),
        (
            "  - {id: a, kind: text, prompt: Ask A, when: {step: b, equals: 1}}\n"
            "  - {id: b, kind: text, prompt: Ask B}\n",
            "condition refers to 'b', which is not an earlier step",
        ),
        (
            "  - {id: a, kind: text, prompt: Ask A}\n  - {id: a, kind: text, prompt: Ask B}\n",
            "step id 'a' is used twice",
        ),
        (
            "  - {id: a, kind: choice, prompt: Ask A, options: [{value: x, label: X}]}\n",
            "at least 2 items",
        ),
        ("  - {id: help, kind: text, prompt: Ask A}\n", "is a command word"),
        ("  - {id: a, kind: yes_no, prompt: Ask A, when: {step: a}}\n", "exactly one test"),
    ],
)
def test_a_bad_file_is_named_with_its_offending_field(
    dialogs: Path, steps: str, expected: str
) -> None:
    write(dialogs, "broken.yaml", BASE + steps)
    with pytest.raises(DefinitionError) as error:
        load_catalog(dialogs)
    assert "broken.yaml" in str(error.value)
    assert expected in str(error.value)


def test_unknown_template_and_duplicate_start_words_are_caught(dialogs: Path) -> None:
    write(
        dialogs,
        "broken.yaml",
        BASE.replace("qualification.md.j2", "nope.j2").replace("[break it]", "[qualify]")
        + "  - {id: a, kind: text, prompt: Ask A}\n",
    )
    problems = check_all(dialogs)
    assert any("broken.yaml: summary_template: no template 'nope.j2'" in p for p in problems)


def test_vsa_dialogs_check_exits_non_zero_and_names_the_problem(dialogs: Path) -> None:
    ok = subprocess.run([*VSA, "dialogs", "check"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "ok  qualification v2" in ok.stdout and "ok  commitment v1" in ok.stdout

    write(dialogs, "broken.yaml", BASE + "  - {id: a, kind: number, prompt: Ask A, min: lots}\n")
    bad = subprocess.run(
        [*VSA, "dialogs", "check", str(dialogs)], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 1
    assert "broken.yaml: invalid dialog definition" in bad.stderr
    assert "steps.0.number.min" in bad.stderr


def test_adding_a_questionnaire_is_adding_a_file(dialogs: Path) -> None:
    write(
        dialogs,
        "retro.yaml",
        BASE.replace("broken", "retro").replace("Broken", "Retro").replace("break it", "retro")
        + "  - {id: went_well, kind: long_text, prompt: What went well}\n",
    )
    assert load_catalog(dialogs).by_start_words("retro") is not None


def test_a_prefill_from_results_or_absent_names_steps_of_the_dialog(dialogs: Path) -> None:
    for field in ("results: {nope: verdict}", "absent: {nope: none}"):
        write(
            dialogs,
            "broken.yaml",
            BASE.replace(
                "steps:\n",
                f"prefill:\n  from_dialog: qualification\n  answers: {{}}\n  {field}\nsteps:\n",
            )
            + "  - {id: a, kind: text, prompt: Ask A}\n",
        )
        problems = check_all(dialogs)
        assert any("prefill: no step 'nope' to prefill" in p for p in problems), problems
