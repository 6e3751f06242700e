"""DORA placement (DESIGN.md §1.2): every threshold edge of the 2024 and 2023 tables,
each key's own band, the nearest cluster across all four keys, and ranges."""

from __future__ import annotations

import pytest

from assistant.dora import Answers, UnknownYearError, key_band, nearest, place

DF = ["on_demand", "daily_to_weekly", "weekly_to_monthly", "monthly_to_6_months",
      "less_than_every_6_months"]  # fmt: skip
LT = ["under_1_hour", "1_hour_to_1_day", "1_day_to_1_week", "1_week_to_1_month",
      "1_to_6_months", "over_6_months"]  # fmt: skip
RT = ["under_1_hour", "under_1_day", "1_day_to_1_week", "1_week_to_1_month",
      "1_to_6_months", "over_6_months"]  # fmt: skip


@pytest.mark.parametrize(
    ("year", "answer", "band"),
    [
        (2024, "on_demand", "elite"),
        (2024, "daily_to_weekly", "high"),
        (2024, "weekly_to_monthly", "medium"),
        (2024, "monthly_to_6_months", "low"),
        (2024, "less_than_every_6_months", "low"),
        (2023, "on_demand", "elite"),
        (2023, "daily_to_weekly", "high"),
        # 2023's medium and low both deploy weekly to monthly: on this key alone, the
        # tie goes to the lower-performing cluster.
        (2023, "weekly_to_monthly", "low"),
        (2023, "monthly_to_6_months", "low"),
    ],
)
def test_deploy_frequency_bands(year: int, answer: str, band: str) -> None:
    assert key_band(year, "deploy_frequency", DF.index(answer)) == band


@pytest.mark.parametrize(
    ("year", "answer", "band"),
    [
        (2024, "under_1_hour", "elite"),
        (2024, "1_hour_to_1_day", "elite"),  # "< 1 day"
        (2024, "1_day_to_1_week", "high"),
        (2024, "1_week_to_1_month", "medium"),
        (2024, "1_to_6_months", "low"),
        (2024, "over_6_months", "low"),
        (2023, "1_hour_to_1_day", "elite"),
        (2023, "1_day_to_1_week", "high"),
        (2023, "1_week_to_1_month", "low"),  # medium and low share it in 2023
        (2023, "1_to_6_months", "low"),
    ],
)
def test_lead_time_bands(year: int, answer: str, band: str) -> None:
    assert key_band(year, "lead_time", LT.index(answer)) == band


@pytest.mark.parametrize(
    ("year", "answer", "band"),
    [
        (2024, "under_1_hour", "elite"),
        (2024, "under_1_day", "medium"),  # high and medium share "< 1 day" in 2024
        (2024, "1_day_to_1_week", "low"),  # nearer 1 week – 1 month than < 1 day? a tie
        (2024, "1_week_to_1_month", "low"),
        (2024, "over_6_months", "low"),
        (2023, "under_1_hour", "elite"),
        (2023, "under_1_day", "high"),
        (2023, "1_day_to_1_week", "medium"),
        (2023, "1_week_to_1_month", "low"),  # between medium and low: a tie
        (2023, "1_to_6_months", "low"),
    ],
)
def test_recovery_time_bands(year: int, answer: str, band: str) -> None:
    assert key_band(year, "recovery_time", RT.index(answer)) == band


@pytest.mark.parametrize(
    ("year", "rate", "band"),
    [
        # 2024: elite 5, medium 10, high 20, low 40 (not rising steadily). Edges halfway.
        (2024, 0, "elite"),
        (2024, 7.4, "elite"),
        (2024, 7.5, "medium"),  # a tie goes to the lower-performing cluster
        (2024, 10, "medium"),
        (2024, 14.9, "medium"),
        (2024, 15, "medium"),  # medium (10) and high (20) tie: medium performs lower
        (2024, 15.1, "high"),
        (2024, 29.9, "high"),
        (2024, 30, "low"),
        (2024, 100, "low"),
        # 2023: elite 5, high 10, medium 15, low 64.
        (2023, 7.4, "elite"),
        (2023, 7.5, "high"),
        (2023, 12.4, "high"),
        (2023, 12.5, "medium"),
        (2023, 39.4, "medium"),
        (2023, 39.5, "low"),
    ],
)
def test_change_failure_rate_edges(year: int, rate: float, band: str) -> None:
    assert key_band(year, "change_failure_rate", rate) == band


