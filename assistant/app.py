"""The composition root: settings in, a running assistant out. Built once per process."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field

from assistant.clock import Clock, SystemClock
from assistant.definitions import Catalog, load_catalog
from assistant.dispatch import Dispatcher
from assistant.events import Outbound, Person
from assistant.service import TurnService
from assistant.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Assistant:
    settings: Settings
    db: Database
    catalog: Catalog
    service: TurnService
    dispatcher: Dispatcher
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    async def start(
        cls, settings: Settings, *, clock: Clock | None = None, migrate: bool = True
    ) -> Assistant:
        """Load and check the dialogs, open the database and bring its schema up to date."""
        clock = clock or SystemClock()
        catalog = load_catalog()
        db = Database.from_url(settings.DATABASE_URL)
        if migrate:
            await db.upgrade()
        service = TurnService(
            catalog,
            clock,
            nudge_after_hours=settings.NUDGE_AFTER_HOURS,
            links=settings.links,
            reminder_grace_minutes=settings.REMINDER_GRACE_MINUTES,
        )
        dispatcher = Dispatcher(db, service, clock=clock)
        return cls(settings, db, catalog, service, dispatcher, clock)

    def ready_to_serve(self) -> None:
        """For a long-running server, once started: do now what the first turns would
        otherwise stop everyone for, then keep the garbage collector's pauses short.

        Every summary template is compiled (importing Jinja2 takes ~50 ms, which the
        terminal chat saves at start-up). Then what start-up built (dialogs, SQLAlchemy's
        and pydantic's machinery, platform SDKs) is moved out of the cyclic collector's
        sight: its full collections scan only what turns create, pauses of a few
        milliseconds instead of about 60, which every message arriving meanwhile would
        wait out (bench/engine.py's open-loop run shows both)."""
        for dialog in self.catalog.dialogs.values():
            self.service.summaries.env.get_template(dialog.summary_template)
        gc.collect()
        gc.freeze()

    async def home(self, person: Person) -> Outbound:
        """What a person sees on a home surface (Slack's App Home), read in one transaction."""
        return await self.db.run(lambda session: self.service.home(session, person))

    async def close(self) -> None:
        await self.dispatcher.close()
        await self.db.close()
