"""Brochure writes: drafts, publishing, renditions (requested here, made by the worker) and read counts."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_event_record
from imvo_portal.tasks import enqueue, enqueue_on_commit

from .constants import PDF_TEMPLATE, PDF_TEMPLATE_VERSION, BrochureKind, RenditionStatus, VersionStatus
from .content import BrochureText, ContentFormatError, content_sha256, parse_text, sections_html
from .exceptions import InvalidContent, VersionNotDraft
from .models import Brochure, BrochureDailyCount, BrochureSection, BrochureVersion, Rendition
from .selectors import pdf_cache_key

logger = logging.getLogger(__name__)

#: A render that started this many times without finishing (it keeps killing its worker) fails.
MAX_RENDER_ATTEMPTS = 5


class RenditionBusy(Exception):
    """Another worker holds a live lease on the rendition: try again in ``retry_in`` seconds.

    Either that worker is rendering (this message is a duplicate and will find the rendition
    done) or it died a moment ago and its lease runs out within ``retry_in`` seconds.
    """

    def __init__(self, retry_in: float):
        super().__init__(f"rendition leased for another {retry_in:.0f} s")
        self.retry_in = retry_in


def _lease_seconds() -> int:
    return int(getattr(settings, "BROCHURE_RENDER_LEASE_SECONDS", 30))


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


def brochure_get_or_create(*, slug: str, kind: str, position: int = 100, mission=None) -> Brochure:
    brochure, _created = Brochure.objects.get_or_create(
        slug=slug, defaults={"kind": kind, "position": position, "mission": mission}
    )
    return brochure


def brochure_draft_get_or_create(*, brochure: Brochure, language: str, actor=None) -> BrochureVersion:
    """The draft of that language; a new one starts as a copy of the latest published version."""
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


def brochure_version_publish(*, version: BrochureVersion, actor, request=None) -> BrochureVersion:
    """Publish a draft as the next immutable version and ask for its PDF.

    Idempotent: publishing an already published version (a double click, two staff at once)
    returns it unchanged. The brochure row is locked while the number is chosen; the render is
    queued on commit, and a broker outage only delays it (beat re-queues pending renditions).
    """
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
        rendition_request(version=version)
        # The current PDF of this brochure and language changes: forget the cached one.
        cache_key = pdf_cache_key(slug=version.brochure.slug, language=version.language)
        transaction.on_commit(lambda: cache.delete(cache_key))
    return version


def brochure_text_publish(*, brochure: Brochure, language: str, text: BrochureText, actor=None) -> BrochureVersion:
    """Publish generated or bundled text unless the latest published version already says exactly that."""
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
    return brochure_version_publish(version=draft, actor=actor)


# --- Renditions --------------------------------------------------------------------------


def rendition_request(*, version: BrochureVersion) -> Rendition:
    """The rendition of this version's content (created if missing); a new one is queued on commit.

    The unique (content, language, template version) constraint makes concurrent requests meet
    on one row, so the same content is never rendered twice.
    """
    key = {
        "content_sha256": version.content_sha256,
        "language": version.language,
        "template_version": PDF_TEMPLATE_VERSION,
    }
    rendition = Rendition.objects.filter(**key).first()
    if rendition is None:
        try:
            with transaction.atomic():
                rendition = Rendition.objects.create(version=version, queued_at=timezone.now(), **key)
        except IntegrityError:
            return Rendition.objects.get(**key)
        _enqueue_render_on_commit(rendition.pk)
    return rendition


def _enqueue_render_on_commit(rendition_id: int) -> None:
    from .tasks import rendition_render

    enqueue_on_commit(rendition_render, rendition_id)


def rendition_retry(*, rendition: Rendition, actor, request=None) -> Rendition:
    """Staff ask again for a failed rendition."""
    with transaction.atomic():
        rendition = Rendition.objects.select_for_update().get(pk=rendition.pk)
        if rendition.status != RenditionStatus.FAILED:
            return rendition
        rendition.status = RenditionStatus.PENDING
        rendition.attempts = 0
        rendition.queued_at = timezone.now()
        rendition.save(update_fields=["status", "attempts", "queued_at"])
        audit_event_record(
            action="brochure.rendition_retry",
            actor=actor,
            obj=rendition,
            request=request,
            details={"sha256": rendition.content_sha256, "previous_error": rendition.error[:500]},
        )
        _enqueue_render_on_commit(rendition.pk)
    return rendition


def renditions_resume() -> int:
    """Queue every unfinished rendition now; a worker runs this when it starts.

    After a restart the renders its killed predecessor held continue at once (their task finds
    the lease live and tries again the moment it runs out) instead of at beat's next run.
    Returns how many renditions were queued.
    """
    from .tasks import rendition_render

    unfinished = Rendition.objects.filter(status__in=(RenditionStatus.PENDING, RenditionStatus.RENDERING))
    return sum(bool(enqueue(rendition_render, pk)) for pk in list(unfinished.values_list("pk", flat=True)))


def renditions_queue_missing() -> int:
    """Create renditions missing for published versions and (re-)queue every unfinished one.

    Beat runs this every few minutes: a render lost to a broker outage or a killed worker (its
    lease ran out) is queued again. Returns how many renditions were queued.
    """
    for version in BrochureVersion.objects.filter(status=VersionStatus.PUBLISHED).only(
        "pk", "content_sha256", "language"
    ):
        if not Rendition.objects.filter(
            content_sha256=version.content_sha256, language=version.language, template_version=PDF_TEMPLATE_VERSION
        ).exists():
            rendition_request(version=version)
    now = timezone.now()
    due = Rendition.objects.filter(
        Q(status=RenditionStatus.PENDING) | Q(status=RenditionStatus.RENDERING, lease_until__lt=now)
    ).values_list("pk", flat=True)
    from .tasks import rendition_render

    queued = 0
    for rendition_id in list(due):
        Rendition.objects.filter(pk=rendition_id).update(queued_at=now)
        queued += bool(enqueue(rendition_render, rendition_id))
    return queued


def _storage_name(rendition: Rendition) -> str:
    slug = rendition.version.brochure.slug
    return (
        f"{settings.RENDITION_STORAGE_PREFIX}/{slug}/"
        f"{slug}-{rendition.language}-{rendition.content_sha256[:16]}-t{rendition.template_version}.pdf"
    )


def rendition_context(*, version: BrochureVersion) -> dict:
    """What the PDF template shows. Raises InvalidContent for a text too large to render."""
    sections = list(version.sections.order_by("position"))
    try:
        bodies = sections_html(sections)
    except ContentFormatError as exc:
        raise InvalidContent(str(exc)) from None
    return {
        "version": version,
        "brochure": version.brochure,
        "title": version.title,
        "summary": version.summary,
        "is_imvo": version.brochure.kind == BrochureKind.IMVO,
        "sections": [
            {"title": section.title, "anchor": f"s{section.position}", "html": html}
            for section, html in zip(sections, bodies, strict=True)
        ],
    }


def _claim(rendition_id: int, token: str) -> Rendition | None:
    """Take the rendition for this worker, or None when it is done or failed.

    Raises RenditionBusy while another worker's lease is live.
    """
    now = timezone.now()
    with transaction.atomic():
        rendition = Rendition.objects.select_for_update().get(pk=rendition_id)
        if rendition.status in (RenditionStatus.DONE, RenditionStatus.FAILED):
            return None
        if rendition.status == RenditionStatus.RENDERING and rendition.lease_until and rendition.lease_until > now:
            raise RenditionBusy(retry_in=(rendition.lease_until - now).total_seconds() + 1)
        if rendition.attempts >= MAX_RENDER_ATTEMPTS:
            rendition.status = RenditionStatus.FAILED
            rendition.error = (rendition.error + "\n" if rendition.error else "") + (
                f"Gave up after {rendition.attempts} attempts that did not finish (worker lost or time limit)."
            )
            rendition.lease_until = None
            rendition.save(update_fields=["status", "error", "lease_until"])
            return None
        rendition.status = RenditionStatus.RENDERING
        rendition.claim_token = token
        rendition.lease_until = now + timedelta(seconds=_lease_seconds())
        rendition.attempts = F("attempts") + 1
        rendition.started_at = now
        rendition.save(update_fields=["status", "claim_token", "lease_until", "attempts", "started_at"])
    return Rendition.objects.select_related("version__brochure").get(pk=rendition_id)


class _LeaseHeartbeat:
    """Renews a claim's lease every third of its length while the render runs.

    The lease is short, so a render whose worker was killed (kill -9, OOM, a lost machine) is
    taken over within one lease; the heartbeat keeps a live render's lease from running out,
    however long WeasyPrint takes (the task's time limits bound that). The thread dies with
    its process, which is what lets the lease expire. It uses its own database connection.
    """

    def __init__(self, *, rendition_id: int, token: str, lease_seconds: int):
        self.rendition_id = rendition_id
        self.token = token
        self.lease_seconds = lease_seconds
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rendition-{rendition_id}-lease", daemon=True)

    def renew(self) -> bool:
        """Extend the lease; False when the claim is no longer ours (another worker took over)."""
        return bool(
            Rendition.objects.filter(
                pk=self.rendition_id, status=RenditionStatus.RENDERING, claim_token=self.token
            ).update(lease_until=timezone.now() + timedelta(seconds=self.lease_seconds))
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(max(self.lease_seconds / 3, 0.5)):
                try:
                    if not self.renew():
                        self.lost = True
                        return
                except DatabaseError as exc:  # try again at the next beat; the lease may lapse meanwhile
                    logger.warning("Could not renew the lease of rendition %s: %s", self.rendition_id, exc)
        finally:
            connection.close()

    def __enter__(self) -> _LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def rendition_release(*, rendition_id: int, error: str, failed: bool) -> None:
    """Give the claim back: pending again (transient error, the task retries) or failed for good."""
    fields = {"error": error[:4000], "lease_until": None, "claim_token": ""}
    fields["status"] = RenditionStatus.FAILED if failed else RenditionStatus.PENDING
    if failed:
        fields["finished_at"] = timezone.now()
    Rendition.objects.filter(pk=rendition_id, status=RenditionStatus.RENDERING).update(**fields)


def rendition_render(*, rendition_id: int) -> Rendition | None:
    """Render one rendition to PDF and store it; called by the worker only, never by a request.

    Exactly once: a worker claims the row (status rendering, a token and a short lease) under a
    row lock, renders without holding a transaction while a heartbeat renews the lease, and only
    the holder of the claim may mark it done. A duplicate message finds it done, or leased and
    raises RenditionBusy (the task tries again once the lease may have run out). A killed
    worker's heartbeat stops with it, so its lease runs out within BROCHURE_RENDER_LEASE_SECONDS
    and the redelivered (or re-queued) task takes over. A text too large to render raises
    InvalidContent before WeasyPrint runs. Errors other than the database's propagate to the
    task, which decides between retry and failure.
    """
    from imvo_portal.pdf import render_pdf

    token = uuid.uuid4().hex
    rendition = _claim(rendition_id, token)
    if rendition is None:
        return Rendition.objects.filter(pk=rendition_id).first()
    with _LeaseHeartbeat(rendition_id=rendition_id, token=token, lease_seconds=_lease_seconds()):
        test_delay = float(getattr(settings, "BROCHURE_RENDER_TEST_DELAY", 0) or 0)
        if test_delay and rendition.attempts == 1:
            time.sleep(test_delay)  # only set by the worker tests, to kill a worker mid-render
        context = rendition_context(version=rendition.version)  # refuses oversized text before WeasyPrint
        started = time.monotonic()
        pdf = render_pdf(PDF_TEMPLATE, context, language=rendition.language)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        name = _storage_name(rendition)
        if default_storage.exists(name):
            default_storage.delete(name)  # left by an attempt that was killed before it finished
        stored_name = default_storage.save(name, ContentFile(pdf.content))
    with transaction.atomic():
        current = Rendition.objects.select_for_update().get(pk=rendition_id)
        if current.status != RenditionStatus.RENDERING or current.claim_token != token:
            # Our lease ran out and another worker took over: its result counts, not ours.
            if stored_name != (current.file.name or ""):
                default_storage.delete(stored_name)
            return current
        current.status = RenditionStatus.DONE
        current.file.name = stored_name
        current.file_sha256 = hashlib.sha256(pdf.content).hexdigest()
        current.pages = pdf.pages
        current.bytes = len(pdf.content)
        current.render_ms = elapsed_ms
        current.error = ""
        current.lease_until = None
        current.finished_at = timezone.now()
        current.save()
    logger.info("Rendered %s (%s pages, %s ms)", name, pdf.pages, elapsed_ms)
    return current


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
