"""The value stream map as a picture: process boxes, the wait-time ladder, a summary box.

Drawn with matplotlib on its Agg backend, through the object API (``Figure`` and
``FigureCanvasAgg``; never pyplot's global state), and matplotlib is imported only
inside :func:`draw_value_stream_map`: the engine and a normal turn never load it (a
test checks). Drawing takes a noticeable fraction of a second, so anything on the
event loop calls :func:`render_map` (or :func:`map_image`), which draws in a worker
thread.

Units. Durations arrive in minutes and are shown in calendar units, as the interviews
ask for them (a day is 24 hours, a week 7 days, a month 30 days: the same units as
``assistant.parsing``): "45 min", "6 h", "2–5 d", "3 w", "2 mo". Percentages are
0–100. Every figure is a ``(low, typical, high)`` triple; equal ends show one value.

User text (titles, step names, owners, bottleneck reasons) is drawn literally: math
text and TeX are off for every text, so "$5 cost" or "<!channel>" shows as typed.

Legibility. Steps wrap into rows of at most :data:`STEPS_PER_ROW`; the figure grows
taller rather than smaller, and no text is drawn below :data:`FONT_FLOOR` points at a
fixed :data:`DPI`, so a 40-step map reads as well as a 5-step one.

The ladder. Each step's wait is drawn where people were asked for it: on the upper
rung *before* the step, in the gap to the left of its box (with the inventory
triangle), and its process time on the lower rung under the box. Every row starts
with that gap, so the wait before the first step has its place, and the wait between
a row's last step and the next row's first opens the next row: each wait is drawn
once, rows read left to right, and the rungs add up to the summary box's lead time.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import io
import logging
import math
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from assistant import texts
from assistant.collector import cycle_collection_paused
from assistant.events import Image, Outbound, Paragraph, Span
from assistant.findings import Estimate, WorkflowFindings

if TYPE_CHECKING:  # only for annotations: importing matplotlib is the drawing's cost
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

Triple = tuple[float, float, float]


@dataclass(frozen=True)
class MapStep:
    """One process step. Times in minutes; ``complete_accurate`` in percent (0–100);
    ``wait_minutes`` is the wait *after* this step, before the next one starts (none
    after the last step: the value stream ends there); ``bottleneck`` is why the step
    is a bottleneck (shown on the map), or None."""

    name: str
    owner: str | None
    process_minutes: Triple | None
    wait_minutes: Triple | None
    complete_accurate: Triple | None
    bottleneck: str | None


@dataclass(frozen=True)
class MapInput:
    """A workflow's map. ``lead_time`` and ``process_time`` in minutes;
    ``flow_efficiency`` and ``rolled_ca`` in percent (0–100); ``wait_before_first`` is
    the wait before the first step starts, in minutes (None: not known). With it, the
    ladder's rungs add up to the lead time: Σ(process + wait) over the steps."""

    title: str
    steps: tuple[MapStep, ...]
    lead_time: Triple | None
    process_time: Triple | None
    flow_efficiency: Triple | None
    rolled_ca: Triple | None
    participants: int
    # Last, with a default: maps serialized before it was drawn still load.
    wait_before_first: Triple | None = None


def map_data(map: MapInput) -> dict[str, Any]:
    """The map as JSON data: an outbound :class:`~assistant.events.Image` carries it
    through the outbox, and the dispatcher draws it when it is posted."""
    return asdict(map)


def map_from_data(data: dict[str, Any]) -> MapInput:
    def triple(value: Any) -> Triple | None:
        return None if value is None else (float(value[0]), float(value[1]), float(value[2]))

    return MapInput(
        title=data["title"],
        steps=tuple(
            MapStep(
                name=step["name"],
                owner=step["owner"],
                process_minutes=triple(step["process_minutes"]),
                wait_minutes=triple(step["wait_minutes"]),
                complete_accurate=triple(step["complete_accurate"]),
                bottleneck=step["bottleneck"],
            )
            for step in data["steps"]
        ),
        lead_time=triple(data["lead_time"]),
        process_time=triple(data["process_time"]),
        flow_efficiency=triple(data["flow_efficiency"]),
        rolled_ca=triple(data["rolled_ca"]),
        participants=int(data["participants"]),
        wait_before_first=triple(data.get("wait_before_first")),
    )


