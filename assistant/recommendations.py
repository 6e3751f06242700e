"""The improvement roadmap: one recommendation per bottleneck, from Jinja2 templates the
team edits without touching code (``dialogs/templates/recommendations/<kind>.md.j2``).

A template gets the bottleneck (``step``, ``figure``, ``kind``, ``evidence``), the
workflow's title and its current figures (``metrics.lead``, ``metrics.efficiency``,
``metrics.rolled_ca``) and names the metric it should move. A bottleneck kind without
a template gets no recommendation. Toolchain upkeep has its own (``toil.md.j2``).
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
MAX_PER_WORKFLOW = 8  # the roadmap leads with the largest waits, then quality, gates...


@dataclass(frozen=True)
class Recommendation:
    dialog_id: str  # the workflow it belongs to ("" for the toolchain's upkeep)
    step: str  # the bottleneck's step ("" for upkeep)
    kind: str
    blocks: tuple[Block, ...]


def _exists(summaries: Summaries, name: str) -> bool:
    return (summaries.templates_dir / FOLDER / name).is_file()


def for_workflow(summaries: Summaries, workflow: WorkflowFindings) -> list[Recommendation]:
    metrics = {
        "lead": minutes(workflow.lead_time),
        "efficiency": share(workflow.flow_efficiency),
        "rolled_ca": share(workflow.rolled_ca),
    }
    found: list[Recommendation] = []
    seen: set[tuple[str, int]] = set()
    for bottleneck in workflow.bottlenecks:
        name = f"{bottleneck.kind}.md.j2"
        key = (bottleneck.kind, bottleneck.step.position)
        if key in seen or not _exists(summaries, name):
            continue
        seen.add(key)
        context: dict[str, Any] = {
            "workflow": workflow.title,
            "step": bottleneck.step.name,
            "figure": bottleneck.figure,
            "kind": bottleneck.kind,
            "evidence": [(e.who, e.says) for e in bottleneck.evidence],
            "metrics": metrics,
        }
        blocks = summaries.render(f"{FOLDER}/{name}", context)
        found.append(
            Recommendation(workflow.dialog_id, bottleneck.step.name, bottleneck.kind, tuple(blocks))
        )
        if len(found) == MAX_PER_WORKFLOW:
            break
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
        found.append(Recommendation("toolchain", "", "toil", tuple(blocks)))
    return found


def by_workflow(recommendations: list[Recommendation]) -> dict[str, list[Block]]:
    """The recommendations' blocks per workflow, for the channel summary."""
    grouped: dict[str, list[Block]] = {}
    for r in recommendations:
        grouped.setdefault(r.dialog_id, []).extend(r.blocks)
    return grouped
