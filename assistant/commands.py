"""The top-level commands: what a person can say outside a dialog, as data.

Each command has a name, the words that say it, what it takes, where it may be used
and who may use it. ``/vsa <command> ...`` in Slack, the same text to the bot in
Teams and a line in ``vsa chat`` all resolve through :meth:`Registry.match`. Dialogs
that people start themselves join the registry from their files (``start_words``,
``menu``), so no dialog is special-cased in code.

Pure: matching reads only the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant import texts
from assistant.definitions import Catalog, Dialog, normalize_words
from assistant.events import Outbound

# Where a command may be used: anywhere; only in a direct conversation; only in a
# channel or group chat; or where an engagement is known (a channel bound to it,
# "for <engagement>", or the one engagement the person takes part in).
Where = Literal["anywhere", "dm", "channel", "engagement"]
# Who may use it, in the engagement it acts on (an owner may do what a member may...).
Role = Literal["anyone", "participant", "member", "owner"]
ROLE_RANK: dict[str, int] = {"anyone": 0, "participant": 1, "member": 2, "owner": 3}


# The prompt key of a button whose chosen value is a command, said where it was clicked
# ("command" or "command:<anything>"): a reminder's "Start the retrospective" says "retro".
COMMAND_BUTTON = "command"


class CommandRefused(Exception):
    """A command that can't be done here, or by this person; ``message`` says why."""

    def __init__(self, message: Outbound) -> None:
        super().__init__("command refused")
        self.message = message


@dataclass(frozen=True)
class Command:
    name: str  # the handler's name in the turn service, or "dialog"
    words: tuple[str, ...]  # the first is the one help shows
    summary: str  # one line in help
    usage: str = ""  # what follows the words in help: "<workflow> @people"
    where: Where = "anywhere"
    who: Role = "anyone"
    takes_text: bool = False  # words after the command are its argument
    dialog: Dialog | None = None  # a dialog started by its words
    listed: bool = True  # shown in help
    # Said at once to whoever typed it, for a command whose answer takes seconds (it
    # reads every finished interview); the platforms' way of "working on it".
    working: str | None = None


