"""Brochure PDFs that went missing from storage are made again by the worker.

A rendition marked done whose file is gone (a lost media folder, a restore without media) goes
back to pending and is queued, exactly like a new one: found on a download (``views.common``,
``files.published_pdf_response``), by ``manage.py render_brochures`` or ``manage.py repair_files``.
Before this, ``render_brochures`` saw a done row and queued nothing, so ``/brochures/imvo/pdf/``
stayed 404 for good. The claim and lease of the render itself are not touched here.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.file_repair import FileRepair
from core.service_checks import internal

from ..constants import RenditionStatus
from ..models import BrochureVersion, Rendition
from ..selectors import pdf_cache_key
from .renditions import _enqueue_render_on_commit

logger = logging.getLogger(__name__)


def rendition_file_missing(rendition: Rendition) -> bool:
    """A rendition marked done whose stored PDF is gone (one storage existence check)."""
    return rendition.status == RenditionStatus.DONE and not (
        rendition.file.name and default_storage.exists(rendition.file.name)
    )


@internal("Repairs a published file for whoever finds it missing (a visitor's download, the repair command).")
def rendition_file_lost(*, rendition_id: int, found_by: str, actor=None, request=None) -> bool:
    """Queue a done rendition whose file is missing for rendering again. True when queued now.

    One transaction under the row lock: back to pending (attempts reset, as a staff retry does),
    an audit event ``brochure.rendition_file_lost``, the render queued on commit. Idempotent: a
    rendition that is not done, or whose file is there, is left alone (False).
    """
    with transaction.atomic():
        rendition = Rendition.objects.select_for_update().filter(pk=rendition_id).first()
        if rendition is None or not rendition_file_missing(rendition):
            return False
        lost_name, lost_sha256 = rendition.file.name, rendition.file_sha256
        Rendition.objects.filter(pk=rendition.pk).update(
            status=RenditionStatus.PENDING,
            attempts=0,
            queued_at=timezone.now(),
            lease_expires_at=None,
            lease_token="",
            next_attempt_at=None,
            finished_at=None,
            last_error="",
        )
        audit_event_record(
            action="brochure.rendition_file_lost",
            actor=actor,
            obj=rendition,
            request=request,
            details={"file": lost_name, "sha256": lost_sha256, "found_by": found_by},
        )
        _enqueue_render_on_commit(rendition.pk)
    _download_caches_forget(rendition)
    logger.warning("Rendition %s: stored file %s is missing; queued to render again", rendition_id, lost_name)
    return True


def _download_caches_forget(rendition: Rendition) -> None:
    """Forget the cached downloads (``pdf_cache_key``) of every version with this rendition's content."""
    versions = BrochureVersion.objects.filter(
        content_sha256=rendition.content_sha256, language=rendition.language
    ).select_related("brochure")
    keys = []
    for version in versions:
        keys.append(pdf_cache_key(slug=version.brochure.slug, language=version.language))
        keys.append(pdf_cache_key(slug=version.brochure.slug, language=version.language, number=version.number))
    cache.delete_many(keys)


def renditions_missing_files() -> list[int]:
    """The ids of done renditions whose file is not in storage (an existence check each: a few hundred)."""
    done = Rendition.objects.filter(status=RenditionStatus.DONE).only("pk", "file", "status")
    return [rendition.pk for rendition in done.iterator() if rendition_file_missing(rendition)]


def renditions_repair(*, found_by: str, dry_run: bool = False) -> list[str]:
    """Queue every done rendition whose file is missing; one line per rendition queued."""
    lines = []
    for rendition_id in renditions_missing_files():
        if dry_run or rendition_file_lost(rendition_id=rendition_id, found_by=found_by):
            rendition = Rendition.objects.select_related("version__brochure").get(pk=rendition_id)
            slug = rendition.version.brochure.slug
            lines.append(f"brochure PDF {slug} ({rendition.language}), rendition {rendition_id}")
    return lines


def repair(*, dry_run: bool = False) -> FileRepair:
    """``manage.py repair_files`` (``core/file_repair.py``): brochure PDFs queued again."""
    return FileRepair(label="brochure PDFs", queued=renditions_repair(found_by="repair_files", dry_run=dry_run))
