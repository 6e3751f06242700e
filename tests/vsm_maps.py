"""Value stream maps for tests and the benchmark: plausible steps, hostile text included."""

from __future__ import annotations

from assistant.vsm_picture import MapInput, MapStep

DAY = 24 * 60.0

_NAMES = (
    "Idea intake and triage by the product council",
    "Write the specification",
    "$5 cost review for <!channel>",
    "Code review & approval $\\notacommand{$ x^2",
    "Deploy to production",
)
_OWNERS = ("Product management", None, "Platform team (SRE) <script>alert(1)</script>")


def sample_map(steps: int, *, title: str = "Idea to production") -> MapInput:
    """``steps`` steps with ranges, a wait before the first, a missing process time
    every 7th step, equal ends every 3rd %C/A, and a bottleneck every 5th step."""
    made = tuple(
        MapStep(
            name=_NAMES[i % len(_NAMES)],
            owner=_OWNERS[i % len(_OWNERS)],
            process_minutes=(60.0 * (i + 1), 90.0 * (i + 1), 120.0 * (i + 1)) if i % 7 else None,
            wait_minutes=(2 * DAY, 3 * DAY, 5 * DAY) if i % 4 else (30.0, 30.0, 30.0),
            complete_accurate=(70.0, 80.0, 90.0) if i % 3 else (85.0, 85.0, 85.0),
            bottleneck="largest wait (2–5 d), $ approvals" if i % 5 == 2 else None,
        )
        for i in range(steps)
    )
    return MapInput(
        title=title,
        steps=made,
        lead_time=(20 * DAY, 30 * DAY, 45 * DAY),
        process_time=(600.0, 900.0, 1400.0),
        flow_efficiency=(2.1, 3.5, 9.3),
        rolled_ca=(22.0, 31.0, 40.0),
        participants=7,
        wait_before_first=(DAY, 2 * DAY, 4 * DAY),
    )
