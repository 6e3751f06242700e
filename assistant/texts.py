"""Everything the assistant says in its own words (parsers keep theirs in parsing.py)."""

from __future__ import annotations

COMMANDS_HELP = (
    ("help", "explain the current question"),
    ("back", "go to the previous question"),
    ("skip", "skip an optional question"),
    ("edit <question>", "change an earlier answer, by number or name"),
    ("status", "where you are and what is left"),
    ("cancel", "stop this dialog (asks first)"),
)

TOP_LEVEL_HELP = (
    ("qualify", "qualify an opportunity for a value stream assessment"),
    ("new engagement", "start an engagement for a customer"),
    ("engagements", "list the engagements in this workspace"),
    ("engagement <name>", "show one engagement and its qualification"),
    ("help", "this list"),
)

GREETING = "Hi{name}! I help you run value stream assessments and delivery engagements."
WHAT_NEXT = "What would you like to do?"
NOT_UNDERSTOOD = "I didn't catch that."
MENU_QUALIFY = "Qualify an opportunity"
MENU_ENGAGEMENT = "Start an engagement"
MENU_LIST = "List engagements"
MENU_HELP = "Help"

STARTING = "Let's {title_lower}. {description}"
COMMANDS_HINT = "You can say *help*, *back*, *skip*, *status*, *edit* or *cancel* at any time."
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
START_ENGAGEMENT_FOR = "Start an engagement for {customer}"
QUALIFY_ANOTHER = "Qualify another opportunity"
NOTHING_IN_PROGRESS = "There's no dialog in progress here. " + WHAT_NEXT
RESUME_ELSEWHERE = "Your dialog *{title}* continues here."
ERROR_APOLOGY = (
    "Sorry — something went wrong on my side while handling that (reference {ref}). "
    "Your earlier answers are safe; please try again in a moment."
)
