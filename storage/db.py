"""Engines, sessions and migrations. The only place that knows the database URL."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
# Most transactions SQLite commits together (one fsync for all of them).
MAX_GROUP_COMMIT = 8
# Callables a transaction leaves in ``session.info[AFTER_COMMIT]`` run once it is durable
# (for example, caching a row only when it is certain to exist).
AFTER_COMMIT = "vsa.after_commit"
# How long SQLite work waits for a write lock another connection holds (another process
# on the same file, or the OAuth stores' own engine), retrying without blocking the loop.
LOCK_WAIT = 10.0
# PostgreSQL connections kept open: the dispatcher runs up to 32 turns at once, and
# events are recorded beside them before their acks. A connection opened for a burst and
# closed after it costs a server process and the preparing of every statement again.
POOL_SIZE = 40
POOL_OVERFLOW = 10
_FIRST_RETRY, _LONGEST_RETRY = 0.001, 0.05

log = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """The database is unreachable or misconfigured; the message says what to check."""


def async_url(url: str) -> URL:
    """Accept the URLs people write and pick the async driver for them.

    ``postgres://``, ``postgresql://`` and ``postgresql+psycopg://`` become asyncpg;
    ``sqlite:///file`` becomes aiosqlite. An explicit async driver is kept.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.get_driver_name() != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend not in ("postgresql", "sqlite"):
        raise DatabaseError(f"DATABASE_URL must be SQLite or PostgreSQL, not {backend!r}")
    return parsed


