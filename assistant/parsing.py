"""Pure parsers for the answers people type during an interview, one per step kind.

Each parser takes the text as typed and returns a canonical value (durations in
minutes, percentages as 0..100, dates as :class:`datetime.date`) or raises
:class:`ParseError`, whose message is shown to the user as-is. All user-facing
text about parsing lives in this module; nothing here does I/O or keeps state.

Numbers, durations and percentages may be asked for as estimates
(``allow_range=True``): then "2-5 days" or "10 to 20, usually 12" is kept as a
:class:`Range` (low / typical / high, a plain JSON dict), and one value stays one
value.
"""

from __future__ import annotations

import calendar
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, TypedDict, TypeGuard, overload

from assistant.events import Person
from assistant.texts import plural

__all__ = [
    "ParseError",
    "Range",
    "format_duration",
    "format_number",
    "format_percent",
    "is_range",
    "parse_choice",
    "parse_choices",
    "parse_date",
    "parse_duration",
    "parse_long_text",
    "parse_number",
    "parse_percent",
    "parse_person",
    "parse_text",
    "parse_yes_no",
    "range_bounds",
]


class ParseError(ValueError):
    """A friendly explanation of what was expected, shown to the user as-is."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def __str__(self) -> str:
        if self.example is None:
            return self.message
        return f"{self.message} For example: {self.example}."


# ---------------------------------------------------------------------------
# Shared helpers

# The user's text is quoted back trimmed to this many characters, so a pasted
# essay never floods the reply (the brief caps echoes at ~60 characters).
_QUOTE_LIMIT = 40

_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\ufe0e\ufe0f]")
_SKIN_TONE_RE = re.compile(r"[\U0001f3fb-\U0001f3ff]|:skin-tone-\d:")
_SPACES_RE = re.compile(r"\s+")
_NON_WORD_RE = re.compile(r"[\W_]+")

# Typographic variants phones and Teams substitute for ASCII.
_ASCII_EQUIVALENTS = str.maketrans(
    {
        "\u2212": "-",  # minus sign
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)

_SMALL_NUMBERS: Mapping[str, int] = MappingProxyType(
    {
        "zero": 0,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
        "twenty": 20,
    }
)


def _clean(text: str) -> str:
    """Canonical form for matching: NFKC, no invisibles, one space, casefolded."""
    text = text.replace("½", " .5 ").replace("¼", " .25 ").replace("¾", " .75 ")
    text = unicodedata.normalize("NFKC", text).translate(_ASCII_EQUIVALENTS)
    text = _INVISIBLE_RE.sub("", text)
    # "1 .5 hours" came from "1½ hours": glue the fraction back on.
    text = re.sub(r"(\d)\s+\.(\d)", r"\1.\2", text)
    return _SPACES_RE.sub(" ", text).strip().casefold()


def _key(text: str) -> str:
    """Looser form for option labels: also drops accents and punctuation."""
    decomposed = unicodedata.normalize("NFKD", _clean(text))
    no_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD_RE.sub(" ", no_marks).strip()


# Option labels and values come from dialog files and are matched on every answer:
# their keys are kept. What a participant typed goes through _key uncached, so no
# answer text stays in the process after its turn.
_option_key = functools.lru_cache(maxsize=1024)(_key)


def _quote(text: str) -> str:
    """The user's text in quotes, shortened so a reply never echoes much of it."""
    shown = _SPACES_RE.sub(" ", text).strip()
    if len(shown) > _QUOTE_LIMIT:
        shown = shown[: _QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{shown}”"


# ---------------------------------------------------------------------------
# Ranges: estimates people give as "2-5 days" or "10 to 20, usually 12"
#
# A step that allows ranges keeps them as low / typical / high in the step's own
# unit. The range is split into its ends here, and each end is read by the
# step's single-value parser, so an end accepts exactly what a single answer does.


class Range(TypedDict):
    """An estimate given as a range, in its step's unit (minutes, 0..100 for a
    percentage). Plain JSON, stored as is; ``typical`` is the usual case when one
    was named ("2-5 days, usually 3 days"), else ``None``."""

    low: float
    typical: float | None
    high: float


def is_range(value: object) -> TypeGuard[Range]:
    """Whether a parsed or stored answer is a range rather than a single value."""
    return isinstance(value, dict) and value.keys() == {"low", "typical", "high"}


def range_bounds(value: float | Range) -> tuple[float, float | None, float]:
    """``(low, typical, high)`` of an answer; a single value ``v`` is ``(v, v, v)``."""
    if isinstance(value, dict):  # a Range is a plain dict, so this narrows it
        return value["low"], value["typical"], value["high"]
    return value, value, value


# What may open one end of a range: a number, a number word, or "a" ("2 days to a
# week"); a hedge may come first ("2 to about 3 days"). Vague words count too, so
# "2 days to a few weeks" is split and then refused for "a few", not misread.
_QUANTITY_START = (
    r"(?:(?:about|around|roughly|approx\.?|~|≈)\s*)?"
    r"(?:[-+]?\s*[$€£¥]?\s*\.?\d|(?:"
    + "|".join(_SMALL_NUMBERS)
    + r"|an?|half|couple|none|few|several|many)\b)"
)
_QUANTITY_START_RE = re.compile(_QUANTITY_START)
# Between the two ends. "and" only counts after "between": elsewhere it joins the
# parts of one value ("1 hour and 30 minutes").
_RANGE_SEPARATOR_RE = re.compile(r"\s*-+\s*|\s+(?:to|or|and)\s+")
_TRAILING_SEPARATOR = r"(?<=\S)\s*(?:-+|\bto|\bor|\band)\s*$"
_TRAILING_SEPARATOR_RE = re.compile(_TRAILING_SEPARATOR)
# Hedges and the words that open a range; the ends are read without them.
_RANGE_OPENING_RE = re.compile(
    r"^(?:(?:about|around|roughly|approximately|approx\.?|circa|~|≈|maybe|probably|"
    r"perhaps|usually|typically|normally|generally|somewhere|anywhere|anything)\s*)*"
    r"(?:(?P<word>between|from)\s+)?"
)
# The usual case after the range: "2-5 days, usually 3", "10-20 (typically 12)".
_TYPICAL_RE = re.compile(
    r"(?P<body>.*?\S)\s*(?:[,;(]\s*|\bbut\s+)?"
    r"\b(?:usually|typically|normally|generally|mostly|most often|most of the time|"
    r"on average|average|avg|median)\b\s*:?\s*(?P<typical>[^()]*?)\s*\)?"
)
# "2, 3 or 4 days", "1, 2, 3": a list of values, not one range.
_VALUE_LIST_RE = re.compile(r"\d\s*%?\s*[,;]\s+[-+]?\.?\d")
# Words that are no number at all: we refuse them rather than guess ("a few" is
# three to some people and five to others).
_VAGUE_RE = re.compile(r"\b(?:a few|few|several|many|a handful|a bunch)\b")


def _missing_end_re(units: str | None) -> re.Pattern[str]:
    """A range with an end left out: "5 to", "between 5 and", "5- days", "5 to days".

    A dash glued to a word on both sides is not a range ("2-hour", "half-day").
    """
    patterns = [
        _TRAILING_SEPARATOR,
        rf"\d\s*%?(?:\s+-+|\s*-+(?=\s))(?!\s*{_QUANTITY_START})",
    ]
    if units is not None:
        patterns.append(rf"\d\s*%?\s*\b(?:to|or|and)\s+(?:{units})(?![a-z])")
    return re.compile("|".join(patterns))


def _range_splits(body: str, *, between: bool) -> list[tuple[str, str]]:
    """Each way of cutting ``body`` into a low and a high end at one separator."""
    splits: list[tuple[str, str]] = []
    for separator in _RANGE_SEPARATOR_RE.finditer(body):
        if separator.group().strip() == "and" and not between:
            continue
        low, high = body[: separator.start()].strip(), body[separator.end() :].strip()
        # In "5 - -2" and "2 to -3" the last dash is the minus sign, not a separator.
        if low and not _TRAILING_SEPARATOR_RE.search(low) and _QUANTITY_START_RE.match(high):
            splits.append((low, high))
    return splits


# One formatted value with at most one unit: "2 days", "20%", "1,200 users".
_ONE_UNIT_RE = re.compile(r"(?P<amount>\d[\d.,]*)(?P<unit>\s?[^\d\s-][^\d]*|)")


def _join_ends(low: str, high: str) -> str:
    # People share the unit: "2 days" and "5 days" read "2–5 days", "1 week" and
    # "2 weeks" read "1–2 weeks"; different units keep both ("2 days – 1 week").
    low_match, high_match = _ONE_UNIT_RE.fullmatch(low), _ONE_UNIT_RE.fullmatch(high)
    if low_match and high_match and low_match["unit"].rstrip("s") == high_match["unit"].rstrip("s"):
        return f"{low_match['amount']}–{high}"
    return f"{low} – {high}"


def _format_range(value: Range, format_one: Callable[[float], str]) -> str:
    low, high = format_one(value["low"]), format_one(value["high"])
    text = low if low == high else _join_ends(low, high)
    if value["typical"] is not None:
        text += f" (usually {format_one(value['typical'])})"
    return text


def _too_many_values(example: str) -> ParseError:
    return ParseError(
        "I can keep one range and its usual case — the lowest, the highest and the "
        "usual, three numbers at most.",
        example=example,
    )


def _parse_range(
    body: str,
    *,
    parse_one: Callable[[str], float],
    share_unit: Callable[[str, str], str],
    format_one: Callable[[float], str],
    missing_end_re: re.Pattern[str],
    example: str,
) -> float | Range | None:
    """``body`` (cleaned) read as a range, or ``None`` when it holds no range.

    ``share_unit(end, high)`` gives a bare end the high end's unit ("2-5 days": the
    2 is days too); ``parse_one`` reads one end and raises for a bad one.
    """
    body = body.rstrip(".!")
    typical_text: str | None = None
    typical_match = _TYPICAL_RE.fullmatch(body)
    # "2 hours on average, sometimes more" names no usual value: no clause to split.
    if typical_match and _QUANTITY_START_RE.match(typical_match["typical"]):
        body, typical_text = typical_match["body"].rstrip(" ,;"), typical_match["typical"]
    opening = _RANGE_OPENING_RE.match(body)
    between = opening is not None and opening["word"] is not None
    if opening is not None:
        body = body[opening.end() :]

    if missing_end_re.search(body):
        raise ParseError(
            "That range is missing an end — I need both the lowest and the highest.",
            example=example,
        )
    if _VALUE_LIST_RE.search(body):
        raise _too_many_values(example)
    splits = _range_splits(body, between=between)
    if not splits:
        if between:
            raise ParseError(
                "That range is missing an end — I need both the lowest and the highest.",
                example=example,
            )
        if typical_text is not None and re.search(r"\d", body):
            raise ParseError(
                "I read a usual case but no range — give the lowest and the highest "
                "first, then the usual case.",
                example=example,
            )
        return None

    # "between 1 hour and 30 minutes and 2 hours" has two places to cut and only
    # one reads as two lengths of time; "2-3-4 days" has none.
    read: list[tuple[float, float, str]] = []
    failure: ParseError | None = None
    for low_text, high_text in splits:
        try:
            read.append(
                (parse_one(share_unit(low_text, high_text)), parse_one(high_text), high_text)
            )
        except ParseError as error:
            failure = failure or error
    if len(read) != 1:
        if len(splits) > 1 or failure is None:
            raise _too_many_values(example)
        raise failure
    low, high, high_text = read[0]

    if low > high:
        raise ParseError(
            f"That range runs backwards: {format_one(low)} is more than "
            f"{format_one(high)}. Please put the smaller end first.",
            example=_format_range({"low": high, "typical": None, "high": low}, format_one),
        )
    typical: float | None = None
    if typical_text is not None:
        if _range_splits(typical_text, between=False):
            raise _too_many_values(example)
        typical = parse_one(share_unit(typical_text, high_text))
        if not low <= typical <= high:
            shown = _format_range({"low": low, "typical": None, "high": high}, format_one)
            raise ParseError(
                f"The usual case, {format_one(typical)}, should fall within the range ({shown}).",
                example=example,
            )
    if low == high:
        return low  # "3-3 days" is one value (a usual case, checked above, is too)
    return {"low": low, "typical": typical, "high": high}


def _parse_estimate(
    text: str,
    *,
    parse_one: Callable[[str], float],
    share_unit: Callable[[str, str], str],
    format_one: Callable[[float], str],
    missing_end_re: re.Pattern[str],
    example: str,
) -> float | Range:
    """A single value as ``parse_one`` reads it, or a range of two or three."""
    cleaned = _clean(text)
    try:
        # Too long, empty: the single-value parser says so in its own words.
        if not cleaned or len(cleaned) > _NUMBER_INPUT_LIMIT:
            return parse_one(text)
        found = _parse_range(
            cleaned,
            parse_one=parse_one,
            share_unit=share_unit,
            format_one=format_one,
            missing_end_re=missing_end_re,
            example=example,
        )
        return parse_one(text) if found is None else found
    except ParseError as error:
        if vague := _VAGUE_RE.search(cleaned):
            raise ParseError(
                f"I can't put a number on {_quote(vague.group())} — please give a number "
                "for each end.",
                example=example,
            ) from error
        raise


# ---------------------------------------------------------------------------
# Text


def parse_text(text: str, *, min_length: int = 1, max_length: int = 500) -> str:
    """A one-line-ish free-text answer, stripped, between the given lengths."""
    value = text.strip()
    if not _clean(value):
        raise ParseError("I didn't get an answer there — please type a few words.")
    if len(value) < min_length:
        raise ParseError(f"That's a bit short — I need at least {plural(min_length, 'character')}.")
    if len(value) > max_length:
        raise ParseError(
            f"That's too long for this answer — please keep it to "
            f"{plural(max_length, 'character')} (yours has {len(value):,})."
        )
    return value


def parse_long_text(text: str, *, max_length: int = 4000) -> str:
    """A free-text answer that may span several lines (notes, descriptions)."""
    value = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not _clean(value):
        raise ParseError("I didn't get an answer there — please type a few words.")
    if len(value) > max_length:
        raise ParseError(
            f"That's longer than I can keep — please trim it to "
            f"{plural(max_length, 'character')} (yours has {len(value):,}), "
            "or send the rest as a separate note."
        )
    return value


# ---------------------------------------------------------------------------
# Numbers

_NUMBER_INPUT_LIMIT = 100

# Hedges people put around an estimate; the number itself is what we keep.
_NUMBER_HEDGE_RE = re.compile(
    r"^(?:about|around|roughly|approximately|approx\.?|circa|ca\.|~|≈|nearly|almost|"
    r"close to|maybe|probably|perhaps|estimated|est\.|an estimated|some|just over|"
    r"over|more than|at least|>=|>)\s*"
)
# An upper bound is not an estimate: "less than 1000" must not pass a
# "at least 1000 users" qualification check, so we ask for a best guess.
_UPPER_BOUND_RE = re.compile(
    r"^(?:less than|fewer than|under|below|up to|at most|no more than|<=|<)\s*\S"
)
_RANGE_RE = re.compile(r"\d\s*(?:-|to|or)\s*[$€£¥]?\d|\bbetween\b")
_NUMBER_MISSING_END_RE = _missing_end_re(None)
_NUMBER_RE = re.compile(
    r"""
    (?P<sign>[-+])?\s*[$€£¥]?\s*
    (?P<num>\d{1,3}(?:[,\ ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?:\s*(?P<mult>k|thousand|m|mn|mil|million|b|bn|billion)(?![a-z]))?
    \s*\+?
    (?P<rest>\D*)
    """,
    re.VERBOSE,
)
_NUMBER_WORD_RE = re.compile(
    r"(?P<word>" + "|".join(_SMALL_NUMBERS) + r"|none|a dozen|a hundred|a thousand)"
    r"(?P<rest>(?:\s\D*)?)"
)
_MULTIPLIERS: Mapping[str, int] = MappingProxyType(
    {
        "k": 1_000,
        "thousand": 1_000,
        "m": 1_000_000,
        "mn": 1_000_000,
        "mil": 1_000_000,
        "million": 1_000_000,
        "b": 1_000_000_000,
        "bn": 1_000_000_000,
        "billion": 1_000_000_000,
    }
)
_WORD_VALUES: Mapping[str, int] = MappingProxyType(
    {**_SMALL_NUMBERS, "none": 0, "a dozen": 12, "a hundred": 100, "a thousand": 1000}
)


def format_number(value: float | Range, unit: str | None = None) -> str:
    """``1200, "users"`` -> ``"1,200 users"``; up to two decimals, no trailing zeros.

    A range reads as people write it: ``"3–5 users"``, ``"10–20 (usually 12)"``.
    """
    if isinstance(value, dict):
        return _format_range(value, lambda end: format_number(end, unit))
    if not math.isfinite(value):
        text = str(value)
    elif float(value).is_integer():
        text = f"{int(value):,}"
    elif abs(value) < 0.01:
        text = f"{value:.2g}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def _number_example(minimum: float | None, maximum: float | None, unit: str | None) -> str:
    sample: float = 12
    if minimum is not None:
        sample = max(sample, minimum)
    if maximum is not None:
        sample = min(sample, maximum)
    return format_number(sample, unit)


def _number_range_example(minimum: float | None, maximum: float | None, unit: str | None) -> str:
    low = 10.0 if minimum is None else max(10.0, minimum)
    high = 2 * low if maximum is None else min(2 * low, maximum)
    if low >= high:
        return _number_example(minimum, maximum, unit)
    return format_number({"low": low, "typical": None, "high": high}, unit)


def _share_multiplier(low: str, high: str) -> str:
    # "1-2k" is 1,000 to 2,000 but "500-2k" is 500 to 2,000: a bare low end takes
    # the high end's multiplier only when it stays the smaller end with it.
    low_match, high_match = _NUMBER_RE.fullmatch(low), _NUMBER_RE.fullmatch(high)
    if not (low_match and high_match and high_match["mult"]):
        return low
    if low_match["mult"] or low_match["sign"] or low_match["rest"].strip():
        return low
    if _decimal(low_match["num"]) > _decimal(high_match["num"]):
        return low
    return f"{low} {high_match['mult']}"


def _decimal(digits: str) -> Decimal:
    return Decimal(digits.replace(",", "").replace(" ", ""))


def _range_message(minimum: float | None, maximum: float | None, unit: str | None) -> str:
    if minimum is not None and maximum is not None:
        return (
            f"I need a number between {format_number(minimum, unit)} "
            f"and {format_number(maximum, unit)}."
        )
    if minimum is not None:
        return f"I need a number of at least {format_number(minimum, unit)}."
    return f"I need a number no bigger than {format_number(maximum or 0, unit)}."


@overload
def parse_number(
    text: str,
    *,
    minimum: float | None = ...,
    maximum: float | None = ...,
    integer: bool = ...,
    unit: str | None = ...,
    allow_range: Literal[False] = ...,
) -> int | float: ...
@overload
def parse_number(
    text: str,
    *,
    minimum: float | None = ...,
    maximum: float | None = ...,
    integer: bool = ...,
    unit: str | None = ...,
    allow_range: bool,
) -> int | float | Range: ...
def parse_number(
    text: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    unit: str | None = None,
    allow_range: bool = False,
) -> int | float | Range:
    """A count or amount: "1200", "1,200", "1 200", "1.5k", "about 1500", "1500 users".

    A trailing unit word is ignored; a lower-bound hedge ("over 1000", "1000+")
    keeps the number, an upper bound ("under 1000") asks for a best guess.
    Negative numbers are accepted only when ``minimum`` is below zero. Returns an
    ``int`` when the value is whole.

    With ``allow_range``, "3-5", "3 to 5", "between 10 and 20" and "10-20 people,
    usually 12" are a :class:`Range`; both ends (and the usual value) must pass
    the checks a single number passes.
    """
    if not allow_range:
        return _parse_one_number(text, minimum=minimum, maximum=maximum, integer=integer, unit=unit)
    return _parse_estimate(
        text,
        parse_one=lambda end: _parse_one_number(
            end, minimum=minimum, maximum=maximum, integer=integer, unit=unit
        ),
        share_unit=_share_multiplier,
        format_one=lambda end: format_number(end, unit),
        missing_end_re=_NUMBER_MISSING_END_RE,
        example=_number_range_example(minimum, maximum, unit),
    )


def _parse_one_number(
    text: str,
    *,
    minimum: float | None,
    maximum: float | None,
    integer: bool,
    unit: str | None,
) -> int | float:
    example = _number_example(minimum, maximum, unit)
    cleaned = _clean(text)
    if not cleaned:
        raise ParseError("I need a number here.", example=example)
    if len(cleaned) > _NUMBER_INPUT_LIMIT:
        raise ParseError("That's more than I can read as one number.", example=example)
    if _UPPER_BOUND_RE.match(cleaned):
        raise ParseError(
            "I need your best estimate as a single number, not an upper limit.",
            example=example,
        )
    while (hedge := _NUMBER_HEDGE_RE.match(cleaned)) and hedge.end() > 0:
        cleaned = cleaned[hedge.end() :]
    if _RANGE_RE.search(cleaned):
        raise ParseError(
            "I need a single number — if it varies, give your best estimate.",
            example=example,
        )

    value: Decimal
    if word := _NUMBER_WORD_RE.fullmatch(cleaned):
        value = Decimal(_WORD_VALUES[word["word"]])
    elif match := _NUMBER_RE.fullmatch(cleaned):
        digits = match["num"].replace(",", "").replace(" ", "")
        value = Decimal(digits) * _MULTIPLIERS.get(match["mult"] or "", 1)
        if match["sign"] == "-":
            value = -value
    else:
        raise ParseError(f"I couldn't read {_quote(text)} as a number.", example=example)

    # With a minimum, the range message below says exactly what is allowed.
    if value < 0 and minimum is None:
        raise ParseError("I need a number that's zero or more.", example=example)
    is_whole = value == value.to_integral_value()
    if integer and not is_whole:
        raise ParseError("I need a whole number here.", example=example)
    if (minimum is not None and value < Decimal(str(minimum))) or (
        maximum is not None and value > Decimal(str(maximum))
    ):
        raise ParseError(_range_message(minimum, maximum, unit), example=example)
    if is_whole:
        return int(value)
    as_float = float(value)
    if not math.isfinite(as_float):
        raise ParseError("That number is too big for me to work with.", example=example)
    return as_float


# ---------------------------------------------------------------------------
# Durations (canonical unit: minutes)

_MINUTE = 1.0
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY
# A working day and week count effort, not elapsed time (the brief's rule).
_WORK_DAY = 8 * _HOUR
_WORK_WEEK = 40 * _HOUR
# Anything longer is a typo, and it keeps lead-time sums far from float limits.
_DURATION_LIMIT = 100 * _YEAR

_DURATION_UNITS: Mapping[str, float] = MappingProxyType(
    {
        **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), _MINUTE / 60),
        **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "mn"), _MINUTE),
        **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), _HOUR),
        **dict.fromkeys(("d", "day", "days", "calendar day", "calendar days"), _DAY),
        **dict.fromkeys(
            (
                "wd",
                "wds",
                "working day",
                "working days",
                "work day",
                "work days",
                "workday",
                "workdays",
                "business day",
                "business days",
            ),
            _WORK_DAY,
        ),
        **dict.fromkeys(("w", "wk", "wks", "week", "weeks", "calendar week"), _WEEK),
        **dict.fromkeys(
            (
                "work week",
                "work weeks",
                "workweek",
                "workweeks",
                "working week",
                "working weeks",
                "business week",
                "business weeks",
            ),
            _WORK_WEEK,
        ),
        **dict.fromkeys(("fortnight", "fortnights"), 2 * _WEEK),
        **dict.fromkeys(("mo", "mos", "mth", "mths", "month", "months"), _MONTH),
        **dict.fromkeys(("y", "yr", "yrs", "year", "years"), _YEAR),
    }
)
_DURATION_WORD_QUANTITIES: Mapping[str, float] = MappingProxyType(
    {
        **{k: float(v) for k, v in _SMALL_NUMBERS.items()},
        "a": 1.0,
        "an": 1.0,
        "half": 0.5,
        "half a": 0.5,
        "half an": 0.5,
        "a half": 0.5,
        "a couple of": 2.0,
        "a couple": 2.0,
        "couple of": 2.0,
    }
)