async def draw_pictures(message: Outbound) -> Outbound:
    """``message`` with every value stream map it carries as data drawn (off the event
    loop): what the dispatcher does just before posting. A map that can't be drawn (bad
    data, a plotting failure) goes out as its description instead, so the message is
    still posted and nothing after it in the conversation waits."""
    if not any(isinstance(b, Image) and b.png is None for b in message.blocks):
        return message
    blocks: list[Any] = []
    for block in message.blocks:
        if isinstance(block, Image) and block.png is None:
            try:
                if not block.map:
                    raise ValueError("an image with neither a picture nor a map")
                png = await render_map(map_from_data(block.map))
                block = block.model_copy(update={"png": png})
            except Exception:
                log.exception("could not draw the value stream map %r", block.title)
                block = Paragraph(spans=(Span(text=block.alt_text),))
        blocks.append(block)
    return message.model_copy(update={"blocks": tuple(blocks)})


# --- sizes: inches and points at a fixed resolution ------------------------------------

DPI = 100
FONT_FLOOR = 7.0  # points: no text is drawn smaller, however many steps
STEPS_PER_ROW = 6
MARGIN = 0.4
BOX_W = 1.75
BOX_H = 1.3
GAP = 0.85  # before each box: the push arrow, the inventory triangle, the wait rung
SLOT = BOX_W + GAP
HEADER_H = 0.95
LABEL_H = 0.4  # above each box: room for a bottleneck label
LADDER_DROP = 0.32  # from the box's bottom to the ladder's upper rung
RUNG = 0.36  # between the upper (wait) and lower (process) rungs
ROW_H = LABEL_H + BOX_H + LADDER_DROP + RUNG + 0.5
SUMMARY_H = 1.05
MIN_WIDTH = 10.0

TITLE_PT = 14.0
NAME_PT = 9.0
DETAIL_PT = 8.0
LABEL_PT = 7.5
SUMMARY_PT = 9.0
PAD = 0.1  # text inside a box keeps this far from its edges

INK = "#1f2933"
MUTED = "#52606d"
BOX_FACE = "#eaf2fb"
BOX_EDGE = "#2f6fad"
HOT_FACE = "#fde4e1"
HOT_EDGE = "#c0392b"
WAIT_COLOUR = "#b7791f"
SUMMARY_FACE = "#f4f5f7"

# matplotlib is not documented as thread-safe (its font cache and text layout are
# shared): one drawing at a time, whichever worker thread it runs in. Drawing a
# readout's maps in parallel threads would not be faster anyway: measured on matplotlib
# 3.11, three maps in three threads took as long as one after another, since text
# layout and glyph rendering (most of a map's cost) hold the GIL; only the PNG's zlib
# lets go of it.
_DRAWING = threading.Lock()


# --- text -------------------------------------------------------------------------------

_DAY = 24 * 60.0
_UNITS: tuple[tuple[str, float, float], ...] = (
    # (name, minutes per unit, shown from this many minutes on)
    ("mo", 30 * _DAY, 60 * _DAY),
    ("w", 7 * _DAY, 14 * _DAY),
    ("d", _DAY, _DAY),
    ("h", 60.0, 60.0),
    ("min", 1.0, 0.0),
)


def _unit(minutes: float) -> tuple[str, float]:
    for name, size, start in _UNITS:
        if minutes >= start:
            return name, size
    return "min", 1.0


def _number(value: float) -> str:
    shown = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def _one_duration(minutes: float) -> str:
    name, size = _unit(minutes)
    return f"{_number(minutes / size)} {name}"


def short_duration(value: Triple | None) -> str:
    """Minutes as compact calendar time: "45 min", "2–5 d", "30 min – 2 d"; "?" if unknown."""
    if value is None:
        return "?"
    low, high = min(value[0], value[2]), max(value[0], value[2])
    if _one_duration(low) == _one_duration(high):
        return _one_duration(high)
    name, size = _unit(high)
    if _unit(low)[0] == name:
        return f"{_number(low / size)}–{_number(high / size)} {name}"
    return f"{_one_duration(low)} – {_one_duration(high)}"


