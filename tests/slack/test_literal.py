"""A customer's text reaches Slack so that Slack shows it exactly as typed.

mrkdwn has no escape for ``*``, ``_``, ``~``, `````` ` `````` or ``>``, so text a
person typed travels in rich_text elements (shown as given) and never in a mrkdwn
text object; only our own spans carry a style or a link. Through the real HTTP
endpoint against the fake Slack Web API: an answer, a retro item and a RAID title."""

from __future__ import annotations

from typing import Any

from adapters.slack.testing import home_opened_body, markup_texts, rich_elements, shown
from tests.scenario import DELIVERY_PLAN, QUALIFIED, Type
from tests.slack.conftest import Served, SlackUser
from tests.slack.test_interviews import CHANNEL, set_up_and_bind
from tests.test_retros import give_items

MARKUP = "*bold* _it_ ~s~ `code` > quote <!channel> <https://evil|click> &amp;"


def assert_literal(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``MARKUP`` is shown, whole, in text elements, and nowhere that Slack parses for
    markup except escaped; the elements that show it are returned.

    An element keeps the style our template gives the value around it (a title in
    bold), never one the customer's characters ask for: they stay visible as typed."""
    assert MARKUP in shown(posts)
    holding = [e for e in rich_elements(posts) if "*bold* _it_ ~s~ `code`" in e.get("text", "")]
    assert holding, "the text is not in any rich_text element"
    for element in holding:
        assert element["type"] == "text" and MARKUP in element["text"]
        assert set(element.get("style", {})) <= {"bold"}  # ours; never _it_, ~s~, `code`
    for parsed in markup_texts(posts):
        assert "<!channel>" not in parsed and "<https://evil" not in parsed
        assert "*bold*" not in parsed or "&lt;!channel&gt;" in parsed  # only escaped fallbacks
    # Every link we sent is one we made: the customer's <https://evil|click> is text.
    assert not [e for e in rich_elements(posts) if e["type"] == "link" and "evil" in e["url"]]
    return holding


def bold_texts(posts: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in rich_elements(posts) if e.get("style") == {"bold": True}]


async def test_an_answer_is_shown_literally_and_our_labels_stay_bold(served: Served) -> None:
    sa = SlackUser(served)
    await sa.play([QUALIFIED[0], Type(MARKUP), *QUALIFIED[2:]])
    assert_literal(sa.posts())
    # The summary: our sentence bolds the customer's name (its characters intact), and
    # our field labels are bold; the values are plain.
    summary = next(p for p in sa.posts() if MARKUP in shown(p) and "Account" in bold_texts([p]))
    assert {"type": "text", "text": MARKUP, "style": {"bold": True}} in rich_elements(summary)
    assert {"Account", "Addressable users"} <= set(bold_texts([summary]))
    # The notification text is escaped, and Slack is told not to style it.
    assert "&lt;!channel&gt;" in summary["text"] and summary["mrkdwn"] is False
    # Answered questions are updated in place: the same rules, and no `parse=client`.
    updates = [c.body for c in served.fake.of("chat.update")]
    assert updates and all(u["parse"] == "none" and u["mrkdwn"] is False for u in updates)
    assert all("<!channel>" not in text for text in markup_texts(updates))


async def test_a_retro_item_is_shown_literally_in_the_channel(served: Served) -> None:
    sa = await set_up_and_bind(served)
    await sa.command("retro customer <@U0002>", from_channel=CHANNEL)
    dana = SlackUser(served, user="U0002", channel="D0002")
    await give_items(dana, [MARKUP], [], [])
    await sa.command("retro close", from_channel=CHANNEL)
    assert_literal(served.fake.posts(CHANNEL))
    # The vote button carries it as plain_text: never parsed either.
    assert MARKUP[:60] in str(served.fake.posts(CHANNEL))
    assert "What went well" in shown(served.fake.posts(CHANNEL))


async def test_a_raid_title_is_shown_literally_in_the_listing(served: Served) -> None:
    sa = await set_up_and_bind(served)
    await sa.command("raid add risk", from_channel=CHANNEL)
    for answer in (MARKUP, "skip", "me"):
        await sa.say(answer)
    await sa.click("high")
    await sa.click("medium")
    for answer in ("Ask the platform team", "skip", "no"):
        await sa.say(answer)
    assert_literal(sa.posts())
    before = len(served.fake.posts(CHANNEL))
    await sa.command("raid", from_channel=CHANNEL)
    listing = served.fake.posts(CHANNEL)[before:]
    assert_literal(listing)
    assert "Risks" in shown(listing)


async def test_app_home_shows_an_engagement_named_with_markup_literally(served: Served) -> None:
    sa = SlackUser(served)
    await sa.say("new engagement")
    for answer in (MARKUP, "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    for answer in DELIVERY_PLAN:
        await sa.say(answer)
    assert_literal(sa.posts())
    await served.event(home_opened_body())
    await served.settle()
    [publish] = served.fake.of("views.publish")
    assert_literal([publish.body["view"]])
