"""Value stream findings: everyone's interview answers for one workflow, combined.

Pure: it reads answers already loaded (:class:`Respondent`, one per participant, the
answers shaped as :func:`assistant.engine.grouped` shapes them) and returns frozen
data. Loading them from storage is :mod:`assistant.readout`'s job.

The interviews share their step group (``steps``: name, role, process_time,
wait_time, complete_accurate, automation, approval, handoff, rework, pain ...), so
one computation serves all three workflows (DESIGN.md §1.2):

* lead time = Σ(process + wait), total process time = Σ process,
  flow efficiency = process / lead, rolled %C/A = Π %C/A;
* each figure is an :class:`Estimate` (low / typical / high) because answers are
  ranges, with the number of participants it rests on;
* bottlenecks carry every participant's evidence; disagreements keep every answer.

How steps from different people are lined up (:func:`align`): steps with the same
name (ignoring case, spaces and punctuation) are the same step, keeping each
person's order; between two such steps the others are paired by position; a step
nobody else described becomes a step of its own.

How answers combine at a step: the range spans everyone's answers (lowest low,
highest high) and the typical value is the median of the people's typical values (a
range without a usual value counts its midpoint). Nothing is averaged: where people
disagree, a :class:`Disagreement` shows each answer with its author.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, NamedTuple

from assistant.parsing import format_duration, format_percent

STEPS_GROUP = "steps"  # the step group's id, the same in every interview

# Two duration answers disagree when one's low end is more than this many times the
# other's high end ("3 days" and "2 weeks"); two %C/A answers when their ranges are
# this many percentage points apart.
DISAGREE_RATIO = 2.0
DISAGREE_POINTS = 20.0
TOP_WAITS = 3  # the largest waits named as bottlenecks
TOP_QUALITY = 3  # the lowest %C/A named as bottlenecks
WAIT_SHARE = 0.1  # a wait named as a bottleneck holds at least this share of all waiting

BottleneckKind = Literal["wait", "quality", "approval", "handoff", "rework"]
Measure = Literal["process_time", "wait_time", "complete_accurate", "approval", "automation"]


class Estimate(NamedTuple):
    """A figure as low / typical / high, and how many participants it rests on.

    A named tuple: a large engagement makes hundreds of thousands of them."""

    low: float
    typical: float
    high: float
    participants: int = 1

    @classmethod
    def of(cls, value: Any) -> Estimate | None:
        """One stored answer (a number or a range dict) as an estimate; None if none."""
        kind = type(value)
        if kind is int or kind is float:
            return cls(float(value), float(value), float(value))
        if kind is dict and "low" in value and "high" in value:
            low, high = float(value["low"]), float(value["high"])
            typical = value.get("typical")
            middle = float(typical) if typical is not None else (low + high) / 2
            return cls(low, middle, high)
        return None

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def as_answer(self) -> float | dict[str, float | None]:
        """The parsing module's shape (a number or a Range), for its formatters."""
        if not self.is_range:
            return self.typical
        typical = self.typical if self.low < self.typical < self.high else None
        return {"low": self.low, "typical": typical, "high": self.high}


def combine(estimates: Sequence[Estimate]) -> Estimate | None:
    """Everyone's answers at one step: lowest low, median typical, highest high."""
    if not estimates:
        return None
    return Estimate(
        low=min(e.low for e in estimates),
        typical=float(statistics.median(e.typical for e in estimates)),
        high=max(e.high for e in estimates),
        participants=len(estimates),
    )


def _total(estimates: Iterable[Estimate | None], participants: int) -> Estimate:
    present = [e for e in estimates if e is not None]
    return Estimate(
        low=sum(e.low for e in present),
        typical=sum(e.typical for e in present),
        high=sum(e.high for e in present),
        participants=participants,
    )


@dataclass(frozen=True)
class Respondent:
    """One participant's current answers to one interview, grouped (a group is a list
    of item dicts)."""

    name: str
    answers: Mapping[str, Any]

    @cached_property
    def steps(self) -> list[Mapping[str, Any]]:
        items = self.answers.get(STEPS_GROUP) or []
        return [item for item in items if isinstance(item, Mapping) and item.get("name")]


