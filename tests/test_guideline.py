"""The ceremony guideline: the full schedule above 5 iterations or two months."""

from __future__ import annotations

from assistant.app import Assistant
from assistant.guideline import CEREMONIES, TABLE, guideline_for
from tests.chat import Chat
from tests.scenario import DELIVERY_PLAN


def test_four_iterations_of_two_weeks_exceed_two_months_counting_iteration_0() -> None:
    rule = guideline_for(4, 2)
    assert rule.full
    assert rule.weeks == 10
    assert "more than two months" in rule.reason
    assert "not more than 5 iterations" in rule.reason
    assert rule.ceremonies() == CEREMONIES


def test_five_iterations_of_one_week_is_the_open_case_and_says_which_column() -> None:
    rule = guideline_for(5, 1)
    assert not rule.full
    assert "exactly 5 iterations" in rule.reason
    assert "lighter column" in rule.reason
    assert dict(rule.practices())["Iteration review (status report)"] == (
        "weekly status at the minimum"
    )
    assert rule.ceremonies() == ("iteration_review",)


def test_six_iterations_of_one_week_are_more_than_five() -> None:
    rule = guideline_for(6, 1)
    assert rule.full
    assert rule.reason.endswith("more than 5 iterations.")
    assert dict(rule.practices())["Daily standup"] == "yes (cadence agreed with the customer)"


def test_nine_weeks_is_over_two_months_and_eight_is_not() -> None:
    assert guideline_for(2, 3).full  # 9 weeks with Iteration 0
    assert not guideline_for(3, 2).full  # 8 weeks


def test_every_row_of_the_table_is_in_both_columns() -> None:
    names = [row.name for row in TABLE]
    assert "Managed in the project's single source of truth" in names
    assert "Iteration 0" in names
    for rule in (guideline_for(6, 2), guideline_for(2, 1)):
        assert [name for name, _ in rule.practices()] == names
        assert all(value for _, value in rule.practices())


async def test_the_engagement_summary_states_the_column_and_why(assistant: Assistant) -> None:
    chat = Chat(assistant)
    await chat.say("new engagement")
    for answer in ("Globex", "Globex pilot", "2031-02-03", "2", "4", *DELIVERY_PLAN):
        await chat.say(answer)
    assert "the full schedule" in chat.text
    assert "more than two months, counting Iteration 0" in chat.text
    assert "Managed in the project's single source of truth: yes" in chat.text
