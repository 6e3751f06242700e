"""What a walk through the assistant as its users found: an SA qualifying and planning
an assessment, customer engineers answering interviews, a PM running a delivery
engagement. Each test is a finding that a user would have stumbled on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from tests.chat import Chat
from tests.scenario import DELIVERY_PLAN, QUALIFIED, stored_answers
from tests.test_interview_flow import answer_everything

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def globex_room(assistant: Assistant) -> tuple[Chat, Chat]:
    """A delivery engagement set up by the SA, and its channel bound: (DM, channel)."""
    sa = Chat(assistant, "sa")
    await sa.say("new engagement")
    for answer in ("Globex", "Globex rollout", "2027-01-11", "2", "6", *DELIVERY_PLAN):
        await sa.say(answer)
    room = Chat(assistant, "sa", channel="globex-team", direct=False)
    await room.say("bind Globex rollout")
    return sa, room


async def test_a_text_answer_that_starts_with_change_is_an_answer(assistant: Assistant) -> None:
    """A step called "Change approval and deploy" (the CAB) is an answer, not a request to
    edit a question called "approval and deploy"; "change customer" still edits."""
    chat = Chat(assistant, "sa")
    await chat.say("qualify")
    await chat.say("Change Advisory Board Ltd")
    assert (await stored_answers(assistant.db))["customer"] == "Change Advisory Board Ltd"
    assert chat.question is not None and "opportunity discovery" in chat.question.text
    await chat.say("change customer")
    assert "Your answer was: Change Advisory Board Ltd" in chat.text
    await chat.say("edit Acme")  # the question asked again takes free text too
    assert (await stored_answers(assistant.db))["customer"] == "edit Acme"


async def plan_assessment(sa: Chat, participant: str) -> str:
    """Qualify Acme, educate and commit with one participant for idea to production,
    interviews only; the assessment's name."""
    await sa.play(QUALIFIED)
    await sa.say("commit")
    for answer in (
        "all",
        "skip",
        "Dana Scully (VP Engineering)",
        "1",
        "interviews",
        participant,
        "1",
        "skip",
        "2026-12-11",
        "no",
        "2 weeks",
        "all",
        "2026-12-22",
        "no",
    ):
        await sa.say(answer)
    name = next(line for line in sa.text.splitlines() if line.startswith("Value stream"))
    return name.split(": ", 1)[1]


def plan(chat: Chat) -> str:
    """The plan part of status (before the interviews' progress)."""
    return chat.text.split("The plan", 1)[1].split("\nInterviews\n", 1)[0]


