"""Published PDFs at immutable, content-hashed URLs, served before Django's middleware and counted;
the online version's HTML made once at publish."""

import hashlib
import re
from wsgiref.util import FileWrapper

import pytest
from django.core import signals
from django.core.files.storage import default_storage
from django.db import close_old_connections
from django.urls import reverse

from brochures import services
from brochures.constants import Channel, RenditionStatus
from brochures.files import PublishedPdfApp, published_pdf_forget
from brochures.models import BrochureDailyCount, PublishedHtml, Rendition
from brochures.selectors import rendition_for_version
from tests.factories import member_of

from .factories import published_brochure

pytestmark = pytest.mark.django_db

FILE_URL = re.compile(r'href="(/brochures/files/[0-9a-f]{64}/imvo-nl-v\d+\.pdf(?:\?o=[^"]+)?)"')


@pytest.fixture(autouse=True)
def _forget():
    published_pdf_forget()
    yield
    published_pdf_forget()


def publish_and_render(**text):
    _brochure, version = published_brochure(**text)
    rendition = rendition_for_version(version=version)
    services.rendition_render(rendition_id=rendition.pk)
    rendition.refresh_from_db()
    return version, rendition


def file_url(client) -> str:
    return FILE_URL.search(client.get(reverse("brochures:detail", args=["imvo"])).text).group(1)


def downloads() -> int:
    return sum(BrochureDailyCount.objects.filter(channel=Channel.PDF).values_list("count", flat=True))


def wsgi_get(path: str, *, method: str = "GET", query: str = "", **headers):
    """Call the WSGI layer the way gunicorn does; Django behind it must not be reached."""

    def django_app(environ, start_response):  # pragma: no cover - failing is the point
        raise AssertionError(f"reached Django for {environ['PATH_INFO']}")

    captured = {}

    def start_response(status, response_headers):
        captured["status"], captured["headers"] = status, dict(response_headers)

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, **headers}
    environ.setdefault("wsgi.file_wrapper", FileWrapper)  # gunicorn gives one (its own, with sendfile)
    # As Django's test client does: the test's transaction keeps its connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = PublishedPdfApp(django_app)(environ, start_response)
        body = b"".join(response)
        captured["counted before close"] = downloads()
        if hasattr(response, "close"):  # as every WSGI server does once the last byte is out
            response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return captured["status"], {**captured["headers"], "counted before close": captured["counted before close"]}, body


def test_the_page_links_an_immutable_content_hashed_url(client):
    _version, rendition = publish_and_render()
    url = file_url(client)
    assert rendition.file_sha256 in url
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["ETag"] == f'"{rendition.file_sha256}"'
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == rendition.file_sha256
    assert not response.cookies and downloads() == 1


def test_the_url_changes_with_the_content_and_the_old_one_keeps_its_bytes(client):
    _first, first_rendition = publish_and_render(bodies=("Eerste versie.",))
    old_url = file_url(client)
    publish_and_render(bodies=("Eerste versie.",))  # the same text: no new version, the same URL
    assert file_url(client) == old_url
    _second, second_rendition = publish_and_render(bodies=("Tweede versie, andere tekst.",))
    new_url = file_url(client)
    assert new_url != old_url and second_rendition.file_sha256 in new_url
    status, headers, body = wsgi_get(old_url)
    assert status == "200 OK" and headers["ETag"] == f'"{first_rendition.file_sha256}"'
    assert hashlib.sha256(body).hexdigest() == first_rendition.file_sha256


def test_the_wsgi_layer_serves_counts_and_answers_304_without_django(client):
    _version, rendition = publish_and_render()
    path = file_url(client)
    status, headers, body = wsgi_get(path)
    assert status == "200 OK" and headers["Content-Type"] == "application/pdf"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Length"] == str(len(body)) and "Set-Cookie" not in headers
    assert headers["Content-Disposition"] == 'attachment; filename="imvo-nl-v1.pdf"'
    status, headers, body = wsgi_get(path, HTTP_IF_NONE_MATCH=f'"{rendition.file_sha256}"')
    assert status == "304 Not Modified" and body == b""
    assert wsgi_get(path, method="HEAD")[0] == "200 OK"
    assert wsgi_get(path, method="POST")[0] == "405 Method Not Allowed"
    assert downloads() == 1  # only the full GET counts


def test_a_download_is_counted_when_the_server_closes_the_response(client):
    """After the last byte (the server closes the response), so the count's round trip is not in the download's time."""
    publish_and_render()
    status, headers, body = wsgi_get(file_url(client))
    assert status == "200 OK" and len(body) == int(headers["Content-Length"])
    assert headers["counted before close"] == 0 and downloads() == 1
    # A server without wsgi.file_wrapper reads the blocks; the last one closes and counts.
    status, headers, body = wsgi_get(file_url(client), **{"wsgi.file_wrapper": None})
    assert status == "200 OK" and len(body) == int(headers["Content-Length"]) and downloads() == 2


def test_downloads_from_a_logged_in_page_are_attributed_and_tokens_cannot_be_forged(client):
    publish_and_render()
    member = member_of()
    client.force_login(member)
    url = file_url(client)
    assert "?o=" in url
    path, query = url.split("?", 1)
    assert wsgi_get(path, query=query)[0] == "200 OK"
    organisation_id = member.memberships.get().organisation_id
    assert BrochureDailyCount.objects.get(channel=Channel.PDF).organisation_id == organisation_id
    forged = query.replace(str(organisation_id), str(organisation_id + 1), 1)
    assert wsgi_get(path, query=forged)[0] == "200 OK"
    assert BrochureDailyCount.objects.get(channel=Channel.PDF, organisation_id=None).count == 1


def test_unknown_files_are_not_served_and_a_lost_file_is_made_again(client, django_capture_on_commit_callbacks):
    version, rendition = publish_and_render()
    assert wsgi_get(f"/brochures/files/{'0' * 64}/x.pdf")[0] == "404 Not Found"
    default_storage.delete(rendition.file.name)
    published_pdf_forget()
    with django_capture_on_commit_callbacks() as callbacks:
        status, headers, _body = wsgi_get(f"/brochures/files/{rendition.file_sha256}/imvo-nl-v1.pdf")
    # Not a 404 for ever: the rendition is queued again and the reader sent to the version's PDF page.
    assert status == "307 Temporary Redirect"
    assert headers["Location"] == f"/brochures/imvo/nl/v{version.number}/pdf/"
    assert Rendition.objects.get(pk=rendition.pk).status == RenditionStatus.PENDING
    assert len(callbacks) == 1
    assert downloads() == 0


def test_the_online_html_is_stored_at_publish_and_not_made_again(client, monkeypatch):
    version, _rendition = publish_and_render(bodies=("Mensenrechten in de **keten**.",))
    stored = PublishedHtml.objects.get(content_sha256=version.content_sha256)
    assert "<strong>keten</strong>" in stored.sections[0]["html"]

    def fail(*args, **kwargs):
        raise AssertionError("Markdown ran for a published version")

    monkeypatch.setattr("brochures.content.markdown_to_html", fail)
    monkeypatch.setattr("brochures.services.html.markdown_to_html", fail)
    response = client.get(reverse("brochures:detail", args=["imvo"]))
    assert response.status_code == 200 and "<strong>keten</strong>" in response.text
