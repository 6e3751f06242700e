"""The RAID log: an engagement's risks, assumptions, issues and dependencies.

``raid add <type>`` starts the ``raid_item`` dialog in the person's DM (the type
answered already), ``raid`` lists the open items by type and impact, ``raid show <n>``
shows one with its history, ``raid update <n>`` starts the ``raid_update`` dialog
(``raid update <n> type <type>`` changes the type at once), ``raid close <n> [note]``
closes one and ``raid reopen <n> [note]`` opens it again. Items are rows
(:class:`storage.models.RaidItem`), every change a :class:`storage.models.RaidChange`
(who, what, when); an item keeps its number whatever changes.

Internal items are for our side only: participants never see them, and every message
that shows one is :attr:`Outbound.internal`, so it is never posted where another
organisation reads (checked when it is posted: :mod:`assistant.confidential`). Past
their due date, items are flagged in the listing and their owners reminded privately,
once a day (:meth:`RaidLog.due_reminders`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from assistant import texts
from assistant.actions import CompletionContext
from assistant.commands import Command, CommandRefused
from assistant.engine import StoredAnswer
from assistant.events import (
    BulletList,
    Field_,
    Fields,
    Heading,
    Outbound,
    Span,
)
from assistant.interviews import say, split_for
from assistant.markup import rich
from storage import repositories as repo
from storage.models import Engagement, Participant, RaidItem

if TYPE_CHECKING:
    from assistant.service import Here, TurnService

# The dialogs this feature runs (their questions are data in dialogs/).
ITEM_DIALOG = "raid_item"
UPDATE_DIALOG = "raid_update"
KINDS = tuple(texts.RAID_KINDS)
LEVELS = ("high", "medium", "low")
REMIND_HOUR = 9  # an overdue reminder arrives from 09:00 on a weekday, the owner's time
_NUMBER = re.compile(r"^\s*#?\s*(?P<number>\d{1,9})\b\s*(?P<rest>.*)$", re.S)
# "raid update 3 type issue" (or "kind: issue", "type to issue"): the type at once.
_TYPE = re.compile(r"^(?:type|kind)\b[\s:=]*(?:to\b\s*)?(?P<word>.*)$", re.I | re.S)
# Fields an update may change, as the item stores them.
_TEXT_FIELDS = ("title", "description", "mitigation")


def kind_of(word: str) -> str | None:
    """``risk``, ``Risks``, ``dependencies`` -> the item type; None for anything else."""
    word = word.strip().lower()
    for kind, (_name, plural) in texts.RAID_KINDS.items():
        if word in (kind, plural.lower()):
            return kind
    return None


class RaidLog:
    def __init__(self, service: TurnService) -> None:
        self.service = service

    def _now(self) -> datetime:
        return self.service.clock.now()

    # -- commands -----------------------------------------------------------------

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        rest, named = split_for(argument)
        if (
            named
            and command.name in ("raid_close", "raid_reopen")
            and not repo.find_engagement(session, here.tenant, named)
        ):
            rest, named = argument.strip(), None  # "for" in a closing (reopening) note
        engagement = self.service.engagement_for(session, here, named, command)
        role = self.service.check_role(session, here, engagement, command)
        our_side = role in ("owner", "member")
        match command.name:
            case "raid":
                return self._list(session, here, engagement, our_side)
            case "raid_add":
                return self._add(session, here, engagement, rest)
        number, note = self._number(command, rest)
        item = repo.raid_item(session, engagement.id, number)
        if item is None or (item.internal and not our_side):
            raise CommandRefused(say(texts.RAID_NO_ITEM, number=number, engagement=engagement.name))
        match command.name:
            case "raid_show":
                return [self._show(session, here, engagement, item)]
            case "raid_update":
                if retype := _TYPE.match(note):
                    return [self._retype(session, here, item, retype["word"])]
                return self._update(session, here, engagement, item)
            case "raid_close":
                return [self._close(session, here, item, note)]
            case "raid_reopen":
                return [self._reopen(session, here, item, note)]
        raise ValueError(f"no handler for command {command.name!r}")

    @staticmethod
    def _number(command: Command, text: str) -> tuple[int, str]:
        found = _NUMBER.match(text)
        if found is None:
            raise CommandRefused(say(texts.RAID_WHICH_ITEM, command=command.words[0]))
        return int(found["number"]), found["rest"].strip()

    def _add(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        prefill: dict[str, StoredAnswer] = {}
        if text.strip():
            kind = kind_of(text.split()[0])
            if kind is None:
                raise CommandRefused(say(texts.RAID_WHICH_KIND))
            prefill["kind"] = StoredAnswer(raw=kind, value=kind)
        return self._start(session, here, ITEM_DIALOG, engagement, {}, prefill)

    def _update(
        self, session: Session, here: Here, engagement: Engagement, item: RaidItem
    ) -> list[Outbound]:
        prefill = {"kind": StoredAnswer(raw=item.kind, value=item.kind)}
        return self._start(
            session, here, UPDATE_DIALOG, engagement, {"raid_item_id": item.id}, prefill
        )

    def _start(
        self,
        session: Session,
        here: Here,
        dialog_id: str,
        engagement: Engagement,
        context: dict[str, Any],
        prefill: dict[str, StoredAnswer],
    ) -> list[Outbound]:
        """A RAID dialog always runs in the person's DM (what they type about an
        internal item never lands in a channel, not even in a thread of one). Its run
        knows its engagement from its context only: the items table is the record, and
        its answers stay out of the engagement's answers (``answers`` lists those, in
        any channel, and they would carry an internal item's words)."""
        dialog = self.service.catalog.get(dialog_id)
        ref = here.inbound.conversation
        where = ref if ref.is_personal else self.service.reach(session, here.person, ref)
        _, messages = self.service.start_for(
            session,
            dialog=dialog,
            who=here.who,
            person=here.person,
            to=where,
            context={"engagement_id": engagement.id, **context},
            prefill=prefill,
        )
        if where.key != ref.key:
            note = say(texts.CONTINUED_IN_DM, title=dialog.title)
            messages.insert(0, note.model_copy(update={"only_for": here.person.user_id}))
        return messages

    def _list(
        self, session: Session, here: Here, engagement: Engagement, our_side: bool
    ) -> list[Outbound]:
        """The open items by type, then impact: one message with what everyone in the
        engagement may see, and (for our side) one with the internal items, which is
        withheld where another organisation reads, when it is posted."""
        items = repo.open_raid_items(session, engagement.id, internal=our_side)
        today = self.service.today(here.person)
        owners = self._owner_names(session, items)
        shared = [i for i in items if not i.internal]
        internal = [i for i in items if i.internal]
        blocks: list[Any] = [Heading(text=texts.RAID_TITLE.format(engagement=engagement.name))]
        if shared:
            blocks += self._by_kind(shared, owners, today)
        else:
            blocks.append(
                rich(texts.RAID_ONLY_INTERNAL_OPEN if internal else texts.RAID_NOTHING_OPEN)
            )
        if items:
            blocks.append(rich(texts.RAID_FOOTER))
        messages = [Outbound(blocks=tuple(blocks))]
        if internal:
            messages.append(
                Outbound(
                    blocks=(
                        Heading(text=texts.RAID_INTERNAL_TITLE.format(engagement=engagement.name)),
                        *self._by_kind(internal, owners, today),
                    ),
                    internal=True,
                    tag=f"for:{here.who.id}",
                )
            )
        return messages

    def _by_kind(self, items: list[RaidItem], owners: dict[int, str], today: date) -> list[Any]:
        blocks: list[Any] = []
        for kind in KINDS:
            mine = [i for i in items if i.kind == kind]
            if not mine:
                continue
            mine.sort(key=lambda i: (LEVELS.index(i.impact), i.due_date or date.max, i.number))
            blocks.append(rich(f"*{texts.RAID_KINDS[kind][1]}*"))
            blocks.append(BulletList(items=tuple(self._line(i, owners, today) for i in mine)))
        return blocks

    def _line(self, item: RaidItem, owners: dict[int, str], today: date) -> tuple[Span, ...]:
        likelihood = (
            texts.RAID_LINE_LIKELIHOOD.format(likelihood=item.likelihood) if item.likelihood else ""
        )
        due = texts.RAID_LINE_DUE.format(due=_day(item.due_date)) if item.due_date else ""
        spans = [
            Span(text=f"#{item.number} ", style="bold"),
            Span(text=item.title, style="bold"),
            Span(
                text=texts.RAID_LINE.format(
                    impact=item.impact,
                    likelihood=likelihood,
                    owner=self._owner(item, owners),
                    due=due,
                )
            ),
        ]
        if overdue(item, today):
            spans.append(Span(text=texts.RAID_OVERDUE, style="bold"))
        return tuple(spans)

    @staticmethod
    def _owner(item: RaidItem, owners: dict[int, str]) -> str:
        if item.owner_id is not None and item.owner_id in owners:
            return owners[item.owner_id]
        return item.owner_name or texts.RAID_NO_OWNER

    @staticmethod
    def _owner_names(session: Session, items: Sequence[RaidItem]) -> dict[int, str]:
        names: dict[int, str] = {}
        for item in items:
            if item.owner_id is not None and item.owner_id not in names:
                row = repo.participant(session, item.owner_id)
                if row is not None:
                    names[item.owner_id] = row.display_name or item.owner_name or row.user_id
        return names

    def _show(
        self, session: Session, here: Here, engagement: Engagement, item: RaidItem
    ) -> Outbound:
        owners = self._owner_names(session, [item])
        kind = texts.RAID_KINDS[item.kind][0].capitalize()
        fields = [
            Field_(label="Status", value=item.status),
            Field_(label="Owner", value=self._owner(item, owners)),
            Field_(label="Impact", value=item.impact),
        ]
        if item.likelihood:
            fields.append(Field_(label="Likelihood", value=item.likelihood))
        if item.description:
            fields.append(Field_(label="Description", value=item.description))
        if item.mitigation:
            fields.append(Field_(label="Mitigation / next step", value=item.mitigation))
        if item.due_date:
            late = texts.RAID_OVERDUE if overdue(item, self.service.today(here.person)) else ""
            fields.append(Field_(label="Due", value=_day(item.due_date) + late))
        fields.append(Field_(label="Internal", value="yes" if item.internal else "no"))
        history = []
        for change, person in repo.raid_history(session, item.id):
            history.append(
                (
                    Span(text=change.changed_at.strftime("%d %b %Y %H:%M") + " — "),
                    Span(text=person.display_name or person.user_id, style="bold"),
                    Span(
                        text=": "
                        + describe_change(change.field, change.old_value, change.new_value)
                    ),
                    *(
                        (Span(text=texts.RAID_CHANGE_NOTE.format(note=change.note)),)
                        if change.note
                        else ()
                    ),
                )
            )
        return Outbound(
            blocks=(
                Heading(
                    text=texts.RAID_ITEM_TITLE.format(
                        number=item.number, kind=kind, title=item.title
                    )
                ),
                Fields(items=tuple(fields)),
                rich(f"*{texts.RAID_HISTORY}*"),
                BulletList(items=tuple(history)),
            ),
            internal=item.internal,
            tag=f"for:{here.who.id}" if item.internal else None,
        )

    def _close(self, session: Session, here: Here, item: RaidItem, note: str) -> Outbound:
        return self._set_status(session, here, item, note, "closed")

    def _reopen(self, session: Session, here: Here, item: RaidItem, note: str) -> Outbound:
        """A closed item open again (closed by mistake, or back): same number, listed
        again, and its history says who reopened it, when and why."""
        return self._set_status(session, here, item, note, "open")

    def _set_status(
        self, session: Session, here: Here, item: RaidItem, note: str, status: str
    ) -> Outbound:
        closing = status == "closed"
        if item.status == status:
            already = texts.RAID_ALREADY_CLOSED if closing else texts.RAID_NOT_CLOSED
            message = say(already, number=item.number, title=item.title)
        else:
            now = self._now()
            repo.add_raid_change(
                session,
                item_id=item.id,
                participant_id=here.who.id,
                field="status",
                old_value=item.status,
                new_value=status,
                note=note[:500] or None,
                now=now,
            )
            item.status = status
            item.closed_at = now if closing else None
            item.updated_at = now
            done = texts.RAID_CLOSED if closing else texts.RAID_REOPENED
            message = say(done, number=item.number, title=item.title)
        return self._private_if_internal(here, item, message)

    def _retype(self, session: Session, here: Here, item: RaidItem, word: str) -> Outbound:
        """``raid update <n> type <type>``: the type at once, as ``raid add`` names it."""
        word = word.strip().rstrip(".!")
        if not word:
            raise CommandRefused(say(texts.RAID_WHICH_TYPE, number=item.number))
        kind = kind_of(word)
        if kind is None:
            raise CommandRefused(say(texts.RAID_UNKNOWN_TYPE, word=word[:40], number=item.number))
        if kind == item.kind:
            message = say(
                texts.RAID_SAME_TYPE,
                number=item.number,
                title=item.title,
                kind_name=_a(texts.RAID_KINDS[kind][0]),
            )
        else:
            changed = change_kind(session, item, kind, here.who.id, None, self._now())
            message = say(
                texts.RAID_RETYPED,
                number=item.number,
                title=item.title,
                changed="; ".join(changed),
            )
        return self._private_if_internal(here, item, message)

    @staticmethod
    def _private_if_internal(here: Here, item: RaidItem, message: Outbound) -> Outbound:
        if item.internal:
            return message.model_copy(update={"internal": True, "tag": f"for:{here.who.id}"})
        return message

    # -- overdue reminders ------------------------------------------------------------

    def due_reminders(self, session: Session) -> list[Outbound]:
        """Remind owners privately of their items past due: once a day each (claimed by a
        conditional update, so two processes never both send it), on weekdays from
        09:00 their time. An internal item's owner outside our side, or an owner we
        can't message, is not told: whoever logged the item is."""
        now = self._now()
        due: dict[int, list[tuple[RaidItem, str | None]]] = defaultdict(list)
        people: dict[int, Participant] = {}
        for item in repo.overdue_raid_items(session, (now + timedelta(days=1)).date()):
            recipient, unreachable = self._reminded(session, item)
            if recipient is None:
                continue
            local = _local(now, recipient.timezone)
            today = local.date()
            if item.due_date is None or item.due_date >= today:
                continue
            if item.last_reminded_on is not None and item.last_reminded_on >= today:
                continue  # reminded today already (no write to find that out)
            if local.weekday() >= 5 or local.hour < REMIND_HOUR:
                continue
            if not repo.claim_raid_reminder(session, item.id, today):
                continue
            people[recipient.id] = recipient
            due[recipient.id].append((item, unreachable))
        messages = []
        for person_id, items in due.items():
            person = people[person_id]
            by_engagement: dict[int, list[tuple[RaidItem, str | None]]] = defaultdict(list)
            for item, unreachable in items:
                by_engagement[item.engagement_id].append((item, unreachable))
            for engagement_id, mine in by_engagement.items():
                engagement = repo.engagement(session, engagement_id)
                lines = tuple(
                    (
                        Span(text=f"#{item.number} ", style="bold"),
                        Span(text=item.title, style="bold"),
                        Span(text=texts.RAID_REMINDER_LINE.format(due=_day(item.due_date))),
                        *(
                            (Span(text=texts.RAID_REMINDER_FOR_CREATOR.format(owner=unreachable)),)
                            if unreachable
                            else ()
                        ),
                    )
                    for item, unreachable in mine
                )
                messages.append(
                    Outbound(
                        blocks=(
                            rich(
                                texts.RAID_OVERDUE_REMINDER,
                                engagement=engagement.name if engagement else "",
                            ),
                            BulletList(items=lines),
                        ),
                        to=self.service.reach(session, self.service.person_of(person)),
                        internal=any(item.internal for item, _ in mine),
                        tag=f"for:{person.id}",
                    )
                )
        return messages

    def _reminded(self, session: Session, item: RaidItem) -> tuple[Participant | None, str | None]:
        """Whom to remind of an overdue item, and the owner's name when it is not them."""
        owner = repo.participant(session, item.owner_id) if item.owner_id else None
        if owner is not None:
            role = repo.role_in(session, item.engagement_id, owner.id)
            if not item.internal or role in ("owner", "member"):
                return owner, None
        creator = repo.participant(session, item.created_by_id)
        name = (owner.display_name if owner else None) or item.owner_name or texts.RAID_NO_OWNER
        return creator, name