def short_percent(value: Triple | None) -> str:
    """ "85%", "70–90%"; "?" if unknown."""
    if value is None:
        return "?"
    low, high = min(value[0], value[2]), max(value[0], value[2])
    if _number(low) == _number(high):
        return f"{_number(high)}%"
    return f"{_number(low)}–{_number(high)}%"


def _with_typical(value: Triple | None, short: Any, one: Any) -> str:
    """The summary's form: the typical value first, the range after it."""
    if value is None:
        return "not known yet"
    spread = short(value)
    typical = one(value[1])
    return spread if typical == spread else f"{typical} ({spread})"


def _clean(text: str) -> str:
    """User text on one line: control characters and runs of whitespace become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _shorten(text: str, width: int) -> str:
    text = _clean(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def alt_text(map: MapInput) -> str:
    """What the picture shows, in words (screen readers; a client without images)."""
    parts = [
        f"Value stream map of {_clean(map.title)}: {len(map.steps)} steps",
        " → ".join(_shorten(s.name, 40) for s in map.steps[:12])
        + (" → …" if len(map.steps) > 12 else ""),
        f"lead time {short_duration(map.lead_time)}",
        f"process time {short_duration(map.process_time)}",
        f"flow efficiency {short_percent(map.flow_efficiency)}",
        f"rolled %C/A {short_percent(map.rolled_ca)}",
    ]
    # The waits as the ladder draws them: before the first step, then after each step.
    waits = [(map.wait_before_first, map.steps[0])] if map.steps else []
    waits += [(s.wait_minutes, after) for s, after in zip(map.steps, map.steps[1:], strict=False)]
    known = [(wait, step) for wait, step in waits if wait is not None and wait[1] > 0]
    if known:
        wait, step = max(known, key=lambda pair: pair[0][1])
        parts.append(f"longest wait {short_duration(wait)} before {_shorten(step.name, 40)}")
    hot = [_shorten(s.name, 40) for s in map.steps if s.bottleneck]
    if hot:
        parts.append("bottlenecks: " + ", ".join(hot))
    return "; ".join(p for p in parts if p) + "."


def map_of(workflow: WorkflowFindings) -> MapInput:
    """A workflow's findings as the picture draws them. People are asked for the wait
    *before* each step; a map step carries the wait *after* it, before the next, so each
    wait moves back one step, and the wait before the first step is the map's own: the
    ladder draws it too, so its rungs add up to the summary box's lead time."""

    def triple(value: Estimate | None, scale: float = 1.0) -> tuple[float, float, float] | None:
        if value is None:
            return None
        return (value.low * scale, value.typical * scale, value.high * scale)

    why: dict[int, str] = {}
    for found in workflow.bottlenecks:
        why.setdefault(found.step.position, found.figure)
    steps = workflow.steps
    return MapInput(
        # "Value stream map: Idea to Production", not the interview's "Map your ..." title.
        title=texts.WORKFLOW_NAMES.get(workflow.dialog_id, workflow.title),
        steps=tuple(
            MapStep(
                name=step.name,
                owner=", ".join(step.owners[:2]) or None,
                process_minutes=triple(step.process),
                wait_minutes=triple(steps[index + 1].wait) if index + 1 < len(steps) else None,
                complete_accurate=triple(step.complete_accurate),
                bottleneck=why.get(step.position),
            )
            for index, step in enumerate(steps)
        ),
        lead_time=triple(workflow.lead_time),
        process_time=triple(workflow.process_time),
        flow_efficiency=triple(workflow.flow_efficiency, 100),
        rolled_ca=triple(workflow.rolled_ca, 100),
        participants=len(workflow.respondents),
        wait_before_first=triple(steps[0].wait) if steps else None,
    )


# --- layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where things go, in inches from the bottom left of the figure. Each row starts
    with a gap for the wait before its first step."""

    width: float
    height: float
    rows: int
    per_row: int

    def box(self, index: int) -> tuple[float, float]:
        """The bottom-left corner of step ``index``'s box."""
        row, column = divmod(index, self.per_row)
        top = self.height - HEADER_H - row * ROW_H - LABEL_H
        return MARGIN + GAP + column * SLOT, top - BOX_H


def layout(steps: int) -> Layout:
    per_row = max(1, min(steps, STEPS_PER_ROW))
    rows = max(1, math.ceil(steps / per_row))
    width = max(MIN_WIDTH, 2 * MARGIN + per_row * SLOT)
    height = HEADER_H + rows * ROW_H + SUMMARY_H + MARGIN
    return Layout(width, height, rows, per_row)


