"""The stakeholder readout as one self-contained document (Markdown or HTML).

The readout is for the customer's stakeholders: people are numbered, never named
(:func:`assistant.readout.numbering`).

Structured by the benefits promised at commitment (DESIGN.md §1.1): the qualification
and commitment; the documented value stream per workflow (with its picture when one is
given); the baseline metrics and DORA band; manual touchpoints, handoffs and
bottlenecks; the improvement roadmap; a return-on-investment baseline; RAID and open
actions.

A delivery engagement's readout (:func:`render_delivery_readout`) is structured for the
delivery instead: the engagement's plan and where it stands, the flow metrics, the
proof of value, what any finished interviews found (only when some did) and the open
RAID items and actions.

The layout is Jinja2 templates (``dialogs/templates/readout/readout.{md,html}.j2``, and
``delivery.{md,html}.j2``).
HTML autoescapes everything; Markdown escapes every value through the ``finalize``
hook. Pieces rendered by our own block renderers (already escaped) are ``Markup``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assistant import texts
from assistant.events import Block
from assistant.findings import WorkflowFindings
from assistant.parsing import format_number
from assistant.readout import (
    EngagementFindings,
    dora_rows,
    headline,
    minutes,
    numbering,
    percent,
    shown_answers,
)
from assistant.recommendations import Recommendation
from assistant.render import html_body, md_escape, to_markdown
from assistant.vsm_picture import alt_text, map_of

Format = Literal["md", "html"]
MAX_READOUT_EVIDENCE = 20
FOLDER = "readout"


def _md_value(value: Any) -> Any:
    from markupsafe import Markup

    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    # One line per value: a table row or a bullet is the template's, not the user's.
    return md_escape(" ".join(str(value).split()))


_ENVS: dict[tuple[str, str], Any] = {}  # one per folder and format, for the process


def template_env(templates_dir: Path, fmt: Format, folder: str = FOLDER) -> Any:
    """A Jinja2 environment for documents: HTML autoescaped, Markdown escaped by finalize."""
    key = (str(templates_dir / folder), fmt)
    if key not in _ENVS:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        _ENVS[key] = Environment(
            loader=FileSystemLoader(templates_dir / folder),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=fmt == "html",
            finalize=_md_value if fmt == "md" else None,
            auto_reload=False,
        )
        _ENVS[key].filters["plural"] = texts.plural
    return _ENVS[key]


def _fragment(blocks: Sequence[Block], fmt: Format) -> Any:
    from markupsafe import Markup

    if fmt == "html":
        return Markup(html_body(list(blocks)))
    return Markup(to_markdown(list(blocks)).strip())


def render_readout(
    templates_dir: Path,
    findings: EngagementFindings,
    fmt: Format,
    *,
    qualification: Sequence[Block] = (),
    roadmap: Sequence[Recommendation] = (),
    pictures: Mapping[str, bytes] | None = None,
    raid: Sequence[str] = (),
    today: date | None = None,
    flow: Mapping[str, Any] | None = None,
) -> str:
    """The readout document, in Markdown or HTML; ``raid``: the open RAID items and
    actions, a line each (nothing internal: the readout is for the customer); ``flow``:
    the flow metrics, where flow items were recorded
    (:func:`assistant.flow_items.readout_context`)."""
    context = {
        **_findings_context(findings, fmt, roadmap, pictures, today),
        "qualification": _fragment(qualification, fmt) if qualification else None,
        "raid": list(raid),
        "flow": flow,
        "no_findings": texts.READOUT_NO_FINDINGS,
        "no_touchpoints": texts.READOUT_NO_TOUCHPOINTS,
    }
    return str(template_env(templates_dir, fmt).get_template(f"readout.{fmt}.j2").render(**context))


def render_delivery_readout(
    templates_dir: Path,
    findings: EngagementFindings,
    fmt: Format,
    *,
    engagement: Sequence[Block],
    flow: Mapping[str, Any] | None,
    pov: Mapping[str, Any] | None = None,
    raid: Sequence[str] = (),
    roadmap: Sequence[Recommendation] = (),
    pictures: Mapping[str, bytes] | None = None,
    today: date | None = None,
) -> str:
    """A delivery engagement's readout: the engagement (``engagement``, its plan and
    where it stands), the flow metrics (:func:`assistant.flow_items.readout_context`),
    the proof of value (:func:`assistant.delivery.pov_readout`), the findings of any
    finished interviews and the open RAID items and actions (nothing internal). No
    section of an assessment's is shown empty."""
    context = {
        **_findings_context(findings, fmt, roadmap, pictures, today),
        "plan": _fragment(engagement, fmt) if engagement else None,
        "flow": flow,
        "pov": pov,
        "raid": list(raid),
    }
    template = template_env(templates_dir, fmt).get_template(f"delivery.{fmt}.j2")
    return str(template.render(**context))


