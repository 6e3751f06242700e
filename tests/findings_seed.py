"""Finished interviews written straight into the database, as if people had answered
them: for the platform tests of ``summary`` and ``readout`` and for bench/summary.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import repositories as repo
from storage.models import Answer, DialogRun, Engagement

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOSTILE = "<!channel> <script>alert(1)</script> *bold* [x](http://evil) | # h"


def step(name: str, process: Any, wait: Any, ca: Any = None, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "role": more.pop("role", "Developer"),
        "process_time": process,
        "wait_time": wait,
        "complete_accurate": ca,
        "automation": more.pop("automation", "manual"),
        "approval": more.pop("approval", False),
        "handoff": more.pop("handoff", False),
        **more,
    }


def flatten(answers: dict[str, Any]) -> dict[str, Any]:
    """Grouped answers ({"steps": [{...}]}) as stored paths, with the "another?" answers
    the engine records between items."""
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, list):
            for index, item in enumerate(value):
                for sub, sub_value in item.items():
                    if sub_value is not None:
                        flat[f"{key}[{index}].{sub}"] = sub_value
                flat[f"{key}[{index}]._more"] = index + 1 < len(value)
        elif value is not None:
            flat[key] = value
    return flat


def seed_finished(
    session: Session,
    engagement: Engagement,
    dialog_id: str,
    who: tuple[str, str],  # (user id, display name) on the engagement's platform
    answers: dict[str, Any],
) -> int:
    """A completed run of ``dialog_id`` for the person, with ``answers`` recorded."""
    platform, workspace = engagement.tenant.split(":", 1)
    person = repo.upsert_participant(
        session,
        platform=platform,
        workspace=workspace,
        user_id=who[0],
        display_name=who[1],
        timezone=None,
        now=NOW,
    )
    repo.add_member(
        session,
        engagement_id=engagement.id,
        participant_id=person.id,
        role="participant",
        added_by_id=None,
        now=NOW,
    )
    key = f"{platform}:{workspace}:@{who[0]}"
    run = DialogRun(
        tenant=engagement.tenant,
        dialog_id=dialog_id,
        dialog_version=1,
        participant_id=person.id,
        engagement_id=engagement.id,
        conversation_key=key,
        conversation={"platform": platform, "workspace": workspace, "channel": "", "user": who[0]},
        status="completed",
        state={},
        version=1,
        started_at=NOW,
        updated_at=NOW,
        completed_at=NOW,
    )
    session.add(run)
    session.flush()
    session.add_all(
        Answer(
            run_id=run.id,
            participant_id=person.id,
            engagement_id=engagement.id,
            dialog_id=dialog_id,
            path=path,
            raw_text=str(value),
            value=value,
            skipped=False,
            answered_at=NOW,
        )
        for path, value in flatten(answers).items()
    )
    return run.id


DANA = {
    "steps": [
        step("Code review", 120, 4320, 90, handoff=True, handoff_to=HOSTILE, pain=HOSTILE),
        step("Deploy", 30, {"low": 1440, "typical": None, "high": 2880}, approval=True,
             approver="The CAB"),
    ],
    "deploy_frequency": "weekly_to_monthly",
    "lead_time": "1_week_to_1_month",
    "change_failure_rate": 15,
    "recovery_time": "under_1_day",
    "bottleneck": HOSTILE,
}  # fmt: skip
SAM = {
    "steps": [step("code review", 180, 20160, 40)],
    "deploy_frequency": "weekly_to_monthly",
    "change_failure_rate": {"low": 10, "typical": None, "high": 20},
}