def _alternation(words: Sequence[str]) -> str:
    # Longest first so "working days" wins over "w" and "months" over "m".
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in ordered)


_DURATION_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_DURATION_PART_RE = re.compile(
    rf"""
    # A number may follow a unit directly ("2d4h"); a word quantity may not.
    (?:(?<![\d.,])(?P<num>{_DURATION_NUM})[\s-]*
      |(?<!\w)(?P<word>{_alternation(list(_DURATION_WORD_QUANTITIES))})[\s-]+)
    (?P<half1>and\s+a\s+half\s+)?
    (?P<unit>{_alternation(list(_DURATION_UNITS))})(?![a-z])
    (?P<half2>\s+and\s+a\s+half\b)?
    """,
    re.VERBOSE,
)


def _word_quantity(word: str) -> float:
    # The part pattern lets a dash join the words ("a-couple-of"), as it does for units.
    return _DURATION_WORD_QUANTITIES[_SPACES_RE.sub(" ", word.replace("-", " "))]


_DURATION_HEDGE_RE = re.compile(
    r"\b(?:about|around|roughly|approximately|approx|circa|maybe|probably|usually|"
    r"typically|normally|generally|on average|average|avg|or so|give or take|nearly|"
    r"almost|just under|just over|over|more than|less than|at least|at most|up to|"
    r"under|in total|total)\b|~|≈|-ish\b|(?<![a-z])ish\b"
)
_DURATION_ZERO_RE = re.compile(
    r"(?:0+(?:\.0+)?|zero|none|nothing|no|no wait(?:ing)?(?: time)?|no time|no delay|"
    r"immediate(?:ly)?|instant(?:ly)?|straight away|right away)"
)
_DURATION_SEPARATOR_RE = re.compile(r"(?:\s|,|\+|&|\band\b|\bplus\b|\.)*")
_BARE_NUMBER_RE = re.compile(rf"(?:{_DURATION_NUM})")
_NUMBER_THEN_WORD_RE = re.compile(rf"(?:{_DURATION_NUM})\s*(?P<word>[a-z][a-z.'-]*)")
_DURATION_RANGE_RE = re.compile(r"\d\s*(?:-|to|or)\s*\d|\bbetween\b")

