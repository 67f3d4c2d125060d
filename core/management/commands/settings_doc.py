from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.conf import document

DOCUMENT = "docs/configuration.md"


class Command(BaseCommand):
    help = (
        "Print docs/configuration.md (every environment variable with its type, default and meaning), "
        "generated from the declarations in the settings; --write updates the file, --check exits 1 when it differs."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--write", action="store_true", help=f"Write {DOCUMENT} instead of printing it.")
        action.add_argument("--check", action="store_true", help=f"Exit 1 when {DOCUMENT} differs from the code.")

    def handle(self, *args, write=False, check=False, **options):
        text = document()
        path = Path(settings.BASE_DIR, DOCUMENT)
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(
                    f"{DOCUMENT} differs from the declared settings: run `python manage.py settings_doc --write`.",
                    returncode=1,
                )
            self.stdout.write(f"{DOCUMENT} is up to date.")
        elif write:
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {DOCUMENT}.")
        else:
            self.stdout.write(text, ending="")
