"""Test settings: only overrides of the real settings (eager Celery, fast hasher, temp media)."""

import os
import tempfile

from imvo_portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker-marked tests switch Celery to the real broker for their duration (tests/workers.py).
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# pytest-xdist (`make test` runs several processes with services): each process has its own test
# database (pytest-django adds _gwN), and here its own media folder and default Celery queue, so one
# process never reads another's files or tasks. PYTEST_XDIST_WORKER is "gw0", "gw1", ... or unset.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="imvo-test-media-")) / XDIST_WORKER  # noqa: F405
if XDIST_WORKER:
    CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-{XDIST_WORKER}"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PORTAL_BASE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests count brochure reads straight into the database; brochures/tests/test_counters.py tests the buffer.
BROCHURE_COUNT_BUFFER_URL = ""
# Transactional tests flush the test database; the evidence triggers are lifted only for that flush.
EVIDENCE_FLUSH_ALLOWED = True
PAGE_CACHE_SECONDS = 0  # pages are live in tests; core/tests/test_page_cache.py turns it on
OIDC_ISSUER = ""  # tests switch eHerkenning on with the oidc fixtures (tests/oidc/fixtures.py)
# /verify/ parse slots are per node (flock files); each test process gets its own, so parallel
# processes never take each other's slots.
VERIFY_SANDBOX_SLOT_DIR = tempfile.mkdtemp(prefix="imvo-test-verify-slots-")
# Secrets the embedded default generates (dashboard rounding key) go to a folder of this test run.
LOCAL_STATE_DIR = Path(tempfile.mkdtemp(prefix="imvo-test-state-"))  # noqa: F405
# A fixed, public, test-only rounding key, so dashboard tests draw the same way in every run
# (dashboard/tests/test_keys.py tests the embedded default's generated key and the refusals).
DASHBOARD_ROUNDING_KEY = bytes(range(32)).hex()
# The TEST PKI of the evidence (receipt seal, TSA) is made once per test process in a temporary folder.
EVIDENCE_PKI_DIR = (
    Path(os.environ.get("TEST_EVIDENCE_PKI_DIR") or tempfile.mkdtemp(prefix="imvo-test-pki-")) / XDIST_WORKER  # noqa: F405
)
# No TSA unless a test asks for one (the ``tsa`` fixture, declarations/tests/conftest.py), and the seal
# and TSA roots of this process's TEST PKI, whatever the environment (CI exports its own for the worker).
DECLARATION_TSA_URL = []
DECLARATION_TSA_ROOTS = []
DECLARATION_SEAL_CERT = DECLARATION_SEAL_KEY = DECLARATION_SEAL_KEY_PASSPHRASE = ""
DECLARATION_SEAL_CHAIN = DECLARATION_SEAL_ROOTS = []
EVIDENCE_TEST_PKI = True
# One log line per request (core/request_log.py) only where a test asks for it.
LOGGING["loggers"]["imvo.request"]["level"] = "WARNING"  # noqa: F405
