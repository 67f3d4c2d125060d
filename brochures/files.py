"""Published PDFs served like static files, from an immutable, content-hashed URL.

``/brochures/files/<sha256>/<name>.pdf``: the hash is the PDF's own SHA-256, so the URL changes
exactly when the bytes do, and the response may be cached for a year (``Cache-Control: public,
max-age=31536000, immutable``, ``ETag`` the hash). It is answered by ``PublishedPdfApp``, a
WSGI layer in front of Django (``imvo_portal/wsgi.py``), the way whitenoise serves static files:
no middleware, no session, no template; a hash → file lookup remembered in the process, the file
handed to the server's ``wsgi.file_wrapper`` (sendfile), or to nginx with ``X-Accel-Redirect``
when ``PDF_ACCEL_REDIRECT_PREFIX`` is set (docs/operations.md: "Serving pages and PDFs at scale").

Read counts stay correct: every GET that returns the file counts one download
(``counters.brochure_read_record``: a Redis HINCRBY, or the database without Redis) when the server
closes the response, after its last byte (``CountedFile``), attributed to
the organisation in the signed ``o`` query parameter that logged-in pages add. A browser that
opens the same URL again from its own cache does not ask the portal, and is not counted again.
The contract URLs (``/brochures/<slug>/pdf/``) still serve the bytes through Django, uncached.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from django.conf import settings
from django.core import signals, signing
from django.core.files.storage import default_storage
from django.urls import reverse

from .constants import Channel, RenditionStatus, VersionStatus
from .counters import brochure_read_record
from .models import BrochureVersion, Rendition
from .selectors import PdfFile

logger = logging.getLogger(__name__)

PATH = re.compile(r"^/brochures/files/(?P<sha>[0-9a-f]{64})/(?P<name>[A-Za-z0-9._-]{1,150}\.pdf)$")
IMMUTABLE = "public, max-age=31536000, immutable"
_SALT = "brochures.files.organisation"
#: How long a hash → file lookup is remembered in the process (files never change; a version could
#: in principle be withdrawn, so not for ever).
LOOKUP_SECONDS = 300

_lock = threading.Lock()
#: sha256 -> (when looked up, the PDF or None, how this process serves it or None)
_known: dict[str, tuple[float, PdfFile | None, _Served | None]] = {}


def pdf_file_url(*, sha256: str, filename: str, organisation_id: int | None = None) -> str:
    """The immutable URL of a published PDF (``o`` = who downloads, signed, for the read counts)."""
    url = reverse("brochures:file", args=[sha256, filename])
    if organisation_id:
        url += "?o=" + quote(signing.Signer(salt=_SALT).sign(str(organisation_id)))
    return url


def _organisation(query: str) -> int | None:
    if not query:
        return None
    token = parse_qs(query).get("o", [""])[0]
    if not token:
        return None
    try:
        return int(signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def published_pdf_lookup(sha256: str) -> PdfFile | None:
    """The done rendition of a published version whose file has this SHA-256 (remembered briefly)."""
    return _lookup(sha256)[0]


def _lookup(sha256: str) -> tuple[PdfFile | None, _Served | None]:
    """The PDF and how to serve it (its local path, the version to count); both None when unknown."""
    now = time.monotonic()
    hit = _known.get(sha256)
    if hit is not None and now - hit[0] < LOOKUP_SECONDS:
        return hit[1], hit[2]
    rendition = (
        Rendition.objects.filter(file_sha256=sha256, status=RenditionStatus.DONE)
        .exclude(file="")
        .order_by("pk")
        .first()
    )
    pdf = None
    if rendition is not None:
        version = (
            BrochureVersion.objects.filter(
                content_sha256=rendition.content_sha256, language=rendition.language, status=VersionStatus.PUBLISHED
            )
            .select_related("brochure")
            .order_by("-number")
            .first()
        )
        if version is not None:
            pdf = PdfFile(
                version_id=version.pk,
                brochure_id=version.brochure_id,
                language=version.language,
                published=True,
                filename=f"{version.brochure.slug}-{version.language}-v{version.number}.pdf",
                storage_name=rendition.file.name,
                sha256=sha256,
                size=rendition.bytes or rendition.file.size,
            )
    served = None
    if pdf is not None:
        served = _Served(
            path=_local_path(pdf.storage_name),
            version=VersionRef(pk=pdf.version_id, brochure_id=pdf.brochure_id, language=pdf.language),
        )
    with _lock:
        if len(_known) > 10_000:
            _known.clear()
        _known[sha256] = (now, pdf, served)
    return pdf, served


def published_pdf_known(sha256: str) -> bool:
    """Whether the lookup for this hash is remembered (answering it then needs no database)."""
    hit = _known.get(sha256)
    return hit is not None and time.monotonic() - hit[0] < LOOKUP_SECONDS


@dataclass(frozen=True)
class VersionRef:
    """What counting a read needs of a version (``brochure_read_record``), without a model instance."""

    pk: int
    brochure_id: int
    language: str


@dataclass(frozen=True)
class _Served:
    path: str | None  # the file on this machine's disk, or None for storage without local paths
    version: VersionRef


def _local_path(storage_name: str) -> str | None:
    try:
        return default_storage.path(storage_name)
    except NotImplementedError:  # object storage: opened through the storage API
        return None


def published_pdf_forget() -> None:
    with _lock:
        _known.clear()


def _file_lost(sha256: str, pdf: PdfFile):
    """The file behind an immutable URL is gone from storage: have it made again and send the reader
    to the version's own PDF page, which shows progress and then serves the new file (new hash)."""
    from .services.lost_files import rendition_file_lost

    with _lock:
        _known.pop(sha256, None)
    for rendition_id in Rendition.objects.filter(file_sha256=sha256, status=RenditionStatus.DONE).values_list(
        "pk", flat=True
    ):
        rendition_file_lost(rendition_id=rendition_id, found_by="download")
    version = BrochureVersion.objects.select_related("brochure").get(pk=pdf.version_id)
    location = reverse("brochures:version_pdf", args=[version.brochure.slug, version.language, version.number])
    headers = [("Location", location), ("Cache-Control", "no-store"), ("Content-Length", "0")]
    return "307 Temporary Redirect", headers, None


