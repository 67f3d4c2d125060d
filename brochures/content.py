"""Brochure text: parsing the editing format, safe Markdown rendering and the content hash.

The editing format is the one of ``brochures/content/*.md``::

    # Title
    > One-paragraph summary (may continue on following "> " lines)
    ## First section
    Markdown body ...

Section bodies are rendered with the portal's one Markdown policy (``core.markdown``): raw
HTML is shown as text and nh3 keeps a small allow-list, so no script ever reaches a page or PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.canonical import canonical_sha256
from core.markdown import (
    MARKDOWN_MAX_CHARS,
    MARKDOWN_MAX_TABLE_ROWS,
    html_elements,
    html_table_rows,
    markdown_to_safe_html,
)

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# Bounds on one brochure, checked in the editor and again before WeasyPrint sees the text, so that
# a render stays within the worker's memory (CELERY_WORKER_MAX_MEMORY_PER_CHILD) and time limits.
# Each section is also bounded like every Markdown text (MARKDOWN_MAX_CHARS, MARKDOWN_MAX_TABLE_ROWS).
# WeasyPrint's memory grows with the number of elements more than with the characters: measured,
# 3,000 list items of 50 characters take about 240 MB and 10 s, 35,000 take 1.6 GB and two minutes.
# The bundled brochures have about 100 elements each.
BROCHURE_MAX_CHARS = 150_000
BROCHURE_MAX_TABLE_ROWS = 600
BROCHURE_MAX_ELEMENTS = 3_000


class ContentFormatError(ValueError):
    """The text does not follow the editing format; the message says what to fix."""


class ContentTooLarge(ContentFormatError):
    """The text is too long, or its tables too big, to be shown and rendered to PDF."""


@dataclass
class Section:
    title: str
    body: str

    @property
    def anchor(self) -> str:
        return slugify(self.title) or "sectie"


@dataclass
class BrochureText:
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)


@lru_cache(maxsize=256)
def markdown_to_html(text: str) -> SafeString:
    """Render a section body with the portal's Markdown policy; its headings sit below the section's h2.

    Remembered per text (a pure function of it): the instrument brochures share most of their
    sections, so publishing all of them renders each shared section once per process, not ~500 times.
    """
    return markdown_to_safe_html(text, top_heading=3)


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def sections_html(sections) -> list[SafeString]:
    """Every section body as safe HTML, refusing a brochure too large to render.

    Raises ContentTooLarge (a translated message naming the limit) when a section or the whole
    brochure has too many characters (checked before any conversion), table rows or elements
    (counted in the converted HTML). The editor, the draft service and the renderer all call
    this, so an oversized text is refused in the form and never reaches WeasyPrint.
    """
    total = 0
    for section in sections:
        length = len(section.body or "")
        if length > MARKDOWN_MAX_CHARS:
            raise ContentTooLarge(
                _("Section “%(section)s” has %(count)s characters; the maximum is %(limit)s.")
                % {"section": section.title[:80], "count": _number(length), "limit": _number(MARKDOWN_MAX_CHARS)}
            )
        total += length + len(section.title or "")
    if total > BROCHURE_MAX_CHARS:
        raise ContentTooLarge(
            _("The brochure has %(count)s characters; the maximum is %(limit)s.")
            % {"count": _number(total), "limit": _number(BROCHURE_MAX_CHARS)}
        )
    rendered = []
    total_rows = total_elements = 0
    for section in sections:
        html = markdown_to_html(section.body)
        total_elements += html_elements(html)
        rows = html_table_rows(html)
        if rows > MARKDOWN_MAX_TABLE_ROWS:
            raise ContentTooLarge(
                _("Section “%(section)s” has tables with %(count)s rows; the maximum is %(limit)s.")
                % {"section": section.title[:80], "count": _number(rows), "limit": _number(MARKDOWN_MAX_TABLE_ROWS)}
            )
        total_rows += rows
        rendered.append(html)
    if total_rows > BROCHURE_MAX_TABLE_ROWS:
        raise ContentTooLarge(
            _("The brochure has tables with %(count)s rows in all; the maximum is %(limit)s.")
            % {"count": _number(total_rows), "limit": _number(BROCHURE_MAX_TABLE_ROWS)}
        )
    if total_elements > BROCHURE_MAX_ELEMENTS:
        raise ContentTooLarge(
            _(
                "The brochure has %(count)s paragraphs, list items, table cells and other elements; the maximum "
                "is %(limit)s. Please shorten it or combine short items."
            )
            % {"count": _number(total_elements), "limit": _number(BROCHURE_MAX_ELEMENTS)}
        )
    return rendered


def parse_text(source: str) -> BrochureText:
    """Parse the editing format; raises ContentFormatError with a translated message."""
    title = ""
    summary_lines: list[str] = []
    sections: list[Section] = []
    current: Section | None = None
    body: list[str] = []
    for raw in source.replace("\r\n", "\n").split("\n"):
        if raw.startswith("## "):
            if current is not None:
                current.body = "\n".join(body).strip()
            current = Section(title=raw[3:].strip(), body="")
            sections.append(current)
            body = []
        elif current is not None:
            body.append(raw)
        elif raw.startswith("# ") and not title:
            title = raw[2:].strip()
        elif raw.startswith(">"):
            summary_lines.append(raw[1:].strip())
        elif raw.strip():
            raise ContentFormatError(
                _("Text before the first section must be the title (# ...) or the summary (> ...): %(line)s")
                % {"line": raw.strip()[:80]}
            )
    if current is not None:
        current.body = "\n".join(body).strip()
    if not sections:
        raise ContentFormatError(_("Add at least one section, starting with a line '## Section title'."))
    for section in sections:
        if not section.title:
            raise ContentFormatError(_("Every section needs a title after '## '."))
    return BrochureText(
        title=title, summary=" ".join(line for line in summary_lines if line).strip(), sections=sections
    )


def sections_to_source(sections) -> str:
    """The editing format of the sections only (title and summary are separate form fields)."""
    return "\n\n".join(f"## {section.title}\n\n{section.body.strip()}" for section in sections) + "\n"


def content_sha256(*, language: str, title: str, summary: str, sections) -> str:
    """Stable hash of what a rendition shows: same content → same hash → rendered once."""
    payload = {
        "language": language,
        "title": title.strip(),
        "summary": summary.strip(),
        "sections": [[section.title.strip(), section.body.strip()] for section in sections],
    }
    return canonical_sha256(payload, compact=False)


def load_bundled(name: str, language: str) -> BrochureText:
    """The bundled text ``content/<name>_<language>.md``."""
    return parse_text((CONTENT_DIR / f"{name}_{language}.md").read_text(encoding="utf-8"))