def _sqlite_setup(engine: Engine, *, pysqlite: bool = False) -> None:
    # WAL lets readers run beside the one writer; synchronous=FULL makes every commit
    # durable (fsync of the WAL), which "no answer is ever lost" needs.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we emit it ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        # Our own connection runs on the event loop, so it never sleeps in SQLite while
        # the lock is taken: it is told at once and retries later (see LOCK_WAIT). The
        # OAuth stores' engine runs on its own thread and may wait there.
        timeout = 0 if pysqlite else int(LOCK_WAIT * 1000)
        cursor.execute(f"PRAGMA busy_timeout={timeout}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads
    # and then writes can fail with "database is locked" without waiting at all (another
    # process, such as a second `vsa chat`, may share the file).
    # (On our own pysqlite connection it goes straight to the driver: every turn begins
    # a transaction, and SQLAlchemy's statement machinery would cost more than the
    # statement. Database._drain takes the lock before the work is chosen.)
    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        if not pysqlite:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not (driver := conn.connection.driver_connection).in_transaction:
            driver.execute("BEGIN IMMEDIATE")


T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    """SQLite work waiting for its turn on the connection, answered through ``future``."""

    fn: Callable[[Any], T]
    future: asyncio.Future[T]
    # A session job may share a transaction with others; a connection job runs alone,
    # as does a session job whose group was rolled back.
    with_session: bool = True
    alone: bool = False
    result: Any = field(default=None, init=False)


def _settle(job: _Job[Any], error: BaseException | None) -> None:
    if job.future.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(job.result)


def _after_commit(session: Session) -> None:
    """Run what waited for the commit. The work is stored whatever happens here: a
    failing callback is logged, never reported as the transaction's failure."""
    for callback in session.info.pop(AFTER_COMMIT, ()):
        try:
            callback()
        except Exception:
            log.exception("work after a commit failed (the transaction itself is stored)")


def _dropped_before_commit(error: DBAPIError, attempt: int) -> bool:
    """Whether a PostgreSQL transaction is worth running again: its pooled connection
    proved dropped (the server restarted, an idle timeout, a failover) before anything was
    committed, so nothing of it is stored (autocommit work is written to run again).
    Once only: a second drop is an outage, for the caller to report."""
    if not error.connection_invalidated or attempt > 1:
        return False
    log.info("the database connection was dropped; running the transaction on a new one")
    return True


def _is_locked(error: BaseException) -> bool:
    """SQLite said another connection holds the write lock (SQLITE_BUSY / LOCKED)."""
    found = getattr(error, "orig", error)
    return isinstance(found, sqlite3.OperationalError) and found.sqlite_errorcode in (
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
    )


class Database:
    """Every query goes through :meth:`run`: ``fn(session)`` in one transaction.

    Repositories and the turn service are plain functions over a SQLAlchemy
    ``Session``; how they run is decided here, once:

    * **SQLite** (the embedded default) has one writer at a time, so all work runs on
      one connection, one transaction after another, on the event loop's own thread:
      never "database is locked" inside the process, and no thread hop per turn (a
      hop costs more than a turn's SQL, and the GIL would serialize the work anyway).
      Work that arrives while a transaction runs is *group-committed*: the next
      transaction runs the waiting functions one after another and commits them with
      one fsync. Each caller still gets its answer only once its work is durable; if
      one function raises, the group is rolled back and every function is run again
      alone, so one failure never takes another caller's work with it. When another
      connection holds the write lock, the work waits for it with timers, never by
      sleeping in SQLite, so the loop keeps serving (and the OAuth stores' own engine,
      which may be the holder, can finish).
    * **PostgreSQL** runs on SQLAlchemy's async engine (asyncpg); ``fn`` runs through
      ``AsyncSession.run_sync``, so the same code needs no thread.

    ``fn`` may run more than once (after a rolled-back group), so it must not change
    anything outside the session before the commit: it leaves such work in
    ``session.info[AFTER_COMMIT]``. On SQLite it runs on the event loop, so it must not
    wait on anything but the database, nor compute for long (render pictures outside it).
    """

    def __init__(self, database_url: str) -> None:
        url = async_url(database_url)
        self.url = url
        self._sqlite = url.get_backend_name() == "sqlite"
        self._closed = False
        # The SQLite work waiting to run, in this order: jobs of a rolled-back group,
        # urgent work, the rest. And the loop a drain is due on.
        self._retry: deque[_Job[Any]] = deque()
        self._urgent: deque[_Job[Any]] = deque()
        self._waiting: deque[_Job[Any]] = deque()
        self._drain_due: asyncio.AbstractEventLoop | None = None
        self._lock_waited_since: float | None = None
        self._thread: int | None = None  # the thread SQLite's connection belongs to
        self._connection: Connection | None = None  # SQLite's one connection...
        self._session: Session | None = None  # ...and its one session, reused
        self._async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        self._autocommit_sessions: async_sessionmaker[AsyncSession] | None = None
        if self._sqlite:
            database = url.database
            if database and database != ":memory:":
                folder = Path(database).expanduser().parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise DatabaseError(
                        f"cannot create the folder {folder} for the SQLite database "
                        f"({error.strerror}); check DATABASE_URL"
                    ) from error
            self.engine: Engine = sa_create_engine(url.set(drivername="sqlite+pysqlite"))
            _sqlite_setup(self.engine, pysqlite=True)
        else:
            # No ping before each checkout (on asyncpg a BEGIN, a query and a ROLLBACK:
            # nine round trips a turn): a connection found dropped is retried instead.
            self._async_engine = create_async_engine(
                url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
            )
            self._async_sessions = async_sessionmaker(self._async_engine, expire_on_commit=False)
            # The same pool, with each statement committed by itself.
            self._autocommit_sessions = async_sessionmaker(
                self._async_engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
            )
            self.engine = self._async_engine.sync_engine

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        return cls(database_url)

    @property
    def async_engine(self) -> AsyncEngine:
        """An async engine on the same database, for libraries that need one (slack-sdk's
        OAuth stores). On SQLite it is opened on first use and shares the file, not our
        connection: those libraries write rarely (an install); while they hold the
        write lock our work waits for it (see LOCK_WAIT)."""
        if self._async_engine is None:
            self._async_engine = create_async_engine(self.url)
            _sqlite_setup(self._async_engine.sync_engine)
        return self._async_engine

    @property
    def is_sqlite(self) -> bool:
        return self._sqlite

    async def run(
        self, fn: Callable[[Session], T], *, urgent: bool = False, autocommit: bool = False
    ) -> T:
        """Run ``fn`` in a transaction, committed when it returns, rolled back if it raises.

        ``urgent`` work goes ahead of waiting work on SQLite: recording an event that a
        platform waits to see acknowledged must not queue behind other people's turns.

        ``autocommit`` is for work whose statements each stand alone and may run again
        (an upsert, an insert that ignores a duplicate): on PostgreSQL each statement
        commits by itself, which spares a transaction's BEGIN and COMMIT round trips (on
        SQLite the work is one transaction, group-committed, as ever)."""
        if self._sqlite:
            return await self._submit(fn, with_session=True, urgent=urgent)
        sessions = self._autocommit_sessions if autocommit else self._async_sessions
        assert sessions is not None
        for attempt in (1, 2):
            session = sessions()
            try:
                try:
                    result = await session.run_sync(fn)
                except DBAPIError as error:
                    if _dropped_before_commit(error, attempt):
                        continue
                    raise
                await session.commit()
            finally:
                await session.close()
            _after_commit(session.sync_session)
            return result
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def run_connection(self, fn: Callable[[Connection], T]) -> T:
        """Like :meth:`run`, with a Core connection (migrations, raw checks)."""
        if self._sqlite:
            return await self._submit(fn, with_session=False)
        assert self._async_engine is not None
        for attempt in (1, 2):
            async with self._async_engine.connect() as connection:
                try:
                    result = await connection.run_sync(fn)
                except DBAPIError as error:
                    if _dropped_before_commit(error, attempt):
                        continue
                    raise
                await connection.commit()
                return result
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _submit(
        self, fn: Callable[[Any], T], *, with_session: bool, urgent: bool = False
    ) -> T:
        if self._closed:
            raise DatabaseError("the database is closed")
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(fn, loop.create_future(), with_session)
        (self._urgent if urgent else self._waiting).append(job)
        if self._drain_due is not loop:
            # Next time round the loop: what arrives meanwhile joins the same commit.
            self._drain_due = loop
            loop.call_soon(self._drain)
        return await job.future

    # -- SQLite: one connection, on the loop -------------------------------------

    def _drain(self) -> None:
        """Run one transaction of waiting work (one job, or a group of them), then let the
        loop serve network events before the next."""
        loop = asyncio.get_running_loop()
        self._drain_due = None
        if not self._pending():
            return
        try:
            # Take the write lock before choosing the work: if another connection holds
            # it, wait here (by timer), not inside someone's transaction.
            self._open().execute("BEGIN IMMEDIATE")
        except Exception as error:
            if isinstance(error, sqlite3.Error):  # raised as SQLAlchemy would raise it
                error = DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error)
            if not _is_locked(error):
                self._fail_all(error)
                return
            now = loop.time()
            since = self._lock_waited_since = self._lock_waited_since or now
            if now - since >= LOCK_WAIT:
                self._lock_waited_since = None
                self._fail_all(error)
                return
            self._drain_due = loop
            loop.call_later(min(_LONGEST_RETRY, max(_FIRST_RETRY, now - since)), self._drain)
            return
        self._lock_waited_since = None
        first = self._next()
        if first.alone or not first.with_session:
            self._run_alone(first)
        else:
            group = [first]
            while len(group) < MAX_GROUP_COMMIT and (more := self._peek()) is not None:
                if more.alone or not more.with_session:
                    break
                group.append(self._next())
            self._run_group(group)
        if self._pending() and self._drain_due is None:
            self._drain_due = loop
            loop.call_soon(self._drain)

    def _pending(self) -> bool:
        return bool(self._retry or self._urgent or self._waiting)

    def _peek(self) -> _Job[Any] | None:
        for waiting in (self._retry, self._urgent, self._waiting):
            if waiting:
                return waiting[0]
        return None

    def _next(self) -> _Job[Any]:
        return (self._retry or self._urgent or self._waiting).popleft()

    def _open(self) -> sqlite3.Connection:
        """SQLite's connection (opened on first use), as the driver's own."""
        if self._connection is None:
            # One connection for the database's life: a transaction needs no checkout.
            self._connection = self.engine.connect()
            self._session = Session(self._connection, expire_on_commit=False)
            self._thread = threading.get_ident()
        elif self._thread != threading.get_ident():
            raise DatabaseError("the SQLite database is used from a second thread")
        driver = self._connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return driver

    def _fail_all(self, error: BaseException) -> None:
        # Each caller gets the error and answers for it (a clear message, an apology).
        log.debug("SQLite cannot run the waiting work: %s", error)
        while self._pending():
            _settle(self._next(), error)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """The session in a new transaction: committed when the block ends,
        rolled back if it raises. Either way the session is left empty, as ``close()``
        would leave it: what a job returns is detached, and the work a failed
        transaction left for after its commit is dropped."""
        session = self._session
        assert session is not None
        try:
            with session.begin():
                session.connection()  # the transaction the lock was taken for
                yield session
        except BaseException:
            session.info.pop(AFTER_COMMIT, None)
            raise
        finally:
            session.expunge_all()
        _after_commit(session)

    def _run_alone(self, job: _Job[Any]) -> None:
        try:
            if job.with_session:
                with self._transaction() as session:
                    job.result = job.fn(session)
            else:
                assert self._connection is not None
                with self._connection.begin():
                    job.result = job.fn(self._connection)
        except Exception as error:
            _settle(job, error)
        else:
            _settle(job, None)

    def _run_group(self, group: list[_Job[Any]]) -> None:
        if len(group) <= 1:
            if group:
                self._run_alone(group[0])
            return
        try:
            with self._transaction() as session:
                for job in group:
                    job.result = job.fn(session)
                    session.flush()
        except Exception:
            # Someone's work failed (or the commit did): nothing of the group is stored.
            # Run each alone next, so the failure reaches only its own caller.
            log.debug("group of %d rolled back; running each alone", len(group))
            for job in reversed(group):
                job.alone = True
                self._retry.appendleft(job)
            return
        for job in group:
            _settle(job, None)

    async def upgrade(self) -> None:
        """Bring the schema to the head revision; one cheap query when it is already there.

        A database that can't be reached or opened is a :class:`DatabaseError` that says
        what failed, for the person who set ``DATABASE_URL``."""
        try:
            if await self.is_current():
                return
            await self.run_connection(_upgrade)
        except (TimeoutError, OSError) as error:
            raise DatabaseError(
                f"cannot reach the database at {self.shown_url}: {error}; check DATABASE_URL "
                "and that the server is running"
            ) from error
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            raise DatabaseError(
                f"cannot open the database at {self.shown_url}: {reason}; check DATABASE_URL"
            ) from error

    @property
    def shown_url(self) -> str:
        """The database URL as it may be shown to a person (no password)."""
        return self.url.render_as_string(hide_password=True)

    async def is_current(self) -> bool:
        heads = _heads_from_files()

        def read(connection: Connection) -> set[str]:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {row[0] for row in rows}

        try:
            return await self.run_connection(read) == heads and len(heads) == 1
        except SQLAlchemyError:
            return False  # no version table yet: a new database

    async def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        return await self.run_connection(
            lambda connection: MigrationContext.configure(connection).get_current_revision()
        )

    async def close(self) -> None:
        """Finish the waiting work, then close the connections."""
        self._closed = True
        waiting = [job.future for job in (*self._retry, *self._urgent, *self._waiting)]
        await asyncio.gather(*waiting, return_exceptions=True)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._sqlite:
            self.engine.dispose()
        if self._async_engine is not None:
            await self._async_engine.dispose()


def _upgrade(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    config = _alembic_config(str(connection.engine.url))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _alembic_config(engine_url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


_REVISION = re.compile(r"^revision(?:: str)? = ['\"](?P<id>[^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = (?:['\"](?P<id>[^'\"]+)['\"]|None)", re.M)


def _heads_from_files() -> set[str]:
    """The head revision(s), read from the migration files without importing Alembic
    (it costs a fifth of a second, and `vsa chat` must start fast)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision:
            revisions.add(revision["id"])
        if down and down["id"]:
            parents.add(down["id"])
    return revisions - parents
