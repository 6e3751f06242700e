"""Discovery write-ups: each piece of work the interviews identified, as a Markdown issue
with the methodology's four sections (Overview, Open Questions, Tasks, Acceptance
Criteria), one file per item (``vsa export ENGAGEMENT --writeups DIR``).

One item per step named as a bottleneck (its kinds together). The sentences of the
tasks and criteria are in :mod:`assistant.texts`, per bottleneck kind; the layout is the template
``dialogs/templates/writeups/writeup.md.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant import texts
from assistant.document import template_env
from assistant.findings import Estimate, StepFinding, WorkflowFindings
from assistant.readout import EngagementFindings, minutes, percent, share, shown_answers


@dataclass(frozen=True)
class WriteUp:
    filename: str
    content: str


def items(findings: EngagementFindings) -> list[tuple[WorkflowFindings, StepFinding]]:
    return [(w, s) for w in findings.workflows for s in w.steps if s.bottlenecks]


def write_ups(templates_dir: Path, findings: EngagementFindings) -> list[WriteUp]:
    template = template_env(templates_dir, "md", "writeups").get_template("writeup.md.j2")
    found = []
    for number, (workflow, step) in enumerate(items(findings), 1):
        context = _context(workflow, step)
        name = f"{number:02d}-{slug(workflow.title)}-{slug(step.name)}.md"
        found.append(WriteUp(name, template.render(**context)))
    return found


def _context(workflow: WorkflowFindings, step: StepFinding) -> dict[str, object]:
    mine = [b for b in workflow.bottlenecks if b.step.position == step.position]
    owner = step.owner or "the team"
    values = {"step": step.name, "owner": owner}
    questions = [
        f"{_sentence(texts.DISAGREEMENT_MEASURES[d.measure])}: "
        + " · ".join(shown_answers(d))
        + " — which is typical?"
        for d in workflow.disagreements
        if d.step.position == step.position
    ]
    if step.complete_accurate is None:
        questions.append(f"How much of the work reaches {step.name} complete and accurate?")
    if step.wait is None or step.process is None:
        questions.append(f"How long does {step.name} take, and how long does work wait for it?")
    tasks = [t.format(**values) for kind in step.bottlenecks for t in texts.WRITEUP_TASKS[kind]]
    criteria = []
    for kind in step.bottlenecks:
        target, now = "", ""
        if kind == "wait" and step.wait is not None:
            target, now = minutes(_half(step.wait)), minutes(step.wait)
        if kind == "quality" and step.complete_accurate is not None:
            ca = step.complete_accurate
            better = min(100.0, ca.typical + (100 - ca.typical) / 2)
            target, now = percent(Estimate(better, better, better)), percent(ca)
        criteria.append(texts.WRITEUP_CRITERIA[kind].format(target=target, now=now, **values))
    return {
        "workflow": workflow.title,
        "step": step.name,
        "position": step.position,
        "owner": owner,
        "participants": step.participants,
        "problems": [(texts.BOTTLENECK_KINDS[b.kind], b.figure) for b in mine],
        "process": minutes(step.process),
        "wait": minutes(step.wait),
        "ca": percent(step.complete_accurate),
        "lead": minutes(workflow.lead_time),
        "efficiency": share(workflow.flow_efficiency),
        "evidence": [(e.who, e.says) for b in mine for e in b.evidence][:20],
        "questions": questions,
        "tasks": list(dict.fromkeys(tasks)),
        "criteria": criteria,
    }


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _half(value: Estimate) -> Estimate:
    return Estimate(value.typical / 2, value.typical / 2, value.typical / 2)


def slug(text: str) -> str:
    """A file name's stem: lower-case letters, digits and dashes."""
    slug = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in slug.split("-") if part)[:40] or "item"
