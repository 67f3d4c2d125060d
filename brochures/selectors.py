"""Brochure reads. Published versions are public; drafts and renditions of drafts are for staff."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from .constants import PDF_TEMPLATE_VERSION, BrochureKind, VersionStatus
from .models import Brochure, BrochureVersion, Rendition


def _other(language: str) -> str:
    return "en" if language == "nl" else "nl"


def brochure_list_published(*, language: str) -> list[BrochureVersion]:
    """The current published version of every brochure, in ``language`` when it exists (one query).

    Instruments' IMVO brochures are listed on their instrument pages (``/instruments/``), not here.
    """
    versions = (
        BrochureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .exclude(brochure__kind=BrochureKind.INSTRUMENT)
        .select_related("brochure", "brochure__mission")
        .order_by("brochure__position", "brochure__slug", "language", "-number")
    )
    chosen: dict[int, BrochureVersion] = {}
    for version in versions:
        current = chosen.get(version.brochure_id)
        if current is None or (current.language != language and version.language == language):
            chosen[version.brochure_id] = version
    return list(chosen.values())


def brochure_version_current(*, slug: str, language: str) -> BrochureVersion:
    """The latest published version in ``language`` (else in the other language), or 404."""
    versions = BrochureVersion.objects.filter(brochure__slug=slug, status=VersionStatus.PUBLISHED).select_related(
        "brochure"
    )
    version = versions.filter(language=language).order_by("-number").first()
    version = version or versions.filter(language=_other(language)).order_by("-number").first()
    if version is None:
        raise Http404
    return version


def brochure_version_get(*, slug: str, language: str, number: int) -> BrochureVersion:
    try:
        return BrochureVersion.objects.select_related("brochure").get(
            brochure__slug=slug, language=language, number=number, status=VersionStatus.PUBLISHED
        )
    except BrochureVersion.DoesNotExist:
        raise Http404 from None


def brochure_version_sections(*, version: BrochureVersion) -> list:
    return list(version.sections.order_by("position"))


def rendition_for_version(*, version: BrochureVersion) -> Rendition | None:
    return Rendition.objects.filter(
        content_sha256=version.content_sha256, language=version.language, template_version=PDF_TEMPLATE_VERSION
    ).first()


def brochure_list_for_staff() -> QuerySet[Brochure]:
    return Brochure.objects.select_related("mission").prefetch_related("versions").order_by("position", "slug")


def draft_get(*, brochure: Brochure, language: str) -> BrochureVersion | None:
    return brochure.versions.filter(language=language, status=VersionStatus.DRAFT).first()


# --- The cached description of a done PDF (the download hot path) ---------------------

PDF_CACHE_SECONDS = 300


@dataclass(frozen=True)
class PdfFile:
    """What serving a done rendition needs, cached so that a download skips the ORM."""

    version_id: int
    brochure_id: int
    language: str
    published: bool
    filename: str
    storage_name: str
    sha256: str
    size: int


def pdf_cache_key(*, slug: str, language: str, number: int | None = None) -> str:
    """Key of the cached PdfFile for a brochure's current PDF (number None) or a fixed version."""
    return f"brochures:pdf:{slug}:{language}:{number or 'current'}"