@functools.lru_cache(maxsize=4096)
def _advance(char: str, size: float, bold: bool) -> float:
    """How far ``char`` moves the pen, in inches (DejaVu Sans, matplotlib's own font).

    Cached: the fonts and the resolution are constants, so a width never goes stale,
    and a map has a few dozen distinct characters (measuring a whole string through
    the renderer costs milliseconds in matplotlib 3.11, for each of hundreds)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(size=size, weight="bold" if bold else "normal")))
    font.set_size(size, DPI)
    glyph = font.load_char(ord(char))
    return float(glyph.linearHoriAdvance) / 65536 / DPI


class _Fitter:
    """Fits text into a width by its measured glyph advances (wide glyphs, bold, "WWW"
    vs "iii"): counting characters would overflow the boxes. Kerning only narrows
    DejaVu text, and 2% is kept in hand for it and for hinting."""

    @staticmethod
    def width(text: str, size: float, bold: bool) -> float:
        """In inches."""
        return 1.02 * sum(_advance(char, size, bold) for char in text)

    def lines(
        self, text: str, width: float, size: float, *, bold: bool = False, most: int = 1
    ) -> str:
        """``text`` wrapped into at most ``most`` lines no wider than ``width`` inches;
        what does not fit ends in "…"."""
        lines: list[str] = []
        current = ""
        for word in _clean(text).split():
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while len(word) > 1 and self.width(word, size, bold) > width:
                cut = self._prefix(word, width, size, bold)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
        if len(lines) > most:
            last = lines[most - 1] + "…"
            while len(last) > 1 and self.width(last, size, bold) > width:
                last = last[:-2].rstrip() + "…"
            lines = [*lines[: most - 1], last]
        return "\n".join(lines) or "—"

    def _prefix(self, word: str, width: float, size: float, bold: bool) -> int:
        """The longest prefix of ``word`` that fits ``width`` (at least one character)."""
        low, high = 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(word[:middle], size, bold) <= width:
                low = middle
            else:
                high = middle - 1
        return low


def _text(ax: Any, x: float, y: float, value: str, size: float, **style: Any) -> None:
    # parse_math/usetex off: user text is drawn as typed, never as math or TeX.
    ax.text(
        x,
        y,
        value,
        fontsize=max(size, FONT_FLOOR),
        parse_math=False,
        usetex=False,
        color=style.pop("color", INK),
        **style,
    )


class _Ladder:
    """The wait-time ladder as two lines for the whole map: solid for the known times,
    dashed (and muted) for the unknown ones, shown "?". Two artists rather than one per
    step; consecutive rungs of one style join into one stretch, so corners are mitred."""

    def __init__(self) -> None:
        self.runs: dict[bool, list[list[tuple[float, float]]]] = {True: [], False: []}

    def add(self, points: list[tuple[float, float]], *, known: bool) -> None:
        runs = self.runs[known]
        if runs and math.dist(runs[-1][-1], points[0]) < 1e-9:
            runs[-1].extend(points[1:])
        else:
            runs.append(list(points))

    def draw(self, ax: Any) -> None:
        for known, runs in self.runs.items():
            if not runs:
                continue
            xs: list[float] = []
            ys: list[float] = []
            for run in runs:
                if xs:  # a gap in the line between two stretches
                    xs.append(math.nan)
                    ys.append(math.nan)
                xs += [x for x, _ in run]
                ys += [y for _, y in run]
            ax.plot(
                xs,
                ys,
                color=INK if known else MUTED,
                linewidth=1.4,
                linestyle="-" if known else "--",
                solid_joinstyle="miter",
            )


def _wait_before(
    ax: Any, ladder: _Ladder, x: float, y: float, wait: Triple | None, *, gid: str, pushed: bool
) -> None:
    """The gap to the left of the box at (``x``, ``y``): the push arrow from the step
    before when ``pushed``, the inventory triangle if the work waits, and the wait on
    the ladder's upper rung."""
    from matplotlib.patches import FancyArrowPatch, Polygon

    middle = y + BOX_H / 2
    upper = y - LADDER_DROP
    cx = x - GAP / 2
    if pushed:
        ax.add_patch(
            FancyArrowPatch(
                (x - GAP + 0.05, middle + 0.18),
                (x - 0.05, middle + 0.18),
                arrowstyle="-|>",
                mutation_scale=12,
                color=MUTED,
                linewidth=1.2,
            )
        )
    if wait is not None and wait[2] > 0:
        cy = middle - 0.22
        ax.add_patch(
            Polygon(
                [(cx - 0.2, cy - 0.16), (cx + 0.2, cy - 0.16), (cx, cy + 0.2)],
                closed=True,
                facecolor="#fef3c7",
                edgecolor=WAIT_COLOUR,
                linewidth=1.2,
            )
        )
    ladder.add([(x - GAP, upper), (x, upper)], known=wait is not None)
    _text(
        ax,
        cx,
        upper + 0.06,
        short_duration(wait),
        DETAIL_PT,
        color=WAIT_COLOUR,
        weight="bold",
        ha="center",
        va="bottom",
        gid=gid,
    )


