"""The ``summary`` and ``readout`` commands, and the note that findings are ready.

``summary`` posts the engagement's current findings where it is said (its channel, or
the terminal chat); ``readout`` posts the stakeholder readout as a file. Both act on an
engagement as every engagement command does (:meth:`TurnService.engagement_for`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import dora, readout, recommendations, texts
from assistant.commands import Command
from assistant.definitions import Dialog
from assistant.document import Format, render_readout
from assistant.events import Block, File, Outbound
from assistant.findings import WorkflowFindings
from assistant.interviews import split_for
from assistant.markup import rich
from assistant.writeups import slug
from storage.models import Engagement

# A report year first ("summary 2023 for Acme"): an engagement's own name may hold one.
_YEAR = re.compile(r"^\s*(20\d\d)\b")

if TYPE_CHECKING:
    from assistant.service import Here, TurnService


# Draws a workflow's value stream map as a PNG (None: no picture). Given by whoever
# builds the service; without one, summaries and readouts have no pictures.
Draw = Callable[[WorkflowFindings], bytes | None]


class Reports:
    def __init__(self, service: TurnService, draw: Draw | None = None) -> None:
        self.service = service
        self.draw = draw

    def pictures(self, found: readout.EngagementFindings) -> dict[str, bytes]:
        """Each workflow's map, when there is something to draw and a way to draw it."""
        if self.draw is None:
            return {}
        drawn = {w.dialog_id: self.draw(w) for w in found.workflows if w.has_steps}
        return {dialog_id: png for dialog_id, png in drawn.items() if png is not None}

    def command(
        self, session: Session, here: Here, command: Command, argument: str
    ) -> list[Outbound]:
        """``summary [2023] [for <engagement>]``: a report year picks DORA's table."""
        year, argument = _year(argument)
        _rest, named = split_for(f"x {argument}" if argument else "")
        engagement = self.service.engagement_for(
            session, here, named or (argument or None), command
        )
        self.service.check_role(session, here, engagement, command)
        if command.name == "readout":
            return [self.readout_message(session, engagement, year)]
        # Names in a direct conversation only: a channel may have more than the account
        # team in it.
        by_name = here.inbound.conversation.is_personal
        return self.summary(session, engagement, year, named=by_name)

    def findings(
        self,
        session: Session,
        engagement: Engagement,
        also_run: int | None = None,
        year: int = dora.DEFAULT_YEAR,
    ) -> readout.EngagementFindings:
        return readout.load(session, self.service.catalog, engagement, also_run=also_run, year=year)

    def summary(
        self,
        session: Session,
        engagement: Engagement,
        year: int = dora.DEFAULT_YEAR,
        *,
        named: bool = True,
    ) -> list[Outbound]:
        found = self.findings(session, engagement, year=year)
        roadmap = recommendations.for_engagement(self.service.summaries, found)
        return readout.summary_messages(
            found,
            recommendations=recommendations.by_workflow(roadmap),
            pictures=self.pictures(found),
            named=named,
        )

    def document(
        self,
        session: Session,
        engagement: Engagement,
        fmt: Format,
        year: int = dora.DEFAULT_YEAR,
    ) -> str:
        found = self.findings(session, engagement, year=year)
        roadmap = recommendations.for_engagement(self.service.summaries, found)
        qualification: list[Block] = list(
            self.service.engagement_detail(session, engagement).blocks
        )
        return render_readout(
            self.service.catalog.templates_dir,
            found,
            fmt,
            qualification=qualification[1:],  # its heading is the engagement's name: ours says it
            roadmap=roadmap,
            pictures=self.pictures(found),
            today=self.service.clock.now().date(),
        )

    def readout_message(
        self, session: Session, engagement: Engagement, year: int = dora.DEFAULT_YEAR
    ) -> Outbound:
        content = self.document(session, engagement, "md", year)
        return Outbound(
            blocks=(
                rich(texts.READOUT_POSTED, engagement=engagement.name),
                File(
                    filename=f"{slug(engagement.slug or engagement.name)}-readout.md",
                    title=texts.READOUT_FILE_TITLE.format(engagement=engagement.name),
                    content=content.encode("utf-8"),
                    mime_type="text/markdown",
                ),
            )
        )

    def ready_note(
        self, session: Session, engagement: Engagement, dialog: Dialog, run_id: int
    ) -> list[Any]:
        """Told with "everyone has finished" (``run_id`` the last one, finishing now): the
        workflow's headline, and where to look."""
        found = self.findings(session, engagement, also_run=run_id)
        for workflow in found.workflows:
            if workflow.dialog_id == dialog.id:
                return [readout.ready_note(workflow)]
        return [rich(texts.FINDINGS_READY_SHORT)]


def _year(argument: str) -> tuple[int, str]:
    """A State of DevOps report year opening the argument, and the rest."""
    found = _YEAR.match(argument)
    if found is None or int(found[1]) not in dora.YEARS:
        return dora.DEFAULT_YEAR, argument
    rest = (argument[: found.start()] + argument[found.end() :]).strip()
    return int(found[1]), " ".join(rest.split())
