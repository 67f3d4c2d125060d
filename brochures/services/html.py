"""The online version's HTML, made once per content hash at publish (not on every page view)."""

from django.db import IntegrityError, transaction

from ..content import markdown_to_html
from ..models import BrochureVersion, PublishedHtml

#: Bump when the Markdown rules or the sanitiser change: stored HTML is then made again.
HTML_POLICY = "md1"


def published_html_store(*, version: BrochureVersion) -> PublishedHtml:
    """Render and store the sanitised HTML of the version's sections; idempotent (keyed by content hash)."""
    existing = PublishedHtml.objects.filter(content_sha256=version.content_sha256, policy=HTML_POLICY).first()
    if existing is not None:
        return existing
    sections = [
        {"title": s.title, "anchor": f"s{s.position}", "html": str(markdown_to_html(s.body))}
        for s in version.sections.order_by("position")
    ]
    try:
        with transaction.atomic():
            return PublishedHtml.objects.create(
                content_sha256=version.content_sha256, policy=HTML_POLICY, sections=sections
            )
    except IntegrityError:  # stored by a concurrent request in between
        return PublishedHtml.objects.get(content_sha256=version.content_sha256, policy=HTML_POLICY)


def published_html_sections(*, version: BrochureVersion) -> list[dict]:
    """Title, anchor and sanitised HTML of each section of a published version: one query when
    stored at publish; versions published before (or under another policy) get it stored now."""
    stored = (
        PublishedHtml.objects.filter(content_sha256=version.content_sha256, policy=HTML_POLICY)
        .values_list("sections", flat=True)
        .first()
    )
    return stored if stored is not None else published_html_store(version=version).sections
