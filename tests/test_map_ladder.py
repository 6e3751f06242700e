"""The value stream map's wait-time ladder accounts for the whole lead time: the wait
before the first step is drawn too, each wait once, before the step it precedes, also
where the steps wrap into rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Polygon

from assistant.findings import Respondent, value_stream
from assistant.vsm_picture import (
    DPI,
    GAP,
    MapInput,
    build_figure,
    map_data,
    map_from_data,
    map_of,
    short_duration,
)
from tests.vsm_maps import DAY, sample_map

HOUR = 60.0
_HOURS = {"min": 1 / 60, "h": 1.0, "d": 24.0, "w": 7 * 24.0, "mo": 30 * 24.0}


def drawn(map: MapInput) -> tuple[dict[str, Any], dict[str, Any], list[Any], Any]:
    """The map's texts and boxes by gid (texts as drawn, with their extents), every
    text, and the figure."""
    figure = build_figure(map)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for ax in figure.axes for t in ax.texts]
    by_gid = {t.get_gid(): (t.get_text(), t.get_window_extent(renderer)) for t in texts}
    boxes = {
        p.get_gid(): p.get_window_extent(renderer)
        for ax in figure.axes
        for p in ax.patches
        if p.get_gid()
    }
    return by_gid, boxes, texts, figure


def hours(label: str) -> float:
    """A one-value label as the map shows it ("2 d", "12 h") in hours."""
    number, unit = label.split()
    return float(number) * _HOURS[unit]


def idea_to_production(*steps: tuple[str, float, float]) -> MapInput:
    """The map of one person's answers: (name, process time, wait before it)."""
    items = [
        {"name": name, "role": "Developer", "process_time": process, "wait_time": wait}
        for name, process, wait in steps
    ]
    found = value_stream("idea_to_production", "Idea", [Respondent("dana", {"steps": items})])
    return map_of(found)


def test_the_wait_before_the_first_step_is_on_the_ladder_left_of_its_box() -> None:
    map = idea_to_production(("Triage", 6 * HOUR, 2 * DAY), ("Build", 4 * HOUR, DAY))
    by_gid, boxes, _, figure = drawn(map)
    text, extent = by_gid["wait-start"]
    assert text == "2 d"
    first = boxes["box-0"]
    assert extent.x1 <= first.x0  # in the gap before the first box, not under it
    assert extent.y1 <= first.y0  # on the upper rung, below the boxes
    assert first.x0 - GAP * DPI <= extent.x0
    # Its inventory triangle is drawn too, as before every step that waits.
    triangles = [p for ax in figure.axes for p in ax.patches if isinstance(p, Polygon)]
    assert len(triangles) == 2


def test_the_rungs_add_up_to_the_summary_boxs_lead_time() -> None:
    # Waited 2 d, worked 6 h; waited 1 d, worked 4 h; waited 12 h, worked 2 h:
    # 48 + 6 + 24 + 4 + 12 + 2 = 96 h, a lead time of 4 days. Without the first
    # wait the rungs came to 2 days.
    map = idea_to_production(
        ("Triage", 6 * HOUR, 2 * DAY),
        ("Build", 4 * HOUR, DAY),
        ("Ship", 2 * HOUR, 12 * HOUR),
    )
    by_gid, _, _, _ = drawn(map)
    assert by_gid["summary-lead-time"][0] == "4 d"
    rungs = {gid: text for gid, (text, _) in by_gid.items() if gid and gid.startswith("wait-")}
    rungs |= {gid: text for gid, (text, _) in by_gid.items() if gid and gid.startswith("process-")}
    assert rungs == {
        "wait-start": "2 d",
        "process-0": "6 h",
        "wait-0": "1 d",
        "process-1": "4 h",
        "wait-1": "12 h",
        "process-2": "2 h",
    }
    assert sum(hours(label) for label in rungs.values()) == 4 * 24


def test_a_13_step_map_shows_each_wait_once_before_the_step_it_precedes() -> None:
    map = sample_map(13)
    by_gid, boxes, texts, figure = drawn(map)
    waits = [t.get_gid() for t in texts if (t.get_gid() or "").startswith("wait-")]
    assert sorted(waits) == sorted(["wait-start", *(f"wait-{i}" for i in range(12))])
    assert by_gid["wait-start"][0] == short_duration(map.wait_before_first)
    for index in range(12):
        text, extent = by_gid[f"wait-{index}"]
        assert text == short_duration(map.steps[index].wait_minutes)
        # In the gap just left of the next step's box, on its row: the wait after a
        # row's last step (steps 6 and 12) opens the next row.
        following = boxes[f"box-{index + 1}"]
        assert following.x0 - GAP * DPI <= extent.x0 and extent.x1 <= following.x0, index
        assert following.y0 - DPI <= extent.y0 and extent.y1 <= following.y0, index
    # One inventory triangle per wait; none after the last step, where the stream ends.
    triangles = [p for ax in figure.axes for p in ax.patches if isinstance(p, Polygon)]
    assert len(triangles) == 13


def test_an_unknown_first_wait_shows_a_question_mark_and_none_shows_nothing() -> None:
    unknown, _, _, _ = drawn(replace(sample_map(3), wait_before_first=None))
    assert unknown["wait-start"][0] == "?"
    nothing, _, _, _ = drawn(replace(sample_map(3), wait_before_first=(0.0, 0.0, 0.0)))
    assert "wait-start" not in nothing and "wait-0" in nothing


def test_the_first_wait_goes_through_the_dispatcher_and_old_maps_still_load() -> None:
    map = sample_map(4)
    assert map_from_data(map_data(map)) == map
    old = map_data(map)
    del old["wait_before_first"]  # a map queued before the ladder drew this wait
    assert map_from_data(old) == replace(map, wait_before_first=None)
