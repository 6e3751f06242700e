"""Neutral messages into Adaptive Cards: escaping, controls, and the size limit."""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.render import (
    CARD_CONTENT_TYPE,
    MAX_ACTIVITY_BYTES,
    escape_markdown,
    render,
    render_parts,
    utf16_size,
)
from assistant.events import (
    BulletList,
    Divider,
    Field_,
    Fields,
    File,
    Heading,
    Image,
    Option,
    Outbound,
    Question,
    Span,
    text,
)
from tests.teams.conftest import card_text

HOSTILE = "*bold* _it_ [click](https://evil.example) <at>Everyone</at> <b>html</b> &amp; \\"


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == CARD_CONTENT_TYPE
    card: dict[str, Any] = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def elements(card: dict[str, Any]) -> list[dict[str, Any]]:
    return list(card["body"])


def question(input: str, options: tuple[Option, ...] = (), **kw: object) -> Outbound:
    return Outbound(
        blocks=(
            Question(prompt_key="run:3:step", text="Pick?", input=input, options=options, **kw),
        )
    )


def test_user_text_is_literal_in_text_runs() -> None:
    (activity,) = render(Outbound(blocks=(text("Customer: ", Span(text=HOSTILE, style="bold")),)))
    card = card_of(activity)
    (block,) = elements(card)
    assert block["type"] == "RichTextBlock"  # TextRun: "Markdown is not supported"
    runs = block["inlines"]
    assert runs[1] == {"type": "TextRun", "text": HOSTILE, "weight": "Bolder"}
    # Nothing anywhere asks Teams to mention anyone or parse markup.
    assert "entities" not in activity and "textFormat" not in activity
    assert '"type": "TextBlock"' not in json.dumps(card)


def test_fact_values_are_markdown_escaped() -> None:
    (activity,) = render(Outbound(blocks=(Fields(items=(Field_(label="Notes", value=HOSTILE),)),)))
    (facts,) = elements(card_of(activity))
    assert facts["type"] == "FactSet"
    value = facts["facts"][0]["value"]
    assert value == (
        "\\*bold\\* \\_it\\_ \\[click\\](https://evil.example) <at>Everyone</at> "
        "<b>html</b> &amp; \\\\"
    )
    assert escape_markdown("- a list?") == "\\- a list?"
    assert escape_markdown("1. first") == "1\\. first"
    assert escape_markdown("3.5 days") == "3.5 days"


def test_links_are_ours_only() -> None:
    (activity,) = render(Outbound(blocks=(text(Span(text="docs", link="https://example.com/d")),)))
    run = elements(card_of(activity))[0]["inlines"][0]
    assert run["selectAction"] == {"type": "Action.OpenUrl", "url": "https://example.com/d"}


def test_yes_no_is_two_buttons_carrying_the_prompt_key() -> None:
    (activity,) = render(
        question("yes_no", (Option(value="yes", label="Yes"), Option(value="no", label="No")))
    )
    card = card_of(activity)
    assert card["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Yes",
            "data": {"prompt_key": "run:3:step", "value": "yes"},
        },
        {
            "type": "Action.Submit",
            "title": "No",
            "data": {"prompt_key": "run:3:step", "value": "no"},
        },
    ]


def test_many_choices_become_a_choice_set() -> None:
    options = tuple(Option(value=f"v{i}", label=f"Option {i}") for i in range(8))
    (activity,) = render(question("choice", options))
    card = card_of(activity)
    choice_set = next(e for e in elements(card) if e["type"] == "Input.ChoiceSet")
    assert choice_set["id"] == "value" and choice_set["style"] == "compact"
    assert len(choice_set["choices"]) == 8
    assert card["actions"] == [
        {"type": "Action.Submit", "title": "Submit", "data": {"prompt_key": "run:3:step"}}
    ]


def test_multi_choice_date_and_long_text_inputs() -> None:
    options = (Option(value="a", label="A"), Option(value="b", label="B"))
    multi = card_of(render(question("multi_choice", options))[0])
    choice_set = next(e for e in elements(multi) if e["type"] == "Input.ChoiceSet")
    assert choice_set["isMultiSelect"] is True
    assert multi["actions"][0]["data"] == {"prompt_key": "run:3:step", "multi": True}

    date = card_of(render(question("date", optional=True))[0])
    date_input = next(e for e in elements(date) if e["type"] == "Input.Date")
    assert date_input["id"] == "value" and date_input["isRequired"] is False

    long_text = card_of(render(question("long_text"))[0])
    box = next(e for e in elements(long_text) if e["type"] == "Input.Text")
    assert box["isMultiline"] is True and box["isRequired"] is True


