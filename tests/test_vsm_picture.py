"""The value stream map picture: drawn, legible at 40 steps, literal text, off the loop."""

from __future__ import annotations

import ast
import asyncio
import io
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from assistant import vsm_picture
from assistant.vsm_picture import (
    FONT_FLOOR,
    MapInput,
    MapStep,
    alt_text,
    build_figure,
    draw_value_stream_map,
    layout,
    map_image,
    render_map,
    short_duration,
    short_percent,
)
from tests.vsm_maps import DAY, sample_map

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pixels(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(png), format="png")[:, :, :3]


def ink(image: np.ndarray) -> float:
    """The share of pixels that are not the white background."""
    return float((image < 0.97).any(axis=2).mean())


def test_a_map_of_12_steps_is_a_png_with_content() -> None:
    png = draw_value_stream_map(sample_map(12))
    image = pixels(png)
    height, width = image.shape[:2]
    expected = layout(12)
    assert (width, height) == (round(expected.width * 100), round(expected.height * 100))
    assert 1200 <= width <= 2000 and 600 <= height <= 1200
    assert 20_000 < len(png) < 1_000_000  # fits a Teams inline image and a Slack upload
    assert 0.04 < ink(image) < 0.6  # boxes, ladder and text: neither blank nor a smear
    # The bottlenecks are highlighted in red (their face and edge), the waits in amber.
    reddish = (image[:, :, 0] > 0.7) & (image[:, :, 1] < 0.35) & (image[:, :, 2] < 0.3)
    assert reddish.sum() > 500


def test_the_same_map_draws_the_same_bytes() -> None:
    assert draw_value_stream_map(sample_map(3)) == draw_value_stream_map(sample_map(3))


def _drawn_texts(map: MapInput) -> tuple[list[object], object, object]:
    figure = build_figure(map)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for ax in figure.axes for t in ax.texts]
    return texts, renderer, figure


def test_a_map_of_40_steps_wraps_into_rows_and_stays_legible() -> None:
    small, big = layout(12), layout(40)
    assert big.rows == 7 and big.per_row == small.per_row
    assert big.width == small.width  # it wraps: nothing shrinks to fit

    texts, renderer, figure = _drawn_texts(sample_map(40))
    assert len(texts) > 40 * 4
    assert min(t.get_fontsize() for t in texts) >= FONT_FLOOR  # type: ignore[attr-defined]
    boxes = [t.get_window_extent(renderer) for t in texts]  # type: ignore[attr-defined]
    whole = figure.bbox  # type: ignore[attr-defined]
    for box in boxes:  # nothing is cut off at the edges
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1
        assert whole.y0 <= box.y0 and box.y1 <= whole.y1
    overlaps = [
        (a, b) for (a, b) in combinations(range(len(boxes)), 2) if boxes[a].overlaps(boxes[b])
    ]
    assert overlaps == [], [(texts[a].get_text(), texts[b].get_text()) for a, b in overlaps[:3]]  # type: ignore[attr-defined]

    # Each step's text stays inside its box (names and details), above it (the
    # bottleneck label) or under it (the process time): measured as drawn.
    by_gid = {t.get_gid(): t.get_window_extent(renderer) for t in texts}  # type: ignore[attr-defined]
    patches = {p.get_gid(): p for ax in figure.axes for p in ax.patches}  # type: ignore[attr-defined]
    for index in range(40):
        box = patches[f"box-{index}"].get_window_extent(renderer)
        for part in ("name", "details", "label", "process"):
            extent = by_gid.get(f"{part}-{index}")
            if extent is None:
                assert part == "label"  # only bottlenecks have one
                continue
            assert box.x0 <= extent.x0 and extent.x1 <= box.x1, (part, index)
            if part in ("name", "details"):
                assert box.y0 <= extent.y0 and extent.y1 <= box.y1, (part, index)
        assert (f"label-{index}" in by_gid) == (index % 5 == 2)

    image = pixels(draw_value_stream_map(sample_map(40)))
    assert image.shape[0] > 2000  # taller, at the same resolution
    assert ink(image) > 0.04


def test_long_and_wide_names_are_cut_to_fit_their_box() -> None:
    wide = MapStep("W" * 80, "M" * 60, (60, 60, 60), (0, 0, 0), (50, 50, 50), "Ш" * 90)
    texts, renderer, figure = _drawn_texts(MapInput("Wide", (wide,), None, None, None, None, 1))
    (box,) = [p for ax in figure.axes for p in ax.patches if p.get_gid() == "box-0"]  # type: ignore[attr-defined]
    edge = box.get_window_extent(renderer)
    for text in texts:
        if text.get_gid() in ("name-0", "details-0", "label-0"):  # type: ignore[attr-defined]
            extent = text.get_window_extent(renderer)  # type: ignore[attr-defined]
            assert edge.x0 <= extent.x0 and extent.x1 <= edge.x1, text.get_gid()  # type: ignore[attr-defined]
            assert text.get_text().count("\n") <= 2  # type: ignore[attr-defined]
    name = next(t for t in texts if t.get_gid() == "name-0")  # type: ignore[attr-defined]
    assert name.get_text().endswith("…")  # type: ignore[attr-defined]


def test_user_text_is_drawn_as_typed_not_as_math() -> None:
    # "$\notacommand{$" is a mathtext error and "$5 … $" would turn italic if parsed.
    texts, _, _ = _drawn_texts(sample_map(5, title="Costs: $5 and $10 <!channel>"))
    drawn = "\n".join(t.get_text() for t in texts)  # type: ignore[attr-defined]
    assert "$5 cost review for <!channel>" in drawn.replace("\n", " ")
    assert "$\\notacommand{$" in drawn
    assert "Costs: $5 and $10 <!channel>" in drawn
    assert not any(t.get_parse_math() for t in texts)  # type: ignore[attr-defined]
    assert draw_value_stream_map(sample_map(5, title="$\\frac{$"))  # renders, no error


