"""Hot statements, compiled once per database and run on the session's DBAPI connection.

A turn runs the same handful of statements thousands of times a minute. SQLAlchemy's
per-execution machinery (execution context, result object, ORM session dispatch)
costs several times what SQLite needs to run them, so these statements skip it:
each is compiled once per dialect, and its parameters and result columns go through
the same type processors SQLAlchemy itself would apply (JSON, UTC datetimes), so the
rows written and read are exactly those of an ordinary ``session.execute``. They run
inside the session's own transaction, after flushing its pending ORM changes, and a
driver error is raised as the usual ``sqlalchemy.exc`` exception.

Only statements with fixed parameters qualify (no expanding ``IN``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None

# Where a session keeps its transaction's DBAPI connection between statements.
_CONNECTION = "vsa.dbapi_connection"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names, in placeholder order
    binders: tuple[Processor, ...]
    defaults: Mapping[str, Any]  # values fixed in the statement (status = 'active')
    readers: tuple[Processor, ...]  # one per result column


class Prepared:
    """One statement, ready to run on any session: ``rows``, ``first``, ``scalar``,
    ``rowcount``. Parameters are passed by their bind names."""

    def __init__(self, statement: ClauseElement | Callable[[str], ClauseElement]) -> None:
        """``statement``, or a function of the dialect's name that builds it (an INSERT
        ... ON CONFLICT is spelled per database)."""
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is not None:
            return found
        statement = self.statement
        if not isinstance(statement, ClauseElement):
            statement = statement(dialect.name)
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ())
        binds = compiled.binds
        columns = getattr(statement, "exported_columns", ())  # selected or returned
        found = _Compiled(
            sql=compiled.string,
            names=names,
            binders=tuple(
                binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
            ),
            defaults={name: bind.value for name, bind in binds.items() if not bind.required},
            readers=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ),
        )
        self._by_dialect[dialect.name] = found
        return found

    def _execute(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        session.flush()  # what the ORM holds back is written first, as execute() would
        transaction = session.get_transaction()
        held = session.info.get(_CONNECTION)
        if held is None or held[0] is not transaction:
            connection = session.connection()  # begins the transaction when needed
            held = (session.get_transaction(), connection.dialect, connection.connection)
            session.info[_CONNECTION] = held
        _, dialect, dbapi_connection = held
        compiled = self._compiled(dialect)
        arguments = []
        for name, binder in zip(compiled.names, compiled.binders, strict=True):
            value = params[name] if name in params else compiled.defaults[name]
            arguments.append(value if binder is None else binder(value))
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, tuple(arguments))
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise exc.DBAPIError.instance(
                compiled.sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        return cursor, compiled

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor, compiled = self._execute(session, params)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        return [_read(row, compiled.readers) for row in fetched]

    def first(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(session, params)
        return found[0] if found else None

    def scalar(self, session: Session, params: Mapping[str, Any]) -> Any:
        row = self.first(session, params)
        return row[0] if row is not None else None

    def rowcount(self, session: Session, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        cursor, _ = self._execute(session, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()


def _read(row: Sequence[Any], readers: tuple[Processor, ...]) -> tuple[Any, ...]:
    return tuple(
        value if reader is None or value is None else reader(value)
        for value, reader in zip(row, readers, strict=True)
    )