# -- completion actions (dialogs/raid_item.yaml, dialogs/raid_update.yaml) ---------------


def item_added(ctx: CompletionContext) -> dict[str, Any]:
    """Store the item the ``raid_item`` dialog collected, with its first history line."""
    engagement = repo.engagement(ctx.session, int(ctx.context.get("engagement_id") or 0))
    if engagement is None:
        return {"raid": None}
    answers = ctx.answers
    now = ctx.now
    owner_id, owner_name = _owner_of(ctx, answers["owner"])
    item = repo.add_raid_item(
        ctx.session,
        RaidItem(
            engagement_id=engagement.id,
            number=0,
            kind=str(answers["kind"]),
            title=str(answers["title"]),
            description=answers.get("description"),
            owner_id=owner_id,
            owner_name=owner_name,
            impact=str(answers["impact"]),
            likelihood=answers.get("likelihood"),
            mitigation=answers.get("mitigation"),
            due_date=date.fromisoformat(answers["due_date"]) if answers.get("due_date") else None,
            internal=bool(answers["internal"]),
            status="open",
            created_by_id=ctx.run.participant_id,
            created_at=now,
            updated_at=now,
        ),
    )
    repo.add_raid_change(
        ctx.session,
        item_id=item.id,
        participant_id=ctx.run.participant_id,
        field="created",
        old_value=None,
        new_value=item.title,
        now=now,
    )
    return {
        "raid": {
            "number": item.number,
            "kind_name": texts.RAID_KINDS[item.kind][0],
            "engagement": engagement.name,
            "internal": item.internal,
            "owner": owner_name,
        },
        "internal": item.internal,
    }


