"""User text stays text in every format we produce (summaries, Markdown, HTML)."""

from __future__ import annotations

from assistant.definitions import dialogs_dir
from assistant.events import Paragraph, Span
from assistant.markup import literal, parse, rich
from assistant.render import to_html, to_markdown
from assistant.summaries import Summaries

HOSTILE = (
    "<!channel> *bold* _it_ `code` # head - item a::b [x](http://evil) "
    "<script>alert(1)</script> & co"
)


def test_markup_in_a_value_is_not_read_as_markup() -> None:
    blocks = parse(f"# Hello {literal(HOSTILE)}\n\n*{literal(HOSTILE)}* said\n- {literal('- x')}")
    heading, paragraph, bullets = blocks
    assert heading.text == f"Hello {HOSTILE}"  # type: ignore[union-attr]
    assert paragraph.spans == (Span(text=HOSTILE, style="bold"), Span(text=" said"))  # type: ignore[union-attr]
    assert bullets.items == ((Span(text="- x"),),)  # type: ignore[union-attr]


def test_a_value_cannot_start_a_line_of_its_own() -> None:
    blocks = parse(f"Customer:: {literal('Acme' + chr(10) + '# not a heading')}")
    assert len(blocks) == 1 and blocks[0].kind == "fields"
    assert blocks[0].items[0].value == "Acme # not a heading"  # type: ignore[union-attr]


def test_rich_keeps_template_markup_and_values_literal() -> None:
    paragraph = rich("Cancel *{title}*?", title="*x* <!here>")
    assert paragraph == Paragraph(
        spans=(
            Span(text="Cancel "),
            Span(text="*x* <!here>", style="bold"),
            Span(text="?"),
        )
    )


def test_the_qualification_summary_keeps_a_hostile_customer_name_literal() -> None:
    summaries = Summaries(dialogs_dir() / "templates")
    from assistant import qualification

    answers = {
        "customer": HOSTILE,
        "addressable_users": 5000,
        "delivery_focus": True,
        "decision_access": True,
        "decision_makers": None,
        "initiative_apps": None,
        "notes": "line one\nline two",
    }
    blocks = summaries.render(
        "qualification.md.j2", {"answers": answers, **qualification.assess(answers)}
    )
    assert blocks[0].text == f"Qualified, once discovery is done: {HOSTILE}"  # type: ignore[union-attr]
    texts = [span.text for b in blocks if b.kind == "paragraph" for span in b.spans]  # type: ignore[union-attr]
    assert HOSTILE in texts


def test_markdown_and_html_exports_escape_user_text() -> None:
    blocks = [Paragraph(spans=(Span(text=HOSTILE),))]
    markdown = to_markdown(blocks)  # type: ignore[arg-type]
    assert "\\*bold\\*" in markdown and "\\<script\\>" in markdown and "\\[x\\]" in markdown
    page = to_html(blocks, title="<b>t</b>")  # type: ignore[arg-type]
    assert (
        "<script>" not in page
        and "&lt;script&gt;" in page
        and "<title>&lt;b&gt;t&lt;/b&gt;" in page
    )
