"""The three discovery interviews (DESIGN.md §1.1): invited by word, estimates as ranges,
one shared step shape for the findings, and summaries that read the answers back."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from assistant import engine
from assistant.definitions import (
    Catalog,
    ChoiceStep,
    Dialog,
    DurationStep,
    GroupStep,
    NumberStep,
    PercentStep,
    dialogs_dir,
    load_catalog,
)
from assistant.events import Block, ConversationRef, Inbound, Person
from assistant.summaries import Summaries

INTERVIEWS = {
    "idea_to_production": ("idea-to-production", ["i2p", "Idea to Production"]),
    "incident_response": ("incident-response", ["incident", "Response to Production Incident"]),
    "toolchain": ("toolchain", ["toolchain-upgrades", "Toolchain Upgrading and Maintenance"]),
}

# The findings code reads these from every interview's step group.
STEP_IDS = [
    "name",
    "trigger",
    "role",
    "people",
    "tools",
    "process_time",
    "wait_time",
    "complete_accurate",
    "automation",
    "approval",
    "approver",
    "approval_criteria",
    "handoff",
    "handoff_to",
    "rework",
    "pain",
]

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def summaries() -> Summaries:
    return Summaries(dialogs_dir() / "templates")


def text_of(blocks: list[Block]) -> str:
    """Everything a reader sees in the rendered summary, one line per piece."""
    lines: list[str] = []
    for block in blocks:
        match block.kind:
            case "heading":
                lines.append(block.text)  # type: ignore[union-attr]
            case "paragraph":
                lines.append("".join(s.text for s in block.spans))  # type: ignore[union-attr]
            case "bullets":
                lines += ["".join(s.text for s in item) for item in block.items]  # type: ignore[union-attr]
            case "fields":
                lines += [f"{f.label}: {f.value}" for f in block.items]  # type: ignore[union-attr]
    return "\n".join(lines)


# -- the definitions ----------------------------------------------------------------


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_each_interview_is_invited_to_by_its_word_and_not_started_from_the_menu(
    catalog: Catalog, dialog_id: str
) -> None:
    dialog = catalog.get(dialog_id)
    word, aliases = INTERVIEWS[dialog_id]
    assert dialog.invitation is not None and dialog.invitation.word == word
    for name in (word, *aliases):
        assert catalog.by_invitation_word(name) is dialog, name
    assert dialog.start_words == [] and dialog.menu is None
    assert dialog not in catalog.menu()
    assert dialog.intro is not None and "estimate" in dialog.intro
    assert (catalog.templates_dir / dialog.summary_template).is_file()


def test_the_catalog_lists_exactly_the_three_interviews(catalog: Catalog) -> None:
    assert {d.id for d in catalog.interviews()} == set(INTERVIEWS)


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_every_time_and_share_accepts_a_range(catalog: Catalog, dialog_id: str) -> None:
    dialog = catalog.get(dialog_id)
    estimates = [s for s in dialog.leaf_steps() if isinstance(s, DurationStep | PercentStep)]
    assert estimates
    assert [s.id for s in estimates if not s.allow_range] == []
    counts = [s for s in dialog.leaf_steps() if isinstance(s, NumberStep)]
    assert [s.id for s in counts if not s.allow_range] == []


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_the_step_group_has_the_shared_ids(catalog: Catalog, dialog_id: str) -> None:
    group = catalog.get(dialog_id).step("steps")
    assert isinstance(group, GroupStep)
    assert group.item_name == "step" and group.min_items == 1
    assert [s.id for s in group.steps] == STEP_IDS
    kinds = {s.id: s.kind for s in group.steps}
    assert kinds["process_time"] == kinds["wait_time"] == "duration"
    assert kinds["complete_accurate"] == "percent" and kinds["people"] == "number"
    by_id = {s.id: s for s in group.steps}
    assert by_id["complete_accurate"].help and "%C/A" in by_id["complete_accurate"].help
    automation = by_id["automation"]
    assert isinstance(automation, ChoiceStep)
    assert [o.value for o in automation.options] == ["manual", "partly_automated", "automated"]
    # Asked only after a yes; rework and the pain may be skipped.
    assert [c.step for c in by_id["approver"].when] == ["approval"]
    assert [c.step for c in by_id["approval_criteria"].when] == ["approval"]
    assert [c.step for c in by_id["handoff_to"].when] == ["handoff"]
    assert by_id["rework"].optional and by_id["pain"].optional


def test_idea_to_production_asks_the_dora_keys_on_doras_scales(catalog: Catalog) -> None:
    dialog = catalog.get("idea_to_production")

    def labels(step_id: str) -> list[str]:
        step = dialog.step(step_id)
        assert isinstance(step, ChoiceStep)
        return [o.label for o in step.options]

    assert labels("deploy_frequency") == [
        "On demand (multiple deploys a day)",
        "Between once per day and once per week",
        "Between once per week and once per month",
        "Between once per month and once every 6 months",
        "Fewer than once every 6 months",
    ]
    assert labels("lead_time") == [
        "Less than one hour",
        "Between one hour and one day",
        "Between one day and one week",
        "Between one week and one month",
        "Between one month and six months",
        "More than six months",
    ]
    assert labels("recovery_time")[:2] == ["Less than one hour", "Less than one day"]
    assert labels("recovery_time")[2:] == labels("lead_time")[2:]
    for step_id in ("change_failure_rate", "rework_rate"):
        step = dialog.step(step_id)
        assert isinstance(step, PercentStep) and step.allow_range


# -- the summaries --------------------------------------------------------------------


def step_item(name: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": name,
        "trigger": "The story is moved to Ready",
        "role": "Backend developer",
        "people": 2,
        "tools": "Jira, GitLab",
        "process_time": 16 * 60,
        "wait_time": 3 * 24 * 60,
        "complete_accurate": 70,
        "automation": "manual",
        "approval": False,
        "approver": None,
        "approval_criteria": None,
        "handoff": False,
        "handoff_to": None,
        "rework": None,
        "pain": None,
    }
    return {**item, **changes}


FULL_STEPS = [
    step_item("Refine the story", role="Product owner", people=1, wait_time=0, pain="Vague asks"),
    step_item(
        "Code review",
        process_time=90,
        complete_accurate=85,
        automation="partly_automated",
        handoff=True,
        handoff_to="QA, via the board",
        rework="Back to development 1 time in 4",
    ),
    step_item(
        "Release",
        role="Release manager",
        process_time=120,
        wait_time=7 * 24 * 60,
        complete_accurate=95,
        automation="automated",
        approval=True,
        approver="The CAB",
        approval_criteria="A rollback plan",
    ),
]

OUTLOOK = {
    "bottleneck": "The weekly CAB",
    "tried": "Asked for standard changes",
    "better": "Small changes ship in 2 days",
    "better_by": "2027-06-30",
    "notes": "Mobile is different",
}
NO_OUTLOOK_EXTRAS = {"tried": None, "better_by": None, "notes": None}


def full_answers(dialog_id: str) -> dict[str, Any]:
    common = {
        "recent_item": "Saved searches",
        "start_point": "An idea on the roadmap board",
        "end_point": "Switched on for everyone",
        "end_to_end_time": 3 * 7 * 24 * 60,
        "teams": "Product, Payments squad, QA",
        "steps": FULL_STEPS,
        **OUTLOOK,
    }
    if dialog_id == "idea_to_production":
        return {
            **common,
            "changes_per_month": 12,
            "deploy_frequency": "weekly_to_monthly",
            "lead_time": "1_week_to_1_month",
            "change_failure_rate": 15,
            "recovery_time": "under_1_day",
            "rework_rate": 20,
        }
    if dialog_id == "incident_response":
        return {
            **common,
            "recent_item": "Checkout errors on 12 March",
            "time_to_detect": 25,
            "time_to_diagnose": 180,
            "time_to_restore": 300,
            "detection": ["monitoring_alert", "customer_report", "other"],
            "detection_other": "A partner emails us",
            "remediation": ["rollback", "hotfix_bypass"],
            "remediation_other": None,
            "incidents_per_month": 4,
            "caused_by_change": 60,
        }
    return {
        **common,
        "recent_item": "Jenkins 2.401 to 2.426",
        "inventory": [
            {
                "name": "Jenkins",
                "purpose": "CI builds",
                "hosting": "self_managed",
                "versions_behind": 7,
                "owner": "Platform team",
            },
            {
                "name": "GitHub",
                "purpose": "Source control",
                "hosting": "saas",
                "versions_behind": None,
                "owner": "Developer experience",
            },
        ],
        "upgrade_triggers": ["security_advisory", "end_of_life"],
        "upgrade_triggers_other": None,
        "upgrades_per_year": 14,
        "change_window": True,
        "change_window_detail": "Saturday nights",
        "upgrade_time": 3 * 7 * 24 * 60,
        "downtime": 240,
        "toil_hours": 45,
    }


def minimal_answers(dialog_id: str) -> dict[str, Any]:
    """Every optional answer skipped (None), one bare step."""
    answers = {**full_answers(dialog_id), **NO_OUTLOOK_EXTRAS}
    answers["steps"] = [step_item("Just do it")]
    if dialog_id == "idea_to_production":
        answers["rework_rate"] = None
    if dialog_id == "toolchain":
        answers["inventory"] = [{**answers["inventory"][0], "versions_behind": None}]
        answers["change_window"] = False
        answers["change_window_detail"] = None
    return answers


def render(summaries: Summaries, catalog: Catalog, dialog_id: str, answers: Any) -> str:
    dialog = catalog.get(dialog_id)
    missing = {s.id for s in dialog.steps} - set(answers)
    assert not missing, f"the test answers miss {missing}"
    return text_of(summaries.render(dialog.summary_template, {"answers": answers}))


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_a_summary_reads_back_the_steps_in_order_with_their_figures(
    summaries: Summaries, catalog: Catalog, dialog_id: str
) -> None:
    answers = full_answers(dialog_id)
    text = render(summaries, catalog, dialog_id, answers)
    assert answers["recent_item"] in text.splitlines()[0]
    positions = [text.index(f"{n}. {s['name']}") for n, s in enumerate(FULL_STEPS, 1)]
    assert positions == sorted(positions)
    for expected in (
        "Refine the story — Product owner, 1 person",
        "Code review — Backend developer, 2 people",
        "Hands-on time: 16 h",  # "2 working days"
        "Hands-on time: 1.5 h",
        "Wait before it starts: none",
        "Wait before it starts: 1 week",
        "Complete and accurate: 85%",
        "Manual or automated: Partly automated",
        "Approval: The CAB, checking: A rollback plan",
        "Handoff: QA, via the board",
        "Rework: Back to development 1 time in 4",
        "Main pain: Vague asks",
        "End to end (felt): 3 weeks",
        "Teams involved: Product, Payments squad, QA",
        "Biggest bottleneck: The weekly CAB",
        "Tried so far: Asked for standard changes",
        "Better would be: Small changes ship in 2 days (by 30 Jun 2027)",
        "Notes: Mobile is different",
    ):
        assert expected in text, expected


def test_the_idea_to_production_summary_shows_the_dora_keys(
    summaries: Summaries, catalog: Catalog
) -> None:
    text = render(summaries, catalog, "idea_to_production", full_answers("idea_to_production"))
    for expected in (
        "Changes a month: 12",
        "Deployment frequency: Between once per week and once per month",
        "Lead time for changes: Between one week and one month",
        "Change failure rate: 15%",
        "Failed deployment recovery time: Less than one day",
        "Rework rate: 20%",
    ):
        assert expected in text, expected


def test_the_incident_summary_shows_detection_remediation_and_times(
    summaries: Summaries, catalog: Catalog
) -> None:
    text = render(summaries, catalog, "incident_response", full_answers("incident_response"))
    for expected in (
        "Time to detect: 25 min",
        "Time to diagnose: 3 h",
        "Time to restore: 5 h",
        "Incidents a month: 4",
        "Caused by a change: 60%",
        "A monitoring or alerting tool",
        "Customers report it",
        "Something else: A partner emails us",
        "Roll back to the previous version",
        "A hotfix that bypasses (part of) the pipeline",
    ):
        assert expected in text, expected


def test_the_toolchain_summary_shows_the_inventory_and_the_upkeep(
    summaries: Summaries, catalog: Catalog
) -> None:
    text = render(summaries, catalog, "toolchain", full_answers("toolchain"))
    for expected in (
        "Jenkins — CI builds; owned by Platform team; run by us; 7 releases behind the latest",
        "GitHub — Source control; owned by Developer experience; SaaS, the vendor upgrades it",
        "Upgrades a year: 14",
        "Typical upgrade time: 3 weeks",
        "Downtime per upgrade: 4 h",
        "Change window: Saturday nights",
        "Upkeep a month: 45 hours",
        "A CVE or security advisory",
        "End of life or end of support",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_a_summary_with_every_optional_answer_skipped_still_renders(
    summaries: Summaries, catalog: Catalog, dialog_id: str
) -> None:
    text = render(summaries, catalog, dialog_id, minimal_answers(dialog_id))
    assert "1. Just do it — Backend developer, 2 people" in text
    assert "Approval: none" in text and "Handoff: none" in text
    assert "Better would be: Small changes ship in 2 days" in text
    for absent in ("Tried so far", "Notes", "Rework:", "Main pain", "(by ", "None"):
        assert absent not in text, absent


# -- answered through the engine --------------------------------------------------------

SENDER = Person(platform="console", workspace="w", user_id="dana", name="Dana")
WHERE = ConversationRef(platform="console", workspace="w", channel="d")

# A plausible typed answer per kind of question (single values: ranges come later).
TYPED = {
    "text": "Something specific",
    "long_text": "A few sentences about it.",
    "number": "3",
    "duration": "2 hours",
    "percent": "80%",
    "yes_no": "yes",
    "date": "2027-06-30",
    "person": "me",
}


def walk(dialog: Dialog, items: int) -> dict[str, Any]:
    """Answer every question the way a participant types, ``items`` items per group."""
    turn = engine.start(dialog, "run1")
    last_path = None
    for _ in range(1000):
        question, slot = turn.messages[-1].question, turn.asking
        assert question is not None and slot is not None, "it stopped asking, unfinished"
        assert slot.path != last_path, f"{slot.path}: the typed answer was refused"
        last_path = slot.path
        if question.input == "add_another":
            answer = "yes" if (slot.item or 0) + 1 < items else "no"
        elif question.input in ("choice", "multi_choice"):
            answer = question.options[-1].label  # "Something else" shows the follow-ups
        else:
            answer = TYPED[question.input]
        inbound = Inbound(event_id=uuid.uuid4().hex, sender=SENDER, conversation=WHERE, text=answer)
        turn = engine.advance(dialog, turn.state, inbound, TODAY)
        for event in turn.events:
            if isinstance(event, engine.Completed):
                return event.answers
    raise AssertionError("the dialog never completed")


@pytest.mark.parametrize("dialog_id", INTERVIEWS)
def test_an_interview_answered_in_chat_completes_and_its_summary_renders(
    summaries: Summaries, catalog: Catalog, dialog_id: str
) -> None:
    dialog = catalog.get(dialog_id)
    answers = walk(dialog, items=2)
    shaped = engine.grouped(dialog, answers)
    steps = shaped["steps"]
    assert len(steps) == 2 and set(steps[0]) == set(STEP_IDS)
    # Every follow-up was shown: yes to the approval and the handoff, "other" picked.
    assert steps[1]["approver"] == "Something specific"
    assert steps[1]["handoff_to"] == "Something specific"
    assert steps[0]["process_time"] == 120 and steps[0]["complete_accurate"] == 80
    assert steps[0]["automation"] == "automated"
    text = text_of(summaries.render(dialog.summary_template, {"answers": shaped}))
    assert "2. Something specific — Something specific, 3 people" in text
    assert "Hands-on time: 2 h" in text and "Complete and accurate: 80%" in text
