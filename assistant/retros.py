"""Retrospectives: a facilitator starts one in the engagement's channel, each member
says privately what went well, what did not and what to try next, the items are posted
and voted on, actions are agreed with owners and due dates, and the next retrospective
starts by reviewing them.

``retro ...`` is one command (:data:`assistant.commands.FIXED`); what follows the word
says what to do (start, close, vote, merge, action, review, facilitator, finish, recap,
actions, status, nudge). Buttons come back as actions with prompt keys
``retro:<id>:...``. Each member's private part is a run of the ``retro`` dialog started
with :meth:`TurnService.start_for`; its completion action (:func:`collect_items`) keeps
the items. In an anonymous retrospective nothing stored links an item to its author: the
items wait in the retro's shuffled pool, and the run forgets its answers.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import engine, parsing, texts
from assistant.commands import Command, CommandRefused
from assistant.definitions import Dialog
from assistant.engine import DialogState
from assistant.events import (
    BulletList,
    ConversationRef,
    File,
    Heading,
    Option,
    Outbound,
    Person,
    Question,
    Span,
)
from assistant.interviews import split_for
from assistant.markup import rich
from assistant.render import to_markdown
from storage import repositories as repo
from storage.models import (
    DialogRun,
    Engagement,
    Participant,
    Retro,
    RetroAction,
    RetroItem,
    RetroMember,
    RetroVote,
)
from storage.repositories import RunRow

if TYPE_CHECKING:
    from assistant.actions import CompletionContext
    from assistant.service import Here, TurnService

PREFIX = "retro"  # prompt keys "retro:<id>:vote:<question>", "retro:<id>:review:<action id>"
COLLECT = "collect_retro_items"  # the completion action that marks the retro dialog
QUESTIONS = ("went_well", "not_well", "try_next")
VOTES_EACH = 3
KIND_WORDS = {
    "customer": "customer",
    "in-project": "in_project",
    "in project": "in_project",
    "inproject": "in_project",
    "project": "in_project",
    "internal": "internal",
    "end-of-project": "end_of_project",
    "end of project": "end_of_project",
}
CLOSED = "closed"
_SHUFFLE = random.SystemRandom()
_NUMBERS = re.compile(r"#?(\d+)")
_DUE = re.compile(r"\s+(?:by|due)\s+(?P<due>[^@]+?)\s*$", re.I)
_MENTION = re.compile(r"(?:^|\s)@(?P<name>[\w.\-]+)")
_ALSO = " (also: "  # a merged item's text: "Flaky staging (also: staging is flaky)"


def say(template: str, **values: Any) -> Outbound:
    return Outbound(blocks=(rich(template, **values),))


def _name(row: Participant | None) -> str:
    if row is None:
        return "someone"
    return row.display_name or row.user_id


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _due(value: date | None) -> str:
    return value.strftime("%a %d %b %Y") if value else texts.RETRO_NO_DUE


def _merged_text(text: str, others: list[str]) -> str:
    """An item's text with its duplicates' after it, each once: "Flaky staging (also:
    staging is flaky; staging breaks)"."""
    base, *also = _texts_of(text)
    kept: dict[str, str] = {}
    for other in [*also, *(t for o in others for t in _texts_of(o))]:
        if other.casefold() != base.casefold():
            kept.setdefault(other.casefold(), other)
    return f"{base}{_ALSO}{'; '.join(kept.values())})" if kept else base


def _texts_of(text: str) -> list[str]:
    """The texts an item stands for: its own, then those merged into it."""
    if not (text.endswith(")") and _ALSO in text):
        return [text]
    base, _, rest = text.partition(_ALSO)
    return [base, *rest[:-1].split("; ")]


def collect_items(ctx: CompletionContext) -> dict[str, Any]:
    """The ``collect_retro_items`` completion action: keep a member's items in their
    retro, for the summary that thanks them (which never reads the items back)."""
    session = ctx.session
    member = repo.retro_member_of_run(session, ctx.run.id)
    if member is None:
        return {"count": 0, "anonymous": False, "engagement": "", "facilitator": ""}
    retro = repo.get_retro(session, member.retro_id, lock=True)
    assert retro is not None
    count = pool_items(retro, member, ctx.answers, now=ctx.now)
    member.status = "done"
    engagement = repo.engagement(session, retro.engagement_id)
    facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
    return {
        "count": count,
        "anonymous": retro.anonymous,
        "engagement": engagement.name if engagement else "",
        "facilitator": _name(facilitator),
    }


def pool_items(retro: Retro, member: RetroMember, grouped: dict[str, Any], now: datetime) -> int:
    """Add a member's answers (grouped, as templates see them) to the retro's pool: each
    line of each answer one item. Anonymous: no author, no time, in shuffled order."""
    added = []
    for question in QUESTIONS:
        for entry in grouped.get(question) or ():
            text = (entry or {}).get("text") if isinstance(entry, dict) else None
            for line in str(text or "").splitlines():
                if line.strip():
                    added.append(
                        {
                            "question": question,
                            "text": line.strip(),
                            "author": None if retro.anonymous else member.participant_id,
                            "at": None if retro.anonymous else now.isoformat(),
                        }
                    )
    pool = [*(retro.pool or []), *added]
    if retro.anonymous:
        _SHUFFLE.shuffle(pool)
    retro.pool = pool
    return len(added)


