"""The improvement roadmap: one recommendation per kind of bottleneck in a workflow
(every long wait in one, every approval in one…), naming each step it concerns, from
Jinja2 templates the team edits without touching code
(``dialogs/templates/recommendations/<kind>.md.j2``).

A template gets the bottlenecks of its kind as ``steps`` (each with ``name``,
``figure`` and ``evidence``, the worst first) and ``names`` ("Build, Test and Deploy"),
the first of them also as ``step``, ``figure`` and ``evidence`` (a template written for
one step keeps working), the workflow's title and its current figures
(``metrics.lead``, ``metrics.efficiency``, ``metrics.rolled_ca``), and names the metric
it should move. A bottleneck kind without a template gets no recommendation. Toolchain
upkeep has its own (``toil.md.j2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.events import Block
from assistant.findings import WorkflowFindings
from assistant.parsing import format_number
from assistant.readout import EngagementFindings, minutes, share

if TYPE_CHECKING:
    from assistant.summaries import Summaries

FOLDER = "recommendations"


@dataclass(frozen=True)
class Recommendation:
    dialog_id: str  # the workflow it belongs to ("toolchain" for the upkeep)
    steps: tuple[str, ...]  # the steps it concerns, the worst first (none for upkeep)
    kind: str
    blocks: tuple[Block, ...]


def _exists(summaries: Summaries, name: str) -> bool:
    return (summaries.templates_dir / FOLDER / name).is_file()


def names(items: list[str]) -> str:
    """ "Build", "Build and Test", "Build, Test and Deploy"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def for_workflow(summaries: Summaries, workflow: WorkflowFindings) -> list[Recommendation]:
    """A recommendation per kind of bottleneck, in the order the findings rank them (the
    largest waits, then quality, approvals, handoffs, rework)."""
    metrics = {
        "lead": minutes(workflow.lead_time),
        "efficiency": share(workflow.flow_efficiency),
        "rolled_ca": share(workflow.rolled_ca),
    }
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for bottleneck in workflow.bottlenecks:
        steps = by_kind.setdefault(bottleneck.kind, [])
        if all(s["position"] != bottleneck.step.position for s in steps):
            steps.append(
                {
                    "position": bottleneck.step.position,
                    "name": bottleneck.step.name,
                    "figure": bottleneck.figure,
                    "evidence": [(e.who, e.says) for e in bottleneck.evidence],
                }
            )
    found: list[Recommendation] = []
    for kind, steps in by_kind.items():
        name = f"{kind}.md.j2"
        if not _exists(summaries, name):
            continue
        first = steps[0]
        context: dict[str, Any] = {
            "workflow": workflow.title,
            "kind": kind,
            "steps": steps,
            "names": names([s["name"] for s in steps]),
            "step": first["name"],
            "figure": first["figure"],
            "evidence": first["evidence"],
            "metrics": metrics,
        }
        blocks = summaries.render(f"{FOLDER}/{name}", context)
        found.append(
            Recommendation(workflow.dialog_id, tuple(s["name"] for s in steps), kind, tuple(blocks))
        )
    return found


def for_engagement(summaries: Summaries, findings: EngagementFindings) -> list[Recommendation]:
    found = [r for w in findings.workflows for r in for_workflow(summaries, w)]
    baseline = findings.toolchain
    if (
        baseline is not None
        and baseline.toil_hours is not None
        and _exists(summaries, "toil.md.j2")
    ):
        context = {
            "toil": format_number(baseline.toil_hours.as_answer(), "hours"),  # type: ignore[arg-type]
            "consolidation": "; ".join(
                f"{', '.join(tools)} ({capability})" for capability, tools in baseline.consolidation
            ),
            "upgrade_time": minutes(baseline.upgrade_time),
        }
        blocks = summaries.render(f"{FOLDER}/toil.md.j2", context)
        found.append(Recommendation("toolchain", (), "toil", tuple(blocks)))
    return found


def by_workflow(recommendations: list[Recommendation]) -> dict[str, list[Block]]:
    """The recommendations' blocks per workflow, for the channel summary."""
    grouped: dict[str, list[Block]] = {}
    for r in recommendations:
        grouped.setdefault(r.dialog_id, []).extend(r.blocks)
    return grouped