def test_a_typed_question_says_so_and_has_no_controls() -> None:
    card = card_of(render(question("number", example="2,500", help="Users of the platform"))[0])
    assert "actions" not in card
    shown = card_text(card)
    assert "Pick?" in shown and "2,500" in shown and "Reply with your answer." in shown


def test_headings_bullets_dividers() -> None:
    message = Outbound(
        blocks=(
            Heading(text="Verdict"),
            BulletList(items=((Span(text="one"),), (Span(text="two"),))),
            Divider(),
            text("after"),
        )
    )
    (activity,) = render(message)
    body = elements(card_of(activity))
    assert body[0]["inlines"][0]["size"] == "Large"
    assert [b["inlines"][-1]["text"] for b in body[1:3]] == ["one", "two"]
    assert body[3]["separator"] is True
    assert activity["summary"].startswith("Verdict")


def test_a_long_summary_is_split_and_every_part_fits() -> None:
    paragraphs = tuple(
        text(f"Finding {i}: " + "lorem ipsum dolor sit amet " * 40) for i in range(60)
    )
    long_value = "é" * 30_000  # one answer longer than a card
    message = Outbound(
        blocks=(
            Heading(text="Readout"),
            *paragraphs,
            Fields(items=(Field_(label="Long answer", value=long_value),)),
            Question(
                prompt_key="run:9:next",
                text="Share it?",
                input="yes_no",
                options=(Option(value="yes", label="Yes"), Option(value="no", label="No")),
            ),
        )
    )
    parts = render_parts(message)
    assert len(parts) > 3
    for part in parts:
        assert utf16_size(part.activity) <= MAX_ACTIVITY_BYTES
    # Nothing lost, in order; the question (with its buttons) is in the last part only.
    shown = "\n".join(card_text(card_of(p.activity)) for p in parts)
    assert all(f"Finding {i}:" in shown for i in range(60))
    assert shown.index("Finding 59") < shown.index("Long answer") < shown.index("Share it?")
    assert shown.replace("\n", "").count("é") == len(long_value)
    assert [p.question for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[1].activity["summary"].startswith("(continued)")


def test_images_are_inline_image_attachments_after_their_title() -> None:
    picture = Image(title="Value stream map", alt_text="Six steps", png=b"\x89PNG" + b"\0" * 60_000)
    before, image, after = render_parts(
        Outbound(blocks=(text("Findings"), picture, text("Caption")))
    )
    assert card_text(card_of(before.activity)).endswith("Value stream map")
    (attachment,) = image.activity["attachments"]
    assert attachment["contentType"] == "image/png"
    assert attachment["contentUrl"].startswith("data:image/png;base64,iVBORw")
    assert attachment["name"] == "value-stream-map.png"
    assert image.activity["summary"] == "Six steps"
    assert "Caption" in card_text(card_of(after.activity))
    # Over Teams' 1 MB for an inline picture: a note instead of a message Teams refuses.
    huge = Image(title="Huge", alt_text="x", png=b"\0" * (1024 * 1024 + 1))
    (only,) = render(Outbound(blocks=(huge,)))
    assert "too large to show in Teams" in card_text(card_of(only))


def test_files_show_their_text_or_say_where_to_get_them() -> None:
    readout = File(filename="readout.md", title="Readout", content=b"# Acme\n*not bold*")
    (activity,) = render(Outbound(blocks=(readout,)))
    shown = card_text(card_of(activity))
    assert "# Acme\n*not bold*" in shown  # literal, in a monospace run
    page = (
        b"<html><head><style>p{x:y}</style><script>alert(1)</script></head><body>"
        b"<h1>Acme readout</h1><p>Lead time <b>3&nbsp;weeks</b> &lt;!channel&gt;</p>"
        b"<ul><li>One *x*</li><li>Two</li></ul><img alt='The map' src='data:x'></body></html>"
    )
    html_readout = File(filename="r.html", title="Readout", content=page, mime_type="text/html")
    (activity,) = render(Outbound(blocks=(html_readout,)))
    shown = card_text(card_of(activity))
    assert "Acme readout\nLead time 3 weeks <!channel>\n• One *x*\n• Two\n[The map]" in shown
    assert "alert" not in shown and "x:y" not in shown
    deck = File(filename="deck.pdf", title="Deck", content=b"%PDF", mime_type="application/pdf")
    (activity,) = render(Outbound(blocks=(deck,)))
    assert "vsa export" in card_text(card_of(activity))
