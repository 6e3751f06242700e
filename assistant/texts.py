"""Everything the assistant says in its own words (parsers keep theirs in parsing.py)."""

from __future__ import annotations

COMMANDS_HELP = (
    ("help", "explain the current question"),
    ("back", "go to the previous question"),
    ("skip", "skip an optional question"),
    ("edit <question>", "change an earlier answer, by number or name"),
    ("status", "where you are and what is left"),
    ("pause", "stop for now; say *resume* to pick up where you left off"),
    ("cancel", "stop this dialog (asks first)"),
)

GREETING = "Hi{name}! I help you run value stream assessments and delivery engagements."
WHAT_NEXT = "What would you like to do?"
NOT_UNDERSTOOD = "I didn't catch that."
MENU_LIST = "List engagements"
MENU_HELP = "Help"

STARTING = "Let's {title_lower}. {description}"
COMMANDS_HINT = (
    "You can say *help*, *back*, *skip*, *status*, *edit*, *pause* or *cancel* at any time."
)
RESUMING = "Welcome back — we were in the middle of *{title}*. Here's where we left off:"
STALE_ACTION = "That question has already been answered. Here's where we are now:"
NOTHING_PICKED = (
    "Nothing was picked. Choose at least {count}, then click the button again — "
    "or type your answer."
)
ENDED_ACTION = "That dialog has already ended."
FIRST_QUESTION = "This is the first question, there's nothing before it."
NOT_OPTIONAL = "This question is needed for the summary, so it can't be skipped."
KEEP_HINT = "Your answer was: {answer}. Type a new one, or say *keep* to leave it."
EDIT_WHICH = (
    "Which answer would you like to change? Say *edit* and its number or name, e.g. *edit 2*."
)
EDIT_NOT_FOUND = "I couldn't find a question matching “{query}”. Here are the answers so far:"
EDIT_AMBIGUOUS = "More than one question matches “{query}”: {matches}. Say *edit* and the number."
NOTHING_TO_EDIT = "There are no answers to change yet."
CANCEL_CONFIRM = (
    "Cancel *{title}*? The {count} answer(s) you gave stay on record, but the dialog ends."
)
CANCEL_YES = "Yes, cancel it"
CANCEL_NO = "No, carry on"
CANCELLED = "Cancelled *{title}*. Your answers are kept. Say *{start}* to start again."
CARRY_ON = "OK, let's carry on."
CANCELLED_INVITED = (
    "Cancelled *{title}*. Your answers are kept; whoever invited you can see that you stopped."
)
PAUSED = (
    "Paused *{title}* — everything so far is kept. Say *resume* whenever you're ready and "
    "we'll pick up at the same question."
)
CONFIRM_AGAIN = "Please answer yes or no: cancel *{title}*?"
STATUS_LINE = "*{title}* — question {position} of {total}, {answered} answered."
STATUS_ANSWERED = "Answered so far"
STATUS_LEFT = "Still to come: {left}"
STATUS_NOTHING_LEFT = "That's the last question."
HELP_EXPECTS = "Expected: {expects}"
HELP_EXAMPLE = "For example: {example}"
HELP_COMMANDS = "You can also say:"
TRY_AGAIN_EXAMPLE = "For example: {example}"
ANSWER_NONE = "(skipped)"

ADD_ANOTHER = "Add another {item}?"
ADD_ANOTHER_YES = "Add another {item}"
ADD_ANOTHER_NO = "That's all"
ANY_ITEMS = "Any {item}s to add?"
ITEM_PREFIX = "{Item} {number}"

EXPECTS = {
    "text": "a short answer",
    "long_text": "a few sentences",
    "number": "a number",
    "duration": "a length of time with a unit",
    "percent": "a percentage from 0 to 100",
    "yes_no": "yes or no",
    "choice": "one of the options, by number or name",
    "multi_choice": "one or more of the options, by number or name, separated by commas",
    "date": "a date",
    "person": "a person: @mention them, type their name, or say “me”",
    "add_another": "yes or no",
}

EXAMPLES = {
    "number": "1200",
    "duration": "2 hours, 3 days or 1 week",
    "percent": "85%",
    "yes_no": "yes",
    "date": "2027-03-31, 31 Mar 2027 or in 3 weeks",
    "person": "@dana or Dana Scully",
}

NO_ENGAGEMENTS = (
    "There are no engagements in this workspace yet. Say *new engagement* to start one."
)
ENGAGEMENTS_TITLE = "Engagements"
ENGAGEMENT_NOT_FOUND = (
    "I couldn't find an engagement called “{name}”. Say *engagements* to list them."
)
NOT_QUALIFIED_YET = "not qualified yet"
NO_QUALIFICATION = "no qualification on record"
ENGAGEMENT_CREATED = "Engagement *{name}* for *{customer}* is set up."
ENGAGEMENT_EXISTS = (
    "There's already an engagement called “{name}” here, so I named this one “{new}”."
)
NOTHING_IN_PROGRESS = "There's no dialog in progress here. " + WHAT_NEXT
ERROR_APOLOGY = (
    "Sorry — something went wrong on my side while handling that (reference {ref}). "
    "Your earlier answers are safe; please try again in a moment."
)