def published_pdf_response(*, method: str, path: str, query: str, if_none_match: str):
    """``(status, headers, file or None)`` for a request to an immutable PDF URL, or None when the
    path is not one. Shared by the WSGI layer and the Django view (tests, other servers)."""
    match = PATH.match(path)
    if match is None:
        return None
    if method not in ("GET", "HEAD"):
        return "405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")], None
    sha = match["sha"]
    pdf, served = _lookup(sha)
    if pdf is None:
        return "404 Not Found", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0")], None
    etag = f'"{sha}"'
    headers = [("ETag", etag), ("Cache-Control", IMMUTABLE), ("X-Content-Type-Options", "nosniff")]
    if etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*":
        return "304 Not Modified", headers, None
    headers += [
        ("Content-Type", "application/pdf"),
        ("Content-Disposition", f'attachment; filename="{pdf.filename}"'),
    ]
    accel = settings.PDF_ACCEL_REDIRECT_PREFIX
    handle = None
    if accel:
        headers.append(("X-Accel-Redirect", f"{accel.rstrip('/')}/{quote(pdf.storage_name)}"))
        headers.append(("Content-Length", "0"))
    else:
        try:
            if served.path is not None:
                handle = open(served.path, "rb")  # noqa: SIM115 - closed by the server (CountedFile)
            else:
                handle = default_storage.open(pdf.storage_name, "rb")
        except FileNotFoundError:
            return _file_lost(sha, pdf)
        headers.append(("Content-Length", str(pdf.size)))
    if method == "HEAD":
        if handle is not None:
            handle.close()
        return "200 OK", headers, None

    version = served.version

    def count() -> None:
        brochure_read_record(version=version, channel=Channel.PDF, organisation_id=_organisation(query))

    if handle is None:  # nginx sends the bytes: count now
        count()
        return "200 OK", headers, None
    return "200 OK", headers, CountedFile(handle, count)


class CountedFile:
    """The PDF's file handle; the download is counted when the server closes it.

    A WSGI server closes the response after the last byte has been handed to the client (PEP 3333;
    gunicorn does it after ``sendfile``), so the read count's round trip to Redis (or the database)
    no longer sits between the request and its last byte. Everything but ``close`` is the file's own
    (``fileno`` included, so the server still uses ``sendfile``). Counted once, also when the client
    went away half-way, as before.
    """

    def __init__(self, handle, on_close):
        self._handle = handle
        self._on_close = on_close

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __iter__(self):
        return iter(self._handle)

    def close(self) -> None:
        try:
            self._handle.close()
        finally:
            callback, self._on_close = self._on_close, None
            if callback is not None:
                try:
                    callback()
                except Exception:  # the bytes are out; a lost count must not turn into a server error
                    logger.exception("A PDF download could not be counted")


class PublishedPdfApp:
    """WSGI layer: answers ``/brochures/files/…`` itself, passes every other request to Django."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/brochures/files/"):
            return self.application(environ, start_response)
        request = {
            "method": environ.get("REQUEST_METHOD", "GET"),
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "if_none_match": environ.get("HTTP_IF_NONE_MATCH", ""),
        }
        if published_pdf_known(path[len("/brochures/files/") :].split("/", 1)[0]):
            answer = published_pdf_response(**request)  # remembered: no database, nothing to release
        else:
            # The lookup reads the database: outside Django's handler, its request signals manage
            # the connection as usual.
            signals.request_started.send(sender=self.__class__, environ=environ)
            try:
                answer = published_pdf_response(**request)
            finally:
                signals.request_finished.send(sender=self.__class__)
        if answer is None:
            return self.application(environ, start_response)
        status, headers, handle = answer
        start_response(status, headers)
        if handle is None:
            return [b""]
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(handle, 64 * 1024) if wrapper else _chunks(handle)


def _chunks(handle):
    """The file in blocks, for servers without ``wsgi.file_wrapper``; closing it closes (and counts) the file."""
    try:
        yield from iter(lambda: handle.read(64 * 1024), b"")
    finally:
        handle.close()