def _findings_context(
    findings: EngagementFindings,
    fmt: Format,
    roadmap: Sequence[Recommendation],
    pictures: Mapping[str, bytes] | None,
    today: date | None,
) -> dict[str, Any]:
    """What both readouts show of the engagement and its interviews' findings."""
    name = numbering(findings)
    return {
        "title": texts.READOUT_FILE_TITLE.format(engagement=findings.engagement),
        "engagement": findings.engagement,
        "customer": findings.customer,
        "date": (today or date.today()).strftime("%d %b %Y"),
        "workflows": [
            _workflow(
                w, findings.under_way.get(w.dialog_id, 0), (pictures or {}).get(w.dialog_id), name
            )
            for w in findings.workflows
        ],
        "dora": _dora(findings),
        "touchpoints": _touchpoints(findings.workflows),
        "roadmap": [
            {"workflow": _title(findings, r.dialog_id), "text": _fragment(r.blocks, fmt)}
            for r in roadmap
        ],
        "roi": _roi(findings),
        "rules": texts.FINDINGS_RULES,
    }


def _title(findings: EngagementFindings, dialog_id: str) -> str:
    for w in findings.workflows:
        if w.dialog_id == dialog_id:
            return _stream(w)
    return texts.TOOLCHAIN_UPKEEP


def _stream(w: WorkflowFindings) -> str:
    """The value stream's name, as the stakeholders know it ("Idea to Production"), not
    the interview's title ("Map your Idea to Production workflow")."""
    return texts.WORKFLOW_NAMES.get(w.dialog_id, w.title)


def _workflow(
    w: WorkflowFindings, under_way: int, picture: bytes | None, name: Callable[[str], str]
) -> dict[str, Any]:
    from markupsafe import Markup

    return {
        "title": _stream(w),
        "basis": texts.READOUT_BASIS.format(people=texts.plural(w.participants, "participant")),
        "under_way": (
            texts.FINDINGS_UNDER_WAY[under_way != 1].format(count=under_way) if under_way else None
        ),
        "has_steps": w.has_steps,
        "no_steps": texts.FINDINGS_NO_STEPS.replace("*", "").format(title=_stream(w)),
        "headline": headline(w) if w.has_steps else [],
        "picture": (
            # Ours, not the user's: base64 needs no escaping (and must not get any).
            Markup("data:image/png;base64," + base64.b64encode(picture).decode("ascii"))
            if picture is not None
            else None
        ),
        "alt": alt_text(map_of(w)) if w.has_steps else "",
        "steps": [
            {
                "position": s.position,
                "name": s.name,
                "owner": s.owner or texts.NOT_ANSWERED,
                "process": minutes(s.process),
                "wait": minutes(s.wait),
                "ca": percent(s.complete_accurate),
                "count": s.participants,
                "also": ", ".join(s.other_names),
                "flags": ", ".join(texts.BOTTLENECK_KINDS[k] for k in s.bottlenecks),
                "manual": s.manual,
            }
            for s in w.steps
        ],
        "bottlenecks": [
            {
                "kind": texts.BOTTLENECK_KINDS[b.kind],
                "step": f"{b.step.position}. {b.step.name}",
                "figure": b.figure,
                "evidence": [(name(e.who), e.says) for e in b.evidence[:MAX_READOUT_EVIDENCE]],
                "more": max(0, len(b.evidence) - MAX_READOUT_EVIDENCE),
            }
            for b in w.bottlenecks
        ],
        "disagreements": [
            {
                "step": d.step.name,
                "measure": texts.DISAGREEMENT_MEASURES[d.measure],
                "answers": shown_answers(d, limit=12, name=name),
            }
            for d in w.disagreements
        ],
        "per_person": [(name(who), minutes(lead)) for who, lead in w.per_person_lead[:30]],
        "pains": [(name(e.who), e.says) for e in w.pains[:MAX_READOUT_EVIDENCE]],
        "better": [(name(e.who), e.says) for e in w.better[:MAX_READOUT_EVIDENCE]],
    }


