"""Block Kit rendering: escaping, controls, and Slack's limits at N and N+1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack.render import (
    MAX_BLOCKS,
    MAX_FIELD_TEXT,
    MAX_SECTION_TEXT,
    MODAL_ACTION,
    SlackPost,
    SlackUpload,
    escape,
    prompt_key_of,
    render,
    render_home,
    split_text,
)
from assistant.events import (
    Divider,
    Field_,
    Fields,
    File,
    Heading,
    Image,
    Option,
    Outbound,
    Paragraph,
    Question,
    Span,
    text,
)

HOSTILE = "<!channel> <@U123> & <https://evil.example|click> <!here>"


def posts(outbound: Outbound) -> list[SlackPost]:
    parts = render(outbound)
    assert all(isinstance(p, SlackPost) for p in parts)
    return [p for p in parts if isinstance(p, SlackPost)]


def all_text(post: SlackPost) -> str:
    return json.dumps(post.blocks) + post.text


def mrkdwn_texts(node: object) -> list[str]:
    """Every text Slack parses as markup (plain_text objects are shown literally)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(str(node["text"]))
        for value in node.values():
            found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += mrkdwn_texts(value)
    return found


def test_hostile_text_is_escaped_everywhere_it_can_ping() -> None:
    outbound = Outbound(
        blocks=(
            text("Customer: ", Span(text=HOSTILE, style="bold")),
            Fields(items=(Field_(label=HOSTILE, value=HOSTILE),)),
            Question(
                prompt_key="k",
                text=HOSTILE,
                input="choice",
                options=(Option(value="a", label=HOSTILE),),
                help=HOSTILE,
                example=HOSTILE,
            ),
        )
    )
    [post] = posts(outbound)
    rendered = "\n".join(mrkdwn_texts(post.blocks))
    for dangerous in ("<!channel>", "<@U123>", "<!here>", "<https://evil"):
        assert dangerous not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp;" in rendered
    # The fallback text (used for notifications) is escaped too.
    assert "<!channel>" not in post.text and "&lt;!channel&gt;" in post.text
    # A button label is plain_text: shown exactly as typed, never parsed.
    button = post.blocks[[b["type"] for b in post.blocks].index("actions")]["elements"][0]
    assert button["text"] == {"type": "plain_text", "text": HOSTILE, "emoji": True}


def test_styles_become_mrkdwn_and_links_stay_links() -> None:
    paragraph = Paragraph(
        spans=(
            Span(text="bold ", style="bold"),
            Span(text="it", style="italic"),
            Span(text=" "),
            Span(text="x<y", style="code"),
            Span(text=" docs", link="https://example.com/a?b=1&c=2"),
        )
    )
    [post] = posts(Outbound(blocks=(paragraph,)))
    section = post.blocks[0]["text"]["text"]
    assert section == "*bold* _it_ `x&lt;y` <https://example.com/a?b=1&amp;c=2|docs>"


@pytest.mark.parametrize(("count", "messages"), [(MAX_BLOCKS, 1), (MAX_BLOCKS + 1, 2)])
def test_fifty_blocks_fit_one_message_and_fifty_one_take_two(count: int, messages: int) -> None:
    parts = posts(Outbound(blocks=tuple(Divider() for _ in range(count))))
    assert len(parts) == messages
    assert all(len(p.blocks) <= MAX_BLOCKS for p in parts)
    assert sum(len(p.blocks) for p in parts) == count


@pytest.mark.parametrize(("length", "sections"), [(MAX_SECTION_TEXT, 1), (MAX_SECTION_TEXT + 1, 2)])
def test_section_text_splits_past_3000_characters(length: int, sections: int) -> None:
    [post] = posts(Outbound(blocks=(text("x" * length),)))
    assert len(post.blocks) == sections
    assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in post.blocks)
    assert "".join(b["text"]["text"] for b in post.blocks) == "x" * length


def test_splitting_never_cuts_an_escaped_entity() -> None:
    raw = "a" * (MAX_SECTION_TEXT - 2) + "&&&&"
    pieces = split_text(escape(raw), MAX_SECTION_TEXT)
    assert all(len(p) <= MAX_SECTION_TEXT for p in pieces)
    assert "".join(pieces) == escape(raw)
    assert not pieces[0].endswith(("&", "&a", "&am"))


