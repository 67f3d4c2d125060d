import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.exports import rows_to_csv
from organisations.policies import PolicyRequiredMixin, is_rvo_staff

from . import release_method
from .constants import CACHE_SECONDS, FILTER_FIELDS, REFRESH_INTERVAL_MINUTES
from .disclosure import share_minimum
from .forms import DashboardFilterForm
from .instrument_reach import instrument_reach
from .keys import rounding_key_id
from .models import ReleasedUptakeRollup, UptakeRollup
from .releases import next_release_on, release_instrument_figures, release_latest, release_publish_if_due
from .selectors import dashboard_report, mission_title, missions_known, refresh_state
from .services import rollups_refresh_if_stale


class DashboardAccessMixin(PolicyRequiredMixin):
    """Ministry and RVO staff only; other logged-in users get 403, anonymous users the login page."""

    policy = "dashboard.view"

    def live(self) -> bool:
        """RVO staff see the live (exact) figures unless they ask for the published release; the
        ministry only ever sees releases."""
        return is_rvo_staff(self.request.user) and self.request.GET.get("view") != "release"

    def source(self):
        """(uptake rows the figures are read from, the release or None for live / none yet)."""
        if self.live():
            return UptakeRollup.objects.all(), None
        release = release_latest()
        if release is None:
            return None, None
        return ReleasedUptakeRollup.objects.filter(release=release), release

    def report(self, state=None, source=None):
        language = (translation.get_language() or "nl")[:2]
        missions = missions_known()
        titles = {m.mission_id: mission_title(m, language) for m in missions}
        form = DashboardFilterForm(self.selection() or None, missions=missions, titles=titles)
        if form.is_bound:
            form.is_valid()
        filters = form.filters()
        if source is None:
            return form, None
        return form, dashboard_report(filters=filters, missions=missions, language=language, state=state, source=source)

    def selection(self) -> dict[str, str]:
        return {k: v for k in FILTER_FIELDS if (v := self.request.GET.get(k, "").strip())}


class DashboardView(DashboardAccessMixin, TemplateView):
    """The page. Its body only changes when the rollups do, so it is cached per refresh and selection."""

    template_name = "dashboard/index.html"

    def get_context_data(self, **kwargs):
        if settings.DASHBOARD_REFRESH_ON_READ:
            # Without beat (the embedded default) nothing else would refresh the live figures or
            # publish the period's release.
            if self.live():
                rollups_refresh_if_stale(max_age_seconds=REFRESH_INTERVAL_MINUTES * 60)
            else:
                release_publish_if_due()
        state = refresh_state()
        language = (translation.get_language() or "nl")[:2]
        selection = self.selection()
        live = self.live()
        source, release = self.source()
        key = (
            "dashboard:body:"
            + hashlib.sha256(
                repr(
                    (
                        state and state.refreshed_at.isoformat(),
                        live,
                        release and release.number,
                        language,
                        sorted(selection.items()),
                        settings.DASHBOARD_MIN_CELL,
                        settings.LARGE_COMPANY_TARGET_PERCENT,
                        rounding_key_id(),  # never the key itself
                    )
                ).encode()
            ).hexdigest()
        )
        seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", CACHE_SECONDS)
        body = cache.get(key) if seconds else None
        if body is None:
            form, report = self.report(state, source)
            body = render_to_string(
                "dashboard/_report.html",
                {
                    "form": form,
                    "report": report,
                    "live": live,
                    "staff": is_rvo_staff(self.request.user),
                    "release": release,
                    "latest": release or release_latest(),
                    "next_release": next_release_on(release or release_latest()),
                    "max_registrations": settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS,
                    "measured": release_method.MEASURED_ACCURACY,
                    # The CSV holds what the page shows: the release also for staff who asked for it.
                    "query": urlencode(
                        {**selection, **({"view": "release"} if is_rvo_staff(self.request.user) and not live else {})}
                    ),
                    "refresh_minutes": REFRESH_INTERVAL_MINUTES,
                    "min_cell": settings.DASHBOARD_MIN_CELL,
                    "share_minimum": share_minimum(),
                },
                request=self.request,
            )
            if seconds:
                cache.set(key, body, seconds)
        return super().get_context_data(body=mark_safe(body), **kwargs)  # noqa: S308 - rendered by our template


class DashboardExportView(DashboardAccessMixin, TemplateView):
    """CSV of exactly what the page shows for the same query string (the same published figures)."""

    def get(self, request, *args, **kwargs):
        source, release = self.source()
        form, report = self.report(source=source)
        if report is None:
            return HttpResponse(
                rows_to_csv([[_("IMVO mission dashboard")], [_("No figures have been published yet.")]]),
                content_type="text/csv; charset=utf-8",
            )
        selection = [
            f"{form.fields[name].label}: {dict(form.fields[name].choices).get(form.cleaned_data.get(name), '')}"
            for name in form.fields
            if form.is_bound and form.cleaned_data.get(name)
        ]
        rows = [[_("IMVO mission dashboard"), _("Selection"), "; ".join(selection) or _("All")]]
        if release is not None:
            rows.append(
                [
                    _("Release"),
                    str(release.number),
                    timezone.localtime(release.published_at).isoformat(),
                    _("Next release"),
                    next_release_on(release).isoformat(),
                ]
            )
        elif report.refreshed:
            rows.append([_("Live figures as of"), timezone.localtime(report.refreshed.refreshed_at).isoformat()])
        rows += [[], [_("Figure"), _("Value")], *([label, cell.text] for label, cell, _help in report.headline)]
        for section in report.sections:
            rows += [[], [section.title], [section.dimension_label, *section.columns]]
            rows += [[label, *[cell.text for cell in cells]] for label, cells in section.rows]
        response = HttpResponse(rows_to_csv(rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="imvo-dashboard-{stamp}.csv"'
        return response


class InstrumentReachView(DashboardAccessMixin, TemplateView):
    """The IMVO framework's reach over the EZK instruments: aggregates only, organisation counts published
    with the dashboard's method (``disclosure``)."""

    template_name = "dashboard/instruments.html"

    def get_context_data(self, **kwargs):
        language = (translation.get_language() or "nl")[:2]
        live = self.live()
        release = None if live else release_latest()
        reach = None
        if live:
            reach = instrument_reach(language=language)
        elif release is not None:
            reach = instrument_reach(language=language, organisation_counts=release_instrument_figures(release))
        return super().get_context_data(
            reach=reach,
            live=live,
            release=release,
            next_release=next_release_on(release),
            min_cell=settings.DASHBOARD_MIN_CELL,
            **kwargs,
        )