_DURATION_EXAMPLE = "2 hours, 3 days or 1 week"
_DURATION_RANGE_EXAMPLE = "2–5 days, usually 3 days"
_DURATION_MISSING_END_RE = _missing_end_re(_alternation(list(_DURATION_UNITS)))
# An end with no unit of its own ("2" in "2-5 days", "3" in "usually 3").
_BARE_QUANTITY_RE = re.compile(
    rf"(?:{_DURATION_NUM}|{'|'.join(_SMALL_NUMBERS)}|a couple)(?:\s+and\s+a\s+half)?"
)


@overload
def parse_duration(text: str, *, allow_range: Literal[False] = ...) -> float: ...
@overload
def parse_duration(text: str, *, allow_range: bool) -> float | Range: ...
def parse_duration(text: str, *, allow_range: bool = False) -> float | Range:
    """A length of time in MINUTES: "3 days", "2h", "1 hour 30 minutes", "half a day".

    Calendar units: a day is 24 h, a week 7 days, a month 30 days, a year 365
    days. A working/business day ("wd") is 8 h and a work week 40 h. "0",
    "none" and "no wait" mean zero. A bare number is ambiguous and refused.

    With ``allow_range``, "2-5 days", "3 to 5 hours", "between 3 and 5 hours",
    "2 days - 1 week", "3 or 4 days" and "1-2 weeks, usually 10 days" are a
    :class:`Range` in minutes; a unit written once serves both ends.
    """
    if not allow_range:
        return _parse_one_duration(text)
    return _parse_estimate(
        text,
        parse_one=_parse_one_duration,
        share_unit=_share_duration_unit,
        format_one=format_duration,
        missing_end_re=_DURATION_MISSING_END_RE,
        example=_DURATION_RANGE_EXAMPLE,
    )