FIXED: tuple[Command, ...] = (
    Command(
        "interview",
        ("interview", "invite"),
        "invite people to a discovery interview for this engagement",
        usage="<workflow> @people",
        where="engagement",
        who="owner",
        takes_text=True,
    ),
    Command(
        "preread",
        ("preread", "pre-read", "pre read"),
        "send people an interview's questions before a facilitated session",
        usage="<workflow> @people",
        where="engagement",
        who="owner",
        takes_text=True,
    ),
    Command(
        "progress",
        ("status", "progress"),
        "who has finished each interview, who is midway, who has not started",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "nudge",
        ("nudge", "remind"),
        "remind people who have not finished their interview",
        usage="@people",
        where="engagement",
        who="owner",
        takes_text=True,
    ),
    Command(
        "withdraw",
        ("withdraw", "uninvite"),
        "withdraw an interview invitation",
        usage="@person [workflow]",
        where="engagement",
        who="owner",
        takes_text=True,
    ),
    Command(
        "answers",
        ("answers", "my answers", "show answers"),
        "your interview answers (owners: anyone's, with @person)",
        usage="[@person]",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "retro",
        ("retro", "retrospective"),
        "run a retrospective here: items in private, votes, actions with owners",
        usage="[customer|in-project|internal|end-of-project] [anonymous] [@people]",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "schedule",
        ("schedule", "schedules", "ceremonies", "reminders"),
        "the engagement's ceremony schedule: set it up (owners), list what comes next, "
        "pause, resume, skip, holidays",
        usage="[list | pause | resume | skip next <ceremony> | holiday <date> | holiday remove "
        "<date> | holidays | time <ceremony> <HH:MM> | team @people | cancel]",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "summary",
        ("summary", "findings", "summarize", "summarise"),
        "post the findings so far: the flow metrics; from interviews, each value stream, its "
        "metrics and bottlenecks, the DORA band",
        usage="[2023] [engagement]",
        where="engagement",
        who="member",
        takes_text=True,
        working=texts.SUMMARY_WORKING,
    ),
    Command(
        "readout",
        ("readout", "stakeholder readout"),
        "post the stakeholder readout as a document",
        usage="[2023] [engagement]",
        where="engagement",
        who="owner",
        takes_text=True,
        working=texts.READOUT_WORKING,
    ),
    Command(
        "bind",
        ("bind", "use engagement", "link engagement"),
        "make this channel the engagement's: commands typed here act on it",
        usage="<engagement>",
        where="channel",
        who="owner",  # checked against the engagement named (see TurnService._bind)
        takes_text=True,
    ),
    Command(
        "resume",
        ("resume", "start", "continue", "pick up"),
        "go on with a dialog you paused or were invited to",
        takes_text=True,
    ),
    Command(
        "list",
        ("engagements", "list engagements", "list", "my engagements", "show engagements"),
        "list the engagements in this workspace",
    ),
    Command(
        "show",
        ("engagement", "show engagement", "show"),
        "show one engagement and its qualification",
        usage="<name>",
        takes_text=True,
    ),
    Command(
        "checklist",
        ("checklist", "iteration 0", "iteration zero"),
        "Iteration 0 and the eleven steps: who did what, when; mark one done or undo it",
        usage="[done|undo <number or name>]",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "raid",
        ("raid", "raid log", "raid list", "risks"),
        "the engagement's open risks, assumptions, issues and dependencies",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "kickoff",
        ("kickoff", "kick off", "kick-off"),
        "post the kickoff message, with the eight principles, in the engagement's channel",
        where="engagement",
        who="owner",
        takes_text=True,
    ),
    Command(
        "pov",
        ("pov", "proof of value"),
        "the proof of value: start or edit it, set its status or the opportunity's outcome",
        usage="[start|edit|status <status>|outcome won|lost|open]",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "raid_add",
        ("raid add", "add raid", "log raid"),
        "log a risk, assumption, issue or dependency",
        usage="risk|assumption|issue|dependency",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "raid_show",
        ("raid show", "show raid"),
        "one RAID item and its history",
        usage="<number>",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "raid_update",
        ("raid update", "raid edit", "raid change", "update raid"),
        "change a RAID item (a short dialog), or just its type",
        usage="<number> [type <type>]",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "raid_close",
        ("raid close", "close raid"),
        "close a RAID item",
        usage="<number> [note]",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "raid_reopen",
        ("raid reopen", "reopen raid"),
        "open a closed RAID item again",
        usage="<number> [note]",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow",
        ("flow", "flow items", "flow list"),
        "the engagement's open flow items (features, defects, risks, debts) with their age",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "flow_add",
        ("flow add", "add flow item"),
        "record a flow item: a feature, defect, risk or debt the team works on",
        usage="feature|defect|risk|debt <title>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_start",
        ("flow start",),
        "work on a flow item began: it is active",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_wait",
        ("flow wait", "flow blocked", "flow block"),
        "a flow item is blocked or waiting",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_resume",
        ("flow resume", "flow unblock", "flow unblocked"),
        "work on a waiting flow item goes on",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_done",
        ("flow done", "flow finish", "flow finished"),
        "a flow item is finished",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_show",
        ("flow show", "show flow item"),
        "one flow item and its history (who moved it, when)",
        usage="<number>",
        where="engagement",
        who="participant",
        takes_text=True,
    ),
    Command(
        "flow_reopen",
        ("flow reopen", "flow undo done"),
        "a flow item marked done by mistake is open again",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_rename",
        ("flow rename", "flow retitle", "rename flow item"),
        "give a flow item a new title (a typo fixed); its history keeps the old one",
        usage="<number> <new title>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command(
        "flow_remove",
        ("flow remove", "flow delete", "remove flow item", "delete flow item"),
        "a flow item recorded by mistake (a duplicate) no longer counts; its history is kept",
        usage="<number>",
        where="engagement",
        who="member",
        takes_text=True,
    ),
    Command("help", ("help", "commands", "what can you do", "?"), "this list"),
    Command(
        "greeting",
        ("hi", "hello", "hey", "menu", "hi there", "good morning", "yo"),
        "the menu",
        listed=False,
    ),
)


