"""Flow metrics over flow items (DESIGN.md §1.2): features, defects, risks and debts,
each with when work on it started and finished and how long it was actively worked.

Pure. Over a window [start, end):

* flow velocity: items finished in the window;
* flow distribution: the share of each kind among the items finished (and among those
  in progress at the end);
* flow time: from start to finish of each item finished (median and 85th percentile);
* flow efficiency: active time ÷ flow time, over the finished items that say how long
  they were worked;
* flow load: items started and not finished at the end of the window (work in progress).

Items are recorded with the ``flow`` commands and fed to it from their stored state
changes by :mod:`assistant.flow_items`.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

FlowKind = Literal["feature", "defect", "risk", "debt"]
KINDS: tuple[FlowKind, ...] = ("feature", "defect", "risk", "debt")


@dataclass(frozen=True)
class FlowItem:
    kind: FlowKind
    started: datetime
    finished: datetime | None = None
    active: timedelta | None = None  # hands-on time, when known


@dataclass(frozen=True)
class FlowMetrics:
    start: datetime
    end: datetime
    velocity: int
    distribution: dict[FlowKind, float]  # of the finished items, 0..1 per kind
    load_distribution: dict[FlowKind, float]  # of the items in progress at the end
    flow_time_median: timedelta | None
    flow_time_p85: timedelta | None
    efficiency: float | None  # 0..1
    load: int


def _shares(items: Sequence[FlowItem]) -> dict[FlowKind, float]:
    counts = Counter(i.kind for i in items)
    total = len(items)
    return {k: (counts[k] / total if total else 0.0) for k in KINDS}


def _percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (no interpolation: a flow time someone actually had)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def flow_metrics(items: Sequence[FlowItem], start: datetime, end: datetime) -> FlowMetrics:
    if end <= start:
        raise ValueError("the window must end after it starts")
    finished = [i for i in items if i.finished is not None and start <= i.finished < end]
    in_progress = [
        i for i in items if i.started < end and (i.finished is None or i.finished >= end)
    ]
    times = [(i.finished - i.started).total_seconds() for i in finished if i.finished]
    worked = [
        (i.active.total_seconds(), (i.finished - i.started).total_seconds())
        for i in finished
        if i.active is not None and i.finished is not None and i.finished > i.started
    ]
    total_time = sum(t for _a, t in worked)
    return FlowMetrics(
        start=start,
        end=end,
        velocity=len(finished),
        distribution=_shares(finished),
        load_distribution=_shares(in_progress),
        flow_time_median=timedelta(seconds=statistics.median(times)) if times else None,
        flow_time_p85=timedelta(seconds=_percentile(times, 0.85)) if times else None,
        efficiency=(sum(a for a, _t in worked) / total_time) if total_time else None,
        load=len(in_progress),
    )