def _share_duration_unit(end: str, high: str) -> str:
    # "2-5 days": people write the unit once, after the high end. "a week" or "half
    # a day" is one unit, not a count the low end shares: "2 - a week" is unclear.
    if not _BARE_QUANTITY_RE.fullmatch(end):
        return end
    part = _DURATION_PART_RE.search(high)
    if part is None:
        raise ParseError(
            f"Is that minutes, hours or days? Please add a unit to {_quote(f'{end}-{high}')}.",
            example="2–5 days",
        )
    if part["word"] is not None and _word_quantity(part["word"]) <= 1:
        raise ParseError(
            f"Is that minutes, hours or days? Please add a unit to {_quote(end)}.",
            example="2 days – 1 week",
        )
    return f"{end} {part['unit']}"


def _parse_one_duration(text: str) -> float:
    cleaned = _clean(text)
    if not cleaned:
        raise ParseError("I need a length of time with a unit.", example=_DURATION_EXAMPLE)
    if len(cleaned) > _NUMBER_INPUT_LIMIT:
        raise ParseError(
            "That's more than I can read as one length of time.", example=_DURATION_EXAMPLE
        )
    cleaned = cleaned.rstrip(".!")
    if re.match(r"-\s*\.?\d", cleaned):
        raise ParseError("A length of time can't be negative.", example=_DURATION_EXAMPLE)
    core = _SPACES_RE.sub(" ", _DURATION_HEDGE_RE.sub(" ", cleaned)).strip(" ,")
    if _DURATION_ZERO_RE.fullmatch(core):
        return 0.0
    if _DURATION_RANGE_RE.search(core):
        raise ParseError(
            "I need one length of time — if it varies, give the typical case.",
            example="2 days",
        )
    if _BARE_NUMBER_RE.fullmatch(core):
        raise ParseError(
            f"Is that minutes, hours or days? Please add a unit to {_quote(core)}.",
            example="2 hours",
        )

    # "business day", "a work week": a unit on its own means one of it. Single
    # letters ("m", "d") are left out: alone they are more likely a typo.
    bare_unit = _SPACES_RE.sub(" ", core.replace("-", " "))
    if len(bare_unit) > 1 and bare_unit in _DURATION_UNITS:
        return _DURATION_UNITS[bare_unit]

    total = 0.0
    last_unit = math.inf
    leftover: list[str] = []
    position = 0
    for part in _DURATION_PART_RE.finditer(core):
        leftover.append(core[position : part.start()])
        position = part.end()
        if part["num"] is not None:
            quantity = float(part["num"].replace(",", ""))
        else:
            quantity = _word_quantity(part["word"])
        if part["half1"] or part["half2"]:
            quantity += 0.5
        unit = _DURATION_UNITS[_SPACES_RE.sub(" ", part["unit"].replace("-", " "))]
        # "1 week 2 days" reads largest first; "2 hours a day" is a rate, not a sum.
        if unit >= last_unit:
            raise ParseError(
                "I need one length of time, like the total for a single piece of work.",
                example="1 day 4 hours",
            )
        last_unit = unit
        total += quantity * unit
    leftover.append(core[position:])

    if math.isinf(last_unit) or any(not _DURATION_SEPARATOR_RE.fullmatch(bit) for bit in leftover):
        unknown = _NUMBER_THEN_WORD_RE.search(core)
        if unknown and unknown["word"] not in _DURATION_UNITS:
            raise ParseError(
                f"I don't know how long {_quote(unknown['word'])} is — please use minutes, "
                "hours, days, weeks or months.",
                example=_DURATION_EXAMPLE,
            )
        raise ParseError(
            f"I couldn't read {_quote(text)} as a length of time.", example=_DURATION_EXAMPLE
        )
    if total > _DURATION_LIMIT:
        raise ParseError(
            "That's longer than I can work with — please check the number.",
            example=_DURATION_EXAMPLE,
        )
    return total


