"""The turn service: load the person's state, run the engine, save what happened.

One call of :meth:`TurnService.turn` is one turn in one transaction (the caller's
session). Top-level commands (start a dialog, list engagements, help) live here;
everything inside a dialog is the pure engine's.
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from assistant import engine, registry, texts
from assistant.actions import CompletionContext
from assistant.clock import Clock
from assistant.definitions import Catalog, Dialog, normalize_words
from assistant.engine import AnswerSet, Cancelled, Completed, DialogState, StoredAnswer, Turn
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
from storage.models import DialogRun, Engagement
from storage.repositories import RunRow

PEOPLE_CACHE_SIZE = 10_000
MENU = "menu"
HOME_RESUME = "home:resume"
SESSION_OPEN = "session:open"  # a client opened the conversation (the terminal chat starts)
_SHOW = re.compile(r"^(?:show\s+)?engagement\s+(?P<name>.+)$|^show\s+(?P<other>.+)$", re.I)
_GREETINGS = {"hi", "hello", "hey", "menu", "start", "hi there", "good morning", "yo", ""}
_LIST_WORDS = {"engagements", "list engagements", "list", "my engagements", "show engagements"}
_HELP_WORDS = {"help", "commands", "what can you do"}


@dataclass(frozen=True)
class Who:
    """A participant as a turn needs them (a row's id and name, cached between turns)."""

    id: int
    display_name: str | None
    timezone: str | None


def tenant_of(person: Person) -> str:
    """Data is scoped to one Slack workspace / Teams tenant / the local console."""
    return f"{person.platform}:{person.workspace}"


class TurnService:
    def __init__(self, catalog: Catalog, clock: Clock) -> None:
        self.catalog = catalog
        self.clock = clock
        self.summaries = Summaries(catalog.templates_dir)
        # Participants already stored, by identity: most turns need no lookup.
        self._people: OrderedDict[tuple[str, str, str], Who] = OrderedDict()

    # -- entry point ---------------------------------------------------------

    def turn(self, session: Session, inbound: Inbound) -> list[Outbound]:
        sender = inbound.sender
        if not inbound.addressed and not repo.in_dialog(
            session, sender.platform, sender.workspace, sender.user_id, inbound.conversation.key
        ):
            return []  # said beside a dialog, not to us: left alone, nobody stored
        participant = self._participant(session, inbound.sender)
        run = repo.active_run(session, participant.id, inbound.conversation.key)
        action = inbound.action
        if action is not None and action.prompt_key == SESSION_OPEN:
            if run is not None:
                return self._resume(session, run)
            return self._top_level(session, participant, inbound.model_copy(update={"text": "hi"}))
        if action is not None and action.prompt_key == HOME_RESUME:
            return self._resume_from_home(session, participant, inbound)
        if action is not None and action.prompt_key.startswith(f"{MENU}:"):
            if run is not None:
                return self._resume(session, run)
            choice = action.values[0] if action.values else ""
            return self._menu_choice(session, participant, inbound, choice)
        if run is not None:
            return self._advance(session, run, inbound)
        return self._top_level(session, participant, inbound)

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

    def _advance(self, session: Session, run: RunRow, inbound: Inbound) -> list[Outbound]:
        dialog = self.catalog.get(run.dialog_id)
        state = DialogState.model_validate(run.state)
        turn = engine.advance(dialog, state, inbound, self.today(inbound.sender))
        return self._save(session, run, dialog, turn, state.answers)

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
                case Cancelled():
                    pass
        slot = None
        if turn.state.status == "active":
            slot = turn.asking or engine.current_slot(dialog, turn.state)
        repo.save_run(
            session,
            run,
            state_json=turn.state.model_dump_json(),
            current_step=slot.path if slot else None,
            status=turn.state.status,
            result=result,
            now=now,
        )
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
        if dialog.on_complete:
            extra = registry.COMPLETION_ACTIONS[dialog.on_complete](
                CompletionContext(session, run, run.tenant, shaped, state_context(run))
            )
        blocks = self.summaries.render(
            dialog.summary_template, {"answers": shaped, **result, **extra}
        )
        follow_up = self._menu(
            customer=shaped.get("customer") if dialog.id == "qualification" else None
        )
        return result, [Outbound(blocks=tuple(blocks)), follow_up]

    # -- outside a dialog ---------------------------------------------------------

    def _top_level(self, session: Session, participant: Who, inbound: Inbound) -> list[Outbound]:
        text = inbound.text.strip()
        words = normalize_words(text)
        dialog = self.catalog.by_start_words(text)
        if dialog is not None:
            return self._start(session, participant, inbound, dialog)
        if words.isdigit():
            options = self._menu_options(None)
            number = int(words)
            if 1 <= number <= len(options):
                return self._menu_choice(session, participant, inbound, options[number - 1].value)
        if words in _LIST_WORDS:
            return [self._list(session, tenant_of(inbound.sender))]
        show = _SHOW.match(text)
        if show is not None:
            return [self._show(session, tenant_of(inbound.sender), show["name"] or show["other"])]
        if words in _HELP_WORDS:
            return [self._help()]
        if words == "status":
            return [Outbound(blocks=(rich(texts.NOTHING_IN_PROGRESS),)), self._menu()]
        greeting = rich(
            texts.GREETING, name=f" {participant.display_name}" if participant.display_name else ""
        )
        if words not in _GREETINGS:
            greeting = rich(texts.NOT_UNDERSTOOD)
        return [
            Outbound(blocks=(greeting,)),
            self._menu(self._last_qualified(session, participant, inbound)),
        ]

    def _menu_choice(
        self, session: Session, participant: Who, inbound: Inbound, choice: str
    ) -> list[Outbound]:
        if choice in self.catalog.dialogs:
            return self._start(session, participant, inbound, self.catalog.get(choice))
        if choice == "list":
            return [self._list(session, tenant_of(inbound.sender))]
        return [self._help()]

    def _start(
        self, session: Session, participant: Who, inbound: Inbound, dialog: Dialog
    ) -> list[Outbound]:
        prefill: dict[str, StoredAnswer] = {}
        context: dict[str, Any] = {}
        if dialog.id == "engagement":
            qualification = self._last_qualification_run(session, participant, inbound)
            if qualification is not None:
                customer = qualification.state["answers"]["customer"]["value"]
                prefill["customer"] = StoredAnswer(raw=customer, value=customer)
                context["qualification_run_id"] = qualification.id
        turn = engine.start(dialog, uuid.uuid4().hex[:12], prefill)
        state = turn.state.model_copy(update={"context": context}) if context else turn.state
        ref = inbound.conversation
        run = repo.start_run(
            session,
            tenant=tenant_of(inbound.sender),
            dialog_id=dialog.id,
            dialog_version=dialog.version,
            participant_id=participant.id,
            conversation_key=ref.key,
            conversation=ref.model_dump(mode="json"),
            state_json=state.model_dump_json(),
            now=self.clock.now(),
        )
        for path, stored in prefill.items():
            repo.record_answer(
                session,
                run=run,
                path=path,
                raw_text=stored.raw,
                value=stored.value,
                skipped=False,
                now=self.clock.now(),
                replaces=False,
            )
        return self._save(
            session, run, dialog, Turn(state, turn.messages, turn.events, turn.asking), {}
        )

    def _last_qualification_run(
        self, session: Session, participant: Who, inbound: Inbound
    ) -> DialogRun | None:
        """The person's latest finished dialog here, when it was a completed qualification."""
        runs = repo.runs_of(
            session, tenant=tenant_of(inbound.sender), participant_id=participant.id
        )
        here = [
            r
            for r in runs
            if r.conversation_key == inbound.conversation.key and r.status != "active"
        ]
        if here and here[-1].dialog_id == "qualification" and here[-1].status == "completed":
            return here[-1]
        return None

    def _last_qualified(self, session: Session, participant: Who, inbound: Inbound) -> str | None:
        run = self._last_qualification_run(session, participant, inbound)
        return str(run.state["answers"]["customer"]["value"]) if run is not None else None

    # -- messages -----------------------------------------------------------------

    def _menu_options(self, customer: str | None) -> tuple[Option, ...]:
        engagement = (
            texts.START_ENGAGEMENT_FOR.format(customer=customer)[:75]
            if customer
            else texts.MENU_ENGAGEMENT
        )
        return (
            Option(
                value="qualification",
                label=texts.QUALIFY_ANOTHER if customer else texts.MENU_QUALIFY,
            ),
            Option(value="engagement", label=engagement),
            Option(value="list", label=texts.MENU_LIST),
            Option(value="help", label=texts.MENU_HELP),
        )

    def _menu(self, customer: str | None = None) -> Outbound:
        return Outbound(
            blocks=(
                Question(
                    prompt_key=f"{MENU}:{uuid.uuid4().hex[:8]}",
                    text=texts.WHAT_NEXT,
                    input="choice",
                    options=self._menu_options(customer),
                ),
            )
        )

    def _help(self) -> Outbound:
        return Outbound(
            blocks=(
                rich(texts.GREETING, name=""),
                BulletList(
                    items=tuple(
                        (Span(text=word, style="bold"), Span(text=f" — {what}"))
                        for word, what in texts.TOP_LEVEL_HELP
                    )
                ),
                rich(texts.HELP_COMMANDS),
                BulletList(
                    items=tuple(
                        (Span(text=word, style="bold"), Span(text=f" — {what}"))
                        for word, what in texts.COMMANDS_HELP
                    )
                ),
            )
        )

    def _qualification_headline(self, session: Session, engagement: Engagement) -> str:
        if engagement.qualification_run_id is None:
            return texts.NO_QUALIFICATION
        run = repo.get_run(session, engagement.qualification_run_id)
        if run is None or run.tenant != engagement.tenant or not run.result:
            return texts.NO_QUALIFICATION
        return str(run.result.get("headline", texts.NO_QUALIFICATION))

    def _list(self, session: Session, tenant: str) -> Outbound:
        found = repo.engagements(session, tenant)
        if not found:
            return Outbound(blocks=(rich(texts.NO_ENGAGEMENTS),))
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
        return Outbound(
            blocks=(Heading(text=texts.ENGAGEMENTS_TITLE), BulletList(items=tuple(items)))
        )

    def _show(self, session: Session, tenant: str, name: str) -> Outbound:
        wanted = normalize_words(name)
        match = next(
            (
                e
                for e in repo.engagements(session, tenant)
                if wanted in (normalize_words(e.name), normalize_words(e.slug))
            ),
            None,
        )
        if match is None:
            return Outbound(blocks=(rich(texts.ENGAGEMENT_NOT_FOUND, name=name[:60]),))
        return self.engagement_detail(session, match)

    def engagement_detail(self, session: Session, match: Engagement) -> Outbound:
        """An engagement and its qualification summary (the channel view and the export)."""
        tenant = match.tenant
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
                        value=f"{match.iterations or '—'} × {match.iteration_weeks or '—'} week(s)",
                    ),
                    Field_(
                        label="Qualification",
                        value=self._qualification_headline(session, match),
                    ),
                )
            ),
        ]
        if match.qualification_run_id is not None:
            run = repo.get_run(session, match.qualification_run_id)
            if run is not None and run.tenant == tenant and run.status == "completed":
                blocks += self.summary_of(run)
        return Outbound(blocks=tuple(blocks))

    def summary_of(self, run: DialogRun) -> list[Any]:
        """Re-render a completed run's summary from its stored answers."""
        dialog = self.catalog.get(run.dialog_id)
        state = DialogState.model_validate(run.state)
        answers = engine.applicable_answers(dialog, state.answers)
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
        blocks: list[Any] = list((self._list(session, tenant)).blocks)
        open_runs = [
            r
            for r in repo.runs_of(session, tenant=tenant, participant_id=participant.id)
            if r.status == "active"
        ]
        if open_runs:
            blocks.append(
                Question(
                    prompt_key=HOME_RESUME,
                    text="Your open dialogs",
                    input="choice",
                    options=tuple(
                        Option(
                            value=str(r.id),
                            label=f"Resume: {self.catalog.get(r.dialog_id).title}"[:75],
                        )
                        for r in open_runs
                    ),
                )
            )
        return Outbound(blocks=tuple(blocks))

    def _resume_from_home(
        self, session: Session, participant: Who, inbound: Inbound
    ) -> list[Outbound]:
        run_id = inbound.action.values[0] if inbound.action and inbound.action.values else ""
        run = repo.get_run(session, int(run_id)) if run_id.isdigit() else None
        if run is None or run.participant_id != participant.id or run.status != "active":
            return [Outbound(blocks=(rich(texts.ENDED_ACTION),)), self._menu()]
        where = ConversationRef.model_validate(run.conversation)
        messages = self._resume(session, RunRow.of(run))
        return [m.model_copy(update={"to": where}) for m in messages]


def state_context(run: RunRow) -> dict[str, Any]:
    context = run.state.get("context", {})
    return dict(context) if isinstance(context, dict) else {}
