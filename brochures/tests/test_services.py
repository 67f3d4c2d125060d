from datetime import timedelta
from io import BytesIO
from unittest import mock

import pypdf
import pytest
from celery.exceptions import Retry
from django.core.files.storage import default_storage
from django.utils import timezone

from audit.models import AuditEvent
from brochures import services, tasks
from brochures.constants import BrochureKind, Channel, RenditionStatus, VersionStatus
from brochures.exceptions import InvalidContent, VersionNotDraft
from brochures.models import BrochureDailyCount, BrochureVersion, Rendition
from brochures.selectors import rendition_for_version
from core import jobs
from organisations.policies import NotAllowed
from tests.factories import MinistryUserFactory, OrganisationFactory, StaffUserFactory, UserFactory, member_of

from .factories import published_brochure

pytestmark = pytest.mark.django_db


def _renders_queued(callbacks) -> list:
    """The on-commit callbacks that enqueue a task (publishing also clears a cache on commit)."""
    return [callback for callback in callbacks if "enqueue_on_commit" in callback.__qualname__]


def test_publish_numbers_versions_and_keeps_earlier_ones(django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    brochure, first = published_brochure()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    assert draft.status == VersionStatus.DRAFT and draft.title == first.title
    assert [s.body for s in draft.sections.order_by("position")] == ["Eerste tekst.", "Tweede tekst."]
    services.brochure_draft_update(
        version=draft, title="Nieuwe titel", summary="", source="## Een\n\nNieuw.", actor=staff
    )
    with django_capture_on_commit_callbacks() as callbacks:
        second = services.brochure_version_publish(version=draft, actor=staff)
    assert second.number == 2 and second.published_by == staff
    assert len(_renders_queued(callbacks)) == 1  # the render of the new content was queued
    first.refresh_from_db()
    assert first.status == VersionStatus.PUBLISHED and first.number == 1
    assert AuditEvent.objects.filter(action="brochure.publish", object_id=str(second.pk)).exists()


def test_publishing_twice_is_idempotent(django_capture_on_commit_callbacks):
    staff = StaffUserFactory()
    brochure, _first = published_brochure()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    services.brochure_draft_update(version=draft, title="T", summary="", source="## A\n\nB", actor=staff)
    with django_capture_on_commit_callbacks() as callbacks:
        once = services.brochure_version_publish(version=draft, actor=staff)
        twice = services.brochure_version_publish(version=draft, actor=staff)
    assert once.pk == twice.pk and twice.number == 2
    assert BrochureVersion.objects.filter(brochure=brochure, status=VersionStatus.PUBLISHED).count() == 2
    assert Rendition.objects.filter(content_sha256=once.content_sha256).count() == 1
    assert len(_renders_queued(callbacks)) == 1


def test_published_version_cannot_be_edited():
    _brochure, version = published_brochure()
    with pytest.raises(VersionNotDraft):
        services.brochure_draft_update(
            version=version, title="X", summary="", source="## A\n\nB", actor=StaffUserFactory()
        )


def test_bad_text_is_refused_with_a_message():
    brochure, _version = published_brochure()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl")
    staff = StaffUserFactory()
    with pytest.raises(InvalidContent):
        services.brochure_draft_update(version=draft, title="X", summary="", source="geen kop", actor=staff)
    assert draft.sections.count() == 2  # nothing lost


def test_only_brochure_managers_edit_publish_or_retry(django_capture_on_commit_callbacks):
    """The services check the actor themselves (``brochure.manage``), whatever the caller did."""
    brochure, first = published_brochure()
    rendition = rendition_for_version(version=first)
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.FAILED, last_error="boom")
    outsiders = [UserFactory(), member_of(OrganisationFactory()), MinistryUserFactory()]
    for outsider in outsiders:
        with pytest.raises(NotAllowed):
            services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=outsider)
        with pytest.raises(NotAllowed):
            services.brochure_draft_update(version=first, title="X", summary="", source="## A\n\nB", actor=outsider)
        with pytest.raises(NotAllowed):
            services.brochure_version_publish(version=first, actor=outsider)
        with pytest.raises(NotAllowed):
            services.rendition_retry(rendition=rendition, actor=outsider)
    assert not brochure.versions.filter(status=VersionStatus.DRAFT).exists()
    assert Rendition.objects.get(pk=rendition.pk).status == RenditionStatus.FAILED
    staff = StaffUserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        assert services.rendition_retry(rendition=rendition, actor=staff).status == RenditionStatus.PENDING
    assert services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff).status == "draft"


def test_same_content_is_rendered_once_even_across_versions():
    brochure, first = published_brochure()
    rendition = rendition_for_version(version=first)
    # A draft with exactly the same content shares the rendition (its preview PDF is the published one).
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl")
    assert draft.content_sha256 == first.content_sha256
    assert services.rendition_request(version=draft).pk == rendition.pk
    assert Rendition.objects.count() == 1


