"""``docs/domain.md``, generated from the lifecycle tables and the permission layer, so the
document cannot drift from the code (``python manage.py domain_doc --write``; a test compares).

Other apps add their lifecycles through a ``domain_doc`` module of their own with a
``domain_section() -> list[str]`` (found through the app registry, as the admin finds
``admin`` modules), so this module never imports an app beside it.
"""

from importlib import import_module

from django.apps import apps
from django.utils import translation
from django.utils.module_loading import module_has_submodule

from organisations.policies import POLICIES

from .constants import MissionStatus, RegistrationStatus
from .lifecycle import LIFECYCLES, SEAT_HOLDING, SEATS_MOVE

DOCUMENT = "docs/domain.md"


def _states(values) -> str:
    return ", ".join(f"`{v}`" if v else "(new)" for v in values) if values else "—"


def states_line(choices) -> str:
    """A status enumeration's values and labels, as one line of Markdown."""
    return "States: " + ", ".join(f"`{value}` ({label})" for value, label in choices) + "."


def transition_table(transitions) -> list[str]:
    """A lifecycle table (``missions.lifecycle.Transition`` rows) as Markdown."""
    rows = [
        "| from state | action | to state | who (policy) | effect |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in transitions:
        who = f"{POLICIES[t.policy].who} (`{t.policy}`)"
        rows.append(
            f"| {_states(t.sources)} | **{t.action}**: {t.label} | {_states(t.targets)} | {who} | {t.effects} |"
        )
    return rows


def _other_sections() -> list[str]:
    lines = []
    for config in apps.get_app_configs():
        if config.name != "missions" and module_has_submodule(config.module, "domain_doc"):
            lines += [*import_module(f"{config.name}.domain_doc").domain_section(), ""]
    return lines


def domain_document() -> str:
    with translation.override("en"):
        lines = [
            "# Domain rules: lifecycles and who may do what",
            "",
            "Generated from `missions/lifecycle.py`, the other apps' `domain_doc.py` and "
            "`organisations/policies.py` by "
            "`python manage.py domain_doc --write`; `missions/tests/test_domain_doc.py` fails when this file "
            "differs from the code. Services check every change against these tables and the policies; views "
            "read the same tables to decide which actions to offer.",
            "",
            "## Registration",
            "",
            states_line(RegistrationStatus.choices),
            f"Seats are taken by: {', '.join(f'`{s}`' for s in SEAT_HOLDING)}. Freed or added seats go to the "
            f"waiting list while the mission is {' or '.join(f'`{s}`' for s in SEATS_MOVE)}.",
            "",
            *transition_table(LIFECYCLES["registration"]),
            "",
            "## Mission",
            "",
            states_line(MissionStatus.choices),
            "",
            *transition_table(LIFECYCLES["mission"]),
            "",
            *_other_sections(),
            "## Policies",
            "",
            "| policy | who | answer when refused |",
            "| --- | --- | --- |",
            *[
                f"| `{p.name}` | {p.who} | {'404 to non-members, 403 to members' if p.object_level else '403'} |"
                for p in POLICIES.values()
            ],
            "",
        ]
    return "\n".join(lines)
