"""A return-on-investment baseline from the toolchain interviews: upkeep hours a month,
the upgrade load, and the tools that could be consolidated. Pure.

Consolidation candidates: tools whose stated purpose falls in the same delivery
capability (source control, CI/CD, artifacts, security scanning, planning, ...) —
two or more distinct tools doing the same job are a candidate. The capabilities and
their words are the table below; a tool may fall in several.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.findings import Estimate, combine, step_key

CAPABILITIES: dict[str, tuple[str, ...]] = {
    "source control": ("source", "git", "repository", "repo", "version control", "scm"),
    "CI/CD": ("ci", "cd", "build", "pipeline", "deploy", "deployment", "release"),
    "artifacts and packages": ("artifact", "package", "registry", "binary", "container image"),
    "security scanning": ("security", "scan", "sast", "dast", "vulnerab", "dependency", "secret"),
    "planning and tracking": ("plan", "issue", "ticket", "backlog", "tracking", "board"),
    "code quality": ("quality", "lint", "static analysis", "coverage"),
    "monitoring": ("monitor", "observab", "alert", "logging", "metrics"),
}


@dataclass(frozen=True)
class Tool:
    name: str
    mentions: int  # how many participants named it
    purposes: tuple[str, ...]
    self_managed: bool
    versions_behind: Estimate | None


@dataclass(frozen=True)
class ToolchainBaseline:
    toil_hours: Estimate | None  # a month, for the whole toolchain (people's estimates)
    upgrades_per_year: Estimate | None
    upgrade_time: Estimate | None  # minutes, calendar time of a typical upgrade
    downtime: Estimate | None  # minutes per upgrade
    tools: tuple[Tool, ...]
    consolidation: tuple[tuple[str, tuple[str, ...]], ...]  # capability, its tools

    @property
    def self_managed(self) -> tuple[Tool, ...]:
        return tuple(t for t in self.tools if t.self_managed)


_VERSION = re.compile(r"\s+v?\d[\w.\-]*$")


def tool_key(name: str) -> str:
    """A tool's name without its version: "Jenkins 2.426" and "jenkins" are one tool."""
    return step_key(_VERSION.sub("", name.strip()))


def capabilities(purpose: str) -> list[str]:
    words = f" {step_key(purpose)} "
    return [
        capability
        for capability, markers in CAPABILITIES.items()
        if any(f" {m}" in words for m in markers)
    ]


def toolchain_baseline(people: Sequence[Mapping[str, Any]]) -> ToolchainBaseline:
    """From each participant's toolchain answers (grouped: ``inventory`` is a list)."""

    def estimates(key: str) -> Estimate | None:
        return combine([e for p in people if (e := Estimate.of(p.get(key))) is not None])

    by_key: dict[str, list[Mapping[str, Any]]] = {}
    names: dict[str, str] = {}
    for person in people:
        for item in person.get("inventory") or []:
            if not isinstance(item, Mapping) or not item.get("name"):
                continue
            key = tool_key(str(item["name"]))
            by_key.setdefault(key, []).append(item)
            names.setdefault(key, _VERSION.sub("", str(item["name"]).strip()) or key)
    tools = []
    for key, items in by_key.items():
        purposes = tuple(dict.fromkeys(str(i["purpose"]) for i in items if i.get("purpose")))
        tools.append(
            Tool(
                name=names[key],
                mentions=len(items),
                purposes=purposes,
                self_managed=any(i.get("hosting") == "self_managed" for i in items),
                versions_behind=combine(
                    [e for i in items if (e := Estimate.of(i.get("versions_behind")))]
                ),
            )
        )
    tools.sort(key=lambda t: (-t.mentions, t.name.casefold()))
    doing: dict[str, list[str]] = {}
    for tool in tools:
        for capability in dict.fromkeys(c for p in tool.purposes for c in capabilities(p)):
            doing.setdefault(capability, []).append(tool.name)
    return ToolchainBaseline(
        toil_hours=estimates("toil_hours"),
        upgrades_per_year=estimates("upgrades_per_year"),
        upgrade_time=estimates("upgrade_time"),
        downtime=estimates("downtime"),
        tools=tuple(tools),
        consolidation=tuple(
            (capability, tuple(found)) for capability, found in doing.items() if len(found) > 1
        ),
    )
