"""Secrets the embedded default (``DEBUG`` on, nothing configured) generates for itself.

A secret is made at first use from ``secrets`` and kept in a file of ``LOCAL_STATE_DIR`` that only
its owner may read or write (0600, in a 0700 folder): never in the database (an insider with
database access must not read it), never in the repository (so it is not public), and the same
across restarts and processes. Production configures its secrets in the environment instead.
"""

import os
import secrets
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def local_secret_path(name: str) -> Path:
    return Path(settings.LOCAL_STATE_DIR) / f"{name}.key"


def local_secret(name: str, *, nbytes: int = 32) -> str:
    """The hex secret ``name`` of this installation, generated (``nbytes`` random bytes) if missing.

    Concurrent first uses agree on one value: the new secret is written to a private temporary file
    and linked into place only if no other process did so first. A file that others may read is
    refused (the secret may have leaked): remove it to get a new one.
    """
    path = local_secret_path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(nbytes) + "\n")
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process was first: use its secret
        finally:
            temporary.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ImproperlyConfigured(f"{path.name} in LOCAL_STATE_DIR may be read by others (mode {mode:o}); remove it")
    return path.read_text().strip()
