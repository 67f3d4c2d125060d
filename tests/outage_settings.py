"""Production settings for a gunicorn started by a test (tests/integration/test_outages.py).

Only the static files differ: the test has not run ``collectstatic``, so the plain storage stands in
for the manifest one. Everything else comes from the environment, as in production.
"""

from imvo_portal.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
