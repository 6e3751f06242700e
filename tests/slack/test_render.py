"""Block Kit rendering: escaping, controls, and Slack's limits at N and N+1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.slack.render import (
    MAX_BLOCKS,
    MAX_RICH_TEXT,
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
from adapters.slack.testing import markup_texts, rich_elements, shown
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
    Paragraph,
    Question,
    Span,
    text,
)

HOSTILE = "<!channel> <@U123> & <https://evil.example|click> <!here>"
# Everything mrkdwn would style, ping or link, and an entity that must stay as typed.
MARKUP = "*bold* _it_ ~s~ `code` > quote <!channel> <https://evil|click> &amp;"


def posts(outbound: Outbound) -> list[SlackPost]:
    parts = render(outbound)
    assert all(isinstance(p, SlackPost) for p in parts)
    return [p for p in parts if isinstance(p, SlackPost)]


def all_text(post: SlackPost) -> str:
    return json.dumps(post.blocks) + post.text


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
    # No user text reaches a mrkdwn text object in the blocks at all.
    assert markup_texts(post.blocks) == []
    # Shown as typed: paragraph, label, value, question, option, help, example.
    assert shown(post.blocks).count(HOSTILE) == 7
    # The fallback text (notifications, screen readers) is escaped, with mrkdwn off.
    assert "<!channel>" not in post.text and "&lt;!channel&gt;" in post.text
    assert post.payload()["mrkdwn"] is False
    # A button label is plain_text: shown exactly as typed, never parsed.
    button = post.blocks[[b["type"] for b in post.blocks].index("actions")]["elements"][0]
    assert button["text"] == {"type": "plain_text", "text": HOSTILE, "emoji": True}


def test_user_markup_is_one_unstyled_element_next_to_our_bold_label() -> None:
    paragraph = Paragraph(
        spans=(Span(text="Answer:", style="bold"), Span(text=" "), Span(text=MARKUP))
    )
    [post] = posts(
        Outbound(blocks=(paragraph, Fields(items=(Field_(label="Title", value=MARKUP),))))
    )
    assert [b["type"] for b in post.blocks] == ["rich_text", "rich_text"]
    assert rich_elements(post.blocks) == [
        {"type": "text", "text": "Answer:", "style": {"bold": True}},
        {"type": "text", "text": " "},
        {"type": "text", "text": MARKUP},
        {"type": "text", "text": "Title", "style": {"bold": True}},
        {"type": "text", "text": "\n" + MARKUP},
    ]
    assert markup_texts(post.blocks) == []


def test_styles_become_rich_text_styles_and_links_stay_links() -> None:
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
    assert post.blocks[0]["elements"][0]["type"] == "rich_text_section"
    assert rich_elements(post.blocks) == [
        {"type": "text", "text": "bold ", "style": {"bold": True}},
        {"type": "text", "text": "it", "style": {"italic": True}},
        {"type": "text", "text": " "},
        {"type": "text", "text": "x<y", "style": {"code": True}},
        {"type": "link", "url": "https://example.com/a?b=1&c=2", "text": " docs"},
    ]


@pytest.mark.parametrize(("count", "messages"), [(MAX_BLOCKS, 1), (MAX_BLOCKS + 1, 2)])
def test_fifty_blocks_fit_one_message_and_fifty_one_take_two(count: int, messages: int) -> None:
    parts = posts(Outbound(blocks=tuple(Divider() for _ in range(count))))
    assert len(parts) == messages
    assert all(len(p.blocks) <= MAX_BLOCKS for p in parts)
    assert sum(len(p.blocks) for p in parts) == count


@pytest.mark.parametrize(("length", "blocks"), [(MAX_RICH_TEXT, 1), (MAX_RICH_TEXT + 1, 2)])
def test_rich_text_splits_past_3000_characters(length: int, blocks: int) -> None:
    [post] = posts(Outbound(blocks=(text("x" * length),)))
    assert len(post.blocks) == blocks
    assert all(len(shown(b)) <= MAX_RICH_TEXT for b in post.blocks)
    assert "".join(shown(b) for b in post.blocks) == "x" * length


def test_long_text_splits_at_line_breaks_and_keeps_styles_and_bullets() -> None:
    line = "y" * 999 + "\n"
    paragraph = text(Span(text="Top", style="bold"), " " + line * 4)
    bullets = BulletList(
        items=tuple((Span(text=f"#{i} ", style="bold"), Span(text=line)) for i in range(7))
    )
    [post] = posts(Outbound(blocks=(paragraph, bullets)))
    assert all(sum(len(e["text"]) for e in rich_elements(b)) <= MAX_RICH_TEXT for b in post.blocks)
    paragraphs = [b for b in post.blocks if b["elements"][0]["type"] == "rich_text_section"]
    lists = [b for b in post.blocks if b["elements"][0]["type"] == "rich_text_list"]
    assert len(paragraphs) == 2 and len(lists) == 4  # two items of 1003 characters per block
    assert all(shown(b).endswith("\n") for b in paragraphs[:1])
    assert sum(len(b["elements"][0]["elements"]) for b in lists) == 7
    assert rich_elements(post.blocks)[0] == {"type": "text", "text": "Top", "style": {"bold": True}}


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


def test_fields_are_bold_labels_over_values_split_to_the_limit() -> None:
    fields = Fields(items=tuple(Field_(label=f"L{i}", value="v" * 900) for i in range(11)))
    [post] = posts(Outbound(blocks=(fields,)))
    assert len(post.blocks) == 4  # 11 × ~905 characters, 3000 per block
    assert all(len(shown(b)) <= MAX_RICH_TEXT for b in post.blocks)
    labels = [e["text"] for e in rich_elements(post.blocks) if e.get("style") == {"bold": True}]
    assert labels == [f"L{i}" for i in range(11)]


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
    assert [b["type"] for b in parts[1].blocks][:2] == ["rich_text", "actions"]


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
