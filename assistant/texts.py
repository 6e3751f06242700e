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

# -- ceremony schedules (assistant/schedules.py) ---------------------------------------

SCHEDULE_USAGE = (
    "Try *schedule* (set it up), *schedule list*, *schedule pause*, *schedule resume*, "
    "*schedule skip next <ceremony>*, *schedule holiday <date>*, *schedule time <ceremony> "
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