def test_nearest_cluster_across_all_four_keys_not_key_by_key() -> None:
    # Elite on three keys, a 20% change failure rate (2024's high): elite overall.
    team = Answers(0, 0, 20, 0)
    assert nearest(2024, team) == "elite"
    # Daily-to-weekly, 1 day - 1 week, 10% (medium's rate), < 1 day: high overall.
    assert nearest(2024, Answers(1, 2, 10, 1)) == "high"
    # The same team in 2023's table: high (10% is 2023's high rate).
    assert nearest(2023, Answers(1, 2, 10, 1)) == "high"
    # 2023 low and medium share deploy frequency and lead time: the rate and the
    # recovery decide.
    assert nearest(2023, Answers(2, 3, 60, 4)) == "low"
    assert nearest(2023, Answers(2, 3, 15, 2)) == "medium"
    assert nearest(2024, Answers(3, 4, 40, 3)) == "low"
    assert nearest(2024, Answers()) is None
    # One key answered is enough to place.
    assert nearest(2024, Answers(deploy_frequency=2)) == "medium"


def test_a_team_placed_from_its_participants_shows_the_year_and_each_keys_band() -> None:
    people = [
        {"deploy_frequency": "daily_to_weekly", "lead_time": "1_day_to_1_week",
         "change_failure_rate": 10, "recovery_time": "under_1_day", "rework_rate": 20},
        {"deploy_frequency": "weekly_to_monthly", "lead_time": "1_day_to_1_week",
         "change_failure_rate": {"low": 5, "typical": None, "high": 30},
         "recovery_time": "under_1_day"},
        {"deploy_frequency": "daily_to_weekly", "lead_time": "1_week_to_1_month",
         "change_failure_rate": 15, "recovery_time": "1_day_to_1_week",
         "rework_rate": {"low": 10, "typical": None, "high": 30}},
    ]  # fmt: skip
    placed = place(people)
    assert placed is not None and placed.year == 2024 and placed.participants == 3
    by_key = {k.key: k for k in placed.keys}
    assert by_key["deploy_frequency"].answer == "daily_to_weekly"
    assert by_key["deploy_frequency"].band == "high"
    assert by_key["deploy_frequency"].spread == (("daily_to_weekly", 2), ("weekly_to_monthly", 1))
    assert (by_key["deploy_frequency"].band_high, by_key["deploy_frequency"].band_low) == (
        "high",
        "medium",
    )
    # The change failure rate spans everyone's: 5% to 30%, median of typicals 15%.
    cfr = by_key["change_failure_rate"]
    assert cfr.answer == "5–30% (usually 15%)"
    assert (cfr.band_high, cfr.band, cfr.band_low) == ("elite", "medium", "low")
    assert placed.cluster == "high"
    assert placed.rework_rate == {"low": 10, "typical": 20, "high": 30}
    assert place(people, 2023) is not None


def test_a_range_gives_a_band_range() -> None:
    people = [
        {"deploy_frequency": "on_demand", "lead_time": "1_hour_to_1_day",
         "change_failure_rate": {"low": 0, "typical": None, "high": 60},
         "recovery_time": "under_1_day"}
    ]  # fmt: skip
    placed = place(people)
    assert placed is not None and placed.is_range
    # The typical 30% sits with high; its low end (0%) reaches elite.
    assert (placed.best, placed.cluster, placed.worst) == ("elite", "high", "high")


def test_nobody_answered_and_an_unknown_year() -> None:
    assert place([{"notes": "x"}]) is None
    with pytest.raises(UnknownYearError):
        place([], 2019)
