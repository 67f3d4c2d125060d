from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from missions.domain_doc import DOCUMENT, domain_document


class Command(BaseCommand):
    help = "Print docs/domain.md (the lifecycles and policies as tables); --write updates the file."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Write docs/domain.md instead of printing it.")

    def handle(self, *args, write=False, **options):
        text = domain_document()
        if write:
            Path(settings.BASE_DIR, DOCUMENT).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {DOCUMENT}.")
        else:
            self.stdout.write(text, ending="")
