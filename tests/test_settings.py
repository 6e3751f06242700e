"""The settings contract: the names other tools rely on, each documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_documented_in_env_example() -> None:
    assert set(Settings.model_fields) <= documented()


def test_env_example_names_only_real_settings() -> None:
    assert documented() <= set(Settings.model_fields)


def test_env_example_loads_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.PORT == 3000
    assert not settings.slack_enabled
    assert not settings.teams_enabled


@pytest.mark.parametrize(
    ("environment", "allowed"),
    [
        ({}, True),
        ({"TERM": "xterm-256color"}, True),
        ({"NO_COLOR": ""}, True),  # set but empty: no-color.org says it does not count
        ({"NO_COLOR": "1"}, False),
        ({"NO_COLOR": "0"}, False),  # any non-empty value, even "0" or "false"
        ({"NO_COLOR": "false", "TERM": "xterm"}, False),
        ({"TERM": "dumb"}, False),
    ],
)
def test_colours_follow_no_color_and_a_dumb_terminal(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], allowed: bool
) -> None:
    for name in ("NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).colors_allowed is allowed  # type: ignore[call-arg]
