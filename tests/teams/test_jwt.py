"""Bot Framework tokens on POST /api/messages: botbuilder's own check, run offline.

Teams signs every activity it posts with a Bot Framework token: an RS256 JWT issued by
https://api.botframework.com for our app id, naming the activity's serviceUrl, signed by
a key published in the Bot Framework's OpenID metadata. botframework-connector fetches
that metadata and its keys with the synchronous ``requests`` library, on the event loop,
so a small http.server in a thread of its own publishes the test's key here, and
``ChannelValidation.open_id_metadata_endpoint`` (the one setting the public-cloud path of
our adapter reads) points at it. Nothing reaches the internet: the bot's own token for
its replies (from login.microsoftonline.com) is a fixed string as well.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botframework.connector.auth import ChannelValidation, MicrosoftAppCredentials
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from adapters.teams.testing import FakeConnector
from storage.models import InboundEvent
from tests.conftest import make_settings
from tests.teams.conftest import Served, TeamsUser, serving

APP_ID = "4f1c0d2e-9b8a-4c7d-8e6f-5a4b3c2d1e0f"
OTHER_APP_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
ISSUER = "https://api.botframework.com"
KID = "test-signing-key-1"
BOT_TOKEN = "bot-token-for-the-bot-connector"  # what login.microsoftonline.com would issue


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class KeyServer:
    """The Bot Framework's OpenID metadata and signing keys, published on 127.0.0.1."""

    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    # Keys the Bot Framework publishes name the channels they may sign for.
    endorsements: tuple[str, ...] = ("msteams",)
    requested: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KID, use="sig", endorsements=list(self.endorsements))
        published = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                published.requested.append(self.path)
                if self.path == "/v1/.well-known/openidconfiguration":
                    body: Any = {
                        "issuer": ISSUER,
                        "jwks_uri": f"{published.url}/v1/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path == "/v1/keys":
                    body = {"keys": [jwk]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.metadata_url = f"{self.url}/v1/.well-known/openidconfiguration"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def token(
        self,
        service_url: str,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KID,
        **claims: Any,
    ) -> str:
        """``Bearer <jwt>`` as the Bot Framework sends it; ``claims`` override the usual ones."""
        now = int(time.time())
        payload = {
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
            "iss": ISSUER,
            "aud": APP_ID,
            **claims,
        }
        signed = jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid})
        return f"Bearer {signed}"


@pytest.fixture
def endorsements() -> tuple[str, ...]:
    return ("msteams",)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, endorsements: tuple[str, ...]) -> Iterator[KeyServer]:
    """A fresh key, published at a fresh URL, with botframework's metadata cache emptied."""
    server = KeyServer(endorsements=endorsements)
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", server.metadata_url)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", lambda *_, **__: BOT_TOKEN)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
async def secured(
    database_url: str, connector: FakeConnector, keys: KeyServer
) -> AsyncIterator[Served]:
    """The app as deployed: MICROSOFT_APP_ID set, so every activity needs a token."""
    settings = make_settings(
        database_url, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="not-used-offline"
    )
    async with serving(settings, connector) as started:
        yield started


async def recorded_events(served: Served) -> int:
    count = await served.assistant.db.run(
        lambda s: s.scalar(select(func.count()).select_from(InboundEvent))
    )
    return int(count or 0)


async def answered_with(served: Served, token: str, status: int) -> dict[str, Any]:
    """Post Dana's "qualify" with ``token``: answered with ``status``, nothing recorded
    or sent. Returns the activity."""
    activity = TeamsUser(served).message("qualify")
    response = await served.post(activity, headers={"Authorization": token})
    assert response.status == status
    assert await response.text() == ""
    await served.settle()
    assert served.connector.calls == []
    assert await recorded_events(served) == 0
    return activity


async def refused(served: Served, keys: KeyServer, token: str) -> None:
    """The activity with ``token`` is refused with nothing recorded or sent; the same
    activity, correctly signed, then goes through (so only the token made the difference)."""
    activity = await answered_with(served, token, 401)
    assert "/v1/keys" in keys.requested  # refused by checking the token, not for lack of keys

    genuine = keys.token(activity["serviceUrl"])
    response = await served.post(activity, headers={"Authorization": genuine})
    assert response.status == 202  # not 200: the refused attempt left nothing behind
    await served.settle()
    assert len(TeamsUser(served).delivered()) == 1  # Dana's one reply


async def test_a_correctly_signed_activity_is_answered(secured: Served, keys: KeyServer) -> None:
    """Dana's message, signed as Teams signs it, is accepted and she gets her reply."""
    dana = TeamsUser(secured)
    activity = dana.message("qualify")
    response = await secured.post(
        activity, headers={"Authorization": keys.token(activity["serviceUrl"])}
    )
    assert response.status == 202, await response.text()
    await secured.settle()

    (reply,) = dana.delivered()
    assert "Which customer (account) is this opportunity for?" in dana.text()
    assert reply.headers["Authorization"] == f"Bearer {BOT_TOKEN}"  # the bot signs its replies
    # The keys really came from the published metadata, not from anywhere else.
    assert keys.requested == ["/v1/.well-known/openidconfiguration", "/v1/keys"]


async def test_a_token_signed_by_another_key_is_refused(secured: Served, keys: KeyServer) -> None:
    """A forged token (right claims, right key id, a key nobody published) gets Dana nothing."""
    forged = keys.token(secured.connector.url, key=new_key())
    await refused(secured, keys, forged)


async def test_a_token_naming_an_unknown_key_is_refused(secured: Served, keys: KeyServer) -> None:
    """A key id nobody published (botframework raises IndexError for it) is a 401 too."""
    unknown = keys.token(secured.connector.url, key=new_key(), kid="someone-elses-key")
    await refused(secured, keys, unknown)


@pytest.mark.parametrize("endorsements", [("slack",)])
async def test_a_key_not_endorsed_for_teams_is_refused(secured: Served, keys: KeyServer) -> None:
    """A genuine Bot Framework key that may sign only for another channel cannot sign a
    Teams activity (botframework raises a bare Exception for it)."""
    await answered_with(secured, keys.token(secured.connector.url), 401)


async def test_unreachable_signing_keys_ask_the_bot_framework_to_try_again(
    secured: Served, keys: KeyServer
) -> None:
    """When the keys cannot be fetched, nothing is recorded and the answer is 503, so
    the Bot Framework redelivers the activity instead of dropping it."""
    token = keys.token(secured.connector.url)
    keys.close()  # the key server is down
    await answered_with(secured, token, 503)


async def test_an_expired_token_is_refused(secured: Served, keys: KeyServer) -> None:
    """A token that expired (beyond the five minutes of clock skew allowed) is refused."""
    now = int(time.time())
    expired = keys.token(secured.connector.url, nbf=now - 3600, exp=now - 600)
    await refused(secured, keys, expired)


async def test_a_token_for_another_bot_is_refused(secured: Served, keys: KeyServer) -> None:
    """A genuine token issued to another app id cannot be replayed to this bot."""
    await refused(secured, keys, keys.token(secured.connector.url, aud=OTHER_APP_ID))


async def test_a_token_for_another_service_url_is_refused(secured: Served, keys: KeyServer) -> None:
    """A token naming another serviceUrl cannot send the bot's replies somewhere else."""
    elsewhere = keys.token("https://smba.trafficmanager.net/elsewhere/")
    await refused(secured, keys, elsewhere)