@dataclass(frozen=True)
class Said:
    """One participant's answer at one step: their name for the step and their values."""

    who: str
    step_name: str
    item: Mapping[str, Any]
    # The estimates read again and again (figures, bottlenecks, disagreements), parsed once.
    process: Estimate | None
    wait: Estimate | None
    complete_accurate: Estimate | None

    @classmethod
    def of(cls, who: str, item: Mapping[str, Any]) -> Said:
        return cls(
            who,
            str(item["name"]),
            item,
            Estimate.of(item.get("process_time")),
            Estimate.of(item.get("wait_time")),
            Estimate.of(item.get("complete_accurate")),
        )

    def estimate(self, key: str) -> Estimate | None:
        match key:
            case "process_time":
                return self.process
            case "wait_time":
                return self.wait
            case "complete_accurate":
                return self.complete_accurate
        return Estimate.of(self.item.get(key))

    def text(self, key: str) -> str | None:
        value = self.item.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class StepFinding:
    """One step of the value stream, as everyone who described it said."""

    position: int  # 1-based
    name: str  # the name most people gave it
    other_names: tuple[str, ...]
    owners: tuple[str, ...]  # roles / teams, most named first
    process: Estimate | None
    wait: Estimate | None
    complete_accurate: Estimate | None  # percent, 0..100
    said: tuple[Said, ...]
    manual: bool  # someone said people do it by hand
    approval: bool  # someone said it needs an approval or a gate
    handoff: bool  # someone said the work passes to someone else afterwards
    rework: bool  # someone described work looping back from it
    bottlenecks: tuple[BottleneckKind, ...] = ()

    @property
    def participants(self) -> int:
        return len(self.said)

    @property
    def owner(self) -> str:
        return ", ".join(self.owners)

    @property
    def bottleneck(self) -> str | None:
        """The bottleneck kinds at this step, for a map's highlight (None: none)."""
        return ", ".join(self.bottlenecks) or None


@dataclass(frozen=True)
class Evidence:
    who: str
    says: str


@dataclass(frozen=True)
class Bottleneck:
    kind: BottleneckKind
    step: StepFinding
    figure: str  # what makes it one: "waits 2–5 days", "%C/A 40%", "approval by the CAB"
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Disagreement:
    """People who gave answers too far apart to combine into one figure."""

    step: StepFinding
    measure: Measure
    answers: tuple[tuple[str, Any], ...]  # (who, their answer as stored), lowest first


@dataclass(frozen=True)
class WorkflowFindings:
    dialog_id: str
    title: str
    respondents: tuple[str, ...]
    steps: tuple[StepFinding, ...]
    lead_time: Estimate | None  # minutes
    process_time: Estimate | None  # minutes
    flow_efficiency: Estimate | None  # 0..1
    rolled_ca: Estimate | None  # 0..1
    ca_steps: int  # how many steps the rolled %C/A rests on
    per_person_lead: tuple[tuple[str, Estimate], ...]  # each person's own lead time
    felt_end_to_end: Estimate | None  # what people felt it took, minutes
    bottlenecks: tuple[Bottleneck, ...]
    disagreements: tuple[Disagreement, ...]
    pains: tuple[Evidence, ...]  # the workflow's biggest bottleneck, in people's words
    better: tuple[Evidence, ...]  # what better looks like, in people's words
    answers: tuple[Respondent, ...] = field(default=(), repr=False)

    @property
    def participants(self) -> int:
        return len(self.respondents)

    @property
    def has_steps(self) -> bool:
        return bool(self.steps)


# -- lining up the steps ----------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def step_key(name: str) -> str:
    """A step's name as matched: case, spaces and punctuation ignored."""
    return _NOT_WORD.sub(" ", name.casefold()).strip()


