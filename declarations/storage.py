"""Write-once storage for the copies of the signed checkpoints (``STORAGES["evidence"]``).

Locally the copies are read-only files in the media folder. On S3-compatible storage each copy is
written with object lock (``AWS_S3_OBJECT_LOCK_MODE`` = ``GOVERNANCE`` or ``COMPLIANCE``, kept for
``AWS_S3_OBJECT_LOCK_DAYS``) when configured; the bucket must have been created with object lock
enabled. Either way the portal itself never overwrites a name (``declarations/checkpoints.py``).
"""

from datetime import timedelta

from django.utils import timezone
from storages.backends.s3 import S3Storage


class EvidenceS3Storage(S3Storage):
    def __init__(self, *, object_lock_mode: str = "", object_lock_days: int = 3650, **settings):
        settings["file_overwrite"] = False
        super().__init__(**settings)
        self.object_lock_mode = object_lock_mode.upper()
        self.object_lock_days = object_lock_days

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        if self.object_lock_mode:
            params["ObjectLockMode"] = self.object_lock_mode
            params["ObjectLockRetainUntilDate"] = timezone.now() + timedelta(days=self.object_lock_days)
        return params
