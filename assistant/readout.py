"""An engagement's findings: loaded from everyone's finished interviews, posted into the
channel (``summary``) and written into the stakeholder readout (``readout``,
``vsa export``).

The computations are pure and live elsewhere (:mod:`assistant.findings`,
:mod:`assistant.dora`, :mod:`assistant.roi`); this module reads the answers through
the repositories and turns the results into neutral blocks and documents.

Pictures: a value stream map per workflow (``pictures``, by dialog id): an
:class:`Image` block after a workflow's figures in a summary (the map as data, drawn by
the dispatcher when it is posted), a PNG figure in the readout document (drawn by its
caller, off the event loop). Nothing here draws one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from assistant import dora, engine, texts
from assistant.collector import cycle_collection_paused
from assistant.definitions import Catalog, Dialog
from assistant.engine import StoredAnswer
from assistant.events import (
    Block,
    BulletList,
    Field_,
    Fields,
    Heading,
    Image,
    Outbound,
    Span,
)
from assistant.findings import (
    Disagreement,
    Estimate,
    Respondent,
    StepFinding,
    WorkflowFindings,
    value_stream,
)
from assistant.markup import rich
from assistant.parsing import format_duration, format_percent
from assistant.roi import ToolchainBaseline, toolchain_baseline
from storage import repositories as repo

MAX_EVIDENCE = 5  # per bottleneck in the channel (the readout shows more)
MAX_SHOWN_ANSWERS = 6  # per disagreement: the lowest and highest beyond this


@dataclass(frozen=True)
class EngagementFindings:
    """Everything the summary and the readout show for one engagement."""

    engagement: str
    customer: str
    workflows: tuple[WorkflowFindings, ...]
    dora: dora.Placement | None
    toolchain: ToolchainBaseline | None
    under_way: Mapping[str, int] = field(default_factory=dict)  # dialog id -> open runs

    @property
    def empty(self) -> bool:
        return not self.workflows


def respondents_by_dialog(
    catalog: Catalog, runs: Iterable[repo.FinishedRun]
) -> dict[str, list[Respondent]]:
    """Each finished run's applicable answers, grouped, per dialog: one respondent per
    person and dialog (their latest finished run). ``runs`` come in id order."""
    latest: dict[tuple[str, int], Respondent] = {}
    for run in runs:
        dialog = catalog.get(run.dialog_id)
        answers = engine.grouped(dialog, applicable(dialog, run.answers))
        # A later finished run of the same person replaces theirs, and people come in
        # the order of their latest runs.
        latest.pop((run.dialog_id, run.participant_id), None)
        latest[(run.dialog_id, run.participant_id)] = Respondent(run.name, answers)
    found: dict[str, list[Respondent]] = {}
    for (dialog_id, _who), respondent in latest.items():
        found.setdefault(dialog_id, []).append(respondent)
    return found


def applicable(dialog: Dialog, stored: dict[str, tuple[Any, bool]]) -> dict[str, Any]:
    """What :func:`engine.applicable_answers` keeps of a run's answers, given as
    ``path -> (value, skipped)``. Which questions are shown depends only on the answers
    conditions name and on a group's "another?" controls, so only those are handed to
    the engine: a large engagement has tens of thousands of answers."""
    gates = dialog.condition_steps
    deciding = {
        path: StoredAnswer(raw="", value=value, skipped=skipped)
        for path, (value, skipped) in stored.items()
        if path.rsplit(".", 1)[-1] in gates or path.endswith(("._more", "._any"))
    }
    shown = {slot.path for slot in engine.slots(dialog, deciding) if slot.control is None}
    return {path: value for path, (value, _skipped) in stored.items() if path in shown}


def compute(
    catalog: Catalog,
    engagement: str,
    customer: str,
    respondents: Mapping[str, Sequence[Respondent]],
    *,
    year: int = dora.DEFAULT_YEAR,
    under_way: Mapping[str, int] | None = None,
) -> EngagementFindings:
    """The findings from loaded answers (pure: the bench and the tests call it directly)."""
    with cycle_collection_paused():
        return _compute(catalog, engagement, customer, respondents, year, under_way)


def _compute(
    catalog: Catalog,
    engagement: str,
    customer: str,
    respondents: Mapping[str, Sequence[Respondent]],
    year: int,
    under_way: Mapping[str, int] | None,
) -> EngagementFindings:
    workflows = tuple(
        value_stream(dialog.id, dialog.title, respondents[dialog.id])
        for dialog in catalog.interviews()
        if respondents.get(dialog.id)
    )
    dora_answers = [r.answers for people in respondents.values() for r in people]
    tools = [r.answers for r in respondents.get("toolchain", ())]
    return EngagementFindings(
        engagement=engagement,
        customer=customer,
        workflows=workflows,
        dora=dora.place(dora_answers, year),
        toolchain=toolchain_baseline(tools) if tools else None,
        under_way=dict(under_way or {}),
    )


def load(
    session: Session,
    catalog: Catalog,
    engagement: Any,
    *,
    year: int = dora.DEFAULT_YEAR,
    also_run: int | None = None,
) -> EngagementFindings:
    """An engagement's findings from its finished interviews (and ``also_run``, one
    finishing in this transaction), read in one query."""
    ids = [d.id for d in catalog.interviews()]
    with cycle_collection_paused():
        runs = repo.finished_runs(session, engagement.id, ids, also_run)
        by_dialog = respondents_by_dialog(catalog, runs)
    return compute(
        catalog,
        engagement.name,
        engagement.customer,
        by_dialog,
        year=year,
        under_way=repo.open_runs_count(session, engagement.id, ids),
    )


# -- figures as text ------------------------------------------------------------------------


def minutes(value: Estimate | None) -> str:
    if value is None:
        return texts.NOT_ANSWERED
    return format_duration(_rounded(value, 0))


def percent(value: Estimate | None) -> str:
    """A 0..100 estimate as a percentage."""
    if value is None:
        return texts.NOT_ANSWERED
    return format_percent(_rounded(value, 0))


def share(value: Estimate | None) -> str:
    """A 0..1 estimate as a percentage, to one decimal."""
    if value is None:
        return texts.NOT_ANSWERED
    scaled = Estimate(value.low * 100, value.typical * 100, value.high * 100, value.participants)
    return format_percent(_rounded(scaled, 1))


def _rounded(value: Estimate, digits: int) -> Any:
    low, typical, high = (round(v, digits) for v in (value.low, value.typical, value.high))
    return Estimate(low, typical, high).as_answer()


def answer_text(measure: str, value: Any) -> str:
    """One person's stored answer, as the findings show it."""
    estimate = Estimate.of(value)
    if measure in ("process_time", "wait_time") and estimate is not None:
        return format_duration(value)
    if measure == "complete_accurate" and estimate is not None:
        return format_percent(value)
    if isinstance(value, bool):
        return texts.YES if value else texts.NO
    return str(value)


