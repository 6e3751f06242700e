"""The delivery methodology's ceremony guideline (DESIGN.md §1.3), as data and one rule.

The full schedule is needed only when the project **exceeds 5 iterations or is planned
to exceed two months**. The table heads its columns "> 5 iterations (~9 weeks incl.
Iteration 0)" and "< 5 iterations": the duration counts Iteration 0, which lasts one
iteration here; the iteration count is the planned iterations after it. Exactly 5
iterations is in neither heading; the rule's own words ("exceeds 5") settle it: the
light column, unless the duration alone exceeds two months.

Pure: no I/O, so the engine's summaries, the schedule dialog and the findings share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.texts import plural

FULL_ABOVE_ITERATIONS = 5
# Two calendar months are 59 to 62 days; "planned to exceed two months" is read as
# more than 61 days, so 9 weeks (63 days, the table's own example) is over it and
# 8 weeks (56 days) is not.
TWO_MONTHS_DAYS = 61

# The five ceremonies of a delivery engagement's schedule, by the names the scheduler
# and the reminders' templates use.
CEREMONIES: tuple[str, ...] = (
    "iteration_planning",
    "iteration_review",
    "daily_standup",
    "backlog_refinement",
    "retrospective",
)
CEREMONY_NAMES: dict[str, str] = {
    "iteration_planning": "Iteration planning",
    "iteration_review": "Iteration review",
    "daily_standup": "Daily standup",
    "backlog_refinement": "Backlog refinement",
    "retrospective": "Retrospective",
}


@dataclass(frozen=True)
class Practice:
    """One row of the guideline's table: what to do in each column."""

    name: str
    full: str  # > 5 iterations or more than two months
    light: str  # otherwise


TABLE: tuple[Practice, ...] = (
    Practice("Internal retrospective tracking", "yes", "yes"),
    Practice("RAID tracking", "yes", "yes"),
    Practice("Backlog refinement", "yes", "only as needed"),
    Practice("Daily standup", "yes (cadence agreed with the customer)", "only if needed"),
    Practice("Communication plan", "yes", "yes"),
    Practice("Iteration planning", "yes", "only as needed"),
    Practice("Iteration review (status report)", "yes", "weekly status at the minimum"),
    Practice("In-project retrospectives", "yes", "only if needed"),
    Practice("Managed in the project's single source of truth", "yes", "yes"),
    Practice("Iteration 0", "yes", "yes"),
)


@dataclass(frozen=True)
class Guideline:
    """Which column of the table applies to a project, and why."""

    full: bool
    reason: str  # one sentence: which of the two conditions made it so, or neither
    iterations: int  # planned, after Iteration 0
    iteration_weeks: int
    weeks: int  # planned duration, Iteration 0 included

    @property
    def column(self) -> str:
        return "> 5 iterations or more than two months" if self.full else "5 iterations or fewer"

    def practices(self) -> list[tuple[str, str]]:
        """Every row of the table with what it says for this project."""
        return [(row.name, row.full if self.full else row.light) for row in TABLE]

    def ceremonies(self) -> tuple[str, ...]:
        """The ceremonies a schedule runs by default: all five, or for a small project
        the iteration review as a weekly status (the rest only as needed)."""
        return CEREMONIES if self.full else ("iteration_review",)

    def as_dict(self) -> dict[str, Any]:
        """For templates and stored results (JSON)."""
        return {
            "full": self.full,
            "reason": self.reason,
            "column": self.column,
            "iterations": self.iterations,
            "iteration_weeks": self.iteration_weeks,
            "weeks": self.weeks,
            "practices": [{"name": name, "value": value} for name, value in self.practices()],
            "ceremonies": [CEREMONY_NAMES[name] for name in self.ceremonies()],
        }


def guideline_for(iterations: int, iteration_weeks: int) -> Guideline:
    """The column of the ceremony guideline for ``iterations`` planned iterations of
    ``iteration_weeks`` weeks after an Iteration 0 of one iteration."""
    weeks = (iterations + 1) * iteration_weeks
    days = weeks * 7
    many = iterations > FULL_ABOVE_ITERATIONS
    long = days > TWO_MONTHS_DAYS
    planned = (
        f"{plural(iterations, 'iteration')} of {plural(iteration_weeks, 'week')} "
        f"after Iteration 0 ({weeks} weeks in all)"
    )
    if many and long:
        reason = f"{planned}: more than 5 iterations and more than two months."
    elif many:
        reason = f"{planned}: more than 5 iterations."
    elif long:
        reason = (
            f"{planned}: more than two months, counting Iteration 0 as the table does, "
            "though not more than 5 iterations."
        )
    elif iterations == FULL_ABOVE_ITERATIONS:
        reason = (
            f"{planned}: exactly 5 iterations, which the table's columns leave open; the "
            "full schedule is for projects that exceed 5 iterations or two months, and "
            "this one does neither, so the lighter column applies."
        )
    else:
        reason = f"{planned}: not more than 5 iterations, and not more than two months."
    return Guideline(
        full=many or long,
        reason=reason,
        iterations=iterations,
        iteration_weeks=iteration_weeks,
        weeks=weeks,
    )