def test_an_empty_map_and_missing_figures_still_draw() -> None:
    empty = MapInput("Toolchain upgrades", (), None, None, None, None, 0)
    assert ink(pixels(draw_value_stream_map(empty))) > 0.005
    bare = MapStep("Only a name", None, None, None, None, None)
    lone = MapInput("Incident", (bare,), None, None, None, None, 1)
    assert ink(pixels(draw_value_stream_map(lone))) > 0.01


def test_durations_read_in_calendar_units() -> None:
    assert short_duration((45, 45, 45)) == "45 min"
    assert short_duration((90, 90, 90)) == "1.5 h"
    assert short_duration((2 * DAY, 3 * DAY, 5 * DAY)) == "2–5 d"
    assert short_duration((30, 60, 2 * DAY)) == "30 min – 2 d"
    assert short_duration((21 * DAY, 21 * DAY, 21 * DAY)) == "3 w"
    assert short_duration((90 * DAY,) * 3) == "3 mo"
    assert short_duration((0, 0, 0)) == "0 min"
    assert short_duration(None) == "?"
    assert short_percent((70, 80, 90)) == "70–90%"
    assert short_percent((85, 85, 85)) == "85%"
    assert short_percent((9.3, 3.5, 2.1)) == "2.1–9.3%"  # ends in either order


def test_the_alt_text_says_what_the_picture_shows() -> None:
    text = alt_text(sample_map(3))
    assert text.startswith("Value stream map of Idea to production: 3 steps")
    assert "lead time 2.9–6.4 w; process time 10–23 h; flow efficiency 2.1–9.3%" in text
    assert "longest wait 2–5 d before $5 cost review for <!channel>" in text
    assert "bottlenecks: $5 cost review for <!channel>" in text


async def test_drawing_runs_off_the_event_loop() -> None:
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    image = await map_image(sample_map(40))
    elapsed = time.perf_counter() - started
    task.cancel()
    during = [t for t in ticks if t >= started]
    # The loop kept ticking while the map was drawn (it takes a good part of a second).
    assert len(during) >= max(3, int(elapsed / 0.01 / 4))
    assert image.png.startswith(PNG_SIGNATURE)
    assert image.title == "Value stream map: Idea to production"
    # Two at once are drawn one after the other, both complete.
    a, b = await asyncio.gather(render_map(sample_map(2)), render_map(sample_map(3)))
    assert a != b and a.startswith(PNG_SIGNATURE) and b.startswith(PNG_SIGNATURE)


def test_the_engine_and_a_turn_never_load_matplotlib() -> None:
    code = (
        "import sys, assistant.engine, assistant.service, assistant.app, assistant.dispatch\n"
        "import assistant.vsm_picture, adapters.console, adapters.slack.render\n"
        "import adapters.teams.render\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_module_imports_matplotlib_only_inside_the_drawing() -> None:
    source = vsm_picture.__file__
    with open(source, encoding="utf-8") as handle:
        top_level = [line for line in handle if line.startswith(("import ", "from "))]
    assert not any("matplotlib" in line for line in top_level)


@pytest.mark.parametrize("steps", [1, 6, 7])
def test_row_edges(steps: int) -> None:
    shape = layout(steps)
    assert shape.rows == (1 if steps <= 6 else 2)
    # Each row opens with the gap for the wait before its first step, and its last box
    # ends at the right margin.
    x, _ = shape.box(steps - 1)
    assert x + vsm_picture.BOX_W <= shape.width - vsm_picture.MARGIN + 1e-9
    first, _ = shape.box((steps - 1) // 6 * 6)
    assert first - vsm_picture.GAP >= vsm_picture.MARGIN - 1e-9


def test_only_the_picture_module_draws_synchronously() -> None:
    """Code that runs on the event loop (turns, services, adapters) gets a map through
    render_map or map_image, which draw in a worker thread, never by calling the
    blocking draw_value_stream_map or build_figure itself."""
    root = Path(vsm_picture.__file__).resolve().parents[1]
    offenders = []
    for package in ("assistant", "adapters", "storage"):
        for path in (root / package).rglob("*.py"):
            if path.name == "vsm_picture.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = None
                if isinstance(node, ast.Name | ast.Attribute):
                    name = node.id if isinstance(node, ast.Name) else node.attr
                elif isinstance(node, ast.alias):
                    name = node.name
                if name in ("draw_value_stream_map", "build_figure"):
                    offenders.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}")
    assert offenders == []


async def test_a_map_that_cannot_be_drawn_goes_out_as_its_description() -> None:
    """A message is never stuck behind a picture: bad map data becomes the map's alt
    text, and a good map in the same message is still drawn."""
    from assistant.events import Image, Outbound, Paragraph

    good = Image(title="Good", alt_text="good map", map=vsm_picture.map_data(sample_map(3)))
    bad = Image(title="Bad", alt_text="Code review → Deploy", map={"title": "x"})
    empty = Image(title="Empty", alt_text="nothing to draw")
    drawn = await vsm_picture.draw_pictures(Outbound(blocks=(good, bad, empty)))
    first, second, third = drawn.blocks
    assert isinstance(first, Image) and first.content.startswith(b"\x89PNG")
    assert isinstance(second, Paragraph) and second.spans[0].text == "Code review → Deploy"
    assert isinstance(third, Paragraph) and third.spans[0].text == "nothing to draw"
