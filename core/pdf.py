"""One small function that turns a Django template into an accessible PDF with WeasyPrint.

``render_pdf(template_name, context, *, language)`` renders the template in the given language
and returns the PDF bytes and page count. The output is PDF/UA-1 (tagged, language tag, title
from ``<title>``) with the vendored Source Sans 3 font embedded, so no system font is needed.

Safe URL fetching: the renderer may only read the portal's own static files (URLs starting with
``STATIC_URL``, relative ones resolved against an internal origin that never reaches the network)
and ``data:`` URLs. ``file://``, ``http(s)://`` and every other scheme are refused *before* any
request or file access: content written by staff or users can never make the worker read local
files or call internal services (SSRF).

WeasyPrint is imported inside the functions so that web processes that never render stay light.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation

logger = logging.getLogger(__name__)

#: Base URL of every rendered document. The ``.invalid`` top-level domain is reserved and never
#: resolves; the fetcher maps this origin to local static files and never opens a connection.
INTERNAL_ORIGIN = "https://portal.invalid"

PDF_VARIANT = "pdf/ua-1"

# Always applied, so every PDF embeds the vendored open-licence font (WeasyPrint reads WOFF).
FONT_FACES = (
    ("normal", 400, "fonts/source-sans-3-latin-400-normal.woff"),
    ("italic", 400, "fonts/source-sans-3-latin-400-italic.woff"),
    ("normal", 600, "fonts/source-sans-3-latin-600-normal.woff"),
    ("normal", 700, "fonts/source-sans-3-latin-700-normal.woff"),
    ("italic", 700, "fonts/source-sans-3-latin-700-italic.woff"),
)
FONT_FAMILY = "Source Sans 3"


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int


class RefusedURL(ValueError):
    """The renderer refused to fetch a URL (not a portal static file or a data: URL)."""


def static_path_for_url(url: str) -> Path | None:
    """Return the local file behind a portal static URL, or None when the URL is not one."""
    static_url = settings.STATIC_URL
    parts = urlsplit(url)
    if static_url.startswith(("http://", "https://", "//")):
        candidate = url.split("?", 1)[0].split("#", 1)[0]
        prefix = static_url if not static_url.startswith("//") else "https:" + static_url
        if not candidate.startswith(prefix):
            return None
        relative = candidate[len(prefix) :]
    else:
        if f"{parts.scheme}://{parts.netloc}" != INTERNAL_ORIGIN:
            return None
        path = parts.path
        prefix = static_url if static_url.startswith("/") else "/" + static_url
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
    relative = unquote(relative)
    normalised = posixpath.normpath(relative)
    if not relative or normalised.startswith(("..", "/")) or "\x00" in relative or normalised != relative:
        return None

    static_root = Path(settings.STATIC_ROOT) if settings.STATIC_ROOT else None
    if static_root is not None:
        candidate_path = (static_root / normalised).resolve()
        if candidate_path.is_relative_to(static_root.resolve()) and candidate_path.is_file():
            return candidate_path
    found = finders.find(normalised)
    if isinstance(found, list):
        found = found[0] if found else None
    return Path(found) if found else None


def _safe_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """Serves portal static files and data: URLs; refuses everything else without a request."""

        def __init__(self) -> None:
            super().__init__(timeout=1, allowed_protocols=("data", "https", "http"), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers=None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                # urllib's DataHandler decodes in memory; it never touches the network or disk.
                return super().fetch(url, headers)
            path = static_path_for_url(url) if scheme in ("http", "https") else None
            if path is None:
                self.refused.append(url)
                logger.info("PDF renderer refused to fetch %s", url[:200])
                raise RefusedURL(f"refused: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".woff":
                content_type = "font/woff"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return SafeURLFetcher


def safe_url_fetcher():
    """A fresh fetcher instance (its ``refused`` list records what it turned down)."""
    return _safe_fetcher_class()()


def font_face_css() -> str:
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: {style}; font-weight: {weight}; '
        f'src: url("{static(path)}") format("woff"); }}'
        for style, weight, path in FONT_FACES
    ]
    rules.append(f'html {{ font-family: "{FONT_FAMILY}", sans-serif; }}')
    return "\n".join(rules)


def render_pdf(template_name: str, context: dict, *, language: str, url_fetcher=None) -> RenderedPdf:
    """Render ``template_name`` with ``context`` under ``language`` to a PDF/UA-1 document.

    The template must set ``<html lang>`` and a ``<title>`` (the PDF's language tag and title);
    ``language`` is also passed as ``lang`` in the context for that purpose.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = url_fetcher or safe_url_fetcher()
    with translation.override(language):
        html = render_to_string(template_name, {**context, "lang": language})
        font_config = FontConfiguration()
        base_url = INTERNAL_ORIGIN + "/"
        fonts = CSS(string=font_face_css(), base_url=base_url, url_fetcher=fetcher, font_config=font_config)
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=font_config,
            stylesheets=[fonts],
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            custom_metadata=True,
        )
        content = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, custom_metadata=True)
    return RenderedPdf(content=content, pages=len(document.pages))
