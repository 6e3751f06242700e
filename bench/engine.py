"""Benchmark: complete qualification dialogs driven in-process through the service layer.

Every turn is one transaction, durably committed (WAL, synchronous=FULL) before its
reply comes back; concurrent turns share a commit (group commit, one fsync). Prints
turns per second and p50/p99 per-turn latency for the turn service alone and for the
full dispatcher path (event recorded once, turn, outbox, delivery), with one
participant at a time, a few at once and many at once (closed loop: each sends the
next message as soon as the reply to the last arrives); then, for the turn service,
messages arriving at a fixed rate (open loop, Poisson arrivals, 1,000/s by default),
latency counted from when each message was due. Then peak memory and the `vsa chat`
start-up time to its first prompt, and which targets were met.

The same runs are then made on PostgreSQL when one answers (``--postgres-url``, else
DATABASE_URL when it names PostgreSQL, else postgresql://postgres@127.0.0.1:5432), each on
a fresh database copied from a migrated template, after a yardstick of its own (a bare
insert-and-commit loop over asyncpg: the server's commit and round-trip speed).

Each closed-loop configuration runs ``--repeat`` times and its fastest run is shown, as
timeit does: on a shared machine other work only ever slows a run down. The open-loop
row shows the run with the lowest p99, and the p99 of every run beside it.

    python bench/engine.py [--dialogs 200] [--few 4] [--concurrency 50] [--rate 1000]
                           [--repeat 3] [--databases sqlite postgresql] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import make_url  # noqa: E402

from assistant.app import Assistant  # noqa: E402
from assistant.dispatch import Progress  # noqa: E402
from assistant.events import Action, ConversationRef, Inbound, Outbound, Person  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from bench import postgres  # noqa: E402
from storage.db import Database, async_url  # noqa: E402
from tests.scenario import QUALIFIED, Click  # noqa: E402

# People in an open-loop run: far more than are ever waiting for a reply at once.
OPEN_PLAYERS = 50


class NullAdapter:
    """Delivers nowhere; keeps what each conversation was sent, to click its buttons."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: dict[str, list[Outbound]] = {}

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        self.sent.setdefault(to.key, []).append(message)
        return None

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Player:
    """One person playing complete qualifications, a turn at a time: the n-th dialog is
    played by person n in conversation n."""

    def __init__(self, dialogs: Iterator[int]) -> None:
        self.dialogs = dialogs
        self.steps: list[Any] = []
        self.person: Person | None = None
        self.ref: ConversationRef | None = None
        self.prompt_key = ""

    def next(self) -> Inbound | None:
        """The next message to send, or None when every dialog is played."""
        if not self.steps:
            n = next(self.dialogs, None)
            if n is None:
                return None
            self.person = Person(platform="console", workspace="bench", user_id=f"u{n}")
            self.ref = ConversationRef(
                platform="console", workspace="bench", channel=f"c{n}", user=f"u{n}"
            )  # a DM, as every dialog here is
            self.steps = list(reversed(QUALIFIED))
        assert self.person is not None and self.ref is not None
        step = self.steps.pop()
        action = None
        text = ""
        if isinstance(step, Click):
            action = Action(prompt_key=self.prompt_key, values=(step.value,))
        else:
            text = step.text
        return Inbound(
            event_id=uuid.uuid4().hex,
            sender=self.person,
            conversation=self.ref,
            text=text,
            action=action,
        )

    def heard(self, replies: list[Outbound]) -> None:
        question = next((m.question for m in replies if m.question), None)
        self.prompt_key = question.prompt_key if question else ""


