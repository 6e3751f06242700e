"""Flow metrics over flow items, against a hand-worked two-week window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.flow import FlowItem, flow_metrics

START = datetime(2026, 11, 2, tzinfo=UTC)
END = START + timedelta(days=14)
DAY = timedelta(days=1)


def test_a_two_week_window() -> None:
    items = [
        # Finished in the window: 2 features, 1 defect, 1 debt.
        FlowItem("feature", START - 3 * DAY, START + 2 * DAY, active=DAY),  # 5 days
        FlowItem("feature", START, START + 4 * DAY, active=2 * DAY),  # 4 days
        FlowItem("defect", START + DAY, START + 2 * DAY, active=DAY / 2),  # 1 day
        FlowItem("debt", START + 2 * DAY, START + 12 * DAY),  # 10 days, active unknown
        # Finished before or after the window: not counted as velocity.
        FlowItem("feature", START - 10 * DAY, START - DAY),
        FlowItem("risk", START + 5 * DAY, END + DAY),  # in progress at the end
        # Still open.
        FlowItem("defect", START + 6 * DAY),
        FlowItem("feature", START + 20 * DAY),  # starts after the window
    ]
    m = flow_metrics(items, START, END)
    assert m.velocity == 4
    assert m.distribution == {"feature": 0.5, "defect": 0.25, "risk": 0.0, "debt": 0.25}
    assert m.flow_time_median == 4.5 * DAY  # of 1, 4, 5, 10 days
    assert m.flow_time_p85 == 10 * DAY  # nearest rank: ceil(0.85 * 4) = 4th
    # Active ÷ flow time over the items that say how long they were worked: 3.5 / 10 days.
    assert m.efficiency == pytest.approx(3.5 / 10)
    assert m.load == 2
    assert m.load_distribution == {"feature": 0.0, "defect": 0.5, "risk": 0.5, "debt": 0.0}


def test_an_empty_window_and_a_backwards_one() -> None:
    m = flow_metrics([], START, END)
    assert m.velocity == 0 and m.flow_time_median is None and m.efficiency is None
    assert m.distribution == {"feature": 0.0, "defect": 0.0, "risk": 0.0, "debt": 0.0}
    with pytest.raises(ValueError):
        flow_metrics([], END, START)
