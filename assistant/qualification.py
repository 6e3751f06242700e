"""Is an opportunity a fit for a value stream assessment? (DESIGN.md §1.1, Qualification)

All three criteria must hold; the key indicators strengthen the case; the two
discovery prerequisites are expected to be done before an assessment is proposed.
What the methodology says is said plainly; advice of our own is marked as a
suggestion.

Answers may come from an older version of the dialog (a stored run re-rendered):
version 1 had one initiative kind (``initiative_kind``, a string) and asked every
account about platform use. Both shapes are read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

MIN_ADDRESSABLE_USERS = 1000

CRITERIA = {
    "market": f"Total addressable market of at least {MIN_ADDRESSABLE_USERS:,} platform users",
    "focus": "Focused on improving software delivery performance",
    "authority": "Relationship with stakeholders who can decide the purchase",
}

# What the methodology says of a failed criterion, then our own suggestion.
IF_FAILED = {
    "market": (
        "The assessment is for accounts with a total addressable market of at least "
        f"{MIN_ADDRESSABLE_USERS:,} platform users, counted as the account is today.",
        "Offer a lighter-touch workshop or demo instead of an assessment.",
    ),
    "focus": (
        "The customer must be focused on improving software delivery performance.",
        "Find the delivery pain first: ask what slows releases down and what it costs them. "
        "Qualify again once improving delivery performance is a stated goal.",
    ),
    "authority": (
        "An assessment needs a relationship with stakeholders who have the authority "
        "to decide the purchase.",
        "Ask your champion for an introduction to the person who decides the purchase, "
        "and confirm their interest before committing the team.",
    ),
}

PREREQUISITES = {
    "opportunity_discovery": "Initial opportunity discovery",
    "technical_discovery": "Technical discovery",
}

INITIATIVE_KINDS = {
    "modernize_apps": "modernize specific applications",
    "new_critical_app": "deliver a new critical application to market",
    "improve_delivery": "transform or objectively improve the ability to deliver software",
    "modernize_devops": "modernize DevOps capabilities",
}

# The methodology's next stage: education and commitment.
COMMITMENT_STEPS = (
    "Educate the customer on the benefits, the process and the commitment required "
    "(the pitch deck is made for this).",
    "Confirm commitment from the stakeholders and exercise participants by scheduling "
    "the facilitated exercise and/or interviews.",
    "Estimate the assessment's duration.",
    "Set the expectation of three deliverables: the documented value stream, "
    "recommendations, and the readout.",
)


def _step(text: str, suggestion: bool = False) -> dict[str, Any]:
    return {"text": text, "suggestion": suggestion}


def initiative_kinds(answers: dict[str, Any]) -> list[str]:
    """The initiative's kinds, from either version of the dialog."""
    kinds = answers.get("initiative_kinds")
    if kinds is None:
        kinds = answers.get("initiative_kind")  # version 1: one kind
    if isinstance(kinds, str):
        kinds = [kinds]
    if not isinstance(kinds, list):
        return []
    return [str(k) for k in kinds if str(k) in INITIATIVE_KINDS]


def _when(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d %b %Y")
    except ValueError:
        return str(value)


def _initiative(answers: dict[str, Any]) -> str:
    kinds = [INITIATIVE_KINDS[k] for k in initiative_kinds(answers)]
    what = ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else "".join(kinds)
    text = f"A dated initiative to {what or 'deliver'}"
    apps = answers.get("initiative_apps")
    if apps and "modernize_apps" in initiative_kinds(answers):
        text += f" ({apps})"
    when = answers.get("initiative_date")
    return text + (f", by {_when(when)}" if when else "")


def assess(answers: dict[str, Any]) -> dict[str, Any]:
    """The verdict from a qualification's answers, as data for the summary template."""
    users = answers.get("addressable_users")
    met = {
        "market": isinstance(users, int | float) and users >= MIN_ADDRESSABLE_USERS,
        "focus": answers.get("delivery_focus") is True,
        "authority": answers.get("decision_access") is True,
    }
    failed = [key for key, ok in met.items() if not ok]
    prerequisites: list[dict[str, Any]] = [
        {"key": key, "label": label, "done": answers.get(key) is True}
        for key, label in PREREQUISITES.items()
    ]
    missing_prerequisites = [p["label"] for p in prerequisites if not p["done"]]
    prospect = answers.get("relationship") == "prospect"

    indicators: list[str] = []
    remarks: list[str] = []
    if answers.get("initiative") is True:
        indicators.append(_initiative(answers))
    uses = answers.get("uses_platform") is True and not prospect
    if uses and answers.get("wants_to_learn") is True:
        indicators.append(
            "Uses some platform features and is interested in how more of the platform "
            "drives delivery outcomes"
        )
    elif uses:
        remarks.append(
            "Uses some platform features but shows no interest in more: "
            "not an indicator on its own."
        )
    if prospect:
        remarks.append("A prospect: there is no current platform use to build on.")
    strength = {0: "weak", 1: "moderate"}.get(len(indicators), "strong")

    if failed:
        verdict, headline = "not_qualified", "Not qualified yet"
    elif missing_prerequisites:
        verdict, headline = "qualified_pending", "Qualified, once discovery is done"
    else:
        verdict, headline = "qualified", "Qualified"

    next_steps: list[dict[str, Any]] = [
        _step(f"Do the {label.lower()} first: it is expected before an assessment is proposed.")
        for label in missing_prerequisites
    ]
    for key in failed:
        rule, suggestion = IF_FAILED[key]
        next_steps += [_step(rule), _step(suggestion, suggestion=True)]
    if not failed:
        then = "Then: " if missing_prerequisites else ""
        next_steps += [_step(then + s if i == 0 else s) for i, s in enumerate(COMMITMENT_STEPS)]
        if strength == "weak":
            next_steps.append(
                _step(
                    "The case is weak without a key indicator: ask what the customer must "
                    "deliver, and by when.",
                    suggestion=True,
                )
            )

    return {
        "verdict": verdict,
        "headline": headline,
        "qualified": not failed,
        "ready_for_assessment": verdict == "qualified",
        "relationship": "prospect" if prospect else answers.get("relationship") or "customer",
        "criteria": [{"key": key, "label": CRITERIA[key], "met": ok} for key, ok in met.items()],
        "failed": [CRITERIA[key] for key in failed],
        "prerequisites": prerequisites,
        "missing_prerequisites": missing_prerequisites,
        "indicators": indicators,
        "indicator_remarks": remarks,
        "strength": strength,
        "next_steps": next_steps,
    }
