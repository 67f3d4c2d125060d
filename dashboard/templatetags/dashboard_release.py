"""``{% release_statement %}``: the cadence and guarantee of the dashboard's releases, for the privacy page."""

from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dashboard import release_method
from dashboard.releases import next_release_on, release_latest

register = template.Library()


@register.simple_tag
def release_statement() -> str:
    params = release_method.parameters()
    cadence = {"weekly": _("every week"), "monthly": _("every month"), "quarterly": _("every quarter")}[params.cadence]
    return _(
        "The ministry's figures are published as releases, %(cadence)s (next: %(next)s), with differential privacy: "
        "every release adds fresh random noise to every count, with a privacy budget of at most %(rho)s (zCDP) per "
        "year, so comparing or averaging releases reveals almost nothing about one organisation. At most "
        "%(k)d registrations per organisation count."
    ) % {
        "cadence": cadence,
        "next": date_format(next_release_on(release_latest()), "j F Y"),
        "rho": f"{params.rho_per_year:g}",
        "k": settings.DASHBOARD_RELEASE_MAX_REGISTRATIONS,
    }
