"""Is an opportunity a fit for a value stream assessment? (DESIGN.md §1.1, Qualification)

All three criteria must hold; the key indicators strengthen the case; the two
discovery prerequisites must be done before the assessment starts.
"""

from __future__ import annotations

from typing import Any

MIN_ADDRESSABLE_USERS = 1000

CRITERIA = {
    "market": f"Total addressable market of at least {MIN_ADDRESSABLE_USERS:,} platform users",
    "focus": "Focused on improving software delivery performance",
    "authority": "Relationship with stakeholders who can decide the purchase",
}

NEXT_IF_FAILED = {
    "market": (
        "Widen the scope (more business units or teams) until at least "
        f"{MIN_ADDRESSABLE_USERS:,} people would use the platform, "
        "or offer a lighter-touch workshop."
    ),
    "focus": (
        "Find the delivery pain first: ask what slows releases down and what it costs them. "
        "Qualify again once improving delivery performance is a stated goal."
    ),
    "authority": (
        "Ask your champion for an introduction to the person who signs off the purchase, "
        "and confirm their interest before committing the team."
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

COMMITMENT_STEPS = (
    "Confirm the stakeholders and the participants: people experienced with each process "
    "of the value stream.",
    "Schedule the facilitated exercise and/or the interviews.",
    "Estimate how long the assessment will take and agree on it.",
    "Set the expectation of three deliverables: the documented value stream, "
    "recommendations, and the stakeholder readout.",
)


def assess(answers: dict[str, Any]) -> dict[str, Any]:
    """The verdict from a qualification's answers, as data for the summary template."""
    users = answers.get("addressable_users")
    met = {
        "market": isinstance(users, int | float) and users >= MIN_ADDRESSABLE_USERS,
        "focus": answers.get("delivery_focus") is True,
        "authority": answers.get("decision_access") is True,
    }
    failed = [key for key, ok in met.items() if not ok]
    missing_prerequisites = [
        label for key, label in PREREQUISITES.items() if answers.get(key) is not True
    ]

    indicators: list[str] = []
    if answers.get("initiative") is True:
        kind = INITIATIVE_KINDS.get(str(answers.get("initiative_kind")), "a delivery initiative")
        when = answers.get("initiative_date")
        indicators.append(f"A dated initiative to {kind}" + (f" by {when}" if when else ""))
    if answers.get("uses_platform") is True:
        if answers.get("wants_to_learn") is True:
            indicators.append(
                "Already uses platform features and wants to learn how more of it drives outcomes"
            )
        else:
            indicators.append("Already uses some platform features")
    strength = {0: "weak", 1: "moderate"}.get(len(indicators), "strong")
    if len(indicators) == 2 and answers.get("wants_to_learn") is not True:
        strength = "moderate"

    if failed:
        verdict, headline = "not_qualified", "Not qualified yet"
    elif missing_prerequisites:
        verdict, headline = "qualified_pending", "Qualified, once discovery is done"
    else:
        verdict, headline = "qualified", "Qualified"

    next_steps: list[str] = []
    next_steps += [f"Do the {label.lower()} first." for label in missing_prerequisites]
    next_steps += [NEXT_IF_FAILED[key] for key in failed]
    if not failed:
        next_steps += list(COMMITMENT_STEPS)
    if not failed and strength == "weak":
        next_steps.append(
            "The case is weak without a dated initiative: ask what the customer must deliver, "
            "and by when."
        )

    return {
        "verdict": verdict,
        "headline": headline,
        "qualified": not failed,
        "criteria": [{"key": key, "label": CRITERIA[key], "met": ok} for key, ok in met.items()],
        "failed": [CRITERIA[key] for key in failed],
        "missing_prerequisites": missing_prerequisites,
        "indicators": indicators,
        "strength": strength,
        "next_steps": next_steps,
    }
