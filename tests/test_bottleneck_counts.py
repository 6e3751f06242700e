"""A bottleneck only some people named says how many did, and people who said the same
words are named together in the channel summary (a hundred participants read as a
finding, not as a hundred repetitions)."""

from __future__ import annotations

from assistant import readout
from assistant.definitions import load_catalog
from assistant.findings import Respondent, value_stream
from tests.test_findings import DAY, HOUR, person, step


def test_a_bottleneck_named_by_some_says_how_many_of_those_who_described_the_step() -> None:
    gated = step("Deploy", HOUR, DAY, approval=True, automation="manual", handoff=True,
                 handoff_to="Ops, by ticket")  # fmt: skip
    plain = step("Deploy", HOUR, DAY)
    people = [person("a", gated), person("b", gated), person("c", plain), person("d", plain)]
    found = value_stream("x", "X", people)
    by_kind = {b.kind: b for b in found.bottlenecks}
    assert by_kind["approval"].figure == "needs an approval — 2 of 4 say so"
    assert by_kind["handoff"].figure == "a manual handoff — 2 of 4 say so"
    # Everyone said it: no qualifier.
    everyone = value_stream("x", "X", [person("a", gated), person("b", gated)])
    assert {b.kind: b.figure for b in everyone.bottlenecks}["approval"] == "needs an approval"


def test_the_summary_names_people_who_said_the_same_together() -> None:
    handed = step(
        "Deploy", HOUR, DAY, automation="manual", handoff=True, handoff_to="Ops, by ticket"
    )
    other = step(
        "Deploy", HOUR, DAY, automation="manual", handoff=True, handoff_to="A chat message"
    )
    people = [Respondent(f"p{n}", {"steps": [handed]}) for n in range(8)]
    people.append(Respondent("q", {"steps": [other]}))
    found = readout.compute(load_catalog(), "Acme", "Acme", {"idea_to_production": people})
    text = "\n".join(m.plain_text() for m in readout.summary_messages(found))
    assert (
        "Manual handoff — 1. Deploy: a manual handoff (p0, p1, p2, p3, p4 and 3 more: "
        "Ops, by ticket; q: A chat message)"
    ) in text
    assert text.count("Ops, by ticket") == 1