async def run(
    database_url: str,
    dialogs: int,
    through_dispatcher: bool,
    concurrency: int = 1,
    rate: float | None = None,
) -> tuple[list[float], float]:
    """Drive ``dialogs`` complete qualifications; return each turn's latency and the
    time from the first message to the last reply.

    Without ``rate``, ``concurrency`` participants each send their next message as soon
    as the reply to the last one arrives (closed loop: at 50 that is saturation). With
    ``rate``, messages arrive at that many per second (Poisson arrivals, open loop), each
    from a participant not waiting for a reply, and a turn's latency is counted from
    when its message was due, so a service that falls behind shows it."""
    settings = Settings(_env_file=None, DATABASE_URL=database_url)  # type: ignore[call-arg]
    assistant = await Assistant.start(settings)
    assistant.ready_to_serve()  # as `vsa serve` does once started
    adapter = NullAdapter()
    assistant.dispatcher.register(adapter)  # type: ignore[arg-type]
    latencies: list[float] = []

    async def turn(player: Player, inbound: Inbound, due: float) -> None:
        if through_dispatcher:
            await assistant.dispatcher.handle(inbound)
            replies = adapter.sent.pop(inbound.conversation.key, [])
        else:
            replies = await assistant.db.run(partial(assistant.service.turn, inbound=inbound))
        latencies.append(time.perf_counter() - due)
        player.heard(replies)

    async def closed_loop(player: Player) -> None:
        while (inbound := player.next()) is not None:
            await turn(player, inbound, time.perf_counter())

    async def open_loop(rate: float) -> None:
        # Whoever is not waiting for a reply may type next (chosen at random, so people
        # are at different questions); each starts the next dialog when done with one.
        numbers = iter(range(dialogs))
        idle = [Player(numbers) for _ in range(OPEN_PLAYERS)]
        freed = asyncio.Event()
        chance = random.Random(2)
        # Poisson arrivals, scaled so that they average exactly ``rate``.
        gaps = [chance.expovariate(1) for _ in range(dialogs * len(QUALIFIED))]
        scale = len(gaps) / (sum(gaps) * rate)
        running: set[asyncio.Task[None]] = set()
        due = time.perf_counter()

        async def play(player: Player, inbound: Inbound, due: float) -> None:
            await turn(player, inbound, due)
            idle.append(player)
            freed.set()

        sent = 0
        while sent < len(gaps):
            while not idle:
                freed.clear()
                await freed.wait()
            player = idle.pop(chance.randrange(len(idle)))
            if (inbound := player.next()) is None:
                continue  # this one has nothing left to say; the others finish
            due += gaps[sent] * scale
            sent += 1
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(play(player, inbound, due))
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)

    started = time.perf_counter()
    try:
        if rate is None:
            await asyncio.gather(
                *(
                    closed_loop(Player(iter(range(first, dialogs, concurrency))))
                    for first in range(concurrency)
                )
            )
        else:
            await open_loop(rate)
        elapsed = time.perf_counter() - started
    finally:
        await assistant.close()
    return latencies, elapsed


def report(label: str, latencies: list[float], wall: float) -> tuple[float, float]:
    """Print a row; return its turns per second and p99 latency (ms)."""
    rate, p99 = len(latencies) / wall, percentile(latencies, 0.99) * 1000
    print(
        f"{label:<34} {len(latencies):>6} turns  {rate:>8.0f} turns/s  "
        f"p50 {statistics.median(latencies) * 1000:6.2f} ms  p99 {p99:6.2f} ms"
    )
    return rate, p99