def item_updated(ctx: CompletionContext) -> dict[str, Any]:
    """Apply what the ``raid_update`` dialog collected, one history line per field
    that changed (with the note, if any)."""
    item = ctx.session.get(RaidItem, int(ctx.context.get("raid_item_id") or 0))
    if item is None or item.engagement_id != ctx.context.get("engagement_id"):
        return {"raid": None}
    answers = ctx.answers
    now = ctx.now
    note = answers.get("note")
    changed = []
    for field in answers.get("fields") or ():
        if field not in answers:
            continue  # likelihood, picked for an item that is not a risk
        new = answers[field]
        if field == "new_kind":
            if new != item.kind:
                changed += change_kind(
                    ctx.session, item, str(new), ctx.run.participant_id, note, now
                )
            continue
        old_shown = _shown(item, field)
        if field == "owner":
            item.owner_id, item.owner_name = _owner_of(ctx, new)
        elif field == "due_date":
            item.due_date = date.fromisoformat(new)
            item.last_reminded_on = None  # a new date: a new reminder when it passes
        elif field == "internal":
            item.internal = bool(new)
        else:
            setattr(item, field, new)
        new_shown = _shown(item, field)
        if new_shown == old_shown:
            continue
        repo.add_raid_change(
            ctx.session,
            item_id=item.id,
            participant_id=ctx.run.participant_id,
            field=field,
            old_value=old_shown,
            new_value=new_shown,
            note=note,
            now=now,
        )
        changed.append(describe_change(field, old_shown, new_shown))
    if changed:
        item.updated_at = now
    return {
        "raid": {"number": item.number, "title": item.title, "changed": "; ".join(changed)},
        "internal": item.internal,
    }


