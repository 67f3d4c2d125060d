"""Django's ``flush``, which leaves the evidence alone.

The evidence tables refuse TRUNCATE and DELETE (triggers), so a plain flush fails on them, as it
should on a real database. Only where ``EVIDENCE_FLUSH_ALLOWED`` is set (the test settings, whose
transactional tests flush the test database after each test) are the triggers lifted for the flush.
"""

from django.conf import settings
from django.core.management.commands.flush import Command as FlushCommand

from declarations.protection import evidence_protection_lifted


class Command(FlushCommand):
    def handle(self, **options):
        if not getattr(settings, "EVIDENCE_FLUSH_ALLOWED", False):
            return super().handle(**options)
        with evidence_protection_lifted(options["database"]):
            return super().handle(**options)