def align(step_lists: Sequence[Sequence[str]]) -> list[list[tuple[int, int]]]:
    """Each slot of the combined map as (person index, their step index) pairs.

    People are taken in the order given (callers put the longest description first);
    see the module docstring for the rule."""
    slots: list[set[str]] = []
    members: list[list[tuple[int, int]]] = []
    for person, names in enumerate(step_lists):
        keys = [step_key(n) for n in names]
        anchors = _common(keys, slots)
        placed: list[tuple[int, int]] = []  # (their step, slot); slot -1: a new one
        previous_step, previous_slot = -1, -1
        for step, slot in [*anchors, (len(keys), len(slots))]:
            free = list(range(previous_slot + 1, slot))
            between = list(range(previous_step + 1, step))
            for offset, own in enumerate(between):
                placed.append((own, free[offset] if offset < len(free) else -1))
            if step < len(keys):
                placed.append((step, slot))
            previous_step, previous_slot = step, slot
        # New slots go after the last existing slot placed before them.
        inserted = 0
        last_slot = -1
        for own, slot in placed:
            if slot >= 0:
                slot += inserted
                last_slot = slot
            else:
                last_slot += 1
                slot = last_slot
                slots.insert(slot, set())
                members.insert(slot, [])
                inserted += 1
            slots[slot].add(keys[own])
            members[slot].append((person, own))
    return members


def _common(keys: Sequence[str], slots: Sequence[set[str]]) -> list[tuple[int, int]]:
    """The longest run of (their step, slot) pairs matched by name, in both orders."""
    rows, cols = len(keys), len(slots)
    if not rows or not cols:
        return []
    if rows <= cols and all(key in slots[i] for i, key in enumerate(keys)):
        return [(i, i) for i in range(rows)]  # step for step as before: nothing to search
    lengths = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if keys[i] in slots[j]:
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < rows and j < cols:
        if keys[i] in slots[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


# -- the findings ------------------------------------------------------------------------


def value_stream(dialog_id: str, title: str, respondents: Sequence[Respondent]) -> WorkflowFindings:
    """One workflow's findings from everyone's answers (see the module docstring)."""
    people = [r for r in respondents if r.steps] or list(respondents)
    # The longest description first: it sets the positions the others line up with.
    order = sorted(range(len(people)), key=lambda i: -len(people[i].steps))
    ordered = [people[i] for i in order]
    members = align([[str(s["name"]) for s in r.steps] for r in ordered])
    steps = [_step(position, ordered, slot) for position, slot in enumerate(members, 1)]
    steps = _mark(steps)
    resting = _resting(steps)
    lead = _total((e for s in steps for e in (s.process, s.wait)), len(resting["lead"]))
    process = _total((s.process for s in steps), len(resting["process"]))
    wait = _total((s.wait for s in steps), len(resting["wait"]))
    ca = [s.complete_accurate for s in steps if s.complete_accurate is not None]
    return WorkflowFindings(
        dialog_id=dialog_id,
        title=title,
        respondents=tuple(r.name for r in respondents),
        steps=tuple(steps),
        lead_time=lead if steps else None,
        process_time=process if steps else None,
        flow_efficiency=_efficiency(process, wait, lead.participants) if steps else None,
        rolled_ca=_rolled(ca, len(resting["ca"])) if ca else None,
        ca_steps=len(ca),
        per_person_lead=_own_leads(steps),
        felt_end_to_end=combine(
            [e for r in respondents if (e := Estimate.of(r.answers.get("end_to_end_time")))]
        ),
        bottlenecks=tuple(_bottlenecks(steps)),
        disagreements=tuple(d for s in steps for d in _disagreements(s)),
        pains=_texts(respondents, "bottleneck"),
        better=_texts(respondents, "better"),
        answers=tuple(respondents),
    )


def _step(position: int, people: Sequence[Respondent], slot: list[tuple[int, int]]) -> StepFinding:
    said = tuple(Said.of(people[p].name, people[p].steps[i]) for p, i in slot)
    names = Counter(s.step_name.strip() for s in said)
    name = names.most_common(1)[0][0]
    others = tuple(n for n in names if step_key(n) != step_key(name))
    owners = Counter(r for s in said if (r := s.text("role")))
    return StepFinding(
        position=position,
        name=name,
        other_names=others,
        owners=tuple(o for o, _n in owners.most_common()),
        process=combine([e for s in said if (e := s.process)]),
        wait=combine([e for s in said if (e := s.wait)]),
        complete_accurate=combine([e for s in said if (e := s.complete_accurate)]),
        said=said,
        manual=any(s.item.get("automation") in ("manual", "partly_automated") for s in said),
        approval=any(s.item.get("approval") is True for s in said),
        handoff=any(s.item.get("handoff") is True for s in said),
        rework=any(s.text("rework") for s in said),
    )


def _resting(steps: Sequence[StepFinding]) -> dict[str, set[str]]:
    """Who answered each figure's parts at one step or more."""
    found: dict[str, set[str]] = {"process": set(), "wait": set(), "ca": set(), "lead": set()}
    for step in steps:
        for s in step.said:
            if s.process is not None:
                found["process"].add(s.who)
            if s.wait is not None:
                found["wait"].add(s.who)
            if s.complete_accurate is not None:
                found["ca"].add(s.who)
    found["lead"] = found["process"] | found["wait"]
    return found


def _own_leads(steps: Sequence[StepFinding]) -> tuple[tuple[str, Estimate], ...]:
    """Each person's own lead time over the steps they described, in the map's order of
    people (the longest description first)."""
    parts: dict[str, list[Estimate]] = {}
    for step in steps:
        for s in step.said:
            mine = parts.setdefault(s.who, [])
            mine += [e for e in (s.process, s.wait) if e is not None]
    leads = ((who, _total(found, 1)) for who, found in parts.items())
    return tuple((who, lead) for who, lead in leads if lead.typical)


def _efficiency(process: Estimate, wait: Estimate, participants: int) -> Estimate | None:
    """process / (process + wait): lowest with the least work and the longest waits."""

    def ratio(p: float, w: float) -> float:
        return p / (p + w) if p + w > 0 else 0.0

    if process.high + wait.high <= 0:
        return None
    return Estimate(
        low=ratio(process.low, wait.high),
        typical=ratio(process.typical, wait.typical),
        high=ratio(process.high, wait.low),
        participants=participants,
    )


def _rolled(estimates: Sequence[Estimate], participants: int) -> Estimate:
    low = typical = high = 1.0
    for e in estimates:
        low, typical, high = low * e.low / 100, typical * e.typical / 100, high * e.high / 100
    return Estimate(low, typical, high, participants)


def _texts(respondents: Sequence[Respondent], key: str) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(r.name, value.strip())
        for r in respondents
        if isinstance(value := r.answers.get(key), str) and value.strip()
    )


