"""Release numbers and budget outlive a restore of the database (dashboard/release_claims.py): a
number once published is never issued again, the budget counts what was public, and its open-data
URL says the release is gone instead of showing other figures."""

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from dashboard.models import DashboardRelease, ReleasedUptakeRollup
from dashboard.release_claims import RELEASE_CLAIMS_PREFIX, release_claimed, release_claims_not_in
from dashboard.releases import release_budget_spent, release_publish, release_publish_if_due, releases_forgotten

from .helpers import make_mission, register

pytestmark = pytest.mark.django_db


def _claim(number: int) -> dict:
    with storages["evidence"].open(f"{RELEASE_CLAIMS_PREFIX}/release-{number:06d}.json") as handle:
        return json.loads(handle.read())


def _forget(*releases) -> None:
    """What a restore of a backup taken before these releases leaves: the rows are gone."""
    for release in releases:
        ReleasedUptakeRollup.objects.filter(release=release).delete()
        DashboardRelease.objects.filter(pk=release.pk).delete()


def test_a_release_claims_its_number_in_the_evidence_storage_without_its_figures():
    register(make_mission())
    release = release_publish(reason="test")
    claim = _claim(release.number)
    assert claim == {
        "number": release.number,
        "period": release.period,
        "published_at": release.published_at.isoformat(),
        "rho": pytest.approx(release.rho),
    }
    assert "figures" not in claim and "salt" not in json.dumps(claim)
    assert release_claimed(release.number) and not release_claimed(release.number + 1)


def test_after_a_restore_numbers_continue_and_the_forgotten_budget_still_counts():
    register(make_mission())
    first = release_publish(reason="test")
    second = release_publish(reason="test")
    third = release_publish(reason="test")
    spent_before = release_budget_spent()
    _forget(second, third)  # the backup was taken after the first release
    assert [c["number"] for c in releases_forgotten()] == [2, 3]
    assert release_budget_spent() == pytest.approx(spent_before)  # what was public stays spent
    fourth = release_publish(reason="test")
    assert fourth.number == 4  # never 2 again: its URL was harvested with other figures
    assert release_budget_spent() == pytest.approx(spent_before + fourth.rho)
    assert first.number == 1


def test_beat_does_not_publish_again_in_a_period_whose_release_a_restore_forgot():
    now = timezone.now()
    release = release_publish_if_due(now=now)
    _forget(release)
    assert release_publish_if_due(now=now) is None  # one release per period: its budget is spent
    later = release_publish_if_due(now=now + timedelta(days=32))
    assert later is not None and later.number == release.number + 1


def test_a_number_claimed_by_a_failed_publication_is_skipped():
    storages["evidence"].save(f"{RELEASE_CLAIMS_PREFIX}/release-000001.json", ContentFile(b"{}"))
    release = release_publish(reason="test")
    assert release.number == 2
    assert _claim(1) == {}  # never overwritten


def test_an_unreadable_claim_is_counted_not_ignored():
    release = release_publish(reason="test")
    storages["evidence"].save(f"{RELEASE_CLAIMS_PREFIX}/release-000007.json", ContentFile(b"not json"))
    [forgotten] = release_claims_not_in({release.number})
    assert forgotten["number"] == 7 and forgotten["published_at"] is None
    assert release_budget_spent() == pytest.approx(2 * release.rho)


def test_the_open_data_url_of_a_forgotten_release_is_gone_not_reused(client):
    register(make_mission())
    kept = release_publish(reason="test")
    lost = release_publish(reason="test")
    _forget(lost)
    for suffix in ("json", "csv"):
        response = client.get(f"/open-data/releases/{lost.number}.{suffix}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 410
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 410 and f"Release {lost.number} was published" in body["detail"]
        assert client.get(f"/open-data/releases/{kept.number}.{suffix}").status_code == 200
        assert client.get(f"/open-data/releases/99.{suffix}").status_code == 404
