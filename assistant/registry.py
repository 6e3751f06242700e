"""What dialog files may name in code, by key. Resolved when a dialog loads.

Answer validators live in :mod:`assistant.validators`: the engine uses them, and must
import nothing that does I/O (these completion actions write to the database).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant import actions, qualification, schedules

SUMMARIZERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "qualification": qualification.assess,
}

COMPLETION_ACTIONS: dict[str, actions.CompletionAction] = {
    "create_engagement": actions.create_engagement,
    "remember_timezone": actions.remember_timezone,
    "save_schedule": schedules.save_schedule,
}
