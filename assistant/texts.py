"""Everything the assistant says in its own words (parsers keep theirs in parsing.py)."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1, "vote"`` -> ``"1 vote"``; ``3, "vote"`` -> ``"3 votes"``; ``words`` for an
    irregular plural (``2, "person", "people"`` -> ``"2 people"``)."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


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
IN_A_DIALOG = (
    "You're in the middle of *{title}*, so I read “{command}” as your answer. To do "
    "that first, say *pause*, then *{command}*; *resume* brings you back here."
)
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
CANCEL_CONFIRM = (  # one answer, then more (or none)
    "Cancel *{title}*? The {count} answer you gave stays on record, but the dialog ends.",
    "Cancel *{title}*? The {count} answers you gave stay on record, but the dialog ends.",
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
HELP_IN_DIALOG = "While you answer a dialog's questions, you can say:"
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
BOUND_DELIVERY = (
    "This channel is now *{engagement}*'s. Commands typed here act on it — for example "
    "*schedule*, *raid add risk* or *status*; *help* lists them."
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

# Education and commitment, and the assessment's plan (assistant/assessments.py)
VERDICTS = {
    "qualified": "Qualified",
    "qualified_pending": "Qualified, once discovery is done",
    "not_qualified": "Not qualified yet",
    "none": "No qualification",
}
OVERRIDDEN = "{headline} — started anyway (override): {reason}"
WORKFLOW_NAMES = {
    "idea_to_production": "Idea to Production",
    "incident_response": "Response to Production Incident",
    "toolchain": "Toolchain Upgrading and Maintenance",
}
PRESENTED = {
    "path_to_production": "the path to production documented end to end",
    "baseline": "a baseline of metrics (and ROI) to measure progress from",
    "bottlenecks": "the manual touchpoints, handoffs and bottlenecks found",
    "roadmap": "an improvement roadmap",
    "roi": "the return on investment of the platform",
    "collaboration": "collaboration across silos",
    "process": "the process",
    "commitment": "the commitment required of the customer",
}
PLAN_TITLE = "*The plan*"
PLAN_QUALIFICATION = "Qualification"
PLAN_SESSION = "Facilitated session"
PLAN_READOUT = "Readout"
PLAN_DURATION = "Estimated duration"
PLAN_WORKFLOWS = "Workflows"
PLAN_TODAY = "today"
PLAN_IN_DAYS = "in {days}"
PLAN_DAYS_AGO = "{days} ago"
PLAN_WAITING = "*Scheduled, not finished yet*"
PLAN_ALL_DONE = "Everyone scheduled has finished their interview."
PLAN_NOT_IN_WORKSPACE = "not in the workspace yet"
PLAN_NOT_INVITED = "not invited yet"
PLAN_NOT_FINISHED = "{state}"
PLAN_INTERVIEW_BY = ", interview by {date}"
PLAN_OVERDUE = ", overdue"
PLAN_INTERVIEWS = "*Interviews*"
PLAN_AT_SESSION = "At the facilitated session: {names}"

# -- delivery engagements: the checklist, the kickoff, proofs of value ----------------

CHECKLIST_TITLE = "Checklist: {engagement}"
NOT_A_DELIVERY = (
    "{engagement} is a value stream assessment, not a delivery engagement: it has no "
    "Iteration 0, so no *{command}*."
)
CHECKLIST_ITERATION0 = "*Iteration 0*"
CHECKLIST_STEPS = "*The eleven steps*"
CHECKLIST_DONE_BY = " — done by {name}, {when}"
CHECKLIST_COUNT = "{done} of {total} done."
CHECKLIST_HINT = (
    "Mark one done: *checklist done 3* (or its name, like *checklist done kickoff*); "
    "*checklist undo 3* takes it back."
)
CHECKLIST_WHICH = "Which item? Say *checklist done* and its number or name (1 to {total})."
CHECKLIST_NOT_FOUND = "No checklist item matches “{said}”. Say *checklist* to see them, numbered."
CHECKLIST_AMBIGUOUS = "More than one item matches “{said}”: {names}. Say its number."
CHECKLIST_MARKED = "Marked done: *{number}. {name}* — by {who}, {when}."
CHECKLIST_ALREADY = "*{number}. {name}* was done already — by {who}, {when}."
CHECKLIST_UNDONE = "*{number}. {name}* is open again."
CHECKLIST_NOT_DONE = "*{number}. {name}* is not marked done."
CHECKLIST_MEMBERS_ONLY = (
    "Only the delivery team of {engagement} (members and owners) can mark the checklist."
)
DELIVERY_STATUS_MORE = (
    "*raid* lists the open risks, assumptions, issues and dependencies; *schedule list* "
    "shows the ceremonies coming up; *retro status* the retrospective under way."
)
CHECKLIST_STATUS = "*Checklist*: {done} of {total} done{next}."
CHECKLIST_NEXT = "; next: {number}. {name}"
ITERATION_NOW = "*Now*: {where}."
ITERATION_NOT_STARTED = "Iteration 0 starts {date}"
ITERATION_ZERO = "Iteration 0 (since {date})"
ITERATION_N = "iteration {number} of {total} (since {date})"
ITERATION_OVER = "the planned iterations ended {date}"

KICKOFF_POSTED = "Posted the kickoff message for {engagement} in its channel."
KICKOFF_HERE = (
    "No channel is bound to {engagement}, so here is the kickoff message: type "
    "*bind {engagement}* in the channel you share with the customer, then *kickoff* there."
)

POV_NONE = "{engagement} has no proof of value yet. Say *pov start* to record one."
POV_HINT = (
    "*pov status <status>* (Not Started, Planning, In Progress, Completed, Cancelled), "
    "*pov outcome won|lost|open*, *pov edit* to change its dates and criteria."
)
POV_HISTORY = "*History*"
POV_CHANGE = "{when} — {who}: {what} {old}→ {new}"
POV_STATUS_WHICH = "Which status? One of: {statuses}."
POV_OUTCOME_WHICH = "Which outcome? *won*, *lost* or *open*."
POV_SAME_STATUS = "The proof of value of {engagement} is {status} already."
POV_SAME_OUTCOME = "The outcome of {engagement} is {outcome} already."
POV_STATUS_ANNOUNCE = "Proof of value for *{engagement}*: {old}→ *{status}* ({who})."
POV_OUTCOME_ANNOUNCE = "Opportunity *{engagement}*: outcome {old}→ *{outcome}* ({who})."
POV_STATUS_SET = "The proof of value of {engagement} is now {status}."
POV_OUTCOME_SET = "The outcome of {engagement} is now {outcome}."
POV_NOT_ANNOUNCED = (
    "No channel is bound to {engagement}, so it was not announced: type "
    "*bind {engagement}* in the channel you share with the team."
)
POV_UNKNOWN = (
    "I know *pov*, *pov start*, *pov edit*, *pov status <status>* and *pov outcome won|lost|open*."
)
POV_EDIT_INTRO = (
    "Your earlier answers are kept: say *edit* and a question's name to change one "
    "(e.g. *edit end date*)."
)
POV_LINE = "*Proof of value*: {status}{dates}; outcome: {outcome}."

# -- the RAID log -----------------------------------------------------------------------

RAID_KINDS = {
    "risk": ("risk", "Risks"),
    "assumption": ("assumption", "Assumptions"),
    "issue": ("issue", "Issues"),
    "dependency": ("dependency", "Dependencies"),
}
RAID_LEVELS = {"high": "high", "medium": "medium", "low": "low"}
RAID_WHICH_KIND = (
    "What should I log? Say *raid add risk*, *raid add assumption*, *raid add issue* or "
    "*raid add dependency*."
)
RAID_WHICH_ITEM = "Which item? Say *{command} <number>*, e.g. *{command} 3* (*raid* lists them)."
RAID_NO_ITEM = "There's no item #{number} in *{engagement}*'s RAID log. Say *raid* to list them."
RAID_TITLE = "RAID log — {engagement}"
RAID_INTERNAL_TITLE = "Internal — our side only ({engagement})"
RAID_NOTHING_OPEN = (
    "Nothing open in the RAID log. Log something with *raid add risk* (or *assumption*, "
    "*issue*, *dependency*)."
)
RAID_ONLY_INTERNAL_OPEN = "No open items besides the internal ones."
RAID_FOOTER = (
    "Say *raid show <number>* for an item and its history, *raid update <number>* or "
    "*raid close <number> [note]* to change one."
)
RAID_LINE = " — impact {impact}{likelihood} · owner {owner}{due}"
RAID_LINE_LIKELIHOOD = ", likelihood {likelihood}"
RAID_LINE_DUE = " · due {due}"
RAID_OVERDUE = " · ⚠ overdue"
RAID_NO_OWNER = "nobody"
RAID_ITEM_TITLE = "#{number} {kind}: {title}"
RAID_HISTORY = "History"
RAID_CLOSED = (
    "Closed #{number} ({title}). Say *raid show {number}* for its history, or "
    "*raid reopen {number}* if it was closed by mistake."
)
RAID_ALREADY_CLOSED = (
    "#{number} ({title}) was closed already. Say *raid reopen {number}* to open it again."
)
RAID_REOPENED = (
    "Reopened #{number} ({title}): it is in the *raid* listing again. "
    "Say *raid show {number}* for its history."
)
RAID_NOT_CLOSED = "#{number} ({title}) is open already, so there's nothing to reopen."
RAID_WHICH_TYPE = (
    "Which type should #{number} be? Say *raid update {number} type risk* (or *assumption*, "
    "*issue*, *dependency*)."
)
RAID_UNKNOWN_TYPE = (
    "I don't know the type “{word}”. A RAID item is a risk, an assumption, an issue or a "
    "dependency: say e.g. *raid update {number} type issue*."
)
RAID_SAME_TYPE = "#{number} ({title}) is {kind_name} already, so nothing changed."
RAID_RETYPED = (
    "Changed #{number} ({title}): {changed}. It keeps its number; say *raid show {number}* "
    "for its history."
)
RAID_CREATED = "logged it"
RAID_CLOSED_CHANGE = "closed it"
RAID_REOPENED_CHANGE = "reopened it"
RAID_CHANGE = "{field}: {old} → {new}"
RAID_CHANGE_NOTE = " ({note})"
RAID_OVERDUE_REMINDER = (
    "A reminder: these RAID items you own for *{engagement}* are past their due date. "
    "Say *raid update <number>* to give a new date, or *raid close <number>* once done."
)
RAID_REMINDER_LINE = " — due {due}"
RAID_REMINDER_FOR_CREATOR = " (you logged it; its owner, {owner}, can't be reminded by me)"
RAID_FIELDS = {
    "kind": "type",
    "title": "title",
    "description": "description",
    "owner": "owner",
    "impact": "impact",
    "likelihood": "likelihood",
    "mitigation": "mitigation",
    "due_date": "due date",
    "internal": "internal",
    "status": "status",
}

# -- internal stays internal ------------------------------------------------------------

WITHHELD_NOTICE = (
    "I didn't post something internal here because this conversation is shared with "
    "another organisation; I sent it privately to {names}."
)
WITHHELD_NOBODY = (
    "I didn't post something internal here because this conversation is shared with "
    "another organisation; ask me for it in a direct message."
)
WITHHELD_PERSONAL = (
    "I held back something internal meant for you: I can't be sure that no other "
    "organisation reads this conversation. Ask me for it again in a channel of ours."
)
WITHHELD_PRIVATE = (
    "Sent to you privately: it is internal, and the conversation it was for is shared with "
    "another organisation."
)

# -- retrospectives (assistant/retros.py) -------------------------------------------
RETRO_KINDS = {
    "customer": "customer retrospective",
    "in_project": "in-project retrospective",
    "internal": "internal retrospective",
    "end_of_project": "end-of-project retrospective",
}
RETRO_A_KIND = {
    "customer": "a customer retrospective",
    "in_project": "an in-project retrospective",
    "internal": "an internal retrospective",
    "end_of_project": "an end-of-project retrospective",
}
RETRO_QUESTIONS = {
    "went_well": "What went well",
    "not_well": "What did not go well",
    "try_next": "What to try next",
}
RETRO_USAGE = (
    "Say *retro customer*, *retro in-project* or *retro internal* (add *anonymous* to "
    "keep items nameless, and @people to choose who takes part), or "
    "*retro end-of-project @people*."
)
RETRO_UNDER_WAY = "{a_kind} of {engagement} is under way ({status}). {next}"
# What the facilitator does next at each stage of a retro under way ("retro" again).
RETRO_NEXT = {
    "reviewing": "Review the last one's actions first: *retro review <number> done|carry|drop*.",
    "choosing": "Say *retro facilitator @person* (or *retro go ahead*) to start it.",
    "collecting": (
        "*retro status* shows how many have sent their items; *retro nudge* reminds those who "
        "haven't; *retro close* posts them for voting."
    ),
    "voting": (
        "*retro merge <n> <m>* merges duplicate items; "
        "*retro vote close* ends the vote and posts the result."
    ),
    "actions": (
        "Capture its actions with *retro action <number> <what to do> @owner by <date>*; "
        "*retro finish* posts the recap."
    ),
}
RETRO_NONE = "There is no retrospective of {engagement} under way. {usage}"
RETRO_NOBODY = "Nobody takes part in {engagement} yet: name people with @ after *retro*."
RETRO_ONLY_FACILITATOR = "Only {facilitator}, who facilitates this retrospective, can do that."
RETRO_ONLY_MEMBERS = "Only the people taking part in this retrospective can vote."
RETRO_STARTED = (
    "*{facilitator}* started {a_kind} of *{engagement}*{anonymous}. I've asked {names} "
    "privately what went well, what did not and what to try next. When everyone has had "
    "their say, *retro close* posts all the items here for voting."
)
RETRO_ANONYMOUS_NOTE = ", anonymous: nobody, the owners included, will see who wrote what"
RETRO_REVIEW_FIRST = (
    "Before *{engagement}*'s new {kind} starts, {facilitator} reviews the open actions of "
    "the last one: for each, done, carried over or dropped?"
)
RETRO_REVIEW_ITEM = "*{text}* — {owner}{due}"
RETRO_REVIEW_DUE = ", due {due}"
RETRO_REVIEW_CHOICES = {"done": "Done", "carry": "Carry over", "drop": "Drop"}
RETRO_REVIEWED = "{text}: *{decision}* (decided by {who})."
RETRO_REVIEW_LEFT = (
    "Still to review: {count}. In the terminal: *retro review <number> done|carry|drop*."
)
RETRO_REVIEW_UNKNOWN = "There is no open action number {number} to review. Open ones: {numbers}."
RETRO_NOTHING_TO_REVIEW = "There is nothing left to review."
RETRO_WHO_FACILITATES = (
    "Who facilitates the end-of-project retrospective of *{engagement}*? It is best run by "
    "someone not close to the project. Say *retro facilitator @person*; I'll invite "
    "{names} once it's settled."
)
RETRO_PM_WARNING = (
    "⚠️ {name} is the project's own PM (an owner of {engagement}). An end-of-project "
    "retrospective is best facilitated by someone not close to the project, so people speak "
    "freely. Say *retro facilitator @person* to choose someone else."
)
RETRO_GO_AHEAD = "Or say *retro go ahead* to start with {name} all the same."
RETRO_FACILITATOR_SET = "{name} facilitates the end-of-project retrospective of *{engagement}*."
RETRO_WHICH_FACILITATOR = "Who? Say *retro facilitator @person*."
RETRO_INVITATION = (
    "{facilitator} started {a_kind} of *{engagement}* ({customer}) and would like your view: "
    "what went well, what did not, and what to try next."
)
RETRO_INVITATION_ANONYMOUS = (
    "It's anonymous: your items are shared without your name, and nobody — the owners "
    "included — can see who wrote what."
)
RETRO_INVITATION_NAMED = (
    "Your items are shared with your name with the people in the retrospective."
)
RETRO_INVITATION_HOW_LONG = "It takes about 5 minutes. Nothing is shared until collection closes."
RETRO_EVERYONE_IN = (
    "Everyone has sent their items for the retrospective of *{engagement}* ({count} people). "
    "Say *retro close* in the channel to post them for voting."
)
RETRO_PROGRESS = (
    "{done} of {total} people have sent their items for the retrospective of *{engagement}*."
)
RETRO_REMINDER = "Reminder: {facilitator} is still waiting for your items."
RETRO_REMINDER_ANONYMOUS = (
    "Reminder, if you haven't yet: send your items for the retrospective of *{engagement}*. "
    "If you already have, thank you — there's nothing more to do."
)
RETRO_NUDGED = "Reminded {names} privately to send their items for *{engagement}*'s retrospective."
RETRO_NUDGED_COUNT = (
    "Reminded {people} privately to send their items for *{engagement}*'s retrospective."
)
RETRO_NUDGED_ANONYMOUS = (
    "Reminded everyone else taking part ({people}) privately to send their items if they "
    "haven't yet: the retrospective of *{engagement}* is anonymous, so I don't say who has."
)
RETRO_NOBODY_TO_NUDGE = (
    "Nobody to nudge: everyone else still taking part in the retrospective of *{engagement}* "
    "has sent their items. *retro close* posts them for voting."
)
RETRO_NUDGE_NOT_COLLECTING = (
    "Nobody to nudge: the retrospective of *{engagement}* is not collecting items now ({status})."
)
RETRO_NOT_COLLECTING = "This retrospective is not collecting items now ({status})."
RETRO_ITEMS_TITLE = "Retrospective of {engagement} — what you said"
RETRO_NO_ITEMS = (
    "Nobody gave any items, so there is nothing to vote on. Say *retro finish* to end it."
)
RETRO_VOTE_HOW = (
    "Vote for up to *{votes}* items: click one to vote for it, click it again to take the "
    "vote back — until {facilitator} closes voting with *retro vote close*. "
    "Or type *retro vote* and the numbers, e.g. *retro vote 2 5*."
)
RETRO_VOTE_PROMPT = "Vote: {title}"
RETRO_COLLECTION_CLOSED = (
    "Collection for the retrospective of *{engagement}* has closed; what you had written "
    "so far was included."
)
RETRO_NOT_VOTING = "Voting is not open in this retrospective ({status})."
RETRO_YOUR_VOTES = "Your votes ({used} of {votes}): {items}."
RETRO_NO_VOTES_YET = "You have not voted yet: you have {votes} votes."
RETRO_TOO_MANY_VOTES = (
    "You have {votes} votes and used them all. Click one you voted for to take its vote back."
)
RETRO_TOO_MANY_NUMBERS = "That's {count} items, and you have {votes} votes. Pick at most {votes}."
RETRO_NO_SUCH_ITEMS = "There is no item {numbers} in this retrospective (numbers 1 to {last})."
RETRO_VOTE_NUMBERS = "Which items? Say *retro vote* and their numbers, e.g. *retro vote 2 5*."
RETRO_MERGE_USAGE = (
    "Which items are the same? Say *retro merge* and their numbers, the one to keep first, "
    "e.g. *retro merge 3 5*."
)
RETRO_MERGE_NOT_YET = "Items can be merged once *retro close* has posted them ({status})."
RETRO_MERGE_TOO_LATE = "The vote is closed and its ranking posted: items can't be merged now."
RETRO_MERGE_QUESTIONS = (
    "{numbers} answer different questions ({questions}): only items under the same "
    "question can be merged."
)
RETRO_ITEM_MERGED = "{number} was merged into another item: vote for that one."
RETRO_MERGED = (
    "{who} merged {merged} into {number}, *{text}*: their votes count for {number} now, "
    "once a person."
)
RETRO_RESULT_TITLE = "Retrospective of {engagement} — the vote"
RETRO_ACTIONS_HOW = (
    "Now the actions, starting from the top items: *retro action <number> <what to do> "
    "@owner by <date>* for each. *retro finish* posts the recap."
)
RETRO_NOT_ACTIONS = "Actions are captured once voting has closed ({status})."
RETRO_ACTION_USAGE = (
    "Say *retro action <item number> <what to do> @owner by <date>*, e.g. "
    "*retro action 3 Automate the smoke tests @dana by next friday*."
)
RETRO_ACTION_NO_OWNER = "Who owns it? Mention them with @. " + RETRO_ACTION_USAGE
RETRO_ACTION_NO_DUE = "By when? End with *by* and a date. " + RETRO_ACTION_USAGE
RETRO_ACTION_BAD_DUE = "I couldn't read the due date: {problem}"
RETRO_ACTION_NO_ITEM = "There is no item #{number} in this retrospective (numbers 1 to {last})."
RETRO_ACTION_ADDED = "Action: *{text}* — {owner}, due {due}. I've told {owner} privately."
RETRO_ACTION_NOTICE = (
    "You own an action from the retrospective of *{engagement}*: *{text}*, due {due}. "
    "It will be reviewed at the next retrospective."
)
RETRO_FINISHED = "The retrospective of *{engagement}* is finished."
RETRO_RECAP_TITLE = "Recap — {kind} of {engagement}, {when}"
RETRO_RECAP_FACILITATED = "Facilitated by {facilitator}; {done} of {asked} people sent their items."
RETRO_RECAP_WELL = "What went well"
RETRO_RECAP_IMPROVE = "What to improve"
RETRO_RECAP_TRY = "What to try next"
RETRO_RECAP_ACTIONS = "Actions"
RETRO_RECAP_ITEM = "{text}{votes}"
RETRO_RECAP_VOTES = " ({votes})"
RETRO_RECAP_ACTION = "{text} — {owner}, due {due}{status}"
RETRO_RECAP_NONE = "(none)"
RETRO_NO_RECAP = "{engagement} has had no retrospective yet."
RETRO_OPEN_ACTIONS_TITLE = "Open retrospective actions — {engagement}"
RETRO_NO_OPEN_ACTIONS = "{engagement} has no open retrospective actions."
RETRO_STATUS = {
    "reviewing": "reviewing the last actions",
    "choosing": "waiting for a facilitator",
    "collecting": "collecting items",
    "voting": "voting",
    "actions": "capturing actions",
    "closed": "finished",
}
RETRO_NO_DUE = "no due date"

# -- ceremony schedules (assistant/schedules.py) ---------------------------------------

SCHEDULE_USAGE = (
    "Try *schedule* (set it up), *schedule list*, *schedule pause*, *schedule resume*, "
    "*schedule skip next <ceremony>*, *schedule holiday <date>*, *schedule holiday remove "
    "<date>*, *schedule holidays*, *schedule time <ceremony> "
    "<HH:MM>*, *schedule team @people* "
    "or *schedule cancel*."
)
NO_SCHEDULE = "{engagement} has no ceremony schedule yet. Say *schedule* to set one up."
SCHEDULE_NOT_FOR_ASSESSMENTS = (
    "{engagement} is a value stream assessment: it has no iterations, so no ceremony "
    "schedule. Schedules are for delivery engagements."
)
SCHEDULE_TITLE = "Ceremony schedule — {engagement}"
SCHEDULE_STATE = "*{status}* · {timezone} · workdays {workdays} · reminders to {where}"
SCHEDULE_NEXT = "Coming up"
SCHEDULE_NONE_LEFT = "Nothing more: the planned iterations are over."
SCHEDULE_MISSED = "Missed (every process was down past the grace period)"
SCHEDULE_PAUSED = "Paused {engagement}'s reminders. *schedule resume* starts them again."
SCHEDULE_RESUMED = (
    "Resumed {engagement}'s reminders; what fell in the pause is not posted. Next: {next}."
)
SCHEDULE_ALREADY = "{engagement}'s reminders are {status} already."
SCHEDULE_CANCELLED = (
    "Cancelled {engagement}'s ceremony schedule; no more reminders. *schedule* sets up a new one."
)
SCHEDULE_SKIPPED = "Skipping {ceremony} on {day}. Next one after it: {next}."
SCHEDULE_SKIP_WHICH = "Skip which ceremony? One of: {names}."
SCHEDULE_NOTHING_TO_SKIP = "There is no {ceremony} left in this schedule to skip."
SCHEDULE_HOLIDAY = "{day} is a holiday for {engagement}: no ceremonies that day."
SCHEDULE_HOLIDAY_HOW = (
    "Which day? For example *schedule holiday 2027-04-05* or *schedule holiday next friday*."
)
SCHEDULE_HOLIDAY_REMOVE_HOW = (
    "Which day? For example *schedule holiday remove 2027-04-05* or "
    "*schedule holiday remove next friday*."
)
SCHEDULE_HOLIDAY_REMOVED = "{day} is no longer a holiday for {engagement}; its ceremonies are back:"
SCHEDULE_HOLIDAY_REMOVED_EMPTY = (
    "{day} is no longer a holiday for {engagement}. No ceremony falls on it anyway."
)
SCHEDULE_HOLIDAY_NOT_SET = "{day} isn't a holiday for {engagement}, so nothing changed."
SCHEDULE_HOLIDAYS = (
    "Holidays ahead for {engagement}: {days}. *schedule holiday remove <date>* takes one back."
)
SCHEDULE_NO_HOLIDAYS = (
    "{engagement} has no holidays ahead. *schedule holiday <date>* adds one, a day with no "
    "ceremonies."
)
SCHEDULE_TIME_HOW = (
    "Say which ceremony and the time on the team's clock, like *schedule time retro 16:00* "
    "or *schedule time standup cutoff 11:30*. Ceremonies here: {names}."
)
SCHEDULE_CUTOFF_AFTER = (
    "The digest has to come after the standup: the questions go out at {time}, the digest "
    "would be at {cutoff}. Nothing changed."
)
SCHEDULE_TIME_SET = "{ceremony} now at {time} ({timezone}). Next: {next}."
SCHEDULE_TEAM = "Added to {engagement}'s team (standup questions go to them): {names}."
SCHEDULE_TEAM_WHO = "Mention the people to add: *schedule team @dana @lee*."
SCHEDULE_NO_CHANNEL = "this conversation (bind a channel with *bind {engagement}* to post there)"
RETRO_START = "Start the retrospective"
RETRO_WHEN_READY = "When the team is together:"

# -- findings, the summary and the readout (assistant/readout.py) --------------------
FINDINGS_TITLE = "{title} — findings"
FINDINGS_BASIS = "Based on the finished interviews of {people}: {names}."
FINDINGS_UNDER_WAY = (  # one interview, then more
    "{count} interview still under way is not counted yet.",
    "{count} interviews still under way are not counted yet.",
)
FINDINGS_NONE = (
    "No finished interviews for *{engagement}* yet, so there are no findings to show. "
    "Invite people with *interview <workflow> @people*; say *status* to see who is midway."
)
# The readout's words for it: a document the customer reads, so no chat commands.
READOUT_NO_FINDINGS = (
    "No interview has finished yet, so there are no findings to show: this section fills "
    "in as people finish theirs."
)
READOUT_NO_TOUCHPOINTS = "None yet: they come from the finished interviews."
# A delivery engagement with nothing recorded yet (no flow items, no finished interviews).
SUMMARY_NONE_DELIVERY = (
    "Nothing to summarize for *{engagement}* yet: record the team's work with "
    "*flow add feature|defect|risk|debt <title>* and move it with *flow start*, *flow wait* "
    "and *flow done <number>*; the summary then shows the flow metrics. Say *raid* for the "
    "open risks and issues."
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
    "From {people}. Each key shows the team's answer (the median), its own "
    "band, and the table's figure for that band."
)
DORA_KEY = "{answer} — {band} (table: {table})"
DORA_KEY_RANGE = "{answer} — {band}; the answers span {best} to {worst} (table: {table})"
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
# Said at once to whoever asked for work that takes seconds (reading every finished
# interview, drawing the maps), before its result: a slash command's answer in Slack,
# which has no markup or user text to escape.
SUMMARY_WORKING = "Gathering everyone's answers — the findings will be posted here in a moment."
READOUT_WORKING = "Preparing the stakeholder readout — it will arrive here as a file in a moment."
# `vsa export`, on standard error as it goes (standard output may carry the document).
EXPORT_READING = "Reading the finished interviews of {engagement}…"
EXPORT_READING_RETRO = "Reading the latest retrospective of {engagement}…"
EXPORT_DRAWING = "Drawing {maps}…"
EXPORT_WRITTEN = "{what} written to {where}."
EXPORT_WHAT = {"readout": "Readout", "retro": "Retrospective recap"}
EXPORT_STDOUT = "standard output"
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
READOUT_BASIS = "Based on the finished interviews of {people}, quoted without their names."
FINDINGS_BASIS_NUMBERED = (
    "Based on the finished interviews of {people}, numbered here rather than "
    "named: people were told the account team sees their answers with their names. Say "
    "*summary* to me in a direct message to see who said what."
)
READOUT_RAID_LINE = "{kind} #{number}: {title} — impact {impact}; owner {owner}; due {due}"
READOUT_ACTION_LINE = "Action: {text} — owner {owner}; due {due}"

# -- flow items (assistant/flow_items.py) -------------------------------------------------
FLOW_KINDS = {
    "feature": ("feature", "Features"),
    "defect": ("defect", "Defects"),
    "risk": ("risk", "Risks"),
    "debt": ("debt", "Debts"),
}
FLOW_STATES = {
    "new": "not started",
    "active": "active",
    "waiting": "waiting",
    "done": "done",
    "removed": "removed",
}
FLOW_WHICH_KIND = (
    "What should I record? Say *flow add feature <title>*, *flow add defect <title>*, "
    "*flow add risk <title>* or *flow add debt <title>*."
)
FLOW_NO_TITLE = (
    "What is it called? Say *flow add {kind} <title>*, e.g. *flow add {kind} Login page*."
)
FLOW_TITLE_TOO_LONG = "That title is {length} characters long; keep it under {limit}, please."
FLOW_ADDED = (
    "Recorded {kind} *#{number}* {title} in *{engagement}*. Say *flow start {number}* when "
    "work on it begins."
)
FLOW_WHICH_ITEM = "Which item? Say *{command} <number>*, e.g. *{command} 3* (*flow* lists them)."
FLOW_NO_ITEM = "There's no flow item #{number} in *{engagement}*. Say *flow* to list them."
FLOW_MOVED = {
    "start": "Started *#{number}* {title}: it's active now. Say *flow wait {number}* if it gets "
    "blocked, *flow done {number}* when it's finished.",
    "wait": "*#{number}* {title} is waiting now. Say *flow resume {number}* when work on it goes "
    "on.",
    "resume": "*#{number}* {title} is active again.",
    "done": "Done: *#{number}* {title}, after {flow_time} in the flow.",
    "done_unstarted": "Done: *#{number}* {title}. It was never started, so its flow time counts "
    "from when it was recorded ({flow_time}) and its active time is unknown.",
}
FLOW_ALREADY = {
    "new": "*#{number}* {title} hasn't been started yet. Say *flow start {number}* first.",
    "active": "*#{number}* {title} is active already.",
    "waiting": "*#{number}* {title} is waiting already. Say *flow resume {number}* when work on "
    "it goes on.",
    "done": "*#{number}* {title} is done already.",
}
FLOW_TITLE = "Flow items — {engagement}"
FLOW_NOTHING_OPEN = (
    "No open flow items. Record one with *flow add feature|defect|risk|debt <title>*."
)
FLOW_LINE = {
    "new": " — not started, recorded {age} ago",
    "active": " — active, started {age} ago",
    "waiting": " — waiting for {waiting}, started {age} ago",
}
FLOW_FOOTER = (
    "{done} done so far. Say *flow start|wait|resume|done <number>* to move an item, "
    "*flow show <number>* for its history, *flow rename|remove <number>* to fix one recorded "
    "by mistake; *summary* shows the flow metrics."
)
FLOW_METRICS_TITLE = "Flow metrics"
FLOW_WINDOW_WEEKS = "Over the last 4 weeks ({start} – {end})."
FLOW_WINDOW_SINCE = "Since the first item was recorded ({start} – {end}, {length})."
FLOW_VELOCITY = "Flow velocity"
FLOW_VELOCITY_RATE = "{rate} items a week ({done} done in {length})"
FLOW_VELOCITY_SHORT = "{done} done in {length} (less than a week so far, so no weekly rate)"
FLOW_DISTRIBUTION = "Flow distribution"
FLOW_DISTRIBUTION_OF = "{shares} (of the {done} done)"
FLOW_DISTRIBUTION_LOAD = "{shares} (of the {load} in progress; none done in this window)"
FLOW_TIME = "Flow time"
FLOW_TIME_VALUE = "median {median}, 85th percentile {p85} (of the {done} done)"
FLOW_EFFICIENCY = "Flow efficiency"
FLOW_EFFICIENCY_VALUE = "{value} active of the flow time (of the {count} done that were started)"
FLOW_LOAD = "Flow load"
FLOW_LOAD_VALUE = "{load} in progress now ({active} active, {waiting} waiting)"
FLOW_LOAD_NEW = "; {count} not started"
FLOW_NONE_YET = "nothing done in this window"
FLOW_IN_PROGRESS = "In progress now"
FLOW_PROGRESS_LINE = " — {kind}, {state} ({age} since started)"
FLOW_MORE = "and {count} more (say flow to list them all)"
FLOW_NOT_DONE = "*#{number}* {title} isn't done, so there's nothing to reopen."
FLOW_REOPENED = "*#{number}* {title} is open again ({state}); its flow time goes on."
FLOW_ITEM_TITLE = "#{number} {title}"
FLOW_ITEM_FIELDS = ("Kind", "State", "Recorded")
FLOW_HISTORY = "History"
FLOW_HISTORY_LINE = ": {change}"
FLOW_HISTORY_RECORDED = "recorded it"
FLOW_HISTORY_MOVED = "{old} → {new}"
FLOW_HISTORY_RENAMED = "renamed it: {old} → {new}"
FLOW_REMOVED_NOTE = (
    "Removed by *{who}* on {at}: it no longer counts in the flow items nor the flow metrics."
)
FLOW_RENAME_HOW = (
    "Which item, and what should it be called? Say *flow rename <number> <new title>*, e.g. "
    "*flow rename 3 Login page*."
)
FLOW_RENAME_NO_TITLE = (
    "What should *#{number}* {title} be called? Say *flow rename {number} <new title>*."
)
FLOW_RENAME_SAME = "*#{number}* is called {title} already."
FLOW_RENAMED = "Renamed *#{number}*: {old} → *{new}*. Its history keeps the old title."
FLOW_REMOVED = (
    "Removed *#{number}* {title} from *{engagement}*: it no longer counts in the flow items "
    "nor the flow metrics. *flow show {number}* still shows its history."
)
FLOW_WAS_REMOVED = (
    "*#{number}* {title} was removed by *{who}* on {at}, so there's nothing to change. "
    "Record it again with *flow add* if it's needed after all."
)
FLOW_REMOVED_ALREADY = "*#{number}* {title} was removed already, by *{who}* on {at}."
FLOW_UNKNOWN = (
    "I don't know *flow {said}*. Say *flow* for the open items, *flow add "
    "feature|defect|risk|debt <title>*, *flow start|wait|resume|done|show|reopen|remove "
    "<number>* or *flow rename <number> <new title>*."
)