def shown_answers(
    disagreement: Disagreement,
    limit: int = MAX_SHOWN_ANSWERS,
    name: Callable[[str], str] = str,
) -> list[str]:
    """Each answer with its author (as ``name`` shows them), lowest first; beyond
    ``limit`` the lowest and highest few and how many lie between."""
    ordered = disagreement.answers

    def said(answers: Sequence[tuple[str, Any]]) -> list[str]:
        return [
            f"{name(who)}: {answer_text(disagreement.measure, value)}" for who, value in answers
        ]

    if len(ordered) > limit:
        half = limit // 2
        between = texts.MORE_EVIDENCE.format(count=len(ordered) - 2 * half)
        return [*said(ordered[:half]), between, *said(ordered[-half:])]
    return said(ordered)


def step_detail(step: StepFinding) -> str:
    detail = texts.STEP_DETAIL.format(
        owner=step.owner or texts.NOT_ANSWERED,
        process=minutes(step.process),
        wait=minutes(step.wait),
        ca=percent(step.complete_accurate),
        people=people(step.participants),
    )
    if step.other_names:
        detail += texts.STEP_ALSO_CALLED.format(names=", ".join(step.other_names[:5]))
    return detail


# -- the channel summary -------------------------------------------------------------------


def numbering(findings: EngagementFindings) -> Callable[[str], str]:
    """People as "Participant 1", "2"... (the same person the same number everywhere):
    how findings name them where more than the account team reads (a channel, the
    readout). Participants were told the account team sees their answers with their
    names, and that the findings are presented to their stakeholders."""
    labels: dict[str, str] = {}
    for w in findings.workflows:
        for who in w.respondents:
            labels.setdefault(who, texts.PARTICIPANT_LABEL.format(number=len(labels) + 1))

    def name(who: str) -> str:
        return labels.get(who, texts.PARTICIPANT_LABEL.format(number="?"))

    return name


