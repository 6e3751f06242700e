"""RAID items closed by mistake or logged with the wrong type, in the terminal chat: a
member reopens a closed item (listed again, its history says who reopened it, when and
why), a participant who may not close may not reopen either, and ``raid update <n> type
<type>`` (or the update dialog) gives an item another type under the same number."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.app import Assistant
from assistant.clock import FixedClock
from tests.chat import Chat
from tests.test_interview_flow import set_up_engagement
from tests.test_raid import log_item

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def history_of(shown: str) -> list[str]:
    return [line for line in shown.split("History", 1)[1].splitlines() if line.startswith("•")]


async def test_a_member_reopens_an_item_closed_by_mistake(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa, pse="pat")
    await log_item(sa, "risk", "Test environments late")
    await log_item(sa, "dependency", "Vendor licence", likelihood=None, impact="low")

    await sa.say("raid close 2 signed")
    assert "Closed #2 (Vendor licence)" in sa.text and "raid reopen 2" in sa.text
    await sa.say("raid")
    assert "Vendor licence" not in sa.text

    clock.advance(hours=2)
    pat = Chat(assistant, "pat")
    await pat.say("raid reopen 2 the licence is for the wrong year")
    assert "Reopened #2 (Vendor licence): it is in the raid listing again" in pat.text

    await sa.say("raid")
    assert "Dependencies" in sa.text
    assert "#2 Vendor licence — impact low · owner dana" in sa.text
    await sa.say("raid show 2")
    assert "#2 Dependency: Vendor licence" in sa.text and "Status: open" in sa.text
    assert history_of(sa.text) == [
        "• 01 Dec 2026 09:00 — sa: logged it",
        "• 01 Dec 2026 09:00 — sa: closed it (signed)",
        "• 01 Dec 2026 11:00 — pat: reopened it (the licence is for the wrong year)",
    ]
    # It closes again like any open item, under the same number.
    await sa.say("raid close 2")
    assert "Closed #2 (Vendor licence)" in sa.text


async def test_reopening_an_open_item_changes_nothing(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Scope creep")
    await sa.say("raid reopen 1")
    assert "#1 (Scope creep) is open already, so there's nothing to reopen." in sa.text
    await sa.say("raid reopen 7")
    assert "There's no item #7 in Acme VSA's RAID log" in sa.text
    await sa.say("raid show 1")
    assert history_of(sa.text) == ["• 01 Dec 2026 09:00 — sa: logged it"]


async def test_a_participant_who_may_not_close_may_not_reopen(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Scope creep")
    await sa.say("raid close 1")
    await sa.say("interview idea-to-production cu")
    assert "Invited cu" in sa.text
    customer = Chat(assistant, "cu")
    await customer.say("raid close 1")
    assert "Only members" in customer.text
    await customer.say("raid reopen 1")
    assert "Only members of Acme VSA can use raid reopen — you are a participant" in customer.text
    await sa.say("raid show 1")
    assert "Status: closed" in sa.text

    await sa.say("help")
    raid_section = sa.text.split("RAID log", 1)[1].split("Retrospectives", 1)[0]
    assert "raid reopen <number> [note]" in raid_section
    assert "raid update <number> [type <type>]" in raid_section


async def test_an_item_logged_with_the_wrong_type_gets_another_under_its_number(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Test environments late")
    await log_item(sa, "risk", "Pipeline is down")

    clock.advance(hours=1)
    await sa.say("raid update 2 type Issues")
    assert (
        "Changed #2 (Pipeline is down): type: risk → issue; likelihood: medium → —. "
        "It keeps its number"
    ) in sa.text
    await sa.say("raid")
    listing = sa.text
    assert "Issues" in listing and "#2 Pipeline is down — impact high · owner dana" in listing
    assert "#1 Test environments late — impact high, likelihood medium" in listing
    await sa.say("raid show 2")
    shown = sa.text
    assert "#2 Issue: Pipeline is down" in shown and "Likelihood" not in shown
    assert history_of(shown)[1:] == [
        "• 01 Dec 2026 10:00 — sa: type: risk → issue",
        "• 01 Dec 2026 10:00 — sa: likelihood: medium → —",
    ]

    await sa.say("raid update 2 type issue")
    assert "#2 (Pipeline is down) is an issue already, so nothing changed." in sa.text

    # The update dialog offers the type too, with a note kept in the history.
    await sa.say("raid update 1")
    await sa.say("type")
    assert "What is it, then?" in sa.text
    await sa.say("dependency")
    await sa.say("it waits on the platform team")
    assert "Changed #1 (Test environments late): type: risk → dependency" in sa.text
    await sa.say("raid show 1")
    assert "#1 Dependency: Test environments late" in sa.text
    assert "sa: type: risk → dependency (it waits on the platform team)" in sa.text


async def test_an_unknown_type_is_answered_with_the_four_types(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await log_item(sa, "risk", "Scope creep")
    await sa.say("raid update 1 type bug")
    assert (
        "I don't know the type “bug”. A RAID item is a risk, an assumption, an issue or a "
        "dependency: say e.g. raid update 1 type issue."
    ) in sa.text
    await sa.say("raid update 1 type")
    assert "Which type should #1 be? Say raid update 1 type risk" in sa.text
    await sa.say("raid show 1")
    assert "#1 Risk: Scope creep" in sa.text
    assert history_of(sa.text) == ["• 01 Dec 2026 09:00 — sa: logged it"]
