"""The screenshot helper: a page with the map embedded shows the map."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
from matplotlib.image import imread

from assistant.vsm_picture import alt_text, draw_value_stream_map
from tests.browser import requires_chromium, screenshot_html
from tests.vsm_maps import sample_map


@requires_chromium
def test_a_page_with_the_map_embedded_is_not_blank(tmp_path: Path) -> None:
    map = sample_map(6)
    data = base64.b64encode(draw_value_stream_map(map)).decode("ascii")
    page = (
        "<!doctype html><meta charset=utf-8><title>Map</title>"
        "<body style='margin:0;background:#fff'>"
        f"<h1 style='font:24px sans-serif'>{html.escape(map.title)}</h1>"
        f"<img style='width:1100px' alt='{html.escape(alt_text(map), quote=True)}' "
        f"src='data:image/png;base64,{data}'></body>"
    )
    shot = screenshot_html(page, tmp_path, width=1200, height=900)

    image = imread(shot)[:, :, :3]
    assert image.shape[:2] == (900, 1200)
    ink = (image < 0.97).any(axis=2).mean()
    assert ink > 0.03, "the screenshot is blank"
    # The map itself was drawn: its bottleneck's red edge is on the screen.
    red = (image[:, :, 0] > 0.6) & (image[:, :, 1] < 0.35) & (image[:, :, 2] < 0.3)
    assert int(np.count_nonzero(red)) > 200
