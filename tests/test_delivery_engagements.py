"""Delivery engagements as the delivery methodology describes them (DESIGN.md §1.3), in
the terminal chat: the plan (use case, SOW / PO, roles, workstreams with their DRI), the
ceremony guideline's column and why, the Iteration 0 checklist and the eleven steps
marked done with who and when, the kickoff message with the eight principles, and the
proof of value's lifecycle announced in the engagement's channel, exported as CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant import methodology
from assistant.app import Assistant
from assistant.cli import app as cli
from assistant.clock import FixedClock
from assistant.definitions import ChoiceStep, DefinitionError, check_all, load_catalog
from assistant.delivery import POV_STATUSES, USE_CASES
from assistant.export import csv_cell, export_povs
from assistant.settings import Settings
from storage.models import (
    ChecklistMark,
    Engagement,
    EngagementMember,
    Participant,
    PovChange,
    ProofOfValue,
)
from tests.chat import Chat
from tests.scenario import DELIVERY_PLAN, QUALIFIED
from tests.test_interview_flow import text_to

TUESDAY = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    clock = FixedClock(TUESDAY)
    assistant = await Assistant.start(settings, clock=clock)
    yield assistant, clock
    await assistant.close()


async def set_up(
    sa: Chat, name: str = "Acme rollout", iterations: str = "6", plan: tuple[str, ...] = ()
) -> None:
    await sa.say("new engagement")
    for answer in ("Acme", name, "2027-01-11", "2", iterations, *(plan or DELIVERY_PLAN)):
        await sa.say(answer)
    assert f"Engagement set up: {name}" in sa.text, sa.text


async def engagement_named(assistant: Assistant, name: str) -> Engagement:
    found = await assistant.db.run(
        lambda s: s.scalar(select(Engagement).where(Engagement.name == name))
    )
    assert found is not None
    return found


# -- the guideline through the dialog's summary -----------------------------------------


@pytest.mark.parametrize(
    ("iterations", "weeks", "column", "why"),
    [
        (
            "4",
            "2",
            "the full schedule (> 5 iterations or more than two months)",
            "4 iterations of 2 weeks after Iteration 0 (10 weeks in all): more than two "
            "months, counting Iteration 0 as the table does, though not more than 5 iterations.",
        ),
        (
            "5",
            "1",
            "a light schedule (5 iterations or fewer)",
            "5 iterations of 1 week after Iteration 0 (6 weeks in all): exactly 5 iterations, "
            "which the table's columns leave open; the full schedule is for projects that "
            "exceed 5 iterations or two months, and this one does neither, so the lighter "
            "column applies.",
        ),
        (
            "6",
            "1",
            "the full schedule (> 5 iterations or more than two months)",
            "6 iterations of 1 week after Iteration 0 (7 weeks in all): more than 5 iterations.",
        ),
    ],
)
async def test_the_summary_and_show_say_which_column_of_the_guideline_and_why(
    assistant: Assistant, iterations: str, weeks: str, column: str, why: str
) -> None:
    sa = Chat(assistant)
    await sa.say("new engagement")
    for answer in ("Initech", "Initech pilot", "2031-02-03", weeks, iterations, *DELIVERY_PLAN):
        await sa.say(answer)
    summary = sa.text
    assert f"Ceremonies: {column}. {why}" in summary
    full = column.startswith("the full")
    assert ("Daily standup: yes (cadence agreed with the customer)" in summary) is full
    assert ("Iteration review (status report): weekly status at the minimum" in summary) is (
        not full
    )
    # Every row of the table, in either column.
    assert "Managed in the project's single source of truth: yes" in summary
    assert "Iteration 0: yes" in summary
    await sa.say("show initech pilot")
    assert f"Ceremonies: {column}. {why}" in sa.text


# -- the dialog end to end -----------------------------------------------------------------


async def test_a_delivery_engagement_from_a_qualification_records_its_plan_and_team(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await sa.play(QUALIFIED)
    await sa.click("engagement")
    # Prefilled from the qualification: the customer is not asked again.
    assert sa.question is not None and sa.question.text == "What should we call the engagement?"
    for answer in ("Acme rollout", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    assert sa.question is not None and sa.question.text == "Which use case is it?"
    await sa.click("devsecops_transformation")
    await sa.say("SOW-3184 / PO =4500012345")
    await sa.say("Priya")  # the project manager, by name (the terminal has no mentions)
    await sa.say("Sam")  # PSE
    await sa.say("skip")  # no TA yet
    await sa.say("SCM migration")
    await sa.say("Dana")
    await sa.say("yes")  # another workstream
    await sa.say("CI/CD <!channel> transition")
    await sa.say("me")
    await sa.say("no")
    summary = sa.text
    assert "Engagement set up: Acme rollout" in summary
    assert "Use case: DevSecOps transformation" in summary
    assert "SOW / PO: SOW-3184 / PO =4500012345" in summary
    assert "Project manager: Priya" in summary and "PSE: Sam" in summary
    assert "TA:" not in summary
    assert "SCM migration — DRI: Dana" in summary
    assert "CI/CD <!channel> transition — DRI: sa" in summary
    assert "Starts: 11 Jan 2027 (Iteration 0)" in summary

    engagement = await engagement_named(assistant, "Acme rollout")
    assert engagement.kind == "delivery"
    assert engagement.use_case == "devsecops_transformation"
    assert engagement.sow_reference == "SOW-3184 / PO =4500012345"
    assert engagement.qualification_run_id is not None
    assert engagement.team is not None
    assert [w["name"] for w in engagement.team["workstreams"]] == [
        "SCM migration",
        "CI/CD <!channel> transition",
    ]

    def roles(session: object) -> dict[str, str]:
        rows = session.execute(  # type: ignore[attr-defined]
            select(Participant.user_id, EngagementMember.role).join(
                EngagementMember, EngagementMember.participant_id == Participant.id
            )
        )
        return {user: role for user, role in rows}

    # The PM runs it (an owner, as the SA who set it up); the PSE and the DRIs are the
    # delivery team. Access ranks keep their meaning.
    assert await assistant.db.run(roles) == {
        "sa": "owner",
        "Priya": "owner",
        "Sam": "member",
        "Dana": "member",
    }

    # show and status tell where it stands.
    await sa.say("show acme rollout")
    shown = sa.text
    assert "Use case: DevSecOps transformation" in shown
    assert "Project manager: Priya" in shown and "SCM migration — DRI: Dana" in shown
    assert "Qualification: Qualified" in shown
    await sa.say("status acme rollout")
    status = sa.text
    assert "Use case: DevSecOps transformation" in status
    assert "Now: Iteration 0 starts 11 Jan 2027." in status
    assert "Checklist: 0 of 15 done; next: 1. Handover to delivery." in status
    assert "Ceremonies: the full schedule" in status
    assert "Daily standup: yes" not in status  # the guideline's rows are for show

    # The PM, an owner, may run it: the kickoff is theirs to post.
    priya = Chat(assistant, "Priya")
    await priya.say("kickoff")
    assert "Kickoff: Acme rollout" in priya.text


async def stored_by_hand(assistant: Assistant, **fields: Any) -> Chat:
    """An engagement stored as another release (or the commitment dialog) would, owned
    by the SA whose chat is returned."""
    sa = Chat(assistant, "sa")
    await sa.say("hi")

    def store(session: Any) -> None:
        person = session.scalar(select(Participant))
        session.add(Engagement(tenant="console:local", created_by_id=person.id, **fields))

    await assistant.db.run(store)
    return sa


async def test_an_engagement_set_up_before_the_plan_was_asked_still_shows(
    assistant: Assistant,
) -> None:
    sa = await stored_by_hand(
        assistant,
        slug="legacy",
        name="Legacy",
        customer="Old Co",
        start_date=date(2026, 1, 5),
        iterations=3,
        iteration_weeks=2,
    )
    await sa.say("show legacy")
    shown = sa.text
    assert "Customer: Old Co" in shown
    assert "Ceremonies: a light schedule" in shown
    assert "Use case" not in shown and "Project manager" not in shown
    assert "Now: the planned iterations ended 02 Mar 2026." in shown
    await sa.say("status legacy")
    assert "Checklist: 0 of 15 done" in sa.text


async def test_an_assessment_has_no_iteration_0_checklist_nor_kickoff(assistant: Assistant) -> None:
    sa = await stored_by_hand(
        assistant, slug="acme-vsa", name="Acme VSA", customer="Acme", kind="assessment"
    )
    for command in ("checklist", "kickoff"):
        await sa.say(f"{command} for acme vsa")
        assert "Acme VSA is a value stream assessment, not a delivery engagement" in sa.text
    await sa.say("show acme vsa")
    assert "Checklist" not in sa.text and "Ceremonies" not in sa.text
    await sa.say("pov outcome won for acme vsa")  # an opportunity all the same
    assert "The outcome of Acme VSA is now won." in sa.text


# -- the checklist ---------------------------------------------------------------------


def test_the_methodology_has_eight_principles_and_eleven_steps_after_iteration_0() -> None:
    method = methodology.shipped()
    assert len(method.principles) == 8 and len(method.steps) == 11
    assert [i.name for i in method.iteration0] == [
        "Handover to delivery",
        "Stakeholder planning",
        "Customer kickoff",
        "Discovery sessions",
    ]
    assert [e.number for e in method.checklist()] == list(range(1, 16))
    assert check_all() == []


def test_a_broken_methodology_file_fails_the_check(tmp_path: Path) -> None:
    (tmp_path / "methodology").mkdir()
    (tmp_path / "methodology" / "delivery.yaml").write_text(
        "iteration0: [{key: a, name: A}]\nprinciples: []\nsteps: []\n", encoding="utf-8"
    )
    with pytest.raises(DefinitionError, match="principles"):
        methodology.load(tmp_path)


async def test_the_checklist_is_marked_done_with_who_and_when_and_undone(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up(sa)
    await sa.say("checklist")
    listing = sa.text
    assert "Checklist: Acme rollout" in listing
    assert "☐ 1. Handover to delivery" in listing and "☐ 4. Discovery sessions" in listing
    assert "The eleven steps" in listing and "☐ 15. Assess and refine, regularly" in listing
    assert "0 of 15 done." in listing

    await sa.say("checklist done 1")
    assert "Marked done: 1. Handover to delivery — by sa, 01 Dec 2026 09:30 UTC." in sa.text
    clock.advance(days=2)
    await sa.say("checklist done kickoff")
    assert "Marked done: 3. Customer kickoff — by sa, 03 Dec 2026 09:30 UTC." in sa.text
    await sa.say("checklist done kickoff")
    assert "was done already — by sa, 03 Dec 2026 09:30 UTC" in sa.text
    await sa.say("checklist done scale")
    assert "Marked done: 14. Scale to other teams" in sa.text
    await sa.say("checklist done 99")
    assert "No checklist item matches “99”" in sa.text
    await sa.say("checklist done the")
    assert "More than one item matches" in sa.text
    await sa.say("checklist done")
    assert "Say checklist done and its number or name (1 to 15)" in sa.text

    await sa.say("checklist")
    listing = sa.text
    assert "☑ 1. Handover to delivery — done by sa, 01 Dec 2026 09:30 UTC" in listing
    assert "☑ 3. Customer kickoff — done by sa, 03 Dec 2026 09:30 UTC" in listing
    assert "☐ 2. Stakeholder planning" in listing
    assert "3 of 15 done." in listing

    await sa.say("checklist undo 14")
    assert "14. Scale to other teams, programs and portfolios is open again." in sa.text
    await sa.say("checklist undo 14")
    assert "is not marked done" in sa.text
    await sa.say("status")
    assert "Checklist: 2 of 15 done; next: 2. Stakeholder planning." in sa.text

    # The undone mark is kept: the checklist has its history.
    marks = await assistant.db.run(lambda s: s.scalars(select(ChecklistMark)).all())
    assert sorted((m.item, m.undone_at is not None) for m in marks) == [
        ("handover", False),
        ("kickoff", False),
        ("scale", True),
    ]

    # An invited participant sees it and cannot mark it; a stranger sees nothing.
    await sa.say("interview toolchain lee")
    lee = Chat(assistant, "lee")
    await lee.say("checklist")
    assert "☑ 1. Handover to delivery" in lee.text
    await lee.say("checklist done 2")
    assert "Only the delivery team of Acme rollout" in lee.text
    zed = Chat(assistant, "zed")
    await zed.say("checklist for acme rollout")
    assert "Handover" not in zed.text and "you are not part of it" in zed.text


async def test_the_kickoff_message_with_the_principles_goes_to_the_engagements_channel(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await set_up(sa)
    # No channel yet: the message is shown here, saying how to bind one.
    await sa.say("kickoff")
    assert "No channel is bound to Acme rollout" in sa.text
    assert "The eight principles we work by" in sa.text

    room = Chat(assistant, "sa", channel="acme-room", direct=False)
    await room.say("bind Acme rollout")
    await sa.say("kickoff")
    assert "Posted the kickoff message for Acme rollout in its channel." in sa.text
    posted = text_to(room)
    assert "Kickoff: Acme rollout" in posted
    assert "Use case: Tool adoption" in posted and "SCM migration — DRI: sa" in posted
    for principle in methodology.shipped().principles:
        assert f"{principle.name}: {principle.detail}" in posted
    for item in methodology.shipped().iteration0:
        assert item.name in posted
    assert "Ceremonies: the full schedule" in posted


# -- the proof of value --------------------------------------------------------------------


def test_the_dialogs_offer_the_codes_use_cases_and_statuses() -> None:
    catalog = load_catalog()
    use_case = catalog.get("engagement").step("use_case")
    state = catalog.get("pov").step("state")
    assert isinstance(use_case, ChoiceStep) and isinstance(state, ChoiceStep)
    assert {o.value: o.label for o in use_case.options} == USE_CASES
    assert {o.value: o.label for o in state.options} == POV_STATUSES
    assert catalog.started_by("pov") is catalog.get("pov")


async def test_the_pov_lifecycle_is_announced_in_the_channel_and_kept_with_its_history(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up(sa)
    room = Chat(assistant, "sa", channel="acme-room", direct=False)
    await room.say("bind Acme rollout")

    # No POV yet: `pov` starts its dialog, in the DM.
    await sa.say("pov")
    assert sa.question is not None and sa.question.text == "Where does the proof of value stand?"
    await sa.click("planning")
    await sa.say("2026-12-07")
    await sa.say("2027-01-15")
    await sa.say("<!channel> =cmd|' /C calc'!A0 pipelines under 10 minutes")
    await sa.say("skip")
    summary = sa.text
    assert "Proof of value: Acme rollout" in summary and "Status: Planning" in summary
    assert "Announced in the engagement's channel." in summary
    assert "Proof of value for Acme rollout: → Planning (sa)." in text_to(room)

    clock.advance(days=7)
    await sa.say("pov status in progress")
    assert "The proof of value of Acme rollout is now In Progress." in sa.text
    assert "Proof of value for Acme rollout: Planning → In Progress (sa)." in text_to(room)
    await sa.say("pov status In Progress")
    assert "is In Progress already" in sa.text
    await sa.say("pov status finished-ish")
    assert "Which status? One of: Not Started, Planning, In Progress" in sa.text

    # Typed in the channel, the announcement is the answer (not said twice).
    before = len(text_to(room).splitlines())
    await room.say("pov outcome won")
    announced = text_to(room).splitlines()[before:]
    assert announced == ["Opportunity Acme rollout: outcome open → won (sa)."]
    await sa.say("pov outcome maybe")
    assert "Which outcome? won, lost or open." in sa.text

    # Edited: the status asked again, the rest kept.
    await sa.say("pov edit")
    assert "Your earlier answers are kept" in sa.text
    assert sa.question is not None and sa.question.text == "Where does the proof of value stand?"
    await sa.click("completed")
    assert "Status: Completed" in sa.text and "Starts: 07 Dec 2026" in sa.text
    assert "Proof of value for Acme rollout: In Progress → Completed (sa)." in text_to(room)

    await sa.say("pov")
    view = sa.text
    assert "Outcome: won" in view and "Ends: 15 Jan 2027" in view
    assert "<!channel> =cmd" in view  # as typed; each renderer escapes it
    assert "01 Dec 2026 09:30 UTC — sa: status → Planning" in view
    assert "08 Dec 2026 09:30 UTC — sa: status Planning → In Progress" in view
    assert "outcome open → won" in view
    assert "status In Progress → Completed" in view
    await sa.say("status")
    assert "Proof of value: Completed (07 Dec 2026 – 15 Jan 2027); outcome: won." in sa.text

    changes = await assistant.db.run(lambda s: s.scalars(select(PovChange)).all())
    assert [(c.what, c.old, c.new) for c in changes] == [
        ("status", None, "planning"),
        ("status", "planning", "in_progress"),
        ("outcome", "open", "won"),
        ("status", "in_progress", "completed"),
    ]

    # A participant may not change it.
    await sa.say("interview toolchain lee")
    lee = Chat(assistant, "lee")
    await lee.say("pov status cancelled")
    assert "Only the members of Acme rollout" in lee.text or "can use pov" in lee.text
    povs = await assistant.db.run(lambda s: s.scalars(select(ProofOfValue)).all())
    assert [p.status for p in povs] == ["completed"]


async def test_without_a_bound_channel_a_status_change_says_it_was_not_announced(
    assistant: Assistant,
) -> None:
    sa = Chat(assistant, "sa")
    await set_up(sa)
    await sa.say("pov status planning")
    assert "The proof of value of Acme rollout is now Planning." in sa.text
    assert "No channel is bound to Acme rollout, so it was not announced" in sa.text


# -- the export ----------------------------------------------------------------------------


def test_a_cell_that_looks_like_a_formula_stays_text() -> None:
    for hostile in ("=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(hostile) == f"'{hostile}"
    assert csv_cell("Acme") == "Acme" and csv_cell(None) == ""


def test_the_pov_export_has_one_row_per_opportunity_and_compares_win_rates(
    settings: Settings, tmp_path: Path
) -> None:
    async def opportunities() -> None:
        assistant = await Assistant.start(settings)
        try:
            sa = Chat(assistant, "sa")
            await set_up(sa, name='=HYPERLINK("http://evil")')
            await sa.say("pov status completed")
            await sa.say("pov outcome won")
            await set_up(sa, name="Globex rollout", iterations="3")
            await sa.say("pov status completed for Globex rollout")
            await sa.say("pov outcome lost for Globex rollout")
            await set_up(sa, name="Initech rollout")
            await sa.say("pov outcome won for Initech rollout")
            await set_up(sa, name="@Umbrella rollout")  # open, no POV
        finally:
            await assistant.close()

    asyncio.run(opportunities())
    table, rates = asyncio.run(export_povs(settings))
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["engagement"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',
        "Globex rollout",
        "Initech rollout",
        "'@Umbrella rollout",
    ]
    assert [(r["had_pov"], r["pov_status"], r["outcome"]) for r in rows] == [
        ("yes", "Completed", "won"),
        ("yes", "Completed", "lost"),
        ("no", "", "won"),
        ("no", "", "open"),
    ]
    assert rates == (
        "Win rate with a POV 50% (1 won of 2 closed); without a POV 100% (1 won of 1 closed); "
        "1 still open."
    )

    # The command line: CSV to a file (or stdout), the win rates on stderr.
    out = tmp_path / "povs.csv"
    env = {"DATABASE_URL": settings.DATABASE_URL}
    result = CliRunner().invoke(cli, ["export", "--pov", "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == table
    assert "Win rate with a POV 50%" in result.stderr
    result = CliRunner().invoke(cli, ["export", "--pov"], env=env)
    assert result.exit_code == 0 and result.stdout == table


async def test_0008_keeps_engagements_of_before_and_goes_back_down(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text as sql

    from storage.db import Database
    from tests.test_migrations import _migrate

    db = Database.from_url(database_url)
    now = datetime.now(UTC)
    try:
        await db.upgrade()
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0006"))

        def old_rows(connection: Any) -> None:
            connection.execute(
                sql(
                    "INSERT INTO participants (platform, workspace, user_id, created_at, "
                    "updated_at) VALUES ('console', 'local', 'sa', :now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                sql(
                    "INSERT INTO engagements (tenant, slug, name, customer, status, "
                    "created_by_id, created_at) VALUES ('console:local', 'old', 'Old', "
                    "'Old Co', 'active', 1, :now)"
                ),
                {"now": now},
            )

        await db.run_connection(old_rows)
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="head"))
        found = await db.run(lambda s: s.scalar(select(Engagement)))
        assert found is not None and found.kind == "delivery"
        assert (found.use_case, found.team, found.outcome) == (None, None, None)
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0006"))
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="head"))
    finally:
        await db.close()
