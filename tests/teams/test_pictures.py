"""The value stream map reaches Teams as an inline image, intact and once, and the
readout as its text, through the adapter and the fake Bot Connector."""

from __future__ import annotations

import base64
from dataclasses import replace

from adapters.teams.testing import FakeConnector, throttled
from assistant.events import ConversationRef, File, Outbound, text
from assistant.vsm_picture import map_image
from tests.teams.conftest import BOT_ID, CHANNEL, TENANT, Served, card_text
from tests.vsm_maps import sample_map


def channel(connector: FakeConnector) -> ConversationRef:
    return ConversationRef(
        platform="teams",
        workspace=TENANT,
        channel=CHANNEL,
        data={
            "serviceUrl": connector.url,
            "botId": BOT_ID,
            "channelId": "msteams",
            "conversationType": "channel",
        },
    )


def pictures(connector: FakeConnector) -> list[bytes]:
    shown = []
    for call in connector.delivered(CHANNEL):
        for attachment in call.body.get("attachments") or ():
            if attachment.get("contentType") == "image/png":
                url = attachment["contentUrl"]
                assert url.startswith("data:image/png;base64,")
                shown.append(base64.b64decode(url.removeprefix("data:image/png;base64,")))
    return shown


async def test_the_map_is_an_inline_image_and_the_readout_its_text(served: Served) -> None:
    image = await map_image(sample_map(12))
    readout = File(filename="readout.md", title="Readout", content=b"# Acme\n$5 <!channel> *x*")
    message = Outbound(blocks=(text("The findings are ready"), image, readout))
    await served.assistant.dispatcher.send(channel(served.connector), message)

    assert pictures(served.connector) == [image.png]  # byte for byte
    first, picture, rest = served.connector.delivered(CHANNEL)
    assert first.card is not None
    assert card_text(first.card).endswith("Value stream map: Idea to production")
    assert picture.body["summary"].startswith("Value stream map of Idea to production")
    assert rest.card is not None and "# Acme\n$5 <!channel> *x*" in card_text(rest.card)


def carries_a_picture(body: object) -> bool:
    return isinstance(body, dict) and any(
        a.get("contentType") == "image/png" for a in body.get("attachments") or ()
    )


async def test_429s_on_the_picture_post_it_once(served: Served) -> None:
    image = await map_image(sample_map(12))
    # The card goes out; the picture's activity is throttled twice, then accepted.
    served.connector.script(*(replace(r, when=carries_a_picture) for r in throttled("0", count=2)))
    message = Outbound(blocks=(text("The findings are ready"), image))
    await served.assistant.dispatcher.send(channel(served.connector), message)

    assert served.connector.scripted == 0
    assert [c.status for c in served.connector.calls] == [201, 429, 429, 201]
    assert pictures(served.connector) == [image.png]
    assert len(served.connector.delivered(CHANNEL)) == 2  # the card and the picture, once each