# Each tier: (size in minutes, big unit name, small unit size, small unit name).
# Sizes round to the small unit, so a value never shows more than two parts.
_DURATION_TIERS: tuple[tuple[float, str, float, str], ...] = (
    (_YEAR, "year", _MONTH, "month"),
    (_MONTH, "month", _DAY, "day"),
    (_WEEK, "week", _DAY, "day"),
    (_DAY, "day", _HOUR, "h"),
    (_HOUR, "h", _MINUTE, "min"),
)
_UNPLURALIZED = frozenset({"h", "min", "sec"})


def _unit_text(quantity: float, unit: str) -> str:
    amount = f"{quantity:g}"
    if unit in _UNPLURALIZED or quantity == 1:
        return f"{amount} {unit}"
    return f"{amount} {unit}s"


_WEEKS_SHOWN_UP_TO = 13  # a quarter: longer reads better in months


def _whole(amount: float) -> bool:
    return abs(amount - round(amount)) < 1e-6


def _range_end_format(value: Range) -> Callable[[float], str]:
    """How a range's ends read: as usual, unless an end takes two units ("5 days –
    1 week 3 days") and both are whole days or weeks, then both in that unit ("5–10 days")."""
    low, high = value["low"], value["high"]
    if not any(len(format_duration(end).split()) > 2 for end in (low, high)):
        return format_duration
    for size, name in ((_WEEK, "week"), (_DAY, "day")):
        if _whole(low / size) and _whole(high / size):

            def in_unit(end: float, size: float = size, name: str = name) -> str:
                if not _whole(end / size):  # a typical case between: as usual
                    return format_duration(end)
                return _unit_text(round(end / size), name)

            return in_unit
    return format_duration


def format_duration(minutes: float | Range) -> str:
    """Minutes as short readable text: "45 min", "1.5 h", "3 days", "1 week 2 days".

    A range reads as people write it: "3–5 h", "2 days – 1 week",
    "2–5 days (usually 3 days)".
    """
    if isinstance(minutes, dict):
        return _format_range(minutes, _range_end_format(minutes))
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"a duration must be a finite, non-negative number, not {minutes!r}")
    if minutes == 0:
        return "0 min"
    if minutes < 1:
        seconds = max(1, round(minutes * 60))
        return "1 min" if seconds == 60 else f"{seconds} sec"
    if round(minutes) < _HOUR:
        return f"{round(minutes)} min"
    weeks = minutes / _WEEK
    if _MONTH <= minutes <= _WEEKS_SHOWN_UP_TO * _WEEK and _whole(weeks):
        # People count these in weeks: 6 weeks, not "1 month 12 days".
        return _unit_text(round(weeks), "week")
    for size, big, small, small_name in _DURATION_TIERS:
        # Rounding first means 1439.9 min is "1 day", not "24 h".
        if minutes < size and round(minutes / small) * small < size:
            continue
        whole = int(minutes // size)
        rest = round((minutes - whole * size) / small)
        if rest * small >= size - small / 2:
            whole, rest = whole + 1, 0
        if rest == 0:
            return _unit_text(whole, big)
        if rest * small * 2 == size:
            return _unit_text(whole + 0.5, big)
        return f"{_unit_text(whole, big)} {_unit_text(rest, small_name)}"
    return f"{round(minutes)} min"  # unreachable: minutes >= 60 hits the hour tier


# ---------------------------------------------------------------------------
# Percentages

_PERCENT_HEDGE_RE = re.compile(
    r"^(?:about|around|roughly|approximately|approx\.?|~|≈|nearly|almost|close to|"
    r"maybe|probably|perhaps|usually|typically)\s*"
)
_PERCENT_RE = re.compile(
    r"(?P<sign>[-+])?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\d+,\d{1,2}|\.\d+)"
    r"\s*(?:(?:%|percent|per cent|pct)(?:\s+\D*)?)?"
)
_FRACTION_RE = re.compile(
    r"(?P<part>\d+(?:\.\d+)?)\s*(?:/|out of|in|of)\s*(?P<whole>\d+(?:\.\d+)?)(?:\s+\D*)?"
)
_PERCENT_WORDS: Mapping[str, float] = MappingProxyType(
    {
        "none": 0.0,
        "zero": 0.0,
        "nothing": 0.0,
        "none of it": 0.0,
        "half": 50.0,
        "half of it": 50.0,
        "all": 100.0,
        "all of it": 100.0,
        "everything": 100.0,
        "always": 100.0,
    }
)
_PERCENT_EXAMPLE = "85%"
_PERCENT_RANGE_EXAMPLE = "70–90%"
_PERCENT_MISSING_END_RE = _missing_end_re(r"%|percent|per cent|pct")


def format_percent(value: float | Range) -> str:
    """85 -> "85%", 85.5 -> "85.5%"; at most two decimals, no trailing ".0".

    A range reads "20–30%", or "20–30% (usually 25%)".
    """
    if isinstance(value, dict):
        return _format_range(value, format_percent)
    return f"{value:.2f}".rstrip("0").rstrip(".") + "%"


@overload
def parse_percent(text: str, *, allow_range: Literal[False] = ...) -> float: ...
@overload
def parse_percent(text: str, *, allow_range: bool) -> float | Range: ...
def parse_percent(text: str, *, allow_range: bool = False) -> float | Range:
    """A percentage from 0 to 100: "85", "85%", "85 %", "9 out of 10", "all".

    "0.85" means 0.85 %, not 85 %: people type fractions as "85".

    With ``allow_range``, "20-30%", "20% to 30%" and "between 70 and 90 percent"
    are a :class:`Range`.
    """
    if not allow_range:
        return _parse_one_percent(text)
    return _parse_estimate(
        text,
        parse_one=_parse_one_percent,
        # "20-30%": the low end reads as 20 without the sign, so there is nothing to share.
        share_unit=lambda end, high: end,
        format_one=format_percent,
        missing_end_re=_PERCENT_MISSING_END_RE,
        example=_PERCENT_RANGE_EXAMPLE,
    )


def _parse_one_percent(text: str) -> float:
    cleaned = _clean(text).rstrip(".!")
    if not cleaned:
        raise ParseError("I need a percentage from 0 to 100.", example=_PERCENT_EXAMPLE)
    while (hedge := _PERCENT_HEDGE_RE.match(cleaned)) and hedge.end() > 0:
        cleaned = cleaned[hedge.end() :]
    if cleaned in _PERCENT_WORDS:
        return _PERCENT_WORDS[cleaned]
    if _RANGE_RE.search(cleaned):
        raise ParseError(
            "I need one percentage — if it varies, give your best estimate.",
            example=_PERCENT_EXAMPLE,
        )
    if fraction := _FRACTION_RE.fullmatch(cleaned):
        whole = float(fraction["whole"])
        if whole == 0:
            raise ParseError("“Out of 0” doesn't give me a percentage.", example="9 out of 10")
        value = float(fraction["part"]) / whole * 100
    elif match := _PERCENT_RE.fullmatch(cleaned):
        number = match["num"]
        # A comma with one or two digits after it is a decimal comma ("85,5").
        number = number.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", number) else number
        value = float(number.replace(",", ""))
        if match["sign"] == "-":
            value = -value
    else:
        raise ParseError(
            f"I couldn't read {_quote(text)} as a percentage.", example=_PERCENT_EXAMPLE
        )
    if not 0 <= value <= 100:
        raise ParseError("A percentage must be between 0 and 100.", example=_PERCENT_EXAMPLE)
    return value


# ---------------------------------------------------------------------------
# Yes / no

_YES = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yea",
        "yep",
        "yup",
        "ya",
        "sure",
        "true",
        "correct",
        "affirmative",
        "ok",
        "okay",
        "absolutely",
        "definitely",
        "of course",
        "indeed",
        "yes please",
        "👍",
        "✅",
        "✔",
        ":+1:",
        ":thumbsup:",
        ":white_check_mark:",
        ":heavy_check_mark:",
    }
)
_NO = frozenset(
    {
        "no",
        "n",
        "nope",
        "nah",
        "false",
        "incorrect",
        "negative",
        "not yet",
        "not really",
        "not at all",
        "never",
        "no way",
        "👎",
        "❌",
        ":-1:",
        ":thumbsdown:",
        ":x:",
    }
)
# "Yes, we do" / "No - not yet": a clear first word followed by punctuation.
_LEADING_ANSWER_RE = re.compile(r"(?P<word>[^\s,.;:!?—-]+)\s*[,.;:!—-]\s*\S.*")


