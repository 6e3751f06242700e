"""Every user-facing string the Slack adapter shows itself (the engine's text comes as data)."""

from __future__ import annotations

# Slash command acknowledgements (shown only to the person who typed the command).
COMMAND_RECEIVED = "On it…"

# Question controls.
CHOOSE_PLACEHOLDER = "Choose…"
CHOOSE_MANY_PLACEHOLDER = "Choose one or more…"
DATE_PLACEHOLDER = "Pick a date"
YES = "Yes"
NO = "No"
WRITE_ANSWER = "Write answer"
DONE = "Done"
TYPE_HINT = "Or just type your answer here."
EXAMPLE = "e.g. {example}"
OPTIONAL_HINT = "Optional — type “skip” to leave it out."

# The long-answer modal (Slack limits a modal title and its buttons to 24 characters).
MODAL_TITLE = "Your answer"
MODAL_SUBMIT = "Send"
MODAL_CANCEL = "Cancel"
MODAL_INPUT_LABEL = "Answer"

# Splitting long messages.
CONTINUED = "(continued)"
FILE_UPLOAD_FAILED = "I couldn't attach “{title}” here; ask me to export it instead."

# App Home.
HOME_TITLE = "Value Stream Assistant"
HOME_EMPTY = (
    "Nothing open yet. Send me a direct message or type `/vsa qualify` to qualify an "
    "opportunity, `/vsa new engagement` to set one up, or `/vsa help` to see what I can do."
)

# OAuth installation pages.
INSTALL_SUCCESS = "Value Stream Assistant is installed. Open Slack and send it a direct message."
INSTALL_FAILURE = (
    "The installation didn't complete ({reason}). Please start again from the install page."
)
