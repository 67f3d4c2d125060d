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
        parser.add_argument("--force", action="store_true", help="Allow seeding while DEBUG is off.")

    def handle(self, *args, companies, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo makes accounts with a known password; refused while DEBUG is off (use --force)."
            )
        if companies < 1 or companies > 500:
            raise CommandError("--companies must be between 1 and 500.")
        # The seeders go through the real services, which e-mail; demo e-mails stay in memory.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            for path in SEEDERS:
                seeder = import_string(path)
                started = time.monotonic()
                with transaction.atomic():
                    seeder(companies=companies, password=settings.DEMO_PASSWORD, log=self.stdout.write)
                if options["verbosity"] > 1:
                    self.stdout.write(f"  {path}: {time.monotonic() - started:.2f} s")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Password for all demo accounts: DEMO_PASSWORD (default imvo-demo).")
        )