# -- bottlenecks and disagreements --------------------------------------------------------


def _mark(steps: list[StepFinding]) -> list[StepFinding]:
    """Each step with the kinds of bottleneck found at it."""
    waits = {s.position for s in _largest_waits(steps)}
    quality = {s.position for s in _lowest_ca(steps)}
    marked = []
    for s in steps:
        kinds: list[BottleneckKind] = []
        if s.position in waits:
            kinds.append("wait")
        if s.position in quality:
            kinds.append("quality")
        if s.approval:
            kinds.append("approval")
        if s.handoff and s.manual:
            kinds.append("handoff")
        if s.rework:
            kinds.append("rework")
        marked.append(_with(s, bottlenecks=tuple(kinds)))
    return marked


def _with(step: StepFinding, **changes: Any) -> StepFinding:
    return replace(step, **changes)


def _largest_waits(steps: Sequence[StepFinding]) -> list[StepFinding]:
    waiting = [s for s in steps if s.wait is not None and s.wait.typical > 0]
    # A wait that is a sliver of the whole (14 h beside two waits of a week) is no
    # bottleneck: with three steps, all three waits were named, the map all red.
    total = sum(s.wait.typical for s in waiting if s.wait)
    waiting = [s for s in waiting if s.wait and s.wait.typical >= WAIT_SHARE * total]
    return sorted(waiting, key=lambda s: (-(s.wait.typical if s.wait else 0), s.position))[
        :TOP_WAITS
    ]


def _lowest_ca(steps: Sequence[StepFinding]) -> list[StepFinding]:
    rated = [s for s in steps if s.complete_accurate and s.complete_accurate.typical < 100]
    return sorted(
        rated, key=lambda s: (s.complete_accurate.typical if s.complete_accurate else 0, s.position)
    )[:TOP_QUALITY]