def summary_messages(
    findings: EngagementFindings,
    *,
    recommendations: Mapping[str, Sequence[Block]] | None = None,
    pictures: Mapping[str, Image] | None = None,
    named: bool = True,
    flow: Sequence[Block] = (),
    delivery: bool = False,
) -> list[Outbound]:
    """The findings as messages: one per workflow, then DORA, then the flow metrics
    (``flow``, where flow items were recorded). Adapters split a long one to their
    platform's limits. ``named=False`` numbers the people (see :func:`numbering`).
    ``delivery``: with nothing to show, a delivery team is told to record its work
    rather than to invite people to interviews."""
    flow_messages = [Outbound(blocks=tuple(flow))] if flow else []
    if findings.empty:
        pending = sum(findings.under_way.values())
        # Interviews under way beside flow items: said, so nobody thinks them lost.
        midway = [rich(texts.FINDINGS_UNDER_WAY[pending != 1], count=pending)] if pending else []
        if flow:
            return [Outbound(blocks=(*flow, *midway))]
        if delivery:
            nothing = rich(texts.SUMMARY_NONE_DELIVERY, engagement=findings.engagement)
            return [Outbound(blocks=(nothing, *midway))]
        return [Outbound(blocks=(rich(texts.FINDINGS_NONE, engagement=findings.engagement),))]
    messages = [
        Outbound(
            blocks=tuple(
                workflow_blocks(
                    w,
                    under_way=findings.under_way.get(w.dialog_id, 0),
                    recommendations=(recommendations or {}).get(w.dialog_id, ()),
                    picture=(pictures or {}).get(w.dialog_id),
                    name=None if named else numbering(findings),
                )
            )
        )
        for w in findings.workflows
    ]
    messages.append(Outbound(blocks=tuple(dora_blocks(findings.dora))))
    return messages + flow_messages


def workflow_blocks(
    workflow: WorkflowFindings,
    *,
    under_way: int = 0,
    recommendations: Sequence[Block] = (),
    picture: Image | None = None,
    evidence: int = MAX_EVIDENCE,
    name: Callable[[str], str] | None = None,
) -> list[Block]:
    """One workflow's findings; ``name`` shows a person (None: by their own name)."""
    participants = texts.plural(workflow.participants, "participant")
    basis = (
        rich(texts.FINDINGS_BASIS, people=participants, names=_names(workflow.respondents))
        if name is None
        else rich(texts.FINDINGS_BASIS_NUMBERED, people=participants)
    )
    shown = name or str
    blocks: list[Block] = [Heading(text=texts.FINDINGS_TITLE.format(title=workflow.title)), basis]
    if under_way:
        blocks.append(rich(texts.FINDINGS_UNDER_WAY[under_way != 1], count=under_way))
    if not workflow.has_steps:
        blocks.append(rich(texts.FINDINGS_NO_STEPS, title=workflow.title))
        return blocks
    blocks.append(Fields(items=tuple(Field_(label=k, value=v) for k, v in headline(workflow))))
    if picture is not None:
        blocks.append(picture)
    blocks.append(Heading(text=texts.STEPS_TITLE))
    blocks.append(
        BulletList(
            items=tuple(
                (
                    Span(
                        text=texts.STEP_LINE.format(position=s.position, name=s.name),
                        style="bold",
                    ),
                    Span(text=step_detail(s)),
                )
                for s in workflow.steps
            )
        )
    )
    if workflow.bottlenecks:
        blocks.append(Heading(text=texts.BOTTLENECKS_TITLE))
        blocks.append(
            BulletList(
                items=tuple(_bottleneck_line(b, evidence, shown) for b in workflow.bottlenecks)
            )
        )
    if workflow.disagreements:
        blocks.append(Heading(text=texts.DISAGREEMENTS_TITLE))
        blocks.append(
            BulletList(
                items=tuple(
                    (
                        Span(text=d.step.name, style="bold"),
                        Span(
                            text=f" — {texts.DISAGREEMENT_MEASURES[d.measure]}: "
                            + " · ".join(shown_answers(d, name=shown))
                        ),
                    )
                    for d in workflow.disagreements
                )
            )
        )
    if recommendations:
        blocks.append(Heading(text=texts.RECOMMENDATIONS_TITLE))
        blocks += list(recommendations)
    return blocks


def headline(workflow: WorkflowFindings) -> list[tuple[str, str]]:
    """The workflow's figures as (label, value) pairs, each saying what it rests on."""
    lead, process = workflow.lead_time, workflow.process_time
    pairs = [
        (texts.FIELD_LEAD_TIME, _resting(minutes(lead), lead)),
        (texts.FIELD_PROCESS_TIME, _resting(minutes(process), process)),
        (
            texts.FIELD_FLOW_EFFICIENCY,
            _resting(share(workflow.flow_efficiency), workflow.flow_efficiency),
        ),
    ]
    if workflow.rolled_ca is not None:
        value = texts.ROLLED_CA_BASIS.format(
            value=share(workflow.rolled_ca), steps=workflow.ca_steps, total=len(workflow.steps)
        )
        pairs.append((texts.FIELD_ROLLED_CA, _resting(value, workflow.rolled_ca)))
    else:
        pairs.append((texts.FIELD_ROLLED_CA, texts.NOT_ANSWERED))
    if workflow.felt_end_to_end is not None:
        felt = workflow.felt_end_to_end
        pairs.append((texts.FIELD_FELT, _resting(minutes(felt), felt)))
    return pairs


