"""Value stream findings against hand-worked examples (DESIGN.md §1.2): ranges, a single
step, a zero wait, a missing %C/A, two participants disagreeing, steps named
differently by different people."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.findings import Estimate, Respondent, align, value_stream

HOUR, DAY, WEEK = 60.0, 1440.0, 10080.0


def step(name: str, process: Any = None, wait: Any = None, ca: Any = None, **more: Any) -> dict:
    return {
        "name": name,
        "role": more.pop("role", "Developer"),
        "process_time": process,
        "wait_time": wait,
        "complete_accurate": ca,
        "automation": more.pop("automation", "automated"),
        "approval": more.pop("approval", False),
        "handoff": more.pop("handoff", False),
        **more,
    }


def person(name: str, *steps: dict, **answers: Any) -> Respondent:
    return Respondent(name, {"steps": list(steps), **answers})


def rng(low: float, high: float, typical: float | None = None) -> dict:
    return {"low": low, "typical": typical, "high": high}


def test_one_person_with_ranges_a_zero_wait_and_a_missing_ca() -> None:
    dana = person(
        "dana",
        step("Plan", HOUR, 0, 80),
        step("Build", 2 * HOUR, DAY, 50),
        step("Ship", rng(HOUR, 3 * HOUR), rng(DAY, 3 * DAY, 2 * DAY), None),
    )
    found = value_stream("i2p", "Idea to Production", [dana])
    assert [s.name for s in found.steps] == ["Plan", "Build", "Ship"]
    # Lead time: 60+0 + 120+1440 + (60|120|180)+(1440|2880|4320)
    assert found.lead_time == Estimate(3120, 4620, 6120, participants=1)
    assert found.process_time == Estimate(240, 300, 360, participants=1)
    eff = found.flow_efficiency
    assert eff is not None
    assert eff.low == pytest.approx(240 / (240 + 5760))  # least work, longest waits
    assert eff.typical == pytest.approx(300 / 4620)
    assert eff.high == pytest.approx(360 / (360 + 2880))
    # %C/A: Ship has none, so the roll rests on two steps.
    assert found.rolled_ca == Estimate(0.4, 0.4, 0.4, participants=1)
    assert found.ca_steps == 2
    kinds = [(b.kind, b.step.name) for b in found.bottlenecks]
    assert kinds == [("wait", "Ship"), ("wait", "Build"), ("quality", "Build"), ("quality", "Plan")]
    assert found.steps[0].bottlenecks == ("quality",)  # a zero wait is no bottleneck
    assert found.disagreements == ()


def test_a_single_step_with_no_wait_is_all_flow() -> None:
    found = value_stream("x", "X", [person("lee", step("Deploy", 30, 0, 100))])
    assert found.lead_time == Estimate(30, 30, 30, participants=1)
    assert found.flow_efficiency == Estimate(1.0, 1.0, 1.0, participants=1)
    assert found.rolled_ca == Estimate(1.0, 1.0, 1.0, participants=1)
    assert found.bottlenecks == ()


def test_nobody_gave_a_ca_so_there_is_no_rolled_figure() -> None:
    found = value_stream("x", "X", [person("lee", step("Deploy", 30, 10))])
    assert found.rolled_ca is None and found.ca_steps == 0
    assert found.lead_time is not None and found.lead_time.typical == 40


def test_two_people_disagreeing_are_shown_side_by_side_not_averaged_away() -> None:
    dana = person("dana", step("Code review", HOUR, 3 * DAY, 90, pain="Reviewers are busy"))
    sam = person("sam", step("code review", 2 * HOUR, 2 * WEEK, 40))
    found = value_stream("x", "X", [dana, sam])
    (review,) = found.steps
    assert review.participants == 2
    # The range spans both answers; the typical is their median.
    assert review.wait == Estimate(3 * DAY, (3 * DAY + 2 * WEEK) / 2, 2 * WEEK, participants=2)
    shown = {(d.measure, d.answers) for d in found.disagreements}
    assert ("wait_time", (("dana", 3 * DAY), ("sam", 2 * WEEK))) in shown
    assert ("complete_accurate", (("sam", 40), ("dana", 90))) in shown  # lowest first
    # Process times 1 h and 2 h are close enough: no disagreement.
    assert "process_time" not in {d.measure for d in found.disagreements}
    (wait,) = [b for b in found.bottlenecks if b.kind == "wait"]
    assert [(e.who, e.says) for e in wait.evidence] == [
        ("dana", "3 days — Reviewers are busy"),
        ("sam", "2 weeks"),
    ]
    assert dict(found.per_person_lead) == {
        "dana": Estimate(HOUR + 3 * DAY, HOUR + 3 * DAY, HOUR + 3 * DAY),
        "sam": Estimate(2 * HOUR + 2 * WEEK, 2 * HOUR + 2 * WEEK, 2 * HOUR + 2 * WEEK),
    }
    assert found.lead_time is not None and found.lead_time.participants == 2


def test_overlapping_ranges_are_not_a_disagreement() -> None:
    a = person("a", step("Test", rng(2 * HOUR, 4 * HOUR), 0))
    b = person("b", step("Test", rng(3 * HOUR, 6 * HOUR), 0))
    assert value_stream("x", "X", [a, b]).disagreements == ()


def test_steps_line_up_by_name_then_by_position() -> None:
    # The longest description sets the positions; same names (any case, punctuation)
    # are the same step; between them steps pair by position; extras get their own.
    members = align(
        [
            ["Plan", "Build", "Review", "Deploy"],
            ["plan", "Code review", "deploy!"],
            ["Plan", "Write code", "Pair", "Another review", "Deploy", "Announce"],
        ]
    )
    assert members == [
        [(0, 0), (1, 0), (2, 0)],
        [(0, 1), (1, 1), (2, 1)],
        [(0, 2), (2, 2)],
        [(2, 3)],
        [(0, 3), (1, 2), (2, 4)],
        [(2, 5)],
    ]


def test_the_map_names_each_step_as_most_people_did_and_keeps_the_other_names() -> None:
    people = [
        person("a", step("Plan", 1, 0), step("Build", 1, 0)),
        person("b", step("plan", 1, 0), step("Develop", 1, 0, role="Backend team")),
        person("c", step("Plan", 1, 0), step("Build", 1, 0)),
    ]
    found = value_stream("x", "X", people)
    assert [s.name for s in found.steps] == ["Plan", "Build"]
    assert found.steps[1].other_names == ("Develop",)
    assert found.steps[1].owners == ("Developer", "Backend team")
    assert [s.participants for s in found.steps] == [3, 3]


def test_approvals_manual_handoffs_and_rework_are_bottlenecks_with_evidence() -> None:
    cab = step(
        "Change approval",
        HOUR,
        WEEK,
        approval=True,
        approver="The CAB",
        approval_criteria="A rollback plan",
        automation="manual",
        handoff=True,
        handoff_to="Ops, by ticket",
        rework="Back to development 1 in 4",
    )
    found = value_stream("x", "X", [person("dana", cab)])
    by_kind = {b.kind: b for b in found.bottlenecks}
    assert set(by_kind) == {"wait", "approval", "handoff", "rework"}
    assert by_kind["approval"].figure == "needs an approval (The CAB)"
    assert by_kind["approval"].evidence[0].says == "The CAB — A rollback plan"
    assert by_kind["handoff"].evidence[0].says == "Ops, by ticket"
    assert by_kind["rework"].evidence[0].says == "Back to development 1 in 4"
    assert found.steps[0].bottleneck == "wait, approval, handoff, rework"


def test_an_automated_handoff_is_not_a_bottleneck() -> None:
    found = value_stream("x", "X", [person("a", step("Build", 5, 0, handoff=True))])
    assert [b.kind for b in found.bottlenecks] == []


def test_nobody_described_steps_yet() -> None:
    found = value_stream("x", "X", [Respondent("a", {"steps": []})])
    assert found.steps == () and found.lead_time is None and found.flow_efficiency is None
