from django.core.management.base import BaseCommand

from declarations.services import declarations_verify


class Command(BaseCommand):
    help = (
        "Verify the declaration evidence: every keyed record hash, the chain, the signed checkpoints "
        "(database and storage copies), personal data and erasures. Exit 1 with a report on any mismatch."
    )

    def handle(self, *args, **options):
        result = declarations_verify()
        latest = result.latest_checkpoint
        anchored = (
            f"latest checkpoint {latest.number} covers #{latest.sequence} ({latest.created_at:%Y-%m-%d %H:%M} UTC)"
            if latest
            else "no checkpoint yet"
        )
        summary = (
            f"{result.checked} declarations and {result.checkpoints_verified} checkpoints checked; {anchored}; "
            f"{result.unanchored} record(s) not yet covered by a checkpoint"
        )
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        if result.ok:
            self.stdout.write(f"{result.checked} declarations verified ({summary})")
            if result.timestamps:
                self.stdout.write(f"timestamps: {result.timestamps}")
            return
        self.stderr.write(f"Declaration evidence does NOT verify: {len(result.problems)} problem(s)")
        for problem in result.problems:
            self.stderr.write(f"  {problem}")
        if result.truncated:
            self.stderr.write("  ... (more problems not listed)")
        self.stderr.write(summary)
        if result.timestamps:
            self.stderr.write(f"timestamps: {result.timestamps}")
        raise SystemExit(1)
