"""Publish a release of the ministry's figures now: ``manage.py dashboard_release [--actor EMAIL]``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboard.releases import release_budget_spent, release_publish
from organisations.policies import is_rvo_staff


class Command(BaseCommand):
    help = (
        "Publish a release of the dashboard figures now (audited). Beat publishes one per period of "
        "DASHBOARD_RELEASE_CADENCE; a release published here in addition spends its own privacy budget."
    )

    def add_arguments(self, parser):
        parser.add_argument("--actor", default="", help="E-mail of the RVO staff member or operator who asks.")

    def handle(self, *args, actor: str, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(email__iexact=actor.strip()).first()
            if user is None or not (user.is_superuser or is_rvo_staff(user)):
                raise CommandError("--actor must be an RVO staff member or an operator (superuser).")
        release = release_publish(actor=user, reason="command")
        p = release.parameters
        self.stdout.write(
            f"Release {release.number} ({release.period}) published: {release.cells.count()} cells, "
            f"rho {release.rho:.4f} (per year {p['rho_per_year']}; spent in the last 365 days "
            f"{release_budget_spent():.4f}), sigma {p['sigma']:.2f}, threshold {p['threshold']}."
        )
