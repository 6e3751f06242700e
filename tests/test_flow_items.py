"""Flow items in the terminal chat, on an injectable clock: a delivery team records
features, defects, risks and debts as the work moves (started, waiting, resumed, done);
``flow`` lists the open ones with their age; ``summary`` and the readout show the flow
metrics, against figures worked by hand; participants may look but not record; hostile
titles stay text in every format."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import select

from adapters.slack.render import render as slack_render
from adapters.slack.testing import markup_texts, shown
from adapters.teams.render import render as teams_render
from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from storage.db import Database
from storage.models import Engagement, FlowItem, FlowTransition, Participant
from tests.chat import Chat
from tests.test_migrations import _migrate
from tests.test_raid import set_up_engagement

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> *bold* [x](http://evil) | # h"


async def record_a_week(sa: Chat, clock: FixedClock) -> None:
    """A week of work, every figure worked by hand below.

    day 0  #1 feature, #2 defect, #3 debt (hostile title), #4 risk recorded; #1 started
    day 1  #2 started
    day 2  #1 waits (active 2 days)
    day 3  #2 done: flow time 2 days, active 2 days
    day 4  #1 resumed (it waited 2 days)
    day 5  #1 done: flow time 5 days, active 2 + 1 = 3 days; #3 started
    day 6  #3 waits (active 1 day); #4 done, never started: 6 days from when it was
           recorded, active time unknown; #5 feature recorded, not started
    """
    for kind, title in (
        ("feature", "Login page"),
        ("defect", "Crash on save"),
        ("debt", HOSTILE),
        ("risk", "Vendor API keys"),
    ):
        await sa.say(f"flow add {kind} {title}")
        assert "Recorded" in sa.text, sa.text
    await sa.say("flow start 1")
    assert "Started #1 Login page: it's active now" in sa.text
    clock.advance(days=1)
    await sa.say("flow start 2")
    clock.advance(days=1)
    await sa.say("flow wait 1")
    assert "#1 Login page is waiting now" in sa.text
    clock.advance(days=1)
    await sa.say("flow done 2")
    assert "Done: #2 Crash on save, after 2 days in the flow" in sa.text
    clock.advance(days=1)
    await sa.say("flow resume 1")
    assert "#1 Login page is active again" in sa.text
    clock.advance(days=1)
    await sa.say("flow done 1")
    assert "after 5 days in the flow" in sa.text
    await sa.say("flow start 3")
    clock.advance(days=1)
    await sa.say("flow wait 3")
    await sa.say("flow done 4")
    assert "It was never started, so its flow time counts from when it was recorded" in sa.text
    await sa.say("flow add feature Search")
    assert "Recorded feature #5 Search in Acme VSA" in sa.text


async def test_a_week_of_flow_items_gives_hand_worked_metrics(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("summary")
    assert "Flow metrics" not in sa.text  # no flow items: no section
    await record_a_week(sa, clock)

    clock.advance(days=1)  # day 7
    await sa.say("flow")
    listing = sa.text
    assert "Flow items — Acme VSA" in listing
    assert "Debts\n" in listing and "— waiting for 1 day, started 2 days ago" in listing
    assert "Features\n" in listing and "#5 Search — not started, recorded 1 day ago" in listing
    assert "Login page" not in listing and "Crash on save" not in listing  # done
    assert "3 done so far" in listing

    await sa.say("summary")
    said = sa.text
    assert "Flow metrics" in said
    assert "Since the first item was recorded (01 Dec 2026 – 08 Dec 2026, 1 week)." in said
    # Three done in one week: #1 (5 days), #2 (2 days), #4 (6 days).
    assert "Flow velocity: 3 items a week (3 done in 1 week)" in said
    assert (
        "Flow distribution: features 33.3% · defects 33.3% · risks 33.3% · debts 0% (of the 3 done)"
    ) in said
    # 2, 5, 6 days: the median 5; the 85th percentile is the 3rd of 3 (nearest rank).
    assert "Flow time: median 5 days, 85th percentile 6 days (of the 3 done)" in said
    # Active over flow time of the items that were started: (3 + 2) / (5 + 2) days.
    assert "Flow efficiency: 71.4% active of the flow time (of the 2 done that were started)" in (
        said
    )
    assert "Flow load: 1 in progress now (0 active, 1 waiting); 1 not started" in said
    assert f"#3 {HOSTILE} — debt, waiting (2 days since started)" in said

    # Five weeks on: the window is the last four weeks, in which nothing was finished.
    clock.advance(days=33)  # day 40
    await sa.say("flow resume 3")
    await sa.say("summary")
    said = sa.text
    assert "Over the last 4 weeks (13 Dec 2026 – 10 Jan 2027)." in said
    assert "Flow velocity: 0 items a week (0 done in 4 weeks)" in said
    assert "Flow distribution: features 0% · defects 0% · risks 0% · debts 100% " in said
    assert "(of the 1 in progress; none done in this window)" in said
    assert "Flow time: nothing done in this window" in said
    assert "Flow load: 1 in progress now (1 active, 0 waiting); 1 not started" in said

    # Every change is stored with who made it and when.
    def stored(session: Any) -> tuple[list[tuple[int, str, str]], list[tuple[str | None, str]]]:
        items = session.scalars(select(FlowItem).order_by(FlowItem.number)).all()
        moves = session.execute(
            select(FlowTransition.old_state, FlowTransition.new_state, Participant.user_id)
            .join(FlowItem, FlowItem.id == FlowTransition.item_id)
            .join(Participant, Participant.id == FlowTransition.participant_id)
            .where(FlowItem.number == 1)
            .order_by(FlowTransition.id)
        ).all()
        assert {m[2] for m in moves} == {"sa"}
        return [(i.number, i.kind, i.state) for i in items], [(m[0], m[1]) for m in moves]

    items, moves = await assistant.db.run(stored)
    assert items == [
        (1, "feature", "done"),
        (2, "defect", "done"),
        (3, "debt", "active"),
        (4, "risk", "done"),
        (5, "feature", "new"),
    ]
    assert moves == [
        (None, "new"),
        ("new", "active"),
        ("active", "waiting"),
        ("waiting", "active"),
        ("active", "done"),
    ]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_the_readout_shows_the_flow_metrics_and_hostile_titles_stay_text(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await record_a_week(sa, clock)
    clock.advance(days=1)

    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    markdown = document.content.decode()
    section = markdown.split("## 2. Flow metrics", 1)[1].split("## 3.", 1)[0]  # a delivery's
    # Markdown escapes every value (brackets included); the figures read the same.
    assert r"| Flow velocity | 3 items a week \(3 done in 1 week\) |" in section
    assert r"| Flow efficiency | 71\.4% active of the flow time" in section
    assert "**In progress now:**" in section
    assert "<script>" not in markdown and "<!channel>" not in markdown
    assert "\\<script\\>" in section and "\\*bold\\*" in section

    def html(session: Any) -> str:
        engagement = session.scalar(select(Engagement))
        return str(assistant.service.reports.document(session, engagement, "html"))

    page = await assistant.db.run(html)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = _Text()
    parsed.feed(page)
    assert "script" not in parsed.tags
    text = "".join(parsed.text)
    assert "Flow metrics" in text and f"#3 {HOSTILE} — debt, waiting" in text

    # The channel summary: Slack mrkdwn and Teams cards escape the title.
    await sa.say("summary")
    [flow_message] = [m for m in sa.replies if "Flow metrics" in m.plain_text()]
    posts = [{"text": p.text, "blocks": p.blocks} for p in slack_render(flow_message)]
    parsed = " ".join(markup_texts(posts))  # what Slack reads for pings, links and styles
    assert "<!channel>" not in parsed and "<script>" not in parsed
    assert f"#3 {HOSTILE}" in shown([p["blocks"] for p in posts])  # shown as typed
    # Teams: the title only ever in a TextRun, which Adaptive Cards never read as Markdown.
    carriers: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if HOSTILE in str(node.get("text", "")):
                carriers.append(str(node.get("type")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(teams_render(flow_message))
    assert carriers and set(carriers) == {"TextRun"}


async def test_refusals_and_friendly_answers(clocked: tuple[Assistant, FixedClock]) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow")
    assert "No open flow items" in sa.text
    await sa.say("flow add widget Something")
    assert "What should I record? Say flow add feature <title>" in sa.text
    await sa.say("flow add defect")
    assert "What is it called? Say flow add defect <title>" in sa.text
    await sa.say("flow add bug Crash on save")  # "bug" is a defect
    assert "Recorded defect #1 Crash on save" in sa.text
    await sa.say("flow done 9")
    assert "There's no flow item #9 in Acme VSA. Say flow to list them." in sa.text
    await sa.say("flow start")
    assert "Which item? Say flow start <number>" in sa.text
    await sa.say("flow wait 1")
    assert "#1 Crash on save hasn't been started yet. Say flow start 1 first." in sa.text
    await sa.say("flow resume 1")
    assert "hasn't been started yet" in sa.text
    await sa.say("flow start 1")
    await sa.say("flow start 1")
    assert "#1 Crash on save is active already." in sa.text
    await sa.say("flow done 1")
    await sa.say("flow done 1")
    assert "#1 Crash on save is done already." in sa.text
    await sa.say("flow close 1")
    assert "I don't know flow close 1. Say flow for the open items" in sa.text
    await sa.say("flow Acme VSA")  # an engagement named without "for"
    assert "Flow items — Acme VSA" in sa.text
    await sa.say(f"flow add feature {'x' * 300}")
    assert "That title is 300 characters long; keep it under 255" in sa.text

    # A participant (invited to an interview) may look, not record nor move items.
    await sa.say("interview idea-to-production cu")
    customer = Chat(assistant, "cu")
    await customer.say("flow")
    assert "Flow items — Acme VSA" in customer.text
    await customer.say("flow add feature Sneaky")
    assert "Only members of Acme VSA can use flow add — you are a participant" in customer.text
    await customer.say("flow start 1")
    assert "Only members" in customer.text

    def titles(session: Any) -> list[str]:
        return list(session.scalars(select(FlowItem.title)).all())

    assert await assistant.db.run(titles) == ["Crash on save"]


async def test_in_the_engagements_channel_or_for_an_engagement(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    channel = Chat(assistant, "sa", channel="acme-team", direct=False)
    await channel.say("bind Acme VSA")
    await channel.say("flow add feature Support for SSO")  # "for" in a title
    assert "Recorded feature #1 Support for SSO in Acme VSA" in channel.text
    await sa.say("flow add risk Licence renewal for Acme VSA")
    assert "Recorded risk #2 Licence renewal in Acme VSA" in sa.text
    await sa.say("flow start 2 for Acme VSA")
    assert "Started #2 Licence renewal" in sa.text
    await channel.say("flow")
    assert "Support for SSO" in channel.text and "Licence renewal" in channel.text
    await channel.say("summary")
    assert "Flow load: 1 in progress now (1 active, 0 waiting); 1 not started" in channel.text


async def test_0012_flow_tables_go_down_and_up_again(database_url: str) -> None:
    """The flow tables come and go with their migration (the lead re-chains it)."""
    from alembic import command
    from sqlalchemy import inspect

    db = Database.from_url(database_url)
    try:
        await db.upgrade()

        def tables(connection: Any) -> set[str]:
            return set(inspect(connection).get_table_names())

        assert {"flow_items", "flow_transitions"} <= await db.run_connection(tables)
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0011"))
        assert not {"flow_items", "flow_transitions"} & await db.run_connection(tables)
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="0012"))
        assert {"flow_items", "flow_transitions"} <= await db.run_connection(tables)
    finally:
        await db.close()


async def test_a_done_said_by_mistake_is_undone_and_the_history_says_who_did_what(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("flow add feature Login page")
    await sa.say("flow add defect Crash on save")
    await sa.say("flow start 1")
    clock.advance(hours=2)
    await sa.say("flow done 1")  # meant #2
    await sa.say("flow reopen 2")
    assert "#2 Crash on save isn't done, so there's nothing to reopen." in sa.text
    await sa.say("flow reopen 1")
    assert "#1 Login page is open again (active); its flow time goes on." in sa.text
    await sa.say("flow done 2")
    await sa.say("flow reopen 2")
    assert "#2 Crash on save is open again (not started)" in sa.text
    clock.advance(hours=2)
    await sa.say("flow done 1")
    assert "Done: #1 Login page, after 4 h in the flow." in sa.text

    await sa.say("summary")
    # Active the whole 4 hours (the mistaken done undone), #2 back among the not started.
    assert "Flow time: median 4 h, 85th percentile 4 h (of the 1 done)" in sa.text
    assert "Flow efficiency: 100% active" in sa.text
    assert "Flow load: 0 in progress now (0 active, 0 waiting); 1 not started" in sa.text

    await sa.say("flow show 1")
    shown = sa.text
    assert "#1 Login page" in shown and "State: done" in shown
    assert "01 Dec 2026 09:00 — sa: recorded it" in shown
    assert "01 Dec 2026 11:00 — sa: active → done" in shown
    assert "01 Dec 2026 11:00 — sa: done → active" in shown
    assert "01 Dec 2026 13:00 — sa: active → done" in shown
