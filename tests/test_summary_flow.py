"""Findings in the conversation, as the terminal chat has them: two people describe the
same workflow differently, the SA is told when everyone has finished, ``summary``
posts the findings (both answers of a disagreement, the DORA band), ``readout``
posts the stakeholder document, and hostile text stays text everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import File, Image
from tests.chat import Chat
from tests.records import log_raid_and_actions
from tests.test_interview_flow import sent_to, set_up_engagement, text_to

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> *bold* [x](http://evil) | # h"


async def answer_by_path(chat: Chat, answers: dict[str, str], limit: int = 300) -> None:
    """Answer each question from ``answers`` by its path ("steps[1].wait_time"), else by
    its step id ("wait_time"), else as a hurried participant would."""
    for _ in range(limit):
        question = chat.question
        if question is None or question.prompt_key.startswith(("menu:", "home:", "start:")):
            return
        path = question.prompt_key.rsplit(":", 1)[-1]
        step_id = path.rsplit(".", 1)[-1]
        typed = answers.get(path, answers.get(step_id))
        if typed is None:
            match question.input:
                case "duration":
                    typed = "1 hour"
                case "percent":
                    typed = "80%"
                case "number":
                    typed = "2"
                case "choice":
                    typed = question.options[0].label
                case "multi_choice":
                    typed = "1"
                case "yes_no" | "add_another":
                    typed = "no"
                case "date":
                    typed = "2027-06-30"
                case _:
                    typed = "Something"
        await chat.say(typed)
        if "Thank you!" in chat.text:
            return
        if chat.question is question:
            raise AssertionError(f"stuck at {path} with {typed!r}: {chat.text}")
    raise AssertionError("the interview did not end")


async def start(chat: Chat) -> None:
    await chat.click("start")
    await chat.say("london")  # then the interview, at once
    assert chat.question is not None and "Question 1 of" in (chat.question.position or "")


DANA = {
    "steps[0].name": "Code review",
    "steps[0].process_time": "2 hours",
    "steps[0].wait_time": "3 days",
    "steps[0].complete_accurate": "90%",
    "steps[0].handoff": "yes",
    "steps[0].handoff_to": HOSTILE,
    "steps[0].automation": "manual",
    "steps[0].pain": HOSTILE,
    "steps[0]._more": "yes",
    "steps[1].name": "Deploy",
    "steps[1].process_time": "30 minutes",
    "steps[1].wait_time": "1 to 2 days",
    "steps[1].approval": "yes",
    "steps[1].approver": "The CAB",
    "deploy_frequency": "Between once per week and once per month",
    "lead_time": "Between one week and one month",
    "change_failure_rate": "15%",
    "recovery_time": "Less than one day",
}
SAM = {
    "steps[0].name": "code review",
    "steps[0].process_time": "3 hours",
    "steps[0].wait_time": "2 weeks",
    "steps[0].complete_accurate": "40%",
    "steps[0]._more": "no",
    "deploy_frequency": "Between once per week and once per month",
    "lead_time": "Between one week and one month",
    "change_failure_rate": "10 to 20%",
    "recovery_time": "Less than one day",
}


async def test_findings_reach_the_sa_and_the_channel(clocked: tuple[Assistant, FixedClock]) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("summary")
    assert "Nothing to summarize for Acme VSA yet" in sa.text  # a delivery engagement

    await sa.say("interview idea-to-production dana and sam")
    dana, sam = Chat(assistant, "dana"), Chat(assistant, "sam")
    await start(dana)
    await answer_by_path(dana, DANA)
    assert "dana finished" in text_to(sa)
    await sa.say("summary")
    assert "1 interview still under way is not counted yet" in sa.text  # sam's
    assert "Based on the finished interviews of 1 participant: dana" in sa.text

    await start(sam)
    await answer_by_path(sam, SAM)
    told = sent_to(sa)[-1].plain_text()
    assert "Everyone invited to Map your Idea to Production workflow (2) has finished" in told
    assert "lead time" in told and "the longest wait is before Code review" in told

    await sa.say("summary")
    said = sa.text
    assert "Map your Idea to Production workflow — findings" in said
    assert "Based on the finished interviews of 2 participants: dana, sam" in said
    # Both answers of the disagreement, with their authors; never one averaged figure alone.
    assert "Code review — wait: dana: 3 days · sam: 2 weeks" in said
    assert "Code review — %C/A: sam: 40% · dana: 90%" in said
    assert "Lead time (Σ hands-on + wait)" in said and "· 2 people" in said
    assert "Manual handoff — 1. Code review" in said and "Approval — 2. Deploy" in said
    assert "DORA four keys — State of DevOps 2024 table" in said
    assert "Nearest cluster across the four keys: medium" in said
    assert "Recommendations" in said and "Shorten the waits before Code review and Deploy" in said
    assert HOSTILE in said  # carried as text: each renderer escapes it

    await sa.say("summary 2023")  # the 2023 table, by its year
    assert "DORA four keys — State of DevOps 2023 table" in sa.text
    assert "of teams in 2023" in sa.text

    # A participant may not post the findings; the owner may post the readout.
    await dana.say("summary")
    assert "Only" in dana.text and "summary" in dana.text
    await sa.say("readout")
    files = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    assert len(files) == 1 and files[0].filename == "acme-vsa-readout.md"
    document = files[0].content.decode()
    # A delivery engagement's readout, with what its interviews found.
    assert "## 3. What the discovery interviews found" in document
    assert "Participant 1: 3 days · Participant 2: 2 weeks" in document
    assert "## 4. RAID and open actions" in document
    assert "No open risks, assumptions, issues, dependencies or actions." in document
    assert "<script>" not in document and "\\<script\\>" in document
    assert "<!channel>" not in document

    # The value stream map: a turn carries it as data (a turn never waits for a drawing);
    # the dispatcher draws it just before posting, so the person gets a real PNG.
    await sa.say("summary")
    images = [b for m in sa.replies for b in m.blocks if isinstance(b, Image)]
    assert len(images) == 1 and images[0].map is not None
    assert [step["name"] for step in images[0].map["steps"]] == ["Code review", "Deploy"]
    assert "Code review → Deploy" in images[0].alt_text
    assert images[0].png is not None and images[0].png.startswith(b"\x89PNG")
    # The readout comes with the maps beside it.
    await sa.say("readout")
    assert [type(b) for m in sa.replies for b in m.blocks][-2:] == [File, Image]


async def test_the_readout_lists_open_raid_items_and_actions_but_nothing_internal(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await assistant.db.run(log_raid_and_actions)
    await sa.say("readout")
    [document] = [b for m in sa.replies for b in m.blocks if isinstance(b, File)]
    section = document.content.decode().split("## 3. RAID and open actions", 1)[1]
    assert "Risk \\#1: \\<\\!channel\\> Vendor late — impact high; owner sa; due 26 Feb 2027" in (
        section
    )
    assert "Action: Renew certificates — owner sa; due 18 Feb 2027" in section
    assert "Action: Later thing" in section  # open, though not due yet
    assert "Margin at risk" not in section and "Rework the quote" not in section
    assert "No open risks" not in section
