"""Renditions: requested when a version is published, rendered only by the worker, once per content
hash, under a lease that a heartbeat renews while WeasyPrint works."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from audit.services import audit_event_record
from core import jobs
from core import pdf as portal_pdf
from core.tasks import enqueue, enqueue_on_commit
from organisations.policies import require

from ..constants import (
    PDF_TEMPLATE,
    PDF_TEMPLATE_VERSION,
    BrochureKind,
    RenditionStatus,
    VersionStatus,
)
from ..content import ContentFormatError, sections_html
from ..exceptions import InvalidContent
from ..models import BrochureVersion, Rendition

logger = logging.getLogger(__name__)


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
    from ..tasks import rendition_render  # tasks import these services: a real cycle

    enqueue_on_commit(rendition_render, rendition_id)


def rendition_retry(*, rendition: Rendition, actor, request=None) -> Rendition:
    """Staff ask again for a failed rendition."""
    require(actor, "brochure.manage")
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
            details={"sha256": rendition.content_sha256, "previous_error": rendition.last_error[:500]},
        )
        _enqueue_render_on_commit(rendition.pk)
    return rendition


def renditions_resume() -> int:
    """Queue every unfinished rendition now; a worker runs this when it starts.

    After a restart the renders its killed predecessor held continue at once (their task finds
    the lease live and tries again the moment it runs out) instead of at beat's next run.
    Returns how many renditions were queued.
    """
    from ..tasks import rendition_render

    unfinished = Rendition.objects.filter(status__in=(RenditionStatus.PENDING, RenditionStatus.RENDERING))
    return sum(bool(enqueue(rendition_render, pk)) for pk in list(unfinished.values_list("pk", flat=True)))


def renditions_queue_missing() -> int:
    """Create renditions missing for published versions and (re-)queue every unfinished one.

    Beat runs this every few minutes: a render lost to a broker outage or a killed worker (its
    lease ran out) is queued again. Returns how many renditions were queued.
    """
    # An instrument's superseded versions get their PDF on demand only: with 200+ instruments a
    # content change would otherwise render every old version again.
    newer = BrochureVersion.objects.filter(
        brochure_id=OuterRef("brochure_id"),
        language=OuterRef("language"),
        status=VersionStatus.PUBLISHED,
        number__gt=OuterRef("number"),
    )
    published = BrochureVersion.objects.filter(status=VersionStatus.PUBLISHED).exclude(
        Q(brochure__kind=BrochureKind.INSTRUMENT) & Exists(newer)
    )
    for version in published.only("pk", "content_sha256", "language"):
        if not Rendition.objects.filter(
            content_sha256=version.content_sha256, language=version.language, template_version=PDF_TEMPLATE_VERSION
        ).exists():
            rendition_request(version=version)
    now = timezone.now()
    due = Rendition.objects.filter(
        Q(status=RenditionStatus.PENDING) | Q(status=RenditionStatus.RENDERING, lease_expires_at__lt=now)
    ).values_list("pk", flat=True)
    from ..tasks import rendition_render

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
    """Take the rendition for this worker (``core.jobs.claim``), or None when it is done or failed
    (a rendition whose workers died on each of its ``MAX_RENDER_ATTEMPTS`` attempts is failed there).

    Raises RenditionBusy while another worker's lease is live.
    """
    now = timezone.now()
    rendition = jobs.claim(
        Rendition.objects.select_related("version__brochure"),
        pk=rendition_id,
        token=token,
        lease_seconds=_lease_seconds(),
        started_at=now,
    )
    if rendition is not None:
        return rendition
    current = Rendition.objects.only("status", "lease_expires_at").get(pk=rendition_id)
    if current.status == RenditionStatus.RENDERING and current.lease_expires_at and current.lease_expires_at > now:
        raise RenditionBusy(retry_in=(current.lease_expires_at - now).total_seconds() + 1)
    return None


def rendition_release(*, rendition_id: int, error: str, failed: bool, token: str | None = None) -> None:
    """Give the claim back: pending again (transient error, the task retries) or failed for good.

    With ``token`` (the task's claim) only while that claim holds; without it (an operator's
    clean-up), whatever worker is rendering it.
    """
    if token is not None:
        job = Rendition(pk=rendition_id)
        jobs.fail(job, token, error, permanent=failed, retry_in=timedelta(0))
        return
    fields = {"last_error": error[: jobs.ERROR_MAX_LENGTH], "lease_expires_at": None, "lease_token": ""}
    fields["status"] = RenditionStatus.FAILED if failed else RenditionStatus.PENDING
    if failed:
        fields["finished_at"] = timezone.now()
    Rendition.objects.filter(pk=rendition_id, status=RenditionStatus.RENDERING).update(**fields)


def rendition_render(*, rendition_id: int, token: str | None = None) -> Rendition | None:
    """Render one rendition to PDF and store it; called by the worker only, never by a request.

    Exactly once, through ``core.jobs``: a worker claims the row (status rendering, ``token`` and
    a short lease), renders without holding a transaction while a heartbeat renews the lease, and
    only the holder of the claim may mark it done. A duplicate message finds it done, or leased
    and raises RenditionBusy (the task tries again once the lease may have run out). A killed
    worker's heartbeat stops with it, so its lease runs out within BROCHURE_RENDER_LEASE_SECONDS
    and the redelivered (or re-queued) task takes over. A text too large to render raises
    InvalidContent before WeasyPrint runs. Errors other than the database's propagate to the
    task, which decides between retry and failure (``rendition_release`` with the same token).
    """
    token = token or uuid.uuid4().hex
    rendition = _claim(rendition_id, token)
    if rendition is None:
        return Rendition.objects.filter(pk=rendition_id).first()
    with jobs.heartbeat(rendition, token, lease_seconds=_lease_seconds()):
        context = rendition_context(version=rendition.version)  # refuses oversized text before WeasyPrint
        started = time.monotonic()
        pdf = portal_pdf.render_pdf(PDF_TEMPLATE, context, language=rendition.language)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        name = _storage_name(rendition)
        if default_storage.exists(name):
            default_storage.delete(name)  # left by an attempt that was killed before it finished
        stored_name = default_storage.save(name, ContentFile(pdf.content))
    done = jobs.complete(
        rendition,
        token,
        file=stored_name,
        file_sha256=hashlib.sha256(pdf.content).hexdigest(),
        pages=pdf.pages,
        bytes=len(pdf.content),
        render_ms=elapsed_ms,
    )
    current = Rendition.objects.get(pk=rendition_id)
    if not done:
        # Our lease ran out and another worker took over: its result counts, not ours.
        if stored_name != (current.file.name or ""):
            default_storage.delete(stored_name)
        return current
    logger.info("Rendered %s (%s pages, %s ms)", name, pdf.pages, elapsed_ms)
    return current