def _resting(value: str, estimate: Estimate | None) -> str:
    if estimate is None:
        return value
    return texts.RESTS_ON.format(value=value, people=people(estimate.participants))


def people(count: int) -> str:
    return texts.plural(count, "person", "people")


def _bottleneck_line(bottleneck: Any, limit: int, name: Callable[[str], str]) -> tuple[Span, ...]:
    """The bottleneck, its figure, and up to ``limit`` people's words. A figure (a wait,
    a %C/A) is each person's own; words many said alike (an approval, "by ticket") are
    said once with everyone who said them."""
    if bottleneck.kind in ("wait", "quality"):
        said = [f"{name(e.who)}: {e.says}" for e in bottleneck.evidence[:limit]]
        if len(bottleneck.evidence) > limit:
            said.append(texts.MORE_EVIDENCE.format(count=len(bottleneck.evidence) - limit))
    else:
        alike: dict[str, list[str]] = {}
        for e in bottleneck.evidence:
            alike.setdefault(e.says, []).append(name(e.who))
        groups = list(alike.items())
        said = [f"{_some(people, limit)}: {words}" for words, people in groups[:limit]]
        if len(groups) > limit:
            left = sum(len(people) for _words, people in groups[limit:])
            said.append(texts.MORE_EVIDENCE.format(count=left))
    return (
        Span(text=f"{texts.BOTTLENECK_KINDS[bottleneck.kind]} — ", style="bold"),
        Span(text=f"{bottleneck.step.position}. {bottleneck.step.name}", style="bold"),
        Span(text=f": {bottleneck.figure}" + (f" ({'; '.join(said)})" if said else "")),
    )


def _some(people: list[str], limit: int) -> str:
    """ "Participant 7, Participant 10 and 6 more"."""
    if len(people) <= limit:
        return ", ".join(people)
    return f"{', '.join(people[:limit])} {texts.MORE_EVIDENCE.format(count=len(people) - limit)}"


def dora_blocks(placement: dora.Placement | None) -> list[Block]:
    if placement is None:
        return [
            Heading(text=texts.DORA_TITLE.format(year=dora.DEFAULT_YEAR)),
            rich(texts.DORA_NONE),
        ]
    blocks: list[Block] = [Heading(text=texts.DORA_TITLE.format(year=placement.year))]
    if placement.cluster is not None:
        blocks.append(
            rich(
                texts.DORA_NEAREST,
                cluster=placement.cluster,
                share=placement.table[placement.cluster].share,
                year=placement.year,
            )
        )
    if placement.is_range:
        blocks.append(rich(texts.DORA_RANGE, best=placement.best, worst=placement.worst))
    blocks.append(
        rich(texts.DORA_BASIS, people=texts.plural(placement.participants, "participant"))
    )
    blocks.append(Fields(items=tuple(Field_(label=k, value=v) for k, v in dora_rows(placement))))
    return blocks


def dora_rows(placement: dora.Placement) -> list[tuple[str, str]]:
    rows = []
    for key in placement.keys:
        answer = texts.DORA_ANSWERS.get(key.answer, key.answer)
        table_text = placement.table[key.band].text[key.key]
        if key.band_high != key.band_low:
            value = texts.DORA_KEY_RANGE.format(
                answer=answer,
                band=key.band,
                best=key.band_high,
                worst=key.band_low,
                table=table_text,
            )
        else:
            value = texts.DORA_KEY.format(answer=answer, band=key.band, table=table_text)
        rows.append((texts.DORA_KEYS[key.key], value))
    if placement.rework_rate is not None:
        rows.append((texts.DORA_REWORK, format_percent(placement.rework_rate)))
    return rows


def ready_note(workflow: WorkflowFindings) -> Block:
    """What the SA is told with "everyone has finished": the headline and where to look."""
    waits = [b for b in workflow.bottlenecks if b.kind == "wait"]
    if not workflow.has_steps or not waits:
        return rich(texts.FINDINGS_READY_SHORT)
    return rich(
        texts.FINDINGS_READY,
        title=workflow.title,
        lead=minutes(workflow.lead_time),
        efficiency=share(workflow.flow_efficiency),
        step=waits[0].step.name,
    )


def _names(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += ", " + texts.MORE_EVIDENCE.format(count=len(names) - limit)
    return shown
