"""seed_demo is idempotent and costs the same beside any amount of other data (issue 15)."""

import io

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from organisations import demo as organisations_demo

pytestmark = pytest.mark.django_db(transaction=True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _seed() -> CaptureQueriesContext:
    with CaptureQueriesContext(connection) as queries:
        call_command("seed_demo", companies=2, force=True, stdout=io.StringIO())
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


def _run_twice_beside_volume():
    _seed()
    counts, state = _row_counts(), _demo_state()
    second = _seed()
    assert _row_counts() == counts  # nothing added, nothing removed
    assert _demo_state() == state  # nothing rewritten
    # Other data (a million declarations in the benchmark) costs the re-run no query.
    call_command("generate_volume", organisations=200, declarations=600, missions=10, stdout=io.StringIO())
    third = _seed()
    assert len(third) == len(second), [q["sql"][:120] for q in third.captured_queries]


def test_seed_demo_twice_changes_nothing_and_ignores_other_data():
    _run_twice_beside_volume()


@pytest.mark.postgres
def test_seed_demo_twice_changes_nothing_and_ignores_other_data_on_postgresql():
    _run_twice_beside_volume()


def test_demo_users_share_one_hash_of_the_demo_password(monkeypatch):
    monkeypatch.setattr(organisations_demo, "_demo_hashes", {})
    monkeypatch.setattr(organisations_demo, "_demo_hashes_checked", set())
    _seed()
    users = User.objects.filter(email__endswith="@demo.example")
    assert users.count() > 5
    assert len(set(users.values_list("password", flat=True))) == 1  # hashed once, not once per user
    assert all(user.check_password(settings.DEMO_PASSWORD) for user in users)
    # A demo user whose password was changed gets the demo password back.
    user = users.get(email="rvo@demo.example")
    user.set_password("something else")
    user.save()
    _seed()
    user.refresh_from_db()
    assert user.check_password(settings.DEMO_PASSWORD)
