"""Shared fixtures: a fresh database per test, on SQLite by default or on PostgreSQL
when DATABASE_URL points at one (CI runs the suite both ways)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.settings import Settings

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith(("postgres://", "postgresql"))


def _admin_url() -> str:
    from storage.db import async_url

    url = async_url(POSTGRES_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_admin_url())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _database_of(name: str) -> str:
    from storage.db import async_url

    return async_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str | None]:
    """A migrated template database; each test copies it (much faster than migrating)."""
    if not ON_POSTGRES:
        yield None
        return
    from storage.db import Database

    name = f"vsa_tpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))

    async def migrate() -> None:
        db = Database.from_url(_database_of(name))
        await db.upgrade()
        await db.close()

    asyncio.run(migrate())
    yield name
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(tmp_path: Path, _pg_template: str | None) -> Iterator[str]:
    """A database of its own for one test."""
    if _pg_template is None:
        yield f"sqlite:///{tmp_path / 'vsa.db'}"
        return
    name = f"vsa_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"'))
    yield _database_of(name)
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: nothing from the developer's environment or .env file."""
    values: dict[str, Any] = {"DATABASE_URL": database_url, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def assistant(settings: Settings) -> AsyncIterator[Assistant]:
    started = await Assistant.start(settings)
    yield started
    await started.close()


# Tuesday 1 December 2026, 09:00 UTC: where the clock of the `clocked` assistant starts.
TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    """An assistant on a clock the test moves (``clock.advance(days=1)``)."""
    clock = FixedClock(TUESDAY)
    started = await Assistant.start(settings, clock=clock)
    yield started, clock
    await started.close()
