"""The answer parsers: what people type, what we store, and what we tell them when it fails."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from assistant.events import Person
from assistant.parsing import (
    ParseError,
    Range,
    format_duration,
    format_number,
    format_percent,
    is_range,
    parse_choice,
    parse_choices,
    parse_date,
    parse_duration,
    parse_long_text,
    parse_number,
    parse_percent,
    parse_person,
    parse_text,
    parse_yes_no,
    range_bounds,
)

MINUTE = 1.0
HOUR = 60.0
DAY = 24 * HOUR
WEEK = 7 * DAY

WORKFLOWS = [
    ("i2p", "Idea to production"),
    ("incident", "Response to production incident"),
    ("toolchain", "Toolchain upgrading and maintenance"),
]


def _error(call: object, *args: object, **kwargs: object) -> ParseError:
    assert callable(call)
    with pytest.raises(ParseError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------------------
# ParseError


def test_parse_error_carries_message_and_example() -> None:
    error = ParseError("I need a length of time with a unit.", example="2 hours")
    assert isinstance(error, ValueError)
    assert error.message == "I need a length of time with a unit."
    assert error.example == "2 hours"
    assert str(error) == "I need a length of time with a unit. For example: 2 hours."


def test_parse_error_without_example_is_just_the_message() -> None:
    error = ParseError("Please answer.")
    assert error.example is None
    assert str(error) == "Please answer."


# ---------------------------------------------------------------------------
# Text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Jenkins", "Jenkins"),
        ("  GitLab CI  ", "GitLab CI"),
        ("\tPlatform team\n", "Platform team"),
        ("Équipe plateforme 🚀", "Équipe plateforme 🚀"),
        ("a", "a"),
    ],
)
def test_parse_text_strips_and_keeps_content(typed: str, expected: str) -> None:
    assert parse_text(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "\n\t", "\u200b"])
def test_parse_text_rejects_empty(typed: str) -> None:
    assert "answer" in _error(parse_text, typed).message


def test_parse_text_min_length_boundary() -> None:
    assert parse_text("abc", min_length=3) == "abc"
    error = _error(parse_text, "ab", min_length=3)
    assert "at least 3 characters" in error.message


def test_parse_text_max_length_boundary() -> None:
    assert parse_text("x" * 500) == "x" * 500
    error = _error(parse_text, "x" * 501)
    assert "500 characters" in error.message
    assert "501" in error.message


def test_parse_text_error_never_echoes_the_answer() -> None:
    error = _error(parse_text, "secret " * 200, max_length=10)
    assert "secret" not in str(error)


def test_parse_long_text_keeps_lines_and_normalizes_newlines() -> None:
    assert parse_long_text("  first\r\nsecond\rthird  ") == "first\nsecond\nthird"


def test_parse_long_text_limits() -> None:
    assert parse_long_text("y" * 4000) == "y" * 4000
    error = _error(parse_long_text, "y" * 4001)
    assert "4,000 characters" in error.message or "4000 characters" in error.message
    assert "y" * 60 not in str(error)
    assert parse_long_text("ok", max_length=2) == "ok"
    assert "answer" in _error(parse_long_text, "  ").message


# ---------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1200", 1200),
        ("1,200", 1200),
        ("1 200", 1200),
        ("1\u00a0200", 1200),  # a non-breaking space, as some keyboards insert
        ("1.5k", 1500),
        ("2k", 2000),
        ("2K", 2000),
        ("1.2m", 1_200_000),
        ("3 million", 3_000_000),
        ("2bn", 2_000_000_000),
        ("about 1500", 1500),
        ("~1500", 1500),
        ("around 1,500 users", 1500),
        ("roughly 40", 40),
        ("1500 users", 1500),
        ("1500 developers on the platform", 1500),
        ("1000+", 1000),
        ("over 1000", 1000),
        ("at least 1,000", 1000),
        ("$1,200", 1200),
        ("2.5", 2.5),
        ("0.25", 0.25),
        (".5", 0.5),
        ("2.0", 2),
        ("0", 0),
        ("twelve", 12),
        ("a dozen", 12),
        ("none", 0),
        ("１２００", 1200),  # full-width digits from a CJK keyboard
        ("999999999999999999999999", 999_999_999_999_999_999_999_999),
    ],
)
def test_parse_number_accepts(typed: str, expected: float) -> None:
    result = parse_number(typed)
    assert result == expected
    assert type(result) is type(expected)


def test_parse_number_returns_int_when_whole() -> None:
    assert isinstance(parse_number("1.5k"), int)
    assert isinstance(parse_number("1.25"), float)


@pytest.mark.parametrize("typed", ["", "   ", "abc", "lots", "1,20", "1.2.3", "12abc34", "1e6"])
def test_parse_number_rejects_non_numbers(typed: str) -> None:
    error = _error(parse_number, typed)
    assert "number" in error.message
    assert error.example


@pytest.mark.parametrize("typed", ["5-10", "5 to 10", "between 5 and 10", "100 or 200"])
def test_parse_number_asks_for_one_number_instead_of_a_range(typed: str) -> None:
    assert "single number" in _error(parse_number, typed).message


@pytest.mark.parametrize("typed", ["less than 1000", "under 1000", "up to 1000", "< 1000"])
def test_parse_number_refuses_an_upper_bound_as_an_estimate(typed: str) -> None:
    # "under 1000" must not pass a ">= 1000 users" qualification as 1000.
    assert "best estimate" in _error(parse_number, typed, minimum=0).message


def test_parse_number_negative_only_when_minimum_allows() -> None:
    assert "zero or more" in _error(parse_number, "-5").message
    assert "at least 0" in _error(parse_number, "-5", minimum=0).message
    assert parse_number("-5", minimum=-10) == -5
    assert parse_number("−5", minimum=-10) == -5  # a typographic minus


def test_parse_number_integer() -> None:
    assert parse_number("3", integer=True) == 3
    assert parse_number("1.5k", integer=True) == 1500
    error = _error(parse_number, "2.5", integer=True)
    assert "whole number" in error.message


@pytest.mark.parametrize(
    ("typed", "minimum", "maximum", "ok"),
    [
        ("1000", 1000, None, True),
        ("999", 1000, None, False),
        ("100", None, 100, True),
        ("100.5", None, 100, False),
        ("1", 1, 5, True),
        ("5", 1, 5, True),
        ("6", 1, 5, False),
        ("0", 1, 5, False),
        ("0.5", 0.5, 0.75, True),
    ],
)
def test_parse_number_bounds_are_inclusive(
    typed: str, minimum: float | None, maximum: float | None, ok: bool
) -> None:
    if ok:
        assert parse_number(typed, minimum=minimum, maximum=maximum) == float(typed)
    else:
        error = _error(parse_number, typed, minimum=minimum, maximum=maximum)
        assert error.message.startswith("I need a number")


def test_parse_number_range_message_uses_the_unit() -> None:
    error = _error(parse_number, "500", minimum=1000, unit="users")
    assert error.message == "I need a number of at least 1,000 users."
    assert error.example == "1,000 users"
    between = _error(parse_number, "9", minimum=1, maximum=5)
    assert between.message == "I need a number between 1 and 5."
    assert "no bigger than 100" in _error(parse_number, "101", maximum=100).message


def test_parse_number_error_truncates_long_input() -> None:
    error = _error(parse_number, "not a number " * 5)
    assert "not a number " * 5 not in str(error)
    assert "…" in error.message
    assert "one number" in _error(parse_number, "9" * 200 + "x").message


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1200, "users", "1,200 users"),
        (1200, None, "1,200"),
        (1, "team", "1 team"),
        (0, None, "0"),
        (2.5, None, "2.5"),
        (1234.567, None, "1,234.57"),
        (3.0, "people", "3 people"),
        (-4, None, "-4"),
        (0.001, None, "0.001"),
        (10**12, None, "1,000,000,000,000"),
    ],
)
def test_format_number(value: float, unit: str | None, expected: str) -> None:
    assert format_number(value, unit) == expected


# ---------------------------------------------------------------------------
# Durations


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("3 days", 3 * DAY),
        ("2h", 2 * HOUR),
        ("1 week", WEEK),
        ("90 min", 90),
        ("1.5 hours", 90),
        ("2d 4h", 2 * DAY + 4 * HOUR),
        ("2d4h", 2 * DAY + 4 * HOUR),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("1 day, 4 hours", DAY + 4 * HOUR),
        ("30m", 30),
        ("2 wks", 2 * WEEK),
        ("half a day", 12 * HOUR),
        ("half an hour", 30),
        ("half-day", 12 * HOUR),
        ("a week", WEEK),
        ("an hour", HOUR),
        ("an hour and a half", 90),
        ("1 and a half hours", 90),
        ("1½ hours", 90),
        ("2 days and a half", 2.5 * DAY),
        ("a couple of days", 2 * DAY),
        ("a-couple-of days", 2 * DAY),
        ("half - a week", 3.5 * DAY),
        ("two weeks", 2 * WEEK),
        ("1 working day", 8 * HOUR),
        ("business day", 8 * HOUR),
        ("3 business days", 24 * HOUR),
        ("wd", 8 * HOUR),
        ("2wd", 16 * HOUR),
        ("1.5 wd", 12 * HOUR),
        ("work week", 40 * HOUR),
        ("a work week", 40 * HOUR),
        ("2 working weeks", 80 * HOUR),
        ("1 month", 30 * DAY),
        ("a fortnight", 2 * WEEK),
        ("1 year", 365 * DAY),
        ("45 seconds", 0.75),
        ("1,000 minutes", 1000),
        ("2-hour", 2 * HOUR),
        ("about 2 days", 2 * DAY),
        ("~3h", 3 * HOUR),
        ("2ish hours", 2 * HOUR),
        ("2 hours-ish", 2 * HOUR),
        ("usually 3 days or so", 3 * DAY),
        ("2 HRS.", 2 * HOUR),
        ("  4   Hours  ", 4 * HOUR),
        ("0", 0),
        ("0 days", 0),
        ("none", 0),
        ("None!", 0),
        ("no wait", 0),
        ("no waiting", 0),
        ("immediately", 0),
        ("zero", 0),
    ],
)
def test_parse_duration_accepts(typed: str, minutes: float) -> None:
    assert parse_duration(typed) == pytest.approx(minutes)


@pytest.mark.parametrize("typed", ["5", "1.5", "about 30", "1,000"])
def test_parse_duration_bare_number_asks_for_a_unit(typed: str) -> None:
    error = _error(parse_duration, typed)
    assert "unit" in error.message
    assert error.example == "2 hours"


@pytest.mark.parametrize(
    "typed", ["2-3 days", "2 to 3 days", "2 or 3 hours", "between 1 and 2 weeks"]
)
def test_parse_duration_asks_for_one_value_instead_of_a_range(typed: str) -> None:
    assert "one length of time" in _error(parse_duration, typed).message


@pytest.mark.parametrize("typed", ["2 hours a day", "1 day 1 day", "30 minutes 2 hours"])
def test_parse_duration_rejects_rates_and_unordered_sums(typed: str) -> None:
    assert "one length of time" in _error(parse_duration, typed).message


def test_parse_duration_names_an_unknown_unit() -> None:
    error = _error(parse_duration, "3 sprints")
    assert "“sprints”" in error.message
    assert "hours" in error.message


@pytest.mark.parametrize("typed", ["", "   ", "soon", "a while", "m", "2 hours 15", "per week"])
def test_parse_duration_rejects_unreadable(typed: str) -> None:
    error = _error(parse_duration, typed)
    assert "length of time" in error.message
    assert error.example == "2 hours, 3 days or 1 week"


def test_parse_duration_rejects_negative_and_absurd() -> None:
    assert "negative" in _error(parse_duration, "-2 hours").message
    assert "longer than I can work with" in _error(parse_duration, "200 years").message
    assert "one length of time" in _error(parse_duration, "x" * 300).message


def test_parse_duration_error_echo_is_short() -> None:
    typed = "it depends on the phase of the moon and the mood of the release manager"
    error = _error(parse_duration, typed)
    assert typed not in str(error)
    assert len(error.message) < 140


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0 min"),
        (0.5, "30 sec"),
        (1, "1 min"),
        (45, "45 min"),
        (59.7, "1 h"),
        (60, "1 h"),
        (80, "1 h 20 min"),
        (90, "1.5 h"),
        (120, "2 h"),
        (150, "2.5 h"),
        (8 * HOUR, "8 h"),
        (DAY - 0.1, "1 day"),
        (DAY, "1 day"),
        (DAY + 4 * HOUR, "1 day 4 h"),
        (1.5 * DAY, "1.5 days"),
        (3 * DAY, "3 days"),
        (WEEK, "1 week"),
        (WEEK - 1, "1 week"),
        (9 * DAY, "1 week 2 days"),
        (2 * WEEK, "2 weeks"),
        (30 * DAY, "1 month"),
        (45 * DAY, "1.5 months"),
        (365 * DAY, "1 year"),
        (400 * DAY, "1 year 1 month"),
        (730 * DAY, "2 years"),
    ],
)
def test_format_duration(minutes: float, expected: str) -> None:
    assert format_duration(minutes) == expected


@pytest.mark.parametrize(
    "minutes", [1, 45, 90, 80, 120, DAY, DAY + 4 * HOUR, 3 * DAY, 9 * DAY, 2 * WEEK, 30 * DAY]
)
def test_format_duration_reads_back_as_the_same_duration(minutes: float) -> None:
    assert parse_duration(format_duration(minutes)) == pytest.approx(minutes)


@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf")])
def test_format_duration_rejects_impossible_values(minutes: float) -> None:
    with pytest.raises(ValueError, match="duration"):
        format_duration(minutes)


# ---------------------------------------------------------------------------
# Percentages


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("85", 85.0),
        ("85%", 85.0),
        ("85 %", 85.0),
        ("85 percent", 85.0),
        ("about 85%", 85.0),
        ("85% of the time", 85.0),
        ("85.5", 85.5),
        ("85,5%", 85.5),
        ("0.85", 0.85),
        ("0", 0.0),
        ("0%", 0.0),
        ("100", 100.0),
        ("100%", 100.0),
        ("9 out of 10", 90.0),
        ("3/4", 75.0),
        ("1 in 5", 20.0),
        ("none", 0.0),
        ("half", 50.0),
        ("all", 100.0),
        ("All of it.", 100.0),
        ("９０％", 90.0),
    ],
)
def test_parse_percent_accepts(typed: str, expected: float) -> None:
    assert parse_percent(typed) == pytest.approx(expected)


@pytest.mark.parametrize("typed", ["101", "100.01", "-1", "-0.5", "1,000%", "11 out of 10", "150%"])
def test_parse_percent_out_of_range(typed: str) -> None:
    error = _error(parse_percent, typed)
    assert error.message == "A percentage must be between 0 and 100."
    assert error.example == "85%"


@pytest.mark.parametrize("typed", ["", "  ", "most", "high", "85 90", "%"])
def test_parse_percent_unreadable(typed: str) -> None:
    error = _error(parse_percent, typed)
    assert "percentage" in error.message


def test_parse_percent_range_and_zero_denominator() -> None:
    assert "one percentage" in _error(parse_percent, "80-90%").message
    assert "Out of 0" in _error(parse_percent, "1/0").message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(85, "85%"), (85.0, "85%"), (85.5, "85.5%"), (0, "0%"), (100, "100%"), (0.85, "0.85%")],
)
def test_format_percent(value: float, expected: str) -> None:
    assert format_percent(value) == expected


# ---------------------------------------------------------------------------
# Ranges: estimates, when the step allows them


def _range(low: float, high: float, typical: float | None = None) -> Range:
    return {"low": low, "typical": typical, "high": high}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2-5 days", _range(2 * DAY, 5 * DAY)),
        ("2–5 days", _range(2 * DAY, 5 * DAY)),  # an en dash
        ("2—5 days", _range(2 * DAY, 5 * DAY)),  # an em dash
        ("2 - 5 days", _range(2 * DAY, 5 * DAY)),
        ("3 to 5 hours", _range(3 * HOUR, 5 * HOUR)),
        ("between 3 and 5 hours", _range(3 * HOUR, 5 * HOUR)),
        ("from 2 to 5 days", _range(2 * DAY, 5 * DAY)),
        ("2 days - 1 week", _range(2 * DAY, WEEK)),
        ("2 days to a week", _range(2 * DAY, WEEK)),
        ("30 min - 2 h", _range(30, 2 * HOUR)),
        ("1–2 weeks, usually 10 days", _range(WEEK, 2 * WEEK, 10 * DAY)),
        ("1-2 weeks typically 10 days", _range(WEEK, 2 * WEEK, 10 * DAY)),
        ("1–2 weeks (usually 10 days)", _range(WEEK, 2 * WEEK, 10 * DAY)),
        ("2-5 days, usually 3", _range(2 * DAY, 5 * DAY, 3 * DAY)),  # the unit is shared
        ("3 or 4 days", _range(3 * DAY, 4 * DAY)),
        ("one or two weeks", _range(WEEK, 2 * WEEK)),
        ("2 to 3 business days", _range(16 * HOUR, 24 * HOUR)),
        ("about 2-3 days", _range(2 * DAY, 3 * DAY)),
        ("somewhere between 2 and 3 days", _range(2 * DAY, 3 * DAY)),
        ("1 hour 30 minutes - 2 hours", _range(90, 2 * HOUR)),
        ("between 1 hour and 30 minutes and 2 hours", _range(90, 2 * HOUR)),
        ("1 and a half to 2 hours", _range(90, 2 * HOUR)),
        ("0-2 days", _range(0, 2 * DAY)),
        ("none to 2 hours", _range(0, 2 * HOUR)),
        ("2-5 days.", _range(2 * DAY, 5 * DAY)),
    ],
)
def test_parse_duration_reads_ranges_when_allowed(typed: str, expected: Range) -> None:
    assert parse_duration(typed, allow_range=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        # Hedged estimates are one value, as they are without ranges.
        ("about a week", WEEK),
        ("around 3 days", 3 * DAY),
        ("roughly 2h", 2 * HOUR),
        ("~2 days", 2 * DAY),
        ("approx. 4 hours", 4 * HOUR),
        ("usually 3 days or so", 3 * DAY),
        ("2 days or so", 2 * DAY),
        # Dashes that are not ranges.
        ("2-hour", 2 * HOUR),
        ("half-day", 12 * HOUR),
        ("2 hours-ish", 2 * HOUR),
        ("2-ish hours", 2 * HOUR),
        # "1 hour and 30 minutes" is one value: "and" is a range only after "between".
        ("1 hour and 30 minutes", 90),
        ("1 day, 4 hours", DAY + 4 * HOUR),
        ("3 days", 3 * DAY),
        ("none", 0),
        # Both ends the same: one value.
        ("3-3 days", 3 * DAY),
    ],
)
def test_parse_duration_single_estimates_stay_single_values(typed: str, minutes: float) -> None:
    value = parse_duration(typed, allow_range=True)
    assert not is_range(value)
    assert value == pytest.approx(minutes)
    if typed != "3-3 days":
        assert value == parse_duration(typed)  # exactly what a single answer gives


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("5-2 days", "runs backwards"),
        ("1 week - 2 days", "runs backwards"),
        ("1-2 weeks, usually 3 weeks", "usual case, 3 weeks, should fall within"),
        ("2-5 days, usually 1 day", "should fall within the range (2–5 days)"),
        ("5- days", "missing an end"),
        ("5 - days", "missing an end"),
        ("5 -days", "missing an end"),
        ("2 days to", "missing an end"),
        ("between 2 and", "missing an end"),
        ("between 2 days", "missing an end"),
        ("from 2 days", "missing an end"),
        ("5 to days", "missing an end"),
        ("2-3-4 days", "three numbers at most"),
        ("1 to 2 to 3 to 4 days", "three numbers at most"),
        ("2, 3 or 4 days", "three numbers at most"),
        ("1-2 weeks, usually 3-4 days", "three numbers at most"),
        ("-2 to 3 days", "can't be negative"),
        ("2 to -3 days", "can't be negative"),
        ("2-5", "add a unit to “2-5”"),
        ("2 hours - 5", "add a unit to “5”"),
        ("2 - a week", "add a unit to “2”"),  # 2 days? 2 weeks? we ask
        ("2 days to 3 sprints", "“sprints”"),
        ("2 days to banana", "length of time"),
        ("a few days to 2 weeks", "“a few”"),
        ("2 days to a few weeks", "“a few”"),
        ("several days", "“several”"),
        ("3 days, usually 2 days", "no range"),
        ("1 - 200 years", "longer than I can work with"),
    ],
)
def test_parse_duration_refuses_bad_ranges_kindly(typed: str, says: str) -> None:
    error = _error(parse_duration, typed, allow_range=True)
    assert says in error.message
    assert error.example


def test_parse_duration_backwards_range_suggests_the_right_order() -> None:
    error = _error(parse_duration, "5-2 days", allow_range=True)
    assert error.message == (
        "That range runs backwards: 5 days is more than 2 days. Please put the smaller end first."
    )
    assert error.example == "2–5 days"


def test_parse_duration_usual_case_must_fall_within_the_range() -> None:
    # "1–2 weeks, usually 3 days" contradicts itself (3 days is less than a week):
    # we ask rather than store a usual case outside the range.
    error = _error(parse_duration, "1–2 weeks, usually 3 days", allow_range=True)
    assert error.message == ("The usual case, 3 days, should fall within the range (1–2 weeks).")


@pytest.mark.parametrize(
    "typed", ["2-3 days", "2 to 3 days", "between 1 and 2 weeks", "1-2 weeks, usually 10 days"]
)
def test_parse_duration_without_allow_range_still_asks_for_one_value(typed: str) -> None:
    assert "one length of time" in _error(parse_duration, typed).message
    assert "one length of time" in _error(parse_duration, typed, allow_range=False).message


@pytest.mark.parametrize(
    ("typed", "kwargs", "expected"),
    [
        ("3-5", {}, _range(3, 5)),
        ("3 to 5", {}, _range(3, 5)),
        ("between 10 and 20", {}, _range(10, 20)),
        ("10–20 people, usually 12", {}, _range(10, 20, 12)),
        ("10-20 (typically 12)", {}, _range(10, 20, 12)),
        ("3-5 users", {}, _range(3, 5)),
        ("100 or 200", {}, _range(100, 200)),
        ("ten to twenty", {}, _range(10, 20)),
        ("about 10-20", {}, _range(10, 20)),
        ("1,200-1,500 users", {}, _range(1200, 1500)),
        ("1 200 - 1 500", {}, _range(1200, 1500)),
        ("1.5-2.5", {}, _range(1.5, 2.5)),
        # A multiplier written once: "1-2k" is 1,000 to 2,000, "500-2k" 500 to 2,000.
        ("1-2k", {}, _range(1000, 2000)),
        ("1-2 thousand", {}, _range(1000, 2000)),
        ("500-2k", {}, _range(500, 2000)),
        ("900-1.2k", {}, _range(900, 1200)),
        ("-5 to 5", {"minimum": -10}, _range(-5, 5)),
        ("-5 - -2", {"minimum": -10}, _range(-5, -2)),
        ("1-5", {"minimum": 1, "maximum": 5}, _range(1, 5)),
        ("1000-2000 users", {"minimum": 1000, "unit": "users"}, _range(1000, 2000)),
    ],
)
def test_parse_number_reads_ranges_when_allowed(
    typed: str, kwargs: dict[str, Any], expected: Range
) -> None:
    value = parse_number(typed, allow_range=True, **kwargs)
    assert value == expected


def test_parse_number_range_ends_stay_whole_numbers() -> None:
    value = parse_number("10-20, usually 12", allow_range=True)
    assert is_range(value)
    assert [type(v) for v in range_bounds(value)] == [int, int, int]


@pytest.mark.parametrize(
    ("typed", "single"),
    [("about 12", 12), ("~1500", 1500), ("over 1000", 1000), ("1000+", 1000), ("3 or more", 3)],
)
def test_parse_number_single_estimates_stay_single_values(typed: str, single: int) -> None:
    assert parse_number(typed, allow_range=True) == single == parse_number(typed)


@pytest.mark.parametrize(
    ("typed", "kwargs", "says"),
    [
        ("5-2", {}, "runs backwards"),
        ("10-20, usually 25", {}, "usual case, 25, should fall within the range (10–20)"),
        ("5-", {}, "missing an end"),
        ("between 5 and", {}, "missing an end"),
        ("3-5-7", {}, "three numbers at most"),
        ("1, 2, 3, 4", {}, "three numbers at most"),
        ("10-20, 12", {}, "three numbers at most"),
        ("-5 to 5", {}, "zero or more"),
        ("0-4", {"minimum": 1, "maximum": 5}, "between 1 and 5"),  # the low end is out
        ("2-10", {"minimum": 1, "maximum": 5}, "between 1 and 5"),  # the high end is out
        ("2-4, usually 9", {"minimum": 1, "maximum": 5}, "between 1 and 5"),
        ("500-2000", {"minimum": 1000, "unit": "users"}, "at least 1,000 users"),
        ("2.5-4", {"integer": True}, "whole number"),
        ("a few to 10", {}, "“a few”"),
        ("less than 5-10", {}, "not an upper limit"),
    ],
)
def test_parse_number_refuses_bad_ranges_kindly(
    typed: str, kwargs: dict[str, Any], says: str
) -> None:
    error = _error(parse_number, typed, allow_range=True, **kwargs)
    assert says in error.message
    assert error.example


def test_parse_number_range_example_respects_the_bounds() -> None:
    error = _error(parse_number, "5-", allow_range=True, minimum=1000, unit="users")
    assert error.example == "1,000–2,000 users"


@pytest.mark.parametrize("typed", ["5-10", "between 5 and 10", "10-20 people, usually 12"])
def test_parse_number_without_allow_range_still_asks_for_one_number(typed: str) -> None:
    assert "single number" in _error(parse_number, typed).message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("20-30%", _range(20, 30)),
        ("20–30 %", _range(20, 30)),
        ("20% to 30%", _range(20, 30)),
        ("between 70 and 90 percent", _range(70, 90)),
        ("70-90%, usually 80%", _range(70, 90, 80)),
        ("70-90% (usually 80)", _range(70, 90, 80)),
        ("20 to 30 percent of the time", _range(20, 30)),
        ("80,5-90%", _range(80.5, 90)),
        ("0-100%", _range(0, 100)),
    ],
)
def test_parse_percent_reads_ranges_when_allowed(typed: str, expected: Range) -> None:
    assert parse_percent(typed, allow_range=True) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("typed", "single"), [("85", 85.0), ("about 85%", 85.0), ("9 out of 10", 90.0), ("all", 100.0)]
)
def test_parse_percent_single_estimates_stay_single_values(typed: str, single: float) -> None:
    assert parse_percent(typed, allow_range=True) == single == parse_percent(typed)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("90-110%", "between 0 and 100"),
        ("-5-10%", "between 0 and 100"),
        ("30-20%", "runs backwards"),
        ("80-90% (usually 95%)", "should fall within the range (80–90%)"),
        ("20- %", "missing an end"),
        ("20 to %", "missing an end"),
        ("20-30-40%", "three numbers at most"),
    ],
)
def test_parse_percent_refuses_bad_ranges_kindly(typed: str, says: str) -> None:
    error = _error(parse_percent, typed, allow_range=True)
    assert says in error.message
    assert error.example


def test_parse_percent_without_allow_range_still_asks_for_one_percentage() -> None:
    assert "one percentage" in _error(parse_percent, "20-30%", allow_range=False).message


@pytest.mark.parametrize(
    "typed",
    [
        "-",
        "to",
        "between",
        "between and",
        "- - -",
        "-1-",
        "1--",
        "~",
        "usually",
        "(usually 3)",
        "2 days (usually",
        "5 - 2 - days",
        "1-2-3-4-5-6-7-8-9",
        "between between 1 and and 2",
        "9" * 200 + "-1",
        "to 5 days",
        "or or or",
    ],
)
def test_range_nonsense_is_a_parse_error_never_a_crash(typed: str) -> None:
    for parse in (parse_duration, parse_number, parse_percent):
        try:
            parse(typed, allow_range=True)
        except ParseError as error:
            assert error.message


def test_a_range_is_plain_json() -> None:
    value = parse_duration("1-2 weeks, usually 10 days", allow_range=True)
    assert is_range(value)
    assert json.loads(json.dumps(value)) == value
    assert is_range(json.loads(json.dumps(value)))


def test_range_helpers() -> None:
    assert range_bounds(_range(1, 3, 2)) == (1, 2, 3)
    assert range_bounds(_range(1, 3)) == (1, None, 3)
    assert range_bounds(5.0) == (5.0, 5.0, 5.0)
    assert is_range(_range(1, 3))
    assert not is_range(5.0)
    assert not is_range({"low": 1, "high": 3})
    assert not is_range(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_range(2 * DAY, 5 * DAY), "2–5 days"),
        (_range(3 * HOUR, 5 * HOUR), "3–5 h"),
        (_range(WEEK, 2 * WEEK), "1–2 weeks"),
        (_range(2 * DAY, WEEK), "2 days – 1 week"),
        (_range(30, 2 * HOUR), "30 min – 2 h"),
        (_range(DAY + 4 * HOUR, 2 * DAY), "1 day 4 h – 2 days"),
        (_range(2 * DAY, 5 * DAY, 3 * DAY), "2–5 days (usually 3 days)"),
        # Shown as given, though the parser refuses it (3 days is less than a week).
        (_range(WEEK, 2 * WEEK, 3 * DAY), "1–2 weeks (usually 3 days)"),
        (_range(WEEK, 2 * WEEK, 10 * DAY), "1–2 weeks (usually 1 week 3 days)"),
        (_range(3 * DAY, 3 * DAY), "3 days"),
    ],
)
def test_format_duration_range(value: Range, expected: str) -> None:
    assert format_duration(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (_range(3, 5), "users", "3–5 users"),
        (_range(3, 5), None, "3–5"),
        (_range(1200, 1500), "users", "1,200–1,500 users"),
        (_range(10, 20, 12), "people", "10–20 people (usually 12 people)"),
        (_range(1.5, 2.5), None, "1.5–2.5"),
        (_range(-5, 5), None, "-5 – 5"),
    ],
)
def test_format_number_range(value: Range, unit: str | None, expected: str) -> None:
    assert format_number(value, unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (_range(20, 30), "20–30%"),
        (_range(70, 90, 80), "70–90% (usually 80%)"),
        (_range(0.5, 2.5), "0.5–2.5%"),
    ],
)
def test_format_percent_range(value: Range, expected: str) -> None:
    assert format_percent(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        _range(2 * DAY, 5 * DAY),
        _range(2 * DAY, WEEK),
        _range(30, 2 * HOUR),
        _range(WEEK, 2 * WEEK, 10 * DAY),
        _range(DAY + 4 * HOUR, 2 * DAY),
    ],
)
def test_format_duration_range_reads_back_as_the_same_range(value: Range) -> None:
    assert parse_duration(format_duration(value), allow_range=True) == pytest.approx(value)


def test_format_number_and_percent_ranges_read_back() -> None:
    for value in (_range(3, 5), _range(10, 20, 12), _range(1200, 1500)):
        assert parse_number(format_number(value, "users"), allow_range=True) == value
    for value in (_range(20, 30), _range(70, 90, 80)):
        assert parse_percent(format_percent(value), allow_range=True) == value


# ---------------------------------------------------------------------------
# Yes / no


@pytest.mark.parametrize(
    "typed",
    [
        "yes",
        "Yes",
        "YES!",
        "y",
        "yeah",
        "yep",
        "sure",
        "true",
        "correct",
        "affirmative",
        "Sure.",
        "  yes  ",
        "👍",
        "👍🏽",
        ":+1:",
        ":thumbsup:",
        "yes, we do",
        "Yes - every release",
    ],
)
def test_parse_yes_no_yes(typed: str) -> None:
    assert parse_yes_no(typed) is True


@pytest.mark.parametrize(
    "typed",
    [
        "no",
        "No.",
        "n",
        "nope",
        "false",
        "not yet",
        "Not really",
        "NOT YET!",
        "👎",
        ":-1:",
        "no, we don't",
        "No - not yet",
    ],
)
def test_parse_yes_no_no(typed: str) -> None:
    assert parse_yes_no(typed) is False


@pytest.mark.parametrize(
    "typed", ["", "  ", "maybe", "not sure", "no idea", "yes and no", "yesterday", "🤷", "x" * 300]
)
def test_parse_yes_no_unclear(typed: str) -> None:
    error = _error(parse_yes_no, typed)
    assert "yes or a no" in error.message
    assert "x" * 60 not in str(error)


# ---------------------------------------------------------------------------
# Choices


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", "i2p"),
        ("2", "incident"),
        ("#2", "incident"),
        ("2.", "incident"),
        ("2)", "incident"),
        (" 3 ", "toolchain"),
        ("option 3", "toolchain"),
        ("the second one", "incident"),
        ("last", "toolchain"),
        ("i2p", "i2p"),
        ("Idea to production", "i2p"),
        ("IDEA-TO-PRODUCTION!", "i2p"),
        ("idea  to   production", "i2p"),
        ("idea", "i2p"),
        ("Resp", "incident"),
        ("incident", "incident"),
        ("tool", "toolchain"),
        ("maintenance", "toolchain"),
        ("upgrading and maintenance", "toolchain"),
    ],
)
def test_parse_choice_accepts(typed: str, expected: str) -> None:
    assert parse_choice(typed, WORKFLOWS) == expected


def test_parse_choice_ignores_accents_and_case() -> None:
    options = [("dev", "Développement"), ("ops", "Opérations")]
    assert parse_choice("developpement", options) == "dev"
    assert parse_choice("OPÉRATIONS", options) == "ops"


def test_parse_choice_ambiguous_lists_the_candidates() -> None:
    error = _error(parse_choice, "production", WORKFLOWS)
    assert "more than one" in error.message
    assert "1. Idea to production" in error.message
    assert "2. Response to production incident" in error.message
    assert "Toolchain" not in error.message


def test_parse_choice_ambiguous_prefix() -> None:
    options = [("a", "Manual testing"), ("b", "Manual approval"), ("c", "Automated")]
    error = _error(parse_choice, "manual", options)
    assert "1. Manual testing or 2. Manual approval" in error.message
    assert parse_choice("manual a", options) == "b"


@pytest.mark.parametrize("typed", ["xyz", "to", "the", "p", "deploy to mars"])
def test_parse_choice_unknown_lists_all_options(typed: str) -> None:
    error = _error(parse_choice, typed, WORKFLOWS)
    assert "couldn't match" in error.message
    assert all(label in error.message for _, label in WORKFLOWS)
    assert error.example == "1 or Idea to production"


@pytest.mark.parametrize("typed", ["0", "4", "#99", "99999999999999999999"])
def test_parse_choice_number_out_of_range(typed: str) -> None:
    error = _error(parse_choice, typed, WORKFLOWS)
    assert "from 1 to 3" in error.message


def test_parse_choice_empty_answer_lists_options() -> None:
    error = _error(parse_choice, "   ", WORKFLOWS)
    assert "1. Idea to production" in error.message


def test_parse_choice_visible_label_beats_position() -> None:
    points = [("p1", "1"), ("p2", "2"), ("p3", "3"), ("p5", "5"), ("p8", "8")]
    assert parse_choice("5", points) == "p5"
    assert parse_choice("4", points) == "p5"  # no label "4": the 4th option


def test_parse_choice_position_beats_hidden_value() -> None:
    scale = [("0", "Never"), ("1", "Sometimes"), ("2", "Always")]
    assert parse_choice("1", scale) == "0"


def test_parse_choice_long_option_list_is_summarized() -> None:
    options = [(f"v{i}", f"Option {i}") for i in range(1, 31)]
    error = _error(parse_choice, "nothing like it", options)
    assert "and 20 more" in error.message
    assert "Option 25" not in error.message


def test_parse_choice_without_options_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one option"):
        parse_choice("1", [])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 3", ["i2p", "toolchain"]),
        ("1,3", ["i2p", "toolchain"]),
        ("1, 3", ["i2p", "toolchain"]),
        ("1 and 3", ["i2p", "toolchain"]),
        ("1 & 3", ["i2p", "toolchain"]),
        ("1; 3", ["i2p", "toolchain"]),
        ("#1 #3", ["i2p", "toolchain"]),
        ("3, 1", ["i2p", "toolchain"]),
        ("3, 1, 1", ["i2p", "toolchain"]),
        ("1-3", ["i2p", "incident", "toolchain"]),
        ("2", ["incident"]),
        ("all", ["i2p", "incident", "toolchain"]),
        ("All of the above", ["i2p", "incident", "toolchain"]),
        ("idea & incident", ["i2p", "incident"]),
        ("Idea to production, tool", ["i2p", "toolchain"]),
        ("toolchain upgrading and maintenance", ["toolchain"]),
        ("- idea\n- incident", ["i2p", "incident"]),
    ],
)
def test_parse_choices_accepts(typed: str, expected: list[str]) -> None:
    assert parse_choices(typed, WORKFLOWS) == expected


def test_parse_choices_labels_containing_separators() -> None:
    options = [("bt", "Build and test"), ("rd", "R&D"), ("d", "Deploy")]
    assert parse_choices("build and test and deploy", options) == ["bt", "d"]
    assert parse_choices("R&D, build and test", options) == ["bt", "rd"]


@pytest.mark.parametrize("typed", ["none", "None of them", "", "nothing"])
def test_parse_choices_none_allowed_only_when_optional(typed: str) -> None:
    assert parse_choices(typed, WORKFLOWS, min_count=0) == []
    error = _error(parse_choices, typed, WORKFLOWS)
    assert "at least 1 option" in error.message


def test_parse_choices_none_can_be_a_real_option() -> None:
    options = [("ci", "CI"), ("none", "None")]
    assert parse_choices("none", options) == ["none"]


def test_parse_choices_count_limits() -> None:
    assert parse_choices("1 2", WORKFLOWS, max_count=2) == ["i2p", "incident"]
    too_many = _error(parse_choices, "all", WORKFLOWS, max_count=2)
    assert "no more than 2 options" in too_many.message
    assert "you picked 3" in too_many.message
    too_few = _error(parse_choices, "1", WORKFLOWS, min_count=2)
    assert "at least 2 options" in too_few.message


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("1, 7", "no option 7"),
        ("1 4", "no option 4"),
        ("2-9", "no option 4"),
        ("1, banana", "“banana”"),
        ("production, 3", "more than one"),
    ],
)
def test_parse_choices_names_the_bad_item(typed: str, fragment: str) -> None:
    assert fragment in _error(parse_choices, typed, WORKFLOWS).message


# ---------------------------------------------------------------------------
# Dates

FRIDAY = date(2027, 3, 5)  # a Friday in Q1
WEDNESDAY = date(2027, 3, 3)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2027-03-31", date(2027, 3, 31)),
        ("2027/3/31", date(2027, 3, 31)),
        ("31 Mar 2027", date(2027, 3, 31)),
        ("31 March 2027", date(2027, 3, 31)),
        ("31-Mar-2027", date(2027, 3, 31)),
        ("March 31, 2027", date(2027, 3, 31)),
        ("Mar 31 2027", date(2027, 3, 31)),
        ("Mar. 31st, 2027", date(2027, 3, 31)),
        ("the 31st of March 2027", date(2027, 3, 31)),
        ("Sept 1 2027", date(2027, 9, 1)),
        ("Wed 31 Mar 2027", date(2027, 3, 31)),
        ("31/03/2027", date(2027, 3, 31)),
        ("03/31/2027", date(2027, 3, 31)),
        ("31.03.2027", date(2027, 3, 31)),
        ("31/03/27", date(2027, 3, 31)),
        ("05/05/2027", date(2027, 5, 5)),
        ("today", FRIDAY),
        ("Today", FRIDAY),
        ("tomorrow", date(2027, 3, 6)),
        ("in 3 weeks", date(2027, 3, 26)),
        ("in 2 months", date(2027, 5, 5)),
        ("in 10 days", date(2027, 3, 15)),
        ("in a week", date(2027, 3, 12)),
        ("in 1 year", date(2028, 3, 5)),
        ("3 weeks from now", date(2027, 3, 26)),
        ("in 5 business days", date(2027, 3, 12)),
        ("next week", date(2027, 3, 12)),
        ("end of month", date(2027, 3, 31)),
        ("by the end of the month", date(2027, 3, 31)),
        ("EOM", date(2027, 3, 31)),
        ("end of next month", date(2027, 4, 30)),
        ("end of quarter", date(2027, 3, 31)),
        ("end of next quarter", date(2027, 6, 30)),
        ("end of year", date(2027, 12, 31)),
        ("end of 2028", date(2028, 12, 31)),
        ("Q2 2027", date(2027, 6, 30)),
        ("q2-2027", date(2027, 6, 30)),
        ("2027 Q3", date(2027, 9, 30)),
        ("Q4 2027", date(2027, 12, 31)),
        ("end of Q1 2028", date(2028, 3, 31)),
        ("June 2027", date(2027, 6, 30)),
        ("Feb 2028", date(2028, 2, 29)),
        ("Feb 2027", date(2027, 2, 28)),
        ("next monday", date(2027, 3, 8)),
        ("monday", date(2027, 3, 8)),
        ("friday", date(2027, 3, 12)),
        ("next friday", date(2027, 3, 12)),
        ("on Fri", date(2027, 3, 12)),
        ("this friday", FRIDAY),
        ("29 Feb 2028", date(2028, 2, 29)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_parse_date_accepts(typed: str, expected: date) -> None:
    assert parse_date(typed, today=FRIDAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("friday", date(2027, 3, 5)),
        ("next friday", date(2027, 3, 5)),
        ("wednesday", date(2027, 3, 10)),
        ("end of week", date(2027, 3, 5)),
    ],
)
def test_parse_date_weekdays_from_a_wednesday(typed: str, expected: date) -> None:
    assert parse_date(typed, today=WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("typed", "today", "expected"),
    [
        ("31 March", date(2027, 3, 5), date(2027, 3, 31)),
        ("1 March", date(2027, 3, 5), date(2028, 3, 1)),  # passed this year
        ("29 Feb", date(2027, 3, 5), date(2028, 2, 29)),  # next leap year
        ("June", date(2027, 7, 1), date(2028, 6, 30)),
        ("Q1", date(2027, 5, 1), date(2028, 3, 31)),
        ("end of quarter", date(2027, 11, 15), date(2027, 12, 31)),
        ("end of next quarter", date(2027, 11, 15), date(2028, 3, 31)),
        ("end of month", date(2028, 2, 10), date(2028, 2, 29)),
        ("in 1 month", date(2027, 1, 31), date(2027, 2, 28)),
        ("in 1 month", date(2028, 1, 31), date(2028, 2, 29)),
        ("in 2 months", date(2027, 12, 31), date(2028, 2, 29)),
        ("next month", date(2027, 12, 15), date(2028, 1, 15)),
        ("tomorrow", date(2027, 12, 31), date(2028, 1, 1)),
        ("next week", date(2027, 12, 28), date(2028, 1, 4)),
    ],
)
def test_parse_date_relative_to_today(typed: str, today: date, expected: date) -> None:
    assert parse_date(typed, today=today) == expected


@pytest.mark.parametrize("typed", ["03/04/2027", "01/02/2027", "12/11/27"])
def test_parse_date_ambiguous_day_month_suggests_iso(typed: str) -> None:
    error = _error(parse_date, typed, today=FRIDAY)
    assert "year-month-day" in error.message
    assert error.example is not None
    assert error.example.startswith("20")


def test_parse_date_ambiguous_message_spells_out_both_readings() -> None:
    error = _error(parse_date, "03/04/2027", today=FRIDAY)
    assert "3 April" in error.message
    assert "March 4" in error.message
    assert error.example == "2027-04-03"


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("29 Feb 2027", "February 2027 has only 28 days"),
        ("2027-02-30", "February 2027 has only 28 days"),
        ("2027-04-31", "April 2027 has only 30 days"),
        ("2027-13-01", "no month 13"),
        ("31 Feb", "doesn't have a day 31"),
        ("0027-03-31", "year 27 looks off"),
        ("Fri 31 Mar 2027", "is a Wednesday, not a Friday"),
    ],
)
def test_parse_date_impossible_dates_explain_why(typed: str, fragment: str) -> None:
    assert fragment in _error(parse_date, typed, today=FRIDAY).message


@pytest.mark.parametrize(
    "typed", ["", "   ", "soon", "someday", "32/13/2027", "next sprint", "Q5 2027"]
)
def test_parse_date_unreadable(typed: str) -> None:
    error = _error(parse_date, typed, today=FRIDAY)
    assert "date" in error.message
    assert error.example


def test_parse_date_error_echo_is_short() -> None:
    typed = "whenever the steering committee finally signs off on the budget"
    error = _error(parse_date, typed, today=FRIDAY)
    assert typed not in str(error)


# ---------------------------------------------------------------------------
# People

SENDER = Person(platform="slack", workspace="T1", user_id="U_SA", name="Sam Architect")
PRIYA = Person(platform="slack", workspace="T1", user_id="U_PRIYA", name="Priya Shah")
NAMELESS = Person(platform="teams", workspace="tenant", user_id="29:abc")


def test_parse_person_first_mention_wins() -> None:
    result = parse_person("ask @Priya and @Lee", sender=SENDER, mentions=[PRIYA, NAMELESS])
    assert result == {"name": "Priya Shah", "user_id": "U_PRIYA", "platform": "slack"}


def test_parse_person_mention_without_name_uses_user_id() -> None:
    result = parse_person("", sender=SENDER, mentions=[NAMELESS])
    assert result == {"name": "29:abc", "user_id": "29:abc", "platform": "teams"}


@pytest.mark.parametrize("typed", ["me", "Me", "ME!", "myself", "I", "i", "  me  ", "me."])
def test_parse_person_me_is_the_sender(typed: str) -> None:
    result = parse_person(typed, sender=SENDER, mentions=[])
    assert result == {"name": "Sam Architect", "user_id": "U_SA", "platform": "slack"}


def test_parse_person_me_without_a_name_uses_user_id() -> None:
    sender = Person(platform="console", workspace="local", user_id="alice")
    assert parse_person("me", sender=sender, mentions=())["name"] == "alice"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Priya Shah", "Priya Shah"),
        ("  Priya   Shah  ", "Priya Shah"),
        ("@lee", "lee"),
        ("Jo", "Jo"),
        ("Zoë O'Brien-Núñez", "Zoë O'Brien-Núñez"),
        ("李雷", "李雷"),
        ("The platform team", "The platform team"),
        ("R2-D2", "R2-D2"),
        ("n" * 120, "n" * 120),
    ],
)
def test_parse_person_free_text_name(typed: str, name: str) -> None:
    assert parse_person(typed, sender=SENDER, mentions=[]) == {
        "name": name,
        "user_id": None,
        "platform": None,
    }


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "I need a name"),
        ("   ", "I need a name"),
        ("@", "I need a name"),
        ("12345", "doesn't look like a name"),
        ("???", "doesn't look like a name"),
        ("J", "a bit short"),
        ("n" * 121, "120 characters"),
    ],
)
def test_parse_person_rejects(typed: str, fragment: str) -> None:
    error = _error(parse_person, typed, sender=SENDER, mentions=[])
    assert fragment in error.message
    assert error.example is not None
    assert "@" in error.example
