"""The instrument registry: create and edit (staff and the CSV import use the same function)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries as country_names

from audit.services import audit_event_record
from core.page_cache import page_cache_invalidate
from organisations.constants import Sector
from organisations.policies import require

from ..constants import PAGE_CACHE_NAMESPACE, RESERVED_SLUGS
from ..models import Instrument, split_codes
from ..resources import instrument_changed_on_commit

#: Fields staff (and the import) may set; the framework fields are set by the framework services.
EDITABLE_FIELDS = (
    "code",
    "slug",
    "name_nl",
    "name_en",
    "summary_nl",
    "summary_en",
    "kind",
    "policy_area",
    "for_sme",
    "for_large",
    "for_knowledge",
    "typical_support_eur",
    "yearly_budget_eur",
    "used_abroad",
    "sectors",
    "countries",
    "status",
    "external_reference",
)


def instrument_pages_retire() -> None:
    """Retire the cached public instrument pages (list, instrument pages, IMVO pages) on commit.

    Called by every write that changes what they show: an instrument saved (also by the import), a
    level published, a roll-out phase saved, an instrument's IMVO brochure published.
    """
    page_cache_invalidate(PAGE_CACHE_NAMESPACE)


def normalise_codes(value: str, *, field: str) -> str:
    """Comma-separated SBI letters or ISO country codes, upper case, checked; raises ValidationError."""
    codes = split_codes(value.replace(";", ",").replace(" ", ","))
    if field == "sectors":
        unknown = [c for c in codes if c not in Sector.values]
        message = _("Unknown SBI section(s): %(codes)s. Use letters A to U.")
    else:
        unknown = [c for c in codes if not country_names.name(c)]
        message = _("Unknown country code(s): %(codes)s. Use ISO codes such as NL, DE, IN.")
    if unknown:
        raise ValidationError({field: message % {"codes": ", ".join(unknown)}})
    return ",".join(dict.fromkeys(codes))


def _unique_slug(base: str, *, exclude_pk: int | None) -> str:
    base = (slugify(base) or "instrument")[:100]
    if base in RESERVED_SLUGS:
        base = f"{base}-instrument"
    slug, n = base, 2
    while Instrument.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def instrument_apply_fields(instrument: Instrument, data: dict) -> list[str]:
    """Set the editable fields from ``data``, validate (raises ValidationError); returns the changed names."""
    changed = []
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("sectors", "countries"):
            value = normalise_codes(value or "", field=name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(instrument, name) != value:
            setattr(instrument, name, value)
            changed.append(name)
    if not instrument.slug:
        instrument.slug = _unique_slug(instrument.name_nl or instrument.code, exclude_pk=instrument.pk)
        changed.append("slug")
    if instrument.slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This web address is reserved; choose another.")})
    instrument.full_clean(exclude=["mission"])
    return changed


def instrument_save(*, actor, data: dict, instrument: Instrument | None = None, request=None) -> Instrument:
    """Create or update an instrument (RVO staff). Validated; audited; its IMVO brochure is refreshed on commit.

    Raises NotAllowed for anyone but RVO staff, ValidationError for invalid data.
    """
    require(actor, "instrument.manage")
    with transaction.atomic():
        creating = instrument is None
        instrument = Instrument() if creating else Instrument.objects.select_for_update().get(pk=instrument.pk)
        changed = instrument_apply_fields(instrument, data)
        if not creating and not changed:
            return instrument
        instrument.save()
        audit_event_record(
            action="instrument.create" if creating else "instrument.update",
            actor=actor,
            obj=instrument,
            request=request,
            details={"code": instrument.code, "changed": changed},
        )
        instrument_changed_on_commit(instrument.pk)
        instrument_pages_retire()
    return instrument
