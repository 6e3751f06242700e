"""Answer validators a dialog file names (``validate: future_date``), by key.

Pure: the engine calls them, and they read nothing but the value and today's date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from assistant import timezones

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


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: Any, today: date) -> str | None:
    if isinstance(value, str) and not _EMAIL.match(value.strip()):
        return "That doesn't look like an email address."
    return None


_CLOCK_TIME = re.compile(r"^\s*([01]?\d|2[0-3])(?:[:.h]([0-5]\d))?\s*$")


def clock_time(value: str) -> str | None:
    """``"9:30"``, ``"09.30"``, ``"9"`` -> ``"09:30"``/``"09:00"``; None if not a time."""
    found = _CLOCK_TIME.match(value)
    if found is None:
        return None
    return f"{int(found[1]):02d}:{found[2] or '00'}"


def _time_of_day(value: Any, today: date) -> str | None:
    if isinstance(value, str) and clock_time(value) is None:
        return "Give a time on a 24-hour clock, like 09:30 or 14:00."
    return None


VALIDATORS: dict[str, Validator] = {
    "email": _email,
    "time_of_day": _time_of_day,
    "future_date": _future_date,
    "not_future": _not_future,
    "timezone": _timezone,
}