# -- many people: commands, engagements in channels, runs started for someone ----------

HELP_ENGAGEMENT = "This channel is *{engagement}*'s: what you type here acts on it."
ONLY_IN_CHANNEL = (
    "*{command}* works in a channel: type it there (for example *{command} {usage}*), and "
    "it acts on that channel."
)
ONLY_IN_DM = "*{command}* works in a direct message with me."
NOT_ALLOWED = (
    "Only {needed} of *{engagement}* can use *{command}* — you are {role}. Ask one of its "
    "owners if you need it."
)
ROLE_AS = {"participant": "a participant", "member": "a member", "owner": "an owner"}
NOT_PART_OF_IT = "not part of it"
ROLE_NAMES = {
    "anyone": "anyone",
    "participant": "participants",
    "member": "members",
    "owner": "the owners",
}
NO_ENGAGEMENT_HERE = (
    "I don't know which engagement you mean: you aren't part of one yet, and this place "
    "isn't bound to one. Set one up with *new engagement*, or name it: *{usage} for "
    "<engagement>*."
)
WHICH_ENGAGEMENT = (
    "Which engagement? You're part of several ({names}). Say *{usage} for <engagement>*, "
    "or bind a channel to one with *bind <engagement>* and use it there."
)
BOUND = (
    "This channel is now *{engagement}*'s. Commands typed here act on it — for example "
    "*interview idea-to-production @person* or *status*."
)
CONTINUED_IN_DM = "I've sent you a direct message to start *{title}* — let's continue there."
ALSO_WAITING = "You also have these waiting for you:"
WAITING = "Waiting for you:"
YOUR_OPEN_DIALOGS = "Your open dialogs"
WAITING_FOR_YOU = "*{title}* is waiting for you — start it when you're ready."
START_WHEN_READY = "Ready when you are."
START_NOW = "Start"
START_LATER = "Not now"
LATER_OK = (
    "No problem — *{title}* will be here. Say *resume* (or click Start) whenever you're "
    "ready; I'll keep your place."
)
NOT_YOURS = "That button belongs to someone else's invitation, so I left it alone."
ALREADY_FINISHED = "You've already finished *{title}* — thank you!"
PAUSED_OTHER = "I've paused *{title}* for you; say *resume* to go back to it later."
RESUME_NOW = "Resume"

# -- interviews -------------------------------------------------------------------------