def parse_yes_no(text: str) -> bool:
    """Yes or no, in the many ways people say it (case-insensitive, emoji ok)."""
    cleaned = _SKIN_TONE_RE.sub("", _clean(text))
    cleaned = cleaned.rstrip(".!?… ").strip()
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    if lead := _LEADING_ANSWER_RE.fullmatch(cleaned):
        if lead["word"] in _YES:
            return True
        if lead["word"] in _NO:
            return False
    raise ParseError("I need a yes or a no here.", example="yes")


# ---------------------------------------------------------------------------
# Choices

# More options than this are summarized, to keep the error message short.
_LISTED_OPTIONS = 10
_ORDINALS: Mapping[str, int] = MappingProxyType(
    {
        "first": 1,
        "second": 2,
        "third": 3,
        "fourth": 4,
        "fifth": 5,
        "sixth": 6,
        "seventh": 7,
        "eighth": 8,
        "ninth": 9,
        "tenth": 10,
    }
)
_CHOICE_NUMBER_RE = re.compile(
    r"(?:the\s+)?(?:#|no\.?|number|option|opt\.?|choice)?\s*#?\s*"
    r"(?P<n>\d+)(?:st|nd|rd|th)?\s*[.):]?(?:\s+one)?"
)
_CHOICE_ORDINAL_RE = re.compile(
    r"(?:the\s+)?(?P<word>" + "|".join(_ORDINALS) + r"|last)(?:\s+(?:one|option))?"
)
_CHOICE_STOPWORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)
_CHOICE_SPLIT_RE = re.compile(r"\s*(?:[,;&\n]|\band\b)\s*")
_CHOICE_NUMBERS_RE = re.compile(r"#?\d+(?:\s+#?\d+)+")
_CHOICE_SPAN_RE = re.compile(r"#?(?P<start>\d+)\s*(?:-|to)\s*#?(?P<end>\d+)")
_CHOICE_BULLET_RE = re.compile(r"^[-•*·]\s*")
_ALL_WORDS = frozenset(
    {"all", "all of them", "all of the above", "everything", "every one", "all the above"}
)
_NONE_WORDS = frozenset(
    {"none", "none of them", "none of the above", "nothing", "neither", "no", "n/a"}
)


def _list_options(options: Sequence[tuple[str, str]], indices: Sequence[int] | None = None) -> str:
    chosen = list(range(len(options))) if indices is None else list(indices)
    shown = [f"{i + 1}. {options[i][1]}" for i in chosen[:_LISTED_OPTIONS]]
    if len(chosen) > _LISTED_OPTIONS:
        shown.append(f"and {len(chosen) - _LISTED_OPTIONS} more")
    return ", ".join(shown)


def _choice_example(options: Sequence[tuple[str, str]]) -> str:
    return f"1 or {options[0][1]}"


def _unknown_choice(text: str, options: Sequence[tuple[str, str]]) -> ParseError:
    return ParseError(
        f"I couldn't match {_quote(text)} to an option. Choose one of: {_list_options(options)}.",
        example=_choice_example(options),
    )


def _exact_choice(text: str, options: Sequence[tuple[str, str]]) -> int | None:
    """The option whose label or value is exactly ``text`` (loosely), if unique."""
    key = _key(text)
    if not key:
        return None
    for candidates in (
        [i for i, (_, label) in enumerate(options) if _option_key(label) == key],
        [i for i, (value, _) in enumerate(options) if _option_key(value) == key],
    ):
        if len(candidates) == 1:
            return candidates[0]
    return None


def _match_choice(text: str, options: Sequence[tuple[str, str]]) -> int:
    """Index of the option ``text`` names; ParseError when unknown or ambiguous."""
    cleaned = _clean(text)
    key = _key(text)
    labels = [_option_key(label) for _, label in options]
    values = [_option_key(value) for value, _ in options]

    # Labels are what the user sees, so a label typed exactly beats a position:
    # with story-point options "1, 2, 3, 5, 8", "5" means the label "5".
    by_label = [i for i, label in enumerate(labels) if key and label == key]
    if len(by_label) == 1:
        return by_label[0]

    position: int | None = None
    if number := _CHOICE_NUMBER_RE.fullmatch(cleaned):
        position = int(number["n"])
    elif ordinal := _CHOICE_ORDINAL_RE.fullmatch(cleaned):
        word = ordinal["word"]
        position = len(options) if word == "last" else _ORDINALS[word]
    if position is not None:
        if 1 <= position <= len(options):
            return position - 1
        raise ParseError(
            f"There's no option {position} — pick a number from 1 to {len(options)}: "
            f"{_list_options(options)}.",
            example=_choice_example(options),
        )

    by_value = [i for i, value in enumerate(values) if key and value == key]
    if len(by_value) == 1:
        return by_value[0]

    candidates = by_label or by_value
    # Little words like "to" sit in many labels and name none of them.
    if not candidates and len(key) >= 2 and key not in _CHOICE_STOPWORDS:
        prefixed = [
            i for i in range(len(options)) if labels[i].startswith(key) or values[i].startswith(key)
        ]
        contained = [i for i in range(len(options)) if f" {key} " in f" {labels[i]} "]
        candidates = prefixed or contained
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise ParseError(
            f"{_quote(text)} matches more than one option: "
            f"{_list_options(options, candidates).replace(', ', ' or ')}. Which one do you mean?",
            example=str(candidates[0] + 1),
        )
    raise _unknown_choice(text, options)


def parse_choice(text: str, options: Sequence[tuple[str, str]]) -> str:
    """The value of the one option named by number ("2", "#2"), label, value or prefix.

    ``options`` are ``(value, label)`` pairs in display order. Matching ignores
    case, spacing, punctuation and accents; a partial answer counts when it is a
    prefix of, or whole words in, exactly one label.
    """
    if not options:
        raise ValueError("parse_choice needs at least one option")
    if not _clean(text):
        raise ParseError(
            f"Please pick one of: {_list_options(options)}.", example=_choice_example(options)
        )
    return options[_match_choice(text, options)][0]


def _split_choices(text: str) -> list[str]:
    chunks: list[str] = []
    start = 0
    for separator in _CHOICE_SPLIT_RE.finditer(text):
        chunks.append(text[start : separator.start()])
        start = separator.end()
    chunks.append(text[start:])
    return [_CHOICE_BULLET_RE.sub("", chunk.strip()) for chunk in chunks]


def _chunk_choices(chunk: str, options: Sequence[tuple[str, str]]) -> list[int]:
    if (exact := _exact_choice(chunk, options)) is not None:
        return [exact]
    if _CHOICE_NUMBERS_RE.fullmatch(chunk):
        return [_match_choice(number, options) for number in chunk.split()]
    if span := _CHOICE_SPAN_RE.fullmatch(chunk):
        first, last = int(span["start"]), int(span["end"])
        if first > last:
            first, last = last, first
        # Validating each number in turn stops a huge range at the first bad one.
        return [_match_choice(str(n), options) for n in range(first, last + 1)]
    return [_match_choice(chunk, options)]


