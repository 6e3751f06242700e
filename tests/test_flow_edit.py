"""Flow items fixed after the fact, in the terminal chat on an injectable clock: a typo in
a title renamed (the item keeps its number, its history the old title); an item recorded
by mistake removed (gone from ``flow``, the summary's flow metrics and the readout, but
kept, with who removed it and when, and its number never taken again); participants may
do neither; hostile titles stay text."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import inspect, select

from adapters.slack.render import render as slack_render
from adapters.slack.testing import markup_texts, shown
from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from storage.models import FlowItem, FlowTransition
from tests.chat import Chat
from tests.test_migrations import _migrate
from tests.test_raid import set_up_engagement

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> *bold* [x](http://evil) | # h"


async def test_a_typo_is_renamed_and_the_history_keeps_the_old_title(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow add feature Logn page")
    await sa.say("flow add defect Crash on save")
    await sa.say("flow start 1")
    await sa.say("flow start 2")
    clock.advance(days=2)
    await sa.say("flow done 2")
    clock.advance(days=1)

    await sa.say("flow rename 1 Login page")
    assert "Renamed #1: Logn page → Login page. Its history keeps the old title." in sa.text
    await sa.say("flow rename #2 Crash on  save when offline")  # a done item, spaces tidied
    assert "Renamed #2: Crash on save → Crash on save when offline." in sa.text

    await sa.say("flow")
    assert "#1 Login page — active, started 3 days ago" in sa.text
    assert "Logn" not in sa.text
    await sa.say("flow show 1")
    said = sa.text
    assert "#1 Login page" in said and "State: active" in said
    assert "01 Dec 2026 09:00 — sa: recorded it" in said
    assert "04 Dec 2026 09:00 — sa: renamed it: Logn page → Login page" in said

    # A rename changes no state: #2 was done after 2 days, not when it was renamed; #1
    # has been active all along.
    await sa.say("summary")
    said = sa.text
    assert "Flow time: median 2 days, 85th percentile 2 days (of the 1 done)" in said
    assert "Flow efficiency: 100% active" in said
    assert "#1 Login page — feature, active (3 days since started)" in said
    assert "Crash on save when offline" not in said  # done: not in progress

    # A hostile new title stays text: the reply and the history, as Slack reads them.
    messages = [*await sa.say(f"flow rename 1 {HOSTILE}"), *await sa.say("flow show 1")]
    assert len(messages) == 2
    for message in messages:
        posts = [{"text": p.text, "blocks": p.blocks} for p in slack_render(message)]
        parsed = " ".join(markup_texts(posts))
        assert "<!channel>" not in parsed and "<script>" not in parsed
        assert HOSTILE in shown([p["blocks"] for p in posts])

    def titles(session: Any) -> list[tuple[int, str]]:
        return [(i.number, i.title) for i in session.scalars(select(FlowItem)).all()]

    assert sorted(await assistant.db.run(titles)) == [
        (1, HOSTILE),
        (2, "Crash on save when offline"),
    ]


async def test_an_item_recorded_by_mistake_is_removed_from_the_list_metrics_and_readout(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Day 0: #1 Login page and #2 (its duplicate) started, #3 defect started, #4 recorded
    as a feature by mistake (the same crash); day 1: #3 and #4 done."""
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    for kind, title in (
        ("feature", "Login page"),
        ("feature", "Login page"),
        ("defect", "Crash on save"),
        ("feature", "Crash on save"),
    ):
        await sa.say(f"flow add {kind} {title}")
    for number in (1, 2, 3):
        await sa.say(f"flow start {number}")
    clock.advance(days=1)
    await sa.say("flow done 3")
    await sa.say("flow done 4")
    clock.advance(days=1)

    await sa.say("summary")
    said = sa.text
    assert "Flow velocity: 2 done in 2 days" in said
    assert "features 50% · defects 50% · risks 0% · debts 0% (of the 2 done)" in said
    assert "Flow load: 2 in progress now (2 active, 0 waiting)" in said
    assert "#2 Login page — feature, active" in said

    await sa.say("flow remove 2")
    assert (
        "Removed #2 Login page from Acme VSA: it no longer counts in the flow items nor the "
        "flow metrics. flow show 2 still shows its history."
    ) in sa.text
    await sa.say("flow delete 4")  # the synonym
    assert "Removed #4 Crash on save from Acme VSA" in sa.text

    await sa.say("flow")
    said = sa.text
    assert "#1 Login page — active" in said and "#2" not in said
    assert "1 done so far" in said  # #3; #4 no longer counts

    await sa.say("summary")
    said = sa.text
    assert "Flow velocity: 1 done in 2 days" in said
    assert "features 0% · defects 100% · risks 0% · debts 0% (of the 1 done)" in said
    assert "Flow time: median 1 day, 85th percentile 1 day (of the 1 done)" in said
    assert "Flow load: 1 in progress now (1 active, 0 waiting)" in said
    assert "#1 Login page — feature, active" in said and "#2" not in said

    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    section = document.content.decode().split("## 2. Flow metrics", 1)[1].split("## 3.", 1)[0]
    assert r"| Flow load | 1 in progress now \(1 active, 0 waiting\) |" in section
    assert r"(of the 1 done)" in section.replace("\\", "")
    assert "#1" in section and "#2" not in section

    # Kept, not destroyed: flow show tells who removed it and when, with its history.
    clock.advance(hours=3)
    await sa.say("flow show 2")
    said = sa.text
    assert "#2 Login page" in said and "State: removed" in said
    assert (
        "Removed by sa on 03 Dec 2026 09:00: it no longer counts in the flow items nor the "
        "flow metrics."
    ) in said
    assert "01 Dec 2026 09:00 — sa: not started → active" in said
    assert "03 Dec 2026 09:00 — sa: active → removed" in said

    # Friendly answers: removed twice, renamed or moved once removed.
    await sa.say("flow remove 2")
    assert "#2 Login page was removed already, by sa on 03 Dec 2026 09:00." in sa.text
    await sa.say("flow rename 2 Login screen")
    assert "#2 Login page was removed by sa on 03 Dec 2026 09:00, so there's nothing" in sa.text
    await sa.say("flow start 2")
    assert "was removed by sa on 03 Dec 2026 09:00" in sa.text
    await sa.say("flow reopen 4")
    assert "#4 Crash on save was removed by sa" in sa.text

    # Its number is never taken again.
    await sa.say("flow add feature Search")
    assert "Recorded feature #5 Search in Acme VSA" in sa.text

    def stored(session: Any) -> tuple[list[tuple[int, str]], list[tuple[str | None, str]]]:
        items = session.scalars(select(FlowItem).order_by(FlowItem.number)).all()
        moves = session.execute(
            select(FlowTransition.old_state, FlowTransition.new_state)
            .join(FlowItem, FlowItem.id == FlowTransition.item_id)
            .where(FlowItem.number == 2)
            .order_by(FlowTransition.id)
        ).all()
        return [(i.number, i.state) for i in items], [(m[0], m[1]) for m in moves]

    items, moves = await assistant.db.run(stored)
    assert items == [(1, "active"), (2, "removed"), (3, "done"), (4, "removed"), (5, "new")]
    assert moves == [(None, "new"), ("new", "active"), ("active", "removed")]


