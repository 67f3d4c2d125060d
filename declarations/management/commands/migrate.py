"""Django's ``migrate``, run as the owner role when ``DATABASE_OWNER_URL`` is set.

The portal's own role (``DATABASE_URL``) may not create or alter tables; the owner does. After
migrating, run ``manage.py db_roles`` so new tables get the portal role's privileges right.
"""

from django.core.management.commands.migrate import Command as MigrateCommand

from declarations.protection import connected_as_owner


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with connected_as_owner(options["database"]):
            return super().handle(*args, **options)
