import inspect
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.module_loading import import_string

from core.demo import SEEDERS


class Command(BaseCommand):
    help = "Create idempotent demo data: users, organisations, missions, the declaration text and brochures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--companies", type=int, default=5, help="Number of demo companies (bedrijfN@demo.example)."
        )
        parser.add_argument(
            "--instruments",
            type=int,
            default=None,
            help="Seed only the first N instruments of the demo registry (and their IMVO brochures) "
            "instead of all of them: a quicker demo. The instruments of the demo missions always come.",
        )
        parser.add_argument("--force", action="store_true", help="Allow seeding while DEBUG is off.")

    def handle(self, *args, companies, force, instruments=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo makes accounts with a known password; refused while DEBUG is off (use --force)."
            )
        if companies < 1 or companies > 500:
            raise CommandError("--companies must be between 1 and 500.")
        if instruments is not None and instruments < 0:
            raise CommandError("--instruments must be 0 or more.")
        # The seeders go through the real services, which e-mail; demo e-mails stay in memory.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            for path in SEEDERS:
                seeder = import_string(path)
                started = time.monotonic()
                # Options beyond these three go only to the seeders that name them.
                extra = {"instruments": instruments} if "instruments" in inspect.signature(seeder).parameters else {}
                with transaction.atomic():
                    seeder(companies=companies, password=settings.DEMO_PASSWORD, log=self.stdout.write, **extra)
                if options["verbosity"] > 1:
                    self.stdout.write(f"  {path}: {time.monotonic() - started:.2f} s")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Password for all demo accounts: DEMO_PASSWORD (default imvo-demo).")
        )
