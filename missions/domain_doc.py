"""``docs/domain.md``, generated from the lifecycle tables and the permission layer, so the
document cannot drift from the code (``python manage.py domain_doc --write``; a test compares)."""

from django.utils import translation

from organisations.policies import POLICIES

from .constants import MissionStatus, RegistrationStatus
from .lifecycle import LIFECYCLES, SEAT_HOLDING, SEATS_MOVE

DOCUMENT = "docs/domain.md"


def _states(values) -> str:
    return ", ".join(f"`{v}`" if v else "(new)" for v in values) if values else "—"


def _table(lifecycle: str) -> list[str]:
    rows = [
        "| from state | action | to state | who (policy) | effect |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in LIFECYCLES[lifecycle]:
        who = f"{POLICIES[t.policy].who} (`{t.policy}`)"
        rows.append(
            f"| {_states(t.sources)} | **{t.action}**: {t.label} | {_states(t.targets)} | {who} | {t.effects} |"
        )
    return rows


def domain_document() -> str:
    with translation.override("en"):
        lines = [
            "# Domain rules: lifecycles and who may do what",
            "",
            "Generated from `missions/lifecycle.py` and `organisations/policies.py` by "
            "`python manage.py domain_doc --write`; `missions/tests/test_domain_doc.py` fails when this file "
            "differs from the code. Services check every change against these tables and the policies; views "
            "read the same tables to decide which actions to offer.",
            "",
            "## Registration",
            "",
            "States: " + ", ".join(f"`{value}` ({label})" for value, label in RegistrationStatus.choices) + ".",
            f"Seats are taken by: {', '.join(f'`{s}`' for s in SEAT_HOLDING)}. Freed or added seats go to the "
            f"waiting list while the mission is {' or '.join(f'`{s}`' for s in SEATS_MOVE)}.",
            "",
            *_table("registration"),
            "",
            "## Mission",
            "",
            "States: " + ", ".join(f"`{value}` ({label})" for value, label in MissionStatus.choices) + ".",
            "",
            *_table("mission"),
            "",
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