def parse_choices(
    text: str,
    options: Sequence[tuple[str, str]],
    *,
    min_count: int = 1,
    max_count: int | None = None,
) -> list[str]:
    """Several options: "1, 3", "1 3", "1 and 3", "Build & Test; Deploy", "all", "none".

    Each item is matched like :func:`parse_choice`. Labels that themselves
    contain a separator ("Build and test") still match whole. The result keeps
    the options' order and has no duplicates.
    """
    if not options:
        raise ValueError("parse_choices needs at least one option")
    cleaned = _clean(text).rstrip(".!")
    at_least = f"Please pick at least {plural(min_count, 'option')} from: {_list_options(options)}."
    if not cleaned or (cleaned in _NONE_WORDS and _exact_choice(cleaned, options) is None):
        if min_count <= 0:
            return []
        raise ParseError(at_least, example="1, 3")

    chosen: set[int] = set()
    if (whole := _exact_choice(cleaned, options)) is not None:
        chosen.add(whole)
    elif cleaned in _ALL_WORDS:
        chosen.update(range(len(options)))
    else:
        chunks = _split_choices(text)
        i = 0
        while i < len(chunks):
            # A label may contain a separator ("Build and test"): try the widest
            # run of chunks that is exactly one option before splitting it up.
            for j in range(len(chunks), i + 1, -1):
                merged = " ".join(chunks[i:j])
                if (exact := _exact_choice(merged, options)) is not None:
                    chosen.add(exact)
                    i = j
                    break
            else:
                if chunks[i]:
                    chosen.update(_chunk_choices(chunks[i], options))
                i += 1

    if len(chosen) < min_count:
        raise ParseError(at_least, example="1, 3")
    if max_count is not None and len(chosen) > max_count:
        raise ParseError(
            f"Please pick no more than {plural(max_count, 'option')} (you picked {len(chosen)}).",
            example=", ".join(str(n) for n in range(1, max_count + 1)) or None,
        )
    return [options[i][0] for i in sorted(chosen)]


# ---------------------------------------------------------------------------
# Dates

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS: Mapping[str, int] = MappingProxyType(
    {
        **{name.lower(): i + 1 for i, name in enumerate(_MONTH_NAMES)},
        **{name[:3].lower(): i + 1 for i, name in enumerate(_MONTH_NAMES)},
        "sept": 9,
    }
)
_WEEKDAYS: Mapping[str, int] = MappingProxyType(
    {
        **{name.lower(): i for i, name in enumerate(_WEEKDAY_NAMES)},
        **{name[:3].lower(): i for i, name in enumerate(_WEEKDAY_NAMES)},
        "tues": 1,
        "thur": 3,
        "thurs": 3,
    }
)
_MONTH_ALT = _alternation(list(_MONTHS))
_WEEKDAY_ALT = _alternation(list(_WEEKDAYS))
# Years outside this window are typos ("0227", "20277"), not plans.
_MIN_YEAR, _MAX_YEAR = 1900, 2199

_DATE_PREFIX_RE = re.compile(r"^(?:by|on|due(?:\s+(?:on|by))?|until|till|before)\s+")
_END_OF_RE = re.compile(r"^(?:the\s+)?end\s+of\s+(?:the\s+)?")
_END_OF_PERIOD_RE = re.compile(
    r"(?:(?P<which>this|next|current)\s+)?(?P<period>week|month|quarter|year)"
)
_END_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}
)
_RELATIVE_UNIT_RE = (
    r"(?P<unit>business\s+days?|working\s+days?|work\s+days?|days?|weeks?|wks?|"
    r"fortnights?|months?|mos?|years?|yrs?)"
)
_RELATIVE_QTY_RE = r"(?P<qty>\d+|an?|a\s+couple\s+of|" + "|".join(_SMALL_NUMBERS) + r")"
_IN_RE = re.compile(rf"in\s+{_RELATIVE_QTY_RE}\s+{_RELATIVE_UNIT_RE}(?:'?s?\s+time)?")
_FROM_NOW_RE = re.compile(rf"{_RELATIVE_QTY_RE}\s+{_RELATIVE_UNIT_RE}\s+from\s+(?:now|today)")
_WEEKDAY_RE = re.compile(
    rf"(?:(?P<which>next|this|coming|this\s+coming|on)\s+)?(?P<day>{_WEEKDAY_ALT})"
)
_ISO_RE = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
_NUMERIC_RE = re.compile(r"(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?")
_LEADING_WEEKDAY_RE = re.compile(rf"(?P<day>{_WEEKDAY_ALT})\s+(?=\S)")
_DAY_MONTH_RE = re.compile(rf"(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH_ALT})(?:\s+(?P<y>\d{{4}}))?")
_MONTH_DAY_RE = re.compile(rf"(?P<m>{_MONTH_ALT})\s+(?P<d>\d{{1,2}})(?:\s+(?P<y>\d{{4}}))?")
_MONTH_YEAR_RE = re.compile(rf"(?P<m>{_MONTH_ALT})(?:\s+(?P<y>\d{{4}}))?")
_QUARTER_RE = re.compile(r"q(?P<q>[1-4])(?:\s+(?P<y>\d{4}))?|(?P<y2>\d{4})\s+q(?P<q2>[1-4])")
_YEAR_RE = re.compile(r"\d{4}")
_ORDINAL_SUFFIX_RE = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
_DATE_NOISE_RE = re.compile(r"[,/.\-]|\b(?:the|of)\b")

_DATE_EXAMPLE = "2027-03-31, 31 Mar 2027 or in 3 weeks"


def _date_text(value: date) -> str:
    return f"{value.day} {_MONTH_NAMES[value.month - 1]} {value.year}"


def _check_year(year: int) -> None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ParseError(f"The year {year} looks off — please check it.", example=_DATE_EXAMPLE)


