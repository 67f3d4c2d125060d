"""Reads of declaration texts and records."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Max, Q
from django.http import Http404
from django.utils import timezone

from organisations.policies import can

from .constants import Decision
from .models import Declaration, DeclarationText


def declaration_text_current(*, language: str) -> DeclarationText | None:
    """The latest published text in that language (Dutch if none in that language)."""
    texts = DeclarationText.objects.filter(published_at__isnull=False).order_by("-version")
    return texts.filter(language=language[:2]).first() or texts.filter(language="nl").first()


def declaration_text_published_get(*, pk) -> DeclarationText | None:
    """A published text by id (None for a draft or an unknown id)."""
    return DeclarationText.objects.filter(pk=pk, published_at__isnull=False).first()


def latest_declarations_for(registrations: Iterable) -> dict[int, Declaration]:
    """The latest declaration record per registration id, in one query."""
    ids = [r.pk if hasattr(r, "pk") else int(r) for r in registrations]
    if not ids:
        return {}
    latest = (
        Declaration.objects.filter(registration_id__in=ids)
        .values("registration_id")
        .annotate(last=Max("sequence"))
        .values("last")
    )
    records = Declaration.objects.filter(sequence__in=latest).select_related("text")
    return {d.registration_id: d for d in records}


def declaration_reusable_for(
    *, organisation, text: DeclarationText, exclude_registration=None, exclude_application=None
) -> Declaration | None:
    """The endorsement of this organisation that a new declaration may rest on, or None.

    It qualifies while it is a fresh signature (not itself a re-use, so the re-use window always
    counts from a real signature) of the same text version, signed with confirmed authority within
    ``DECLARATION_REUSE_DAYS``, and still the current declaration of its own subject (mission
    registration or instrument application: not withdrawn or replaced by a later record). The
    newest one wins.
    """
    since = timezone.now() - timedelta(days=settings.DECLARATION_REUSE_DAYS)
    records = (
        Declaration.objects.filter(
            organisation=organisation,
            text_version=text.version,
            decision=Decision.ENDORSED,
            confirms_authority=True,
            reused_from__isnull=True,
            signed_at__gte=since,
        )
        .filter(Q(registration__current_declaration=F("pk")) | Q(instrument_application__current_declaration=F("pk")))
        .select_related("personal", "registration__mission")
    )
    if exclude_registration is not None:
        records = records.exclude(registration=exclude_registration)
    if exclude_application is not None:
        records = records.exclude(instrument_application=exclude_application)
    return records.order_by("-sequence").first()


def declaration_get_for_download(*, user, declaration_id) -> Declaration:
    """A declaration whose receipt this user may download: organisation members and RVO staff; else 404."""
    try:
        declaration = Declaration.objects.select_related("receipt", "organisation").get(pk=int(declaration_id))
    except (Declaration.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not can(user, "declaration.receipt", declaration):
        raise Http404
    return declaration
