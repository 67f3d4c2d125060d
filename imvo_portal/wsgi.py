import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")
django_application = get_wsgi_application()

# Published PDFs (immutable, content-hashed URLs) are answered before Django's middleware, the
# way whitenoise serves static files (brochures/files.py); so are anonymous pages this process
# served a moment ago (core/page_cache.py), and the health checks a load balancer polls
# (core/health.py).
from brochures.files import PublishedPdfApp  # noqa: E402 - needs the settings configured above
from core.database import set_default_wait  # noqa: E402
from core.health import HealthApp, services_watch  # noqa: E402
from core.page_cache import PageCacheApp  # noqa: E402

application = HealthApp(PublishedPdfApp(PageCacheApp(django_application)))

# The readiness state (cache, broker, worker) is probed as the process starts and then every
# HEALTHZ_READY_INTERVAL seconds in the background: /healthz/ready answers from memory at once.
services_watch()

# In a web process every wait for PostgreSQL is a request's: at most DATABASE_REQUEST_WAIT_TIMEOUT
# (core/database.py), also in the request signals around Django's handler.
set_default_wait(settings.DATABASE_REQUEST_WAIT_TIMEOUT)

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# full collections, which otherwise walk it again and again (pauses in a request's time). Under
# gunicorn with --preload this also keeps the pages shared between the forked workers.
gc.freeze()