def test_a_long_summary_is_split_into_several_messages_never_truncated() -> None:
    paragraphs = tuple(text(f"line {i} " + "y" * 2900) for i in range(120))
    parts = posts(Outbound(blocks=(Heading(text="Summary"), *paragraphs)))
    assert len(parts) == 3  # 121 blocks, 50 per message
    joined = "".join(all_text(p) for p in parts)
    assert all(f"line {i} " in joined for i in range(120))


@pytest.mark.parametrize(("count", "sections"), [(10, 1), (11, 2)])
def test_ten_fields_per_section(count: int, sections: int) -> None:
    fields = Fields(items=tuple(Field_(label=f"L{i}", value="v") for i in range(count)))
    [post] = posts(Outbound(blocks=(fields,)))
    assert len(post.blocks) == sections
    assert all(len(b["fields"]) <= 10 for b in post.blocks)


def test_a_field_over_2000_characters_becomes_a_section_of_its_own() -> None:
    label = "Notes"
    fits = "v" * (MAX_FIELD_TEXT - len(f"*{label}*\n"))
    [post] = posts(Outbound(blocks=(Fields(items=(Field_(label=label, value=fits),)),)))
    assert "fields" in post.blocks[0]
    [post] = posts(Outbound(blocks=(Fields(items=(Field_(label=label, value=fits + "v"),)),)))
    assert "fields" not in post.blocks[0] and post.blocks[0]["text"]["text"].endswith("v")


def question(input: str, options: int = 0, **extra: object) -> Question:
    return Question(
        prompt_key="run:3:step",
        text="Pick one",
        input=input,
        options=tuple(Option(value=f"v{i}", label=f"Option {i}") for i in range(options)),
        **extra,
    )


def controls(q: Question) -> list[dict[str, Any]]:
    [post] = posts(Outbound(blocks=(q,)))
    assert post.question
    actions = [b for b in post.blocks if b["type"] == "actions"]
    if not actions:
        return []
    assert prompt_key_of(actions[0]["block_id"]) == "run:3:step"
    return list(actions[0]["elements"])


def test_five_choices_are_buttons_and_six_a_select() -> None:
    assert [e["type"] for e in controls(question("choice", 5))] == ["button"] * 5
    [select] = controls(question("choice", 6))
    assert select["type"] == "static_select" and len(select["options"]) == 6


def test_yes_no_is_two_buttons_date_a_picker_long_text_a_modal_button() -> None:
    yes, no = controls(question("yes_no"))
    assert (yes["value"], no["value"]) == ("yes", "no") and yes["style"] == "primary"
    [picker] = controls(question("date"))
    assert picker["type"] == "datepicker"
    [write] = controls(question("long_text"))
    assert write["action_id"] == MODAL_ACTION and write["value"] == "run:3:step"
    assert controls(question("number")) == []
    multi, done = controls(question("multi_choice", 3))
    assert multi["type"] == "multi_static_select" and done["action_id"].endswith(".done")


@pytest.mark.parametrize(("length", "shortened"), [(75, False), (76, True)])
def test_button_labels_respect_75_characters(length: int, shortened: bool) -> None:
    q = Question(
        prompt_key="run:3:step",
        text="?",
        input="choice",
        options=(Option(value="a", label="b" * length),),
    )
    [button] = controls(q)
    label = button["text"]["text"]
    assert len(label) <= 75
    assert label.endswith("…") is shortened


def test_a_question_stays_whole_in_the_last_message() -> None:
    filler = tuple(Divider() for _ in range(MAX_BLOCKS - 1))
    parts = posts(Outbound(blocks=(*filler, question("choice", 2))))
    assert len(parts) == 2
    assert not parts[0].question and parts[1].question
    assert [b["type"] for b in parts[1].blocks][:2] == ["section", "actions"]


def test_images_and_files_become_uploads() -> None:
    parts = render(
        Outbound(
            blocks=(
                text("Map"),
                Image(title="Value stream map", alt_text="a" * 2500, png=b"\x89PNG"),
                File(filename="readout.md", title="Readout", content=b"# Readout"),
            )
        )
    )
    assert [type(p) for p in parts] == [SlackPost, SlackUpload, SlackUpload]
    image = parts[1]
    assert isinstance(image, SlackUpload)
    assert image.filename == "value-stream-map.png" and len(image.alt_text or "") <= 2000


def test_home_view_is_capped_at_100_blocks_and_has_a_default() -> None:
    view = render_home(Outbound(blocks=tuple(Divider() for _ in range(150))))
    assert view["type"] == "home" and len(view["blocks"]) == 100
    empty = render_home(Outbound())
    assert "/vsa qualify" in json.dumps(empty)
