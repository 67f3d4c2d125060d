import json

import pytest
from django.urls import reverse

from brochures import services
from brochures.constants import Channel, RenditionStatus, VersionStatus
from brochures.models import BrochureDailyCount, BrochureVersion, Rendition
from brochures.selectors import rendition_for_version
from tests.factories import StaffUserFactory, UserFactory, member_of
from tests.mfa import login_staff

from .factories import published_brochure

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered():
    brochure, version = published_brochure(bodies=("Mensenrechten in de **keten**.", "Tweede hoofdstuk."))
    english = published_brochure(language="en", title="IMVO guide", bodies=("Human rights.", "Second."))[1]
    for v in (version, english):
        services.rendition_render(rendition_id=rendition_for_version(version=v).pk)
    return brochure, version, english


def test_list_shows_the_brochure_in_the_readers_language(client, rendered):
    response = client.get(reverse("brochures:list"))
    assert response.status_code == 200
    assert "IMVO-brochure" in response.text and "IMVO guide" not in response.text
    response = client.get(
        reverse("brochures:list"), headers={"accept-language": "en"}, HTTP_COOKIE="django_language=en"
    )
    assert "IMVO guide" in response.text


def test_online_version_has_headings_toc_and_is_counted(client, rendered, django_assert_max_num_queries):
    _brochure, version, _english = rendered
    member = member_of()
    client.force_login(member)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("brochures:detail", args=["imvo"]))
    assert response.status_code == 200
    assert "<h1>IMVO-brochure</h1>" in response.text
    assert 'href="#s1"' in response.text and 'id="s1-h">Hoofdstuk 1</h2>' in response.text
    assert "<strong>keten</strong>" in response.text
    row = BrochureDailyCount.objects.get(channel=Channel.ONLINE)
    assert row.organisation_id == member.memberships.get().organisation_id and row.count == 1


