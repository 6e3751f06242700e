"""DORA's four keys placed in the State of DevOps report's performance clusters.

Pure. The tables are DESIGN.md §1.2's, always named with their year: 2024 by default,
2023 selectable. Clusters are groups of teams, not thresholds per key, so a team is
placed in the **nearest cluster across all four keys** (2024's change failure rates
do not rise steadily from elite to low), and each key's own band is shown too.

Distances: the frequency and time keys are read on DORA's own answer scales (the
options of ``dialogs/idea_to_production.yaml``), the change failure rate in
percentage points; each key's distance is divided by how far apart that key's
clusters lie in the table, so no key outweighs another. A tie goes to the
lower-performing cluster: we would rather under-promise to a customer.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Cluster = Literal["elite", "high", "medium", "low"]
Key = Literal["deploy_frequency", "lead_time", "change_failure_rate", "recovery_time"]
CLUSTERS: tuple[Cluster, ...] = ("elite", "high", "medium", "low")  # best first
KEYS: tuple[Key, ...] = ("deploy_frequency", "lead_time", "change_failure_rate", "recovery_time")
DEFAULT_YEAR = 2024

# DORA's answer scales, as the interview offers them (option values), best first.
SCALES: dict[str, tuple[str, ...]] = {
    "deploy_frequency": (
        "on_demand",
        "daily_to_weekly",
        "weekly_to_monthly",
        "monthly_to_6_months",
        "less_than_every_6_months",
    ),
    "lead_time": (
        "under_1_hour",
        "1_hour_to_1_day",
        "1_day_to_1_week",
        "1_week_to_1_month",
        "1_to_6_months",
        "over_6_months",
    ),
    "recovery_time": (
        "under_1_hour",
        "under_1_day",
        "1_day_to_1_week",
        "1_week_to_1_month",
        "1_to_6_months",
        "over_6_months",
    ),
}


@dataclass(frozen=True)
class Row:
    """One cluster in one year's table: the scale positions each ordinal key covers and
    the change failure rate (percent)."""

    share: int  # percent of respondents in the cluster
    deploy_frequency: frozenset[int]
    lead_time: frozenset[int]
    change_failure_rate: float
    recovery_time: frozenset[int]
    text: Mapping[str, str]  # the table's own words, per key


def _row(share: int, df: set[int], lt: set[int], cfr: float, rt: set[int], words: str) -> Row:
    texts: dict[str, str] = dict(zip(KEYS, words.split(" | "), strict=True))
    return Row(share, frozenset(df), frozenset(lt), cfr, frozenset(rt), texts)


# Scale positions: deploy 0 on demand .. 4 fewer than every 6 months; lead time and
# recovery 0 under an hour .. 5 over 6 months. A lead time "< 1 day" covers the first
# two; a recovery "< 1 day" is the "less than one day" answer (under an hour is elite).
TABLES: dict[int, dict[Cluster, Row]] = {
    2024: {
        "elite": _row(19, {0}, {0, 1}, 5, {0}, "on demand | < 1 day | 5% | < 1 hour"),
        "high": _row(22, {1}, {2}, 20, {1}, "daily to weekly | 1 day – 1 week | 20% | < 1 day"),
        "medium": _row(
            35, {2}, {3}, 10, {1}, "weekly to monthly | 1 week – 1 month | 10% | < 1 day"
        ),
        "low": _row(
            25,
            {3},
            {4},
            40,
            {3},
            "monthly to every 6 months | 1 – 6 months | 40% | 1 week – 1 month",
        ),
    },
    2023: {
        "elite": _row(18, {0}, {0, 1}, 5, {0}, "on demand | < 1 day | 5% | < 1 hour"),
        "high": _row(31, {1}, {2}, 10, {1}, "daily to weekly | 1 day – 1 week | 10% | < 1 day"),
        "medium": _row(
            33, {2}, {3}, 15, {2}, "weekly to monthly | 1 week – 1 month | 15% | 1 day – 1 week"
        ),
        "low": _row(
            18, {2}, {3}, 64, {4}, "weekly to monthly | 1 week – 1 month | 64% | 1 – 6 months"
        ),
    },
}
YEARS = tuple(sorted(TABLES))


class UnknownYearError(ValueError):
    """A report year we have no table for."""


def table(year: int) -> dict[Cluster, Row]:
    if year not in TABLES:
        raise UnknownYearError(f"no State of DevOps table for {year} (we have {YEARS})")
    return TABLES[year]


@dataclass(frozen=True)
class Answers:
    """One team's four keys: scale positions for the ordinal keys, percent for the
    change failure rate; None where not answered."""

    deploy_frequency: int | None = None
    lead_time: int | None = None
    change_failure_rate: float | None = None
    recovery_time: int | None = None

    def value(self, key: Key) -> float | None:
        value = getattr(self, key)
        return None if value is None else float(value)

    @property
    def answered(self) -> tuple[Key, ...]:
        return tuple(k for k in KEYS if self.value(k) is not None)


def _key_distance(year: int, key: Key, cluster: Cluster, value: float) -> float:
    """How far ``value`` is from the cluster on one key, in units of the table's spread
    on that key (0: inside the cluster's range)."""
    rows = table(year)
    if key == "change_failure_rate":
        rates = [r.change_failure_rate for r in rows.values()]
        spread = max(rates) - min(rates)
        return abs(value - rows[cluster].change_failure_rate) / spread
    covered: frozenset[int] = getattr(rows[cluster], key)
    positions = [p for r in rows.values() for p in getattr(r, key)]
    spread = max(positions) - min(positions)
    return float(min(abs(value - p) for p in covered)) / float(spread)


@functools.lru_cache(maxsize=1024)  # a few answer values per key, for every participant
def key_band(year: int, key: Key, value: float) -> Cluster:
    """The cluster a key's answer belongs to on its own: the nearest on that key (the
    lower-performing one on a tie)."""
    return min(reversed(CLUSTERS), key=lambda c: _key_distance(year, key, c, value))


def nearest(year: int, answers: Answers) -> Cluster | None:
    """The cluster nearest across every key answered; None when none is."""
    keys = answers.answered
    if not keys:
        return None

    def distance(cluster: Cluster) -> float:
        total = 0.0
        for key in keys:
            value = answers.value(key)
            assert value is not None
            total += _key_distance(year, key, cluster, value)
        return total

    # Rounding keeps float noise from deciding a tie.
    return min(reversed(CLUSTERS), key=lambda c: round(distance(c), 9))


@dataclass(frozen=True)
class KeyResult:
    key: Key
    answer: str  # as the team answered (an option value, or a percent / range)
    band: Cluster
    band_high: Cluster  # the best band a range reaches (== band without one)
    band_low: Cluster  # the worst band a range reaches
    spread: tuple[tuple[str, int], ...] = ()  # every participant's answer and how many gave it


@dataclass(frozen=True)
class Placement:
    """The team's DORA placement in one year's table."""

    year: int
    cluster: Cluster | None  # the nearest cluster across the keys (typical answers)
    best: Cluster | None  # the best cluster the answer ranges reach
    worst: Cluster | None  # the worst cluster the answer ranges reach
    keys: tuple[KeyResult, ...]
    rework_rate: Any  # percent or a range, reported beside the four keys (2024)
    participants: int

    @property
    def table(self) -> dict[Cluster, Row]:
        return table(self.year)

    @property
    def is_range(self) -> bool:
        return self.best != self.worst


def _rank(cluster: Cluster) -> int:
    return CLUSTERS.index(cluster)


def _percent_bounds(value: Any) -> tuple[float, float, float] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value), float(value), float(value)
    if isinstance(value, Mapping) and {"low", "high"} <= value.keys():
        low, high = float(value["low"]), float(value["high"])
        typical = value.get("typical")
        return low, float(typical) if typical is not None else (low + high) / 2, high
    return None


