"""Brochure text: parsing the editing format, safe Markdown rendering and the content hash.

The editing format is the one of ``brochures/content/*.md``::

    # Title
    > One-paragraph summary (may continue on following "> " lines)
    ## First section
    Markdown body ...

Markdown is rendered without its raw-HTML support (HTML in the text is shown as text), then the
result passes nh3 with a small allow-list, so neither raw HTML nor scripts ever reach a page or PDF.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

CONTENT_DIR = Path(__file__).resolve().parent / "content"

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "a",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"https", "http", "mailto"}


class ContentFormatError(ValueError):
    """The text does not follow the editing format; the message says what to fix."""


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


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _shift_headings(text: str) -> str:
    """Body headings sit below the section title (h2): "#"/"##" become h3, deeper ones h4."""
    lines = []
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            if line[hashes : hashes + 1] == " ":
                line = ("###" if hashes <= 3 else "####") + line[hashes:]
        lines.append(line)
    return "\n".join(lines)


def markdown_to_html(text: str) -> SafeString:
    """Render a section body to sanitised HTML (safe to mark safe: nh3 had the last word)."""
    html = _markdown().convert(_shift_headings(text or ""))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)


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
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def load_bundled(name: str, language: str) -> BrochureText:
    """The bundled text ``content/<name>_<language>.md``."""
    return parse_text((CONTENT_DIR / f"{name}_{language}.md").read_text(encoding="utf-8"))
