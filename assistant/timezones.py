"""A timezone as people type it: "Europe/London", "london", "New York", "UTC+2", "CET".

Pure: it reads only the time zone database that ships with Python (or tzdata).
"""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?00)?$", re.I)
_ALIASES = {
    "utc": "UTC",
    "gmt": "Etc/GMT",
    "z": "UTC",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "bst": "Europe/London",
    "eet": "Europe/Helsinki",
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mst": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
}


@functools.lru_cache(maxsize=1)
def _by_city() -> dict[str, str]:
    """Every zone by its full name and by its last part ("new york" -> America/New_York)."""
    found: dict[str, str] = {}
    for name in sorted(available_timezones()):
        found.setdefault(name.lower(), name)
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        if "/" in name and not name.startswith("Etc/"):
            found.setdefault(city, name)
    return found


def resolve(text: str) -> str | None:
    """The IANA name of the timezone ``text`` names, or None."""
    typed = " ".join(text.strip().split())
    if not typed:
        return None
    lowered = typed.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    offset = _OFFSET.match(lowered)
    if offset is not None:
        hours = int(offset["hours"])
        if hours > 14:
            return None
        if hours == 0:
            return "UTC"
        # The Etc zones' signs are inverted (POSIX): UTC+2 is Etc/GMT-2.
        return f"Etc/GMT{'-' if offset['sign'] == '+' else '+'}{hours}"
    name = _by_city().get(lowered) or _by_city().get(lowered.replace("_", " "))
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