def place(people: Sequence[Mapping[str, Any]], year: int = DEFAULT_YEAR) -> Placement | None:
    """Place a team from its participants' answers (each a mapping of the step ids
    ``deploy_frequency`` ... ``rework_rate`` to stored values).

    The team's answer to an ordinal key is the median position (the lower-performing
    of two middles); its change failure rate spans everyone's (lowest low, median
    typical, highest high). None when nobody answered any key."""
    table(year)  # an unknown year fails here, before anything is computed
    ordinal: dict[str, list[int]] = {}
    for key, scale in SCALES.items():
        ordinal[key] = [scale.index(v) for p in people if (v := p.get(key)) in scale]
    rates = [b for p in people if (b := _percent_bounds(p.get("change_failure_rate")))]
    reworks = [b for p in people if (b := _percent_bounds(p.get("rework_rate")))]
    answered = sum(1 for p in people if any(p.get(k) is not None for k in (*KEYS, "rework_rate")))
    if not answered:
        return None

    def middle(values: list[int]) -> int | None:
        return int(statistics.median_high(values)) if values else None

    typical = Answers(
        deploy_frequency=middle(ordinal["deploy_frequency"]),
        lead_time=middle(ordinal["lead_time"]),
        change_failure_rate=statistics.median(t for _l, t, _h in rates) if rates else None,
        recovery_time=middle(ordinal["recovery_time"]),
    )
    rate_low = min(lo for lo, _t, _h in rates) if rates else None
    rate_high = max(h for _l, _t, h in rates) if rates else None
    results = []
    for key in KEYS:
        value = typical.value(key)
        if value is None:
            continue
        if key == "change_failure_rate":
            assert rate_low is not None and rate_high is not None
            ends = [key_band(year, key, v) for v in (rate_low, value, rate_high)]
            answer = _percent_text(rate_low, value, rate_high)
            counts: tuple[tuple[str, int], ...] = ()
        else:
            scale = SCALES[key]
            ends = [key_band(year, key, v) for v in ordinal[key]] + [key_band(year, key, value)]
            answer = scale[int(value)]
            counts = tuple((scale[p], n) for p, n in sorted(_count(ordinal[key]).items()))
        results.append(
            KeyResult(
                key=key,
                answer=answer,
                band=key_band(year, key, value),
                band_high=min(ends, key=_rank),
                band_low=max(ends, key=_rank),
                spread=counts,
            )
        )
    cluster = nearest(year, typical)
    reach: list[Cluster] = [cluster] if cluster else []
    if rates:
        for rate in (rate_low, rate_high):
            varied = Answers(
                typical.deploy_frequency, typical.lead_time, rate, typical.recovery_time
            )
            if (c := nearest(year, varied)) is not None:
                reach.append(c)
    rework: Any = None
    if reworks:
        rework = {
            "low": min(lo for lo, _t, _h in reworks),
            "typical": statistics.median(t for _l, t, _h in reworks),
            "high": max(h for _l, _t, h in reworks),
        }
        if rework["low"] == rework["high"]:
            rework = rework["low"]
    return Placement(
        year=year,
        cluster=cluster,
        best=_extreme(reach, min),
        worst=_extreme(reach, max),
        keys=tuple(results),
        rework_rate=rework,
        participants=answered,
    )


def _extreme(clusters: list[Cluster], pick: Any) -> Cluster | None:
    """The best (``min``) or worst (``max``) of some clusters; None for none."""
    if not clusters:
        return None
    found: Cluster = pick(clusters, key=_rank)
    return found


def _count(values: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def _percent_text(low: float, typical: float, high: float) -> str:
    from assistant.parsing import format_percent

    if low == high:
        return format_percent(low)
    return format_percent({"low": low, "typical": typical, "high": high})
