"""What the findings read from the database: each finished interview's current answers,
one row per run (SQLite and PostgreSQL fold the answers in the database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from assistant import readout
from assistant.app import Assistant
from assistant.export import export_engagement
from assistant.settings import Settings
from storage import repositories as repo
from storage.models import Answer, DialogRun, Engagement, Participant
from tests.chat import Chat
from tests.findings_seed import DANA, SAM, seed_finished
from tests.test_interview_flow import set_up_engagement

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DIALOG = "idea_to_production"


def _person(session: Session, user: str, name: str | None) -> Participant:
    person = Participant(platform="console", workspace="local", user_id=user, display_name=name)
    session.add(person)
    session.flush()
    return person


def _run(
    session: Session,
    engagement: Engagement,
    person: Participant,
    answers: list[tuple[str, Any, bool, bool]],  # path, value, skipped, superseded
    status: str = "completed",
) -> int:
    run = DialogRun(
        tenant="console:local", dialog_id=DIALOG, dialog_version=1, participant_id=person.id,
        engagement_id=engagement.id, conversation_key=f"console:local:@{person.user_id}",
        conversation={}, status=status, state={}, version=1, started_at=NOW, updated_at=NOW,
    )  # fmt: skip
    session.add(run)
    session.flush()
    for path, value, skipped, superseded in answers:
        session.add(
            Answer(
                run_id=run.id, participant_id=person.id, engagement_id=engagement.id,
                dialog_id=DIALOG, path=path, raw_text=str(value), value=value, skipped=skipped,
                answered_at=NOW, superseded_at=NOW if superseded else None,
            )
        )  # fmt: skip
    session.flush()
    return run.id


def _seed(session: Session) -> tuple[Engagement, dict[str, int]]:
    sa = _person(session, "sa", "The SA")
    engagements = [
        Engagement(
            tenant="console:local", slug=slug, name=slug, customer="Acme", created_by_id=sa.id
        )
        for slug in ("acme", "other")
    ]
    session.add_all(engagements)
    session.flush()
    acme, other = engagements
    ana, bo, cy = (
        _person(session, "ana", "Ana"),
        _person(session, "bo", None),
        _person(session, "cy", "Cy"),
    )
    runs = {
        "ana first": _run(session, acme, ana, [("end_to_end_time", 100, False, False)]),
        "bo": _run(
            session,
            acme,
            bo,
            [
                ("steps[0].name", "Build", False, True),  # edited: superseded
                ("steps[0].name", "Build & test", False, False),
                ("steps[0].wait_time", {"low": 60, "typical": None, "high": 240}, False, False),
                ("steps[0].approval", True, False, False),
                ("steps[0]._more", False, False, False),
                ("better", None, True, False),  # skipped
            ],
        ),
        "ana again": _run(session, acme, ana, [("end_to_end_time", 200, False, False)]),
        "cy under way": _run(
            session, acme, cy, [("end_to_end_time", 50, False, False)], status="active"
        ),
        "elsewhere": _run(session, other, cy, [("end_to_end_time", 9, False, False)]),
    }
    return acme, runs


async def test_each_finished_run_is_read_with_its_current_answers_only(
    assistant: Assistant,
) -> None:
    def read(session: Session) -> tuple[dict[str, int], list[repo.FinishedRun], list[int]]:
        acme, runs = _seed(session)
        found = list(repo.finished_runs(session, acme.id, [DIALOG, "toolchain"]))
        also = [
            r.run_id for r in repo.finished_runs(session, acme.id, [DIALOG], runs["cy under way"])
        ]
        return runs, found, also

    runs, found, also = await assistant.db.run(read)
    assert [r.run_id for r in found] == [runs["ana first"], runs["bo"], runs["ana again"]]
    bo = found[1]
    assert (bo.dialog_id, bo.name) == (DIALOG, "bo")  # no display name: the platform id
    assert bo.answers == {
        "steps[0].name": ("Build & test", False),
        "steps[0].wait_time": ({"low": 60, "typical": None, "high": 240}, False),
        "steps[0].approval": (True, False),
        "steps[0]._more": (False, False),
        "better": (None, True),
    }
    assert found[2].answers == {"end_to_end_time": (200, False)}
    assert also == [runs["ana first"], runs["bo"], runs["ana again"], runs["cy under way"]]


async def test_the_findings_take_each_persons_latest_finished_run(assistant: Assistant) -> None:
    catalog = assistant.service.catalog

    def load(session: Session) -> readout.EngagementFindings:
        acme, _runs = _seed(session)
        return readout.load(session, catalog, acme)

    found = await assistant.db.run(load)
    (workflow,) = found.workflows
    assert workflow.respondents == ("bo", "Ana")  # in the order of their latest runs
    assert workflow.felt_end_to_end is not None
    assert workflow.felt_end_to_end.typical == 200  # Ana's second run replaced her first
    assert [s.name for s in workflow.steps] == ["Build & test"]


async def test_the_readout_and_vsa_export_read_the_findings_once(
    assistant: Assistant, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document, its maps and the write-ups come from one read of the answers (the
    slow part of a large engagement), so they also show the same findings."""
    await set_up_engagement(Chat(assistant, "sa"))

    def write(session: Session) -> Engagement:
        engagement = repo.find_engagement(session, "console:local", "Acme VSA")
        assert engagement is not None
        seed_finished(session, engagement, "idea_to_production", ("dana", "dana"), DANA)
        seed_finished(session, engagement, "idea_to_production", ("sam", "sam"), SAM)
        return engagement

    engagement = await assistant.db.run(write)
    reads: list[int] = []
    real = repo.finished_runs

    def counted(session: Session, engagement_id: int, *args: Any) -> Any:
        reads.append(engagement_id)
        return real(session, engagement_id, *args)

    monkeypatch.setattr(repo, "finished_runs", counted)
    message = await assistant.db.run(
        lambda s: assistant.service.reports.readout_message(s, engagement)
    )
    assert [type(b).__name__ for b in message.blocks].count("Image") == 1  # its map beside it
    assert reads == [engagement.id]

    reads.clear()
    document, items = await export_engagement(settings, "Acme VSA", "html", writeups=True)
    assert "data:image/png;base64," in document and items
    assert reads == [engagement.id]
