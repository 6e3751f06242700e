"""``summary`` and the stakeholder readout of a delivery engagement, in the terminal chat
and from ``vsa export``: a delivery team with nothing recorded is told how to record
its work (never to invite people to interviews); the readout is the engagement, its
flow metrics, its proof of value and the open RAID items and actions the customer may
see, with no empty assessment section; hostile titles stay text."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File
from storage import repositories as repo
from tests.chat import Chat
from tests.records import log_raid_and_actions
from tests.test_raid import set_up_engagement

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> *bold*"
ASSESSMENT_WORDS = (
    "interview",
    "value stream, as documented",
    "DORA",
    "Return on investment",
    "Qualification and commitment",
)


async def readout_md(sa: Chat) -> str:
    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    return document.content.decode()


async def html_readout(assistant: Assistant) -> str:
    """The page ``vsa export --format html`` writes, on the test's clock."""

    def page(session: Session) -> str:
        engagement = repo.find_engagement(session, "console:local", "Acme VSA")
        assert engagement is not None
        return assistant.service.reports.document(session, engagement, "html")

    return await assistant.db.run(page)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_summary_of_an_empty_delivery_engagement_says_how_to_record_work(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("summary")
    said = sa.text
    assert "Nothing to summarize for Acme VSA yet" in said
    assert "flow add feature|defect|risk|debt <title>" in said and "flow done" in said
    assert "interview" not in said.lower()

    # Once work is recorded, the summary is its flow metrics.
    await sa.say("flow add feature Login page")
    await sa.say("summary")
    assert "Flow metrics" in sa.text and "Nothing to summarize" not in sa.text


async def test_the_delivery_readout_has_the_delivery_sections_and_nothing_internal(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)

    # Nothing recorded yet: every delivery section says so; no assessment section.
    empty = await readout_md(sa)
    headings = re.findall(r"^## (.+)$", empty, re.M)
    assert headings == ["1. The engagement", "2. Flow metrics", "3. RAID and open actions"]
    assert "reports on the delivery engagement" in empty
    assert "No flow items recorded yet" in empty
    assert "No open risks, assumptions, issues, dependencies or actions." in empty
    for word in ASSESSMENT_WORDS:
        assert word.lower() not in empty.lower(), word

    # Work recorded, a RAID log (one internal risk) and retro actions (one internal).
    await sa.say("flow add feature Login page")
    await sa.say("flow start 1")
    clock.advance(days=2)
    await sa.say("flow done 1")
    await sa.say("flow add defect Crash on save")
    await sa.say("flow start 2")
    await assistant.db.run(log_raid_and_actions)
    await sa.say("pov")
    await sa.click("in_progress")
    await sa.say("2026-12-07")
    await sa.say("2027-01-15")
    await sa.say("Pipelines under 10 minutes")
    await sa.say("Our margin hangs on this one")  # notes: ours
    await sa.say("pov outcome won")
    clock.advance(days=1)

    markdown = await readout_md(sa)
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == [
        "1. The engagement",
        "2. Flow metrics",
        "3. Proof of value",
        "4. RAID and open actions",
    ]
    for word in ASSESSMENT_WORDS:
        assert word.lower() not in markdown.lower(), word
    plan = markdown.split("## 2.", 1)[0]
    assert "SOW\\-3184" in plan and "Tool adoption" in plan  # the plan as `show` has it
    assert "Ceremonies" in plan and "Iteration 0 starts 11 Jan 2027" in plan
    assert "qualification" not in plan.lower()  # our notes on the opportunity
    flow = markdown.split("## 2. Flow metrics", 1)[1].split("## 3.", 1)[0]
    assert r"| Flow time | median 2 days, 85th percentile 2 days \(of the 1 done\) |" in flow
    assert "\\#2 Crash on save — defect, active" in flow
    pov = markdown.split("## 3. Proof of value", 1)[1].split("## 4.", 1)[0]
    assert "- Status: In Progress" in pov and "- Ends: 15 Jan 2027" in pov
    assert "Pipelines under 10 minutes" in pov
    # Neither our notes nor the opportunity's outcome reach the customer's readout.
    assert "margin" not in markdown.lower() and "won" not in markdown
    raid = markdown.split("## 4. RAID and open actions", 1)[1]
    assert "Risk \\#1: \\<\\!channel\\> Vendor late — impact high" in raid
    assert "Action: Renew certificates — owner sa" in raid
    assert "Margin at risk" not in markdown and "Rework the quote" not in markdown

    # The same as a page (what `vsa export Acme VSA --format html` writes).
    page = await html_readout(assistant)
    parsed = _Page()
    parsed.feed(page)
    text = "".join(parsed.text)
    for heading in ("1. The engagement", "2. Flow metrics", "3. Proof of value"):
        assert heading in text
    assert "4. RAID and open actions" in text
    assert "#2 Crash on save — defect, active" in text and "Pipelines under 10 minutes" in text
    assert "Risk #1: <!channel> Vendor late" in text and "Renew certificates" in text
    assert "Margin at risk" not in text and "Rework the quote" not in text
    for word in ASSESSMENT_WORDS:
        assert word.lower() not in text.lower(), word


async def test_hostile_titles_in_the_delivery_readout_stay_text(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say(f"flow add debt {HOSTILE}")
    await sa.say("flow start 1")
    await assistant.db.run(log_raid_and_actions)  # risk #1 is "<!channel> Vendor late"

    markdown = await readout_md(sa)
    assert "<script>" not in markdown and "<!channel>" not in markdown
    assert "\\<script\\>alert\\(1\\)\\</script\\> \\*bold\\*" in markdown

    page = await html_readout(assistant)
    assert "<script>alert" not in page and "<!channel>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;!channel&gt; Vendor late" in page
    parsed = _Page()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert f"#1 {HOSTILE} — debt, active" in "".join(parsed.text)
