"""Discovery interviews: an SA invites people, each answers in their own DM at their own
pace, and the SA follows progress, nudges and is told when everyone has finished.

The commands (``interview``, ``preread``, ``status``, ``nudge``, ``withdraw``,
``answers``) act on an engagement (:meth:`TurnService.engagement_for`). Invitations
are rows (:class:`storage.models.Invitation`); each one's run is started for the
person with :meth:`TurnService.start_for` and waits for their Start button.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from assistant import assessments, engine, texts
from assistant.commands import Command, CommandRefused
from assistant.definitions import Dialog, GroupStep
from assistant.engine import DialogState, StoredAnswer
from assistant.events import (
    BulletList,
    ConversationRef,
    Field_,
    Fields,
    Heading,
    Outbound,
    Person,
    Span,
)
from assistant.markup import rich
from storage import repositories as repo
from storage.models import DialogRun, Engagement, Invitation, Participant
from storage.repositories import RunRow

if TYPE_CHECKING:
    from assistant.service import Here, TurnService, Who

MAX_NUDGES = 2
OPEN = ("invited", "started")
_FOR = re.compile(r"^(?P<rest>.*?)\s+for\s+(?P<engagement>.+)$", re.I | re.S)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\s)\s*", re.I)
NUDGE_HOUR = 9  # a nudge postponed past a weekend arrives at 09:00 on Monday, their time


def split_for(argument: str) -> tuple[str, str | None]:
    """``"idea-to-production @dana for Acme VSA"`` -> the rest and the engagement named."""
    found = _FOR.match(argument.strip())
    if found is None:
        return argument.strip(), None
    return found["rest"].strip(), found["engagement"].strip()


class Interviews:
    def __init__(self, service: TurnService, *, nudge_after_hours: float = 24) -> None:
        self.service = service
        self.nudge_after = timedelta(hours=nudge_after_hours)

    @property
    def catalog(self) -> Any:
        return self.service.catalog

    def _now(self) -> datetime:
        return self.service.clock.now()

    # -- commands -----------------------------------------------------------------

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        rest, named = split_for(argument)
        engagement = self.service.engagement_for(session, here, named, command)
        role = self.service.check_role(session, here, engagement, command)
        match command.name:
            case "interview":
                return self._invite(session, here, engagement, rest)
            case "preread":
                return self._preread(session, here, engagement, rest)
            case "nudge":
                return self._nudge_command(session, here, engagement, rest)
            case "withdraw":
                return self._withdraw(session, here, engagement, rest)
            case "answers":
                return self._answers(session, here, engagement, rest, role)
        raise ValueError(f"no handler for command {command.name!r}")

    def _workflow(self, text: str) -> tuple[Dialog | None, str]:
        """The interview named at the start of ``text`` (one to four words), and the rest."""
        words = text.split()
        for count in range(min(4, len(words)), 0, -1):
            dialog = self.catalog.by_invitation_word(" ".join(words[:count]))
            if dialog is not None:
                return dialog, " ".join(words[count:])
        return None, text

    def _workflow_names(self) -> str:
        return ", ".join(_word(d) for d in self.catalog.interviews())

    def people(self, session: Session, here: Here, text: str) -> tuple[list[Person], list[str]]:
        """The people a command names: its @mentions (Slack, Teams), or names of people
        in the workspace (the terminal chat, where there is nothing to mention).
        Returns them and the names that matched nobody."""
        mentioned = list(here.inbound.mentions)
        if mentioned:
            return mentioned, []
        names = [n.lstrip("@") for n in _NAME_SPLIT.split(text) if n.strip(" @")]
        people: list[Person] = []
        unknown: list[str] = []
        for name in names:
            found = repo.participants_by_name(
                session, here.person.platform, here.person.workspace, name
            )
            if len(found) == 1:
                people.append(self.service.person_of(found[0]))
            elif here.person.platform == "console":
                # The terminal chat names people; a new name is a new person.
                people.append(
                    Person(
                        platform="console", workspace=here.person.workspace, user_id=name, name=name
                    )
                )
            else:
                unknown.append(name)
        return people, unknown

    def _workflow_and_people(
        self, session: Session, here: Here, text: str, nobody: str
    ) -> tuple[Dialog, list[Person]]:
        """The interview and the people a command names; refused, saying what is
        missing, when it names no interview, nobody, or someone unknown."""
        dialog, rest = self._workflow(text)
        if dialog is None:
            raise CommandRefused(say(texts.WHICH_WORKFLOW, workflows=self._workflow_names()))
        people, unknown = self.people(session, here, rest)
        if unknown:
            raise CommandRefused(say(texts.WHO_IS, names=", ".join(unknown[:5])))
        if not people:
            raise CommandRefused(say(nobody, workflow=_word(dialog)))
        return dialog, people

    def participates(
        self, session: Session, engagement: Engagement, participant_id: int, added_by_id: int
    ) -> None:
        """The person takes part in the engagement (a role they hold already is kept)."""
        repo.add_member(
            session,
            engagement_id=engagement.id,
            participant_id=participant_id,
            role="participant",
            added_by_id=added_by_id,
            now=self._now(),
        )

    def _invite(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        dialog, people = self._workflow_and_people(session, here, text, texts.WHOM_TO_INVITE)
        invited, already, messages = self.invite(
            session,
            inviter=here.who,
            inviter_name=here.who.display_name or here.person.user_id,
            via=here.inbound.conversation,
            engagement=engagement,
            dialog=dialog,
            people=people,
        )
        return self.invited_lines(engagement, dialog, invited, already) + messages

    def invite(
        self,
        session: Session,
        *,
        inviter: Who,
        inviter_name: str,
        via: ConversationRef,
        engagement: Engagement,
        dialog: Dialog,
        people: list[Person],
    ) -> tuple[list[str], list[str], list[Outbound]]:
        """Invite people to an interview for an engagement: each gets the invitation in
        their DM, with a Start button. Returns the names invited, the names invited
        before (with their state), and the invitations to deliver."""
        invited, already = [], []
        messages: list[Outbound] = []
        for person in dict.fromkeys(people):
            who = self.service.participant_of(session, person)
            open_ = [
                i
                for i, _p, _r in repo.invitations(
                    session, engagement.id, dialog_id=dialog.id, participant_id=who.id
                )
                if i.status in (*OPEN, "completed")
            ]
            name = who.display_name or person.name or person.user_id
            if open_:
                already.append(f"{name} ({texts.INVITATION_STATES[open_[0].status]})")
                continue
            self.participates(session, engagement, who.id, inviter.id)
            invitation = repo.add_invitation(
                session,
                Invitation(
                    engagement_id=engagement.id,
                    dialog_id=dialog.id,
                    participant_id=who.id,
                    invited_by_id=inviter.id,
                    status="invited",
                    nudges=0,
                    next_nudge_at=self._now() + self.nudge_after,
                    created_at=self._now(),
                    updated_at=self._now(),
                ),
            )
            to = self.service.reach(session, person, via)
            assert dialog.invitation is not None
            card = Outbound(
                blocks=(
                    rich(
                        texts.INVITATION,
                        inviter=inviter_name,
                        engagement=engagement.name,
                        customer=engagement.customer,
                        title=dialog.title,
                    ),
                    rich(texts.INVITATION_WHY, why=dialog.invitation.why),
                    rich(texts.INVITATION_HOW_LONG, minutes=dialog.invitation.minutes),
                    rich(texts.INVITATION_WHO_SEES, visibility=dialog.invitation.visibility),
                ),
                tag=f"invitation:{invitation.id}",
            )
            run, first = self.service.start_for(
                session,
                dialog=dialog,
                who=who,
                person=person,
                to=to,
                engagement_id=engagement.id,
                context={"invitation_id": invitation.id, "invited_by": inviter.id},
                invitation=card,
            )
            invitation.run_id = run.id
            messages += first
            invited.append(name)
        return invited, already, messages

    @staticmethod
    def invited_lines(
        engagement: Engagement, dialog: Dialog, invited: list[str], already: list[str]
    ) -> list[Outbound]:
        """What the inviter is told: who was invited, who had been already."""
        lines = []
        if invited:
            lines.append(
                say(
                    texts.INVITED,
                    names=_names(invited),
                    title=dialog.title,
                    engagement=engagement.name,
                )
            )
        if already:
            lines.append(say(texts.ALREADY_INVITED, names=_names(already), title=dialog.title))
        return lines

    def _preread(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        dialog, people = self._workflow_and_people(session, here, text, texts.WHOM_TO_SEND)
        sender = here.who.display_name or here.person.user_id
        questions = question_list(dialog)
        messages: list[Outbound] = []
        names = []
        for person in dict.fromkeys(people):
            who = self.service.participant_of(session, person)
            self.participates(session, engagement, who.id, here.who.id)
            names.append(who.display_name or person.name or person.user_id)
            messages.append(
                Outbound(
                    blocks=(
                        Heading(text=texts.PREREAD_TITLE.format(title=dialog.title)),
                        rich(
                            texts.PREREAD_INTRO,
                            sender=sender,
                            engagement=engagement.name,
                            title=dialog.title,
                        ),
                        *questions,
                    ),
                    to=self.service.reach(session, person, here.inbound.conversation),
                    tag=f"notify:{here.who.id}",
                )
            )
        return [say(texts.PREREAD_SENT, names=_names(names), title=dialog.title), *messages]

    def _named_invitations(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> tuple[list[tuple[Invitation, Participant, DialogRun | None]], Outbound | None]:
        """The open invitations a nudge or withdraw names (people, maybe an interview);
        every unfinished one when nobody is named."""
        dialog, rest = self._workflow(text)
        if dialog is None:
            found_dialog = None
            rest = text
        else:
            found_dialog = dialog.id
        people, unknown = self.people(session, here, rest)
        if unknown:
            return [], say(texts.WHO_IS, names=", ".join(unknown[:5]))
        rows = [
            row
            for row in repo.invitations(session, engagement.id, dialog_id=found_dialog)
            if row[0].status in OPEN
        ]
        if people:
            wanted = {(p.platform, p.workspace, p.user_id) for p in people}
            rows = [r for r in rows if (r[1].platform, r[1].workspace, r[1].user_id) in wanted]
        return rows, None

    def _nudge_command(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        rows, problem = self._named_invitations(session, here, engagement, text)
        if problem is not None:
            return [problem]
        if not rows:
            return [say(texts.NOBODY_TO_NUDGE)]
        messages = [
            self._nudge(session, invitation, person, run) for invitation, person, run in rows
        ]
        names = [p.display_name or p.user_id for _i, p, _r in rows]
        return [say(texts.NUDGED, names=_names(names)), *messages]

    def _withdraw(
        self, session: Session, here: Here, engagement: Engagement, text: str
    ) -> list[Outbound]:
        rows, problem = self._named_invitations(session, here, engagement, text)
        if problem is not None:
            return [problem]
        if not (here.inbound.mentions or text.strip()):
            return [say(texts.WHOM_TO_WITHDRAW)]
        if not rows:
            return [say(texts.NOTHING_TO_WITHDRAW)]
        messages: list[Outbound] = []
        names = []
        for invitation, person, run in rows:
            invitation.status = "withdrawn"
            invitation.next_nudge_at = None
            invitation.updated_at = self._now()
            title = self.catalog.get(invitation.dialog_id).title
            if run is not None and run.status in ("active", "paused"):
                repo.set_run_status(session, run.id, "cancelled", now=self._now())
                messages.append(
                    Outbound(
                        blocks=(
                            rich(texts.WITHDRAWN_NOTICE, title=title, engagement=engagement.name),
                        ),
                        to=self._run_ref(session, run),
                    )
                )
            names.append(f"{person.display_name or person.user_id} ({title})")
        return [say(texts.WITHDRAWN, names=_names(names)), *messages]

    def _answers(
        self, session: Session, here: Here, engagement: Engagement, text: str, role: str | None
    ) -> list[Outbound]:
        people, unknown = self.people(session, here, text) if text.strip() else ([], [])
        if unknown:
            return [say(texts.WHO_IS, names=", ".join(unknown[:5]))]
        whose = [self.service.participant_of(session, p) for p in people]
        if any(w.id != here.who.id for w in whose) and role != "owner":
            return [say(texts.ONLY_OWN_ANSWERS, engagement=engagement.name)]
        if not whose and role == "owner":  # an owner sees everyone's
            seen = dict.fromkeys(p.id for _i, p, _r in repo.invitations(session, engagement.id))
            whose = [
                self.service.who_of(row)
                for row in (repo.participant(session, pid) for pid in seen)
                if row is not None
            ]
            if not whose:
                return [say(texts.NO_INVITATIONS)]
        whose = whose or [here.who]
        blocks: list[Any] = []
        for who in whose:
            rows = repo.current_answers_of(
                session, engagement_id=engagement.id, participant_id=who.id
            )
            name = who.display_name or "you"
            if not rows:
                blocks.append(rich(texts.NO_ANSWERS_YET, name=name, engagement=engagement.name))
                continue
            by_dialog: dict[str, dict[str, StoredAnswer]] = {}
            for row in rows:
                if row.dialog_id is None or row.dialog_id not in self.catalog.dialogs:
                    continue
                by_dialog.setdefault(row.dialog_id, {})[row.path] = StoredAnswer(
                    raw=row.raw_text, value=row.value, skipped=row.skipped
                )
            for dialog_id, answers in by_dialog.items():
                dialog = self.catalog.get(dialog_id)
                shown = [
                    Field_(label=slot.title, value=engine.display(slot, answers[slot.path]))
                    for slot in engine.slots(dialog, answers)
                    if slot.path in answers and slot.control is None
                ]
                blocks.append(
                    Heading(text=texts.ANSWERS_TITLE.format(title=dialog.title, name=name))
                )
                if shown:
                    blocks.append(Fields(items=tuple(shown)))
        blocks.append(rich(texts.EDIT_OWN_ANSWERS))
        return [Outbound(blocks=tuple(blocks))]

    # -- progress -------------------------------------------------------------------

    def progress(self, session: Session, here: Here, argument: str) -> list[Outbound]:
        """``status`` outside a dialog: the engagement's interviews, person by person
        (a participant sees their own line only)."""
        command = next(c for c in self.service.commands.commands if c.name == "progress")
        _rest, named = split_for(f"x {argument}" if argument else "")
        try:
            engagement = self.service.engagement_for(
                session, here, named or (argument or None), command
            )
        except CommandRefused:
            if argument:
                raise
            return [
                say(texts.NOTHING_IN_PROGRESS),
                self.service._menu(session, here.who.id, here.inbound.conversation.key),
            ]
        role = self.service.role(session, engagement, here.who.id)
        if role is None:
            self.service.check_role(session, here, engagement, command)
        rows = repo.invitations(session, engagement.id)
        if role == "participant":
            rows = [r for r in rows if r[1].id == here.who.id]
        # A delivery engagement: its plan, where the calendar says it is, its checklist.
        blocks: list[Any] = self.service.delivery.detail_blocks(
            session, engagement, self.service.today(here.person), brief=True
        )
        if engagement.kind == "delivery" and not rows:
            # No interviews in this delivery: where to look next, not "nobody invited".
            return [Outbound(blocks=(*blocks, rich(texts.DELIVERY_STATUS_MORE)))]
        blocks.append(Heading(text=texts.PROGRESS_TITLE.format(engagement=engagement.name)))
        if engagement.plan is not None and role != "participant":  # an assessment's plan
            blocks += assessments.plan_blocks(
                engagement,
                rows,
                self.service.today(here.person),
                self.service._qualification_headline(session, engagement),
            )
            blocks.append(rich(texts.PLAN_INTERVIEWS))
        if not rows:
            blocks.append(rich(texts.NO_INVITATIONS))
            return [Outbound(blocks=tuple(blocks))]
        for dialog in self.catalog.interviews():
            mine = [r for r in rows if r[0].dialog_id == dialog.id]
            if not mine:
                continue
            counted = [r for r in mine if r[0].status not in ("withdrawn",)]
            done = sum(1 for r in counted if r[0].status == "completed")
            blocks.append(
                rich(texts.PROGRESS_WORKFLOW, title=dialog.title, done=done, total=len(counted))
            )
            blocks.append(
                BulletList(items=tuple(self._progress_line(dialog, i, p, r) for i, p, r in mine))
            )
        if role == "owner":
            blocks.append(rich(texts.PROGRESS_FOOTER))
        return [Outbound(blocks=tuple(blocks))]

    def _progress_line(
        self, dialog: Dialog, invitation: Invitation, person: Participant, run: DialogRun | None
    ) -> tuple[Span, ...]:
        name = Span(text=person.display_name or person.user_id, style="bold")
        status = invitation.status
        slot = None
        if status == "started" and run is not None:
            state = DialogState.model_validate(run.state)
            visible = engine.slots(dialog, state.answers)
            slot = engine.current_slot(dialog, state, visible)
        if slot is not None and run is not None:
            position = next(i for i, s in enumerate(visible) if s.path == slot.path) + 1
            detail = texts.PROGRESS_MIDWAY.format(question=slot.title, position=position)
            if run.status == "paused":
                detail += texts.PROGRESS_PAUSED
        else:
            detail = texts.INVITATION_STATES.get(status, status)
        if invitation.nudges and status in OPEN:
            detail += texts.PROGRESS_NUDGED.format(count=invitation.nudges)
        return (
            Span(text=texts.PROGRESS_MARKS.get(status, "•") + " "),
            name,
            Span(text=f" — {detail}"),
        )

    # -- the lives of invitations -----------------------------------------------------

    def on_started(self, session: Session, run: DialogRun) -> None:
        invitation = repo.invitation_of_run(session, run.id)
        if invitation is not None and invitation.status == "invited":
            invitation.status = "started"
            invitation.updated_at = self._now()

    def on_ended(self, session: Session, run: RunRow, dialog: Dialog, how: str) -> list[Outbound]:
        """An invited run completed or was cancelled: record it, tell whoever invited the
        person, and tell them too when everyone invited to the interview has finished."""
        invitation = repo.invitation_of_run(session, run.id)
        if invitation is None or invitation.status not in OPEN:
            return []
        invitation.status = how
        invitation.next_nudge_at = None
        invitation.updated_at = self._now()
        person = repo.participant(session, invitation.participant_id)
        inviter = repo.participant(session, invitation.invited_by_id)
        engagement = repo.engagement(session, invitation.engagement_id)
        if person is None or inviter is None or engagement is None:
            return []
        to = self.service.reach(
            session,
            self.service.person_of(inviter),
            ConversationRef.model_validate(run.conversation),
        )
        name = person.display_name or person.user_id
        template = texts.FINISHED_INTERVIEW if how == "completed" else texts.STOPPED_INTERVIEW
        blocks: list[Any] = [
            rich(template, name=name, title=dialog.title, engagement=engagement.name)
        ]
        if how == "completed":
            session.flush()
            everyone = [
                i
                for i, _p, _r in repo.invitations(session, engagement.id, dialog_id=dialog.id)
                if i.status not in ("withdrawn", "unreachable", "cancelled")
            ]
            if everyone and all(i.status == "completed" for i in everyone):
                blocks.append(
                    rich(
                        texts.EVERYONE_FINISHED,
                        title=dialog.title,
                        count=len(everyone),
                        engagement=engagement.name,
                    )
                )
                blocks += self.service.reports.ready_note(session, engagement, dialog, run.id)
        thanks = (
            []
            if how != "completed"
            else [Outbound(blocks=(rich(texts.THANKS, title=dialog.title),))]
        )
        return [*thanks, Outbound(blocks=tuple(blocks), to=to)]

    def undeliverable(
        self, session: Session, to: ConversationRef, message: Outbound, reason: str
    ) -> list[Outbound]:
        tag = message.tag or ""
        inviter_id: int | None = None
        if tag.startswith("invitation:") and tag.removeprefix("invitation:").isdigit():
            invitation = repo.get_invitation(session, int(tag.removeprefix("invitation:")))
            if invitation is None:
                return []
            if invitation.status in OPEN:
                invitation.status = "unreachable"
                invitation.next_nudge_at = None
                invitation.updated_at = self._now()
                if invitation.run_id is not None:
                    repo.set_run_status(session, invitation.run_id, "cancelled", now=self._now())
            inviter_id = invitation.invited_by_id
        elif tag.startswith("notify:") and tag.removeprefix("notify:").isdigit():
            inviter_id = int(tag.removeprefix("notify:"))
        if inviter_id is None:
            return []
        inviter = repo.participant(session, inviter_id)
        if inviter is None:
            return []
        # Whoever could not be reached, by the name we know them by (a DM is keyed by
        # its person, so the reference names them).
        name = to.user or to.channel
        if to.user:
            for row in repo.participants_by_name(session, to.platform, to.workspace, to.user):
                name = row.display_name or row.user_id
        notice = Outbound(
            blocks=(rich(texts.UNREACHABLE, name=name, reason=reason[:200]),),
            to=self.service.reach(session, self.service.person_of(inviter), to),
        )
        return [notice]

    # -- nudges ----------------------------------------------------------------------

    def due_nudges(self, session: Session) -> list[Outbound]:
        """Nudge whoever has not finished an interview and is due one: at most
        MAX_NUDGES each, never on their weekend (postponed to Monday morning)."""
        now = self._now()
        messages: list[Outbound] = []
        for invitation in repo.due_nudges(session, now):
            person = repo.participant(session, invitation.participant_id)
            run = repo.get_run(session, invitation.run_id) if invitation.run_id else None
            if person is None or run is None:
                invitation.next_nudge_at = None
                continue
            monday = _after_weekend(now, person.timezone)
            if monday is not None:
                invitation.next_nudge_at = monday
                continue
            messages.append(self._nudge(session, invitation, person, run))
            invitation.nudges += 1
            invitation.next_nudge_at = (
                now + self.nudge_after if invitation.nudges < MAX_NUDGES else None
            )
        return messages

    def _nudge(
        self, session: Session, invitation: Invitation, person: Participant, run: DialogRun | None
    ) -> Outbound:
        from assistant.events import Option, Question
        from assistant.service import START

        dialog = self.catalog.get(invitation.dialog_id)
        engagement = repo.engagement(session, invitation.engagement_id)
        inviter = repo.participant(session, invitation.invited_by_id)
        started = run is not None and bool(run.state.get("asked"))
        template = texts.NUDGE_MIDWAY if started else texts.NUDGE_NOT_STARTED
        blocks: list[Any] = [
            rich(
                template,
                title=dialog.title,
                engagement=engagement.name if engagement else "",
                inviter=(inviter.display_name or inviter.user_id) if inviter else "",
            )
        ]
        if run is not None:
            blocks.append(
                Question(
                    prompt_key=f"{START}:{run.id}",
                    text=texts.START_WHEN_READY,
                    input="choice",
                    options=(
                        Option(
                            value="start", label=texts.RESUME_NOW if started else texts.START_NOW
                        ),
                        Option(value="later", label=texts.START_LATER),
                    ),
                )
            )
        to = (
            self._run_ref(session, run)
            if run is not None
            else self.service.reach(session, self.service.person_of(person))
        )
        return Outbound(blocks=tuple(blocks), to=to, tag=f"invitation:{invitation.id}")

    def _run_ref(self, session: Session, run: DialogRun) -> ConversationRef:
        """Where a run's person is: its conversation as stored now (a DM opened since
        the invitation has its channel), else as the run was started."""
        stored = repo.conversation(session, run.conversation_key)
        ref = ConversationRef.model_validate(run.conversation)
        if stored is not None and stored.channel:
            return ref.model_copy(
                update={"channel": stored.channel, "data": dict(stored.data or {})}
            )
        return ref


def question_list(dialog: Dialog) -> list[Any]:
    """An interview's questions as a pre-read: in order, a group's per item."""
    items: list[tuple[Span, ...]] = []
    blocks: list[Any] = []
    for step in dialog.steps:
        if isinstance(step, GroupStep):
            if items:
                blocks.append(BulletList(items=tuple(items)))
                items = []
            blocks.append(rich(texts.PREREAD_GROUP, item=step.item_name))
            blocks.append(BulletList(items=tuple((Span(text=sub.prompt),) for sub in step.steps)))
        else:
            items.append((Span(text=step.prompt),))
    if items:
        blocks.append(BulletList(items=tuple(items)))
    return blocks


def _after_weekend(now: datetime, timezone: str | None) -> datetime | None:
    """Monday 09:00 in the person's timezone when it is their weekend now, else None."""
    zone: Any = None
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    local = now.astimezone(zone) if zone is not None else now
    if local.weekday() < 5:
        return None
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(NUDGE_HOUR), tzinfo=local.tzinfo)


def _word(dialog: Dialog) -> str:
    return dialog.invitation.word if dialog.invitation else dialog.id


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def say(template: str, **values: Any) -> Outbound:
    return Outbound(blocks=(rich(template, **values),))
