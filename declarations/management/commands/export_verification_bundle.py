from django.core.management.base import BaseCommand

from declarations.bundle import verification_bundle_lines
from declarations.checkpoints import checkpoint_write
from declarations.constants import CheckpointReason


class Command(BaseCommand):
    help = (
        "Export the offline verification bundle of the declaration register (checkpoint public keys, signed "
        "checkpoints, and per record its sequence, reference and hashes; no personal data) as JSON, after writing a "
        "checkpoint over the head. Check it with tools/verify_bundle.py (--since OLD_BUNDLE: it extends an older one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="file to write (same as --output)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, path=None, output=None, **options):
        output = output or path
        # Every exported record is covered by a signed checkpoint (none is written when one already covers the head).
        checkpoint_write(reason=CheckpointReason.BUNDLE)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                for piece in verification_bundle_lines():
                    handle.write(piece)
            self.stderr.write(f"verification bundle written to {output}")
            return
        for piece in verification_bundle_lines():
            self.stdout.write(piece, ending="")
