import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imvo_portal.settings")
django_application = get_wsgi_application()

# Published PDFs (immutable, content-hashed URLs) are answered before Django's middleware, the
# way whitenoise serves static files (brochures/files.py); so are anonymous pages this process
# served a moment ago (core/page_cache.py), and the health checks a load balancer polls
# (core/health.py).
from brochures.files import PublishedPdfApp  # noqa: E402 - needs the settings configured above
from core.health import HealthApp, services_probe_soon  # noqa: E402
from core.page_cache import PageCacheApp  # noqa: E402

application = HealthApp(PublishedPdfApp(PageCacheApp(django_application)))

# The readiness state (cache, broker, worker) is probed as the process starts, not by its first
# /healthz/ready request, which would otherwise wait up to HEALTHZ_TIMEOUT for it.
services_probe_soon()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's
# full collections, which otherwise walk it again and again (pauses in a request's time). Under
# gunicorn with --preload this also keeps the pages shared between the forked workers.
gc.freeze()
