"""/instruments/<slug>/imvo/: the online IMVO brochure of an instrument, with its PDF.

The page is the instrument's brochure (``brochures.instrument_pack``) in the reader's language.
An instrument whose brochure was not published yet (e.g. created while the broker was down) gets
it now, without rendering: the PDF is asked for on the first download and made by the worker.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from instruments.constants import PAGE_CACHE_NAMESPACE
from instruments.models import Instrument

from ..instrument_pack import instrument_brochure_publish, instrument_brochure_slug
from ..models import BrochureVersion
from ..selectors import brochure_version_current, pdf_cache_key
from .common import request_language
from .public import BrochureDetailView, BrochurePdfView


def _instrument(slug: str) -> Instrument:
    instrument = Instrument.objects.filter(slug=slug).first()
    if instrument is None:
        raise Http404
    return instrument


def instrument_version(instrument: Instrument, language: str) -> BrochureVersion:
    slug = instrument_brochure_slug(instrument)
    try:
        return brochure_version_current(slug=slug, language=language)
    except Http404:
        instrument_brochure_publish(instrument=instrument, request_rendition=False)
        return brochure_version_current(slug=slug, language=language)


class InstrumentImvoView(BrochureDetailView):
    """Cached with the instrument's own pages (its breadcrumb shows the instrument's name); a
    ``?return=`` link is the reader's own and keeps the page live."""

    page_cache_namespace = PAGE_CACHE_NAMESPACE
    page_cache_params = ("return",)
    page_cache_live_params = ("return",)
    template_name = "brochures/instrument_imvo.html"

    def get_version(self) -> BrochureVersion:
        self.instrument = _instrument(self.kwargs["slug"])
        return instrument_version(self.instrument, request_language(self.request))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["instrument"] = self.instrument
        context["instrument_pdf_url"] = reverse("instrument_imvo:pdf", args=[self.instrument.slug])
        return context


class InstrumentImvoPdfView(BrochurePdfView):
    def get_version(self) -> BrochureVersion:
        return instrument_version(_instrument(self.kwargs["slug"]), request_language(self.request))

    def cache_key(self) -> str:
        return pdf_cache_key(slug=f"instrument-{self.kwargs['slug']}"[:120], language=request_language(self.request))
