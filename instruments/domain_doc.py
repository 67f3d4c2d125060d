"""This app's part of ``docs/domain.md``: the instrument application's lifecycle and the table of
which level asks which conditions (collected by ``missions.domain_doc``)."""

from missions.domain_doc import states_line, transition_table

from .conditions import NEXT_STEPS, conditions_asked
from .constants import ApplicationStatus, FrameworkLevel
from .lifecycle import APPLICATION_TRANSITIONS


def _conditions_table() -> list[str]:
    rows = [
        "| level | conditions asked | what happens next, once they are met | while they are not |",
        "| --- | --- | --- | --- |",
    ]
    for level, label in FrameworkLevel.choices:
        asked = "; ".join(f"`{c.key}`: {c.title}" for c in conditions_asked(level)) or "—"
        step = NEXT_STEPS[level]
        rows.append(f"| {label} | {asked} | {step.when_met} | {step.while_open} |")
    return rows


def domain_section() -> list[str]:
    return [
        "## Instrument application",
        "",
        "From `instruments/lifecycle.py` and `instruments/conditions.py`. " + states_line(ApplicationStatus.choices),
        "No action chooses the status: an open follow-up means `follow_up`; otherwise the conditions of the "
        "application's level are met (`complete`) or not yet (`open`). No state and no action refuses an "
        "application (no knock-out); a service refuses only a condition the level does not ask.",
        "",
        *transition_table(APPLICATION_TRANSITIONS),
        "",
        "### Conditions per level",
        "",
        "The levels are cumulative: a level asks its own condition and those of every level below it.",
        "",
        *_conditions_table(),
    ]