def _dora(findings: EngagementFindings) -> dict[str, Any] | None:
    placement = findings.dora
    if placement is None:
        return None
    nearest = None
    if placement.cluster is not None:
        nearest = texts.DORA_NEAREST.replace("*", "").format(
            cluster=placement.cluster,
            share=placement.table[placement.cluster].share,
            year=placement.year,
        )
    return {
        "title": texts.DORA_TITLE.format(year=placement.year),
        "nearest": nearest,
        "range": (
            texts.DORA_RANGE.replace("*", "").format(best=placement.best, worst=placement.worst)
            if placement.is_range
            else None
        ),
        "basis": texts.DORA_BASIS.format(
            people=texts.plural(placement.participants, "participant")
        ),
        "rows": dora_rows(placement),
        "table": [
            (cluster, row.share, [row.text[k] for k in row.text])
            for cluster, row in placement.table.items()
        ],
        "headers": [texts.DORA_KEYS[k] for k in texts.DORA_KEYS],
    }


def _touchpoints(workflows: Sequence[WorkflowFindings]) -> list[dict[str, Any]]:
    """Manual steps, handoffs and approvals across the workflows."""
    found = []
    for w in workflows:
        manual = [s.name for s in w.steps if s.manual]
        handoffs = [s.name for s in w.steps if s.handoff]
        approvals = [s.name for s in w.steps if s.approval]
        found.append(
            {
                "title": _stream(w),
                "manual": ", ".join(manual) or texts.NOT_ANSWERED,
                "handoffs": ", ".join(handoffs) or texts.NOT_ANSWERED,
                "approvals": ", ".join(approvals) or texts.NOT_ANSWERED,
                "counts": (len(manual), len(handoffs), len(approvals), len(w.steps)),
            }
        )
    return found


def _roi(findings: EngagementFindings) -> dict[str, Any] | None:
    baseline = findings.toolchain
    if baseline is None:
        return None
    rows = []
    if baseline.toil_hours is not None:
        rows.append(
            (
                texts.ROI_TOIL,
                format_number(baseline.toil_hours.as_answer(), "hours"),  # type: ignore[arg-type]
            )
        )
    if baseline.upgrades_per_year is not None:
        rows.append(
            (
                texts.ROI_UPGRADES,
                format_number(baseline.upgrades_per_year.as_answer()),  # type: ignore[arg-type]
            )
        )
    if baseline.upgrade_time is not None:
        rows.append((texts.ROI_UPGRADE_TIME, minutes(baseline.upgrade_time)))
    if baseline.downtime is not None:
        rows.append((texts.ROI_DOWNTIME, minutes(baseline.downtime)))
    rows.append(
        (texts.ROI_TOOLS, f"{len(baseline.tools)} ({len(baseline.self_managed)} self-managed)")
    )
    return {
        "rows": rows,
        "consolidation": [
            (capability, ", ".join(tools)) for capability, tools in baseline.consolidation
        ],
        "tools": [
            (
                t.name,
                "; ".join(t.purposes),
                texts.YES if t.self_managed else texts.NO,
                format_number(t.versions_behind.as_answer()) if t.versions_behind else "",  # type: ignore[arg-type]
                t.mentions,
            )
            for t in baseline.tools[:60]
        ],
    }