WHICH_WORKFLOW = (
    "Which interview? One of: {workflows} — for example *interview idea-to-production @dana*."
)
WHOM_TO_INVITE = "Who should I invite? Mention them, e.g. *interview {workflow} @dana @lee*."
WHOM_TO_SEND = "Who should get the questions? Mention them, e.g. *preread {workflow} @dana*."
WHOM_TO_WITHDRAW = "Whose invitation? Mention them, e.g. *withdraw @dana idea-to-production*."
WHO_IS = "I don't know who “{names}” is here. Mention people with @ so I know exactly who they are."
INVITATION = (
    "Hi! *{inviter}* invited you to a short interview for *{engagement}* ({customer}): *{title}*."
)
INVITATION_WHY = "Why: {why}"
INVITATION_HOW_LONG = (
    "It takes about {minutes} minutes. You can pause any time (say *pause*) and pick up "
    "exactly where you left off — nothing you answered is lost."
)
INVITATION_WHO_SEES = "Who sees your answers: {visibility}"
INVITED = (
    "Invited {names} to *{title}* for *{engagement}*. Each gets a direct message from me; "
    "say *status* to see who has finished, and I'll tell you when everyone has."
)
ALREADY_INVITED = "Already invited to *{title}*, so not again: {names}."
INVITATION_STATES = {
    "invited": "not started yet",
    "started": "midway",
    "completed": "finished",
    "cancelled": "stopped (cancelled)",
    "withdrawn": "invitation withdrawn",
    "unreachable": "can't be reached by me",
}
PROGRESS_MARKS = {
    "invited": "○",
    "started": "◐",
    "completed": "✓",
    "cancelled": "✗",
    "withdrawn": "–",
    "unreachable": "⚠",
}
PROGRESS_TITLE = "Interviews — {engagement}"
PROGRESS_WORKFLOW = "*{title}* — {done} of {total} finished"
PROGRESS_MIDWAY = "midway, at question {position} ({question})"
PROGRESS_PAUSED = ", paused"
PROGRESS_NUDGED = " · nudged {count}×"
PROGRESS_FOOTER = (
    "Say *nudge @person* to remind someone (or *nudge* for everyone not finished), "
    "*withdraw @person <interview>* to withdraw an invitation."
)
NO_INVITATIONS = "Nobody has been invited yet. Try *interview idea-to-production @person*."
NOTHING_IN_PROGRESS_HERE = "There's no dialog in progress here."
NOBODY_TO_NUDGE = "Nobody to nudge: everyone named has finished, or was never invited."
NUDGED = "Nudged {names}."
WITHDRAWN = "Withdrawn: {names}. I've let them know."
NOTHING_TO_WITHDRAW = "Nothing to withdraw: nobody named has an open invitation."
WITHDRAWN_NOTICE = (
    "The invitation to *{title}* for *{engagement}* was withdrawn — no need to answer. Thanks!"
)
NUDGE_NOT_STARTED = (
    "A gentle reminder: *{inviter}* invited you to *{title}* for *{engagement}*. It only "
    "takes a few minutes, and you can pause any time."
)
NUDGE_MIDWAY = (
    "A gentle reminder: you're partway through *{title}* for *{engagement}*. Everything so "
    "far is kept — pick up where you left off whenever suits you."
)
FINISHED_INTERVIEW = "*{name}* finished *{title}* for *{engagement}*."
STOPPED_INTERVIEW = "*{name}* stopped *{title}* for *{engagement}* before the end (cancelled)."
EVERYONE_FINISHED = (
    "Everyone invited to *{title}* ({count}) has finished: its findings for *{engagement}* "
    "are ready."
)
THANKS = "Thank you! Your answers to *{title}* are in."
UNREACHABLE = (
    "I couldn't message *{name}*: the platform refused ({reason}). They may be a guest or in "
    "another organisation, or their account may be deactivated. Ask a workspace admin to let "
    "the app message them, or invite someone else. Nothing is lost; once they can be reached, "
    "invite them again."
)
PREREAD_TITLE = "Questions for the {title} session"
PREREAD_INTRO = (
    "*{sender}* will go through these with you in a facilitated session for *{engagement}* "
    "({title}). No need to answer now — a look beforehand helps. Estimates are fine."
)
PREREAD_GROUP = "For each step of the work, from start to finish ({item} by {item}):"
PREREAD_SENT = "Sent the *{title}* questions to {names}."
ONLY_OWN_ANSWERS = (
    "You can see your own answers only; the owners of *{engagement}* can see everyone's."
)
NO_ANSWERS_YET = "No answers from {name} for *{engagement}* yet."
ANSWERS_TITLE = "{title} — {name}"
EDIT_OWN_ANSWERS = (
    "To change an answer in an interview you haven't finished, *resume* it and say *edit*; "
    "once finished, ask whoever invited you."
)

