"""Broker outage at publish time, and two publishes of the same draft at the same moment."""

import pytest
from django.urls import reverse

from brochures import services
from brochures.constants import RenditionStatus, VersionStatus
from brochures.models import BrochureVersion, Rendition
from brochures.selectors import rendition_for_version
from tests.factories import StaffUserFactory
from tests.mfa import login_staff
from tests.races import run_times

from .factories import published_brochure


@pytest.mark.django_db
def test_publish_with_the_broker_down_publishes_and_queues_later(
    client, broker_down, django_capture_on_commit_callbacks
):
    brochure, _first = published_brochure()
    staff = StaffUserFactory()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    services.brochure_draft_update(
        version=draft, title="Nieuw", summary="", source="## A\n\nNieuwe tekst.", actor=staff
    )
    login_staff(client, staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("brochures:publish", args=[draft.pk]))

    assert response.status_code == 302  # no 500
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.number == 2
    rendition = rendition_for_version(version=draft)
    assert rendition.status == RenditionStatus.PENDING
    assert client.get(reverse("brochures:pdf", args=["imvo"])).status_code == 202


@pytest.mark.django_db
def test_beat_queues_what_the_outage_left_pending(broker_down, django_capture_on_commit_callbacks):
    from imvo_portal.celery import app

    with django_capture_on_commit_callbacks(execute=True):
        _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    assert rendition.status == RenditionStatus.PENDING
    # The broker is back (eager stands in for the worker here): beat's task picks it up.
    app.conf.task_always_eager = True
    from brochures.tasks import renditions_queue_missing

    assert renditions_queue_missing.apply().get() == 1
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.DONE and rendition.file_sha256


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_publishes_make_one_version_and_one_rendition():
    brochure, _first = published_brochure()
    staff = StaffUserFactory()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    services.brochure_draft_update(version=draft, title="Nieuw", summary="", source="## A\n\nTekst.", actor=staff)
    results = run_times(2, lambda: services.brochure_version_publish(version=draft, actor=staff).number, timeout=30)
    assert results.errors == [] and results == [2, 2]
    assert BrochureVersion.objects.filter(brochure=brochure, status=VersionStatus.PUBLISHED).count() == 2
    assert Rendition.objects.filter(content_sha256=draft.content_sha256).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_rendition_requests_meet_on_one_row():
    _brochure, version = published_brochure()
    Rendition.objects.all().delete()
    results = run_times(4, lambda: services.rendition_request(version=version).pk, timeout=30)
    assert results.errors == []
    assert len(set(results)) == 1 and Rendition.objects.count() == 1
