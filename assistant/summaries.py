"""Summaries: a dialog's Jinja2 template rendered into neutral blocks.

Every ``{{ value }}`` is fenced as literal text by :func:`assistant.markup.literal`,
so nothing a participant typed is ever read as markup by us or by a platform.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from assistant import parsing
from assistant.events import Block
from assistant.markup import Raw, literal, parse
from assistant.texts import plural


def _date(value: str | date | None) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return day.strftime("%d %b %Y")


class Summaries:
    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self._env: Any = None

    @property
    def env(self) -> Any:
        # Jinja2 is loaded at the first summary, not at start-up (`vsa chat` starts fast).
        if self._env is None:
            self._env = self._make_env()
        return self._env

    def _make_env(self) -> Any:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        env = Environment(
            loader=FileSystemLoader(self.templates_dir),
            finalize=literal,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            autoescape=False,  # escaping is the fence above, then each renderer's own
            auto_reload=False,  # templates ship with the package: no stat() per summary
        )
        env.filters.update(
            duration=parsing.format_duration,
            percent=parsing.format_percent,
            number=lambda v, unit=None: parsing.format_number(v, unit),
            date=_date,
            plural=plural,
            raw=Raw,
        )
        return env

    def render(self, template: str, context: dict[str, Any]) -> list[Block]:
        return parse(self.env.get_template(template).render(**context))
