"""The RAID log through Teams' real /api/messages: internal items are never posted in a
conversation with a guest or a member of another tenant (the Bot Connector's member
list, read when posting); the internal part goes privately to whoever asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.teams.testing import FakeConnector, throttled
from assistant.clock import FixedClock
from assistant.settings import Settings
from tests.teams.conftest import (
    CHANNEL,
    DANA,
    OTHER_TENANT,
    TENANT,
    Served,
    TeamsUser,
    card_text,
    serving,
)
from tests.teams.test_interviews import set_up_and_bind

HOSTILE = "<!channel> **urgent** <b>x</b> [click](https://evil.example)"
WITHHELD = (
    "I didn't post something internal here because this conversation is shared with "
    "another organisation; I sent it privately to Dana Scully."
)
GUEST = "29:1Guest-From-Customer-teams-user-id"


async def log_items(sa: TeamsUser) -> None:
    """A risk (hostile title) and an internal issue, logged in the SA's personal chat."""
    await sa.say("raid add risk")
    for answer in (HOSTILE, "skip", "me"):
        await sa.say(answer)
    await sa.click("high")
    await sa.click("medium")
    for answer in ("Ask the platform team", "skip", "no"):
        await sa.say(answer)
    assert "Logged risk" in sa.new_text()
    await sa.say("raid add issue")
    for answer in ("Our margin is thin", "skip", "me"):
        await sa.say(answer)
    await sa.click("medium")
    for answer in ("skip", "skip", "yes"):
        await sa.say(answer)
    assert "Logged issue" in sa.new_text()


@pytest.mark.parametrize(
    "outsider",
    [
        {"id": GUEST, "name": "Guest", "tenantId": TENANT, "userRole": "guest"},
        {"id": GUEST, "name": "Partner", "tenantId": OTHER_TENANT, "userRole": "user"},
    ],
    ids=["a guest", "another tenant's member"],
)
async def test_an_internal_listing_is_withheld_where_another_organisation_reads(
    served: Served, outsider: dict[str, str]
) -> None:
    sa, in_channel = await set_up_and_bind(served)
    await log_items(sa)
    ours = {"id": DANA, "name": "Dana Scully", "tenantId": TENANT, "userRole": "user"}

    # Only our own tenant's members: both parts are posted in the channel.
    served.connector.members[CHANNEL] = [ours]
    await in_channel.say("raid")
    shown = in_channel.new_text()
    assert "Risks" in shown and "Our margin is thin" in shown
    assert HOSTILE in shown  # as typed: a TextRun is never read as markup
    asked = [c.path for c in served.connector.calls if c.kind == "members"]
    assert f"/v3/conversations/{CHANNEL}/members" in asked

    # Someone from another organisation is in it now: the internal part is withheld.
    served.connector.members[CHANNEL] = [ours, outsider]
    sa.seen = len(sa.cards())
    await in_channel.say("raid")
    shown = in_channel.new_text()
    assert "Risks" in shown and "margin" not in shown and "Internal" not in shown
    assert WITHHELD in shown
    private = sa.new_text()
    assert "Sent to you privately" in private and "Our margin is thin" in private

    # Showing the internal item there: the same.
    await in_channel.say("raid show 2")
    shown = in_channel.new_text()
    assert WITHHELD in shown and "margin" not in shown
    assert "#2 Issue: Our margin is thin" in sa.new_text()
    assert all("margin" not in card_text(c) for c in in_channel.cards()[-3:])


async def test_a_guest_added_after_the_command_is_seen_when_posting(
    settings: Settings, connector: FakeConnector
) -> None:
    clock = FixedClock(datetime.now(UTC))
    async with serving(settings, connector, clock) as served:
        sa, in_channel = await set_up_and_bind(served)
        await log_items(sa)
        ours = {"id": DANA, "name": "Dana Scully", "tenantId": TENANT, "userRole": "user"}
        served.connector.members[CHANNEL] = [ours]
        await in_channel.say("raid")
        assert "Our margin is thin" in in_channel.new_text()  # ours alone: posted

        # Typed while only our tenant is in the channel; Teams throttles the first post
        # for a while, and meanwhile a guest joins.
        served.connector.script(*throttled("30"))
        await in_channel.say("raid")
        assert in_channel.new_text() == ""
        guest = {"id": GUEST, "name": "Guest", "tenantId": TENANT, "userRole": "guest"}
        served.connector.members[CHANNEL] = [ours, guest]
        sa.seen = len(sa.cards())

        clock.advance(seconds=31)
        await served.assistant.dispatcher.deliver()
        await served.settle()
        shown = in_channel.new_text()
        assert "Risks" in shown and WITHHELD in shown and "margin" not in shown
        assert "Our margin is thin" in sa.new_text()
