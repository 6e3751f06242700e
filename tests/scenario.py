"""One qualification scenario shared by every channel (terminal, Slack, Teams).

Each step is typed text or a click on an option of the question just asked; a
channel test plays the steps through its own surface, then checks that the same
answers were stored and the same verdict was given. Clicks are answered by
typing the option's label where a channel has no buttons (the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Type:
    text: str


@dataclass(frozen=True)
class Click:
    value: str  # an Option.value of the current question


Step = Type | Click


class Player:
    """Plays scenario steps through a channel's own ``say`` (type) and ``click``."""

    async def say(self, text: str) -> Any: ...

    async def click(self, value: str) -> Any: ...

    async def play(self, steps: list[Step]) -> None:
        for step in steps:
            if isinstance(step, Type):
                await self.say(step.text)
            else:
                await self.click(step.value)


# A qualified opportunity, with a hostile customer name, typed and clicked answers,
# an optional question skipped and a multiple choice.
QUALIFIED: list[Step] = [
    Type("qualify"),
    Type("Acme <!channel> & <@U999> Corp"),  # customer
    Click("yes"),  # opportunity discovery
    Type("yes"),  # technical discovery
    Type("2,500"),  # addressable users
    Click("yes"),  # delivery focus
    Click("yes"),  # decision access
    Type("Dana Scully, VP Engineering"),  # decision makers
    Click("yes"),  # initiative
    Type("1, 2"),  # initiative kinds: modernize apps, new critical app
    Type("2031-06-30"),  # initiative date
    Type("the claims portal"),  # applications (asked: modernizing apps names them)
    Click("customer"),  # a customer, not a prospect
    Click("yes"),  # uses platform
    Type("1, 3"),  # features: source control, continuous delivery
    Click("yes"),  # wants to learn
    Type("skip"),  # notes
]

QUALIFIED_ANSWERS: dict[str, Any] = {
    "customer": "Acme <!channel> & <@U999> Corp",
    "opportunity_discovery": True,
    "technical_discovery": True,
    "addressable_users": 2500,
    "delivery_focus": True,
    "decision_access": True,
    "decision_makers": "Dana Scully, VP Engineering",
    "initiative": True,
    "initiative_kinds": ["modernize_apps", "new_critical_app"],
    "initiative_date": "2031-06-30",
    "initiative_apps": "the claims portal",
    "relationship": "customer",
    "uses_platform": True,
    "platform_features": ["source_control", "cd"],
    "wants_to_learn": True,
    "notes": None,
}
QUALIFIED_HEADLINE = "Qualified"

# Not qualified: too small a market and no access to decision makers.
NOT_QUALIFIED: list[Step] = [
    Type("qualify"),
    Type("Tiny Co"),
    Type("yes"),
    Type("no"),  # technical discovery not done
    Type("300"),
    Type("yes"),
    Type("no"),  # no decision access
    Type("no"),  # no initiative
    Type("customer"),
    Type("no"),  # does not use the platform
    Type("skip"),
]
NOT_QUALIFIED_ANSWERS: dict[str, Any] = {
    "customer": "Tiny Co",
    "opportunity_discovery": True,
    "technical_discovery": False,
    "addressable_users": 300,
    "delivery_focus": True,
    "decision_access": False,
    "initiative": False,
    "relationship": "customer",
    "uses_platform": False,
    "notes": None,
}
NOT_QUALIFIED_HEADLINE = "Not qualified yet"


async def stored_answers(db: Any, dialog_id: str = "qualification") -> dict[str, Any]:
    """The current answers of the latest run of ``dialog_id``, read from the database."""
    from sqlalchemy import select

    from storage.models import Answer, DialogRun

    def read(session: Any) -> dict[str, Any]:
        run = session.scalar(
            select(DialogRun).where(DialogRun.dialog_id == dialog_id).order_by(DialogRun.id.desc())
        )
        assert run is not None, f"no {dialog_id} run was stored"
        rows = session.scalars(
            select(Answer).where(Answer.run_id == run.id, Answer.superseded_at.is_(None))
        )
        return {row.path: row.value for row in rows}

    return dict(await db.run(read))


async def latest_result(db: Any, dialog_id: str = "qualification") -> dict[str, Any]:
    from sqlalchemy import select

    from storage.models import DialogRun

    def read(session: Any) -> dict[str, Any]:
        run = session.scalar(
            select(DialogRun).where(DialogRun.dialog_id == dialog_id).order_by(DialogRun.id.desc())
        )
        assert run is not None and run.status == "completed", "the dialog did not complete"
        return dict(run.result or {})

    return dict(await db.run(read))


# The delivery engagement dialog's questions after the schedule, typed (every channel
# can type): use case, SOW / PO, PM ("me"), no PSE or TA, one workstream with its DRI.
DELIVERY_PLAN: tuple[str, ...] = (
    "tool adoption",
    "SOW-3184",
    "me",
    "skip",
    "skip",
    "SCM migration",
    "me",
    "no",
)