def _bottlenecks(steps: Sequence[StepFinding]) -> list[Bottleneck]:
    found: list[Bottleneck] = []
    for s in _largest_waits(steps):
        assert s.wait is not None
        found.append(
            Bottleneck(
                "wait",
                s,
                f"waits {format_duration(s.wait.as_answer())}",  # type: ignore[arg-type]
                _evidence(s, "wait_time", format_duration),
            )
        )
    for s in _lowest_ca(steps):
        assert s.complete_accurate is not None
        found.append(
            Bottleneck(
                "quality",
                s,
                f"%C/A {format_percent(s.complete_accurate.as_answer())}",  # type: ignore[arg-type]
                _evidence(s, "complete_accurate", format_percent),
            )
        )
    for s in steps:
        if s.approval:
            approvers = sorted({a for x in s.said if (a := x.text("approver"))})
            said = tuple(
                Evidence(x.who, _approval_words(x))
                for x in s.said
                if x.item.get("approval") is True
            )
            figure = "needs an approval" + (f" ({'; '.join(approvers)})" if approvers else "")
            found.append(Bottleneck("approval", s, figure + _said_by(said, s), said))
    for s in steps:
        if s.handoff and s.manual:
            said = tuple(
                Evidence(x.who, x.text("handoff_to") or "hands the work on")
                for x in s.said
                if x.item.get("handoff") is True
            )
            found.append(Bottleneck("handoff", s, "a manual handoff" + _said_by(said, s), said))
    for s in steps:
        if s.rework:
            said = tuple(Evidence(x.who, t) for x in s.said if (t := x.text("rework")))
            found.append(
                Bottleneck("rework", s, "work loops back from it" + _said_by(said, s), said)
            )
    return found


def _said_by(evidence: tuple[Evidence, ...], step: StepFinding) -> str:
    """How many of the people who described the step said so, when not all of them did:
    one in a hundred naming an approval is a different finding from everyone."""
    if not evidence or len(evidence) >= len(step.said):
        return ""
    return f" — {len(evidence)} of {len(step.said)} say so"


def _approval_words(said: Said) -> str:
    parts = [said.text("approver"), said.text("approval_criteria")]
    return " — ".join(p for p in parts if p) or "needs an approval"


def _evidence(step: StepFinding, key: str, show: Any) -> tuple[Evidence, ...]:
    found = []
    for s in step.said:
        value = s.item.get(key)
        if Estimate.of(value) is None:
            continue
        words = show(value)
        if pain := s.text("pain"):
            words += f" — {pain}"
        found.append(Evidence(s.who, words))
    return tuple(found)


def _lowest_first(said: list[tuple[str, Any, Estimate]]) -> tuple[tuple[str, Any], ...]:
    return tuple((who, value) for who, value, _e in sorted(said, key=lambda a: a[2].typical))


def _disagreements(step: StepFinding) -> list[Disagreement]:
    found = []
    durations: tuple[Measure, ...] = ("process_time", "wait_time")
    for measure in durations:
        said = [(s.who, s.item.get(measure), e) for s in step.said if (e := s.estimate(measure))]
        lows = [e.low for _w, _v, e in said]
        highs = [e.high for _w, _v, e in said]
        if len(said) > 1 and max(lows) > 0 and max(lows) > DISAGREE_RATIO * min(highs):
            found.append(Disagreement(step, measure, _lowest_first(said)))
    said = [
        (s.who, s.item.get("complete_accurate"), e)
        for s in step.said
        if (e := s.estimate("complete_accurate"))
    ]
    if len(said) > 1 and max(e.low for *_x, e in said) - min(e.high for *_x, e in said) >= (
        DISAGREE_POINTS
    ):
        found.append(Disagreement(step, "complete_accurate", _lowest_first(said)))
    flags = [
        (s.who, s.item.get("approval"))
        for s in step.said
        if isinstance(s.item.get("approval"), bool)
    ]
    if len({v for _w, v in flags}) > 1:
        found.append(Disagreement(step, "approval", tuple(flags)))
    return found
