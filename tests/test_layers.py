"""The engine knows no platform: assistant/, dialogs/ and storage/ never load an SDK."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")


@pytest.mark.parametrize("package", ["assistant", "dialogs", "storage"])
def test_core_packages_import_no_platform_sdk(package: str) -> None:
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith(PLATFORM_SDKS)
            ]
    assert offenders == []


def test_the_terminal_chat_loads_no_platform_sdk_and_no_web_server() -> None:
    code = (
        "import sys, assistant.cli, adapters.console, assistant.app, assistant.service\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('slack_bolt','slack_sdk','botbuilder','botframework','aiohttp','alembic','jinja2')]\n"
        "print(','.join(sorted(loaded)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_engine_and_the_commands_import_nothing_that_does_io() -> None:
    """Rule 5: the engine is pure, even through the validators it looks up by name."""
    code = (
        "import sys\n"
        "for name in ('sqlalchemy', 'storage', 'aiohttp', 'jinja2', 'alembic'):\n"
        "    sys.modules[name] = None  # importing any of them fails\n"
        "import assistant.engine, assistant.commands, assistant.validators\n"
        "print('pure')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "pure", done.stderr
