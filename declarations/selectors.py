"""Reads of declaration texts and records."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from organisations.policies import can

from .constants import Decision, TextKind
from .models import Declaration, DeclarationText
from .subjects import Undertaking, is_current, subject_key_for, subject_type_get, subjects_of, text_for


def declaration_is_latest(declaration: Declaration) -> bool:
    """Whether no later record exists for the record's subject: "still current", read from the chain
    (``/verify/``), not from the subject's ``current_declaration`` pointer, which verification checks."""
    return not Declaration.objects.filter(
        subject_type=declaration.subject_type, subject_id=declaration.subject_id, sequence__gt=declaration.sequence
    ).exists()


def declaration_text_current(*, kind: str = TextKind.MISSION, language: str) -> DeclarationText | None:
    """The latest published text of that kind in that language (Dutch if none in that language)."""
    texts = DeclarationText.objects.filter(kind=kind, published_at__isnull=False).order_by("-version")
    return texts.filter(language=language[:2]).first() or texts.filter(language="nl").first()


def declaration_texts_current() -> list[DeclarationText]:
    """The latest published version of every kind, both languages (the staff overview)."""
    latest = (
        DeclarationText.objects.filter(published_at__isnull=False)
        .values("kind")
        .annotate(version=Max("version"))
        .values_list("kind", "version")
    )
    wanted = Q(pk__in=[])
    for kind, version in latest:
        wanted |= Q(kind=kind, version=version)
    return list(DeclarationText.objects.filter(wanted, published_at__isnull=False).order_by("kind", "language"))


@dataclass(frozen=True)
class TextToSign:
    """The text a signatory reads for one subject: the text of its kind with the undertaking named."""

    text: DeclarationText
    undertaking: Undertaking
    body: str


def declaration_text_for(subject, *, language: str) -> TextToSign | None:
    """The current text of the subject's kind in ``language``, as the signatory reads it; None if none."""
    undertaking = subject_type_get(subject_key_for(subject)).undertaking(subject)
    text = declaration_text_current(kind=undertaking.text_kind, language=language)
    if text is None:
        return None
    return TextToSign(text=text, undertaking=undertaking, body=text_for(text.body, undertaking, language=text.language))


def declaration_text_published_get(*, pk) -> DeclarationText | None:
    """A published text by id (None for a draft or an unknown id)."""
    return DeclarationText.objects.filter(pk=pk, published_at__isnull=False).first()


def latest_declarations_for(subject_type: str, subject_ids: Iterable[int]) -> dict[int, Declaration]:
    """The latest declaration record per subject id of one subject type, in one query."""
    ids = [int(pk) for pk in subject_ids]
    if not ids:
        return {}
    latest = (
        Declaration.objects.filter(subject_type=subject_type, subject_id__in=ids)
        .values("subject_id")
        .annotate(last=Max("sequence"))
        .values("last")
    )
    records = Declaration.objects.filter(sequence__in=latest).select_related("text")
    return {d.subject_id: d for d in records}


def declarations_of_subject(subject) -> QuerySet[Declaration]:
    """Every record about one subject, newest first."""
    return Declaration.objects.for_subject(subject).order_by("-sequence")


#: How many recent candidates a re-use looks at (the newest still-current one wins).
REUSE_CANDIDATES = 20


def declaration_reusable_for(*, organisation, text: DeclarationText, exclude_subject=None) -> Declaration | None:
    """The endorsement of this organisation that a new declaration may rest on, or None.

    It qualifies while it is a fresh signature (not itself a re-use, so the re-use window always
    counts from a real signature) of the same kind and version of text, signed with confirmed
    authority within ``DECLARATION_REUSE_DAYS``, and still the current declaration of its own
    subject (not withdrawn or replaced by a later record). The newest one wins.
    """
    since = timezone.now() - timedelta(days=settings.DECLARATION_REUSE_DAYS)
    records = Declaration.objects.filter(
        organisation=organisation,
        text__kind=text.kind,
        text_version=text.version,
        decision=Decision.ENDORSED,
        confirms_authority=True,
        reused_from__isnull=True,
        signed_at__gte=since,
    ).select_related("personal")
    if exclude_subject is not None:
        records = records.exclude(subject_type=subject_key_for(exclude_subject), subject_id=exclude_subject.pk)
    candidates = list(records.order_by("-sequence")[:REUSE_CANDIDATES])
    subjects = subjects_of(candidates)
    for candidate in candidates:
        subject = subjects.get((candidate.subject_type, candidate.subject_id))
        if subject is not None and is_current(candidate, subject):
            return candidate
    return None


def declaration_get_for_download(*, user, declaration_id) -> Declaration:
    """A declaration whose receipt this user may download: organisation members and RVO staff; else 404."""
    try:
        declaration = Declaration.objects.select_related("receipt", "organisation").get(pk=int(declaration_id))
    except (Declaration.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not can(user, "declaration.receipt", declaration):
        raise Http404
    return declaration
