"""The settings contract: the names other tools rely on, each documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_documented_in_env_example() -> None:
    assert set(Settings.model_fields) <= documented()


def test_env_example_names_only_real_settings() -> None:
    assert documented() <= set(Settings.model_fields)


def test_env_example_loads_as_settings(monkeypatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.PORT == 3000
    assert not settings.slack_enabled
    assert not settings.teams_enabled
