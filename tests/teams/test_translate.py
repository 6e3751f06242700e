"""Captured Teams activities into neutral inbound messages (pure; no server)."""

from __future__ import annotations

import pytest

from adapters.teams.translate import (
    ActivityError,
    action_of,
    conversation_id_of,
    conversation_ref,
    event_id_of,
    members_added,
    to_inbound,
)
from assistant.events import Action
from tests.teams.conftest import BOT_ID, CHANNEL, DANA, TENANT, fixture


def test_a_personal_message() -> None:
    inbound = to_inbound(fixture("personal_message"))
    assert inbound is not None
    assert inbound.text == "qualify"
    assert inbound.action is None
    assert inbound.is_direct
    assert inbound.sender.user_id == DANA
    assert inbound.sender.workspace == TENANT
    assert inbound.sender.name == "Dana Scully"
    assert inbound.sender.timezone == "Europe/Berlin"
    ref = inbound.conversation
    assert (ref.platform, ref.workspace, ref.thread, ref.user) == ("teams", TENANT, None, DANA)
    assert ref.data["serviceUrl"] == "https://smba.trafficmanager.net/emea/"
    assert ref.data["conversationType"] == "personal"
    assert ref.data["botId"] == BOT_ID
    assert ref.data["aadObjectId"] == "6b2c1f0e-4d5a-4e3b-9c8d-1a2b3c4d5e6f"


def test_a_channel_mention_strips_the_bot_and_keeps_other_people() -> None:
    inbound = to_inbound(fixture("channel_mention"))
    assert inbound is not None
    assert inbound.text == "qualify for @Fox Mulder"
    assert not inbound.is_direct
    assert [(p.user_id, p.name) for p in inbound.mentions] == [
        (
            "29:1Fox-Mulder-teams-user-id-000000000000000000000000000000000000000000000000",
            "Fox Mulder",
        )
    ]
    ref = inbound.conversation
    assert ref.channel == CHANNEL
    assert ref.thread == "1763890260456"
    assert ref.user is None
    assert conversation_id_of(ref) == f"{CHANNEL};messageid=1763890260456"
    assert ref.data["teamId"] == "19:contoso-delivery-team-000000000000@thread.tacv2"


def test_the_timezone_also_comes_from_client_info() -> None:
    activity = fixture("personal_message")
    del activity["localTimezone"]
    inbound = to_inbound(activity)
    assert inbound is not None and inbound.sender.timezone == "Europe/Berlin"


def test_typed_markup_and_entities_become_plain_text() -> None:
    activity = fixture("personal_message")
    activity["text"] = "Acme &amp; Sons&nbsp; <at>Nobody</at>  Ltd\r\n"
    inbound = to_inbound(activity)
    assert inbound is not None
    assert inbound.text == "Acme & Sons Nobody Ltd"


def test_a_card_submit_is_an_action() -> None:
    inbound = to_inbound(fixture("card_submit"))
    assert inbound is not None
    assert inbound.action == Action(prompt_key="run:1:customer", values=("yes",))
    assert inbound.text == ""


@pytest.mark.parametrize(
    ("value", "values"),
    [
        ({"prompt_key": "k", "value": "2031-06-30"}, ("2031-06-30",)),  # Input.Date
        ({"prompt_key": "k", "value": "a,b", "multi": True}, ("a", "b")),  # multi-select
        ({"prompt_key": "k", "multi": True}, ()),  # nothing ticked
        ({"prompt_key": "k", "value": "a,b"}, ("a,b",)),  # one value with a comma
        ({"prompt_key": "k", "value": "line 1\nline 2"}, ("line 1\nline 2",)),  # Input.Text
    ],
)
def test_card_inputs(value: dict[str, object], values: tuple[str, ...]) -> None:
    action = action_of(value)
    assert action is not None and action.values == values


def test_foreign_card_data_is_not_an_action() -> None:
    assert action_of({"action": "something else"}) is None
    assert action_of("qualify") is None


def test_what_is_not_for_the_assistant() -> None:
    empty = fixture("personal_message")
    empty["text"] = "<at>Value Stream Assistant</at>"
    empty["entities"] = fixture("channel_mention")["entities"][:1]
    assert to_inbound(empty) is None
    assert to_inbound(fixture("bot_added_to_team")) is None
    assert to_inbound(fixture("installation_update")) is None


def test_the_tenant_comes_from_channel_data_or_the_conversation() -> None:
    activity = fixture("personal_message")
    del activity["channelData"]
    inbound = to_inbound(activity)
    assert inbound is not None and inbound.sender.workspace == TENANT
    del activity["conversation"]["tenantId"]
    with pytest.raises(ActivityError):
        to_inbound(activity)


def test_the_emulator_is_one_local_workspace() -> None:
    activity = fixture("personal_message")
    activity["channelId"] = "emulator"
    del activity["channelData"]
    del activity["conversation"]["tenantId"]
    del activity["conversation"]["conversationType"]
    inbound = to_inbound(activity)
    assert inbound is not None
    assert inbound.conversation.workspace == "emulator"
    assert inbound.is_direct


def test_event_ids_are_scoped_by_conversation_and_fit_the_column() -> None:
    one = fixture("personal_message")
    other = fixture("channel_mention")
    other["id"] = one["id"]
    assert event_id_of(one) != event_id_of(other)
    one["conversation"]["id"] = "a:" + "x" * 400
    assert len(event_id_of(one)) <= 200


def test_members_added() -> None:
    assert members_added(fixture("bot_added_to_team")) == (True, ())
    bot_added, people = members_added(fixture("member_added_to_team"))
    assert not bot_added and people == (
        "29:1Walter-Skinner-teams-user-id-00000000000000000000000000000000000000000000",
    )
    ref = conversation_ref(fixture("bot_added_to_team"))
    assert ref.thread is None and ref.data["conversationType"] == "channel"
