"""The composition root: settings in, a running assistant out. Built once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from assistant.clock import Clock, SystemClock
from assistant.definitions import Catalog, load_catalog
from assistant.dispatch import Dispatcher
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
        service = TurnService(catalog, clock)
        dispatcher = Dispatcher(db, service, clock=clock)
        return cls(settings, db, catalog, service, dispatcher, clock)

    async def close(self) -> None:
        await self.db.close()