# -- findings, the summary and the readout (assistant/readout.py) --------------------
FINDINGS_TITLE = "{title} — findings"
FINDINGS_BASIS = "Based on the finished interviews of {count} participant(s): {names}."
FINDINGS_UNDER_WAY = "{count} interview(s) still under way are not counted yet."
FINDINGS_NONE = (
    "No finished interviews for *{engagement}* yet, so there are no findings to show. "
    "Invite people with *interview <workflow> @people*; say *status* to see who is midway."
)
FINDINGS_NO_STEPS = "Nobody has described the steps of *{title}* yet."
FINDINGS_RULES = (
    "Ranges run from the lowest to the highest answer given; the typical figure is the "
    "median of the people's typical answers. Steps with the same name are the same step; "
    "the others line up by position."
)
FIELD_LEAD_TIME = "Lead time (Σ hands-on + wait)"
FIELD_PROCESS_TIME = "Hands-on time (Σ process)"
FIELD_FLOW_EFFICIENCY = "Flow efficiency (hands-on ÷ lead)"
FIELD_ROLLED_CA = "Rolled %C/A (Π %C/A)"
FIELD_FELT = "End to end, as people felt it"
ROLLED_CA_BASIS = "{value} over {steps} of {total} steps"
RESTS_ON = "{value} · {people}"
PEOPLE = ("{count} person", "{count} people")
STEPS_TITLE = "The steps, in order"
STEP_LINE = "{position}. {name}"
STEP_DETAIL = " ({owner}) — hands-on {process}, waits {wait} before it, %C/A {ca} · {people}"
STEP_ALSO_CALLED = " · also called {names}"
NOT_ANSWERED = "—"
BOTTLENECKS_TITLE = "Bottlenecks"
BOTTLENECK_KINDS = {
    "wait": "Long wait",
    "quality": "Low %C/A",
    "approval": "Approval",
    "handoff": "Manual handoff",
    "rework": "Rework loop",
}
MORE_EVIDENCE = "and {count} more"
DISAGREEMENTS_TITLE = "Where people disagree (shown, not averaged)"
DISAGREEMENT_MEASURES = {
    "process_time": "hands-on time",
    "wait_time": "wait",
    "complete_accurate": "%C/A",
    "approval": "needs an approval",
    "automation": "manual or automated",
}
YES, NO = "yes", "no"
PER_PERSON_TITLE = "Lead time per person"
RECOMMENDATIONS_TITLE = "Recommendations"
DORA_TITLE = "DORA four keys — State of DevOps {year} table"
DORA_NEAREST = "Nearest cluster across the four keys: *{cluster}* ({share}% of teams in {year})."
DORA_RANGE = "The answers' ranges reach from *{best}* to *{worst}*."
DORA_BASIS = (
    "From {count} participant(s). Each key shows the team's answer (the median), its own "
    "band, and the table's figure for that band."
)
DORA_KEY = "{answer} — {band} (table: {table})"
DORA_KEY_RANGE = "{answer} — {band}, reaching {best} to {worst} (table: {table})"
DORA_REWORK = "Rework rate (2024, beside the four keys)"
DORA_NONE = "Nobody has answered DORA's questions yet."
DORA_KEYS = {
    "deploy_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "recovery_time": "Failed deployment recovery time",
}
DORA_ANSWERS = {
    "on_demand": "on demand",
    "daily_to_weekly": "daily to weekly",
    "weekly_to_monthly": "weekly to monthly",
    "monthly_to_6_months": "monthly to every 6 months",
    "less_than_every_6_months": "fewer than every 6 months",
    "under_1_hour": "under an hour",
    "1_hour_to_1_day": "an hour to a day",
    "under_1_day": "under a day",
    "1_day_to_1_week": "a day to a week",
    "1_week_to_1_month": "a week to a month",
    "1_to_6_months": "1 to 6 months",
    "over_6_months": "over 6 months",
}
FINDINGS_READY = (
    "{title}: lead time {lead}, flow efficiency {efficiency}; the longest wait is before "
    "*{step}*. Say *summary* in the engagement's channel to post the findings there, or "
    "*readout* for the stakeholder document."
)
FINDINGS_READY_SHORT = (
    "Say *summary* in the engagement's channel to post the findings there, or *readout* "
    "for the stakeholder document."
)
READOUT_POSTED = "The stakeholder readout for *{engagement}*, as of today."
READOUT_FILE_TITLE = "{engagement} — stakeholder readout"
TOOLCHAIN_UPKEEP = "Toolchain upkeep"
ROI_TOIL = "Upkeep (toil) a month, whole toolchain"
ROI_UPGRADES = "Upgrades a year"
ROI_UPGRADE_TIME = "A typical upgrade takes"
ROI_DOWNTIME = "Downtime per upgrade"
ROI_TOOLS = "Tools named"

# Discovery write-ups (assistant/writeups.py): per bottleneck kind.
WRITEUP_TASKS = {
    "wait": [
        "Measure the queue before {step} for two weeks: when work arrives, when it starts.",
        "Make the queue visible and give it an owner who picks work up daily.",
        "Automate the trigger that tells {owner} the work is ready.",
    ],
    "quality": [
        "Collect the last 10 items that arrived at {step} incomplete and what was missing.",
        "Agree a definition of ready with the step before {step}.",
        "Add a template or an automated check at the handover.",
    ],
    "approval": [
        "Write down what the approver checks at {step}.",
        "Turn each check that a tool can make into a pipeline gate.",
        "Agree which changes still need a person to approve them.",
    ],
    "handoff": [
        "Map how the next team learns that {step} is done.",
        "Let the tool that finishes {step} notify or trigger the next step.",
    ],
    "rework": [
        "Record for a month how often work loops back from {step}, and why.",
        "Move the check that sends work back to before {step}.",
    ],
}
WRITEUP_CRITERIA = {
    "wait": "The wait before {step} is at most {target} (today {now}).",
    "quality": (
        "At least {target} of the work arrives at {step} complete and accurate (today {now})."
    ),
    "approval": "Routine changes pass {step} without waiting for a person's approval.",
    "handoff": "Nobody has to pass the work on by hand after {step}.",
    "rework": "Work loops back from {step} half as often as today.",
}
PARTICIPANT_LABEL = "Participant {number}"
READOUT_BASIS = (
    "Based on the finished interviews of {count} participant(s), quoted without their names."
)
FINDINGS_BASIS_NUMBERED = (
    "Based on the finished interviews of {count} participant(s), numbered here rather than "
    "named: people were told the account team sees their answers with their names. Say "
    "*summary* to me in a direct message to see who said what."
)