async def test_someone_planned_by_name_and_invited_since_is_not_said_to_be_missing(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Planned by a typed name (not in the workspace then), invited by the same name
    later: the plan shows their interview's state, and drops them once they finished —
    it said "not in the workspace yet" to the end, in status and in the readout."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    engagement = await plan_assessment(sa, "omar")
    assert "(not in the workspace yet)" in sa.text
    await sa.say(f"interview idea-to-production omar for {engagement}")
    assert "Invited omar" in sa.text
    await sa.say(f"status for {engagement}")
    assert "not in the workspace yet" not in sa.text
    assert (
        "omar — Idea to Production, interview by Fri 11 Dec 2026 (in 10 days): not started yet"
        in plan(sa)
    )

    sam = Chat(assistant, "omar")
    await sam.open()
    await sam.click(sam.question.options[0].value if sam.question else "")
    await sam.say("London")  # then his interview, at once
    await answer_everything(sam)
    await sa.say(f"status for {engagement}")
    assert "omar —" not in plan(sa)


async def test_a_customer_participant_sees_only_their_engagement_and_no_sales_notes(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """A customer's engineer, invited to an interview, listed every engagement of the
    workspace (other customers too) and read our qualification of their company: its
    decision makers, our next steps, the pitch deck. The readout leaves those out too."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    acme = await plan_assessment(sa, "dana")
    await sa.say("new engagement")
    for answer in ("Globex", "Globex rollout", "2027-01-11", "2", "6", *DELIVERY_PLAN):
        await sa.say(answer)
    await sa.say("engagements")
    assert "Acme" in sa.text and "Globex rollout" in sa.text
    await sa.say(f"engagement {acme}")
    assert "Next steps" in sa.text  # our side reads the qualification

    await sa.say(f"interview idea-to-production dana for {acme}")
    dana = Chat(assistant, "dana")
    await dana.say("engagements")
    assert "Acme" in dana.text and "Globex" not in dana.text
    await dana.say("engagement Globex rollout")
    assert "I couldn't find an engagement called “Globex rollout”" in dana.text
    await dana.say(f"engagement {acme}")
    assert "Qualification: Qualified" in dana.text
    assert "Next steps" not in dana.text and "Decision makers" not in dana.text

    await sa.say(f"readout {acme}")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    text = document.content.decode()
    assert "Qualification" in text and "Next steps" not in text and "pitch deck" not in text


async def test_pov_in_the_channel_says_where_it_went_and_twice_is_one_dialog(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """`pov` in the engagement's channel answered nothing there (the dialog started in
    the DM unannounced), and `pov start` after it began a second dialog beside the first."""
    assistant, _clock = clocked
    sa, room = await globex_room(assistant)
    await room.say("pov")
    assert "I've sent you a direct message" in room.text
    assert sa.question is not None and "Where does the proof of value stand" in sa.question.text
    await room.say("pov start")
    assert "I've sent you a direct message" in room.text
    assert "waiting for you" not in sa.text
    assert sa.question is not None and "Where does the proof of value stand" in sa.question.text
    for answer in ("Planning", "2026-12-07", "2027-01-15", "Pipelines twice as fast", "skip"):
        await sa.say(answer)
    assert "Proof of value: Globex rollout" in sa.text
    assert "Record the proof of value" not in sa.text  # nothing left waiting


async def test_retro_again_while_one_is_under_way_says_the_next_step_not_finish(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """`retro` while one collects items said "Finish it first with retro finish", which
    ends it before anyone votes; it now says the stage's next step."""
    assistant, _clock = clocked
    _sa, room = await globex_room(assistant)
    await room.say("retro customer dana")
    await room.say("retro")
    said = room.text
    assert said.startswith("A customer retrospective of Globex rollout is under way")
    assert "retro finish" not in said and "retro close posts them for voting" in said
    assert "*" not in said
    await room.say("retro close")
    await room.say("retro")
    assert "Capture its actions with retro action" in room.text  # nobody gave items


async def test_the_timezone_question_paused_is_asked_again_not_twice(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Paused at the timezone question before her interview, Priya clicked Start again:
    a second timezone question began, and the first was offered forever after
    ("Resume: Your timezone") though her timezone was known. And its title read
    "Let's your timezone"."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await sa.say("new engagement")
    for answer in ("Globex", "Globex rollout", "2027-01-11", "2", "6", *DELIVERY_PLAN):
        await sa.say(answer)
    await sa.say("interview idea-to-production priya")
    priya = Chat(assistant, "priya")
    await priya.open()
    await priya.click(priya.question.options[0].value if priya.question else "")
    assert "Let's set your timezone." in priya.text
    await priya.say("pause")
    assert priya.question is not None
    assert [o.label for o in priya.question.options] == [
        "Start: Map your Idea to Production workflow"
    ]
    await priya.click(priya.question.options[0].value)
    assert "Which timezone are you in?" in priya.text
    await priya.say("London")
    # Answered, the interview she clicked starts at once: no second Start to click.
    assert priya.question is not None and "Question 1 of" in (priya.question.position or "")
    assert "Start: Map your Idea to Production workflow" not in priya.text


def test_every_dialog_title_reads_after_lets() -> None:
    """The dialog starts with "Let's <title>": a title is what the person does."""
    from assistant.definitions import load_catalog

    verbs = {"qualify", "educate", "start", "map", "record", "log", "change", "add", "set"}
    verbs |= {"answer"}
    titles = {d.id: d.title for d in load_catalog().dialogs.values()}
    assert {i: t for i, t in titles.items() if t.split()[0].lower() not in verbs} == {}


async def test_help_is_grouped_and_offers_only_what_the_person_can_do_here(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Help had grown to 26 commands in one list, offered a customer's engineer the SA's
    qualify and commit, retro and checklist (refused when typed), bind to people who may
    not bind, an assessment's channel the ceremony schedule it refuses, and showed
    "say *resume*" with its asterisks."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    acme = await plan_assessment(sa, "dana")
    await sa.say("help")
    said = sa.text
    for section in ("Get started", "Discovery and findings", "Delivery", "RAID log"):
        assert f"\n{section}\n" in said
    assert said.index("Get started") < said.index("qualify") < said.index("Discovery")
    assert "say resume to pick up" in said and "*" not in said

    await sa.say(f"interview idea-to-production dana for {acme}")
    dana = Chat(assistant, "dana")
    await dana.say("help")
    offered = dana.text
    for refused in ("qualify", "commit", "retro", "checklist", "schedule", "kickoff", "bind"):
        assert f"\n• {refused}" not in offered, refused
    assert "\n• status" in offered and "\n• answers" in offered

    room = Chat(assistant, "sa", channel="acme-assessment", direct=False)
    await room.say(f"bind {acme}")
    await room.say("help")
    for refused in ("checklist", "schedule", "kickoff"):
        assert f"\n• {refused}" not in room.text, refused
    assert "\n• bind" in room.text and "\n• readout" in room.text
    dana_here = Chat(assistant, "dana", channel="acme-assessment", direct=False)
    await dana_here.say("help")
    assert "\n• bind" not in dana_here.text and "\n• readout" not in dana_here.text


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        (42, "6 weeks"),  # was "1 month 12 days"
        (35, "5 weeks"),
        (91, "13 weeks"),
        (30, "1 month"),
        (45, "1.5 months"),
        ((5, 10), "5–10 days"),  # was "5 days – 1 week 3 days"
        ((42, 56), "6–8 weeks"),  # was "1 month 12 days – 1 month 26 days"
        ((8, 28), "8–28 days"),  # was "1 week 1 day – 4 weeks"
        ((2, 7), "2 days – 1 week"),
        ((0, 10), "0–10 days"),
    ],
)
def test_durations_read_as_people_said_them(days: float | tuple[float, float], shown: str) -> None:
    """A participant said "6 to 8 weeks" and read back "1 month 12 days – 1 month 26 days"
    (a month is 30 days), in their summary, the findings and the readout."""
    from assistant.parsing import format_duration, parse_duration

    day = 24 * 60.0
    if isinstance(days, tuple):
        value = {"low": days[0] * day, "typical": None, "high": days[1] * day}
        assert format_duration(value) == shown  # type: ignore[arg-type]
        assert parse_duration(shown, allow_range=True) == pytest.approx(value)
    else:
        assert format_duration(days * day) == shown
        assert parse_duration(shown) == pytest.approx(days * day)


def test_the_map_ends_at_its_last_step_and_names_the_value_stream() -> None:
    """The picture drew a wait rung marked "?" after the last step, as if a wait were
    unknown there (the value stream ends), and was titled "Value stream map: Map your
    Idea to Production workflow" after the interview."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from assistant.findings import WorkflowFindings
    from assistant.vsm_picture import MapInput, MapStep, build_figure, map_of

    steps = tuple(
        MapStep(f"Step {n}", "Dev", (60, 60, 60), (600, 600, 600) if n < 3 else None, None, None)
        for n in (1, 2, 3)
    )
    # Nothing waited before step 1 either: no rung there.
    none = (0.0, 0.0, 0.0)
    figure = build_figure(MapInput("Idea to Production", steps, None, None, None, None, 2, none))
    FigureCanvasAgg(figure).draw()
    drawn = {t.get_gid(): t.get_text() for ax in figure.axes for t in ax.texts}
    assert "wait-0" in drawn and "wait-1" in drawn and "wait-2" not in drawn
    assert "wait-start" not in drawn
    assert "?" not in drawn.values()

    workflow = WorkflowFindings(
        dialog_id="idea_to_production",
        title="Map your Idea to Production workflow",
        respondents=("dana",),
        steps=(),
        lead_time=None,
        process_time=None,
        flow_efficiency=None,
        rolled_ca=None,
        ca_steps=0,
        per_person_lead=(),
        felt_end_to_end=None,
        bottlenecks=(),
        disagreements=(),
        pains=(),
        better=(),
    )
    assert map_of(workflow).title == "Idea to Production"


def test_the_terminal_reads_at_names_as_mentions() -> None:
    from adapters.console import to_inbound

    inbound = to_inbound("interview idea-to-production @priya and @omar.", "sam", None)
    assert [(p.user_id, p.platform) for p in inbound.mentions] == [
        ("priya", "console"),
        ("omar", "console"),
    ]
    assert to_inbound("priya@acme.example", "sam", None).mentions == ()


def test_in_the_terminal_people_planned_with_at_are_invited_at_commitment(
    database_url: str,
) -> None:
    """`vsa chat`: "@priya" as a participant of the plan was kept as a name "not in the
    workspace yet", and "invite them now" invited nobody, without a word."""
    import subprocess

    from tests.test_chat_cli import VSA, env, typed

    script = [*typed(QUALIFIED), "commit", "all", "skip", "Dana Scully", "1", "interviews"]
    script += ["@priya", "1", "skip", "2026-12-15", "no", "2 weeks", "all", "2026-12-22", "yes"]
    done = subprocess.run(
        [*VSA, "chat", "--user", "sam"],
        input="\n".join(script) + "\n",
        capture_output=True,
        text=True,
        env=env(database_url),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "(not in the workspace yet)" not in done.stdout
    assert "Invited priya to Map your Idea to Production workflow" in done.stdout


async def test_status_of_a_delivery_without_interviews_points_to_its_logs(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """`status` in a delivery's channel ended "Nobody has been invited yet. Try interview
    idea-to-production @person." — an assessment's next step, not a delivery's."""
    assistant, _clock = clocked
    _sa, room = await globex_room(assistant)
    await room.say("status")
    assert "Checklist: 0 of 15 done" in room.text
    assert "interview" not in room.text and "Nobody has been invited" not in room.text
    assert "raid lists the open risks" in room.text


async def test_schedule_list_shows_the_next_ceremonies_not_a_week_of_standups(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """`schedule list` listed the next eight reminders: eight daily standups, and not
    when the next iteration planning or review is."""
    assistant, _clock = clocked
    sa, room = await globex_room(assistant)
    await room.say("schedule")
    for answer in ("London", "1", "1", "09:30", "11:00"):
        await sa.say(answer)
    assert "Schedule set: Globex rollout" in sa.text
    await room.say("schedule list")
    listing = room.text
    assert listing.count("Daily standup") == 1
    assert "Mon 11 Jan 09:30 — Daily standup (Iteration 0)" in listing
    assert "Mon 25 Jan 10:00 — Iteration planning (Iteration 1)" in listing
    assert "Fri 05 Feb 14:00 — Iteration review (Iteration 1)" in listing


async def test_a_customer_engineer_is_offered_their_interview_not_the_sas_menu(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Anything Priya typed that was not understood answered with the SA's menu:
    qualify an opportunity, educate and commit, start an engagement."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    acme = await plan_assessment(sa, "priya")
    await sa.say(f"interview idea-to-production priya for {acme}")
    priya = Chat(assistant, "priya")
    await priya.say("what now?")
    assert priya.question is not None
    labels = [o.label for o in priya.question.options]
    assert "Qualify an opportunity" not in labels and "Start an engagement" not in labels
    assert "Help" in labels
    await sa.say("hello")
    assert sa.question is not None and "Qualify an opportunity" in [
        o.label for o in sa.question.options
    ]


async def test_binding_a_delivery_channel_suggests_delivery_commands(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    _sa, room = await globex_room(assistant)
    assert "This channel is now Globex rollout's" in room.text
    assert "interview" not in room.text and "raid add risk" in room.text


def test_no_question_shows_markup_asterisks() -> None:
    """A question's text is plain on every platform: "(say *skip* if nothing)" showed
    its asterisks in the retro's questions."""
    from assistant.definitions import GroupStep, load_catalog

    def prompts(steps: list[Any]) -> list[str]:
        found = []
        for step in steps:
            found.append(step.prompt)
            if isinstance(step, GroupStep):
                found += [step.more_prompt or "", step.start_prompt or ""]
                found += prompts(step.steps)
        return found

    marked = [
        (d.id, p) for d in load_catalog().dialogs.values() for p in prompts(d.steps) if "*" in p
    ]
    assert marked == []


def test_a_short_wait_beside_long_ones_is_no_bottleneck() -> None:
    """Three steps waiting about 5 days, 14 hours and a week: all three were "Long wait"
    bottlenecks, and every box of the map was red."""
    from assistant.findings import value_stream
    from tests.test_findings import DAY, HOUR, person, step

    priya = person(
        "priya",
        step("Refine", 4 * HOUR, 5 * DAY, 80),
        step("Code", 2 * DAY, 14 * HOUR, 85),
        step("Deploy", 2 * HOUR, 7 * DAY, 70),
    )
    found = value_stream("i2p", "Idea to Production", [priya])
    waits = [b.step.name for b in found.bottlenecks if b.kind == "wait"]
    assert waits == ["Deploy", "Refine"]


async def test_a_command_typed_in_the_middle_of_a_dialog_says_how_to_get_to_it(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Mid-dialog, `raid` answered only "I couldn't match “raid” to an option": a busy
    PM did not know they were still in a dialog, nor how to get out of it."""
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await sa.say("new engagement")
    for answer in ("Globex", "Globex rollout", "2027-01-11", "2"):
        await sa.say(answer)
    await sa.say("6")
    await sa.say("raid")  # at the use case, a choice
    assert "You're in the middle of Start an engagement" in sa.text
    assert "say pause, then raid; resume brings you back here" in sa.text
    assert sa.question is not None and "Which use case" in sa.question.text
    await sa.say("status")  # the dialog's own word: no hint
    assert "You're in the middle of" not in sa.text
    await sa.say("Tool adoption")
    assert "You're in the middle of" not in sa.text


def test_the_readout_names_each_value_stream_as_the_stakeholders_know_it() -> None:
    """The readout's sections were headed "Map your Idea to Production workflow": the
    interview's invitation, not the value stream an executive reads about."""
    from assistant.definitions import load_catalog
    from tests.test_readout import document

    markdown = document(load_catalog(), "md")
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert "### Idea to Production" in headings
    assert not [h for h in headings if h.startswith("### Map your")]


async def test_skipping_a_retro_question_moves_on_without_asking_for_another(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Nothing went well, said "skip"... and was asked "Anything else that went well?"."""
    assistant, _clock = clocked
    _sa, room = await globex_room(assistant)
    await room.say("retro customer dana")
    dana = Chat(assistant, "dana")
    await dana.click("start")
    await dana.say("skip")
    assert dana.question is not None and "What did not go well?" in dana.question.text
    await dana.say("Flaky staging")
    assert dana.question is not None and "Anything else that did not go well?" in (
        dana.question.text
    )


def test_a_dora_key_answered_as_a_range_says_what_the_answers_span() -> None:
    """ "10–25% (usually 15%) — medium, reaching high to medium": an executive could not
    tell what reached what."""
    from assistant import texts

    line = texts.DORA_KEY_RANGE.format(
        answer="10–25% (usually 15%)", band="medium", best="high", worst="medium", table="10%"
    )
    assert line == "10–25% (usually 15%) — medium; the answers span high to medium (table: 10%)"


async def test_the_retro_recap_counts_who_sent_items_not_who_was_asked(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Finished before anyone answered, the recap said "2 people took part"."""
    assistant, _clock = clocked
    _sa, room = await globex_room(assistant)
    await room.say("retro customer dana lee")
    dana = Chat(assistant, "dana")
    await dana.click("start")
    for answer in ("Clear goals", "no", "skip", "skip"):
        await dana.say(answer)
    await room.say("retro close")
    await room.say("retro vote close")
    await room.say("retro finish")
    assert "Facilitated by sa; 1 of 3 people sent their items." in room.text
