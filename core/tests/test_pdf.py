"""render_pdf: PDF/UA output with the embedded font, and the safe URL fetcher (no SSRF)."""

import http.server
import threading
from io import BytesIO

import pypdf
import pytest

from core.pdf import INTERNAL_ORIGIN, render_pdf, safe_url_fetcher, static_path_for_url

PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)

HOSTILE = """{{% load static %}}<!DOCTYPE html>
<html lang="{{{{ lang }}}}"><head><meta charset="utf-8"><title>{{{{ title }}}}</title>
<link rel="stylesheet" href="{{% static 'css/portal.css' %}}">
<link rel="stylesheet" href="{base}/evil.css">
<link rel="attachment" href="{base}/attachment.txt">
<link rel="attachment" href="file:///etc/passwd">
<style>@import url("{base}/import.css"); @import url("file:///etc/passwd");
  body {{ background: url("{base}/bg.png"); }}</style>
</head><body>
<h1>Verantwoord ondernemen</h1>
<p>Een <a href="{base}/link">link naar een interne dienst</a>.</p>
<img src="file:///etc/passwd" alt="lokaal bestand">
<img src="{base}/image.png" alt="interne afbeelding">
<img src="ftp://127.0.0.1/x.png" alt="ftp">
<img src="{pixel}" alt="datapunt">
<svg width="20" height="20" role="img" aria-label="svg"><image href="{base}/svg.png" width="20" height="20"/>
<image href="file:///etc/passwd" width="20" height="20"/></svg>
<a rel="attachment" href="{base}/a-attachment.txt">bijlage</a>
</body></html>
"""


@pytest.fixture
def counting_server():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"h1 { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def template_dir(settings, tmp_path):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return tmp_path


def test_hostile_urls_are_refused_without_a_request_and_the_render_completes(counting_server, template_dir):
    base, hits = counting_server
    (template_dir / "hostile.html").write_text(HOSTILE.format(base=base, pixel=PIXEL))
    fetcher = safe_url_fetcher()

    pdf = render_pdf("hostile.html", {"title": "Test"}, language="nl", url_fetcher=fetcher)

    assert hits == []
    assert pdf.content.startswith(b"%PDF-") and pdf.pages == 1
    refused = " ".join(fetcher.refused)
    for fragment in (
        "/evil.css",
        "/import.css",
        "/image.png",
        "/svg.png",
        "/attachment.txt",
        "/bg.png",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x.png",
    ):
        assert fragment in refused
    assert not any(url.startswith("data:") for url in fetcher.refused)
    text = pypdf.PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert "Verantwoord ondernemen" in text
    assert b"root:" not in pdf.content  # nothing of /etc/passwd ended up in the file


def test_pdf_is_pdf_ua_with_language_title_and_embedded_font(template_dir):
    (template_dir / "plain.html").write_text(
        '<!DOCTYPE html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
        "<body><h1>Kop</h1><p>Tekst met <strong>nadruk</strong>.</p></body></html>"
    )

    pdf = render_pdf("plain.html", {"title": "Mijn titel"}, language="nl")

    reader = pypdf.PdfReader(BytesIO(pdf.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert reader.metadata.title == "Mijn titel"
    xmp = reader.xmp_metadata.stream.get_data()
    assert b'pdfuaid:part="1"' in xmp
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        font = font.get_object()
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = described["/FontDescriptor"]
        assert "Source-Sans-3" in font["/BaseFont"]
        assert any(key.startswith("/FontFile") for key in descriptor)


def test_static_path_resolution_stays_inside_static_files(settings):
    assert static_path_for_url(f"{INTERNAL_ORIGIN}/static/css/portal.css").name == "portal.css"
    assert static_path_for_url(f"{INTERNAL_ORIGIN}/static/../manage.py") is None
    assert static_path_for_url(f"{INTERNAL_ORIGIN}/static/%2e%2e/manage.py") is None
    assert static_path_for_url(f"{INTERNAL_ORIGIN}/media/x.pdf") is None
    assert static_path_for_url("https://example.org/static/css/portal.css") is None
    assert static_path_for_url("file:///etc/passwd") is None


def test_translation_is_active_while_rendering(template_dir):
    (template_dir / "i18n.html").write_text(
        '{% load i18n %}<!DOCTYPE html><html lang="{{ lang }}"><head><title>t</title></head>'
        "<body><p>{% get_current_language as current %}lang={{ current }}</p></body></html>"
    )
    pdf = render_pdf("i18n.html", {}, language="en")
    assert "lang=en" in pypdf.PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert pypdf.PdfReader(BytesIO(pdf.content)).trailer["/Root"]["/Lang"] == "en"