def parse_start(text: str) -> tuple[str, bool, int, str]:
    """What ``retro ...`` says: the kind (in-project unless named), anonymous or not,
    votes each ("5 votes"), and the rest (the people, as typed)."""
    rest = f" {text} "
    kind = "in_project"
    for word, found in sorted(KIND_WORDS.items(), key=lambda kv: -len(kv[0])):
        pattern = re.compile(rf"\s{re.escape(word)}\s", re.I)
        if pattern.search(rest):
            kind, rest = found, pattern.sub(" ", rest, count=1)
            break
    anonymous = False
    named = re.compile(r"\s(?:anonymous|anonymously)\s", re.I)
    if named.search(rest):
        anonymous, rest = True, named.sub(" ", rest)
    votes = VOTES_EACH
    counted = re.search(r"\s(\d{1,2})\s+votes?\s", rest, re.I) or re.search(
        r"\svotes?\s+(\d{1,2})\s", rest, re.I
    )
    if counted:
        votes = max(1, int(counted.group(1)))
        rest = rest.replace(counted.group(0), " ")
    return kind, anonymous, votes, " ".join(rest.split())


class Retros:
    def __init__(self, service: TurnService) -> None:
        self.service = service

    def _now(self) -> datetime:
        return self.service.clock.now()

    # -- the command ------------------------------------------------------------------

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        rest, named = split_for(argument)
        engagement = self.service.engagement_for(session, here, named, command)
        try:
            messages = self._command(session, here, command, engagement, rest)
        except CommandRefused as refused:
            messages = [refused.message]
        return self._internal_if(session, engagement, messages)

    def _internal_if(
        self, session: Session, engagement: Engagement, messages: list[Outbound]
    ) -> list[Outbound]:
        """Everything said about an internal retrospective is internal, replies included."""
        found = repo.retros_of(session, engagement.id)
        if not found or found[-1].kind != "internal":
            return messages
        return [self._mark(found[-1], m) for m in messages]

    def _command(
        self,
        session: Session,
        here: Here,
        command: Command,
        engagement: Engagement,
        rest: str,
    ) -> list[Outbound]:
        self.service.check_role(session, here, engagement, command)
        words = rest.split()
        verb = words[0].lower() if words else ""
        tail = " ".join(words[1:])
        if verb == "vote" and tail.lower() in ("close", "closed", "end", "stop"):
            return self._close_voting(session, here, engagement)
        if verb == "close" and tail.lower().startswith("vot"):
            return self._close_voting(session, here, engagement)
        match verb:
            case "close":
                return self._close_collection(session, here, engagement)
            case "vote":
                return self._vote_numbers(session, here, engagement, tail)
            case "merge":
                return self._merge(session, here, engagement, tail)
            case "action":
                return self._action(session, here, engagement, tail)
            case "review":
                return self._review_typed(session, here, engagement, tail)
            case "facilitator" | "facilitated":
                return self._facilitator(session, here, engagement, tail)
            case "go":
                return self._go_ahead(session, here, engagement)
            case "finish" | "end" | "done":
                return self._finish(session, here, engagement)
            case "recap":
                return [self.recap_message(session, engagement)]
            case "actions":
                return [self._open_actions(session, engagement)]
            case "status":
                return [self._status(session, engagement)]
            case "nudge" | "remind":
                return self._nudge(session, here, engagement)
        self.service.check_role(session, here, engagement, replace(command, who="member"))
        return self._start(session, here, engagement, rest)

    # -- starting ---------------------------------------------------------------------

    def current(self, session: Session, engagement: Engagement) -> Retro | None:
        found = [r for r in repo.retros_of(session, engagement.id) if r.status != CLOSED]
        return found[-1] if found else None

    def _current_or_refuse(self, session: Session, engagement: Engagement) -> Retro:
        """The retro under way, its row held for this turn (a member's items may be
        added to it meanwhile)."""
        retro = self.current(session, engagement)
        if retro is None:
            raise CommandRefused(
                say(texts.RETRO_NONE, engagement=engagement.name, usage=texts.RETRO_USAGE)
            )
        locked = repo.get_retro(session, retro.id, lock=True)
        assert locked is not None
        return locked

    def _start(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        under_way = self.current(session, engagement)
        if under_way is not None:
            return [
                say(
                    # The next step is our markup, not a value.
                    texts.RETRO_UNDER_WAY.replace(
                        "{next}", texts.RETRO_NEXT.get(under_way.status, "")
                    ),
                    a_kind=texts.RETRO_A_KIND[under_way.kind].capitalize(),
                    engagement=engagement.name,
                    status=texts.RETRO_STATUS[under_way.status],
                )
            ]
        kind, anonymous, votes, names = parse_start(text)
        people = self._people_named(session, here, names)
        if not people:
            people = self._default_people(session, engagement, kind)
        retro = repo.add_retro(
            session,
            Retro(
                engagement_id=engagement.id,
                kind=kind,
                anonymous=anonymous,
                status="collecting",
                facilitator_id=None if kind == "end_of_project" else here.who.id,
                started_by_id=here.who.id,
                votes_each=votes,
                conversation=here.inbound.conversation.model_dump(mode="json"),
                pool=[],
                created_at=self._now(),
            ),
        )
        if kind != "end_of_project":
            people = [here.person, *people]  # the facilitator takes part too
        for person in dict.fromkeys(people):
            who = self.service.participant_of(session, person)
            self.service.interviews.participates(session, engagement, who.id, here.who.id)
            if all(p.id != who.id for _m, p in repo.retro_members(session, retro.id)):
                repo.add_retro_member(
                    session,
                    RetroMember(
                        retro_id=retro.id,
                        participant_id=who.id,
                        status="waiting",
                        created_at=self._now(),
                    ),
                )
        if kind == "end_of_project":
            retro.status = "choosing"
            return [
                self._post(
                    retro,
                    rich(
                        texts.RETRO_WHO_FACILITATES,
                        engagement=engagement.name,
                        names=self._member_names(session, retro),
                    ),
                )
            ]
        return self._begin(session, here, engagement, retro)

    def _begin(
        self, session: Session, here: Here, engagement: Engagement, retro: Retro
    ) -> list[Outbound]:
        """The open actions of earlier retrospectives first, then the invitations."""
        if repo.open_actions(session, engagement.id, retro.kind):
            retro.status = "reviewing"
            return self._review_messages(session, engagement, retro)
        return self._invite(session, here, engagement, retro)

    def _people_named(self, session: Session, here: Here, text: str) -> list[Person]:
        if here.inbound.mentions:
            return list(here.inbound.mentions)
        if not text.strip():
            return []
        people, unknown = self.service.interviews.people(session, here, text)
        if unknown:
            raise CommandRefused(say(texts.WHO_IS, names=", ".join(unknown[:5])))
        return people

    def _default_people(self, session: Session, engagement: Engagement, kind: str) -> list[Person]:
        """Everyone in the engagement for a customer (or end-of-project) retro; our own
        side (owners and members) for an in-project or internal one."""
        ours = ("owner", "member")
        return [
            self.service.person_of(person)
            for person, role in repo.engagement_people(session, engagement.id)
            if kind in ("customer", "end_of_project") or role in ours
        ]

    def _member_names(self, session: Session, retro: Retro) -> str:
        return _names([_name(p) for _m, p in repo.retro_members(session, retro.id)])

    def _invite(
        self, session: Session, here: Here, engagement: Engagement, retro: Retro
    ) -> list[Outbound]:
        dialog = self._dialog()
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        channel = self.channel(retro)
        messages: list[Outbound] = []
        members = repo.retro_members(session, retro.id)
        if not members:
            raise CommandRefused(say(texts.RETRO_NOBODY, engagement=engagement.name))
        for member, person_row in members:
            if member.run_id is not None:
                continue
            person = self.service.person_of(person_row)
            card = Outbound(
                blocks=self._invitation(engagement, retro, facilitator),
                tag=f"notify:{facilitator.id if facilitator else retro.started_by_id}",
                internal=retro.kind == "internal",
            )
            run, first = self.service.start_for(
                session,
                dialog=dialog,
                who=self.service.who_of(person_row),
                person=person,
                to=self.service.reach(session, person, channel),
                engagement_id=engagement.id,
                context={
                    "retro_id": retro.id,
                    "invited_by": facilitator.id if facilitator else retro.started_by_id,
                    "forget_answers": retro.anonymous,
                },
                invitation=card,
            )
            member.run_id = run.id
            member.status = "invited"
            messages += [self._mark(retro, m) for m in first]
        retro.status = "collecting"
        started = self._post(
            retro,
            rich(
                texts.RETRO_STARTED,
                facilitator=_name(facilitator),
                a_kind=texts.RETRO_A_KIND[retro.kind],
                engagement=engagement.name,
                anonymous=texts.RETRO_ANONYMOUS_NOTE if retro.anonymous else "",
                names=self._member_names(session, retro),
            ),
        )
        return [started, *messages]

    @staticmethod
    def _invitation(
        engagement: Engagement, retro: Retro, facilitator: Participant | None
    ) -> tuple[Any, ...]:
        """What a member is asked, by invitation and again by reminder."""
        return (
            rich(
                texts.RETRO_INVITATION,
                facilitator=_name(facilitator),
                a_kind=texts.RETRO_A_KIND[retro.kind],
                engagement=engagement.name,
                customer=engagement.customer,
            ),
            rich(
                texts.RETRO_INVITATION_ANONYMOUS
                if retro.anonymous
                else texts.RETRO_INVITATION_NAMED
            ),
            rich(texts.RETRO_INVITATION_HOW_LONG),
        )

    def _nudge(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        """Remind privately, with the invitation again, whoever else has not sent their
        items. An anonymous retro reminds everyone "if you haven't yet": its facilitator
        is not told who has taken part."""
        from assistant.service import START  # service imports this module

        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status != "collecting":
            return [
                say(
                    texts.RETRO_NUDGE_NOT_COLLECTING,
                    engagement=engagement.name,
                    status=texts.RETRO_STATUS[retro.status],
                )
            ]
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        names: list[str] = []
        messages: list[Outbound] = []
        for member, person_row in repo.retro_members(session, retro.id):
            run = repo.get_run(session, member.run_id) if member.run_id is not None else None
            if run is None or member.participant_id == here.who.id:
                continue  # not invited yet; or the one asking, who knows
            open_run = run.status in ("active", "paused")
            if not (open_run or retro.anonymous):
                continue  # sent theirs, or stopped: nothing to remind them of
            reminder = rich(
                texts.RETRO_REMINDER_ANONYMOUS if retro.anonymous else texts.RETRO_REMINDER,
                facilitator=_name(facilitator),
                engagement=engagement.name,
            )
            blocks: list[Any] = [reminder, *self._invitation(engagement, retro, facilitator)]
            if open_run:
                started = bool(run.state.get("asked"))
                blocks.append(
                    Question(
                        prompt_key=f"{START}:{run.id}",
                        text=texts.START_WHEN_READY,
                        input="choice",
                        options=(
                            Option(
                                value="start",
                                label=texts.RESUME_NOW if started else texts.START_NOW,
                            ),
                            Option(value="later", label=texts.START_LATER),
                        ),
                    )
                )
            to = self.service.reach(
                session, self.service.person_of(person_row), self.channel(retro)
            )
            messages.append(
                self._mark(
                    retro,
                    Outbound(
                        blocks=tuple(blocks),
                        to=to,
                        tag=f"notify:{facilitator.id if facilitator else retro.started_by_id}",
                    ),
                )
            )
            names.append(_name(person_row))
        if not names:
            return [say(texts.RETRO_NOBODY_TO_NUDGE, engagement=engagement.name)]
        people = texts.plural(len(names), "person", "people")
        if retro.anonymous:
            answer = say(texts.RETRO_NUDGED_ANONYMOUS, engagement=engagement.name, people=people)
        elif here.inbound.conversation.is_personal:
            answer = say(texts.RETRO_NUDGED, engagement=engagement.name, names=_names(names))
        else:
            # In the channel, who has not sent theirs is nobody else's business: a count.
            answer = say(texts.RETRO_NUDGED_COUNT, engagement=engagement.name, people=people)
        return [answer, *messages]

    def _dialog(self) -> Dialog:
        """The dialog that asks a member for items: the one whose completion keeps them."""
        return next(d for d in self.service.catalog.dialogs.values() if d.on_complete == COLLECT)

    # -- where it is posted -------------------------------------------------------------

    @staticmethod
    def channel(retro: Retro) -> ConversationRef:
        return ConversationRef.model_validate(retro.conversation)

    def _post(self, retro: Retro, *blocks: Any, only_for: str | None = None) -> Outbound:
        """A message in the retro's channel (internal when the retro is)."""
        return Outbound(
            blocks=tuple(blocks),
            to=self.channel(retro),
            internal=retro.kind == "internal",
            only_for=only_for,
        )

    @staticmethod
    def _mark(retro: Retro, message: Outbound) -> Outbound:
        if retro.kind != "internal" or message.internal:
            return message
        return message.model_copy(update={"internal": True})

    def _facilitates(self, session: Session, here: Here, retro: Retro) -> None:
        """Refused unless the person facilitates (or started) the retro, or owns the
        engagement."""
        if here.who.id in (retro.facilitator_id, retro.started_by_id):
            return
        engagement = repo.engagement(session, retro.engagement_id)
        if (
            engagement is not None
            and self.service.role(session, engagement, here.who.id) == "owner"
        ):
            return
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        raise CommandRefused(say(texts.RETRO_ONLY_FACILITATOR, facilitator=_name(facilitator)))

    # -- end-of-project: who facilitates ----------------------------------------------------

    def _facilitator(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        text = re.sub(r"^(?:by|is)\s+", "", text.strip(), flags=re.I)
        people = self._people_named(session, here, text)
        if not people:
            return [say(texts.RETRO_WHICH_FACILITATOR)]
        person = people[0]
        who = self.service.participant_of(session, person)
        retro.facilitator_id = who.id
        self.service.interviews.participates(session, engagement, who.id, here.who.id)
        row = repo.participant(session, who.id)
        name = _name(row) if row else (person.name or person.user_id)
        messages = [
            self._post(
                retro,
                rich(texts.RETRO_FACILITATOR_SET, name=name, engagement=engagement.name),
            )
        ]
        if self._is_pm(session, engagement, who.id):
            warning = rich(texts.RETRO_PM_WARNING, name=name, engagement=engagement.name)
            if retro.status != "choosing":
                return [*messages, self._post(retro, warning)]
            return [*messages, self._post(retro, warning, rich(texts.RETRO_GO_AHEAD, name=name))]
        if retro.status == "choosing":
            messages += self._begin(session, here, engagement, retro)
        return messages

    def _go_ahead(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        """An end-of-project retro goes ahead with the facilitator chosen despite the
        warning."""
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status != "choosing" or retro.facilitator_id is None:
            return [say(texts.RETRO_WHICH_FACILITATOR)]
        return self._begin(session, here, engagement, retro)

    def _is_pm(self, session: Session, engagement: Engagement, participant_id: int) -> bool:
        """The project's own PM: whoever owns the engagement (it has no PM field)."""
        return self.service.role(session, engagement, participant_id) == "owner"

    # -- review of the last retro's open actions --------------------------------------------

    def _review_messages(
        self, session: Session, engagement: Engagement, retro: Retro
    ) -> list[Outbound]:
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        messages = [
            self._post(
                retro,
                rich(
                    texts.RETRO_REVIEW_FIRST,
                    engagement=engagement.name,
                    kind=texts.RETRO_KINDS[retro.kind],
                    facilitator=_name(facilitator),
                ),
            )
        ]
        for number, action in enumerate(repo.open_actions(session, engagement.id, retro.kind), 1):
            owner = repo.participant(session, action.owner_id)
            messages.append(
                self._post(
                    retro,
                    Question(
                        prompt_key=f"{PREFIX}:{retro.id}:review:{action.id}",
                        text=(
                            f"{number}. {action.text} — {_name(owner)}, due {_due(action.due_date)}"
                        ),
                        input="choice",
                        options=tuple(
                            Option(value=f"{value}-{number}", label=label)
                            for value, label in texts.RETRO_REVIEW_CHOICES.items()
                        ),
                    ),
                )
            )
        return messages

    def _review_typed(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        words = text.lower().split()
        open_ = repo.open_actions(session, engagement.id, retro.kind)
        if retro.status != "reviewing" or not open_:
            return [say(texts.RETRO_NOTHING_TO_REVIEW)]
        decision = next((w for w in words if w in ("done", "carry", "drop", "dropped")), None)
        number = next((int(w.lstrip("#")) for w in words if w.lstrip("#").isdigit()), None)
        if decision is None or number is None:
            return [say(texts.RETRO_REVIEW_LEFT, count=len(open_))]
        return self._decide(session, here, engagement, retro, number, decision.removesuffix("ped"))

    def _decide(
        self,
        session: Session,
        here: Here,
        engagement: Engagement,
        retro: Retro,
        number: int,
        decision: str,
    ) -> list[Outbound]:
        self._facilitates(session, here, retro)
        # Numbered as first listed: those decided since keep their numbers.
        listed = repo.actions_reviewed_in(session, retro)
        action = listed[number - 1] if 1 <= number <= len(listed) else None
        if action is None or action.status != "open":
            numbers = ", ".join(str(i) for i, a in enumerate(listed, 1) if a.status == "open")
            return [say(texts.RETRO_REVIEW_UNKNOWN, number=number, numbers=numbers or "—")]
        now = self._now()
        action.status = {"done": "done", "carry": "carried", "drop": "dropped"}[decision]
        action.decided_by_id = here.who.id
        action.decided_at = now
        if decision == "carry":
            repo.add_retro_action(
                session,
                RetroAction(
                    retro_id=retro.id,
                    engagement_id=engagement.id,
                    item_id=None,
                    carried_from_id=action.id,
                    text=action.text,
                    owner_id=action.owner_id,
                    due_date=action.due_date,
                    status="carried_pending",
                    created_by_id=here.who.id,
                    created_at=now,
                ),
            )
        session.flush()
        messages = [
            self._post(
                retro,
                rich(
                    texts.RETRO_REVIEWED,
                    text=action.text,
                    decision=texts.RETRO_REVIEW_CHOICES[decision],
                    who=here.who.display_name or here.person.user_id,
                ),
            )
        ]
        left = repo.open_actions(session, engagement.id, retro.kind)
        if left:
            messages.append(self._post(retro, rich(texts.RETRO_REVIEW_LEFT, count=len(left))))
            return messages
        self._open_carried(session, retro)
        return messages + self._invite(session, here, engagement, retro)

    @staticmethod
    def _open_carried(session: Session, retro: Retro) -> None:
        """Actions carried over into this retro are open again, once the review is done
        (or the retro ends before it is)."""
        for carried in repo.retro_actions(session, retro.id):
            if carried.status == "carried_pending":
                carried.status = "open"

    # -- buttons ------------------------------------------------------------------------

    def on_action(self, session: Session, here: Here) -> list[Outbound]:
        """A click on a retro's button: a vote, or a review decision."""
        action = here.inbound.action
        assert action is not None
        parts = [*action.prompt_key.split(":"), "", ""]
        retro = (
            repo.get_retro(session, int(parts[1]), lock=True)
            if parts[1:2] and parts[1].isdigit()
            else None
        )
        value = action.values[0] if action.values else ""
        engagement = repo.engagement(session, retro.engagement_id) if retro else None
        if retro is None or engagement is None or engagement.tenant != here.tenant:
            return [say(texts.ENDED_ACTION)]
        try:
            if parts[2] == "vote":
                number = value.removeprefix("item-")
                if not number.isdigit():
                    return [say(texts.ENDED_ACTION)]
                messages = self._toggle_vote(session, here, retro, int(number))
            elif parts[2] == "review":
                decision, _, number = value.partition("-")
                if retro.status != "reviewing" or not number.isdigit():
                    return [self._private(here, say(texts.RETRO_NOTHING_TO_REVIEW))]
                messages = self._decide(session, here, engagement, retro, int(number), decision)
            else:
                return [say(texts.ENDED_ACTION)]
            return self._internal_if(session, engagement, messages)
        except CommandRefused as refused:
            return [self._mark(retro, self._private(here, refused.message))]

    # -- collection ---------------------------------------------------------------------

    def on_ended(self, session: Session, run: RunRow) -> list[Outbound]:
        """A member finished their items: when everyone has, the facilitator is told."""
        member = repo.retro_member_of_run(session, run.id)
        if member is None:
            return []
        retro = repo.get_retro(session, member.retro_id)
        engagement = repo.engagement(session, retro.engagement_id) if retro else None
        if retro is None or engagement is None or retro.status != "collecting":
            return []
        members = repo.retro_members(session, retro.id)
        if not all(m.status == "done" for m, _p in members):
            return []
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        if facilitator is None:
            return []
        to = self.service.reach(session, self.service.person_of(facilitator), self.channel(retro))
        notice = say(texts.RETRO_EVERYONE_IN, engagement=engagement.name, count=len(members))
        return [self._mark(retro, notice.model_copy(update={"to": to}))]

    def _status(self, session: Session, engagement: Engagement) -> Outbound:
        retro = self._current_or_refuse(session, engagement)
        members = repo.retro_members(session, retro.id)
        done = sum(1 for m, _p in members if m.status == "done")
        return self._post(
            retro,
            rich(texts.RETRO_PROGRESS, done=done, total=len(members), engagement=engagement.name),
            rich(texts.RETRO_STATUS[retro.status].capitalize() + "."),
        ).model_copy(update={"to": None})

    def _close_collection(
        self, session: Session, here: Here, engagement: Engagement
    ) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status != "collecting":
            return [say(texts.RETRO_NOT_COLLECTING, status=texts.RETRO_STATUS[retro.status])]
        messages = self._harvest(session, engagement, retro)
        pool = list(retro.pool or [])
        number = 0
        for question in QUESTIONS:
            for entry in pool:
                if entry["question"] != question:
                    continue
                number += 1
                at = entry.get("at")
                repo.add_retro_item(
                    session,
                    RetroItem(
                        retro_id=retro.id,
                        question=question,
                        number=number,
                        text=entry["text"],
                        author_id=entry.get("author"),
                        created_at=datetime.fromisoformat(at) if at else None,
                    ),
                )
        retro.pool = []
        session.flush()
        items = repo.retro_items(session, retro.id)
        if not items:
            retro.status = "actions"
            return [self._post(retro, rich(texts.RETRO_NO_ITEMS)), *messages]
        retro.status = "voting"
        return [*self._item_messages(session, engagement, retro, items), *messages]

    def _harvest(self, session: Session, engagement: Engagement, retro: Retro) -> list[Outbound]:
        """Members who have not finished: what they wrote so far is included, their run
        ends, and they are told."""
        dialog = self._dialog()
        messages: list[Outbound] = []
        for member, person in repo.retro_members(session, retro.id):
            if member.status == "done" or member.run_id is None:
                continue
            run = repo.get_run(session, member.run_id)
            member.status = CLOSED
            if run is None or run.status == "completed":
                continue
            if run.status == "cancelled":
                # They stopped: nothing of theirs is posted, and an anonymous retro
                # keeps nothing of it either.
                if retro.anonymous:
                    self._forget_run(session, run, person)
                continue
            state = DialogState.model_validate(run.state)
            answers = engine.grouped(dialog, engine.applicable_answers(dialog, state.answers))
            pool_items(retro, member, answers, now=self._now())
            if retro.anonymous:
                self._forget_run(session, run, person)
            else:
                repo.save_run(
                    session,
                    RunRow.of(run),
                    state_json=state.model_copy(update={"status": "cancelled"}).model_dump_json(),
                    current_step=None,
                    status="cancelled",
                    now=self._now(),
                )
            if state.asked:
                to = ConversationRef.model_validate(run.conversation)
                notice = say(texts.RETRO_COLLECTION_CLOSED, engagement=engagement.name)
                messages.append(self._mark(retro, notice.model_copy(update={"to": to})))
        return messages

    def _forget_run(self, session: Session, run: DialogRun, person: Participant) -> None:
        """An anonymous retro's run ends knowing nothing of what was said in it."""
        state = DialogState.model_validate(run.state)
        forgotten = state.model_copy(update={"answers": {}, "revisit": None, "status": "cancelled"})
        repo.save_run(
            session,
            RunRow.of(run),
            state_json=forgotten.model_dump_json(),
            current_step=None,
            status="cancelled",
            now=self._now(),
        )
        self.service.forget(session, run.id, person, since=run.started_at)

    def _item_messages(
        self, session: Session, engagement: Engagement, retro: Retro, items: list[RetroItem] | Any
    ) -> list[Outbound]:
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        messages = [
            self._post(
                retro,
                Heading(text=texts.RETRO_ITEMS_TITLE.format(engagement=engagement.name)),
                rich(texts.RETRO_VOTE_HOW, votes=retro.votes_each, facilitator=_name(facilitator)),
            )
        ]
        for question in QUESTIONS:
            mine = [i for i in items if i.question == question]
            if not mine:
                continue
            title = texts.RETRO_QUESTIONS[question]
            messages.append(
                self._post(
                    retro,
                    Heading(text=title),
                    BulletList(
                        items=tuple(
                            (Span(text=f"#{i.number} ", style="bold"), Span(text=i.text))
                            for i in mine
                        )
                    ),
                    Question(
                        prompt_key=f"{PREFIX}:{retro.id}:vote:{question}",
                        text=texts.RETRO_VOTE_PROMPT.format(title=title),
                        input="choice",
                        options=tuple(
                            Option(value=f"item-{i.number}", label=f"#{i.number} {i.text}"[:75])
                            for i in mine
                        ),
                    ),
                )
            )
        return messages

    # -- voting ---------------------------------------------------------------------------

    def _voter(self, session: Session, here: Here, retro: Retro) -> None:
        members = {p.id for _m, p in repo.retro_members(session, retro.id)}
        if here.who.id not in members | {retro.facilitator_id}:
            raise CommandRefused(say(texts.RETRO_ONLY_MEMBERS))
        if retro.status != "voting":
            raise CommandRefused(
                say(texts.RETRO_NOT_VOTING, status=texts.RETRO_STATUS[retro.status])
            )

    def _toggle_vote(
        self, session: Session, here: Here, retro: Retro, number: int
    ) -> list[Outbound]:
        self._voter(session, here, retro)
        items = {i.number: i for i in repo.retro_items(session, retro.id)}
        item = items.get(number)
        if item is None:  # its button was posted before it was merged into another
            return [self._private(here, say(texts.RETRO_ITEM_MERGED, number=f"#{number}"))]
        mine = [v for v in repo.retro_votes(session, retro.id) if v.participant_id == here.who.id]
        voted = next((v for v in mine if v.item_id == item.id), None)
        if voted is not None:
            repo.remove_vote(session, voted)
        elif len(mine) >= retro.votes_each:
            return [self._private(here, say(texts.RETRO_TOO_MANY_VOTES, votes=retro.votes_each))]
        else:
            repo.add_vote(
                session,
                RetroVote(
                    retro_id=retro.id,
                    item_id=item.id,
                    participant_id=here.who.id,
                    created_at=self._now(),
                ),
            )
        return [self._private(here, self._your_votes(session, here, retro))]

    def _vote_numbers(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._voter(session, here, retro)
        numbers = list(dict.fromkeys(int(n) for n in _NUMBERS.findall(text)))
        if not numbers:
            return [self._your_votes(session, here, retro)]
        if len(numbers) > retro.votes_each:
            return [say(texts.RETRO_TOO_MANY_NUMBERS, count=len(numbers), votes=retro.votes_each)]
        items = {i.number: i for i in repo.retro_items(session, retro.id)}
        unknown = [n for n in numbers if n not in items]
        if unknown:
            return [
                say(
                    texts.RETRO_NO_SUCH_ITEMS,
                    numbers=", ".join(f"#{n}" for n in unknown),
                    last=max(items, default=0),
                )
            ]
        for vote in repo.retro_votes(session, retro.id):
            if vote.participant_id == here.who.id:
                repo.remove_vote(session, vote)
        for number in numbers:
            repo.add_vote(
                session,
                RetroVote(
                    retro_id=retro.id,
                    item_id=items[number].id,
                    participant_id=here.who.id,
                    created_at=self._now(),
                ),
            )
        return [self._private(here, self._your_votes(session, here, retro))]

    def _merge(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        """Duplicates folded into the first item named, while people vote: it keeps its
        number, its text names theirs, and their votes count for it (once a person)."""
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status == "actions":
            return [say(texts.RETRO_MERGE_TOO_LATE)]
        if retro.status != "voting":
            return [say(texts.RETRO_MERGE_NOT_YET, status=texts.RETRO_STATUS[retro.status])]
        numbers = list(dict.fromkeys(int(n) for n in _NUMBERS.findall(text)))
        if len(numbers) < 2:
            return [say(texts.RETRO_MERGE_USAGE)]
        items = {i.number: i for i in repo.retro_items(session, retro.id)}
        unknown = [n for n in numbers if n not in items]
        if unknown:
            return [
                say(
                    texts.RETRO_NO_SUCH_ITEMS,
                    numbers=", ".join(f"#{n}" for n in unknown),
                    last=max(items, default=0),
                )
            ]
        keep, *merged = (items[n] for n in numbers)
        questions = dict.fromkeys(texts.RETRO_QUESTIONS[items[n].question] for n in numbers)
        if len(questions) > 1:
            return [
                say(
                    texts.RETRO_MERGE_QUESTIONS,
                    numbers=_names([f"#{n}" for n in numbers]),
                    questions=_names(list(questions)),
                )
            ]
        keep.text = _merged_text(keep.text, [i.text for i in merged])
        repo.merge_retro_items(session, keep, merged)
        return [
            self._post(
                retro,
                rich(
                    texts.RETRO_MERGED,
                    who=_name(repo.participant(session, here.who.id)),
                    merged=_names([f"#{i.number}" for i in merged]),
                    number=f"#{keep.number}",
                    text=keep.text,
                ),
            )
        ]

    def _your_votes(self, session: Session, here: Here, retro: Retro) -> Outbound:
        by_id = {i.id: i for i in repo.retro_items(session, retro.id)}
        mine = sorted(
            by_id[v.item_id].number
            for v in repo.retro_votes(session, retro.id)
            if v.participant_id == here.who.id
        )
        if not mine:
            return say(texts.RETRO_NO_VOTES_YET, votes=retro.votes_each)
        numbered = {i.number: i for i in by_id.values()}
        return say(
            texts.RETRO_YOUR_VOTES,
            used=len(mine),
            votes=retro.votes_each,
            items=", ".join(f"#{n} {numbered[n].text}" for n in mine),
        )

    @staticmethod
    def _private(here: Here, message: Outbound) -> Outbound:
        return message.model_copy(update={"only_for": here.person.user_id})

    def ranked(self, session: Session, retro: Retro) -> list[tuple[RetroItem, int]]:
        """The items with their votes, most first (then in the order they were posted)."""
        counts: dict[int, int] = {}
        for vote in repo.retro_votes(session, retro.id):
            counts[vote.item_id] = counts.get(vote.item_id, 0) + 1
        items = repo.retro_items(session, retro.id)
        return sorted(((i, counts.get(i.id, 0)) for i in items), key=lambda p: (-p[1], p[0].number))

    def _close_voting(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status != "voting":
            return [say(texts.RETRO_NOT_VOTING, status=texts.RETRO_STATUS[retro.status])]
        retro.status = "actions"
        lines = tuple(
            (
                Span(text=f"{texts.plural(count, 'vote')} — ", style="bold"),
                Span(text=f"#{item.number} "),
                Span(text=item.text),
                Span(text=f" ({texts.RETRO_QUESTIONS[item.question]})", style="italic"),
            )
            for item, count in self.ranked(session, retro)
        )
        return [
            self._post(
                retro,
                Heading(text=texts.RETRO_RESULT_TITLE.format(engagement=engagement.name)),
                BulletList(items=lines),
                rich(texts.RETRO_ACTIONS_HOW),
            )
        ]

    # -- actions ------------------------------------------------------------------------

    def _action(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        if retro.status not in ("actions", "voting"):
            return [say(texts.RETRO_NOT_ACTIONS, status=texts.RETRO_STATUS[retro.status])]
        text = text.strip()
        item = None
        leading = re.match(r"^#?(\d+)\b\s*", text)
        items = {i.number: i for i in repo.retro_items(session, retro.id)}
        if leading:
            item = items.get(int(leading.group(1)))
            if item is None:
                return [
                    say(
                        texts.RETRO_ACTION_NO_ITEM,
                        number=leading.group(1),
                        last=max(items, default=0),
                    )
                ]
            text = text[leading.end() :]
        due_match = _DUE.search(text)
        if due_match is None:
            return [say(texts.RETRO_ACTION_NO_DUE)]
        try:
            due = parsing.parse_date(due_match["due"], today=self.service.today(here.person))
        except parsing.ParseError as error:
            return [say(texts.RETRO_ACTION_BAD_DUE, problem=error.message)]
        text = text[: due_match.start()]
        owner, text = self._owner(session, here, text)
        if owner is None:
            return [say(texts.RETRO_ACTION_NO_OWNER)]
        what = " ".join(text.split()).strip(" :-—") or (item.text if item else "")
        if not what:
            return [say(texts.RETRO_ACTION_USAGE)]
        who = self.service.participant_of(session, owner)
        self.service.interviews.participates(session, engagement, who.id, here.who.id)
        repo.add_retro_action(
            session,
            RetroAction(
                retro_id=retro.id,
                engagement_id=engagement.id,
                item_id=item.id if item else None,
                text=what[:1000],
                owner_id=who.id,
                due_date=due,
                status="open",
                created_by_id=here.who.id,
                created_at=self._now(),
            ),
        )
        owner_name = who.display_name or owner.name or owner.user_id
        notice = Outbound(
            blocks=(
                rich(
                    texts.RETRO_ACTION_NOTICE,
                    engagement=engagement.name,
                    text=what,
                    due=_due(due),
                ),
            ),
            to=self.service.reach(session, owner, self.channel(retro)),
            tag=f"notify:{here.who.id}",
            internal=retro.kind == "internal",
        )
        added = self._post(
            retro, rich(texts.RETRO_ACTION_ADDED, text=what, owner=owner_name, due=_due(due))
        )
        return [added, notice]

    def _owner(self, session: Session, here: Here, text: str) -> tuple[Person | None, str]:
        """Who owns an action (the first @-mention, or an @name in the terminal), and
        the text without them."""
        if here.inbound.mentions:
            person = here.inbound.mentions[0]
            for label in (person.name, person.user_id):
                if label:
                    text = text.replace(f"@{label}", " ")
            return person, text
        found = list(_MENTION.finditer(text))
        if not found:
            return None, text
        last = found[-1]
        people = self._people_named(session, here, last["name"])
        if not people:
            return None, text
        return people[0], text[: last.start()] + " " + text[last.end() :]

    # -- finishing and the recap -------------------------------------------------------------

    def _finish(self, session: Session, here: Here, engagement: Engagement) -> list[Outbound]:
        retro = self._current_or_refuse(session, engagement)
        self._facilitates(session, here, retro)
        messages = self._harvest(session, engagement, retro) if retro.status == "collecting" else []
        self._open_carried(session, retro)
        retro.status = CLOSED
        retro.closed_at = self._now()
        recap = self.recap_message(session, engagement, retro)
        return [
            self._post(retro, rich(texts.RETRO_FINISHED, engagement=engagement.name)),
            recap.model_copy(update={"to": self.channel(retro)}),
            *messages,
        ]

    def recap_blocks(self, session: Session, engagement: Engagement, retro: Retro) -> list[Any]:
        """What a retrospective came to: what went well, what to improve, what to try,
        and the actions with their owners."""
        ranked = self.ranked(session, retro)
        facilitator = repo.participant(session, retro.facilitator_id or retro.started_by_id)
        members = repo.retro_members(session, retro.id)

        def items(question: str) -> BulletList | Any:
            lines = tuple(
                (
                    Span(text=item.text),
                    Span(
                        text=texts.RETRO_RECAP_VOTES.format(votes=texts.plural(count, "vote"))
                        if count
                        else ""
                    ),
                )
                for item, count in ranked
                if item.question == question
            )
            return BulletList(items=lines) if lines else rich(texts.RETRO_RECAP_NONE)

        actions = []
        for action in repo.retro_actions(session, retro.id):
            if action.status == "carried_pending":
                continue
            owner = repo.participant(session, action.owner_id)
            status = "" if action.status == "open" else f" [{action.status}]"
            actions.append(
                (
                    Span(text=action.text, style="bold"),
                    Span(text=f" — {_name(owner)}, due {_due(action.due_date)}{status}"),
                )
            )
        return [
            Heading(
                text=texts.RETRO_RECAP_TITLE.format(
                    kind=texts.RETRO_KINDS[retro.kind],
                    engagement=engagement.name,
                    when=retro.created_at.strftime("%d %b %Y"),
                )
            ),
            rich(
                texts.RETRO_RECAP_FACILITATED,
                facilitator=_name(facilitator),
                # Who sent their items, of those asked: not everyone asked took part.
                done=sum(1 for m, _person in members if m.status == "done"),
                asked=len(members),
            ),
            Heading(text=texts.RETRO_RECAP_WELL),
            items("went_well"),
            Heading(text=texts.RETRO_RECAP_IMPROVE),
            items("not_well"),
            Heading(text=texts.RETRO_RECAP_TRY),
            items("try_next"),
            Heading(text=texts.RETRO_RECAP_ACTIONS),
            BulletList(items=tuple(actions)) if actions else rich(texts.RETRO_RECAP_NONE),
        ]

    def recap_markdown(self, session: Session, engagement: Engagement, retro: Retro) -> str:
        return to_markdown(self.recap_blocks(session, engagement, retro))

    def recap_message(
        self, session: Session, engagement: Engagement, retro: Retro | None = None
    ) -> Outbound:
        """The recap of a retrospective (the latest, when none is given), with the same
        as a Markdown file to keep."""
        if retro is None:
            found = repo.retros_of(session, engagement.id)
            if not found:
                return say(texts.RETRO_NO_RECAP, engagement=engagement.name)
            retro = found[-1]
        blocks = self.recap_blocks(session, engagement, retro)
        markdown = to_markdown(blocks)
        attachment = File(
            filename=f"{engagement.slug}-retro-{retro.created_at:%Y-%m-%d}.md",
            title=texts.RETRO_RECAP_TITLE.format(
                kind=texts.RETRO_KINDS[retro.kind],
                engagement=engagement.name,
                when=retro.created_at.strftime("%d %b %Y"),
            ),
            content=markdown.encode("utf-8"),
        )
        return Outbound(blocks=(*blocks, attachment), internal=retro.kind == "internal")

    def _open_actions(self, session: Session, engagement: Engagement) -> Outbound:
        actions = repo.open_actions(session, engagement.id)
        if not actions:
            return say(texts.RETRO_NO_OPEN_ACTIONS, engagement=engagement.name)
        lines = []
        for action in actions:
            owner = repo.participant(session, action.owner_id)
            lines.append(
                (
                    Span(text=action.text, style="bold"),
                    Span(text=f" — {_name(owner)}, due {_due(action.due_date)}"),
                )
            )
        internal = any(
            (r := repo.get_retro(session, a.retro_id)) is not None and r.kind == "internal"
            for a in actions
        )
        return Outbound(
            blocks=(
                Heading(text=texts.RETRO_OPEN_ACTIONS_TITLE.format(engagement=engagement.name)),
                BulletList(items=tuple(lines)),
            ),
            internal=internal,
        )
