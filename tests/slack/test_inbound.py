"""Captured Slack payloads (tests/fixtures/slack/) to neutral Inbound messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.inbound import Context, to_inbound
from assistant.events import Action, Person

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slack"
BOT = Context(bot_user_id="UBOT")


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def test_a_direct_message_unescapes_text_and_lists_mentions() -> None:
    inbound = to_inbound(load("message_im"), BOT)
    assert inbound is not None
    assert inbound.event_id == "Ev0801DM0001"
    assert inbound.text == "Acme & Sons <!channel> ask @U0002 and"
    assert inbound.mentions == (Person(platform="slack", workspace="T0001", user_id="U0002"),)
    assert inbound.is_direct and inbound.addressed
    ref = inbound.conversation
    assert (ref.platform, ref.workspace, ref.channel, ref.thread, ref.user) == (
        "slack",
        "T0001",
        "D0001",
        None,
        "U0001",
    )
    assert ref.data == {"team_id": "T0001"}


def test_mention_labels_and_names_become_at_names() -> None:
    body = load("message_im")
    body["event"]["text"] = (
        "ask <@U0002|dana> about <#C0003|delivery> and <https://x.example|the doc>"
    )
    inbound = to_inbound(body, Context(bot_user_id="UBOT"))
    assert inbound is not None
    assert inbound.text == "ask @dana about #delivery and the doc"
    assert inbound.mentions[0].name == "dana"


def test_an_app_mention_is_its_own_thread_without_the_bots_mention() -> None:
    inbound = to_inbound(load("app_mention"), BOT)
    assert inbound is not None
    assert inbound.text == "qualify"
    assert inbound.conversation.thread == "1732355100.000200"  # the mention's ts
    assert inbound.conversation.key == "slack:T0001:C0001:1732355100.000200"
    assert not inbound.is_direct and inbound.mentions == ()


def test_a_mention_inside_a_thread_continues_that_thread() -> None:
    body = load("app_mention")
    body["event"]["thread_ts"] = "1732350000.000001"
    inbound = to_inbound(body, BOT)
    assert inbound is not None and inbound.conversation.thread == "1732350000.000001"


@pytest.mark.parametrize("name", ["message_bot", "message_changed"])
def test_bot_messages_and_edits_are_ignored(name: str) -> None:
    assert to_inbound(load(name), BOT) is None


def test_our_own_message_is_ignored_even_without_a_bot_id() -> None:
    body = load("message_im")
    body["event"]["user"] = "UBOT"
    assert to_inbound(body, BOT) is None


def test_a_channel_message_that_is_not_in_a_thread_is_ignored() -> None:
    body = load("message_im")
    body["event"].update(channel="C0001", channel_type="channel")
    assert to_inbound(body, BOT) is None
    body["event"]["thread_ts"] = "1732350000.000001"
    inbound = to_inbound(body, BOT)
    assert inbound is None  # it names the bot: app_mention handles that message
    body["event"]["text"] = "2,500"
    inbound = to_inbound(body, BOT)
    assert inbound is not None and inbound.conversation.thread == "1732350000.000001"
    assert not inbound.addressed  # for us only if its sender is in a dialog there


def test_enterprise_grid_workspaces_are_qualified_by_the_org() -> None:
    inbound = to_inbound(load("message_im_grid"), BOT)
    assert inbound is not None
    assert inbound.conversation.workspace == "E0001/T0009"
    assert inbound.sender.workspace == "E0001/T0009"
    assert inbound.conversation.data == {"team_id": "T0009", "enterprise_id": "E0001"}


def test_a_slash_command_keeps_the_channel_it_was_typed_in() -> None:
    inbound = to_inbound(load("slash_command"), Context(bot_user_id="UBOT"))
    assert inbound is not None
    assert inbound.text == "new engagement"
    assert inbound.event_id == "command:1111.2222.REDACTED"
    assert inbound.conversation.channel == "C0001" and inbound.conversation.user is None
    assert not inbound.is_direct
    assert inbound.sender.name == "dana"


def test_button_select_and_date_clicks_become_actions() -> None:
    button = to_inbound(load("block_actions_button"), BOT)
    assert button is not None and button.action == Action(
        prompt_key="efd5ad941dc2:2:opportunity_discovery", values=("yes",)
    )
    assert button.conversation.key == "slack:T0001:@U0001"
    select = to_inbound(load("block_actions_select_thread"), BOT)
    assert select is not None and select.action is not None
    assert select.action.values == ("new_critical_app",)
    assert select.conversation.key == "slack:T0001:C0001:1732355100.000200"
    date = to_inbound(load("block_actions_datepicker"), BOT)
    assert date is not None and date.action == Action(
        prompt_key="efd5ad941dc2:11:initiative_date", values=("2031-06-30",)
    )


def test_a_resume_click_on_app_home_goes_on_in_the_dm() -> None:
    body = load("block_actions_home_resume")
    assert to_inbound(body, BOT) is None  # no DM known yet: nowhere to answer
    inbound = to_inbound(body, Context(bot_user_id="UBOT", dm_channel="D0001"))
    assert inbound is not None
    assert inbound.action == Action(prompt_key="home:resume", values=("42",))
    assert inbound.conversation.channel == "D0001"


def test_the_long_answer_modal_submits_typed_text() -> None:
    inbound = to_inbound(load("view_submission"), BOT)
    assert inbound is not None and inbound.action is None
    assert inbound.text == "Budget is approved for Q3 & <b>the CTO</b> sponsors it.\nSecond line."
    assert inbound.conversation.key == "slack:T0001:@U0001"


def test_unknown_payloads_are_ignored() -> None:
    assert to_inbound({"type": "url_verification", "challenge": "x"}) is None
    assert to_inbound(load("app_home_opened"), BOT) is None  # handled as a view, not a turn


def test_a_multiple_choice_is_sent_with_done_not_on_each_change() -> None:
    body = load("block_actions_button")
    block_id = "vsa0|efd5ad941dc2:14:platform_features"
    selected = [
        {"text": {"type": "plain_text", "text": "Source control"}, "value": "source_control"},
        {"text": {"type": "plain_text", "text": "Continuous delivery"}, "value": "cd"},
    ]
    body["actions"] = [
        {
            "type": "multi_static_select",
            "action_id": "vsa.answer.0.multi0",
            "block_id": block_id,
            "selected_options": selected,
            "action_ts": "1.0",
        }
    ]
    assert to_inbound(body, BOT) is None  # still choosing
    body["state"] = {
        "values": {
            block_id: {
                "vsa.answer.0.multi0": {"type": "multi_static_select", "selected_options": selected}
            }
        }
    }
    body["actions"] = [
        {
            "type": "button",
            "action_id": "vsa.answer.0.done",
            "block_id": block_id,
            "value": "",
            "action_ts": "2.0",
        }
    ]
    inbound = to_inbound(body, BOT)
    assert inbound is not None and inbound.action == Action(
        prompt_key="efd5ad941dc2:14:platform_features", values=("source_control", "cd")
    )