def build_figure(map: MapInput) -> Figure:
    """The map as a matplotlib Figure on an Agg canvas (not yet drawn);
    :func:`draw_value_stream_map` turns it into PNG bytes. Every text and box has a gid
    ("box-3", "name-3", "details-3", "label-3", "process-3", "wait-3", "title"): "wait-3"
    is the wait after step 3, before step 4 (0-based, as the boxes), and "wait-start" the
    wait before the first step. The summary's figures are "summary-lead-time",
    "summary-process-time", "summary-flow-efficiency", "summary-rolled-ca" and
    "summary-participants"."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    shape = layout(len(map.steps))
    figure = Figure(figsize=(shape.width, shape.height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)  # Agg, whatever backend pyplot elsewhere may have chosen
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, shape.width)
    ax.set_ylim(0, shape.height)
    ax.set_axis_off()
    fit = _Fitter()
    ladder = _Ladder()

    top = shape.height
    inner = shape.width - 2 * MARGIN
    _text(
        ax,
        MARGIN,
        top - 0.3,
        fit.lines(f"Value stream map: {map.title}", inner, TITLE_PT, bold=True),
        TITLE_PT,
        weight="bold",
        va="top",
        gid="title",
    )
    _text(
        ax,
        MARGIN,
        top - 0.72,
        "Boxes: process steps with owner, process time (PT) and %C/A.  Ladder: waits (upper "
        "rung) and process times (lower rung) add up to the lead time.",
        DETAIL_PT,
        color=MUTED,
        va="top",
    )
    if not map.steps:
        _text(ax, MARGIN, top - HEADER_H - 0.5, "No steps recorded yet.", NAME_PT, va="top")

    for index, step in enumerate(map.steps):
        x, y = shape.box(index)
        hot = step.bottleneck is not None
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                BOX_W,
                BOX_H,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=HOT_FACE if hot else BOX_FACE,
                edgecolor=HOT_EDGE if hot else BOX_EDGE,
                linewidth=2.4 if hot else 1.2,
                gid=f"box-{index}",
            )
        )
        if hot:
            _text(
                ax,
                x,
                y + BOX_H + 0.06,
                fit.lines(f"BOTTLENECK: {step.bottleneck}", BOX_W, LABEL_PT, bold=True, most=2),
                LABEL_PT,
                color=HOT_EDGE,
                weight="bold",
                va="bottom",
                linespacing=1.1,
                gid=f"label-{index}",
            )
        _text(
            ax,
            x + PAD,
            y + BOX_H - 0.08,
            fit.lines(f"{index + 1}. {step.name}", BOX_W - 2 * PAD, NAME_PT, bold=True, most=3),
            NAME_PT,
            weight="bold",
            va="top",
            linespacing=1.15,
            gid=f"name-{index}",
        )
        details = [
            fit.lines(step.owner, BOX_W - 2 * PAD, DETAIL_PT) if step.owner else "owner not given",
            f"PT {short_duration(step.process_minutes)}"
            if step.process_minutes
            else "PT not given",
            f"%C/A {short_percent(step.complete_accurate)}"
            if step.complete_accurate
            else "%C/A not given",
        ]
        _text(
            ax,
            x + PAD,
            y + 0.08,
            "\n".join(details),
            DETAIL_PT,
            color=MUTED,
            va="bottom",
            linespacing=1.2,
            gid=f"details-{index}",
        )

        # The wait before the step, in the gap to the left of its box (from the row
        # above, at a row's start); before the first step, unless it is known to be none.
        upper = y - LADDER_DROP
        wait = map.steps[index - 1].wait_minutes if index else map.wait_before_first
        if index or wait is None or wait[2] > 0:
            gid = f"wait-{index - 1}" if index else "wait-start"
            _wait_before(ax, ladder, x, y, wait, gid=gid, pushed=index > 0)
        # The ladder's lower rung under the box: the step's process time.
        lower = upper - RUNG
        ladder.add(
            [(x, upper), (x, lower), (x + BOX_W, lower), (x + BOX_W, upper)],
            known=step.process_minutes is not None,
        )
        _text(
            ax,
            x + BOX_W / 2,
            lower - 0.06,
            short_duration(step.process_minutes),
            DETAIL_PT,
            ha="center",
            va="top",
            gid=f"process-{index}",
        )
    ladder.draw(ax)

    # The summary box across the bottom.
    left, bottom = MARGIN, MARGIN
    ax.add_patch(
        FancyBboxPatch(
            (left, bottom),
            inner,
            SUMMARY_H - 0.15,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=SUMMARY_FACE,
            edgecolor=MUTED,
            linewidth=1.0,
        )
    )
    figures = (
        ("lead-time", "Lead time", _with_typical(map.lead_time, short_duration, _one_duration)),
        (
            "process-time",
            "Process time",
            _with_typical(map.process_time, short_duration, _one_duration),
        ),
        (
            "flow-efficiency",
            "Flow efficiency",
            _with_typical(map.flow_efficiency, short_percent, lambda v: f"{_number(v)}%"),
        ),
        (
            "rolled-ca",
            "Rolled %C/A",
            _with_typical(map.rolled_ca, short_percent, lambda v: f"{_number(v)}%"),
        ),
        ("participants", "Based on", texts.plural(map.participants, "participant")),
    )
    column = inner / len(figures)
    for number, (gid, label, value) in enumerate(figures):
        cx = left + column * (number + 0.5)
        _text(ax, cx, bottom + 0.62, label, DETAIL_PT, color=MUTED, ha="center", va="bottom")
        shown = fit.lines(value, column - 2 * PAD, SUMMARY_PT, bold=True)
        _text(
            ax,
            cx,
            bottom + 0.52,
            shown,
            SUMMARY_PT,
            weight="bold",
            ha="center",
            va="top",
            gid=f"summary-{gid}",
        )
    return figure


def draw_value_stream_map(map: MapInput) -> bytes:
    """The map as PNG bytes. Blocking (a few hundred milliseconds): on the event loop,
    use :func:`render_map`."""
    from matplotlib import rc_context

    out = io.BytesIO()
    # Glyphs drawn from their outlines as designed, not hinted to the pixel grid:
    # FreeType's hinting of a map's ~2,000 glyphs was a quarter of the drawing (three
    # 15-step maps: 0.61 → 0.46 s on matplotlib 3.11), and at this size the text reads
    # the same. Unhinted widths are the linear advances :class:`_Fitter` measures.
    unhinted = rc_context({"text.hinting": "no_hinting"})
    with _DRAWING:
        with cycle_collection_paused(), unhinted:
            figure = build_figure(map)
            # No timestamp or version in the file: the same map gives the same bytes.
            figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
            del figure
        # A figure is a web of reference cycles (artists, axes, canvas) holding Agg's
        # canvas (~7 MB): only the cycle collector frees it. Made while collection was
        # paused, all of it is still in the youngest generation, so collecting that
        # generation frees it now, scanning only what this drawing made (not the whole
        # process, as a full collection would, some time later).
        gc.collect(0)
    return out.getvalue()


async def render_map(map: MapInput) -> bytes:
    """:func:`draw_value_stream_map` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(draw_value_stream_map, map)


async def map_image(map: MapInput) -> Image:
    """The map as an outbound :class:`~assistant.events.Image` block (drawn off the loop)."""
    png = await render_map(map)
    return Image(
        title=_shorten(f"Value stream map: {map.title}", 150), alt_text=alt_text(map), png=png
    )
