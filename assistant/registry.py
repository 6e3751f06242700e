"""What dialog files may name in code, by key. Resolved when a dialog loads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from assistant import actions, qualification, timezones

# A validator gets the parsed value and today's date; it returns a friendly
# complaint, or None when the value is fine.
Validator = Callable[[Any, date], "str | None"]


def _future_date(value: Any, today: date) -> str | None:
    if isinstance(value, str) and date.fromisoformat(value) < today:
        return "That date is in the past. When should it happen?"
    return None


def _not_future(value: Any, today: date) -> str | None:
    if isinstance(value, str) and date.fromisoformat(value) > today:
        return "That date is in the future. When did it happen?"
    return None


def _timezone(value: Any, today: date) -> str | None:
    if isinstance(value, str) and timezones.resolve(value) is None:
        return (
            "I don't know that timezone. Try a city or a zone name, like London, "
            "New York, Europe/Berlin or UTC+2."
        )
    return None


VALIDATORS: dict[str, Validator] = {
    "future_date": _future_date,
    "not_future": _not_future,
    "timezone": _timezone,
}

SUMMARIZERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "qualification": qualification.assess,
}

COMPLETION_ACTIONS: dict[str, actions.CompletionAction] = {
    "create_engagement": actions.create_engagement,
    "remember_timezone": actions.remember_timezone,
}
