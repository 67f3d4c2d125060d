"""Brochure reads. Published versions are public; drafts and renditions of drafts are for staff."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from missions.models import Mission

from .constants import PDF_TEMPLATE_VERSION, BrochureKind, StaffListState, VersionStatus
from .models import LANGUAGE_CHOICES, Brochure, BrochureVersion, Rendition


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


@dataclass(frozen=True)
class StaffBrochureFilters:
    q: str = ""
    kind: str = ""  # BrochureKind
    language: str = ""  # "nl" / "en": also limits the rows to that language
    state: str = ""  # StaffListState, in the chosen language (else in either)


def brochure_list_for_staff(*, filters: StaffBrochureFilters | None = None) -> QuerySet[Brochure]:
    """Every brochure, for the staff list: searched on a version's title, the slug and the
    instrument's code and names or the mission's titles; filtered on kind and state."""
    filters = filters or StaffBrochureFilters()
    brochures = Brochure.objects.select_related("mission", "instrument")
    versions = BrochureVersion.objects.filter(brochure=OuterRef("pk"))
    if filters.language:
        versions = versions.filter(language=filters.language)
    if filters.kind:
        brochures = brochures.filter(kind=filters.kind)
    if q := filters.q.strip():
        brochures = brochures.filter(
            Q(slug__icontains=q)
            | Q(instrument__code__icontains=q)
            | Q(instrument__name_nl__icontains=q)
            | Q(instrument__name_en__icontains=q)
            | Q(mission__title_nl__icontains=q)
            | Q(mission__title_en__icontains=q)
            | Exists(versions.filter(title__icontains=q))
        )
    published = Exists(versions.filter(status=VersionStatus.PUBLISHED))
    if filters.state == StaffListState.PUBLISHED:
        brochures = brochures.filter(published)
    elif filters.state == StaffListState.DRAFT:
        brochures = brochures.filter(Exists(versions.filter(status=VersionStatus.DRAFT)))
    elif filters.state == StaffListState.UNPUBLISHED:
        brochures = brochures.filter(~published)
    return brochures.order_by("position", "slug", "pk")


def missions_without_pack(*, today: date) -> QuerySet:
    """Missions that have not ended and have no information pack yet, the first to start first
    (a mission long past needs none: the list stays short whatever the years of history)."""
    return Mission.objects.filter(information_pack__isnull=True, ends_on__gte=today).order_by("starts_on", "pk")


@dataclass(frozen=True)
class StaffBrochureRow:
    """One brochure in one language: its current published version, its draft and that PDF."""

    brochure: Brochure
    language: str
    current: BrochureVersion | None
    draft: BrochureVersion | None
    rendition: Rendition | None

    @property
    def name(self) -> str:
        return self.brochure.language_label(self.language)


def brochure_rows_for_staff(brochures: Sequence[Brochure], *, language: str = "") -> list[StaffBrochureRow]:
    """The rows of one page of brochures in two queries, whatever the number of versions: the
    drafts and current versions of these brochures, and the renditions of the current ones."""
    languages = [language] if language else [code for code, _label in LANGUAGE_CHOICES]
    latest = (
        BrochureVersion.objects.filter(
            brochure=OuterRef("brochure"), language=OuterRef("language"), status=VersionStatus.PUBLISHED
        )
        .order_by("-number")
        .values("pk")[:1]
    )
    versions = (
        BrochureVersion.objects.filter(brochure__in=[b.pk for b in brochures], language__in=languages)
        .filter(Q(status=VersionStatus.DRAFT) | Q(pk=Subquery(latest)))
        .only("pk", "brochure_id", "language", "number", "status", "published_at", "content_sha256")
    )
    current, drafts = {}, {}
    for version in versions:
        key = (version.brochure_id, version.language)
        (drafts if version.status == VersionStatus.DRAFT else current)[key] = version
    renditions = {
        (r.content_sha256, r.language): r
        for r in Rendition.objects.filter(
            content_sha256__in={v.content_sha256 for v in current.values()}, template_version=PDF_TEMPLATE_VERSION
        ).only("pk", "content_sha256", "language", "status")
    }
    rows = []
    for brochure in brochures:
        for code in languages:
            version = current.get((brochure.pk, code))
            rows.append(
                StaffBrochureRow(
                    brochure=brochure,
                    language=code,
                    current=version,
                    draft=drafts.get((brochure.pk, code)),
                    rendition=renditions.get((version.content_sha256, code)) if version else None,
                )
            )
    return rows


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
