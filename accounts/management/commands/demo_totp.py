from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from accounts.demo import DEMO_TOTP_SECRET, demo_totp_device
from accounts.identity import normalise_email
from accounts.models import User


class Command(BaseCommand):
    help = "Print the current two-step verification code of a demo account (made by seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. rvo@demo.example.")
        parser.add_argument("--force", action="store_true", help="Allow while DEBUG is off.")

    def handle(self, *args, email, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_totp prints second-factor codes; refused while DEBUG is off (use --force).")
        user = User.objects.filter(email=normalise_email(email)).first()
        device = demo_totp_device(user) if user else None
        if device is None:
            # Only the demo secret is ever printed: a real user's authenticator stays secret.
            raise CommandError(f"{email} has no demo authenticator (run seed_demo; secret {DEMO_TOTP_SECRET}).")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"valid for {remaining} more seconds")
