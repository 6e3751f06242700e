"""OAuth installs into our database, state expiry, token rotation, workspaces kept apart."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text as sql

from adapters.slack.testing import (
    BOT_USER_ID,
    FakeSlack,
    home_opened_body,
    message_body,
    oauth_access_body,
)
from tests.scenario import QUALIFIED, stored_answers
from tests.slack.conftest import Served, SlackUser, serve, slack_settings

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
TOKENS = {"T0001": "xoxb-workspace-one", "T0002": "xoxb-workspace-two"}


@pytest.fixture
async def multi(database_url: str, fake: FakeSlack) -> AsyncIterator[Served]:
    for team, token in TOKENS.items():
        fake.add_workspace(token, team)
    settings = slack_settings(
        database_url,
        fake,
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    assistant, client = await serve(settings, fake)
    try:
        yield Served(assistant, client, fake)
    finally:
        await client.close()
        await assistant.close()


async def install(served: Served, team: str, token: str, **extra: Any) -> None:
    store = served.slack.bolt.installation_store
    assert store is not None
    await store.async_save(
        Installation(
            app_id="A0001",
            team_id=team,
            bot_token=token,
            bot_id="BBOT",
            bot_user_id=BOT_USER_ID,
            bot_scopes="chat:write,commands",
            user_id="UADMIN",
            installed_at=time.time(),
            **extra,
        )
    )


async def start_install(served: Served) -> str:
    response = await served.client.get("/slack/install")
    assert response.status == 200
    page = await response.text()
    match = re.search(r"state=([A-Za-z0-9-]+)", page)
    assert match, "no state in the install link"
    assert "slack-app-oauth-state" in response.headers.get("Set-Cookie", "")
    return match.group(1)


async def finish_install(served: Served, state: str) -> Any:
    return await served.client.get(
        "/slack/oauth_redirect",
        params={"code": "one-time-code", "state": state},
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )


async def installations(served: Served) -> list[tuple[str, str]]:
    async with served.assistant.db.async_engine.connect() as connection:
        rows = await connection.execute(sql("SELECT team_id, bot_token FROM slack_installations"))
        return [(r[0], r[1]) for r in rows]


async def test_an_admin_installs_via_oauth_and_the_workspace_can_talk(multi: Served) -> None:
    multi.fake.handle(
        "oauth.v2.access", lambda call: oauth_access_body(team_id="T0002", token=TOKENS["T0002"])
    )
    state = await start_install(multi)
    response = await finish_install(multi, state)
    assert response.status == 200, await response.text()
    assert "installed" in await response.text()
    [access] = multi.fake.of("oauth.v2.access")
    assert access.body.get("code") == "one-time-code"
    assert await installations(multi) == [("T0002", TOKENS["T0002"])]

    # The new workspace's events are answered with its own token.
    await multi.event(message_body("qualify", team="T0002", channel="D0002", user="U0002"))
    await multi.settle()
    [post] = [c for c in multi.fake.of("chat.postMessage") if c.body["_ok"]]
    assert post.token == TOKENS["T0002"] and post.body["channel"] == "D0002"

    # A state is good for one install only.
    again = await finish_install(multi, state)
    assert again.status >= 400
    assert len(await installations(multi)) == 1


async def test_an_expired_install_link_is_refused(multi: Served) -> None:
    state = await start_install(multi)
    past = datetime(2020, 1, 1)
    async with multi.assistant.db.async_engine.begin() as connection:
        await connection.execute(
            sql("UPDATE slack_oauth_states SET expire_at = :past WHERE state = :state"),
            {"past": past, "state": state},
        )
    response = await finish_install(multi, state)
    assert response.status == 401
    assert multi.fake.of("oauth.v2.access") == []
    assert await installations(multi) == []


async def test_an_expiring_bot_token_is_rotated_and_the_new_one_used(multi: Served) -> None:
    await install(
        multi,
        "T0001",
        "xoxe.xoxb-old",
        bot_refresh_token="xoxe-1-refresh-old",
        bot_token_expires_at=int(time.time()) + 60,  # inside the 2-hour rotation window
    )
    multi.fake.add_workspace("xoxe.xoxb-old", "T0001")
    multi.fake.add_workspace("xoxe.xoxb-new", "T0001")

    def refresh(call: Any) -> dict[str, Any]:
        assert call.body.get("grant_type") == "refresh_token"
        body = oauth_access_body(
            team_id="T0001", token="xoxe.xoxb-new", refresh_token="xoxe-1-refresh-new"
        )
        return body

    multi.fake.handle("oauth.v2.access", refresh)
    await multi.event(message_body("qualify"))
    await multi.settle()

    assert multi.fake.of("oauth.v2.access")
    posts = [c for c in multi.fake.of("chat.postMessage") if c.body["_ok"]]
    assert [p.token for p in posts] == ["xoxe.xoxb-new"]


async def test_two_workspaces_never_see_each_others_data(multi: Served) -> None:
    for team, token in TOKENS.items():
        await install(multi, team, token)
    one = SlackUser(multi, team="T0001")
    await one.play(QUALIFIED[:6])
    answers_before = await stored_answers(multi.assistant.db)

    # The same user id and DM id in the other workspace is someone else, somewhere else.
    two = SlackUser(multi, team="T0002")
    sent_before = len(multi.fake.calls)
    await two.say("2,500")
    await multi.event(home_opened_body(team="T0002"))
    await multi.settle()

    assert await stored_answers(multi.assistant.db) == answers_before
    replies = multi.fake.calls[sent_before:]
    assert replies and all(c.token == TOKENS["T0002"] for c in replies if c.token)
    wire = json.dumps([c.body for c in replies])
    assert "Acme" not in wire and "home:resume" not in wire

    # Workspace one's home still offers its open dialog.
    await multi.event(home_opened_body(team="T0001"))
    await multi.settle()
    home_one = multi.fake.of("views.publish")[-1]
    assert home_one.token == TOKENS["T0001"] and "home:resume" in json.dumps(home_one.body)
