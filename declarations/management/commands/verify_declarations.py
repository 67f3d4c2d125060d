from django.core.management.base import BaseCommand

from declarations.services import declarations_verify


class Command(BaseCommand):
    help = "Recompute every declaration record hash and the hash chain; exit 1 on the first broken record."

    def handle(self, *args, **options):
        result = declarations_verify()
        if result.ok:
            self.stdout.write(f"{result.checked} declarations verified")
            return
        self.stderr.write(
            f"Declaration #{result.broken_sequence} is broken: {result.problem} "
            f"({result.checked} records before it verified)"
        )
        raise SystemExit(1)
