"""Benchmark: the findings and the readout for a large engagement.

For each size (participants × 3 workflows × steps each), two measurements:

* **from memory**: everyone's answers already loaded (the pure part): compute the
  findings (steps lined up, figures, bottlenecks, disagreements, DORA, ROI), the
  recommendations, the channel summary's blocks, and the readout in Markdown and HTML;
* **from the database**: the same, starting from the answer rows of finished
  interviews in a fresh SQLite database (one query, then the engine's applicable
  answers per run): what ``summary`` and ``readout`` cost in production.

Time is the fastest of ``--repeat`` runs (as timeit does: other work on a shared
machine only ever slows a run down); peak memory is Python's allocations during one
more run (tracemalloc) and the process's peak RSS. Both include drawing the value
stream map of each workflow (matplotlib, as the readout embeds them).

    python bench/summary.py [--participants 100 1000] [--steps 15] [--repeat 3]
                            [--no-database]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from assistant import readout, recommendations  # noqa: E402
from assistant.definitions import Catalog, load_catalog  # noqa: E402
from assistant.document import render_readout  # noqa: E402
from assistant.findings import Respondent  # noqa: E402
from assistant.report import Reports  # noqa: E402
from assistant.summaries import Summaries  # noqa: E402
from assistant.vsm_picture import draw_value_stream_map  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Answer, DialogRun, Engagement, Participant  # noqa: E402

TIME_TARGET = 1.0  # seconds, for 100 participants
MEMORY_TARGET = 200  # MB
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WORKFLOWS = ("idea_to_production", "incident_response", "toolchain")
HOSTILE = "<!channel> <script>alert(1)</script> *bold* | # h"
DF = ["on_demand", "daily_to_weekly", "weekly_to_monthly", "monthly_to_6_months"]
LT = ["1_hour_to_1_day", "1_day_to_1_week", "1_week_to_1_month", "1_to_6_months"]
RT = ["under_1_hour", "under_1_day", "1_day_to_1_week", "1_week_to_1_month"]


def answers_of(person: int, dialog: str, steps: int, rng: random.Random) -> dict[str, Any]:
    """One participant's answers to one interview, grouped, as people give them: some
    ranges, some names differing, a step left out now and then, some text hostile."""
    items = []
    for i in range(steps):
        if rng.random() < 0.05:
            continue  # forgotten
        name = f"Step {i + 1}" if rng.random() < 0.8 else f"step {i + 1} (our way)"
        wait: Any = rng.choice([0, 60, 240, 1440, 4320, 10080])
        if rng.random() < 0.3:
            wait = {"low": wait, "typical": None, "high": wait * 2 + 60}
        items.append(
            {
                "name": name,
                "trigger": "A ticket moves",
                "role": rng.choice(["Developer", "QA", "Ops", "Release manager"]),
                "people": rng.randint(1, 5),
                "tools": "Jira, GitLab",
                "process_time": rng.choice([15, 60, 120, 480]),
                "wait_time": wait,
                "complete_accurate": rng.choice([50, 70, 80, 90, 100]),
                "automation": rng.choice(["manual", "partly_automated", "automated"]),
                "approval": rng.random() < 0.1,
                "handoff": rng.random() < 0.3,
                "handoff_to": "The next team, by ticket",
                "rework": "Back 1 in 4" if rng.random() < 0.1 else None,
                "pain": HOSTILE if rng.random() < 0.2 else None,
            }
        )
    answers: dict[str, Any] = {
        "steps": items,
        "end_to_end_time": rng.choice([10080, 20160, 40320]),
        "bottleneck": f"Waiting, says person {person}",
        "better": "Faster",
    }
    if dialog == "idea_to_production":
        answers |= {
            "deploy_frequency": rng.choice(DF),
            "lead_time": rng.choice(LT),
            "change_failure_rate": rng.choice(
                [5, 10, 15, {"low": 10, "typical": None, "high": 30}]
            ),
            "recovery_time": rng.choice(RT),
            "rework_rate": rng.choice([5, 10, 20]),
        }
    if dialog == "toolchain":
        answers |= {
            "inventory": [
                {"name": "Jenkins 2.4", "purpose": "CI builds", "hosting": "self_managed"},
                {"name": "GitLab", "purpose": "source and CI", "hosting": "saas"},
                {"name": f"Tool {person % 7}", "purpose": "security scans", "hosting": "saas"},
            ],
            "toil_hours": rng.choice([20, 40, {"low": 30, "typical": None, "high": 60}]),
            "upgrade_time": 20160,
        }
    return answers


def people(count: int, steps: int) -> dict[str, list[Respondent]]:
    rng = random.Random(count)
    return {
        dialog: [Respondent(f"person {p}", answers_of(p, dialog, steps, rng)) for p in range(count)]
        for dialog in WORKFLOWS
    }


def render_all(catalog: Catalog, summaries: Summaries, found: readout.EngagementFindings) -> int:
    roadmap = recommendations.for_engagement(summaries, found)
    messages = readout.summary_messages(found, recommendations=recommendations.by_workflow(roadmap))
    # The pictures as the readout embeds them: one value stream map per workflow.
    pictures = {key: draw_value_stream_map(m) for key, m in Reports.maps(found).items()}
    md = render_readout(catalog.templates_dir, found, "md", roadmap=roadmap, pictures=pictures)
    page = render_readout(catalog.templates_dir, found, "html", roadmap=roadmap, pictures=pictures)
    return len(messages) + len(md) + len(page)


def measure(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(fastest seconds, peak MB of Python allocations)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak / 1e6


# -- the database -------------------------------------------------------------------------


def flatten(answers: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                flat |= {f"{key}[{index}].{k}": v for k, v in item.items() if v is not None}
                flat[f"{key}[{index}]._more"] = index + 1 < len(value)
        elif value is not None:
            flat[key] = value
    return flat


def seed(session: Session, everyone: dict[str, list[Respondent]]) -> Engagement:
    owner = Participant(platform="console", workspace="local", user_id="sa", display_name="sa")
    session.add(owner)
    session.flush()
    engagement = Engagement(
        tenant="console:local", slug="bench", name="Bench", customer="Bench Co",
        created_by_id=owner.id,
    )  # fmt: skip
    session.add(engagement)
    session.flush()
    count = len(everyone[WORKFLOWS[0]])
    rows = [
        {"platform": "console", "workspace": "local", "user_id": f"p{p}",
         "display_name": f"person {p}"}
        for p in range(count)
    ]  # fmt: skip
    session.execute(insert(Participant), rows)
    ids = {
        p.user_id: p.id for p in session.query(Participant).filter(Participant.user_id.like("p%"))
    }
    for dialog, respondents in everyone.items():
        runs = [
            {"tenant": "console:local", "dialog_id": dialog, "dialog_version": 1,
             "participant_id": ids[f"p{p}"], "engagement_id": engagement.id,
             "conversation_key": f"console:local:@p{p}", "conversation": {},
             "status": "completed", "state": {}, "version": 1, "started_at": NOW,
             "updated_at": NOW}
            for p in range(count)
        ]  # fmt: skip
        session.execute(insert(DialogRun), runs)
        run_ids = {
            r.participant_id: r.id
            for r in session.query(DialogRun).filter(DialogRun.dialog_id == dialog)
        }
        answers = [
            {"run_id": run_ids[ids[f"p{p}"]], "participant_id": ids[f"p{p}"],
             "engagement_id": engagement.id, "dialog_id": dialog, "path": path,
             "raw_text": str(value), "value": value, "skipped": False, "answered_at": NOW}
            for p, r in enumerate(respondents)
            for path, value in flatten(dict(r.answers)).items()
        ]  # fmt: skip
        for start in range(0, len(answers), 20_000):
            session.execute(insert(Answer), answers[start : start + 20_000])
    return engagement


async def from_database(
    catalog: Catalog, summaries: Summaries, everyone: dict[str, list[Respondent]], repeat: int
) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(f"sqlite:///{folder}/bench.db")
        await db.upgrade()
        engagement = await db.run(lambda s: seed(s, everyone))
        rows = sum(len(flatten(dict(r.answers))) for rs in everyone.values() for r in rs)

        def work(session: Session) -> int:
            found = readout.load(session, catalog, engagement)
            return render_all(catalog, summaries, found)

        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await db.run(work)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        await db.run(work)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await db.close()
        return min(times), peak / 1e6, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-database", action="store_true")
    args = parser.parse_args()
    catalog = load_catalog()
    summaries = Summaries(catalog.templates_dir)
    print(f"{'participants':>12} {'source':>9} {'answers':>9} {'time':>8} {'peak MB':>8}")
    verdicts = []
    for count in args.participants:
        everyone = people(count, args.steps)

        def work(everyone: dict[str, list[Respondent]] = everyone) -> int:
            found = readout.compute(catalog, "Bench", "Bench Co", everyone)
            return render_all(catalog, summaries, found)

        seconds, peak = measure(work, args.repeat)
        print(f"{count:>12} {'memory':>9} {'':>9} {seconds:>7.3f}s {peak:>8.1f}")
        if not args.no_database:
            db_seconds, db_peak, rows = asyncio.run(
                from_database(catalog, summaries, everyone, args.repeat)
            )
            print(f"{count:>12} {'database':>9} {rows:>9,} {db_seconds:>7.3f}s {db_peak:>8.1f}")
            seconds, peak = max(seconds, db_seconds), max(peak, db_peak)
        if count <= 100:
            verdicts.append(
                f"{count} participants: {'met' if seconds < TIME_TARGET else 'MISSED'} "
                f"< {TIME_TARGET:g} s, {'met' if peak < MEMORY_TARGET else 'MISSED'} "
                f"< {MEMORY_TARGET} MB"
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MB")
    for verdict in verdicts:
        print("target:", verdict)


if __name__ == "__main__":
    main()
