"""Neutral blocks as Markdown or HTML documents (exports, readouts), escaped for each."""

from __future__ import annotations

import base64
import html
import re

from assistant.events import (
    Block,
    BulletList,
    Divider,
    Fields,
    File,
    Heading,
    Image,
    Paragraph,
    Question,
    Span,
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_spans(spans: tuple[Span, ...]) -> str:
    marks = {"bold": "**", "italic": "_", "code": "`", "plain": ""}
    out = []
    for span in spans:
        text = span.text if span.style == "code" else md_escape(span.text)
        if span.style == "code":
            text = text.replace("`", "'")
        mark = marks[span.style]
        out.append(f"{mark}{text}{mark}" if text.strip() else text)
    return "".join(out)


def to_markdown(blocks: list[Block]) -> str:
    parts: list[str] = []
    for block in blocks:
        match block:
            case Heading(text=text):
                parts.append(f"## {md_escape(text)}")
            case Paragraph(spans=spans):
                parts.append(_md_spans(spans))
            case BulletList(items=items):
                parts.append("\n".join(f"- {_md_spans(item)}" for item in items))
            case Fields(items=items):
                rows = [f"| {md_escape(f.label)} | {md_escape(f.value)} |" for f in items]
                parts.append("\n".join(["| | |", "|---|---|", *rows]))
            case Divider():
                parts.append("---")
            case Image(title=title, alt_text=alt):
                data = base64.b64encode(block.content).decode()
                parts.append(
                    f'![{md_escape(alt)}](data:image/png;base64,{data} "{md_escape(title)}")'
                )
            case File(filename=filename):
                parts.append(f"_Attached: {md_escape(filename)}_")
            case Question():
                pass
    return "\n\n".join(parts) + "\n"


def _html_spans(spans: tuple[Span, ...]) -> str:
    tags = {"bold": "strong", "italic": "em", "code": "code"}
    out = []
    for span in spans:
        text = html.escape(span.text)
        tag = tags.get(span.style)
        out.append(f"<{tag}>{text}</{tag}>" if tag else text)
    return "".join(out)


def html_body(blocks: list[Block]) -> str:
    """The blocks as an HTML fragment, every piece of text escaped."""
    body: list[str] = []
    for block in blocks:
        match block:
            case Heading(text=text):
                body.append(f"<h2>{html.escape(text)}</h2>")
            case Paragraph(spans=spans):
                body.append(f"<p>{_html_spans(spans)}</p>")
            case BulletList(items=items):
                body.append("<ul>" + "".join(f"<li>{_html_spans(i)}</li>" for i in items) + "</ul>")
            case Fields(items=items):
                rows = "".join(
                    f"<tr><th>{html.escape(f.label)}</th><td>{html.escape(f.value)}</td></tr>"
                    for f in items
                )
                body.append(f"<table>{rows}</table>")
            case Divider():
                body.append("<hr>")
            case Image(title=image_title, alt_text=alt):
                data = base64.b64encode(block.content).decode()
                body.append(
                    f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{html.escape(image_title)}</figcaption></figure>"
                )
            case File(filename=filename):
                body.append(f"<p><em>Attached: {html.escape(filename)}</em></p>")
            case Question():
                pass
    return "\n".join(body)


def to_html(blocks: list[Block], title: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;line-height:1.5}"
        "th{text-align:left;padding-right:1rem}table{border-collapse:collapse}"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head>\n<body>\n"
        + html_body(blocks)
        + "\n</body></html>\n"
    )
