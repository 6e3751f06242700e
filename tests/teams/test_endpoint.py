"""POST /api/messages: who may post, what is refused, and when it exists at all."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import ConfigurationError, build_web_app
from adapters.teams.testing import FakeConnector
from assistant.app import Assistant
from tests.conftest import make_settings
from tests.teams.conftest import Served, TeamsUser, fixture, serving, teams_settings

APP_ID = "4f1c0d2e-9b8a-4c7d-8e6f-5a4b3c2d1e0f"


async def test_an_app_id_requires_a_bot_framework_token(
    database_url: str, connector: FakeConnector
) -> None:
    settings = make_settings(
        database_url, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="not-used-offline"
    )
    async with serving(settings, connector) as served:
        activity = TeamsUser(served).message("qualify")
        assert (await served.post(activity)).status == 401
        bad = await served.post(activity, headers={"Authorization": "Bearer not.a.jwt"})
        assert bad.status == 401
        assert (await served.post(activity, headers={"Authorization": "Basic abc"})).status == 401
        await served.settle()
    # Nothing was recorded or sent for the refused requests.
    assert connector.calls == []


async def test_no_app_id_means_unauthenticated_with_a_warning(
    database_url: str, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with serving(teams_settings(database_url), connector) as served:
        assert await served.activity(TeamsUser(served).message("hi")) == 202
    assert any("WITHOUT authentication" in r.getMessage() for r in caplog.records)


async def test_production_refuses_to_run_teams_unauthenticated(database_url: str) -> None:
    settings = teams_settings(database_url, ENVIRONMENT="production")
    assistant = await Assistant.start(settings)
    try:
        with pytest.raises(ConfigurationError, match="MICROSOFT_APP_ID is empty"):
            build_web_app(assistant)
    finally:
        await assistant.close()


async def test_single_tenant_needs_its_tenant(database_url: str) -> None:
    settings = make_settings(
        database_url,
        MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD="secret",
        MICROSOFT_APP_TYPE="SingleTenant",
    )
    assistant = await Assistant.start(settings)
    try:
        with pytest.raises(ConfigurationError, match="MICROSOFT_APP_TENANT_ID"):
            build_web_app(assistant)
    finally:
        await assistant.close()


async def test_an_app_id_needs_its_secret(database_url: str) -> None:
    settings = make_settings(database_url, MICROSOFT_APP_ID=APP_ID)
    assistant = await Assistant.start(settings)
    try:
        with pytest.raises(ConfigurationError, match="MICROSOFT_APP_PASSWORD is empty"):
            build_web_app(assistant)
    finally:
        await assistant.close()


async def test_unconfigured_teams_has_no_endpoint(database_url: str) -> None:
    assistant = await Assistant.start(make_settings(database_url))
    client: TestClient[Any, Any] = TestClient(TestServer(build_web_app(assistant)))
    await client.start_server()
    try:
        response = await client.post("/api/messages", json=fixture("personal_message"))
        assert response.status == 404
    finally:
        await client.close()
        await assistant.close()


async def test_malformed_requests(served: Served) -> None:
    post = served.client.post
    assert (
        await post("/api/messages", data=b"{", headers={"Content-Type": "application/json"})
    ).status == 400
    assert (
        await post("/api/messages", data=b"hi", headers={"Content-Type": "text/plain"})
    ).status == 415
    assert (await post("/api/messages", json={"text": "no type"})).status == 400
    no_tenant = TeamsUser(served).message("qualify")
    del no_tenant["channelData"]
    del no_tenant["conversation"]["tenantId"]
    response = await served.post(no_tenant)
    assert response.status == 400
    assert "qualify" not in await response.text()  # bodies are never echoed


async def test_ignored_activities_are_acknowledged(served: Served) -> None:
    assert await served.activity(TeamsUser(served)._base("installation_update")) == 200
    typing = TeamsUser(served)._base("personal_message")
    typing["type"] = "typing"
    assert await served.activity(typing) == 200
    assert served.connector.calls == []


async def test_a_redelivered_activity_is_processed_once(served: Served) -> None:
    dana = TeamsUser(served)
    activity = dana.message("qualify")
    assert await served.activity(activity) == 202
    assert await served.activity(activity) == 200  # Teams retried: recorded already
    assert len(served.connector.delivered()) == 1