def test_pdf_download_has_filename_etag_and_304(client, rendered):
    _brochure, version, _english = rendered
    rendition = rendition_for_version(version=version)
    response = client.get(reverse("brochures:pdf", args=["imvo"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="imvo-nl-v1.pdf"' in response["Content-Disposition"]
    assert response["ETag"] == f'"{rendition.file_sha256}"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and len(body) == rendition.bytes
    again = client.get(reverse("brochures:pdf", args=["imvo"]), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    assert BrochureDailyCount.objects.get(channel=Channel.PDF, organisation=None).count == 1


def test_english_reader_gets_the_english_pdf(client, rendered):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("brochures:pdf", args=["imvo"]))
    assert 'filename="imvo-en-v1.pdf"' in response["Content-Disposition"]


def test_pending_pdf_shows_progress_and_never_renders(client, django_capture_on_commit_callbacks):
    _brochure, version = published_brochure()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(reverse("brochures:pdf", args=["imvo"]))
    assert response.status_code == 202
    assert "<progress" in response.text and 'data-status-url="/brochures/imvo/nl/v1/status/"' in response.text
    assert "Refresh this page" in response.text or "Vernieuw deze pagina" in response.text
    assert rendition_for_version(version=version).status == RenditionStatus.PENDING
    status = client.get(reverse("brochures:status", args=["imvo", "nl", 1])).json()
    assert status["status"] == "pending" and status["download_url"] is None and 0 < status["progress"] < 100

    services.rendition_render(rendition_id=rendition_for_version(version=version).pk)
    status = client.get(reverse("brochures:status", args=["imvo", "nl", 1])).json()
    assert status == {**status, "status": "done", "progress": 100, "download_url": "/brochures/imvo/nl/v1/pdf/"}


def test_failed_pdf_is_friendly_and_only_staff_see_the_error(client):
    _brochure, version = published_brochure()
    rendition = rendition_for_version(version=version)
    Rendition.objects.filter(pk=rendition.pk).update(status=RenditionStatus.FAILED, last_error="Traceback: geheim")
    response = client.get(reverse("brochures:pdf", args=["imvo"]))
    assert response.status_code == 503 and "geheim" not in response.text
    assert "error" not in client.get(reverse("brochures:status", args=["imvo", "nl", 1])).json()
    login_staff(client, StaffUserFactory())
    response = client.get(reverse("brochures:pdf", args=["imvo"]))
    assert "geheim" in response.text
    assert client.get(reverse("brochures:status", args=["imvo", "nl", 1])).json()["error"] == "Traceback: geheim"


def test_unknown_brochure_and_version_are_404(client, rendered):
    assert client.get(reverse("brochures:detail", args=["bestaat-niet"])).status_code == 404
    assert client.get(reverse("brochures:version_pdf", args=["imvo", "nl", 9])).status_code == 404


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("brochures:manage", {}),
        ("brochures:edit", {"slug": "imvo", "language": "nl"}),
    ],
)
def test_staff_pages_are_403_for_others_and_login_for_anonymous(client, rendered, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302
    client.force_login(member_of())
    assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_company_user_cannot_preview_or_publish_drafts(client, rendered):
    brochure, _version, _english = rendered
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl")
    client.force_login(member_of())
    assert client.get(reverse("brochures:preview", args=[draft.pk])).status_code == 403
    assert client.get(reverse("brochures:preview_pdf", args=[draft.pk])).status_code == 403
    assert client.post(reverse("brochures:publish", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_staff_edit_preview_and_publish_flow(client, rendered, django_capture_on_commit_callbacks):
    login_staff(client, StaffUserFactory())
    edit_url = reverse("brochures:edit", args=["imvo", "nl"])
    response = client.get(edit_url)
    assert response.status_code == 200 and "## Hoofdstuk 1" in response.text

    bad = client.post(edit_url, {"title": "Nieuw", "summary": "", "content": "zonder kop"})
    assert bad.status_code == 200 and "zonder kop" in bad.text  # the text is kept with the error
    assert not BrochureVersion.objects.filter(status=VersionStatus.DRAFT).exists()

    content = "## Nieuw hoofdstuk\n\nTekst met <script>alert(1)</script> en **nadruk**."
    response = client.post(edit_url, {"title": "Nieuwe titel", "summary": "Kort.", "content": content})
    draft = BrochureVersion.objects.get(status=VersionStatus.DRAFT)
    assert response.status_code == 302 and response.url == reverse("brochures:preview", args=[draft.pk])
    preview = client.get(response.url)
    assert "<strong>nadruk</strong>" in preview.text and "<script>alert(1)" not in preview.text

    with django_capture_on_commit_callbacks(execute=False):
        pdf = client.get(reverse("brochures:preview_pdf", args=[draft.pk]))
    assert pdf.status_code == 202  # the worker makes draft previews too

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("brochures:publish", args=[draft.pk]))
        client.post(reverse("brochures:publish", args=[draft.pk]))  # a double click changes nothing
    draft.refresh_from_db()
    assert draft.number == 2 and draft.status == VersionStatus.PUBLISHED
    services.rendition_render(rendition_id=rendition_for_version(version=draft).pk)
    assert client.get(reverse("brochures:pdf", args=["imvo"]))["Content-Disposition"].endswith('imvo-nl-v2.pdf"')
    old = client.get(reverse("brochures:version_pdf", args=["imvo", "nl", 1]))
    assert old.status_code == 200 and old["Content-Disposition"].endswith('imvo-nl-v1.pdf"')
    assert "Nieuwe titel" in client.get(reverse("brochures:detail", args=["imvo"])).text


def test_manage_list_shows_rendition_state(client, rendered):
    login_staff(client, StaffUserFactory())
    response = client.get(reverse("brochures:manage"))
    assert response.status_code == 200 and 'data-rendition-status="done"' in response.text


def test_status_json_is_not_cached(client, rendered):
    response = client.get(reverse("brochures:status", args=["imvo", "nl", 1]))
    assert "no-store" in response["Cache-Control"]
    assert json.loads(response.content)["status"] == "done"


def test_repeat_downloads_skip_the_database_until_a_new_version_is_published(
    client, rendered, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    brochure, _version, _english = rendered
    url = reverse("brochures:pdf", args=["imvo"])
    b"".join(client.get(url).streaming_content)  # first download looks the rendition up
    with django_assert_max_num_queries(2):  # only the read count (buffered in Redis when deployed)
        response = client.get(url)
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert 'filename="imvo-nl-v1.pdf"' in response["Content-Disposition"]
    assert BrochureDailyCount.objects.get(channel=Channel.PDF, organisation=None).count == 2

    staff = StaffUserFactory()
    draft = services.brochure_draft_get_or_create(brochure=brochure, language="nl", actor=staff)
    services.brochure_draft_update(version=draft, title="IMVO 2", summary="", source="## A\n\nNieuw.", actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.brochure_version_publish(version=draft, actor=staff)
    services.rendition_render(rendition_id=rendition_for_version(version=draft).pk)
    response = client.get(url)
    assert 'filename="imvo-nl-v2.pdf"' in response["Content-Disposition"]
    # The fixed URL of version 1 still serves version 1.
    old = client.get(reverse("brochures:version_pdf", args=["imvo", "nl", 1]))
    assert 'filename="imvo-nl-v1.pdf"' in old["Content-Disposition"]


def test_editor_refuses_a_section_past_the_size_limit_with_a_clear_message(client, rendered):
    from core.markdown import MARKDOWN_MAX_CHARS

    login_staff(client, StaffUserFactory())
    edit_url = reverse("brochures:edit", args=["imvo", "nl"])
    content = "## Lang hoofdstuk\n\n" + "a" * (MARKDOWN_MAX_CHARS + 1)
    response = client.post(edit_url, {"title": "Nieuw", "summary": "", "content": content})
    assert response.status_code == 200
    assert "Lang hoofdstuk" in response.text and "20.000" in response.text and "tekens" in response.text
    assert not BrochureVersion.objects.filter(status=VersionStatus.DRAFT).exists()


def test_editor_refuses_a_table_with_too_many_rows(client, rendered):
    login_staff(client, StaffUserFactory())
    edit_url = reverse("brochures:edit", args=["imvo", "nl"])
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 500
    response = client.post(edit_url, {"title": "Nieuw", "summary": "", "content": "## Tabel\n\n" + table})
    assert response.status_code == 200 and "501" in response.text and "rijen" in response.text
    assert not BrochureVersion.objects.filter(status=VersionStatus.DRAFT).exists()
