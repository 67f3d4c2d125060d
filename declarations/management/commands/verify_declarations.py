import json

from django.core.management.base import BaseCommand, CommandError

from declarations.services import declarations_verify


class Command(BaseCommand):
    help = (
        "Verify the declaration evidence: every keyed record hash, the chain, the signed checkpoints "
        "(database and storage copies), personal data and erasures, the audit trail's chain, the published "
        "texts and the current-declaration pointers. Exit 1 with a report on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="OLD_BUNDLE",
            help="an earlier verification bundle (export_verification_bundle): the register must extend it, "
            "every checkpoint and record in it unchanged; the first divergence is named",
        )

    def handle(self, *args, since=None, **options):
        old = None
        if since:
            try:
                with open(since, encoding="utf-8") as handle:
                    old = json.load(handle)
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the older bundle: {exc}") from exc
            if not isinstance(old, dict):
                raise CommandError("the older bundle is not a JSON object")
        result = declarations_verify(since=old)
        latest = result.latest_checkpoint
        anchored = (
            f"latest checkpoint {latest.number} covers #{latest.sequence} ({latest.created_at:%Y-%m-%d %H:%M} UTC)"
            if latest
            else "no checkpoint yet"
        )
        summary = (
            f"{result.checked} declarations, {result.audit_checked} chained audit events and "
            f"{result.checkpoints_verified} checkpoints checked; {anchored}; "
            f"{result.unanchored} record(s) not yet covered by a checkpoint"
        )
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        for restore in result.restores:  # a recorded restore is an event, not a failure (declarations/restores.py)
            self.stdout.write(f"restore: {restore}")
        if result.ok:
            extends = f"; extends {since}" if since else ""
            self.stdout.write(f"{result.checked} declarations verified ({summary}{extends})")
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