def change_kind(
    session: Session,
    item: RaidItem,
    kind: str,
    participant_id: int,
    note: str | None,
    now: datetime,
) -> list[str]:
    """Give an item another type, in its history ("type: risk → issue"); a likelihood
    belongs to risks only, so it goes (in the history too) when the item stops being
    one. Returns the changes as the history words them."""
    changes: list[tuple[str, str, str | None]] = [("kind", item.kind, kind)]
    if kind != "risk" and item.likelihood:
        changes.append(("likelihood", item.likelihood, None))
        item.likelihood = None
    item.kind = kind
    item.updated_at = now
    for field, old, new in changes:
        repo.add_raid_change(
            session,
            item_id=item.id,
            participant_id=participant_id,
            field=field,
            old_value=old,
            new_value=new,
            note=note,
            now=now,
        )
    return [describe_change(field, old, new) for field, old, new in changes]


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _shown(item: RaidItem, field: str) -> str | None:
    """A field's value as the history keeps it (text)."""
    match field:
        case "owner":
            return item.owner_name
        case "due_date":
            return item.due_date.isoformat() if item.due_date else None
        case "internal":
            return "yes" if item.internal else "no"
    value = getattr(item, field)
    return None if value is None else str(value)


def describe_change(field: str, old: str | None, new: str | None) -> str:
    if field == "created":
        return texts.RAID_CREATED
    if field == "status" and new == "closed":
        return texts.RAID_CLOSED_CHANGE
    if field == "status" and new == "open":
        return texts.RAID_REOPENED_CHANGE
    return texts.RAID_CHANGE.format(
        field=texts.RAID_FIELDS.get(field, field), old=old or "—", new=new or "—"
    )