def bare_commits(folder: str, count: int = 2000) -> float:
    """The issue's yardstick, measured here and now: a bare SQLAlchemy Core insert and
    commit per row on SQLite (WAL, synchronous=FULL), in rows per second. A shared
    machine's speed drifts over the day; this says how fast it was during this run."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, event

    engine = create_engine(f"sqlite:///{folder}/yardstick.db")

    @event.listens_for(engine, "connect")
    def wal(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=FULL")

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    table.metadata.create_all(engine)
    statement = table.insert()
    with engine.connect() as connection:
        started = time.perf_counter()
        for n in range(count):
            connection.execute(statement, {"v": f"row {n}"})
            connection.commit()
        rate = count / (time.perf_counter() - started)
    engine.dispose()
    return rate


async def bare_commits_postgres(url: str, count: int = 1000) -> float:
    """The yardstick on PostgreSQL: a bare SQLAlchemy Core insert and commit per row
    through asyncpg, in rows per second (each is a BEGIN, an INSERT and a COMMIT, whose
    fsync the server waits for)."""
    from sqlalchemy import Column, Integer, MetaData, String, Table
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", String))
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
    statement = table.insert()
    async with engine.connect() as connection:
        started = time.perf_counter()
        for n in range(count):
            await connection.execute(statement, {"v": f"row {n}"})
            await connection.commit()
        rate = count / (time.perf_counter() - started)
    await engine.dispose()
    return rate


@contextmanager
def migrated_template(server: str) -> Iterator[Callable[[], AbstractContextManager[str]]]:
    """Fresh databases on ``server``, each a copy of one migrated template (as the test
    suite does) and dropped after its run."""
    with postgres.scratch_sync(server, "bench_tpl") as template_url:

        async def migrate() -> None:
            db = Database.from_url(template_url)
            await db.upgrade()
            await db.close()

        asyncio.run(migrate())
        template = make_url(template_url).database
        yield partial(postgres.scratch_sync, server, "bench", template)


def measure(
    args: argparse.Namespace, fresh: Callable[[], AbstractContextManager[str]]
) -> tuple[dict[int, tuple[float, float]], tuple[float, float]]:
    """Every configuration on databases ``fresh`` makes; the turn service's rows (by
    participants) and its open-loop row."""

    def once(dispatcher: bool, concurrency: int = 1, rate: float | None = None) -> Any:
        with fresh() as url:
            return asyncio.run(run(url, args.dialogs, dispatcher, concurrency, rate))

    service: dict[int, tuple[float, float]] = {}
    served = (0.0, 0.0)
    for dispatcher in (False, True):
        for concurrency in dict.fromkeys((1, args.few, args.concurrency)):
            kind = "dispatcher" if dispatcher else "turn service"
            label = f"{kind}, {concurrency} participant{'s' if concurrency > 1 else ''}"
            runs = [once(dispatcher, concurrency) for _ in range(args.repeat)]
            latencies, wall = min(runs, key=lambda run: run[1])
            row = report(label, latencies, wall)
            if not dispatcher:
                service[concurrency] = row
        if not dispatcher:
            # The target as a service sees it: messages arriving at the rate.
            offered = [once(False, rate=args.rate) for _ in range(args.repeat)]
            latencies, wall = min(offered, key=lambda run: percentile(run[0], 0.99))
            served = report(f"turn service, {args.rate:,.0f}/s arriving", latencies, wall)
            every = ", ".join(f"{percentile(run[0], 0.99) * 1000:.2f}" for run in offered)
            print(f"{'':<34} (p99 of each run: {every} ms)")
    return service, served


def startup(runs: int = 5) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/chat.db"}
        # As on a user's machine: bytecode is cached after the first run (some CI and
        # sandbox environments turn that off, which costs every start a recompile).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for _ in range(runs + 1):
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "assistant", "chat"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
                cwd=ROOT,
            )
            assert process.stdout is not None and process.stdin is not None
            while "What would you like to do?" not in process.stdout.readline():
                pass
            times.append(time.perf_counter() - started)
            process.stdin.close()
            process.wait()
    return times[1:]  # the first run creates and migrates the database, writes bytecode


def postgres_url(args: argparse.Namespace) -> str | None:
    """The PostgreSQL server to measure, if any (see :func:`bench.postgres.server`)."""
    if "postgresql" not in args.databases:
        return None
    return postgres.server(args.postgres_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dialogs", type=int, default=200)
    parser.add_argument("--few", type=int, default=4, help="participants in the middle runs")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration")
    parser.add_argument(
        "--rate", type=float, default=1000.0, help="turns/s arriving in the open-loop run"
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=("sqlite", "postgresql"),
        help="PostgreSQL is measured when a server answers",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="a server where the user may create databases (default: DATABASE_URL when it "
        "names PostgreSQL, else postgresql://postgres@127.0.0.1:5432 when one answers)",
    )
    args = parser.parse_args()
    print(f"fastest of {args.repeat} runs per configuration")

    if "sqlite" in args.databases:
        with tempfile.TemporaryDirectory() as folder:
            yardstick = bare_commits(folder)
        print(
            f"== SQLite. yardstick: bare SQLAlchemy Core insert-and-commit {yardstick:,.0f}/s "
            "(the issue's scale: about 4,000/s on this machine)"
        )
        with tempfile.TemporaryDirectory() as folder:

            @contextmanager
            def fresh_file() -> Iterator[str]:
                yield f"sqlite:///{folder}/{uuid.uuid4().hex}.db"

            service, served = measure(args, fresh_file)
            # Memory in a run of its own: tracemalloc slows Python down several times over.
            tracemalloc.start()
            asyncio.run(run(f"sqlite:///{folder}/memory.db", max(args.dialogs // 4, 10), True))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"peak traced Python memory of a dispatcher run: {peak / 2**20:.1f} MiB")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of the benchmark process: {rss:.0f} MiB")
        times = startup()
        print(
            f"vsa chat start-up to first prompt: p50 {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {len(times)} runs"
        )
        print_targets(args, service, served, times)

    url = postgres_url(args)
    if url is None:
        if "postgresql" in args.databases:
            print("== PostgreSQL: none answers on 127.0.0.1:5432 (or --postgres-url): skipped")
        return
    with migrated_template(url) as fresh:
        with fresh() as scratch:
            yardstick = asyncio.run(bare_commits_postgres(scratch))
        shown = async_url(url).render_as_string(hide_password=True)
        print(
            f"== PostgreSQL at {shown}. yardstick: bare SQLAlchemy Core insert-and-commit "
            f"(asyncpg) {yardstick:,.0f}/s"
        )
        measure(args, fresh)


def print_targets(
    args: argparse.Namespace,
    service: dict[int, tuple[float, float]],
    served: tuple[float, float],
    times: list[float],
) -> None:
    kept_up = served[0] >= 0.99 * args.rate and served[1] < 10
    both = [n for n, (rate, p99) in sorted(service.items()) if rate >= 1000 and p99 < 10]
    closed = "NOT met"
    if both:
        rate, p99 = service[both[0]]
        people = "1 participant at a time" if both[0] == 1 else f"{both[0]} participants at once"
        closed = f"met with {people} ({rate:,.0f} turns/s, p99 {p99:.1f} ms)"
    print(
        "targets (turn service on SQLite, every turn durably committed): >= 1,000 turns/s "
        f"with p99 < 10 ms, messages arriving at {args.rate:,.0f}/s: "
        f"{'met' if kept_up else 'NOT met'} ({served[0]:,.0f} turns/s served, p99 "
        f"{served[1]:.1f} ms); closed loop: {closed}; "
        f"start-up < 1 s: {'met' if statistics.median(times) < 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
