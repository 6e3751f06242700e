"""What dialog files may name in code, by key. Resolved when a dialog loads.

Answer validators live in :mod:`assistant.validators`: the engine uses them, and must
import nothing that does I/O (these completion actions write to the database).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant import actions, assessments, delivery, qualification, raid, retros, schedules

SUMMARIZERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "qualification": qualification.assess,
}

COMPLETION_ACTIONS: dict[str, actions.CompletionAction] = {
    "create_engagement": actions.create_engagement,
    "create_assessment": assessments.create_assessment,
    "remember_timezone": actions.remember_timezone,
    "record_pov": delivery.record_pov,
    "raid_item_added": raid.item_added,
    "raid_item_updated": raid.item_updated,
    retros.COLLECT: retros.collect_items,
    "save_schedule": schedules.save_schedule,
}
