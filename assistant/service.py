"""The turn service: load the person's state, run the engine, save what happened.

One call of :meth:`TurnService.turn` is one turn in one transaction (the caller's
session). Outside a dialog, what a person says resolves through the command registry
(:mod:`assistant.commands`); inside one, everything is the pure engine's. Runs can be
started for someone else (:meth:`TurnService.start_for`): an invitation, later a
standup; their first message is addressed to that person and delivered proactively.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from assistant import assessments, confidential, engine, registry, texts
from assistant.actions import CompletionContext
from assistant.clock import Clock
from assistant.commands import (
    COMMAND_BUTTON,
    DELIVERY_ONLY,
    HELP_SECTIONS,
    HELP_WHO,
    ROLE_RANK,
    Command,
    CommandRefused,
    Match,
    Registry,
)
from assistant.definitions import Catalog, Dialog
from assistant.engine import (
    AnswerSet,
    Cancelled,
    Completed,
    DialogState,
    Paused,
    StoredAnswer,
    Turn,
)
from assistant.events import (
    BulletList,
    ConversationRef,
    Field_,
    Fields,
    Heading,
    Inbound,
    Option,
    Outbound,
    Person,
    Question,
    Span,
)
from assistant.markup import rich
from assistant.summaries import Summaries
from storage import repositories as repo
from storage.db import AFTER_COMMIT
from storage.models import DialogRun, Engagement, Participant
from storage.repositories import RunRow

PEOPLE_CACHE_SIZE = 10_000
MENU = "menu"
HOME_RESUME = "home:resume"
START = "start"  # "start:<run id>": the Start button of an invitation or a paused run
RETRO = "retro"  # "retro:<id>:...": a retrospective's vote and review buttons
SESSION_OPEN = "session:open"  # a client opened the conversation (the terminal chat starts)


@dataclass(frozen=True)
class Who:
    """A participant as a turn needs them (a row's id and name, cached between turns)."""

    id: int
    display_name: str | None
    timezone: str | None


@dataclass(frozen=True)
class Here:
    """Who said something, where: what every top-level command starts from."""

    inbound: Inbound
    who: Who

    @property
    def person(self) -> Person:
        return self.inbound.sender

    @property
    def tenant(self) -> str:
        return tenant_of(self.inbound.sender)

    @property
    def channel_key(self) -> str | None:
        """The channel's key, for a conversation that is not a DM (a thread's channel)."""
        ref = self.inbound.conversation
        if ref.is_personal:
            return None
        return ref.model_copy(update={"thread": None}).key


def tenant_of(person: Person) -> str:
    """Data is scoped to one Slack workspace / Teams tenant / the local console."""
    return f"{person.platform}:{person.workspace}"


def reply(*blocks: Any, to: ConversationRef | None = None) -> Outbound:
    return Outbound(blocks=tuple(blocks), to=to)


class TurnService:
    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        *,
        nudge_after_hours: float = 24,
        links: dict[str, str] | None = None,
        reminder_grace_minutes: float = 60,
    ) -> None:
        from assistant.delivery import Delivery
        from assistant.flow_items import FlowBoard
        from assistant.interviews import Interviews
        from assistant.raid import RaidLog
        from assistant.report import Reports
        from assistant.retros import Retros
        from assistant.schedules import Schedules

        self.catalog = catalog
        self.clock = clock
        # Links the deployment configures, by name ("pitch_deck"), for dialogs that show them.
        self.links = dict(links or {})
        self.summaries = Summaries(catalog.templates_dir)
        self.commands = Registry.build(catalog)
        self.interviews = Interviews(self, nudge_after_hours=nudge_after_hours)
        self.delivery = Delivery(self)
        self.raid = RaidLog(self)
        self.flow = FlowBoard(self)
        self.retros = Retros(self)
        self.schedules = Schedules(self, grace=timedelta(minutes=reminder_grace_minutes))
        self.reports = Reports(self)
        # Participants already stored, by identity: most turns need no lookup.
        self._people: OrderedDict[tuple[str, str, str], Who] = OrderedDict()

    # -- entry point ---------------------------------------------------------

    def working_note(self, inbound: Inbound) -> str | None:
        """What an adapter tells the sender at once, before the turn runs, when what
        they typed is a command that takes seconds (``summary``, ``readout``); None
        otherwise. Pure: it reads only the text, as the turn's own matching does (a
        person midway through a dialog may still have typed an answer)."""
        if inbound.action is not None or not inbound.addressed:
            return None
        return self.commands.working(inbound.text)

    def turn(self, session: Session, inbound: Inbound) -> list[Outbound]:
        sender = inbound.sender
        if not inbound.addressed and not repo.in_dialog(
            session, sender.platform, sender.workspace, sender.user_id, inbound.conversation.key
        ):
            return []  # said beside a dialog, not to us: left alone, nobody stored
        participant = self._participant(session, inbound.sender)
        run = repo.active_run(session, participant.id, inbound.conversation.key)
        here = Here(inbound, participant)
        action = inbound.action
        if action is not None:
            key = action.prompt_key
            if key == SESSION_OPEN:
                if run is not None:
                    return self._resume(session, run)
                return self._greeting(session, here)
            if key == HOME_RESUME:
                return self._resume_from_home(session, here)
            if key.startswith(f"{START}:"):
                return self._start_clicked(session, here, key.removeprefix(f"{START}:"))
            if key.startswith(f"{RETRO}:"):
                return self.retros.on_action(session, here)
            if key == COMMAND_BUTTON or key.startswith(f"{COMMAND_BUTTON}:"):
                if run is not None:
                    return self._resume(session, run)
                said = inbound.model_copy(
                    update={"text": action.values[0] if action.values else "", "action": None}
                )
                return self._top_level(session, Here(said, participant))
            if key.startswith(f"{MENU}:"):
                if run is not None:
                    return self._resume(session, run)
                choice = action.values[0] if action.values else ""
                return self._menu_choice(session, here, choice)
        if run is not None:
            return self._advance(session, run, here)
        return self._top_level(session, here)

    def _participant(self, session: Session, person: Person) -> Who:
        key = (person.platform, person.workspace, person.user_id)
        known = self._people.get(key)
        if (
            known is not None
            and (person.name or known.display_name) == known.display_name
            and (person.timezone or known.timezone) == known.timezone
        ):
            self._people.move_to_end(key)
            return known
        row = repo.upsert_participant(
            session,
            platform=person.platform,
            workspace=person.workspace,
            user_id=person.user_id,
            display_name=person.name,
            timezone=person.timezone,
            now=self.clock.now(),
        )
        who = Who(row.id, row.display_name, row.timezone)
        # Cached once the row is certain to exist: this transaction may still roll back.
        session.info.setdefault(AFTER_COMMIT, []).append(partial(self._remember, key, who))
        return who

    def participant_of(self, session: Session, person: Person) -> Who:
        """The stored participant for a platform identity (created on first sight)."""
        return self._participant(session, person)

    def _remember(self, key: tuple[str, str, str], who: Who) -> None:
        self._people[key] = who
        self._people.move_to_end(key)
        if len(self._people) > PEOPLE_CACHE_SIZE:
            self._people.popitem(last=False)

    def today(self, person: Person) -> date:
        """Today where the person is ("tomorrow" means their tomorrow)."""
        now = self.clock.now()
        if person.timezone:
            try:
                return now.astimezone(ZoneInfo(person.timezone)).date()
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return now.date()

    # -- inside a dialog ----------------------------------------------------------

    def _advance(self, session: Session, run: RunRow, here: Here) -> list[Outbound]:
        dialog = self.catalog.get(run.dialog_id)
        state = DialogState.model_validate(run.state)
        turn = engine.advance(dialog, state, here.inbound, self.today(here.person))
        messages = self._save(session, run, dialog, turn, state.answers)
        then = self._then(session, run, turn, here)
        if then is not None:
            # Asked first (their timezone, before the interview they clicked): that
            # dialog starts now, without a second click.
            messages += self.activate(session, here, then)
        text = here.inbound.text
        said = self.commands.match(text) if here.inbound.action is None else None
        if (
            said is not None
            and said.command.listed
            and not turn.events
            and engine.parse_command(text) is None
        ):
            # A command typed mid-dialog that the question could not take as an answer:
            # say how to get to it, not only that it is no answer.
            hint = reply(rich(texts.IN_A_DIALOG, title=dialog.title, command=text.strip()[:40]))
            messages.insert(0, hint)
        return messages

    @staticmethod
    def _then(session: Session, run: RunRow, turn: Turn, here: Here) -> DialogRun | None:
        """The paused dialog a just-completed one was asked before, if it still waits."""
        then = state_context(run).get("then_run")
        if then is None or turn.state.status != "completed":
            return None
        waiting = repo.get_run(session, int(then))
        if waiting is None or waiting.participant_id != here.who.id or waiting.status != "paused":
            return None
        return waiting

    def _resume(self, session: Session, run: RunRow) -> list[Outbound]:
        dialog = self.catalog.get(run.dialog_id)
        turn = engine.resume(dialog, DialogState.model_validate(run.state))
        return self._save(session, run, dialog, turn)

    def _save(
        self,
        session: Session,
        run: RunRow,
        dialog: Dialog,
        turn: Turn,
        before: dict[str, StoredAnswer] | None = None,
    ) -> list[Outbound]:
        now = self.clock.now()
        messages = list(turn.messages)
        result: dict[str, Any] | None = None
        ended = False
        for event in turn.events:
            match event:
                case AnswerSet(path=path, raw=raw, value=value, skipped=skipped):
                    repo.record_answer(
                        session,
                        run=run,
                        path=path,
                        raw_text=raw,
                        value=value,
                        skipped=skipped,
                        now=now,
                        replaces=before is not None and path in before,
                    )
                case Completed(answers=answers):
                    result, summary = self._complete(session, run, dialog, turn.state, answers)
                    messages += summary
                    ended = True
                case Cancelled():
                    messages += self.interviews.on_ended(session, run, dialog, "cancelled")
                    ended = True
                case Paused():
                    ended = True
        slot = None
        if turn.state.status == "active":
            slot = turn.asking or engine.current_slot(dialog, turn.state)
        state = turn.state
        if result is not None and state_context(run).get("forget_answers"):
            # Its completion action keeps the answers where nothing names their author
            # (an anonymous retrospective): the run forgets them, and what carried them.
            state = state.model_copy(update={"answers": {}})
            self.forget(session, run.id, None)
            messages = [m.model_copy(update={"answered": None}) for m in messages]
        repo.save_run(
            session,
            run,
            state_json=state.model_dump_json(),
            current_step=slot.path if slot else None,
            status=turn.state.status,
            result=result,
            now=now,
        )
        if ended and turn.state.status == "completed" and state_context(run).get("then_run"):
            return messages  # the turn goes on with the dialog this one was asked before
        if ended:
            # The dialog just paused is not offered back in the same breath.
            waiting = self._waiting(
                session, run.participant_id, run.conversation_key, besides=run.id
            )
            invited = dialog.invitation is not None or "invited_by" in state_context(run)
            if not waiting and turn.state.status == "completed" and not invited:
                waiting = [self._menu(session, run.participant_id, run.conversation_key)]
            messages += waiting
        return messages

    def _complete(
        self,
        session: Session,
        run: RunRow,
        dialog: Dialog,
        state: DialogState,
        answers: dict[str, Any],
    ) -> tuple[dict[str, Any], list[Outbound]]:
        result = registry.SUMMARIZERS[dialog.summarize](answers) if dialog.summarize else {}
        shaped = engine.grouped(dialog, answers)
        extra: dict[str, Any] = {}
        context = CompletionContext(
            session, run, run.tenant, shaped, state_context(run), now=self.clock.now()
        )
        if dialog.on_complete:
            extra = registry.COMPLETION_ACTIONS[dialog.on_complete](context)
        blocks = self.summaries.render(
            dialog.summary_template, {"answers": shaped, **result, **extra}
        )
        # A completion action says when its summary shows something internal.
        messages = [
            Outbound(blocks=tuple(blocks), internal=extra.get("internal") is True),
            *context.announce,
        ]
        if extra.get("invite"):  # people the completion asked to invite to an interview
            messages += assessments.invite_planned(self, session, run, extra["invite"])
        messages += self.interviews.on_ended(session, run, dialog, "completed")
        messages += self.retros.on_ended(session, run)
        return result, messages

    def forget(
        self,
        session: Session,
        run_id: int,
        person: Participant | None,
        since: datetime | None = None,
    ) -> None:
        """Forget what a person said in a run: its answer rows, the text of the events
        that carried it and the messages sent back to them since the run began (the
        run's own state is the caller's to clear)."""
        run = repo.get_run(session, run_id)
        if run is None:
            return
        person = person or repo.participant(session, run.participant_id)
        if person is None:
            return
        since = since or run.started_at
        repo.forget_run_answers(session, run.id)
        for event in repo.inbound_since(session, person.platform, since):
            payload = dict(event.payload or {})
            sender = payload.get("sender") or {}
            try:
                where = ConversationRef.model_validate(payload.get("conversation")).key
            except ValueError:
                continue
            if sender.get("user_id") == person.user_id and where == run.conversation_key:
                payload.update(text="", mentions=[], action=None)
                repo.replace_inbound_payload(session, event.id, payload)
        repo.blank_outbox(session, run.conversation_key, since)

    def _waiting(
        self, session: Session, participant_id: int, key: str, besides: int | None = None
    ) -> list[Outbound]:
        """The paused dialogs the person can go on with here, if any, as buttons."""
        paused = [r for r in repo.paused_runs(session, participant_id, key) if r.id != besides]
        if not paused:
            return []
        return [
            reply(
                Question(
                    prompt_key=HOME_RESUME,
                    text=texts.ALSO_WAITING if besides is not None else texts.WAITING,
                    input="choice",
                    options=tuple(self._resume_option(r) for r in paused[:10]),
                )
            )
        ]

    def _resume_option(self, run: DialogRun) -> Option:
        label = self.catalog.get(run.dialog_id).title
        verb = "Start" if not run.state.get("asked") else "Resume"
        return Option(value=str(run.id), label=f"{verb}: {label}"[:75])

    # -- starting dialogs ---------------------------------------------------------

    def start_for(
        self,
        session: Session,
        *,
        dialog: Dialog,
        who: Who,
        person: Person,
        to: ConversationRef,
        engagement_id: int | None = None,
        context: dict[str, Any] | None = None,
        invitation: Outbound | None = None,
        prefill: dict[str, StoredAnswer] | None = None,
    ) -> tuple[RunRow, list[Outbound]]:
        """Start ``dialog`` for a person in conversation ``to`` (on someone's behalf, when
        ``context`` says so), with its first message addressed there.

        With an ``invitation``, the run waits (paused) for the person's Start button,
        and the invitation is its first message; without one it asks its first question
        now, unless the person is in another dialog there (then it waits as well, with
        a Start button, and nothing of the other dialog is lost)."""
        busy = repo.active_run(session, who.id, to.key) is not None
        waits = invitation is not None or busy
        state = engine.new_state(dialog, uuid.uuid4().hex[:12], prefill, context)
        run = repo.start_run(
            session,
            tenant=tenant_of(person),
            dialog_id=dialog.id,
            dialog_version=dialog.version,
            participant_id=who.id,
            conversation_key=to.key,
            conversation=to.model_dump(mode="json"),
            state_json=state.model_dump_json(),
            now=self.clock.now(),
            status="paused" if waits else "active",
            engagement_id=engagement_id,
        )
        for path, stored in (prefill or {}).items():
            repo.record_answer(
                session,
                run=run,
                path=path,
                raw_text=stored.raw,
                value=stored.value,
                skipped=stored.skipped,
                now=self.clock.now(),
                replaces=False,
            )
        if waits:
            first = invitation or reply(rich(texts.WAITING_FOR_YOU, title=dialog.title))
            button = Question(
                prompt_key=f"{START}:{run.id}",
                text=texts.START_WHEN_READY,
                input="choice",
                options=(
                    Option(value="start", label=texts.START_NOW),
                    Option(value="later", label=texts.START_LATER),
                ),
            )
            return run, [first.model_copy(update={"blocks": (*first.blocks, button), "to": to})]
        turn = engine.start(dialog, state.run_key, prefill, context)
        messages = self._save(session, run, dialog, turn, {})
        return run, [m.model_copy(update={"to": m.to or to}) for m in messages]

    def _start_own(self, session: Session, here: Here, dialog: Dialog) -> list[Outbound]:
        """A dialog the person started: here in a DM or a thread, else in their DM."""
        ref = here.inbound.conversation
        where = self.private_place(session, here)
        prefill, context = self._prefill(session, here, dialog)
        links = {name: self.links[name] for name in dialog.links if name in self.links}
        if links:
            context = {**context, "links": links}
        _, messages = self.start_for(
            session,
            dialog=dialog,
            who=here.who,
            person=here.person,
            to=where,
            context=context,
            prefill=prefill,
        )
        if where.key != ref.key:
            note = reply(rich(texts.CONTINUED_IN_DM, title=dialog.title))
            messages.insert(0, note.model_copy(update={"only_for": here.person.user_id}))
        return messages

    def private_place(self, session: Session, here: Here) -> ConversationRef:
        """Where a dialog a person starts is asked: here in a DM or a thread, else in
        their DM (a channel is no place for one person's questions)."""
        ref = here.inbound.conversation
        return ref if (ref.is_personal or ref.thread) else self.reach(session, here.person, ref)

    def _prefill(
        self, session: Session, here: Here, dialog: Dialog
    ) -> tuple[dict[str, StoredAnswer], dict[str, Any]]:
        """What the dialog file says to carry over from the person's last run here."""
        source = self._prefill_source(session, here, dialog)
        if dialog.prefill is None:
            return {}, {}
        if source is None:
            absent = dialog.prefill.absent.items()
            return {k: StoredAnswer(raw=str(v), value=v) for k, v in absent}, {}
        answers = source.state.get("answers", {})
        prefill = {}
        for step_id, from_step in dialog.prefill.answers.items():
            found = answers.get(from_step)
            if isinstance(found, dict) and found.get("value") is not None:
                prefill[step_id] = StoredAnswer(raw=str(found.get("raw")), value=found["value"])
        result = source.result or {}
        for step_id, key in dialog.prefill.results.items():
            if result.get(key) is not None:
                prefill[step_id] = StoredAnswer(raw=str(result[key]), value=result[key])
        return prefill, {f"{dialog.prefill.from_dialog}_run_id": source.id}

    def _prefill_source(self, session: Session, here: Here, dialog: Dialog) -> DialogRun | None:
        """The person's latest finished dialog here, when it is a completed run of the
        dialog ``dialog`` is prefilled from."""
        if dialog.prefill is None:
            return None
        if dialog.prefill.reach_back:
            return repo.last_completed_run_of(
                session, here.who.id, here.inbound.conversation.key, dialog.prefill.from_dialog
            )
        return self._last_finished(
            session,
            here.who.id,
            here.inbound.conversation.key,
            dialog.prefill.from_dialog,
        )

    def _last_finished(
        self, session: Session, participant_id: int, key: str, dialog_id: str
    ) -> DialogRun | None:
        """The person's latest finished dialog here, when it is a completed ``dialog_id``."""
        last = repo.last_finished_run(session, participant_id, key)
        if last is not None and last.dialog_id == dialog_id and last.status == "completed":
            return last
        return None

    def reach(
        self, session: Session, person: Person, via: ConversationRef | None = None
    ) -> ConversationRef:
        """Where to write to a person privately: their DM as stored, or one to open
        (with what the platform needs to open it, from the conversation ``via``)."""
        key = f"{person.platform}:{person.workspace}:@{person.user_id}"
        stored = repo.conversation(session, key)
        if stored is not None:
            return ConversationRef(
                platform=person.platform,
                workspace=person.workspace,
                channel=stored.channel,
                user=person.user_id,
                data=dict(stored.data or {}),
            )
        data: dict[str, Any] = {}
        if via is not None and via.platform == person.platform:
            # What a new DM in that workspace needs: the adapter says so under "reach"
            # when it is not the conversation's own data.
            data = dict(via.data.get("reach") or via.data)
        return ConversationRef.personal(person, data)

    @staticmethod
    def who_of(row: Participant) -> Who:
        return Who(row.id, row.display_name, row.timezone)

    def person_of(self, row: Participant) -> Person:
        return Person(
            platform=row.platform,
            workspace=row.workspace,
            user_id=row.user_id,
            name=row.display_name,
            timezone=row.timezone,
        )

    def _start_clicked(self, session: Session, here: Here, run_id: str) -> list[Outbound]:
        choice = (
            here.inbound.action.values[0]
            if here.inbound.action and here.inbound.action.values
            else "start"
        )
        run = repo.get_run(session, int(run_id)) if run_id.isdigit() else None
        if run is None or run.participant_id != here.who.id:
            return [reply(rich(texts.NOT_YOURS))]
        if run.status in ("completed", "cancelled"):
            said = texts.ALREADY_FINISHED if run.status == "completed" else texts.ENDED_ACTION
            return [reply(rich(said, title=self.catalog.get(run.dialog_id).title))]
        if choice == "later":
            return [reply(rich(texts.LATER_OK, title=self.catalog.get(run.dialog_id).title))]
        return self.activate(session, here, run)

    def activate(self, session: Session, here: Here, run: DialogRun) -> list[Outbound]:
        """Make ``run`` the person's dialog in its conversation and ask its question; the
        one they were in there (if another) is paused, keeping its answers."""
        messages: list[Outbound] = []
        asked = self._timezone_first(session, here, run)
        if asked:
            return asked
        if run.status != "active":
            current = repo.active_run(session, here.who.id, run.conversation_key)
            if current is not None and current.id != run.id:
                repo.set_run_status(session, current.id, "paused", now=self.clock.now())
                title = self.catalog.get(current.dialog_id).title
                messages.append(reply(rich(texts.PAUSED_OTHER, title=title)))
            repo.set_run_status(session, run.id, "active", now=self.clock.now())
            session.refresh(run)
            self.interviews.on_started(session, run)
        where = ConversationRef.model_validate(run.conversation)
        messages += self._resume(session, RunRow.of(run))
        if where.key != here.inbound.conversation.key:
            return [m.model_copy(update={"to": m.to or where}) for m in messages]
        return messages

    def _timezone_first(self, session: Session, here: Here, run: DialogRun) -> list[Outbound]:
        """Before a person's first invited dialog: their timezone, when the platform did
        not tell us (nudges must never reach them on their weekend). Asked once; the
        invitation waits, and starts as soon as it is answered."""
        question = self.catalog.timezone_question()
        if question is None or "invitation_id" not in run.state.get("context", {}):
            return []
        person = repo.participant(session, here.who.id)
        if person is None or person.timezone:
            return []
        if repo.active_run(session, here.who.id, run.conversation_key) is not None:
            return []  # in a dialog there already (maybe this very question): no second one
        where = ConversationRef.model_validate(run.conversation)
        asked = [
            r
            for r in repo.paused_runs(session, here.who.id, where.key)
            if r.dialog_id == question.id
        ]
        if asked:  # asked before and paused: that one again, not a second
            return self.activate(session, here, asked[0])
        _, messages = self.start_for(
            session,
            dialog=question,
            who=here.who,
            person=here.person,
            to=where,
            context={"then_run": run.id},  # answered, the dialog they clicked starts
        )
        return messages

    # -- outside a dialog ---------------------------------------------------------

    def _top_level(self, session: Session, here: Here) -> list[Outbound]:
        text = here.inbound.text.strip()
        if text.isdigit():
            options = self._menu_options(session, here.who.id, here.inbound.conversation.key)
            number = int(text)
            if 1 <= number <= len(options):
                return self._menu_choice(session, here, options[number - 1].value)
        found = self.commands.match(text)
        if found is None:
            if not text:
                return self._greeting(session, here)
            return [
                reply(rich(texts.NOT_UNDERSTOOD)),
                self._menu(session, here.who.id, here.inbound.conversation.key),
            ]
        try:
            return self._run_command(session, here, found)
        except CommandRefused as refused:
            return [refused.message]

    def _run_command(self, session: Session, here: Here, found: Match) -> list[Outbound]:
        command = found.command
        if command.dialog is not None:
            return self._start_own(session, here, command.dialog)
        self._check_where(here, command)
        match command.name:
            case "greeting":
                return self._greeting(session, here)
            case "help":
                return [self._help(session, here)]
            case "list":
                return [self._list(session, here.tenant, here.who.id)]
            case "show":
                return [self._show(session, here, found.argument)]
            case "bind":
                return self._bind(session, here, found.argument)
            case "resume":
                return self._resume_paused(session, here, found.argument)
            case "progress":
                return self.interviews.progress(session, here, found.argument)
            case "checklist" | "kickoff" | "pov":
                return self.delivery.command(session, here, command, found.argument)
            case "raid" | "raid_add" | "raid_show" | "raid_update" | "raid_close" | "raid_reopen":
                return self.raid.command(session, here, command, found.argument)
            case (
                "flow"
                | "flow_add"
                | "flow_start"
                | "flow_wait"
                | "flow_resume"
                | "flow_done"
                | "flow_reopen"
                | "flow_show"
                | "flow_rename"
                | "flow_remove"
            ):
                return self.flow.command(session, here, command, found.argument)
            case "retro":
                return self.retros.command(session, here, command, found.argument)
            case "schedule":
                return self.schedules.command(session, here, command, found.argument)
            case "summary" | "readout":
                return self.reports.command(session, here, command, found.argument)
        return self.interviews.command(session, here, command, found.argument)

    def _check_where(self, here: Here, command: Command) -> None:
        direct = here.inbound.conversation.is_personal
        if command.where == "channel" and direct:
            raise CommandRefused(
                reply(rich(texts.ONLY_IN_CHANNEL, command=command.words[0], usage=command.usage))
            )
        if command.where == "dm" and not direct:
            raise CommandRefused(reply(rich(texts.ONLY_IN_DM, command=command.words[0])))

    def check_role(
        self, session: Session, here: Here, engagement: Engagement, command: Command
    ) -> str | None:
        """The person's role in the engagement; refused when it is not enough."""
        role = self.role(session, engagement, here.who.id)
        if ROLE_RANK.get(role or "anyone", 0) < ROLE_RANK[command.who]:
            raise CommandRefused(
                reply(
                    rich(
                        texts.NOT_ALLOWED,
                        command=command.words[0],
                        needed=texts.ROLE_NAMES[command.who],
                        engagement=engagement.name,
                        role=texts.ROLE_AS.get(role or "", texts.NOT_PART_OF_IT),
                    )
                )
            )
        return role

    def role(self, session: Session, engagement: Engagement, participant_id: int) -> str | None:
        role = repo.role_in(session, engagement.id, participant_id)
        if role is None and engagement.created_by_id == participant_id:
            return "owner"  # set up before roles were recorded
        return role

    def engagement_for(
        self, session: Session, here: Here, name: str | None, command: Command
    ) -> Engagement:
        """The engagement a command acts on: named ("for X"), the channel's, or the one
        the person takes part in. Refused, saying how to name one, otherwise."""
        if name:
            found = repo.find_engagement(session, here.tenant, name)
            if found is None:
                raise CommandRefused(reply(rich(texts.ENGAGEMENT_NOT_FOUND, name=name[:60])))
            return found
        if here.channel_key is not None:
            bound = repo.bound_engagement(session, here.channel_key)
            if bound is not None:
                return bound
        mine = [e for e, _role in repo.engagements_of(session, here.who.id)]
        mine += [
            e
            for e in repo.engagements(session, here.tenant)
            if e.created_by_id == here.who.id and e not in mine
        ]
        if len(mine) == 1:
            return mine[0]
        usage = f"{command.words[0]} {command.usage}".strip()
        if not mine:
            raise CommandRefused(reply(rich(texts.NO_ENGAGEMENT_HERE, usage=usage)))
        names = ", ".join(e.name for e in mine[:8])
        raise CommandRefused(reply(rich(texts.WHICH_ENGAGEMENT, usage=usage, names=names)))

    def _bind(self, session: Session, here: Here, argument: str) -> list[Outbound]:
        command = next(c for c in self.commands.commands if c.name == "bind")
        engagement = self.engagement_for(session, here, argument or None, command)
        role = self.role(session, engagement, here.who.id)
        if role != "owner":
            raise CommandRefused(
                reply(
                    rich(
                        texts.NOT_ALLOWED,
                        command="bind",
                        needed=texts.ROLE_NAMES["owner"],
                        engagement=engagement.name,
                        role=texts.ROLE_AS.get(role or "", texts.NOT_PART_OF_IT),
                    )
                )
            )
        assert here.channel_key is not None
        channel = here.inbound.conversation.model_copy(update={"thread": None})
        repo.bind_channel(
            session,
            conversation_key=here.channel_key,
            conversation=channel.model_dump(mode="json"),
            engagement_id=engagement.id,
            bound_by_id=here.who.id,
            now=self.clock.now(),
        )
        bound = texts.BOUND_DELIVERY if engagement.kind == "delivery" else texts.BOUND
        return [reply(rich(bound, engagement=engagement.name))]

    def _resume_paused(self, session: Session, here: Here, argument: str) -> list[Outbound]:
        paused = repo.paused_runs(session, here.who.id, here.inbound.conversation.key)
        if not paused:
            return self._greeting(session, here)
        if argument:
            wanted = argument.lower()
            chosen = [r for r in paused if wanted in self.catalog.get(r.dialog_id).title.lower()]
            if len(chosen) == 1:
                return self.activate(session, here, chosen[0])
        if len(paused) == 1:
            return self.activate(session, here, paused[0])
        return self._waiting(session, here.who.id, here.inbound.conversation.key)

    def _greeting(self, session: Session, here: Here) -> list[Outbound]:
        name = f" {here.who.display_name}" if here.who.display_name else ""
        messages = [reply(rich(texts.GREETING, name=name))]
        key = here.inbound.conversation.key
        waiting = self._waiting(session, here.who.id, key)
        return messages + (waiting or [self._menu(session, here.who.id, key)])

    def _menu_choice(self, session: Session, here: Here, choice: str) -> list[Outbound]:
        if choice in self.catalog.dialogs and self.catalog.get(choice).start_words:
            return self._start_own(session, here, self.catalog.get(choice))
        if choice == "list":
            return [self._list(session, here.tenant, here.who.id)]
        return [self._help(session, here)]

    # -- messages -----------------------------------------------------------------

    def _menu_options(self, session: Session, participant_id: int, key: str) -> tuple[Option, ...]:
        options = []
        # A customer's engineer is not offered the account team's dialogs (qualify...).
        customer = self.customer_side(session, participant_id)
        for dialog in [] if customer else self.catalog.menu():
            assert dialog.menu is not None
            label = dialog.menu.label
            if dialog.prefill is not None and dialog.prefill.label:
                source = self._last_finished(
                    session,
                    participant_id,
                    key,
                    dialog.prefill.from_dialog,
                )
                if source is not None:
                    values = {
                        k: (v or {}).get("value")
                        for k, v in source.state.get("answers", {}).items()
                        if isinstance(v, dict)
                    }
                    with contextlib.suppress(KeyError, IndexError, ValueError):
                        label = dialog.prefill.label.format(**values)
            options.append(Option(value=dialog.id, label=label[:75]))
        options += [
            Option(value="list", label=texts.MENU_LIST),
            Option(value="help", label=texts.MENU_HELP),
        ]
        return tuple(options)

    def _menu(self, session: Session, participant_id: int, key: str) -> Outbound:
        return reply(
            Question(
                prompt_key=f"{MENU}:{uuid.uuid4().hex[:8]}",
                text=texts.WHAT_NEXT,
                input="choice",
                options=self._menu_options(session, participant_id, key),
            )
        )

    def _help(self, session: Session, here: Here) -> Outbound:
        """What this person may do here: the commands allowed in this place, for their
        role in the engagement this place acts on (if any)."""
        direct = here.inbound.conversation.is_personal
        engagement = None
        if here.channel_key is not None:
            engagement = repo.bound_engagement(session, here.channel_key)
        mine = repo.engagements_of(session, here.who.id)
        roles = (
            [self.role(session, engagement, here.who.id)] if engagement else [r for _e, r in mine]
        )
        best = max((ROLE_RANK.get(r or "anyone", 0) for r in roles), default=0)
        customer = self.customer_side(session, here.who.id)
        # Only assessments here (or in all the person takes part in): no delivery commands.
        kinds = {engagement.kind} if engagement else {e.kind for e, _r in mine}
        assessments_only = bool(kinds) and "delivery" not in kinds
        listed: dict[str, list[tuple[Span, ...]]] = {}
        for command in self.commands.listed():
            if (command.where == "channel" and direct) or (command.where == "dm" and not direct):
                continue
            if ROLE_RANK[HELP_WHO.get(command.name, command.who)] > best:
                continue
            if command.dialog is not None and customer:
                continue  # qualifying and planning are the account team's
            if assessments_only and command.name in DELIVERY_ONLY:
                continue
            section = next(
                (title for title, names in HELP_SECTIONS if command.name in names),
                HELP_SECTIONS[-1][0],
            )
            word = f"{command.words[0]} {command.usage}".strip()
            listed.setdefault(section, []).append(
                (Span(text=word, style="bold"), Span(text=f" — {command.summary}"))
            )
        blocks: list[Any] = [rich(texts.GREETING, name="")]
        if engagement is not None:
            blocks.append(rich(texts.HELP_ENGAGEMENT, engagement=engagement.name))
        for title, _names in HELP_SECTIONS:
            if listed.get(title):
                blocks += [rich(f"*{title}*"), BulletList(items=tuple(listed[title]))]
        blocks += [rich(texts.HELP_IN_DIALOG), engine.dialog_commands_help()]
        return reply(*blocks)

    def _qualification_headline(self, session: Session, engagement: Engagement) -> str:
        """The qualification's verdict, with the reason when it was overridden."""
        if engagement.qualification_run_id is None:
            return assessments.qualification_line(engagement, texts.NO_QUALIFICATION)
        run = repo.get_run(session, engagement.qualification_run_id)
        if run is None or run.tenant != engagement.tenant or not run.result:
            return assessments.qualification_line(engagement, texts.NO_QUALIFICATION)
        headline = str(run.result.get("headline", texts.NO_QUALIFICATION))
        return assessments.qualification_line(engagement, headline)

    def customer_side(self, session: Session, participant_id: int) -> bool:
        """Someone who only takes part in engagements (a customer's engineer answering an
        interview or a retro): they see their own engagements, never the workspace's
        others nor a qualification (our sales notes on their company)."""
        roles = [role for _e, role in repo.engagements_of(session, participant_id)]
        return bool(roles) and all(role == "participant" for role in roles)

    def _list(self, session: Session, tenant: str, participant_id: int) -> Outbound:
        found = list(repo.engagements(session, tenant))
        if self.customer_side(session, participant_id):
            mine = {e.id for e, _role in repo.engagements_of(session, participant_id)}
            found = [e for e in found if e.id in mine]
        if not found:
            return reply(rich(texts.NO_ENGAGEMENTS))
        items = []
        for engagement in found:
            headline = self._qualification_headline(session, engagement)
            start = engagement.start_date.strftime("%d %b %Y") if engagement.start_date else "—"
            items.append(
                (
                    Span(text=engagement.name, style="bold"),
                    Span(
                        text=f" — {engagement.customer}, starts {start}, qualification: {headline}"
                    ),
                )
            )
        return reply(Heading(text=texts.ENGAGEMENTS_TITLE), BulletList(items=tuple(items)))

    def _show(self, session: Session, here: Here, name: str) -> Outbound:
        match = repo.find_engagement(session, here.tenant, name)
        customer = self.customer_side(session, here.who.id)
        if match is None or (customer and self.role(session, match, here.who.id) is None):
            return reply(rich(texts.ENGAGEMENT_NOT_FOUND, name=name[:60]))
        return self.engagement_detail(session, match, qualification=not customer)

    def engagement_detail(
        self,
        session: Session,
        match: Engagement,
        *,
        qualification: bool = True,
        pov_line: bool = True,
        document: bool = False,
    ) -> Outbound:
        """An engagement and (``qualification``) its qualification summary: our notes on
        the opportunity, for our side only (the channel view and the export); ``pov_line``:
        a delivery engagement's proof of value and outcome (the delivery readout shows
        the proof of value in a section of its own, without our outcome); ``document``:
        for the stakeholder readout (an assessment's plan without who is behind)."""
        tenant = match.tenant
        weeks = texts.plural(match.iteration_weeks, "week") if match.iteration_weeks else "— weeks"
        blocks: list[Any] = [
            Heading(text=match.name),
            Fields(
                items=(
                    Field_(label="Customer", value=match.customer),
                    Field_(
                        label="Starts",
                        value=match.start_date.strftime("%d %b %Y") if match.start_date else "—",
                    ),
                    Field_(
                        label="Iterations",
                        value=f"{match.iterations or '—'} × {weeks}",
                    ),
                    Field_(
                        label="Qualification",
                        value=self._qualification_headline(session, match),
                    ),
                )
            ),
        ]
        if match.plan is not None:  # an assessment: its plan instead of iterations
            fields = blocks[1].items
            blocks[1] = Fields(items=tuple(f for f in fields if f.label != "Iterations"))
            today = None if document else self.clock.now().date()
            invitations = [] if document else repo.invitations(session, match.id)
            blocks += assessments.plan_blocks(match, invitations, today)
        blocks += self.delivery.detail_blocks(
            session, match, self.clock.now().date(), pov_line=pov_line
        )
        if qualification and match.qualification_run_id is not None:
            run = repo.get_run(session, match.qualification_run_id)
            if run is not None and run.tenant == tenant and run.status == "completed":
                blocks += self.summary_of(run)
        return reply(*blocks)

    def summary_of(self, run: DialogRun) -> list[Any]:
        """Re-render a completed run's summary from its stored answers."""
        dialog = self.catalog.get(run.dialog_id)
        state = DialogState.model_validate(run.state)
        if state.dialog_version == dialog.version:
            answers = engine.applicable_answers(dialog, state.answers)
        else:
            # Given under an older version of the dialog: shown as they were given (the
            # summary reads both shapes), not filtered by today's questions.
            answers = {p: a.value for p, a in state.answers.items() if not a.skipped}
        result = registry.SUMMARIZERS[dialog.summarize](answers) if dialog.summarize else {}
        if dialog.on_complete:  # its context (what the action made) is not replayed
            return []
        return self.summaries.render(
            dialog.summary_template, {"answers": engine.grouped(dialog, answers), **result}
        )

    # -- App Home and resume buttons --------------------------------------------

    def home(self, session: Session, person: Person) -> Outbound:
        """What a person sees on a home surface: engagements, open dialogs to resume."""
        tenant = tenant_of(person)
        participant = self._participant(session, person)
        blocks: list[Any] = list((self._list(session, tenant, participant.id)).blocks)
        open_runs = [
            r
            for r in repo.runs_of(session, tenant=tenant, participant_id=participant.id)
            if r.status in ("active", "paused")
        ]
        if open_runs:
            blocks.append(
                Question(
                    prompt_key=HOME_RESUME,
                    text=texts.YOUR_OPEN_DIALOGS,
                    input="choice",
                    options=tuple(self._resume_option(r) for r in open_runs),
                )
            )
        return reply(*blocks)

    def _resume_from_home(self, session: Session, here: Here) -> list[Outbound]:
        action = here.inbound.action
        run_id = action.values[0] if action and action.values else ""
        run = repo.get_run(session, int(run_id)) if run_id.isdigit() else None
        if (
            run is None
            or run.participant_id != here.who.id
            or run.status not in ("active", "paused")
        ):
            return [
                reply(rich(texts.ENDED_ACTION)),
                self._menu(session, here.who.id, here.inbound.conversation.key),
            ]
        return self.activate(session, here, run)

    # -- work the scheduler and the dispatcher hand over -------------------------------

    def undeliverable(
        self, session: Session, to: ConversationRef, message: Outbound, reason: str
    ) -> list[Outbound]:
        """A message the platform will not deliver, ever (a guest, another organisation,
        a deactivated account): what to tell whom instead."""
        return self.interviews.undeliverable(session, to, message, reason)

    def due(self, session: Session) -> list[Outbound]:
        """Messages the clock says are due (nudges, overdue RAID items), each addressed."""
        return self.interviews.due_nudges(session) + self.raid.due_reminders(session)

    def withheld(self, session: Session, to: ConversationRef, message: Outbound) -> list[Outbound]:
        """An internal message not posted because ``to`` is shared with another
        organisation: what to post there instead, and whom to send it privately."""
        return confidential.withheld(self, session, to, message)


def state_context(run: RunRow) -> dict[str, Any]:
    context = run.state.get("context", {})
    return dict(context) if isinstance(context, dict) else {}
