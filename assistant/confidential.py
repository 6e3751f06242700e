"""Internal stays internal: what happens to an internal message that was not posted.

An :attr:`Outbound.internal` message is checked when it is posted (the dispatcher asks
the platform adapter whether the conversation is shared with another organisation at
that moment: a channel can become shared after the command that produced it). Where it
is, the message is withheld, and :func:`withheld` says what to do instead: one neutral
sentence there (nothing of the message in it), and the message itself privately to the
people allowed to see it, so nothing is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from assistant import texts
from assistant.events import ConversationRef, Outbound
from assistant.interviews import _names
from assistant.markup import rich
from storage import repositories as repo
from storage.models import Participant

if TYPE_CHECKING:
    from assistant.service import TurnService

FOR = "for:"  # Outbound.tag "for:<participant id>": whom an internal message is for


def allowed_readers(session: Session, to: ConversationRef, message: Outbound) -> list[Participant]:
    """Who may read a withheld internal message: the person it was for (``for:<id>``,
    someone who asked for it), else the owners and members of the engagement the
    conversation is bound to. Nobody for a personal conversation (there is no one
    else to send it to)."""
    tag = message.tag or ""
    if tag.startswith(FOR) and tag.removeprefix(FOR).isdigit():
        person = repo.participant(session, int(tag.removeprefix(FOR)))
        return [person] if person is not None else []
    if to.is_personal:
        return []
    channel = to.model_copy(update={"thread": None})
    engagement = repo.bound_engagement(session, channel.key)
    if engagement is None:
        return []
    return list(repo.engagement_team(session, engagement.id))


def withheld(
    service: TurnService, session: Session, to: ConversationRef, message: Outbound
) -> list[Outbound]:
    """A neutral notice where the message was withheld, and the message to each reader
    in their DM (never back into the conversation it was withheld from)."""
    copies: list[Outbound] = []
    names: list[str] = []
    for person in allowed_readers(session, to, message):
        dm = service.reach(session, service.person_of(person), to)
        if dm.key == to.key:
            continue
        copies.append(
            message.model_copy(
                update={
                    "blocks": (rich(texts.WITHHELD_PRIVATE), *message.blocks),
                    "to": dm,
                    "only_for": None,
                    "answered": None,
                }
            )
        )
        names.append(person.display_name or person.user_id)
    if copies:
        notice = rich(texts.WITHHELD_NOTICE, names=_names(names))
    elif to.is_personal:
        notice = rich(texts.WITHHELD_PERSONAL)
    else:
        notice = rich(texts.WITHHELD_NOBODY)
    return [Outbound(blocks=(notice,), to=to), *copies]