@dataclass(frozen=True)
class Match:
    command: Command
    argument: str  # the text after the command's words, as typed


@dataclass(frozen=True)
class Registry:
    commands: tuple[Command, ...]

    @classmethod
    def build(cls, catalog: Catalog) -> Registry:
        dialogs = tuple(
            Command(
                "dialog",
                tuple(dialog.start_words),
                dialog.menu.help if dialog.menu else dialog.description,
                dialog=dialog,
                listed=dialog.menu is not None,
            )
            for dialog in catalog.menu()
        ) + tuple(
            Command("dialog", tuple(d.start_words), d.description, dialog=d, listed=False)
            for d in catalog.dialogs.values()
            if d.start_words and d.menu is None
        )
        return cls(dialogs + FIXED)

    def match(self, text: str) -> Match | None:
        """The command ``text`` says: the longest matching words; a command that takes
        no argument matches only the whole text."""
        words = normalize_words(text)
        if text.strip() == "?":
            words = "?"
        best: tuple[int, Command, str] | None = None
        for command in self.commands:
            for word in command.words:
                said = normalize_words(word) if word != "?" else "?"
                if not said:
                    continue
                if words == said:
                    rest = ""
                elif command.takes_text and words.startswith(said + " "):
                    rest = _after_words(text, len(said.split()))
                else:
                    continue
                if best is None or len(said) > best[0]:
                    best = (len(said), command, rest)
        if best is None:
            return None
        return Match(best[1], best[2])

    def working(self, text: str) -> str | None:
        """What to say at once when ``text`` is a command that takes seconds (see
        :attr:`Command.working`); None for any other text."""
        found = self.match(text)
        return found.command.working if found is not None else None

    def listed(self) -> list[Command]:
        return [c for c in self.commands if c.listed]


_WORD = re.compile(r"[A-Za-z0-9]+")


def _after_words(text: str, count: int) -> str:
    """``text`` after its first ``count`` words (as normalize_words counts them)."""
    for found, match in enumerate(_WORD.finditer(text), 1):
        if found == count:
            return text[match.end() :].strip(" \t,:;-")
    return ""


# Help, grouped the way people work: a command's section by its name ("dialog": the
# dialogs people start themselves). A command in no section is listed under the last.
HELP_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Get started", ("dialog", "resume")),
    (
        "Discovery and findings",
        ("interview", "preread", "progress", "nudge", "withdraw", "answers", "summary", "readout"),
    ),
    ("Delivery", ("checklist", "kickoff", "schedule", "pov")),
    ("RAID log", ("raid", "raid_add", "raid_show", "raid_update", "raid_close", "raid_reopen")),
    (
        "Flow items",
        (
            "flow",
            "flow_add",
            "flow_start",
            "flow_wait",
            "flow_resume",
            "flow_done",
            "flow_show",
            "flow_reopen",
            "flow_rename",
            "flow_remove",
        ),
    ),
    ("Retrospectives", ("retro",)),
    ("Engagements", ("list", "show", "bind", "help")),
)
# Who help offers a command to, where it is more than who may type it: a retro's
# members vote with "retro vote", but only the engagement's members start one.
HELP_WHO: dict[str, Role] = {"retro": "member"}
# What an assessment refuses (it has no Iteration 0 nor ceremonies): not offered there.
DELIVERY_ONLY = frozenset({"checklist", "kickoff", "schedule"})
