"""App Home, the long-answer modal, and resuming from Home."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.testing import home_opened_body, payload_request
from tests.scenario import QUALIFIED, QUALIFIED_ANSWERS, stored_answers
from tests.slack.conftest import Served, SlackUser


def resume_button(view: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for block in view["blocks"]:
        if block["type"] == "actions" and block["block_id"].endswith("|home:resume"):
            return block["block_id"], block["elements"][0]
    raise AssertionError("no resume button on App Home")


async def test_app_home_lists_open_dialogs_and_resumes_one_in_the_dm(served: Served) -> None:
    user = SlackUser(served)
    await user.play(QUALIFIED[:3])
    await served.event(home_opened_body())
    await served.settle()

    [publish] = served.fake.of("views.publish")
    assert publish.body["user_id"] == "U0001"
    view = publish.body["view"]
    assert view["type"] == "home"
    block_id, button = resume_button(view)

    before = len(served.fake.posts("D0001"))
    click = {
        "type": "block_actions",
        "user": {"id": "U0001", "username": "u0001", "name": "u0001", "team_id": "T0001"},
        "api_app_id": "A0001",
        "container": {"type": "view", "view_id": "V1"},
        "trigger_id": "1.2.resume",
        "team": {"id": "T0001", "domain": "example"},
        "view": {"id": "V1", "type": "home", "blocks": view["blocks"]},
        "actions": [
            {
                "type": "button",
                "block_id": block_id,
                "action_id": button["action_id"],
                "value": button["value"],
                "action_ts": "1.0",
            }
        ],
    }
    await served.interact(click)
    await served.settle()

    # The question being asked is posted again in the DM, where the dialog goes on.
    posts = served.fake.posts("D0001")
    assert len(posts) == before + 1
    assert "technical discovery" in json.dumps(posts[-1]["blocks"])
    await user.play(QUALIFIED[3:])
    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS


async def test_a_long_answer_can_be_written_in_a_modal(served: Served) -> None:
    user = SlackUser(served)
    *before, _notes = QUALIFIED
    await user.play(before)
    message = user.posts()[-1]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    [write] = actions["elements"]
    assert write["action_id"] == "vsa.modal"

    click = {
        "type": "block_actions",
        "user": {"id": "U0001", "username": "u0001", "name": "u0001", "team_id": "T0001"},
        "container": {"type": "message", "message_ts": message["_ts"], "channel_id": "D0001"},
        "trigger_id": "1.2.modal",
        "team": {"id": "T0001", "domain": "example"},
        "channel": {"id": "D0001", "name": "directmessage"},
        "message": {"ts": message["_ts"], "blocks": message["blocks"], "text": message["text"]},
        "actions": [{**write, "block_id": actions["block_id"], "action_ts": "1.0"}],
    }
    await served.interact(click)
    [opened] = served.fake.of("views.open")
    assert opened.body["trigger_id"] == "1.2.modal"
    view = opened.body["view"]
    assert "Anything else the team should know" in json.dumps(view["blocks"])
    # The question as posted (a rich_text block, shown literally), without its block_id.
    assert view["blocks"][0]["type"] == "rich_text" and "block_id" not in view["blocks"][0]

    answer = "Budget approved & the CTO <sponsors> it.\nSecond line."
    submission = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": "U0001", "username": "u0001", "name": "u0001", "team_id": "T0001"},
        "trigger_id": "1.2.submit",
        "view": {
            "id": "V9",
            "type": "modal",
            "hash": "h1",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {
                "values": {"answer": {"text": {"type": "plain_text_input", "value": answer}}}
            },
        },
    }
    response = await served.post(*payload_request(submission))
    assert response.status == 200
    await served.settle()

    expected = {**QUALIFIED_ANSWERS, "notes": answer}
    assert await stored_answers(served.assistant.db) == expected