def _owner_of(ctx: CompletionContext, value: Any) -> tuple[int | None, str]:
    """The owner a person step named: a mentioned (or "me") person is stored; a typed
    name is whoever in the workspace goes by it (in the terminal chat, where there is
    nothing to mention, a new name is a new person); else just the name."""
    value = value if isinstance(value, dict) else {"name": str(value)}
    name = str(value.get("name") or value.get("user_id") or "")
    platform, _, workspace = ctx.run.tenant.partition(":")
    user_id = value.get("user_id")
    if user_id:
        row = repo.upsert_participant(
            ctx.session,
            platform=platform,
            workspace=workspace,
            user_id=str(user_id),
            display_name=name or None,
            timezone=None,
            now=ctx.now,
        )
        return row.id, name
    found = repo.participants_by_name(ctx.session, platform, workspace, name)
    if len(found) == 1:
        return found[0].id, found[0].display_name or name
    if platform == "console" and not found:
        row = repo.upsert_participant(
            ctx.session,
            platform=platform,
            workspace=workspace,
            user_id=name,
            display_name=name,
            timezone=None,
            now=ctx.now,
        )
        return row.id, name
    return None, name


def overdue(item: RaidItem, today: date) -> bool:
    return item.status == "open" and item.due_date is not None and item.due_date < today


def open_items_for(session: Session, engagement_id: int, *, internal: bool) -> list[RaidItem]:
    """An engagement's open items by type, then impact, then due date (a findings
    summary or the iteration review reads them; ``internal`` for our side only)."""
    items = list(repo.open_raid_items(session, engagement_id, internal=internal))
    items.sort(key=lambda i: (KINDS.index(i.kind), LEVELS.index(i.impact), i.due_date or date.max))
    return items


def _day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def _local(now: datetime, timezone: str | None) -> datetime:
    if timezone:
        try:
            return now.astimezone(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return now
