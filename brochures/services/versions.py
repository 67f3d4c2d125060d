"""Brochure writes: drafts, publishing (which asks for the PDF) and read counts."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from core.page_cache import page_cache_invalidate
from instruments.services import instrument_pages_retire
from organisations.policies import require

from ..constants import BrochureKind, VersionStatus
from ..content import BrochureText, ContentFormatError, content_sha256, parse_text, sections_html
from ..exceptions import InvalidContent, VersionNotDraft
from ..models import Brochure, BrochureDailyCount, BrochureSection, BrochureVersion
from ..selectors import pdf_cache_key
from .html import published_html_store
from .renditions import rendition_request

logger = logging.getLogger(__name__)


# --- Drafts and publishing -------------------------------------------------------------


def _replace_sections(version: BrochureVersion, sections) -> None:
    version.sections.all().delete()
    BrochureSection.objects.bulk_create(
        BrochureSection(version=version, position=index, title=section.title.strip(), body=section.body.strip())
        for index, section in enumerate(sections, start=1)
    )
    version.content_sha256 = content_sha256(
        language=version.language, title=version.title, summary=version.summary, sections=sections
    )
    version.save(update_fields=["content_sha256", "updated_at"])


def brochure_get_or_create(*, slug: str, kind: str, position: int = 100, mission=None, instrument=None) -> Brochure:
    brochure, _created = Brochure.objects.get_or_create(
        slug=slug, defaults={"kind": kind, "position": position, "mission": mission, "instrument": instrument}
    )
    return brochure


def brochure_draft_get_or_create(*, brochure: Brochure, language: str, actor=None) -> BrochureVersion:
    """The draft of that language; a new one starts as a copy of the latest published version.
    ``actor=None``: the portal itself (demo data, generated packs); a person needs ``brochure.manage``."""
    if actor is not None:
        require(actor, "brochure.manage")
    with transaction.atomic():
        Brochure.objects.select_for_update().get(pk=brochure.pk)
        draft = brochure.versions.filter(language=language, status=VersionStatus.DRAFT).first()
        if draft is not None:
            return draft
        latest = brochure.versions.filter(language=language, status=VersionStatus.PUBLISHED).order_by("-number").first()
        draft = BrochureVersion.objects.create(
            brochure=brochure,
            language=language,
            title=latest.title if latest else brochure.slug,
            summary=latest.summary if latest else "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _replace_sections(draft, list(latest.sections.order_by("position")) if latest else [])
        audit_event_record(
            action="brochure.draft_create",
            actor=actor,
            obj=draft,
            details={
                "brochure": brochure.slug,
                "language": language,
                "from_version": latest.number if latest else None,
            },
        )
    return draft


def brochure_draft_update(
    *, version: BrochureVersion, title: str, summary: str, source: str, actor, request=None
) -> BrochureVersion:
    """Replace the draft's title, summary and sections (``source`` in the ``## Section`` format).

    Raises VersionNotDraft for a published version and InvalidContent when the text cannot be read
    or is too large to render (``brochures.content.sections_html``).
    """
    require(actor, "brochure.manage")
    try:
        text = parse_text(source)
        sections_html(text.sections)  # refuses a text too large to render
    except ContentFormatError as exc:
        raise InvalidContent(str(exc)) from None
    with transaction.atomic():
        version = BrochureVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != VersionStatus.DRAFT:
            raise VersionNotDraft()
        version.title = title.strip()
        version.summary = summary.strip()
        version.full_clean(exclude=["content_sha256"])
        version.save()
        _replace_sections(version, text.sections)
        audit_event_record(
            action="brochure.draft_update",
            actor=actor,
            obj=version,
            request=request,
            details={"brochure": version.brochure.slug, "language": version.language, "sha256": version.content_sha256},
        )
    return version


def brochure_version_publish(
    *, version: BrochureVersion, actor, request=None, request_rendition: bool = True
) -> BrochureVersion:
    """Publish a draft as the next immutable version and ask for its PDF.

    With ``request_rendition=False`` (bulk publishing, e.g. demo data) the PDF is not asked for
    now: ``renditions_queue_missing`` (beat, ``render_brochures``) or the first download does.

    Idempotent: publishing an already published version (a double click, two staff at once)
    returns it unchanged. The brochure row is locked while the number is chosen; the render is
    queued on commit, and a broker outage only delays it (beat re-queues pending renditions).
    ``actor=None``: the portal itself (``brochure_text_publish``); a person needs ``brochure.manage``.
    """
    if actor is not None:
        require(actor, "brochure.manage")
    with transaction.atomic():
        Brochure.objects.select_for_update().get(pk=version.brochure_id)
        version = BrochureVersion.objects.select_for_update().select_related("brochure").get(pk=version.pk)
        if version.status == VersionStatus.PUBLISHED:
            return version
        if not version.sections.exists():
            raise InvalidContent(_("A brochure needs at least one section before it can be published."))
        highest = BrochureVersion.objects.filter(brochure_id=version.brochure_id, language=version.language).aggregate(
            highest=Max("number")
        )["highest"]
        version.number = (highest or 0) + 1
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor if getattr(actor, "pk", None) else None
        version.save(update_fields=["number", "status", "published_at", "published_by", "updated_at"])
        audit_event_record(
            action="brochure.publish",
            actor=actor,
            obj=version,
            request=request,
            details={
                "brochure": version.brochure.slug,
                "language": version.language,
                "number": version.number,
                "sha256": version.content_sha256,
            },
        )
        if request_rendition:
            rendition_request(version=version)
        published_html_store(version=version)
        # The current PDF of this brochure and language changes: forget the cached one.
        cache_key = pdf_cache_key(slug=version.brochure.slug, language=version.language)
        transaction.on_commit(lambda: cache.delete(cache_key))
        page_cache_invalidate("brochures", "missions")  # mission pages link their information pack
        if version.brochure.kind == BrochureKind.INSTRUMENT:
            instrument_pages_retire()  # the instrument's IMVO page is cached with its instrument pages
    return version


def brochure_text_publish(
    *, brochure: Brochure, language: str, text: BrochureText, actor=None, request_rendition: bool = True
) -> BrochureVersion:
    """Publish generated or bundled text unless the latest published version already says exactly that.
    ``actor=None``: the portal itself (demo data, generated packs); a person needs ``brochure.manage``."""
    if actor is not None:
        require(actor, "brochure.manage")
    digest = content_sha256(language=language, title=text.title, summary=text.summary, sections=text.sections)
    latest = brochure.versions.filter(language=language, status=VersionStatus.PUBLISHED).order_by("-number").first()
    if latest is not None and latest.content_sha256 == digest:
        return latest
    draft = brochure_draft_get_or_create(brochure=brochure, language=language, actor=actor)
    with transaction.atomic():
        draft = BrochureVersion.objects.select_for_update().get(pk=draft.pk)
        draft.title, draft.summary = text.title, text.summary
        draft.full_clean(exclude=["content_sha256"])
        draft.save()
        _replace_sections(draft, text.sections)
    return brochure_version_publish(version=draft, actor=actor, request_rendition=request_rendition)


# --- Read counts ---------------------------------------------------------------------------


def brochure_read_count(
    *, version: BrochureVersion, channel: str, organisation_id: int | None, amount: int = 1, day=None
) -> None:
    """Add ``amount`` reads to the day's row: an atomic upsert (no read-modify-write).

    Views call ``brochures.counters.brochure_read_record``, which buffers in Redis when there is one.
    """
    day = day or timezone.localdate()
    match = {"version_id": version.pk, "day": day, "channel": channel, "organisation_id": organisation_id}
    if BrochureDailyCount.objects.filter(**match).update(count=F("count") + amount):
        return
    try:
        with transaction.atomic():
            BrochureDailyCount.objects.create(
                brochure_id=version.brochure_id, language=version.language, count=amount, **match
            )
    except IntegrityError:  # created by a concurrent request in between
        BrochureDailyCount.objects.filter(**match).update(count=F("count") + amount)
