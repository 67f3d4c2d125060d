from django.core.management.base import BaseCommand

from declarations.invitations import declarations_right_text_invite


class Command(BaseCommand):
    help = (
        "Invite, once, the authorised signatories of every organisation whose current declaration was "
        "signed with the text of another kind of undertaking (run daily by beat)."
    )

    def handle(self, *args, **options):
        queued = declarations_right_text_invite()
        self.stdout.write(f"{queued} invitation(s) queued.")
