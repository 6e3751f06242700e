"""Everything the Teams adapter itself says to people. The dialogs speak for themselves."""

from __future__ import annotations

APP_NAME = "Value Stream Assistant"

# -- greetings (conversationUpdate) ------------------------------------------------

WELCOME_PERSONAL = (
    "Hi, I'm the Value Stream Assistant. I run the conversational parts of a value "
    "stream assessment with you, one question at a time."
)
WELCOME_CHANNEL = "Hi, I'm the Value Stream Assistant. Mention me with a command to get started."
HOW_TO_START_PERSONAL = (
    "Say {qualify} to qualify an opportunity, or {help} to see everything I can do."
)
HOW_TO_START_CHANNEL = "For example: @{name} {qualify}, or @{name} {help}."
COMMAND_QUALIFY = "qualify"
COMMAND_HELP = "help"

# -- questions --------------------------------------------------------------------

SUBMIT = "Submit"
SEND_DATE = "Send date"
CHOOSE_PLACEHOLDER = "Choose…"
LONG_TEXT_PLACEHOLDER = "Write as much as you like"
REQUIRED = "Please answer before sending."
TYPE_YOUR_ANSWER = "Reply with your answer."
OPTIONAL_HINT = "Optional: say skip to leave it out."
EXAMPLE = "For example: {example}"
CONTINUED = "(continued)"

# -- content Teams cannot show inline ----------------------------------------------

FILE_NOT_INLINE = "{title}: the file {filename} can't be shown in Teams; export it with vsa export."
IMAGE_TOO_LARGE = "{title}: the picture is too large to show in Teams; export it with vsa export."

# -- failures ---------------------------------------------------------------------

TURN_ERROR = (
    "Sorry, something went wrong on my side and I couldn't finish that. Your earlier "
    "answers are safe. Please try again in a moment; if it keeps happening, give your "
    "admin this reference: {reference}."
)

# -- the app package (vsa teams package) ---------------------------------------------

SHORT_DESCRIPTION = "Qualify opportunities and run value stream assessments in Teams."
FULL_DESCRIPTION = (
    "The Value Stream Assistant runs the conversational parts of a value stream "
    "assessment and of an agile delivery engagement: it qualifies opportunities, sets up "
    "engagements, interviews customer participants one question at a time, reminds the "
    "team of its ceremonies and summarizes the findings into the channel."
)
COMMANDS = (
    ("qualify", "Qualify an opportunity for a value stream assessment"),
    ("new engagement", "Set up a customer engagement"),
    ("status", "Where you are in the current dialog"),
    ("help", "What I can do and how to answer"),
)