def _make_date(year: int, month: int, day: int) -> date:
    _check_year(year)
    if not 1 <= month <= 12:
        raise ParseError(
            f"There's no month {month} — months go from 1 to 12.", example="2027-03-31"
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ParseError(
            f"{_MONTH_NAMES[month - 1]} {year} has only {last} days.",
            example=f"{year}-{month:02d}-{last:02d}",
        )
    return date(year, month, day)


def _month_end(year: int, month: int) -> date:
    _check_year(year)
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(start: date, months: int) -> date:
    year, month_index = divmod(start.month - 1 + months, 12)
    year += start.year
    _check_year(year)
    return date(
        year, month_index + 1, min(start.day, calendar.monthrange(year, month_index + 1)[1])
    )


def _add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _upcoming(today: date, build: Callable[[int], date | None]) -> date:
    """The first date ``build(year)`` gives on or after ``today`` (year omitted)."""
    for year in range(today.year, today.year + 9):
        candidate = build(year)
        if candidate is not None and candidate >= today:
            return candidate
    raise ParseError("I couldn't find that date in the coming years.", example=_DATE_EXAMPLE)


def _day_in_year(month: int, day: int, today: date) -> date:
    if not 1 <= day <= 31 or day > max(calendar.monthrange(2028, month)[1], 1):
        raise ParseError(
            f"{_MONTH_NAMES[month - 1]} doesn't have a day {day}.", example=_DATE_EXAMPLE
        )

    def build(year: int) -> date | None:
        return date(year, month, day) if day <= calendar.monthrange(year, month)[1] else None

    return _upcoming(today, build)


def _relative(qty_text: str, unit_text: str, today: date) -> date:
    qty = _SPACES_RE.sub(" ", qty_text)
    amount = (
        int(qty)
        if qty.isdigit()
        else {"a": 1, "an": 1, "a couple of": 2}.get(qty, _SMALL_NUMBERS.get(qty, 0))
    )
    unit = _SPACES_RE.sub(" ", unit_text)
    if amount > 100 * 366:
        raise ParseError("That's further ahead than I can plan.", example=_DATE_EXAMPLE)
    if unit.split()[0] in {"business", "working", "work"}:
        return _add_business_days(today, amount)
    if unit.startswith("d"):
        return today + timedelta(days=amount)
    if unit.startswith("w"):
        return today + timedelta(weeks=amount)
    if unit.startswith("f"):
        return today + timedelta(weeks=2 * amount)
    if unit.startswith("m"):
        return _add_months(today, amount)
    return _add_months(today, 12 * amount)


def _end_of(period: str, which: str | None, today: date) -> date:
    step = 1 if which == "next" else 0
    if period == "week":
        # The working week ends on Friday.
        return today + timedelta(days=(4 - today.weekday()) % 7 + 7 * step)
    if period == "month":
        shifted = _add_months(today.replace(day=1), step)
        return _month_end(shifted.year, shifted.month)
    if period == "quarter":
        quarter_end_month = ((today.month - 1) // 3 + 1) * 3
        shifted = _add_months(date(today.year, quarter_end_month, 1), 3 * step)
        return _month_end(shifted.year, shifted.month)
    return date(today.year + step, 12, 31)


def _parse_numeric_date(match: re.Match[str], text: str, today: date) -> date:
    a, b = int(match["a"]), int(match["b"])
    year_text = match["y"]
    year = None if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
    if a > 12 and b > 12:
        raise ParseError(f"I couldn't read {_quote(text)} as a date.", example="2027-03-31")
    if a <= 12 and b <= 12 and a != b:
        # 03/04 is 3 April in most of the world and March 4 in the US.
        shown_year = year if year is not None else today.year
        raise ParseError(
            f"{_quote(text)} could be {a} {_MONTH_NAMES[b - 1]} or {_MONTH_NAMES[a - 1]} {b}. "
            "Please write the date as year-month-day.",
            example=f"{shown_year}-{b:02d}-{a:02d}",
        )
    day, month = (a, b) if a > 12 or a == b else (b, a)
    if year is None:
        if not 1 <= month <= 12:
            raise ParseError(
                f"There's no month {month} — months go from 1 to 12.", example="2027-03-31"
            )
        return _day_in_year(month, day, today)
    return _make_date(year, month, day)


def _parse_calendar_date(text: str, today: date) -> date | None:
    """Written-out dates: "31 Mar 2027", "March 31, 2027", "Q2 2027", "June 2027"."""
    words = _SPACES_RE.sub(" ", _DATE_NOISE_RE.sub(" ", _ORDINAL_SUFFIX_RE.sub("", text))).strip()
    stated_weekday: int | None = None
    if lead := _LEADING_WEEKDAY_RE.match(words):
        stated_weekday = _WEEKDAYS[lead["day"]]
        words = words[lead.end() :]

    result: date | None = None
    if match := _DAY_MONTH_RE.fullmatch(words) or _MONTH_DAY_RE.fullmatch(words):
        month, day = _MONTHS[match["m"]], int(match["d"])
        if match["y"] is None:
            result = _day_in_year(month, day, today)
        else:
            result = _make_date(int(match["y"]), month, day)
    elif stated_weekday is None and (match := _MONTH_YEAR_RE.fullmatch(words)):
        month = _MONTHS[match["m"]]
        if match["y"] is None:
            result = _upcoming(today, lambda year: _month_end(year, month))
        else:
            result = _month_end(int(match["y"]), month)
    elif stated_weekday is None and (match := _QUARTER_RE.fullmatch(words)):
        quarter = int(match["q"] or match["q2"])
        year_text = match["y"] or match["y2"]
        if year_text is None:
            result = _upcoming(today, lambda year: _month_end(year, 3 * quarter))
        else:
            result = _month_end(int(year_text), 3 * quarter)
    if result is not None and stated_weekday is not None and result.weekday() != stated_weekday:
        raise ParseError(
            f"{_date_text(result)} is a "
            f"{_WEEKDAY_NAMES[result.weekday()]}, not a {_WEEKDAY_NAMES[stated_weekday]}. "
            "Which date do you mean?",
            example=result.isoformat(),
        )
    return result


def parse_date(text: str, *, today: date) -> date:
    """A calendar date, absolute or relative to ``today``.

    Accepts ISO ("2027-03-31"), written dates ("31 Mar 2027", "March 31, 2027"),
    day/month numbers only when unambiguous (day > 12, or day == month),
    "today", "tomorrow", "in 3 weeks", "in 2 months", "next week" (+7 days),
    "end of month", "end of quarter", "Q2 2027" and "June 2027" (the last day of
    that period), and weekdays ("friday", "next monday": the first one after
    today). Without a year, the next such date on or after today.
    """
    cleaned = _clean(text).rstrip(".!")
    if not cleaned:
        raise ParseError("I need a date.", example=_DATE_EXAMPLE)
    if len(cleaned) > _NUMBER_INPUT_LIMIT:
        raise ParseError("That's more than I can read as one date.", example=_DATE_EXAMPLE)
    cleaned = _DATE_PREFIX_RE.sub("", cleaned)

    simple = {
        "today": today,
        "eod": today,
        "tomorrow": today + timedelta(days=1),
        "tmrw": today + timedelta(days=1),
        "yesterday": today - timedelta(days=1),
        "next week": today + timedelta(weeks=1),
        "in a week": today + timedelta(weeks=1),
    }
    if cleaned in simple:
        return simple[cleaned]
    if cleaned in {"next month", "next year"}:
        return _add_months(today, 1 if cleaned == "next month" else 12)
    if cleaned in _END_ABBREVIATIONS:
        return _end_of(_END_ABBREVIATIONS[cleaned], None, today)

    end_of = _END_OF_RE.match(cleaned)
    if end_of:
        rest = cleaned[end_of.end() :]
        if period := _END_OF_PERIOD_RE.fullmatch(rest):
            return _end_of(period["period"], period["which"], today)
        if _YEAR_RE.fullmatch(rest):
            year = int(rest)
            _check_year(year)
            return date(year, 12, 31)
        cleaned = rest

    if match := _IN_RE.fullmatch(cleaned) or _FROM_NOW_RE.fullmatch(cleaned):
        return _relative(match["qty"], match["unit"], today)
    if match := _WEEKDAY_RE.fullmatch(cleaned):
        ahead = (_WEEKDAYS[match["day"]] - today.weekday()) % 7
        on_or_after = match["which"] in {"this", "this coming"}
        if ahead == 0 and not on_or_after:
            ahead = 7
        return today + timedelta(days=ahead)
    if match := _ISO_RE.fullmatch(cleaned):
        return _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _NUMERIC_RE.fullmatch(cleaned):
        return _parse_numeric_date(match, text.strip(), today)
    if (result := _parse_calendar_date(cleaned, today)) is not None:
        return result
    raise ParseError(f"I couldn't read {_quote(text)} as a date.", example=_DATE_EXAMPLE)


# ---------------------------------------------------------------------------
# People

_SELF_WORDS = frozenset(
    {"me", "myself", "i", "i will", "i'll", "it's me", "that's me", "me myself"}
)
_PERSON_MIN, _PERSON_MAX = 2, 120


def parse_person(text: str, *, sender: Person, mentions: Sequence[Person]) -> dict[str, str | None]:
    """Who is meant: the first @-mention, the sender for "me", or a typed name.

    Returns ``{"name", "user_id", "platform"}``; a typed name has no user id or
    platform because we cannot resolve it to an account.
    """
    if mentions:
        person = mentions[0]
        return {
            "name": person.name or person.user_id,
            "user_id": person.user_id,
            "platform": person.platform,
        }
    cleaned = _clean(text).rstrip(".!")
    if cleaned in _SELF_WORDS:
        return {
            "name": sender.name or sender.user_id,
            "user_id": sender.user_id,
            "platform": sender.platform,
        }
    name = _SPACES_RE.sub(" ", unicodedata.normalize("NFC", text)).strip().lstrip("@").strip()
    example = "Priya Shah, @priya or me"
    if not name:
        raise ParseError("I need a name here — type it, or @-mention them.", example=example)
    if not any(c.isalpha() for c in name):
        raise ParseError(f"{_quote(name)} doesn't look like a name.", example=example)
    if len(name) < _PERSON_MIN:
        raise ParseError("That name is a bit short — please type their full name.", example=example)
    if len(name) > _PERSON_MAX:
        raise ParseError(
            f"That's longer than a name — please keep it to {_PERSON_MAX} characters.",
            example=example,
        )
    return {"name": name, "user_id": None, "platform": None}
