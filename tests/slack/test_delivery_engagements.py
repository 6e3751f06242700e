"""A delivery engagement through Slack's real endpoints: the SA sets it up in a DM,
mentioning its project manager, PSE and a workstream's DRI; binds the channel; and the
channel sees where it stands, the checklist marked, the kickoff with the principles and
the proof of value's status changes announced."""

from __future__ import annotations

import json

from sqlalchemy import select

from adapters.slack.testing import markup_texts, message_body, shown
from storage.models import Engagement, EngagementMember, Participant
from tests.slack.conftest import Served, SlackUser

CHANNEL = "C0200"


def channel_text(served: Served) -> str:
    return "\n".join(
        json.dumps(p.get("blocks")) + "\n" + str(p.get("text")) for p in served.fake.posts(CHANNEL)
    )


async def mention(served: Served, sa: SlackUser, user: str) -> None:
    """A reply in the DM that is only a mention, as Slack sends it (not escaped)."""
    await served.event(message_body(f"<@{user}>", user=sa.user, channel=sa.channel, team=sa.team))
    await served.settle()


async def test_a_delivery_engagement_set_up_and_followed_in_its_channel(served: Served) -> None:
    sa = SlackUser(served)
    await sa.say("new engagement")
    for answer in ("Acme", "Acme rollout", "2027-01-11"):
        await sa.say(answer)
    await sa.click("2")
    await sa.say("6")
    await sa.click("devsecops_transformation")
    await sa.say("SOW-3184")
    await mention(served, sa, "U0005")  # the project manager
    await mention(served, sa, "U0006")  # the PSE
    await sa.say("skip")  # no TA yet
    await sa.say("<!channel> pipelines")  # a workstream, named by someone careless
    await mention(served, sa, "U0007")  # its DRI
    await sa.say("no")
    summary = sa.text()
    assert "Engagement set up: Acme rollout" in summary
    assert "Use case" in summary and "DevSecOps transformation" in summary
    assert "person-u0005" in summary and "person-u0007" in summary
    assert "<!channel>" not in sa.markup() and "<!channel> pipelines" in shown(sa.posts())

    def members(session: object) -> dict[str, str]:
        rows = session.execute(  # type: ignore[attr-defined]
            select(Participant.user_id, EngagementMember.role).join(
                EngagementMember, EngagementMember.participant_id == Participant.id
            )
        )
        return {user: role for user, role in rows}

    assert await served.assistant.db.run(members) == {
        "U0001": "owner",
        "U0005": "owner",  # the PM runs it
        "U0006": "member",
        "U0007": "member",
    }
    engagement = await served.assistant.db.run(lambda s: s.scalar(select(Engagement)))
    assert engagement is not None and engagement.team is not None
    assert engagement.team["project_manager"]["user_id"] == "U0005"

    # The channel: bound, then /vsa status shows the plan and where it stands.
    await sa.command("bind Acme rollout", from_channel=CHANNEL)
    await sa.command("status", from_channel=CHANNEL)
    status = str(served.fake.posts(CHANNEL)[-1]["text"])
    assert "DevSecOps transformation" in status and "SOW-3184" in status
    assert "Checklist: 0 of 15 done; next: 1. Handover to delivery." in status

    # The checklist, marked from the channel by the PM.
    pm = SlackUser(served, user="U0005", channel="D0005")
    await pm.command("checklist done handover", from_channel=CHANNEL)
    assert "Marked done: 1. Handover to delivery — by person-u0005" in channel_text(served)
    await pm.command("checklist", from_channel=CHANNEL)
    listing = str(served.fake.posts(CHANNEL)[-1]["text"])
    assert "☑ 1. Handover to delivery — done by" in listing
    assert "☐ 2. Stakeholder planning" in listing

    # The kickoff message, with the eight principles, in the channel.
    await pm.command("kickoff", from_channel=CHANNEL)
    kickoff = str(served.fake.posts(CHANNEL)[-1]["text"])
    assert "Kickoff: Acme rollout" in kickoff
    assert "The eight principles" in kickoff and "Small batches" in kickoff

    # The proof of value: each status change announced in the channel.
    await sa.command("pov status planning", from_channel=CHANNEL)
    assert "Proof of value for Acme rollout: → Planning" in str(
        served.fake.posts(CHANNEL)[-1]["text"]
    )
    await sa.command("pov status in progress")  # from the DM: announced in the channel
    assert "The proof of value of Acme rollout is now In Progress." in sa.text()
    assert "Planning → In Progress" in str(served.fake.posts(CHANNEL)[-1]["text"])
    await pm.command("pov outcome won", from_channel=CHANNEL)
    assert "outcome open → won" in str(served.fake.posts(CHANNEL)[-1]["text"])
    assert "<!channel>" not in "\n".join(markup_texts(served.fake.posts(CHANNEL)))