async def test_with_every_item_removed_the_summary_has_no_flow_metrics(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow add feature Login page")
    await sa.say("summary")
    assert "Flow metrics" in sa.text
    await sa.say("flow remove 1")
    await sa.say("flow")
    assert "No open flow items" in sa.text
    await sa.say("summary")
    assert "Flow metrics" not in sa.text
    assert "Nothing to summarize for Acme VSA yet" in sa.text


async def test_refusals_friendly_answers_and_help(clocked: tuple[Assistant, FixedClock]) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow add feature Login page")
    await sa.say("flow rename 9 Anything")
    assert "There's no flow item #9 in Acme VSA. Say flow to list them." in sa.text
    await sa.say("flow remove 9")
    assert "There's no flow item #9 in Acme VSA" in sa.text
    await sa.say("flow rename")
    assert "Which item, and what should it be called? Say flow rename <number> <new title>" in (
        sa.text
    )
    await sa.say("flow rename Login page")
    assert "Which item, and what should it be called?" in sa.text
    await sa.say("flow rename 1")
    assert "What should #1 Login page be called? Say flow rename 1 <new title>." in sa.text
    await sa.say("flow rename 1 Login page")
    assert "#1 is called Login page already." in sa.text
    await sa.say(f"flow rename 1 {'x' * 300}")
    assert "That title is 300 characters long; keep it under 255" in sa.text
    await sa.say("flow remove")
    assert "Which item? Say flow remove <number>" in sa.text

    await sa.say("help")
    said = sa.text
    flow_section = said.split("Flow items\n", 1)[1].split("\n\n", 1)[0]
    assert "flow rename <number> <new title> — give a flow item a new title" in flow_section
    assert "flow remove <number> — a flow item recorded by mistake" in flow_section
    assert "flow add feature|defect|risk|debt <title>" in flow_section

    # A participant (invited to an interview) may look, not rename nor remove.
    await sa.say("interview idea-to-production cu")
    customer = Chat(assistant, "cu")
    await customer.say("flow rename 1 Sneaky")
    assert "Only members of Acme VSA can use flow rename — you are a participant" in (customer.text)
    await customer.say("flow delete 1")
    assert "Only members of Acme VSA can use flow remove" in customer.text
    await customer.say("flow")
    assert "#1 Login page — not started" in customer.text
    await customer.say("help")
    assert "flow show <number>" in customer.text and "flow rename" not in customer.text

    def items(session: Any) -> list[tuple[str, str]]:
        return [(i.title, i.state) for i in session.scalars(select(FlowItem)).all()]

    assert await assistant.db.run(items) == [("Login page", "new")]


async def test_0013_flow_renames_go_down_and_up_again(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Down, the renames leave the history (the title stays the new one) and the state
    changes stay; up again, the columns are back."""
    from alembic import command

    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow add feature Logn page")
    await sa.say("flow start 1")
    await sa.say("flow rename 1 Login page")

    def columns(connection: Any) -> set[str]:
        return {c["name"] for c in inspect(connection).get_columns("flow_transitions")}

    def rows(connection: Any) -> list[tuple[Any, ...]]:
        found = connection.exec_driver_sql(
            "SELECT t.old_state, t.new_state, i.title FROM flow_transitions t "
            "JOIN flow_items i ON i.id = t.item_id ORDER BY t.id"
        )
        return [tuple(r) for r in found]

    db = assistant.db
    assert {"old_title", "new_title"} <= await db.run_connection(columns)
    assert len(await db.run_connection(rows)) == 3
    await db.run_connection(partial(_migrate, step=command.downgrade, revision="0012"))
    assert not {"old_title", "new_title"} & await db.run_connection(columns)
    assert await db.run_connection(rows) == [
        (None, "new", "Login page"),
        ("new", "active", "Login page"),
    ]
    await db.run_connection(partial(_migrate, step=command.upgrade, revision="0013"))
    assert {"old_title", "new_title"} <= await db.run_connection(columns)
