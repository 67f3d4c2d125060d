"""seed_demo is idempotent and costs the same beside any amount of other data (issue 15)."""

import io

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.models import AuditEvent
from declarations.services import declarations_verify
from instruments.models import Instrument
from organisations import demo as organisations_demo
from organisations.models import Organisation
from tests.factories import DEMO_INSTRUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def _row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables  # a test module's own model (core/tests/test_jobs.py) has none here
    }


def _seed() -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        call_command("seed_demo", companies=2, instruments=DEMO_INSTRUMENTS, force=True, stdout=io.StringIO())
    return queries


def _demo_state() -> dict:
    """What the demo shows that a second run could change (passwords included)."""
    from brochures.models import BrochureVersion
    from declarations.models import Declaration
    from missions.models import Registration

    return {
        "users": sorted(User.objects.filter(email__endswith="@demo.example").values_list("email", "password")),
        "versions": sorted(
            BrochureVersion.objects.values_list("brochure__slug", "language", "number", "content_sha256")
        ),
        "declarations": sorted(Declaration.objects.values_list("sequence", "record_hash")),
        "registrations": sorted(Registration.objects.values_list("id", "status", "current_declaration_id")),
    }


def _check_seed_demo():
    """One first run (the costly one), then re-runs: idempotent, independent of other data, and the
    demo users' password hashed once."""
    call_command("seed_demo", companies=2, instruments=DEMO_INSTRUMENTS, force=True, stdout=io.StringIO())
    # Right after seed_demo a signed checkpoint covers every record (no unanchored tail to delete).
    verified = declarations_verify()
    assert verified.ok and verified.checked > 0 and verified.unanchored == 0, verified.problems
    users = User.objects.filter(email__endswith="@demo.example")
    assert users.count() > 5
    assert len(set(users.values_list("password", flat=True))) == 1  # hashed once, not once per user
    assert all(user.check_password(settings.DEMO_PASSWORD) for user in users)
    # The demo companies sign, so RVO staff verified them, audited as any staff verification.
    demo_organisations = Organisation.objects.filter(memberships__user__email__endswith="@demo.example").distinct()
    staff = users.get(email="rvo@demo.example")
    assert demo_organisations.count() > 2
    assert set(demo_organisations.values_list("verification", "verified_by")) == {("staff", staff.pk)}
    verified = AuditEvent.objects.filter(action="organisation.verify", actor=staff, details__method="staff")
    assert sorted(verified.values_list("organisation_id", flat=True)) == sorted(d.pk for d in demo_organisations)

    counts, state = _row_counts(), _demo_state()
    second = _seed()
    assert _row_counts() == counts  # nothing added, nothing removed
    assert _demo_state() == state  # nothing rewritten
    # Other data (a million declarations in the benchmark) costs the re-run no query.
    call_command("generate_volume", organisations=200, declarations=600, missions=10, stdout=io.StringIO())
    third = _seed()
    assert len(third) == len(second), [q["sql"][:120] for q in third.captured_queries]
    # Synthetic missions are no demo instruments (each would get a brochure to publish too).
    assert not Instrument.objects.filter(mission__slug__startswith="volume-").exists()

    # A demo user whose password was changed gets the demo password back.
    user = users.get(email="rvo@demo.example")
    user.set_password("something else")
    user.save()
    _seed()
    user.refresh_from_db()
    assert user.check_password(settings.DEMO_PASSWORD)


@pytest.fixture(autouse=True)
def _fresh_password_memo(monkeypatch):
    monkeypatch.setattr(organisations_demo, "_demo_hashes", {})
    monkeypatch.setattr(organisations_demo, "_demo_hashes_checked", set())


def test_seed_demo_twice_changes_nothing_and_ignores_other_data():
    """On the configured database: SQLite in ``make test`` without services, PostgreSQL in CI."""
    _check_seed_demo()


def test_seed_demo_can_make_a_smaller_registry():
    from django.core.management.base import CommandError

    from brochures.constants import BrochureKind
    from brochures.models import Brochure
    from instruments.models import Instrument

    call_command("seed_demo", companies=1, instruments=3, force=True, stdout=io.StringIO())
    missions = Instrument.objects.exclude(mission=None).count()
    assert missions == 4  # the demo missions' instruments always come
    assert Instrument.objects.filter(mission=None).count() == 3
    assert Brochure.objects.filter(kind=BrochureKind.INSTRUMENT).count() == 3 + missions
    with pytest.raises(CommandError, match="--instruments"):
        call_command("seed_demo", companies=1, instruments=-1, force=True, stdout=io.StringIO())
