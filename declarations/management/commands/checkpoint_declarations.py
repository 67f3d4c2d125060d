from django.core.management.base import BaseCommand

from declarations.checkpoints import checkpoint_copies_store_missing, checkpoint_write
from declarations.constants import CheckpointReason


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the declaration chain's head now (unless the latest one covers it) "
        "and any missing storage copies; beat does the same every hour."
    )

    def handle(self, *args, **options):
        checkpoint = checkpoint_write(reason=CheckpointReason.MANUAL)
        copies = checkpoint_copies_store_missing()
        if checkpoint is None:
            self.stdout.write(f"The latest checkpoint already covers the head; {copies} missing copies written.")
        else:
            self.stdout.write(
                f"Checkpoint {checkpoint.number} covers #{checkpoint.sequence}; {copies} missing copies written."
            )
