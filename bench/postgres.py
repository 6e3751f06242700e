"""PostgreSQL for the benchmarks: which server to measure, and databases of their own on it.

Every benchmark prints PostgreSQL figures when a server answers: the one asked for,
else the one ``DATABASE_URL`` names, else the local default (127.0.0.1:5432, user
postgres, trust auth). Each measurement runs in a database made for it and dropped
after, so nothing is left behind on the server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from storage.db import async_url

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


async def execute(server: str, sql: str) -> None:
    """``sql`` on the server's own database (no transaction: CREATE/DROP DATABASE)."""
    import asyncpg

    plain = async_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def database_url(server: str, name: str) -> str:
    return async_url(server).set(database=name).render_as_string(hide_password=False)


def answers(server: str) -> bool:
    try:
        asyncio.run(execute(server, "SELECT 1"))
    except Exception:  # refused, unknown host, bad credentials, no driver: not measured
        return False
    return True


def server(asked: str | None = None) -> str | None:
    """The PostgreSQL server to measure: ``asked``, named by DATABASE_URL, or the local
    default when it answers; None when there is none."""
    if asked:
        return asked
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql")):
        return configured
    return LOCAL if answers(LOCAL) else None


def _database(label: str, template: str | None) -> tuple[str, str, str]:
    """A new database's name and the statements that create and drop it."""
    name = f"vsa_{label}_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    return name, f'CREATE DATABASE "{name}"{copy}', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'


@asynccontextmanager
async def scratch(
    server: str, label: str = "bench", template: str | None = None
) -> AsyncIterator[str]:
    """A new database on ``server`` (a copy of ``template`` if given), dropped after;
    yields its URL."""
    name, create, drop = _database(label, template)
    await execute(server, create)
    try:
        yield database_url(server, name)
    finally:
        await execute(server, drop)


@contextmanager
def scratch_sync(server: str, label: str = "bench", template: str | None = None) -> Iterator[str]:
    """:func:`scratch` for code that runs event loops of its own."""
    name, create, drop = _database(label, template)
    asyncio.run(execute(server, create))
    try:
        yield database_url(server, name)
    finally:
        asyncio.run(execute(server, drop))
