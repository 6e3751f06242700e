"""Rows other features record, written directly for tests that only read them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Engagement, Participant, RaidItem, Retro, RetroAction


def log_raid_and_actions(session: Session, owner: str = "sa") -> None:
    """For the engagement: an open risk and an internal one, and open actions of a
    customer retro (one due soon, one later) and of an internal retro."""
    engagement = session.scalar(select(Engagement))
    assert engagement is not None
    owner_id = session.scalar(select(Participant.id).where(Participant.user_id == owner))
    assert owner_id is not None
    for number, (title, internal) in enumerate(
        (("<!channel> Vendor late", False), ("Margin at risk", True)), start=1
    ):
        session.add(
            RaidItem(
                engagement_id=engagement.id,
                number=number,
                kind="risk",
                title=title,
                owner_id=owner_id,
                impact="high",
                due_date=date(2027, 2, 26),
                internal=internal,
                created_by_id=owner_id,
            )
        )
    for kind, text, due in (
        ("customer", "Renew certificates", date(2027, 2, 18)),
        ("customer", "Later thing", date(2027, 3, 30)),
        ("internal", "Rework the quote", date(2027, 2, 10)),
    ):
        retro = Retro(
            engagement_id=engagement.id,
            kind=kind,
            status="closed",
            started_by_id=owner_id,
            conversation={},
        )
        session.add(retro)
        session.flush()
        session.add(
            RetroAction(
                retro_id=retro.id,
                engagement_id=engagement.id,
                text=text,
                owner_id=owner_id,
                due_date=due,
                created_by_id=owner_id,
            )
        )