def test_render_stores_a_pdf_ua_file_with_its_hash(settings):
    _brochure, version = published_brochure(bodies=("Gepaste zorgvuldigheid in **zes** stappen.", "Tweede."))
    rendition = rendition_for_version(version=version)
    assert rendition.status == RenditionStatus.PENDING  # queued on commit; requests never render
    assert tasks.rendition_render.apply(args=[rendition.pk]).get() == RenditionStatus.DONE
    rendition.refresh_from_db()
    assert rendition.file.name.startswith(f"{settings.RENDITION_STORAGE_PREFIX}/imvo/imvo-nl-")
    data = default_storage.open(rendition.file.name).read()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == rendition.file_sha256
    assert rendition.bytes == len(data) and rendition.pages >= 3 and rendition.render_ms > 0
    assert rendition.attempts == 1
    reader = pypdf.PdfReader(BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert b'pdfuaid:part="1"' in reader.xmp_metadata.stream.get_data()
    assert reader.metadata.title == "IMVO-brochure"
    assert [item["/Title"] for item in reader.outline if isinstance(item, dict)][0] == "IMVO-brochure"
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Gepaste zorgvuldigheid" in text and "Hoofdstuk 1" in text


def test_render_is_idempotent_and_respects_a_live_lease():
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    services.rendition_render(rendition_id=rendition.pk)
    services.rendition_render(rendition_id=rendition.pk)
    rendition.refresh_from_db()
    assert rendition.attempts == 1  # done: nothing rendered again

    Rendition.objects.filter(pk=rendition.pk).update(
        status=RenditionStatus.RENDERING, lease_expires_at=timezone.now() + timedelta(seconds=20), lease_token="other"
    )
    with mock.patch("core.pdf.render_pdf") as render, pytest.raises(services.RenditionBusy) as busy:
        services.rendition_render(rendition_id=rendition.pk)
    render.assert_not_called()
    # Try again once the other worker's lease may have run out (never before it).
    assert 20 <= busy.value.retry_in <= 21
    rendition.refresh_from_db()
    assert rendition.lease_token == "other" and rendition.attempts == 1


def test_the_task_waits_for_a_live_lease_instead_of_dropping_the_render():
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(
        status=RenditionStatus.RENDERING, lease_expires_at=timezone.now() + timedelta(seconds=20), lease_token="other"
    )
    with (
        mock.patch.object(tasks.rendition_render, "retry", side_effect=Retry()) as retry,
        mock.patch("core.pdf.render_pdf") as render,
        pytest.raises(Retry),
    ):
        tasks.rendition_render.apply(args=[rendition.pk])
    render.assert_not_called()
    assert retry.call_args.kwargs["countdown"] >= 20
    assert retry.call_args.kwargs["max_retries"] == tasks.LEASE_WAIT_MAX_RETRIES


def test_the_lease_is_renewed_only_by_the_holder_of_the_claim():
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    soon = timezone.now() + timedelta(seconds=2)
    Rendition.objects.filter(pk=rendition.pk).update(
        status=RenditionStatus.RENDERING, lease_expires_at=soon, lease_token="mine"
    )
    assert jobs.renew(rendition, "mine", lease_seconds=30) is True
    rendition.refresh_from_db()
    assert rendition.lease_expires_at > soon + timedelta(seconds=20)
    lease = rendition.lease_expires_at
    assert jobs.renew(rendition, "stale", lease_seconds=60) is False
    rendition.refresh_from_db()
    assert rendition.lease_expires_at == lease


def test_a_transient_error_releases_the_claim_and_retries(settings):
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    with (
        mock.patch("core.pdf.render_pdf", side_effect=OSError("schijf vol")),
        mock.patch.object(tasks.rendition_render, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        tasks.rendition_render.apply(args=[rendition.pk])
    assert isinstance(retry.call_args.kwargs["exc"], OSError)
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.PENDING and "schijf vol" in rendition.last_error


def test_a_broken_template_fails_the_rendition_with_the_error_kept(settings):
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.PENDING, file="")
    with mock.patch("core.pdf.render_pdf", side_effect=ValueError("kapotte sjabloon")):
        assert tasks.rendition_render.apply(args=[rendition.pk]).get() == "failed"
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.FAILED and "kapotte sjabloon" in rendition.last_error


def test_queue_missing_requeues_pending_and_abandoned_renditions():
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    # A worker died while rendering: its lease ran out.
    Rendition.objects.filter(pk=rendition.pk).update(
        status=RenditionStatus.RENDERING, lease_expires_at=timezone.now() - timedelta(seconds=1), file=""
    )
    assert services.renditions_queue_missing() == 1
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.DONE and rendition.attempts == 1


def test_queue_missing_creates_renditions_that_do_not_exist():
    _brochure, version = published_brochure()
    Rendition.objects.all().delete()
    assert tasks.renditions_queue_missing.apply().get() == 1
    assert rendition_for_version(version=version).status == RenditionStatus.DONE


def test_read_counts_are_upserted_per_day_channel_and_organisation():
    _brochure, version = published_brochure()
    organisation = OrganisationFactory()
    for _ in range(3):
        services.brochure_read_count(version=version, channel=Channel.PDF, organisation_id=None)
    services.brochure_read_count(version=version, channel=Channel.PDF, organisation_id=organisation.pk)
    services.brochure_read_count(version=version, channel=Channel.ONLINE, organisation_id=organisation.pk)
    rows = {(r.channel, r.organisation_id): r.count for r in BrochureDailyCount.objects.all()}
    assert rows == {("pdf", None): 3, ("pdf", organisation.pk): 1, ("online", organisation.pk): 1}
    assert BrochureDailyCount.objects.first().language == "nl"


def test_mission_pack_kind_requires_a_mission():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        services.brochure_get_or_create(slug="pakket", kind=BrochureKind.MISSION_PACK)


def test_resume_queues_every_unfinished_rendition(django_capture_on_commit_callbacks):
    _brochure, version = published_brochure()
    _other, second = published_brochure(slug="algemeen", kind=BrochureKind.GENERAL, bodies=("Andere tekst.",))
    leased = rendition_for_version(version=version)
    Rendition.objects.filter(pk=leased.pk).update(
        status=RenditionStatus.RENDERING, lease_expires_at=timezone.now() + timedelta(seconds=20), lease_token="dead"
    )
    queued = []
    with mock.patch("brochures.services.renditions.enqueue", side_effect=lambda task, pk: queued.append(pk) or True):
        assert services.renditions_resume() == 2
    assert sorted(queued) == sorted([leased.pk, rendition_for_version(version=second).pk])


def test_staff_retry_of_a_failed_rendition_queues_it_again_and_is_audited(django_capture_on_commit_callbacks):
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.FAILED, attempts=5, last_error="Kapot.")
    staff = StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.rendition_retry(rendition=rendition, actor=staff)

    assert len(_renders_queued(callbacks)) == 1
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.DONE and rendition.attempts == 1  # rendered by the (eager) task
    event = AuditEvent.objects.get(action="brochure.rendition_retry")
    assert event.actor == staff and event.details["previous_error"] == "Kapot."


def test_retry_leaves_a_rendition_that_did_not_fail_alone(django_capture_on_commit_callbacks):
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.rendition_retry(rendition=rendition, actor=StaffUserFactory())
    assert _renders_queued(callbacks) == []
    assert not AuditEvent.objects.filter(action="brochure.rendition_retry").exists()
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.PENDING


def _table(rows: int) -> str:
    return "| Land | Risico |\n|---|---|\n" + "".join(f"| {i} | laag |\n" for i in range(rows - 1))


def test_a_100000_row_table_fails_cleanly_before_weasyprint():
    # Generated or bundled text is not checked by the editor: the renderer refuses it itself.
    _brochure, version = published_brochure(bodies=("Inleiding.", _table(100_000)))
    rendition = rendition_for_version(version=version)
    with mock.patch("core.pdf.render_pdf") as render:
        assert tasks.rendition_render.apply(args=[rendition.pk]).get() == "failed"
    render.assert_not_called()
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.FAILED and rendition.finished_at is not None
    assert "Hoofdstuk 2" in rendition.last_error and "20.000" in rendition.last_error  # section and limit named
    assert not rendition.file


def test_too_many_table_rows_in_all_fails_cleanly_before_weasyprint():
    from brochures.content import BROCHURE_MAX_TABLE_ROWS
    from core.markdown import MARKDOWN_MAX_TABLE_ROWS

    # Every section within its own limit; together over the brochure's.
    sections = BROCHURE_MAX_TABLE_ROWS // MARKDOWN_MAX_TABLE_ROWS + 1
    _brochure, version = published_brochure(bodies=tuple(_table(MARKDOWN_MAX_TABLE_ROWS) for _ in range(sections)))
    rendition = rendition_for_version(version=version)
    with mock.patch("core.pdf.render_pdf") as render:
        assert tasks.rendition_render.apply(args=[rendition.pk]).get() == "failed"
    render.assert_not_called()
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.FAILED and str(BROCHURE_MAX_TABLE_ROWS) in rendition.last_error


def test_the_draft_service_refuses_a_text_too_large_to_render():
    brochure, _first = published_brochure()
    staff = StaffUserFactory()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    with pytest.raises(InvalidContent):
        services.brochure_draft_update(
            version=draft, title="T", summary="", source="## Tabel\n\n" + _table(5_000), actor=staff
        )


def test_a_list_of_thousands_of_items_fails_cleanly_before_weasyprint():
    # Short enough in characters, but laying out 35,000 list items took WeasyPrint 1.6 GB.
    _brochure, version = published_brochure(bodies=tuple("- x\n" * 4_999 for _ in range(7)))
    rendition = rendition_for_version(version=version)
    with mock.patch("core.pdf.render_pdf") as render:
        assert tasks.rendition_render.apply(args=[rendition.pk]).get() == "failed"
    render.assert_not_called()
    rendition.refresh_from_db()
    assert rendition.status == RenditionStatus.FAILED and "3.000" in rendition.last_error
