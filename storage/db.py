"""Engines, sessions and migrations. The only place that knows the database URL."""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
# Most transactions the SQLite writer commits together (one fsync for all of them).
MAX_GROUP_COMMIT = 8
# Callables a transaction leaves in ``session.info[AFTER_COMMIT]`` run once it is durable
# (for example, caching a row only when it is certain to exist).
AFTER_COMMIT = "vsa.after_commit"
# The SQLite writer's queue order: urgent work first, then in arrival order; closing last.
URGENT, NORMAL, LAST = 0, 1, 2

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
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    # BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads
    # and then writes can fail with "database is locked" without waiting at all (another
    # process, such as a second `vsa chat`, may share the file).
    # (On the writer's own pysqlite connection it goes straight to the driver: every
    # turn begins a transaction, and SQLAlchemy's statement machinery would cost more
    # than the statement.)
    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        if pysqlite:
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


T = TypeVar("T")


@dataclass
class _Job(Generic[T]):
    """Work for the SQLite writer thread, answered on the caller's event loop."""

    fn: Callable[[Any], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    # A session job may share a transaction with others; a connection job runs alone.
    with_session: bool = True
    result: Any = field(default=None, init=False)


def _settle(job: _Job[Any], error: BaseException | None) -> None:
    def settle() -> None:
        if job.future.done():  # the caller was cancelled meanwhile
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(job.result)

    try:
        job.loop.call_soon_threadsafe(settle)
    except RuntimeError:  # the caller's event loop is closed: nobody is waiting
        log.debug("a database result arrived after its caller's loop closed")


def _after_commit(session: Session) -> None:
    """Run what waited for the commit. The work is stored whatever happens here: a
    failing callback is logged, never reported as the transaction's failure."""
    for callback in session.info.pop(AFTER_COMMIT, ()):
        try:
            callback()
        except Exception:
            log.exception("work after a commit failed (the transaction itself is stored)")


class Database:
    """Every query goes through :meth:`run`: ``fn(session)`` in one transaction.

    Repositories and the turn service are plain functions over a SQLAlchemy
    ``Session``; how they run is decided here, once:

    * **SQLite** (the embedded default) has one writer at a time, so all work runs on
      one dedicated thread with one connection: a turn is one hop off the event loop,
      never "database is locked" inside the process, and the loop never blocks on fsync.
      Work that arrives while a transaction commits is *group-committed*: the next
      transaction runs the waiting functions one after another and commits them with
      one fsync. Each caller still gets its answer only once its work is durable; if
      one function raises, the group is rolled back and every function is run again
      alone, so one failure never takes another caller's work with it.
    * **PostgreSQL** runs on SQLAlchemy's async engine (asyncpg); ``fn`` runs through
      ``AsyncSession.run_sync``, so the same code needs no thread.

    ``fn`` may run more than once (after a rolled-back group), so it must not change
    anything outside the session before the commit: it leaves such work in
    ``session.info[AFTER_COMMIT]``.
    """

    def __init__(self, database_url: str) -> None:
        url = async_url(database_url)
        self.url = url
        self._jobs: queue.PriorityQueue[tuple[int, int, _Job[Any] | None]] | None = None
        self._order = itertools.count()
        self._writer: threading.Thread | None = None
        self._connection: Connection | None = None  # the SQLite writer's own...
        self._session: Session | None = None  # ...and its one session, reused
        self._async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        if url.get_backend_name() == "sqlite":
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
            self._jobs = queue.PriorityQueue()
            self._writer = threading.Thread(
                target=self._write_forever, name="vsa-sqlite", daemon=True
            )
            self._writer.start()
        else:
            self._async_engine = create_async_engine(url, pool_pre_ping=True)
            self._async_sessions = async_sessionmaker(self._async_engine, expire_on_commit=False)
            self.engine = self._async_engine.sync_engine

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        return cls(database_url)

    @property
    def async_engine(self) -> AsyncEngine:
        """An async engine on the same database, for libraries that need one (slack-sdk's
        OAuth stores). On SQLite it is opened on first use and shares the file, not the
        writer thread: those libraries write rarely (an install), so busy_timeout covers it."""
        if self._async_engine is None:
            self._async_engine = create_async_engine(self.url)
            _sqlite_setup(self._async_engine.sync_engine)
        return self._async_engine

    @property
    def is_sqlite(self) -> bool:
        return self._writer is not None

    async def run(self, fn: Callable[[Session], T], *, urgent: bool = False) -> T:
        """Run ``fn`` in a transaction, committed when it returns, rolled back if it raises.

        ``urgent`` work goes ahead of queued work on SQLite: recording an event that a
        platform waits to see acknowledged must not queue behind other people's turns."""
        if self._jobs is not None:
            return await self._submit(fn, with_session=True, urgent=urgent)
        assert self._async_sessions is not None
        async with self._async_sessions.begin() as session:
            result = await session.run_sync(fn)
        _after_commit(session.sync_session)
        return result

    async def run_connection(self, fn: Callable[[Connection], T]) -> T:
        """Like :meth:`run`, with a Core connection (migrations, raw checks)."""
        if self._jobs is not None:
            return await self._submit(fn, with_session=False)
        assert self._async_engine is not None
        async with self._async_engine.begin() as connection:
            return await connection.run_sync(fn)

    async def _submit(
        self, fn: Callable[[Any], T], *, with_session: bool, urgent: bool = False
    ) -> T:
        assert self._jobs is not None
        if self._writer is None or not self._writer.is_alive():
            raise DatabaseError("the database is closed")
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(fn, loop, loop.create_future(), with_session)
        self._jobs.put((URGENT if urgent else NORMAL, next(self._order), job))
        return await job.future

    # -- the SQLite writer thread ------------------------------------------------

    def _write_forever(self) -> None:
        assert self._jobs is not None
        # One connection for the thread's life: a transaction needs no pool checkout.
        self._connection = self.engine.connect()
        self._session = Session(self._connection, expire_on_commit=False)
        try:
            self._serve_jobs()
        finally:
            self._connection.close()
            self.engine.dispose()  # its connections belong to this thread

    def _serve_jobs(self) -> None:
        assert self._jobs is not None
        while True:
            job = self._jobs.get()[2]
            if job is None:
                return
            if not job.with_session:
                self._run_alone(job)
                continue
            group = [job]
            stop = False
            while len(group) < MAX_GROUP_COMMIT:
                try:
                    more = self._jobs.get_nowait()[2]
                except queue.Empty:
                    break
                if more is None or not more.with_session:
                    # Finish the group first; keep the order of what came after it.
                    self._run_group(group)
                    group = []
                    if more is None:
                        stop = True
                    else:
                        self._run_alone(more)
                    break
                group.append(more)
            if group:
                self._run_group(group)
            if stop:
                return

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """The writer's session in a new transaction: committed when the block ends,
        rolled back if it raises. Either way the session is left empty, as ``close()``
        would leave it: what a job returns is detached, and the work a failed
        transaction left for after its commit is dropped."""
        session = self._session
        assert session is not None
        try:
            with session.begin():
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
        except BaseException as error:
            _settle(job, error)
        else:
            _settle(job, None)

    def _run_group(self, group: list[_Job[Any]]) -> None:
        if len(group) == 1:
            self._run_alone(group[0])
            return
        try:
            with self._transaction() as session:
                for job in group:
                    job.result = job.fn(session)
                    session.flush()
        except BaseException:
            # Someone's work failed (or the commit did): nothing of the group is stored.
            # Run each alone, so the failure reaches only its own caller.
            log.debug("group of %d rolled back; running each alone", len(group))
            for job in group:
                self._run_alone(job)
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
        if self._writer is not None and self._jobs is not None:
            # The writer finishes what is queued, closes its connections, then stops.
            self._jobs.put((LAST, next(self._order), None))
            await asyncio.to_thread(self._writer.join)
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
