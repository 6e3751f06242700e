"""The ``summary`` and ``readout`` commands, and the note that findings are ready.

``summary`` posts the engagement's current findings where it is said (its channel, or
the terminal chat); ``readout`` posts the stakeholder readout as a file. Both act on an
engagement as every engagement command does (:meth:`TurnService.engagement_for`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistant import delivery, dora, flow_items, readout, recommendations, texts
from assistant.commands import Command
from assistant.definitions import Dialog
from assistant.document import Format, render_delivery_readout, render_readout
from assistant.events import Block, Fields, File, Image, Outbound
from assistant.interviews import split_for
from assistant.markup import rich
from assistant.vsm_picture import MapInput, alt_text, map_data, map_of
from assistant.writeups import slug
from storage import repositories as repo
from storage.models import Engagement

# A report year first ("summary 2023 for Acme"): an engagement's own name may hold one.
_YEAR = re.compile(r"^\s*(20\d\d)\b")

if TYPE_CHECKING:
    from assistant.service import Here, TurnService


class Reports:
    def __init__(self, service: TurnService) -> None:
        self.service = service

    @staticmethod
    def maps(found: readout.EngagementFindings) -> dict[str, MapInput]:
        """Each workflow's value stream map, where people described steps."""
        return {w.dialog_id: map_of(w) for w in found.workflows if w.has_steps}

    def pictures(self, found: readout.EngagementFindings) -> dict[str, Image]:
        """Each workflow's map as an image the dispatcher draws when it posts it (a
        turn never waits for matplotlib)."""
        return {
            dialog_id: Image(
                title=texts.FINDINGS_TITLE.format(title=map.title),
                alt_text=alt_text(map),
                map=map_data(map),
            )
            for dialog_id, map in self.maps(found).items()
        }

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
        flow = flow_items.report_for(session, engagement.id, self.service.clock.now())
        return readout.summary_messages(
            found,
            recommendations=recommendations.by_workflow(roadmap),
            pictures=self.pictures(found),
            named=named,
            flow=flow_items.summary_blocks(flow) if flow else (),
            delivery=engagement.kind == "delivery",
        )

    def document(
        self,
        session: Session,
        engagement: Engagement,
        fmt: Format,
        year: int = dora.DEFAULT_YEAR,
        pictures: Mapping[str, bytes] | None = None,
        found: readout.EngagementFindings | None = None,
    ) -> str:
        """The readout; ``pictures``: the maps as PNG, drawn by the caller off the loop;
        ``found``: the findings when the caller read them already (they are read once)."""
        if found is None:
            found = self.findings(session, engagement, year=year)
        roadmap = recommendations.for_engagement(self.service.summaries, found)
        if engagement.kind == "delivery":
            return self._delivery_document(session, engagement, fmt, found, roadmap, pictures)
        # The customer's stakeholders read it: the plan and the verdict's headline, not
        # our qualification notes (their decision makers, our next steps, the deck).
        qualification: list[Block] = list(
            self.service.engagement_detail(
                session, engagement, qualification=False, document=True
            ).blocks
        )
        flow = flow_items.report_for(session, engagement.id, self.service.clock.now())
        return render_readout(
            self.service.catalog.templates_dir,
            found,
            fmt,
            qualification=qualification[1:],  # its heading is the engagement's name: ours says it
            roadmap=roadmap,
            pictures=pictures,
            raid=open_items(session, engagement),
            today=self.service.clock.now().date(),
            flow=flow_items.readout_context(flow) if flow else None,
        )

    def _delivery_document(
        self,
        session: Session,
        engagement: Engagement,
        fmt: Format,
        found: readout.EngagementFindings,
        roadmap: list[recommendations.Recommendation],
        pictures: Mapping[str, bytes] | None,
    ) -> str:
        """A delivery engagement's readout: its plan and where it stands, the flow
        metrics, the proof of value, what any finished interviews found, the open RAID
        items and actions; for the customer, so without our qualification notes nor the
        opportunity's outcome."""
        _heading, facts, *plan = self.service.engagement_detail(
            session, engagement, qualification=False, pov_line=False, document=True
        ).blocks
        if isinstance(facts, Fields):  # the qualification's verdict is ours, too
            facts = Fields(items=tuple(f for f in facts.items if f.label != "Qualification"))
        now = self.service.clock.now()
        flow = flow_items.report_for(session, engagement.id, now)
        pov = repo.pov_of(session, engagement.id)
        return render_delivery_readout(
            self.service.catalog.templates_dir,
            found,
            fmt,
            engagement=[facts, *plan],  # its heading is the engagement's name: ours says it
            flow=flow_items.readout_context(flow) if flow else None,
            pov=delivery.pov_readout(pov) if pov else None,
            raid=open_items(session, engagement),
            roadmap=roadmap,
            pictures=pictures,
            today=now.date(),
        )

    def readout_message(
        self, session: Session, engagement: Engagement, year: int = dora.DEFAULT_YEAR
    ) -> Outbound:
        found = self.findings(session, engagement, year=year)
        content = self.document(session, engagement, "md", year, found=found)
        return Outbound(
            blocks=(
                rich(texts.READOUT_POSTED, engagement=engagement.name),
                File(
                    filename=f"{slug(engagement.slug or engagement.name)}-readout.md",
                    title=texts.READOUT_FILE_TITLE.format(engagement=engagement.name),
                    content=content.encode("utf-8"),
                    mime_type="text/markdown",
                ),
                # The maps beside the document (drawn when posted; `vsa export` embeds them).
                *self.pictures(found).values(),
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


def open_items(session: Session, engagement: Engagement) -> list[str]:
    """The readout's RAID and open actions: the open RAID items and the open actions of
    the engagement's retrospectives, one line each. The readout is for the customer, so
    internal items and the actions of internal retrospectives are left out."""
    items, actions, names = repo.open_work(session, engagement.id)
    lines = [
        texts.READOUT_RAID_LINE.format(
            kind=item.kind.capitalize(),
            number=item.number,
            title=item.title,
            impact=item.impact,
            owner=names.get(item.owner_id or 0) or item.owner_name or texts.RAID_NO_OWNER,
            due=item.due_date.strftime("%d %b %Y") if item.due_date else texts.RETRO_NO_DUE,
        )
        for item in items
    ]
    lines += [
        texts.READOUT_ACTION_LINE.format(
            text=action.text,
            owner=names.get(action.owner_id, texts.RAID_NO_OWNER),
            due=action.due_date.strftime("%d %b %Y") if action.due_date else texts.RETRO_NO_DUE,
        )
        for action in actions
    ]
    return lines
